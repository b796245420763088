"""onSuccess / onFailure actions, workflow-level actions merged by name, reusable actions."""

from __future__ import annotations

import pytest

from .conftest import Reply, trail

DOC = "actions.arazzo.yaml"


def test_no_actions_success_goes_on_and_unhandled_failure_fails(server, make_runner) -> None:
    server.on("GET", "/ping", Reply(200, {}))
    server.on("GET", "/flaky", Reply(500, {"error": "boom"}))
    result = make_runner(DOC).run("plain", {})
    assert result.status == "failed"
    assert trail(result) == [("plain", "first", 1, "succeeded"), ("plain", "second", 1, "failed")]
    assert server.paths() == ["GET /ping", "GET /flaky"]  # the third step never runs
    assert result.error is not None
    assert (result.error.type, result.error.step_id) == ("criteria", "second")
    assert "500" in result.error.message


def test_on_success_end_stops_the_workflow_successfully(server, make_runner) -> None:
    server.on("GET", "/ping", Reply(200, {}))
    result = make_runner(DOC).run("success-end", {})
    assert result.status == "succeeded"
    assert trail(result) == [("success-end", "first", 1, "succeeded")]
    assert server.paths() == ["GET /ping"]
    assert result.outputs == {"pinged": 200}
    assert result.error is None


@pytest.mark.parametrize(
    ("state", "expected_steps"),
    [("done", ["first"]), ("pending", ["first", "second"])],
)
def test_on_success_end_with_criteria(server, make_runner, state, expected_steps) -> None:
    server.on("GET", "/status", Reply(200, {"state": state}))
    server.on("GET", "/ping", Reply(200, {}))
    result = make_runner(DOC).run("success-end-criteria", {})
    assert result.status == "succeeded"
    assert [s.step_id for s in result.steps] == expected_steps
    assert result.outputs == {"state": state}


@pytest.mark.parametrize(
    ("state", "expected"),
    [("done", ["GET /status", "GET /fallback"]), ("pending", ["GET /status", "GET /ping", "GET /fallback"])],
)
def test_on_success_goto_step_with_criteria(server, make_runner, state, expected) -> None:
    server.on("GET", "/status", Reply(200, {"state": state}))
    server.on("GET", "/ping", Reply(200, {}))
    server.on("GET", "/fallback", Reply(200, {}))
    result = make_runner(DOC).run("success-goto-step", {})
    assert result.status == "succeeded"
    assert server.paths() == expected
    assert all(s.attempt == 1 and s.status == "succeeded" for s in result.steps)


def test_on_success_goto_step_without_criteria(server, make_runner) -> None:
    server.on("GET", "/ping", Reply(200, {}))
    server.on("GET", "/fallback", Reply(200, {}))
    result = make_runner(DOC).run("success-goto-step-always", {})
    assert result.status == "succeeded"
    assert trail(result) == [
        ("success-goto-step-always", "a", 1, "succeeded"),
        ("success-goto-step-always", "c", 1, "succeeded"),
    ]
    assert server.received("/flaky") == []


def test_on_success_goto_workflow_is_a_one_way_transfer(server, make_runner) -> None:
    server.on("GET", "/status", Reply(200, {"state": "done"}))
    result = make_runner(DOC).run("success-goto-workflow", {"job": "j-1"})
    assert result.status == "succeeded"
    assert result.workflow_id == "success-goto-workflow"
    # the run's outputs are the target's: its inputs came from the action's parameters
    assert result.outputs == {"handled": "done", "code": 200}
    assert trail(result) == [
        ("success-goto-workflow", "a", 1, "succeeded"),
        ("target", "t1", 1, "succeeded"),
    ]
    assert [r.query for r in server.received()] == [{"job": ["j-1"]}, {"job": ["done"]}]
    assert server.received("/ping") == []  # step b of the first workflow never runs


def test_goto_workflow_that_fails_fails_the_run(server, make_runner) -> None:
    server.on("GET", "/ping", Reply(200, {}))
    server.on("GET", "/flaky", Reply(503, {}))
    result = make_runner(DOC).run("failure-goto-failing-workflow", {})
    assert result.status == "failed"
    assert trail(result) == [
        ("failure-goto-failing-workflow", "a", 1, "succeeded"),
        ("plain", "first", 1, "succeeded"),
        ("plain", "second", 1, "failed"),
    ]
    assert result.error is not None and result.error.step_id == "second"
    assert server.received("/fallback") == []


def test_on_failure_end_fails_the_workflow_and_evaluates_outputs(server, make_runner) -> None:
    server.on("GET", "/flaky", Reply(500, {}))
    result = make_runner(DOC).run("failure-end", {})
    assert result.status == "failed"
    assert trail(result) == [("failure-end", "a", 1, "failed")]
    assert server.paths() == ["GET /flaky"]
    assert result.outputs == {"code": 500}
    assert result.error is not None
    assert (result.error.type, result.error.step_id) == ("criteria", "a")
    data = result.to_dict()
    assert data["status"] == "failed" and data["error"]["stepId"] == "a"
    assert data["error"]["file"].endswith("actions.arazzo.yaml") and data["error"]["line"] > 0


