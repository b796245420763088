"""Whether a run meets its case's expectation, and why not, in words a user can act on.

A case passes when the run's status is the expected one (``succeeded`` by default) and each
expected output matches: an exact JSON value (``1`` is not ``true``, and an output that is
missing never equals ``null``), or ``{regex: PATTERN}``, an ECMA-262 pattern searched in the
output's text form (strings as themselves, the rest as compact JSON) on the project's bounded
regex engines, so a catastrophic pattern fails the case instead of hanging the suite.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Optional

from ..errors import ExpressionError
from ..missing import MISSING
from .cases import is_matcher
from .outcome import FAILED, PASSED, Expectation

if TYPE_CHECKING:  # pragma: no cover
    from ..execution.results import RunResult

__all__ = ["judge", "failure_reason", "json_equal", "show"]

SHOWN_CHARACTERS = 200  # a value in a reason is cut here: the report holds the whole run


def judge(expect: Expectation, result: RunResult) -> tuple[str, Optional[str], Optional[str]]:
    """(verdict, reason, failing step id) of a run that started."""
    if result.status != expect.status:
        if result.status in ("failed", "error") and expect.status == "succeeded":
            return FAILED, failure_reason(result), result.error.step_id if result.error else None
        return FAILED, f"expected status {expect.status}, got {result.status}", None
    problems = [
        problem
        for name, expected in expect.outputs.items()
        if (problem := _check_output(name, expected, result.outputs))
    ]
    if problems:
        return FAILED, "; ".join(problems), None
    return PASSED, None, None


def failure_reason(result: RunResult) -> str:
    """Why a run failed: ``step addNumber failed: successCriteria not met: ...``, or the run's
    own error (``max-steps``, a workflow-level failure)."""
    error = result.error
    if error is None:
        return f"the workflow {result.status}"
    if error.step_id:
        return f"step {error.step_id} failed: {error.message}"
    return error.message


def _check_output(name: str, expected: Any, outputs: Mapping[str, Any]) -> Optional[str]:
    """None when output ``name`` meets ``expected``, else what is wrong with it."""
    actual = outputs.get(name, MISSING)
    if is_matcher(expected):
        pattern = expected["regex"]
        if actual is MISSING:
            return f"output {name}: expected a match of regex {pattern!r}, got nothing (the output is missing)"
        if actual is None:
            return f"output {name}: expected a match of regex {pattern!r}, got null"
        from ..expressions.regex import regex_search

        try:
            matched = regex_search(actual, pattern)
        except ExpressionError as error:  # out of time (a catastrophic pattern), or not text
            return f"output {name}: regex {pattern!r}: {error.message}"
        return None if matched else f"output {name}: {show(actual)} does not match regex {pattern!r}"
    if actual is MISSING:
        return f"output {name}: expected {show(expected)}, got nothing (the output is missing)"
    if not json_equal(expected, actual):
        return f"output {name}: expected {show(expected)}, got {show(actual)}"
    return None


def json_equal(left: Any, right: Any) -> bool:
    """Equality of JSON values: booleans are not numbers, ``1 == 1.0``, MISSING equals nothing."""
    if left is MISSING or right is MISSING:
        return False
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(json_equal(left[key], right[key]) for key in left)
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return len(left) == len(right) and all(json_equal(a, b) for a, b in zip(left, right, strict=True))
    if type(left) is not type(right) and not (isinstance(left, str) and isinstance(right, str)):
        return False
    return bool(left == right)


def show(value: Any) -> str:
    """A value as a reason shows it: strings quoted, the rest as JSON, cut when long."""
    if value is MISSING:
        return "nothing"
    if isinstance(value, str):
        text = repr(value)
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        except (TypeError, ValueError):
            text = repr(value)
    return text if len(text) <= SHOWN_CHARACTERS else text[: SHOWN_CHARACTERS - 1] + "…"
