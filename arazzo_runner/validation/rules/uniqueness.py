"""Names that must be unique: workflowIds, stepIds, source names, action names, parameters."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Optional

from ...errors import Location
from . import ERROR, Finding, rule

if TYPE_CHECKING:  # pragma: no cover
    from ..context import Context


def _first(location: Location) -> str:
    return f" (first at line {location.line})" if location.line is not None else ""


def _duplicates(entries: Iterable[tuple[Any, Location]], describe: str) -> Iterator[Finding]:
    seen: dict[Any, Location] = {}
    for key, location in entries:
        if key is None:
            continue
        if key in seen:
            yield Finding(location, f"{describe.format(key=key)} is used twice{_first(seen[key])}")
        else:
            seen[key] = location


@rule("duplicate-workflow-id", ERROR, "two workflows have the same workflowId")
def duplicate_workflow_id(context: Context) -> Iterator[Finding]:
    entries = [
        (w.workflow_id if isinstance(w.workflow_id, str) else None, w.location.child("workflowId"))
        for w in context.document.workflows
    ]
    yield from _duplicates(entries, "workflowId {key!r}")


@rule("duplicate-step-id", ERROR, "two steps of one workflow have the same stepId")
def duplicate_step_id(context: Context) -> Iterator[Finding]:
    for workflow in context.document.workflows:
        entries = [
            (s.step_id if isinstance(s.step_id, str) else None, s.location.child("stepId")) for s in workflow.steps
        ]
        yield from _duplicates(entries, f"stepId {{key!r}} in workflow {workflow.workflow_id!r}")


@rule("duplicate-source-name", ERROR, "two source descriptions have the same name")
def duplicate_source_name(context: Context) -> Iterator[Finding]:
    entries = [
        (s.name if isinstance(s.name, str) else None, s.location.child("name"))
        for s in context.document.source_descriptions
    ]
    yield from _duplicates(entries, "source description name {key!r}")


@rule("duplicate-action-name", ERROR, "a list of actions has two actions with the same name")
def duplicate_action_name(context: Context) -> Iterator[Finding]:
    for kind, entries, where in context.action_lists():
        named = []
        for entry in entries:
            action = context.resolve_action(entry, kind)
            name = action.name if action is not None and isinstance(action.name, str) else None
            named.append((name, entry.location))
        yield from _duplicates(named, f"action name {{key!r}} in {where}")


@rule(
    "duplicate-parameter",
    ERROR,
    "a parameter list names the same (name, in) twice, reusable references resolved",
    structural=True,
)
def duplicate_parameter(context: Context) -> Iterator[Finding]:
    for entries, where in context.parameter_lists():
        seen: dict[tuple[str, Optional[str]], Location] = {}
        for entry in entries:
            parameter = context.resolve_parameter(entry)
            if parameter is None or not isinstance(parameter.name, str):
                continue
            key = (parameter.name, parameter.in_)
            if key in seen:
                shown = repr(parameter.name) + (f" (in {parameter.in_})" if parameter.in_ else "")
                yield Finding(entry.location, f"parameter {shown} of {where} is given twice{_first(seen[key])}")
            else:
                seen[key] = entry.location
