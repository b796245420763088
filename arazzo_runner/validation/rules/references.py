"""References resolve: operations, operationPath pointers, workflows, steps, sources, components."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Optional

from ...errors import Location
from ...model import ReusableObject, Step, Workflow
from ...schemas.refs import NOTHING, escape_token, follow_pointer
from ..context import NON_ARAZZO, QUALIFIED, suggest
from . import ERROR, Finding, rule

if TYPE_CHECKING:  # pragma: no cover
    from ..context import Context

_COMPONENT = re.compile(r"^\$components\.([A-Za-z]+)\.(.+)$")
_STEP_IN_WORKFLOW = re.compile(r"^\$workflows\.([^.]+)\.steps\.([^.]+)$")
_STEP_IN_SOURCE = re.compile(r"^\$sourceDescriptions\.([^.]+)\.([^.]+)\.steps\.([^.]+)$")


def _step_target_location(step: Step) -> Location:
    name = "operationPath" if step.operation_path is not None else "operationId"
    return step.location.child(name)


@rule(
    "unknown-operation",
    ERROR,
    "an operationId or operationPath names no operation of the sources (OpenAPI or AsyncAPI)",
    needs_sources=True,
)
def unknown_operation(context: Context) -> Iterator[Finding]:
    for workflow in context.document.workflows:
        for step in workflow.steps:
            found = context.operation(step)
            if found.status in ("missing", "wrong-type", "broken"):
                yield Finding(_step_target_location(step), found.message)


@rule("ambiguous-operation", ERROR, "an unqualified operationId exists in several sources", needs_sources=True)
def ambiguous_operation(context: Context) -> Iterator[Finding]:
    for workflow in context.document.workflows:
        for step in workflow.steps:
            found = context.operation(step)
            if found.status == "ambiguous":
                yield Finding(step.location.child("operationId"), found.message)


@rule(
    "unqualified-operation",
    ERROR,
    "an operationId is not qualified ($sourceDescriptions.<name>.<id>) though several API sources are declared",
)
def unqualified_operation(context: Context) -> Iterator[Finding]:
    declared = [s for s in context.document.source_descriptions if isinstance(s.name, str)]
    apis = []
    for source in declared:
        kind = source.type
        if kind is None and context.use_sources:
            kind = context.source_state(source.name).type  # type: ignore[arg-type]
        if kind != "arazzo":
            apis.append(source.name)
    if len(apis) < 2:
        return
    for workflow in context.document.workflows:
        for step in workflow.steps:
            operation_id = step.operation_id
            if not isinstance(operation_id, str) or QUALIFIED.match(operation_id) or step.workflow_id is not None:
                continue
            found = context.operation(step) if context.use_sources else None
            prefix, _, plain = operation_id.partition(".")
            if found is not None and found.status == "missing" and plain and prefix in apis:
                continue  # `<source>.<id>`: `unknown-operation` says how to write it
            where = f" (it is in {found.source!r})" if found is not None and found.source else ""
            yield Finding(
                step.location.child("operationId"),
                f"several API sources are declared ({', '.join(map(repr, apis))}): write operationId "
                f"{operation_id!r} as $sourceDescriptions.<name>.{operation_id}{where}",
            )


@rule("operation-path", ERROR, "an operationPath is not of the form {$sourceDescriptions.<name>.url}#<pointer>")
def operation_path(context: Context) -> Iterator[Finding]:
    for workflow in context.document.workflows:
        for step in workflow.steps:
            if step.operation_path is None:
                continue
            found = context.operation(step)
            if found.status == "bad-path":
                yield Finding(step.location.child("operationPath"), found.message)


def _source_references(context: Context) -> Iterator[tuple[str, Location]]:
    """Every ``$sourceDescriptions.<name>`` written outside runtime-expression values."""
    from ..context import OPERATION_PATH
    from ..message_lookup import CHANNEL_PATH

    for workflow in context.document.workflows:
        for entry, at in _workflow_ids(workflow):
            yield entry, at
        for step in workflow.steps:
            if isinstance(step.operation_id, str):
                yield step.operation_id, step.location.child("operationId")
            for field, value in (("operationPath", step.operation_path), ("channelPath", step.channel_path)):
                if not isinstance(value, str):
                    continue
                # the AsyncAPI forms too: without braces or `.url`, or `$sourceDescriptions.<name>.<id>`
                match = OPERATION_PATH.match(value) or CHANNEL_PATH.match(value)
                match = match or (QUALIFIED.match(value) if field == "operationPath" else None)
                if match:
                    yield f"$sourceDescriptions.{match.group(1)}.url", step.location.child(field)
            for number, entry in enumerate(step.depends_on):
                yield entry, step.location.child("dependsOn", number)


def _workflow_ids(workflow: Workflow) -> Iterator[tuple[str, Location]]:
    """The workflowIds a workflow names: dependsOn, steps, and goto/retry actions written in it."""
    for number, entry in enumerate(workflow.depends_on):
        yield entry, workflow.location.child("dependsOn", number)
    for step in workflow.steps:
        if isinstance(step.workflow_id, str):
            yield step.workflow_id, step.location.child("workflowId")


def _actions_with_workflows(context: Context) -> Iterator[tuple[Any, Location]]:
    """Actions written inline or in components that name a workflowId."""
    for action in context.inline_actions():
        if isinstance(action.workflow_id, str):
            yield action, action.location.child("workflowId")


@rule("unknown-source", ERROR, "a $sourceDescriptions.<name> reference names no declared source description")
def unknown_source(context: Context) -> Iterator[Finding]:
    for text, location in _source_references(context):
        match = QUALIFIED.match(text)
        if match and context.source_state(match.group(1)).status == "undeclared":
            yield Finding(location, context.unknown_source_message(match.group(1)))
    for action, location in _actions_with_workflows(context):
        match = QUALIFIED.match(action.workflow_id)
        if match and context.source_state(match.group(1)).status == "undeclared":
            yield Finding(location, context.unknown_source_message(match.group(1)))
    for occurrence in context.values().occurrences:
        for expression in occurrence.result.references:
            if expression.root == "sourceDescriptions" and expression.qualifier:
                if context.source_state(expression.qualifier).status == "undeclared":
                    yield Finding(
                        context.at_offset(occurrence.location, expression.offset),
                        context.unknown_source_message(expression.qualifier),
                    )


@rule("unknown-workflow", ERROR, "a workflowId (step, action, dependsOn) names no workflow")
def unknown_workflow(context: Context) -> Iterator[Finding]:
    targets: list[tuple[str, Location]] = []
    for workflow in context.document.workflows:
        targets.extend(_workflow_ids(workflow))
    targets.extend((action.workflow_id, location) for action, location in _actions_with_workflows(context))
    for workflow_id, location in targets:
        found = context.workflow(workflow_id)
        if found.status in ("missing", "wrong-type"):
            yield Finding(location, found.message)
    known = [w.workflow_id for w in context.document.workflows if isinstance(w.workflow_id, str)]
    for occurrence in context.values().occurrences:
        for expression in occurrence.result.references:
            # $workflows.<id> names a workflow of this document (others: $sourceDescriptions)
            if expression.root == "workflows" and _workflow_exists(context, expression.qualifier or "") is False:
                yield Finding(
                    context.at_offset(occurrence.location, expression.offset),
                    f"{expression.text}: no workflow {expression.qualifier!r} in this document"
                    + suggest(expression.qualifier or "", known),
                )


def _workflow_exists(context: Context, workflow_id: str) -> Optional[bool]:
    """Whether ``$workflows.<id>`` can name a workflow: one of this document, or one of an
    Arazzo source (the runner records the outputs of the workflows it runs by their plain
    id, whichever document they are in); None when an Arazzo source cannot be read."""
    if context.document.workflow(workflow_id) is not None:
        return True
    unknown = False
    for source in context.document.source_descriptions:
        if not isinstance(source.name, str) or source.type in NON_ARAZZO:
            continue
        state = context.source_state(source.name)
        if not state.ok:
            unknown = unknown or source.type == "arazzo" or state.status != "undeclared"
            continue
        if state.type == "arazzo" and context.workflow(f"$sourceDescriptions.{source.name}.{workflow_id}").workflow:
            return True
    return None if unknown else False


def _steps_of(workflow: Workflow) -> dict[str, Step]:
    return {s.step_id: s for s in workflow.steps if isinstance(s.step_id, str)}


@rule("unknown-step", ERROR, "a stepId (goto, retry, dependsOn, $steps.<id>) names no step of the workflow")
def unknown_step(context: Context) -> Iterator[Finding]:
    for workflow in context.document.workflows:
        steps = _steps_of(workflow)
        where = f"workflow {workflow.workflow_id!r}" if workflow.workflow_id is not None else "this workflow"
        listed = (
            [
                (workflow.success_actions, "successActions"),
                (workflow.failure_actions, "failureActions"),
            ]
            + [(s.on_success, "successActions") for s in workflow.steps]
            + [(s.on_failure, "failureActions") for s in workflow.steps]
        )
        for entries, kind in listed:
            for written in entries:
                action = context.resolve_action(written, kind)
                if action is None or not isinstance(action.step_id, str) or action.step_id in steps:
                    continue
                if action.type not in ("goto", "retry"):
                    continue
                location = action.location.child("stepId") if action is written else written.location
                yield Finding(
                    location,
                    f"{action.type} target step {action.step_id!r} is not a step of {where}"
                    + suggest(action.step_id, steps),
                )
        for step in workflow.steps:
            for number, entry in enumerate(step.depends_on):
                finding = _depends_on_step(context, workflow, steps, entry, step.location.child("dependsOn", number))
                if finding is not None:
                    yield finding
    for occurrence in context.values().occurrences:
        owner = occurrence.workflow
        if owner is None:
            continue
        step_ids = context.step_ids(owner)
        for expression in occurrence.result.references:
            if expression.root == "steps" and expression.qualifier not in step_ids:
                yield Finding(
                    context.at_offset(occurrence.location, expression.offset),
                    f"{expression.text}: {expression.qualifier!r} is not a step of workflow {owner.workflow_id!r}"
                    + suggest(expression.qualifier or "", step_ids),
                )


def _depends_on_step(
    context: Context, workflow: Workflow, steps: Mapping[str, object], entry: str, location: Location
) -> Optional[Finding]:
    if not entry.startswith("$"):
        if entry in steps:
            return None
        return Finding(
            location, f"dependsOn: {entry!r} is not a step of workflow {workflow.workflow_id!r}" + suggest(entry, steps)
        )
    match = _STEP_IN_WORKFLOW.match(entry)
    if match:
        other = context.workflow(match.group(1))
        if other.status != "found" or other.workflow is None:
            return Finding(location, f"dependsOn: {other.message or 'unknown workflow'}") if other.message else None
        if match.group(2) not in context.step_ids(other.workflow):
            return Finding(
                location,
                f"dependsOn: {match.group(2)!r} is not a step of workflow {match.group(1)!r}"
                + suggest(match.group(2), context.step_ids(other.workflow)),
            )
        return None
    match = _STEP_IN_SOURCE.match(entry)
    if match:
        other = context.workflow(f"$sourceDescriptions.{match.group(1)}.{match.group(2)}")
        if (
            other.status == "found"
            and other.workflow is not None
            and match.group(3) not in context.step_ids(other.workflow)
        ):
            return Finding(location, f"dependsOn: {match.group(3)!r} is not a step of workflow {match.group(2)!r}")
        if other.status in ("missing", "wrong-type"):
            return Finding(location, f"dependsOn: {other.message}")
    return None


_KINDS = {
    "parameters": "parameter",
    "successActions": "success action",
    "failureActions": "failure action",
    "inputs": "input schema",
}


def _component_table(context: Context, kind: str) -> Optional[dict[str, Any]]:
    components = context.document.components
    tables = {
        "parameters": components.parameters if components else {},
        "successActions": components.success_actions if components else {},
        "failureActions": components.failure_actions if components else {},
        "inputs": components.inputs if components else {},
    }
    table = tables.get(kind)
    return dict(table) if table is not None else None


def _reusables(context: Context) -> Iterator[tuple[ReusableObject, str]]:
    """Every Reusable Object with the component kind its place calls for."""
    for entries, _ in context.parameter_lists():
        for entry in entries:
            if isinstance(entry, ReusableObject):
                yield entry, "parameters"
    for kind, entries, _ in context.action_lists():
        for entry in entries:
            if isinstance(entry, ReusableObject):
                yield entry, kind


@rule("unknown-component", ERROR, "a $components reference names no component")
def unknown_component(context: Context) -> Iterator[Finding]:
    for entry, _kind in _reusables(context):
        match = _COMPONENT.match(entry.reference or "")
        if match is None:
            continue
        table = _component_table(context, match.group(1))
        if table is not None and match.group(2) not in table:
            yield Finding(
                entry.location.child("reference"),
                f"{entry.reference!r}: components.{match.group(1)} has no entry {match.group(2)!r}"
                + suggest(match.group(2), table),
            )
    for occurrence in context.values().occurrences:
        for expression in occurrence.result.references:
            if expression.root != "components" or not expression.qualifier:
                continue
            table = _component_table(context, expression.qualifier)
            name = ".".join(expression.names)
            if table is not None and name not in table and expression.names[0] not in table:
                yield Finding(
                    context.at_offset(occurrence.location, expression.offset),
                    f"{expression.text}: components.{expression.qualifier} has no entry {name!r}"
                    + suggest(name, table),
                )
    yield from _input_refs(context)


def _input_refs(context: Context) -> Iterator[Finding]:
    """``$ref`` s of workflow inputs into ``#/components/inputs/...`` (nested ones too)."""
    for number, workflow in enumerate(context.document.workflows):
        pointer = f"/workflows/{number}/inputs"
        stack: list[tuple[Any, str, int]] = [(workflow.inputs, pointer, 0)]
        while stack:
            node, at, depth = stack.pop()
            if depth > 32:
                continue
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith("#/"):
                    if follow_pointer(context.data, ref[1:]) is NOTHING:
                        yield Finding(context.at(f"{at}/$ref"), f"$ref {ref!r} points to nothing in this document")
                stack.extend((value, f"{at}/{escape_token(key)}", depth + 1) for key, value in node.items())
            elif isinstance(node, list):
                stack.extend((value, f"{at}/{index}", depth + 1) for index, value in enumerate(node))


@rule("component-kind", ERROR, "a Reusable Object refers to a component of the wrong kind")
def component_kind(context: Context) -> Iterator[Finding]:
    for entry, kind in _reusables(context):
        reference = entry.reference or ""
        match = _COMPONENT.match(reference)
        if match is None:
            continue  # not a $components expression: reported by the `pattern` rule
        if match.group(1) != kind:
            yield Finding(
                entry.location.child("reference"),
                f"{reference!r} is a {_KINDS.get(match.group(1), match.group(1))} reference, "
                f"but a {_KINDS[kind]} is expected here ($components.{kind}.<name>)",
            )
