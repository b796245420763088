"""flow_of: the nodes and edges of a workflow, as the engine would walk it."""

from __future__ import annotations

from pathlib import Path

import pytest

from arazzo_runner.errors import UsageError
from arazzo_runner.graph import Edge, flow_of
from arazzo_runner.loading.sources import load

from ..paths import FLAGSHIP, ROOT

DATA = Path(__file__).parent / "data"
WORKFLOWS = ROOT / "workflows"


def edges(path: Path, workflow_id: str) -> list[tuple[str, str, str, str]]:
    flow = flow_of(load(str(path)), workflow_id)
    return [(e.source, e.kind, e.label, e.target) for e in flow.edges]


def test_flagship_is_a_straight_line_with_implicit_failures() -> None:
    flow = flow_of(load(str(FLAGSHIP)), "provision-messaging-service-add-number")
    assert [(n.id, n.kind, n.label, n.detail) for n in flow.nodes] == [
        ("start", "start", "start", ""),
        ("s0", "operation", "createService", "POST /Services"),
        ("s1", "operation", "addNumber", "POST /Services/{ServiceSid}/PhoneNumbers"),
        ("s2", "operation", "confirmService", "GET /Services/{ServiceSid}"),
        ("succeeded", "end", "succeeded", ""),
        ("failed", "end", "failed", ""),
    ]
    assert flow.steps[0].tooltip.startswith("createMessagingService · Create the messaging service")
    assert [(e.source, e.kind, e.label, e.target) for e in flow.edges] == [
        ("start", "next", "", "s0"),
        ("s0", "next", "", "s1"),
        ("s0", "failure", "failure", "failed"),
        ("s1", "next", "", "s2"),
        ("s1", "failure", "failure", "failed"),
        ("s2", "next", "", "succeeded"),
        ("s2", "failure", "failure", "failed"),
    ]
    assert flow.workflow_id == "provision-messaging-service-add-number"
    assert flow.summary == "Create a messaging service, add a sender number, and confirm it."


def test_goto_loop_on_success() -> None:
    found = edges(WORKFLOWS / "contacts-export-all-pages-workflow.yml", "export-all-contacts")
    assert found[1] == ("s0", "success", "nextPage: $response.body#/nextPageToken != null", "s0")
    assert ("s0", "next", "", "s1") in found  # the goto has criteria: the next step still follows


def test_retry_is_a_self_loop_with_its_limit_and_delay() -> None:
    flow = flow_of(load(str(WORKFLOWS / "inventory-reserve-stock-with-retry-workflow.yml")), "reserve-stock-with-retry")
    (retry,) = [e for e in flow.edges if e.kind == "retry"]
    assert retry == Edge(
        "s0",
        "s0",
        "retry",
        "retryWhileUnavailable (retry ×3, after 1s): $statusCode == 503",
        "retryWhileUnavailable",
        "$statusCode == 503",
    )
    # a spent retry falls through to the implicit failure
    assert ("s0", "failed") in [(e.source, e.target) for e in flow.edges if e.kind == "failure"]


def test_unconditional_goto_replaces_the_next_edge() -> None:
    found = edges(WORKFLOWS / "projects-create-project-with-tasks-workflow.yml", "add-task")
    assert found[:4] == [
        ("start", "next", "", "s0"),
        ("s0", "success", "markDone: $inputs.done == true", "s1"),
        ("s0", "success", "readBack", "s2"),
        ("s0", "failure", "failure", "failed"),
    ]


def test_sub_workflow_steps() -> None:
    flow = flow_of(
        load(str(WORKFLOWS / "projects-create-project-with-tasks-workflow.yml")), "create-project-with-tasks"
    )
    assert [(n.label, n.kind, n.detail) for n in flow.steps] == [
        ("createProject", "operation", "POST /projects"),
        ("addFirstTask", "workflow", "workflow add-task"),
        ("addSecondTask", "workflow", "workflow add-task"),
        ("listTasks", "operation", "GET /projects/{projectId}/tasks"),
    ]


