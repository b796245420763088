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


GOESSNER = {"type": "jsonpath", "version": "draft-goessner-dispatch-jsonpath-00"}
# (id, context, condition, type, words in the error, alternatives split by "|"; "" for no error):
# each must fail, for that reason, in time, under a 1 GB address-space cap (bounded_worker.py).
# Which of two limits comes first depends on the machine's speed.
RISKY: list[tuple[str, str, str, Any, str]] = [
    (
        "fold-left-doubling-string",
        "xml",
        "fold-left(1 to 40, 'a', function($a, $b) { concat($a, $a) }) = 'a'",
        "xpath",
        "10,000,000 characters",
    ),
    (
        "fold-right-doubling-string",
        "xml",
        "string-length(fold-right(1 to 40, 'a', function($b, $a) { $a || $a })) > 0",
        "xpath",
        "characters",
    ),
    (
        "fold-left-doubling-sequence",
        "xml",
        "count(fold-left(1 to 40, 1, function($a, $b) { ($a, $a) })) > 0",
        "xpath",
        "1,000,000 items",
    ),
    ("fold-left-squaring", "xml", "fold-left(1 to 40, 2, function($a, $b) { $a * $a }) > 0", "xpath", "300,000 digits"),
    (
        "self-application-squaring",
        "xml",
        "let $f := function($s) { concat($s, $s) } return string-length($f($f($f($f($f($f($f($f($f($f($f($f($f($f($f($f($f($f($f($f($f($f($f($f($f('ab')))))))))))))))))))))))))) > 0",
        "xpath",
        "characters",
    ),
    (
        "for-each-nested",
        "xml",
        "count(for-each(1 to 1000, function($i) { for-each(1 to 1000, function($j) { 1 to 1000 }) })) > 0",
        "xpath",
        "1,000,000 items|took longer",
    ),
    (
        "sort-with-key",
        "xml",
        "count(sort(1 to 1000000, (), function($x) { -$x })) > 0",
        "xpath",
        "took longer than 2 s",
    ),
    (
        "filter-function",
        "xml",
        "count(filter(1 to 1000000, function($x) { string-length(string-join((1 to $x) ! 'abc')) > 0 })) > 0",
        "xpath",
        "took longer than 2 s",
    ),
    (
        "function-reference",
        "xml",
        "string-length(fold-left(1 to 40, 'a', function($a, $b) { concat#2($a, $a) })) > 0",
        "xpath",
        "characters",
    ),
    (
        "function-lookup",
        "xml",
        "string-length(fold-left(1 to 40, 'a', function($a, $b) { function-lookup(xs:QName('fn:concat'), 2)($a, $a) })) > 0",
        "xpath",
        "characters",
    ),
    ("arrays-of-ranges", "xml", "count(for $i in 1 to 1000 return [1 to 999999]) > 0", "xpath", "1,000,000 items"),
    (
        "map-of-sequences",
        "xml",
        "map:size(map:merge(for $i in 1 to 900 return map { $i: 1 to 999999 })) > 0",
        "xpath",
        "1,000,000 items",
    ),
    (
        "many-strings",
        "xml",
        "let $big := string-join((1 to 100000) ! 'abcdefghij') return count(for $i in 1 to 1000 return concat($big, $i)) > 0",
        "xpath",
        "characters",
    ),
    ("rfc-descendants-cubed", "json", "$..*..*..*", "jsonpath", "1,000,000 nodes|took longer"),
    # fast machines finish it (no match) within the limits; slow or busy ones hit the time limit
    ("rfc-filter-count-descendants", "json", "$.t..[?count(@..*) > 100000]", "jsonpath", "?took longer than 2 s"),
    ("rfc-match-backtracking", "text", '$[?match(@, "(a|aa)+")]', "jsonpath", ""),
    ("goessner-descendants-cubed", "json", "$..*..*..*", GOESSNER, "JSONPath '$..*..*..*'"),
    ("goessner-regex-literal", "text", r"$[?@ =~ /(a+)+\1/]", GOESSNER, "took longer than 0.5 s on 50,001 characters"),
    ("goessner-match-backtracking", "text", '$[?match(@, "(a|aa)+")]', GOESSNER, ""),
]


@pytest.fixture(scope="module")
def risky_results() -> dict[str, tuple[bool, str | None, float]]:
    import json
    import subprocess
    import sys
    from pathlib import Path

    cases = [[case_id, context, condition, type_] for case_id, context, condition, type_, _ in RISKY]
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("bounded_worker.py"))],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    results = {}
    for line in completed.stdout.splitlines():
        case_id, passed, error, elapsed = json.loads(line)
        results[case_id] = (passed, error, elapsed)
    assert completed.returncode == 0, (completed.returncode, completed.stderr[-2000:], sorted(results))
    return results


@pytest.mark.parametrize(("case_id", "words"), [(case[0], case[4]) for case in RISKY], ids=[case[0] for case in RISKY])
def test_risky_criteria_fail_in_time_under_a_memory_cap(
    risky_results: dict[str, tuple[bool, str | None, float]], case_id: str, words: str
) -> None:
    passed, error, elapsed = risky_results[case_id]
    assert passed is False
    assert elapsed < 3.0, (elapsed, error)
    if words.startswith("?") and error is None:
        return  # bounded either way: it finished in time with no match
    if words:
        words = words.lstrip("?")
        assert error is not None and any(word in error for word in words.split("|")), error
        assert "memory" not in error, error  # stopped by a limit, not by running out
    else:
        assert error is None  # a linear-time engine: no match, quickly
