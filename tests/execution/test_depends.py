"""Workflow ``dependsOn`` (run first, once) and 1.1 step ``dependsOn`` (checked, never run)."""

from __future__ import annotations

import pytest

from arazzo_runner import DocumentError
from arazzo_runner.execution.inputs import InputsError

from .conftest import Reply, trail

DOC = "depends.arazzo.yaml"


def test_dependency_runs_first_with_the_inputs_it_declares(server, make_runner) -> None:
    server.on("GET", "/status", Reply(200, {"state": "ready"}))
    server.on("GET", "/ping", Reply(200, {}))
    result = make_runner(DOC).run("main", {"job": "j7", "other": "x"})
    assert result.status == "succeeded", result.error
    assert trail(result) == [("setup", "prepare", 1, "succeeded"), ("main", "use", 1, "succeeded")]
    assert server.paths() == ["GET /status", "GET /ping"]
    assert server.received("/status")[0].query == {"job": ["j7"]}
    assert result.outputs == {"setupState": "ready"}


def test_a_shared_dependency_runs_once(server, make_runner) -> None:
    server.on("GET", "/status", Reply(200, {"state": "ready"}))
    server.on("GET", "/ping", Reply(200, {}))
    server.on("GET", "/fallback", Reply(200, {}))
    result = make_runner(DOC).run("both", {})
    assert result.status == "succeeded", result.error
    assert [(s.workflow_id, s.step_id) for s in result.steps] == [
        ("setup", "prepare"),
        ("main", "use"),
        ("both", "last"),
    ]
    assert len(server.received("/status")) == 1


def test_failed_dependency_fails_the_workflow_before_its_steps(server, make_runner) -> None:
    server.on("GET", "/flaky", Reply(500, {}))
    server.on("GET", "/ping", Reply(200, {}))
    result = make_runner(DOC).run("needs-broken", {})
    assert result.status == "failed"
    assert trail(result) == [("broken", "breaks", 1, "failed")]
    assert server.received("/ping") == []
    assert result.error is not None
    assert "broken" in result.error.message


def test_dependency_cycle_is_a_document_error_before_any_request(server, make_runner) -> None:
    runner = make_runner("depends-cycle.arazzo.yaml")
    with pytest.raises(DocumentError, match="cycle"):
        runner.run("one", {})
    assert server.received() == []


def test_step_depends_on_a_completed_step(server, make_runner) -> None:
    server.on("GET", "/ping", Reply(200, {}))
    server.on("GET", "/fallback", Reply(200, {}))
    result = make_runner(DOC).run("step-deps-ok", {})
    assert result.status == "succeeded"
    assert [s.step_id for s in result.steps] == ["a", "b"]


def test_step_depends_on_never_triggers_the_named_step(server, make_runner) -> None:
    server.on("GET", "/ping", Reply(200, {}))
    server.on("GET", "/fallback", Reply(200, {}))
    result = make_runner(DOC).run("step-deps-unmet", {})
    assert result.status == "failed"
    assert trail(result) == [("step-deps-unmet", "a", 1, "succeeded"), ("step-deps-unmet", "c", 1, "failed")]
    assert server.paths() == ["GET /ping"]  # neither b (not triggered) nor c (not sent)
    assert result.error is not None and result.error.step_id == "c"
    assert "'b'" in result.error.message and "dependsOn" in result.error.message


def test_step_depends_on_a_step_of_another_workflow(server, make_runner) -> None:
    server.on("GET", "/status", Reply(200, {"state": "ready"}))
    server.on("GET", "/ping", Reply(200, {}))
    # `main` depends on `setup`, so $workflows.setup.steps.prepare has completed
    assert make_runner(DOC).run("main", {}).status == "succeeded"
    server.reset()
    server.on("GET", "/ping", Reply(200, {}))
    # `orphan` does not: its step fails without a request, and setup is not run for it
    result = make_runner(DOC).run("orphan", {})
    assert result.status == "failed"
    assert trail(result) == [("orphan", "use", 1, "failed")]
    assert server.received() == []


def test_dependency_inputs_are_validated_before_any_request(server, make_runner) -> None:
    server.on("GET", "/ping", Reply(200, {}))
    with pytest.raises(InputsError, match="token"):
        make_runner(DOC).run("needs-strict", {})
    assert server.received() == []
    # given the input, it reaches the dependency (which declares it) and the run succeeds
    server.on("GET", "/fallback", Reply(200, {}))
    result = make_runner(DOC).run("needs-strict", {"token": "t"})
    assert result.status == "succeeded"
    assert [s.workflow_id for s in result.steps] == ["strict", "needs-strict"]
