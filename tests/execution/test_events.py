"""``iter_events``: the engine's event stream, ending with RunFinished."""

from __future__ import annotations

import json

from arazzo_runner.execution.results import (
    ActionTaken,
    CriterionChecked,
    Notice,
    RequestSent,
    ResponseReceived,
    RunFinished,
    StepFinished,
    StepStarted,
    WorkflowFinished,
    WorkflowStarted,
)

from .conftest import Reply


def test_events_of_a_retried_step(server, make_runner, clock) -> None:
    server.on("GET", "/flaky", Reply(503, {}), Reply(200, {"value": 1}))
    events = list(make_runner("retries.arazzo.yaml").iter_events("retry-twice", {}))
    names = [type(e).__name__ for e in events]
    assert names == [
        "WorkflowStarted",
        "StepStarted", "RequestSent", "ResponseReceived", "CriterionChecked", "StepFinished",
        "ActionTaken",
        "StepStarted", "RequestSent", "ResponseReceived", "CriterionChecked", "StepFinished",
        "ActionTaken",
        "WorkflowFinished",
        "RunFinished",
    ]  # fmt: skip
    started = [e for e in events if isinstance(e, StepStarted)]
    assert [(e.workflow_id, e.step_id, e.attempt) for e in started] == [
        ("retry-twice", "call", 1),
        ("retry-twice", "call", 2),
    ]
    sent = [e for e in events if isinstance(e, RequestSent)]
    assert [e.request.url for e in sent] == [f"{server.url}/flaky"] * 2
    assert [e.status_code for e in events if isinstance(e, ResponseReceived)] == [503, 200]
    assert [e.passed for e in events if isinstance(e, CriterionChecked)] == [False, True]
    assert not any(isinstance(e, Notice) for e in events)  # a failed attempt's missing output is expected
    retry, after = [e for e in events if isinstance(e, ActionTaken)]
    assert (retry.kind, retry.name, retry.delay) == ("retry", "again", 0.1)
    assert after.kind == "next"
    assert [e.result.status for e in events if isinstance(e, StepFinished)] == ["failed", "succeeded"]
    assert isinstance(events[0], WorkflowStarted) and events[0].depth == 0
    finished = events[-2]
    assert isinstance(finished, WorkflowFinished) and finished.outputs == {"value": 1}
    last = events[-1]
    assert isinstance(last, RunFinished)
    assert last.result.status == "succeeded"
    assert [s.attempt for s in last.result.steps] == [1, 2]
    # every event is one JSON line of a trace
    for event in events:
        line = json.dumps(event.to_dict())
        assert json.loads(line)["event"] == type(event).__name__


def test_events_of_a_sub_workflow_carry_depth(server, make_runner) -> None:
    server.on("POST", "/items", Reply(201, {"id": "it-1", "label": "x"}))
    server.on("GET", "/items/it-1", Reply(200, {"name": "n"}))
    events = list(make_runner("sub.arazzo.yaml").iter_events("parent", {"name": "x"}))
    workflows = [(type(e).__name__, e.workflow_id, e.depth) for e in events if hasattr(e, "depth")]
    assert workflows == [
        ("WorkflowStarted", "parent", 0),
        ("WorkflowStarted", "child", 1),
        ("WorkflowFinished", "child", 1),
        ("WorkflowFinished", "parent", 0),
    ]
    assert isinstance(events[-1], RunFinished)


def test_iter_events_ends_with_run_finished_for_a_failed_run(server, make_runner) -> None:
    server.on("GET", "/ping", Reply(200, {}))
    events = list(make_runner("guards.arazzo.yaml", max_steps=2).iter_events("loop", {}))
    assert isinstance(events[-1], RunFinished)
    assert events[-1].result.status == "failed"
    assert sum(isinstance(e, RunFinished) for e in events) == 1
    assert [e.kind for e in events if isinstance(e, ActionTaken)] == ["goto", "goto"]
