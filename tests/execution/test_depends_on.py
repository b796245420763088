"""Arazzo 1.1 step ``dependsOn``: the order steps run in, goto within it, and dependencies on
steps of other workflows, end to end on the local server."""

from __future__ import annotations

from pathlib import Path

import pytest

from arazzo_runner import DocumentError

from .conftest import Recorded, Reply, trail

DOC = str(Path(__file__).parents[1] / "data" / "depends_on" / "depends_on.arazzo.yaml")

NAMES = (
    "a", "b", "c", "free", "use", "last", "check", "make", "after", "start", "skipped", "target",
    "needed", "needs", "prepare", "prep", "first",
)  # fmt: skip


def _echo(request: Recorded) -> Reply:
    return Reply(200, {"id": "seven", "name": request.path.rsplit("/", 1)[-1]})


@pytest.fixture()
def echo(server):  # type: ignore[no-untyped-def]
    """Every /echo/<name> answers 200 with {"id": "seven", "name": <name>}."""
    for name in NAMES:
        server.on("GET", f"/echo/{name}", _echo)
    return server


def _sent(server) -> list[str]:  # type: ignore[no-untyped-def]
    return [request.path.rsplit("/", 1)[-1] for request in server.received()]


@pytest.mark.parametrize(
    ("workflow", "ran"),
    [
        ("reversed", ["a", "b", "c"]),
        # make first (use, check and last refer to it); free keeps its place at the front
        ("implicit", ["free", "make", "use", "check", "last"]),
    ],
)
def test_steps_run_in_dependency_order(echo, make_runner, workflow: str, ran: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = make_runner(DOC).run(workflow, {})
    assert result.status == "succeeded", result.error
    assert [s.step_id for s in result.steps] == ran
    assert _sent(echo) == ran


def test_implicit_dependencies_get_their_values(echo, make_runner) -> None:  # type: ignore[no-untyped-def]
    result = make_runner(DOC).run("implicit", {})
    assert result.status == "succeeded", result.error
    by_path = {r.path: r for r in echo.received()}
    assert by_path["/echo/use"].query == {"v": ["seven"]}
    assert by_path["/echo/last"].query == {"v": ["seven"]}


def test_events_follow_the_computed_order(echo, make_runner) -> None:  # type: ignore[no-untyped-def]
    from arazzo_runner.execution.results import ActionTaken, StepStarted

    events = list(make_runner(DOC).iter_events("reversed", {}))
    started = [e.step_id for e in events if isinstance(e, StepStarted)]
    actions = [(e.step_id, e.kind) for e in events if isinstance(e, ActionTaken)]
    assert started == ["a", "b", "c"]
    assert actions == [("a", "next"), ("b", "next"), ("c", "next")]


def test_goto_continues_in_the_computed_order(echo, make_runner) -> None:  # type: ignore[no-untyped-def]
    result = make_runner(DOC).run("goto-order", {})
    assert result.status == "succeeded", result.error
    # the order is start, skipped, target, after: the goto skips `skipped`, and `after`
    # (first in the array) runs after `target` (last in the array)
    assert [s.step_id for s in result.steps] == ["start", "target", "after"]
    assert _sent(echo) == ["start", "target", "after"]


def test_goto_past_a_dependency_fails_the_dependent_step(echo, make_runner) -> None:  # type: ignore[no-untyped-def]
    result = make_runner(DOC).run("goto-skips-dependency", {})
    assert result.status == "failed"
    assert trail(result) == [
        ("goto-skips-dependency", "start", 1, "succeeded"),
        ("goto-skips-dependency", "needs", 1, "failed"),
    ]
    assert _sent(echo) == ["start"]
    assert result.error is not None and result.error.step_id == "needs"
    assert result.error.type == "criteria"
    assert "'needed'" in result.error.message and "has not completed" in result.error.message


@pytest.mark.parametrize(
    ("workflow", "ran"),
    [
        ("after-setup", [("setup", "prepare"), ("after-setup", "use")]),
        ("setup-as-step", [("setup", "prepare"), ("setup-as-step", "run-setup"), ("setup-as-step", "use")]),
        (
            "other-document",
            [("remote-setup", "prep"), ("other-document", "run-remote"), ("other-document", "use")],
        ),
    ],
)
def test_a_step_of_another_workflow_that_completed(
    echo, make_runner, workflow: str, ran: list[tuple[str, str]]
) -> None:  # type: ignore[no-untyped-def]
    result = make_runner(DOC).run(workflow, {})
    assert result.status == "succeeded", result.error
    assert [(s.workflow_id, s.step_id) for s in result.steps] == ran


@pytest.mark.parametrize(
    ("workflow", "named"),
    [
        ("setup-never-ran", "step 'prepare' of workflow 'setup' ($workflows.setup.steps.prepare)"),
        (
            "other-document-never-ran",
            "step 'prep' of workflow 'remote-setup' ($sourceDescriptions.other.remote-setup.steps.prep)",
        ),
    ],
)
def test_a_step_of_another_workflow_that_never_ran(echo, make_runner, workflow: str, named: str) -> None:  # type: ignore[no-untyped-def]
    result = make_runner(DOC).run(workflow, {})
    assert result.status == "failed"
    assert trail(result) == [(workflow, "use", 1, "failed")]
    assert echo.received() == []
    assert result.error is not None and result.error.step_id == "use" and result.error.type == "criteria"
    assert result.error.message == (
        f"step 'use' depends on {named}, which has not completed in this run: dependsOn does not run it; "
        f"run workflow {named.split(' of workflow ')[1].split(' ')[0]} first (name it in this workflow's "
        "dependsOn, or call it from an earlier step)"
    )


def test_a_step_completed_in_another_document_is_not_a_local_one(echo, make_runner) -> None:  # type: ignore[no-untyped-def]
    # `setup` of this document ran; `remote-setup`'s step of the other one did not
    runner = make_runner(DOC)
    assert runner.run("setup", {}).status == "succeeded"
    assert runner.run("other-document-never-ran", {}).status == "failed"


def test_a_cycle_stops_the_run_before_any_request(echo, make_runner) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DocumentError) as raised:
        make_runner(DOC).run("cycle", {})
    message = raised.value.message
    assert "workflow 'cycle'" in message and "a -> b -> a" in message
    assert raised.value.location is not None and raised.value.location.pointer.endswith("/steps/0/dependsOn/0")
    assert echo.received() == []


def test_a_cycle_in_a_called_workflow_stops_the_run_before_any_request(echo, make_runner) -> None:  # type: ignore[no-untyped-def]
    # planning reaches every workflow a run can call: the cycle two levels down is found first
    with pytest.raises(DocumentError) as raised:
        make_runner(DOC).run("calls-cycle", {})
    assert "workflow 'cycle'" in raised.value.message and "a -> b -> a" in raised.value.message
    assert echo.received() == []
