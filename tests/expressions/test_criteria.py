"""Criterion Objects (cases/criteria.yaml): simple conditions, types, versions, contexts.

Criteria that need the regex / JSONPath / XPath modules are skipped, with the reason, while
those modules cannot be imported (they are written separately, with tables of their own).
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import pytest

from arazzo_runner.errors import ExpressionError
from arazzo_runner.expressions import CriterionResult, ExpressionContext, criterion_kind, evaluate_criterion
from arazzo_runner.expressions.criteria import ALLOWED_VERSIONS, DEFAULT_VERSIONS

from .test_runtime_expressions import SHARED_CONTEXT, load_cases

_MODULES = {
    "regex": "arazzo_runner.expressions.regex",
    "jsonpath": "arazzo_runner.expressions.jsonpath",
    "xpath": "arazzo_runner.expressions.xpath",
    "selectors": "arazzo_runner.expressions.selectors",
}


def _importable(name: str) -> str | None:
    """None when the module imports, else why not."""
    try:
        importlib.import_module(_MODULES[name])
    except Exception as error:  # ImportError, or a module still being written
        return f"{_MODULES[name]} cannot be imported yet ({type(error).__name__}: {error})"
    return None


def _words(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("case", load_cases("criteria.yaml"))
def test_criterion(case: dict[str, Any]) -> None:
    if "needs" in case:
        reason = _importable(case["needs"])
        if reason is not None:
            pytest.skip(reason)
    result = evaluate_criterion(
        case["condition"], SHARED_CONTEXT, criterion_context=case.get("context"), type_=case.get("type")
    )
    assert isinstance(result, CriterionResult)
    assert result.passed is case["passed"]
    if "error" in case:
        assert result.passed is False
        assert result.error is not None
        for word in _words(case["error"]):
            assert word in result.error, f"{word!r} not in {result.error!r}"
        assert result.message == result.error
    else:
        assert result.error is None, result.error
    if "detail" in case:
        assert result.detail is not None
        for word in _words(case["detail"]):
            assert word in result.detail, f"{word!r} not in {result.detail!r}"
    if result.passed:
        assert result.detail is None and result.message is None


# ---------------------------------------------------------------- criterion_kind


@pytest.mark.parametrize(
    ("type_", "expected"),
    [
        (None, ("simple", None)),
        ("simple", ("simple", None)),
        ("regex", ("regex", None)),
        ("jsonpath", ("jsonpath", "rfc9535")),
        ("xpath", ("xpath", "xpath-31")),
        ({"type": "jsonpath"}, ("jsonpath", "rfc9535")),
        (
            {"type": "jsonpath", "version": "draft-goessner-dispatch-jsonpath-00"},
            ("jsonpath", "draft-goessner-dispatch-jsonpath-00"),
        ),
        ({"type": "xpath", "version": "xpath-10"}, ("xpath", "xpath-10")),
        ({"type": "xpath", "version": "xpath-20"}, ("xpath", "xpath-20")),
        ({"type": "xpath", "version": "xpath-30"}, ("xpath", "xpath-30")),
        ({"type": "xpath", "version": "xpath-31"}, ("xpath", "xpath-31")),
        (SimpleNamespace(type="xpath", version="xpath-30"), ("xpath", "xpath-30")),
        (SimpleNamespace(type="jsonpath", version=None), ("jsonpath", "rfc9535")),
    ],
)
def test_criterion_kind(type_: Any, expected: tuple[str, Any]) -> None:
    assert criterion_kind(type_) == expected


@pytest.mark.parametrize(
    ("type_", "words"),
    [
        ("regexp", "unknown criterion type 'regexp'"),
        ("JSONPath", "unknown criterion type"),
        ({"version": "xpath-30"}, "unknown criterion type None"),
        ({"type": "jsonpath", "version": "xpath-30"}, "jsonpath version 'xpath-30' is not known"),
        ({"type": "xpath", "version": "3.1"}, "xpath version '3.1' is not known"),
        (42, "unknown criterion type"),
    ],
)
def test_criterion_kind_errors(type_: Any, words: str) -> None:
    with pytest.raises(ExpressionError, match=words):
        criterion_kind(type_)


def test_default_versions_are_allowed() -> None:
    for kind, version in DEFAULT_VERSIONS.items():
        assert version in ALLOWED_VERSIONS[kind]
    assert DEFAULT_VERSIONS["jsonpath"] == "rfc9535"
    assert DEFAULT_VERSIONS["xpath"] == "xpath-31"


# ---------------------------------------------------------------- never raises


class _Exploding:
    """A mapping-like context part whose every access raises: a broken embedder's object."""

    def get(self, *args: Any) -> Any:
        raise RuntimeError("boom")

    def __contains__(self, item: Any) -> bool:
        raise RuntimeError("boom")


def test_an_error_of_the_context_is_a_failed_criterion() -> None:
    context = ExpressionContext(inputs=_Exploding(), steps=_Exploding())  # type: ignore[arg-type]
    result = evaluate_criterion("$steps.s.outputs.x == 1", context)
    assert result.passed is False
    assert result.error is not None and "boom" in result.error


def test_a_failing_source_resolver_is_a_failed_criterion() -> None:
    def resolver(name: str, reference: str) -> Any:
        raise ValueError(f"cannot resolve {name}.{reference}")

    result = evaluate_criterion("$sourceDescriptions.api.url == 'x'", ExpressionContext(source_descriptions=resolver))
    assert result.passed is False
    assert result.error is not None and "cannot resolve api.url" in result.error


def test_empty_context_never_raises() -> None:
    context = ExpressionContext()
    for condition in ("$statusCode == 200", "$response.body#/a == 1", "!$message.payload", "$self != null"):
        result = evaluate_criterion(condition, context)
        assert result.error is None
    assert evaluate_criterion("!$message.payload", context).passed is True


def test_detail_names_what_was_compared() -> None:
    result = evaluate_criterion("$statusCode == 200 && $response.body#/status == 'active'", SHARED_CONTEXT)
    assert result.passed is False
    assert result.message == "$statusCode is 201"
