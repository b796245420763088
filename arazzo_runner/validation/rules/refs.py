"""``$ref`` s lead to objects: in the OpenAPI operations the steps call, and in inputs schemas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from . import ERROR, Finding, rule

if TYPE_CHECKING:  # pragma: no cover
    from ...errors import Location
    from ..context import Context


@rule("ref-target", ERROR, "a $ref leads nowhere, or to something that is not an object (a string, number, list, null)")
def ref_target(context: Context) -> Iterator[Finding]:
    for message, location in _document_refs(context):
        yield Finding(location, message)
    checked: set[int] = set()
    for workflow in context.document.workflows:
        for step in workflow.steps:
            found = context.operation(step)
            if found.status != "found" or found.operation is None or found.source is None:
                continue
            if id(found.operation) in checked:
                continue
            checked.add(id(found.operation))
            index = context.openapi(found.source)
            if index is None:
                continue
            for message, location in index.ref_problems(found.operation):
                yield Finding(location, f"{message} (in source {found.source!r}, used by step {step.step_id!r})")


def _document_refs(context: Context) -> list[tuple[str, Location]]:
    """Local ``$ref`` s of the document's own JSON Schemas (workflow and component inputs) to non-objects.

    One that leads nowhere is the ``unknown-component`` rule's.
    """
    from ...openapi.refs import RefResolver

    def no_fetch(uri: str) -> Any:  # pragma: no cover - local_only never reads another document
        raise AssertionError(uri)

    resolver = RefResolver(context.parsed, context.description.uri, no_fetch)
    seen: set[tuple[str, str]] = set()
    schemas: list[tuple[Any, str]] = [
        (workflow.inputs, workflow.location.child("inputs").pointer) for workflow in context.document.workflows
    ]
    components = context.document.components
    if components is not None:
        schemas.extend(
            (schema, components.location.child("inputs", name).pointer) for name, schema in components.inputs.items()
        )
    problems: list[tuple[str, Location]] = []
    uri = resolver.base_uri
    for schema, pointer in schemas:
        if schema is not None:
            problems += resolver.check(
                schema, uri, pointer or "", booleans=True, local_only=True, missing=False, seen=seen
            )
    return problems
