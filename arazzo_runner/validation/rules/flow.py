"""Control flow, servers and inputs: steps that can never run, several servers, broken inputs schemas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from . import ERROR, WARNING, Finding, rule

if TYPE_CHECKING:  # pragma: no cover
    from ..context import Context


@rule("unreachable-step", WARNING, "a step can never run: every way to it ends or jumps elsewhere")
def unreachable_step(context: Context) -> Iterator[Finding]:
    for workflow in context.document.workflows:
        flow = context.flow(workflow)
        for number, step in enumerate(workflow.steps):
            if number not in flow.reachable:
                previous = workflow.steps[number - 1].step_id if number else None
                yield Finding(
                    step.location.child("stepId"),
                    f"step {step.step_id!r} can never run: step {previous!r} before it always ends the workflow or "
                    "jumps elsewhere, and no goto or retry names it",
                )


@rule("several-servers", WARNING, "an OpenAPI source lists several servers and none is chosen", needs_sources=True)
def several_servers(context: Context) -> Iterator[Finding]:
    reported: set[str] = set()
    for workflow in context.document.workflows:
        for step in workflow.steps:
            found = context.operation(step)
            name = found.source
            if found.status != "found" or found.operation is None or name is None or name in reported:
                continue
            if name in context.servers:
                continue
            index = context.openapi(name)
            servers = found.operation.servers
            if index is None or len(servers) < 2 or servers != index.servers:
                continue
            reported.add(name)
            declared = context.document.source_description(name)
            location = declared.location.child("url") if declared is not None else step.location
            urls = ", ".join(server.url for server in servers)
            yield Finding(
                location,
                f"source {name!r} lists {len(servers)} servers ({urls}); the first is used unless one is chosen "
                f"with --server {name}=URL",
            )


@rule("inputs-schema", ERROR, "a workflow's inputs (or a components.inputs entry) is not a valid JSON Schema")
def inputs_schema(context: Context) -> Iterator[Finding]:
    from ...schemas.check import InputsSchemaError, check_inputs_schema

    for workflow in context.document.workflows:
        if workflow.inputs is None or "$ref" in (workflow.inputs if isinstance(workflow.inputs, dict) else {}):
            continue
        try:
            check_inputs_schema(workflow.inputs)
        except InputsSchemaError as error:
            where = workflow.location.child("inputs", *error.path)
            yield Finding(where, f"the inputs of workflow {workflow.workflow_id!r}: {error.message}")
    components = context.document.components
    if components is None:
        return
    for name, schema in components.inputs.items():
        try:
            check_inputs_schema(schema)
        except InputsSchemaError as error:
            where = components.location.child("inputs", name, *error.path)
            yield Finding(where, f"components.inputs.{name}: {error.message}")
