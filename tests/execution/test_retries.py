"""Retry actions: limits, delays, the Retry-After header, detours, budgets."""

from __future__ import annotations

import email.utils
import time

import pytest

from .conftest import Reply, trail

DOC = "retries.arazzo.yaml"


def test_fails_twice_then_succeeds_with_retry_limit_two(server, make_runner, clock) -> None:
    server.on("GET", "/flaky", Reply(503, {}), Reply(503, {}), Reply(200, {"value": 42}))
    result = make_runner(DOC).run("retry-twice", {})
    assert result.status == "succeeded"
    assert trail(result) == [
        ("retry-twice", "call", 1, "failed"),
        ("retry-twice", "call", 2, "failed"),
        ("retry-twice", "call", 3, "succeeded"),
    ]
    assert len(server.received("/flaky")) == 3
    assert clock.sleeps == [0.1, 0.1]
    assert result.outputs == {"value": 42}
    assert result.error is None
    assert [s["attempt"] for s in result.to_dict()["steps"]] == [1, 2, 3]


def test_retry_limit_one_fails_after_two_executions(server, make_runner, clock) -> None:
    server.on("GET", "/flaky", Reply(503, {}), Reply(503, {}), Reply(200, {}))
    result = make_runner(DOC).run("retry-once", {})
    assert result.status == "failed"
    assert trail(result) == [("retry-once", "call", 1, "failed"), ("retry-once", "call", 2, "failed")]
    assert len(server.received("/flaky")) == 2
    assert clock.sleeps == [0.1]
    assert result.error is not None and result.error.step_id == "call"


def test_retry_limit_absent_means_one_retry(server, make_runner, clock) -> None:
    server.on("GET", "/flaky", Reply(500, {}))
    result = make_runner(DOC).run("retry-default", {})
    assert result.status == "failed"
    assert [s.attempt for s in result.steps] == [1, 2]
    assert clock.sleeps == [0.1]


def test_retry_limit_zero_means_no_retry(server, make_runner, clock) -> None:
    server.on("GET", "/flaky", Reply(500, {}))
    result = make_runner(DOC).run("retry-none", {})
    assert result.status == "failed"
    assert [s.attempt for s in result.steps] == [1]
    assert clock.sleeps == []
    assert len(server.received("/flaky")) == 1


def test_spent_budget_falls_through_to_the_next_failure_action(server, make_runner, clock) -> None:
    server.on("GET", "/flaky", Reply(500, {}))
    server.on("GET", "/fallback", Reply(200, {}))
    result = make_runner(DOC).run("retry-then-goto", {})
    assert result.status == "succeeded"
    assert trail(result) == [
        ("retry-then-goto", "call", 1, "failed"),
        ("retry-then-goto", "call", 2, "failed"),
        ("retry-then-goto", "fb", 1, "succeeded"),
    ]
    assert clock.sleeps == [0.25]
    assert server.received("/ping") == []


def test_retry_criteria_limit_which_failures_are_retried(server, make_runner) -> None:
    server.on("GET", "/flaky", Reply(503, {}), Reply(500, {}), Reply(200, {}))
    result = make_runner(DOC).run("retry-only-on-503", {})
    assert result.status == "failed"
    assert [(s.attempt, s.response.status_code) for s in result.steps] == [(1, 503), (2, 500)]


def test_retry_with_step_id_runs_that_step_first(server, make_runner) -> None:
    server.on("GET", "/flaky", Reply(503, {}), Reply(200, {}))
    server.on("POST", "/recover", Reply(204))
    result = make_runner(DOC).run("retry-with-step", {})
    assert result.status == "succeeded"
    assert trail(result) == [
        ("retry-with-step", "call", 1, "failed"),
        ("retry-with-step", "fix", 1, "succeeded"),
        ("retry-with-step", "call", 2, "succeeded"),
    ]
    assert server.paths() == ["GET /flaky", "POST /recover", "GET /flaky"]


def test_retry_with_workflow_id_runs_that_workflow_first(server, make_runner) -> None:
    server.on("GET", "/flaky", Reply(503, {}), Reply(200, {}))
    server.on("POST", "/recover", Reply(204))
    result = make_runner(DOC).run("retry-with-workflow", {})
    assert result.status == "succeeded"
    assert trail(result) == [
        ("retry-with-workflow", "call", 1, "failed"),
        ("helper", "h1", 1, "succeeded"),
        ("retry-with-workflow", "call", 2, "succeeded"),
    ]
    assert server.paths() == ["GET /flaky", "POST /recover", "GET /flaky"]
    assert result.outputs == {"fixed": 204}


def test_goto_resets_the_retry_budget(server, make_runner) -> None:
    server.on("GET", "/flaky", Reply(503, {}), Reply(200, {}), Reply(503, {}), Reply(200, {}))
    server.on("GET", "/status", Reply(200, {"state": "again"}), Reply(200, {"state": "done"}))
    result = make_runner(DOC).run("retry-reset-by-goto", {})
    assert result.status == "succeeded"
    assert [(s.step_id, s.attempt, s.status) for s in result.steps] == [
        ("call", 1, "failed"),
        ("call", 2, "succeeded"),
        ("check", 1, "succeeded"),
        ("call", 1, "failed"),
        ("call", 2, "succeeded"),
        ("check", 1, "succeeded"),
    ]
    assert server.received("/fallback") == []


def test_retry_after_header_in_seconds_overrules_retry_after(server, make_runner, clock) -> None:
    server.on("GET", "/flaky", Reply(503, {}, headers={"Retry-After": "3"}), Reply(200, {}))
    result = make_runner(DOC).run("retry-once", {})
    assert result.status == "succeeded"
    assert clock.sleeps == [3.0]


def test_retry_after_header_as_http_date(server, make_runner, clock) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    server.on("GET", "/flaky", Reply(503, {}, headers={"Retry-After": when}), Reply(200, {}))
    result = make_runner(DOC).run("retry-once", {})
    assert result.status == "succeeded"
    (delay,) = clock.sleeps
    assert 27.0 <= delay <= 30.0  # the date has a one-second resolution


def test_retry_after_date_in_the_past_means_no_wait(server, make_runner, clock) -> None:
    when = email.utils.formatdate(time.time() - 3600, usegmt=True)
    server.on("GET", "/flaky", Reply(503, {}, headers={"Retry-After": when}), Reply(200, {}))
    result = make_runner(DOC).run("retry-once", {})
    assert result.status == "succeeded"
    assert sum(clock.sleeps) == 0.0
    assert len(result.steps) == 2


@pytest.mark.parametrize("header", ["120", "date"])
def test_retry_after_header_is_capped_by_max_retry_after(server, make_runner, clock, header) -> None:
    value = email.utils.formatdate(time.time() + 600, usegmt=True) if header == "date" else header
    server.on("GET", "/flaky", Reply(503, {}, headers={"Retry-After": value}), Reply(200, {}))
    result = make_runner(DOC, max_retry_after=5).run("retry-once", {})
    assert result.status == "succeeded"
    assert clock.sleeps == [5.0]


def test_retry_after_field_is_capped_too(server, make_runner, clock) -> None:
    server.on("GET", "/flaky", Reply(503, {}), Reply(200, {}))
    result = make_runner(DOC, max_retry_after=0.05).run("retry-once", {})
    assert result.status == "succeeded"
    assert clock.sleeps == [0.05]
