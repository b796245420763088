"""Source descriptions: the files exist, parse, are what they say, and were read at all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from . import ERROR, WARNING, Finding, rule

if TYPE_CHECKING:  # pragma: no cover
    from ..context import Context, SourceState


def _states(context: Context) -> Iterator[SourceState]:
    seen = set()
    for declared in context.document.source_descriptions:
        name = declared.name
        if not isinstance(name, str) or name in seen:
            continue
        seen.add(name)
        state = context.source_state(name)
        # an API description that cannot be indexed is broken too
        if state.ok and state.type == "openapi":
            context.openapi(name)
            state = context.source_state(name)
        elif state.ok and state.type == "asyncapi":
            context.asyncapi(name)
            state = context.source_state(name)
        yield state


@rule("source-file", ERROR, "a source description's file does not exist or cannot be read", needs_sources=True)
def source_file(context: Context) -> Iterator[Finding]:
    for state in _states(context):
        if state.status in ("missing", "broken") and state.location is not None:
            yield Finding(state.location, state.message or f"source {state.name!r} cannot be read")


@rule("source-type", ERROR, "a source description is not an API description of the declared type", needs_sources=True)
def source_type(context: Context) -> Iterator[Finding]:
    for state in _states(context):
        if state.status == "type" and state.location is not None:
            yield Finding(state.location, state.message or f"source {state.name!r} is of another type")


@rule(
    "source-remote",
    WARNING,
    "a remote source description was not fetched: the checks that need it are skipped",
    needs_sources=True,
)
def source_remote(context: Context) -> Iterator[Finding]:
    for state in _states(context):
        if state.status == "remote" and state.location is not None:
            yield Finding(
                state.location,
                f"source {state.name!r} is remote and was not fetched, so the checks that need it were skipped "
                f"(pass --allow-remote, or --source {state.name}=PATH for a local copy)",
            )
