"""Verdicts: the run's status and outputs against what the case expects, and the reasons given."""

from __future__ import annotations

import time
from typing import Any

import pytest

from arazzo_runner.execution.results import RunError, RunResult
from arazzo_runner.suite.outcome import FAILED, PASSED, Expectation
from arazzo_runner.suite.verdict import json_equal, judge, show

CRITERIA = RunError("criteria", "successCriteria not met: `$statusCode == 201`: $statusCode is 404", "addNumber")

VERDICTS = [
    # (expect, status, outputs, error, verdict, reason, step)
    (Expectation(), "succeeded", {}, None, PASSED, None, None),
    (
        Expectation(),
        "failed",
        {},
        CRITERIA,
        FAILED,
        "step addNumber failed: successCriteria not met: `$statusCode == 201`: $statusCode is 404",
        "addNumber",
    ),
    (
        Expectation(),
        "error",
        {},
        RunError("max-steps", "the run took more than 3 steps"),
        FAILED,
        "the run took more than 3 steps",
        None,
    ),
    (Expectation(), "failed", {}, None, FAILED, "the workflow failed", None),
    (Expectation(status="failed"), "failed", {}, CRITERIA, PASSED, None, None),
    (Expectation(status="failed"), "succeeded", {}, None, FAILED, "expected status failed, got succeeded", None),
    (Expectation(status="succeeded"), "dry-run", {}, None, FAILED, "expected status succeeded, got dry-run", None),
    (Expectation(outputs={"sid": "x"}), "succeeded", {"sid": "x"}, None, PASSED, None, None),
    (
        Expectation(outputs={"sid": "x"}),
        "succeeded",
        {"sid": "y"},
        None,
        FAILED,
        "output sid: expected 'x', got 'y'",
        None,
    ),
    (
        Expectation(outputs={"sid": None}),
        "succeeded",
        {},
        None,
        FAILED,
        "output sid: expected null, got nothing (the output is missing)",
        None,
    ),
    (Expectation(outputs={"sid": None}), "succeeded", {"sid": None}, None, PASSED, None, None),
    (Expectation(outputs={"n": 1}), "succeeded", {"n": True}, None, FAILED, "output n: expected 1, got true", None),
    (Expectation(outputs={"n": 1}), "succeeded", {"n": 1.0}, None, PASSED, None, None),
    (Expectation(outputs={"n": "1"}), "succeeded", {"n": 1}, None, FAILED, "output n: expected '1', got 1", None),
    (
        Expectation(outputs={"o": {"a": [1, {"b": None}]}}),
        "succeeded",
        {"o": {"a": [1, {"b": None}]}},
        None,
        PASSED,
        None,
        None,
    ),
    (
        Expectation(outputs={"o": {"a": [1]}}),
        "succeeded",
        {"o": {"a": [1], "b": 2}},
        None,
        FAILED,
        'output o: expected {"a": [1]}, got {"a": [1], "b": 2}',
        None,
    ),
    (
        Expectation(outputs={"sid": {"regex": "^MG[0-9a-f]{4}$"}}),
        "succeeded",
        {"sid": "MG12ab"},
        None,
        PASSED,
        None,
        None,
    ),
    (Expectation(outputs={"n": {"regex": "^4\\d$"}}), "succeeded", {"n": 42}, None, PASSED, None, None),
    (Expectation(outputs={"o": {"regex": '"ok":true'}}), "succeeded", {"o": {"ok": True}}, None, PASSED, None, None),
    (
        Expectation(outputs={"sid": {"regex": "^MG"}}),
        "succeeded",
        {"sid": "PN12"},
        None,
        FAILED,
        "output sid: 'PN12' does not match regex '^MG'",
        None,
    ),
    (
        Expectation(outputs={"sid": {"regex": "^MG"}}),
        "succeeded",
        {},
        None,
        FAILED,
        "output sid: expected a match of regex '^MG', got nothing (the output is missing)",
        None,
    ),
    (
        Expectation(outputs={"sid": {"regex": "null"}}),
        "succeeded",
        {"sid": None},
        None,
        FAILED,
        "output sid: expected a match of regex 'null', got null",
        None,
    ),
    (
        Expectation(outputs={"a": 1, "b": 2}),
        "succeeded",
        {"a": 2, "b": 3},
        None,
        FAILED,
        "output a: expected 1, got 2; output b: expected 2, got 3",
        None,
    ),
    # outputs are checked when a failure was expected too
    (
        Expectation(status="failed", outputs={"a": 1}),
        "failed",
        {"a": 2},
        CRITERIA,
        FAILED,
        "output a: expected 1, got 2",
        None,
    ),
]


@pytest.mark.parametrize(("expect", "status", "outputs", "error", "verdict", "reason", "step"), VERDICTS)
def test_verdicts_and_reasons(
    expect: Expectation, status: str, outputs: dict[str, Any], error: Any, verdict: str, reason: Any, step: Any
) -> None:
    result = RunResult("w", status, outputs=outputs, error=error)
    assert judge(expect, result) == (verdict, reason, step)


def test_a_catastrophic_regex_does_not_hang_the_suite() -> None:
    text = "a" * 5000 + "!"
    start = time.perf_counter()
    verdict, reason, _ = judge(
        Expectation(outputs={"x": {"regex": "^(a+)+$"}}), RunResult("w", "succeeded", {"x": text})
    )
    assert time.perf_counter() - start < 5
    assert verdict == FAILED
    assert reason is not None and reason.startswith("output x: 'aaaa")
    # lookaround runs on the backtracking engine, with a time limit
    verdict, reason, _ = judge(
        Expectation(outputs={"x": {"regex": "^(?=(a+)+$)"}}), RunResult("w", "succeeded", {"x": "a" * 40 + "!"})
    )
    assert time.perf_counter() - start < 10
    assert verdict == FAILED and reason is not None and reason.startswith("output x:")


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [
        (True, 1, False),
        (0, False, False),
        (1, 1.0, True),
        ([1], (1,), True),
        ("a", "a", True),
        (None, None, True),
        ({}, [], False),
    ],
)
def test_json_equality(left: Any, right: Any, equal: bool) -> None:
    assert json_equal(left, right) is equal


def test_long_values_are_cut_in_reasons() -> None:
    shown = show("x" * 1000)
    assert len(shown) == 200 and shown.endswith("…")
