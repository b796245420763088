"""Criterion evaluation cannot hang or exhaust the runner: regex engines, XPath/JSONPath budgets."""

from __future__ import annotations

import resource
import time
from typing import Any

import pytest

from arazzo_runner.expressions import ExpressionContext, HttpMessage, evaluate_criterion
from arazzo_runner.expressions.bounded import to_re2

CATASTROPHIC = "a" * 50_000 + "!"
JSON = ExpressionContext(response=HttpMessage(headers={}, body={"a": CATASTROPHIC, "n": 1}))
XML = ExpressionContext(response=HttpMessage(headers={}, body=f"<r><a>{CATASTROPHIC}</a></r>"))
TEXT = ExpressionContext(response=HttpMessage(headers={}, body=CATASTROPHIC))

# (id, context, condition, type, passed, words in the error or None)
CASES: list[tuple[str, ExpressionContext, str, Any, bool, str | None]] = [
    ("ecma-nested-quantifiers-linear", TEXT, "(a+)+$", "regex", False, None),
    ("ecma-backreference-bounded", TEXT, r"^(a+)+\1$", "regex", False, "took longer than 0.5 s on 50,001"),
    ("ecma-lookahead-bounded", TEXT, r"^(?=(a|aa)+$)", "regex", False, "nested quantifiers"),
    ("ecma-backreference-works", TEXT, r"^(a)\1", "regex", True, None),
    ("ecma-lookahead-works", TEXT, r"a(?=!)", "regex", True, None),
    ("jsonpath-match-linear", JSON, '$[?match(@, "(a+)+")]', "jsonpath", False, None),
    ("jsonpath-search-works", JSON, '$[?search(@, "a!")]', "jsonpath", True, None),
    ("xpath-matches-bounded", XML, "matches(/r/a, '(a+)+$')", "xpath", False, "took longer than 0.5 s"),
    ("xpath-replace-bounded", XML, "replace(/r/a, '(a|aa)+$', 'x') = 'x'", "xpath", False, "took longer"),
    ("xpath-matches-works", XML, "matches(/r/a, 'a+!$')", "xpath", True, None),
    ("xpath-huge-range", XML, "count(1 to 100000000) > 0", "xpath", False, "100,000,000 items"),
    ("xpath-range-within-limits", XML, "count(1 to 1000) = 1000", "xpath", True, None),
    (
        "xpath-nested-for-times-out",
        XML,
        "count(for $a in 1 to 1000, $b in 1 to 1000, $c in 1 to 1000 return 1) > 0",
        "xpath",
        False,
        "took longer than 2 s",
    ),
]


@pytest.mark.parametrize(
    ("context", "condition", "type_", "passed", "words"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_bounded(context: ExpressionContext, condition: str, type_: Any, passed: bool, words: str | None) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = evaluate_criterion(condition, context, criterion_context="$response.body", type_=type_)
    elapsed = time.perf_counter() - start
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert result.passed is passed, result
    assert elapsed < (2.5 if "for $a" in condition else 1.0)
    assert grown_mb < 200
    if words is None:
        assert result.error is None, result.error
    else:
        assert result.error is not None and words in result.error
        assert "Error" not in result.error and "Traceback" not in result.error


def test_time_limit_smaller_than_the_cap_is_honoured() -> None:
    start = time.perf_counter()
    result = evaluate_criterion(r"^(a+)+\1$", TEXT, criterion_context="$response.body", type_="regex", time_limit=0.1)
    assert time.perf_counter() - start < 0.3
    assert result.passed is False and result.error is not None and "0.1 s" in result.error
    start = time.perf_counter()
    result = evaluate_criterion(
        "count(for $a in 1 to 1000, $b in 1 to 1000 return 1) > 0",
        XML,
        criterion_context="$response.body",
        type_="xpath",
        time_limit=0.2,
    )
    assert time.perf_counter() - start < 0.5
    assert result.passed is False and result.error is not None and "0.2 s" in result.error


def test_no_time_left_fails_at_once() -> None:
    result = evaluate_criterion("$statusCode == 200", ExpressionContext(status_code=200), time_limit=0)
    assert result.passed is False and result.error == "no time was left to evaluate the criterion"


class _Incomparable:
    def __lt__(self, other: Any) -> bool:
        raise TypeError("'<' not supported between instances of '_Incomparable' and 'int'")


def test_incompatible_types_give_a_user_level_message() -> None:
    def resolver(name: str, reference: str) -> Any:
        return _Incomparable() < 1

    result = evaluate_criterion("$sourceDescriptions.api.url == 'x'", ExpressionContext(source_descriptions=resolver))
    assert result.passed is False
    assert result.error == "the criterion could not be evaluated: it uses values of types that cannot be used together"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\\u2028\\Z", "a\\x{2028}\\z"),
        ("\\U0001f600", "\\x{0001f600}"),
        ("(?P<n>x)(?:y)", "(?P<n>x)(?:y)"),
        ("(?=a)", None),
        ("(?(1)\\1)", None),
        ("\\1", None),
    ],
)
def test_to_re2(text: str, expected: str | None) -> None:
    assert to_re2(text) == expected