@pytest.mark.parametrize(
    ("status_code", "run_status", "steps"),
    [
        (404, "failed", ["a"]),  # endOn404 matches
        (500, "succeeded", ["a", "fb"]),  # endOn404 does not match; toFallback does
        (503, "failed", ["a"]),  # no failure action matches: the workflow fails
    ],
)
def test_first_matching_failure_action_runs(server, make_runner, status_code, run_status, steps) -> None:
    server.on("GET", "/flaky", Reply(status_code, {}))
    server.on("GET", "/fallback", Reply(200, {}))
    server.on("GET", "/ping", Reply(200, {}))
    result = make_runner(DOC).run("failure-choice", {})
    assert result.status == run_status
    assert [s.step_id for s in result.steps] == steps
    assert server.received("/ping") == []
    if run_status == "failed":
        assert result.error is not None and result.error.step_id == "a"
    else:
        assert result.error is None  # a failure handled by a goto does not fail the workflow
        assert [s.status for s in result.steps] == ["failed", "succeeded"]


def test_on_failure_goto_workflow(server, make_runner) -> None:
    server.on("GET", "/flaky", Reply(500, {}))
    server.on("GET", "/status", Reply(200, {"state": "x"}))
    result = make_runner(DOC).run("failure-goto-workflow", {})
    assert result.status == "succeeded"
    assert result.outputs == {"handled": "rescued", "code": 200}
    assert trail(result) == [
        ("failure-goto-workflow", "a", 1, "failed"),
        ("target", "t1", 1, "succeeded"),
    ]
    assert server.received("/status")[0].query == {"job": ["rescued"]}
    assert server.received("/ping") == []


def test_workflow_success_action_applies_to_steps_without_their_own(server, make_runner) -> None:
    server.on("GET", "/status", Reply(200, {"state": "done"}))
    result = make_runner(DOC).run("merged", {})
    assert result.status == "succeeded"
    assert [s.step_id for s in result.steps] == ["s1"]


def test_step_failure_action_overrides_the_workflow_one_by_name(server, make_runner) -> None:
    server.on("GET", "/status", Reply(200, {"state": "pending"}))
    server.on("GET", "/flaky", Reply(500, {}))
    result = make_runner(DOC).run("merged", {})
    # s2's own `toFallback` is an `end`: it wins over the workflow's goto of the same name
    assert result.status == "failed"
    assert [s.step_id for s in result.steps] == ["s1", "s2"]
    assert server.received("/fallback") == []


def test_workflow_failure_action_applies_when_the_step_has_none(server, make_runner) -> None:
    server.on("GET", "/status", Reply(200, {"state": "pending"}))
    server.on("GET", "/flaky", Reply(200, {}))
    server.on("GET", "/ping", Reply(502, {}))
    server.on("GET", "/fallback", Reply(200, {}))
    result = make_runner(DOC).run("merged", {})
    assert result.status == "succeeded"
    assert trail(result) == [
        ("merged", "s1", 1, "succeeded"),
        ("merged", "s2", 1, "succeeded"),
        ("merged", "s3", 1, "failed"),
        ("merged", "fb", 1, "succeeded"),
    ]


def test_step_actions_come_before_workflow_actions(server, make_runner) -> None:
    server.on("GET", "/ping", Reply(200, {}))
    server.on("GET", "/fallback", Reply(200, {}))
    result = make_runner(DOC).run("step-actions-first", {})
    assert result.status == "succeeded"
    # s1: its own goto s3 wins over the workflow's end; s3: the workflow's end applies
    assert [s.step_id for s in result.steps] == ["s1", "s3"]
    assert server.received("/flaky") == []


def test_reusable_success_action(server, make_runner) -> None:
    server.on("GET", "/flaky", Reply(200, {"state": "done"}))
    result = make_runner(DOC).run("reusable", {})
    assert result.status == "succeeded"
    assert [s.step_id for s in result.steps] == ["s1"]


def test_reusable_failure_actions_retry_then_workflow_goto(server, make_runner, clock) -> None:
    server.on("GET", "/flaky", Reply(503, {}))
    server.on("GET", "/fallback", Reply(200, {}))
    result = make_runner(DOC).run("reusable", {})
    assert result.status == "succeeded"
    assert trail(result) == [
        ("reusable", "s1", 1, "failed"),
        ("reusable", "s1", 2, "failed"),
        ("reusable", "fb", 1, "succeeded"),
    ]
    assert clock.sleeps == [0.5]
    assert server.received("/ping") == []
