"""Control flow and servers: steps that can never run, several servers to choose from."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from . import WARNING, Finding, rule

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