def test_actions_are_merged_by_name_with_components_resolved() -> None:
    assert edges(DATA / "actions.arazzo.yml", "actions") == [
        ("start", "next", "", "s0"),
        # step onSuccess (a $components reference), then the workflow's successActions
        ("s0", "success", "skipToCleanup: $response.body jsonpath $[?(@.skip == t…", "s2"),
        ("s0", "success", "finishWhenEmpty: $statusCode == 204", "succeeded"),
        ("s0", "next", "", "s1"),
        ("s0", "retry", "retryBusy (retry ×2, after 0.5s): $statusCode == 503", "s0"),
        ("s0", "failure", "onConflict: $statusCode == 409", "s2"),
        # the reference that does not resolve is left out; the workflow's unconditional
        # giveUp catches every other failure, so there is no implicit one
        ("s0", "failure", "giveUp", "failed"),
        ("s1", "success", "finishWhenEmpty: $statusCode == 204", "succeeded"),
        ("s1", "next", "", "s2"),
        # the step redefines giveUp (a conditional goto back): the implicit failure remains
        ("s1", "failure", "giveUp: $statusCode == 404", "s0"),
        ("s1", "failure", "failure", "failed"),
        # an unconditional goto to a workflow: the actions after it never run
        ("s2", "success", "handOver", "w0"),
        ("s2", "failure", "giveUp", "failed"),
    ]
    flow = flow_of(load(str(DATA / "actions.arazzo.yml")), "actions")
    assert [(n.id, n.kind, n.label) for n in flow.nodes[-3:]] == [
        ("succeeded", "end", "succeeded"),
        ("failed", "end", "failed"),
        ("w0", "goto_workflow", "report"),
    ]
    assert flow.node("s1").detail == "GET /things/{id}"  # an operationPath, resolved


def test_goto_to_a_missing_step_and_a_qualified_operation() -> None:
    flow = flow_of(load(str(DATA / "actions.arazzo.yml")), "calls")
    assert flow.node("s0").detail == "GET /things"
    assert flow.node("m0").kind == "missing" and flow.node("m0").label == "nowhere"
    assert ("s0", "success", "lost: $statusCode == 418", "m0") in [
        (e.source, e.kind, e.label, e.target) for e in flow.edges
    ]


def test_depends_on_orders_the_steps_and_draws_dashed_edges() -> None:
    flow = flow_of(load(str(DATA / "depends.arazzo.yml")), "ordered")
    assert [n.label for n in flow.steps] == ["one", "two", "summary"]
    assert [(e.source, e.target) for e in flow.edges if e.kind == "depends"] == [("s0", "s2"), ("s1", "s2")]
    assert flow.node("start").detail == "after setup"
    assert "dependsOn $workflows.setup.steps.prepare" in flow.node("s2").tooltip


def test_a_dependency_cycle_is_drawn_in_array_order() -> None:
    flow = flow_of(load(str(DATA / "depends.arazzo.yml")), "cyclic")
    assert [n.label for n in flow.steps] == ["a", "b"]
    assert [(e.source, e.target) for e in flow.edges if e.kind == "depends"] == [("s1", "s0"), ("s0", "s1")]


def test_a_source_that_does_not_load_does_not_stop_the_drawing() -> None:
    flow = flow_of(load(str(DATA / "unloadable.arazzo.yml")), "blind")
    assert [(n.label, n.detail) for n in flow.steps] == [
        ('say "hi" <b>&amp;</b>', 'op[1]{x}|"y"'),
        ("byPath", "POST /a/{b}"),  # read from the operationPath itself
    ]
    (end,) = [e for e in flow.edges if e.kind == "success"]
    assert end.target == "succeeded" and end.action == 'end "now" <em>'
    assert len(end.criteria) == 40 and end.criteria.endswith("…")


def test_unknown_workflow_lists_the_ids() -> None:
    with pytest.raises(UsageError, match=r"no workflow 'nope' .*\(workflows: add-task, create-project-with-tasks\)"):
        flow_of(load(str(WORKFLOWS / "projects-create-project-with-tasks-workflow.yml")), "nope")


def test_the_same_document_gives_the_same_flow() -> None:
    first = flow_of(load(str(DATA / "actions.arazzo.yml")), "actions")
    second = flow_of(load(str(DATA / "actions.arazzo.yml")), "actions")
    assert first == second


def test_odd_steps_and_actions() -> None:
    empty = flow_of(load(str(DATA / "odd.arazzo.yml")), "empty")
    assert [n.id for n in empty.nodes] == ["start", "succeeded"]
    assert [(e.source, e.kind, e.target) for e in empty.edges] == [("start", "next", "succeeded")]
    flow = flow_of(load(str(DATA / "odd.arazzo.yml")), "odd")
    assert [(n.id, n.kind, n.label, n.detail) for n in flow.steps] == [
        ("s0", "step", "step 1", "no operation"),  # no stepId and nothing to call
        ("s1", "operation", "x", "nothere"),  # an operationId no source has
    ]
    assert [(e.source, e.kind, e.label, e.target) for e in flow.edges if e.source != "start"] == [
        # the workflow's retry allows no retry (retryLimit 0): it never runs
        ("s0", "next", "", "s1"),
        ("s0", "failure", "failure", "failed"),
        ("s1", "next", "", "succeeded"),
        ("s1", "retry", "again (retry ×1, after 2s, then via x)", "s1"),
        ("s1", "failure", "away", "w0"),
    ]
    assert flow.node("w0").label == "empty"
