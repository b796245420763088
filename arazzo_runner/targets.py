"""What a step targets: an OpenAPI operation, a workflow, or an AsyncAPI channel.

Resolves ``operationId`` (plain, or qualified as ``$sourceDescriptions.<name>.<id>``),
``operationPath`` (``{$sourceDescriptions.<name>.url}#/paths/...``) and ``workflowId``
(plain, or ``$sourceDescriptions.<name>.<workflowId>`` for a workflow of another Arazzo
document) against a loaded :class:`~arazzo_runner.loading.sources.Description`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Optional, TypeVar

from .errors import DocumentError, Location
from .model import Step, Workflow

if TYPE_CHECKING:  # pragma: no cover
    from .asyncapi.index import AsyncAPIIndex
    from .asyncapi.objects import AsyncOperation
    from .loading.sources import Description
    from .openapi.index import Operation

__all__ = [
    "MessageTarget",
    "OperationTarget",
    "WorkflowTarget",
    "message_target_field",
    "resolve_message",
    "resolve_operation",
    "resolve_workflow",
    "split_qualified",
]

_QUALIFIED = re.compile(r"^\$sourceDescriptions\.([A-Za-z0-9_\-]+)\.(.+)$")
_OPERATION_PATH = re.compile(r"^\{\$sourceDescriptions\.([A-Za-z0-9_\-]+)\.url\}(#.*)$")


@dataclass(frozen=True)
class OperationTarget:
    """An OpenAPI operation a step calls, with the name of the source that describes it."""

    source: str
    operation: Operation


@dataclass(frozen=True)
class WorkflowTarget:
    """A workflow a step (or an action) runs, and the description it belongs to."""

    description: Description
    workflow: Workflow


def split_qualified(value: str) -> tuple[Optional[str], str]:
    """``$sourceDescriptions.api.getPet`` -> ("api", "getPet"); ``getPet`` -> (None, "getPet")."""
    match = _QUALIFIED.match(value)
    if match:
        return match.group(1), match.group(2)
    return None, value


def _suggest(wanted: str, names: list[str]) -> str:
    import difflib  # only for an error message

    close = difflib.get_close_matches(wanted, names, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def resolve_operation(description: Description, step: Step) -> OperationTarget:
    """The operation ``step`` calls (raises DocumentError/SourceError with a location)."""
    if step.operation_path is not None:
        return _by_path(description, step.operation_path, step.location.child("operationPath"))
    operation_id = step.operation_id
    location = step.location.child("operationId")
    if not isinstance(operation_id, str):
        raise DocumentError(f"step {step.step_id!r} has no operationId or operationPath", step.location)
    source_name, plain = split_qualified(operation_id)
    if source_name is not None:
        index = description.openapi(source_name)
        operation = index.operation(plain)
        if operation is None:
            raise DocumentError(
                f"operationId {plain!r} not found in source {source_name!r}"
                + _suggest(plain, [o.operation_id for o in index.operations if o.operation_id]),
                location,
            )
        return OperationTarget(source_name, operation)
    found: list[OperationTarget] = []
    known: list[str] = []
    for source in description.document.source_descriptions:
        if not isinstance(source.name, str):
            continue
        loaded = description.source(source.name)
        if loaded.type != "openapi":
            continue
        index = description.openapi(source.name)
        operation = index.operation(plain)
        if operation is not None:
            found.append(OperationTarget(source.name, operation))
        known.extend(o.operation_id for o in index.operations if o.operation_id)
    return _the_one(found, plain, location, "", f"operationId {plain!r} not found in any OpenAPI source", known)


def _by_path(description: Description, value: Any, location: Location) -> OperationTarget:
    match = _OPERATION_PATH.match(value) if isinstance(value, str) else None
    if match is None:
        raise DocumentError(
            f"operationPath {value!r} must have the form '{{$sourceDescriptions.<name>.url}}#/paths/<path>/<method>'",
            location,
        )
    source_name, pointer = match.group(1), match.group(2)
    index = description.openapi(source_name)
    operation = index.operation_by_pointer(pointer)
    if operation is None:
        raise DocumentError(
            f"operationPath {pointer!r} does not point to an operation of source {source_name!r}", location
        )
    return OperationTarget(source_name, operation)


_Target = TypeVar("_Target", OperationTarget, "MessageTarget")


def _the_one(
    found: list[_Target], plain: str, location: Location, kind: str, missing: str, known: list[str]
) -> _Target:
    """The one target an unqualified ``operationId`` names; an ambiguous or unknown one raises
    DocumentError (``kind``: the sources searched, ``missing``: what to say when none has it)."""
    if len(found) > 1:
        sources = ", ".join(repr(t.source) for t in found)
        raise DocumentError(
            f"operationId {plain!r} exists in several {kind}sources ({sources}); "
            f"qualify it as $sourceDescriptions.<name>.{plain}",
            location,
        )
    if not found:
        raise DocumentError(missing + _suggest(plain, known), location)
    return found[0]


def resolve_workflow(description: Description, workflow_id: Any, location: Location) -> WorkflowTarget:
    """The workflow named by ``workflow_id`` (plain, or qualified with an Arazzo source)."""
    if not isinstance(workflow_id, str):
        raise DocumentError("workflowId must be a string", location)
    source_name, plain = split_qualified(workflow_id)
    target = description.arazzo(source_name) if source_name is not None else description
    workflow = target.document.workflow(plain)
    if workflow is None:
        known = [w.workflow_id for w in target.document.workflows if isinstance(w.workflow_id, str)]
        where = f" in source {source_name!r}" if source_name else ""
        raise DocumentError(f"workflowId {plain!r} not found{where}" + _suggest(plain, known), location)
    return WorkflowTarget(target, workflow)


# ---------------------------------------------------------------- AsyncAPI (Arazzo 1.1)

# ``{$sourceDescriptions.x.url}#/ptr``, ``$sourceDescriptions.x.url#/ptr`` and ``$sourceDescriptions.x#/ptr``
_CHANNEL_PATH = re.compile(r"^\{?\$sourceDescriptions\.([A-Za-z0-9_\-]+)(?:\.url)?\}?(#.*)$")


@dataclass(frozen=True)
class MessageTarget:
    """The AsyncAPI operation (or bare channel) an AsyncAPI step sends to or receives from."""

    source: str
    operation: AsyncOperation
    field: str  # the step field that named it: operationId, operationPath or channelPath


def message_target_field(step: Step) -> str | None:
    """The field of ``step`` that names its AsyncAPI target, or None when none does."""
    for name, value in (
        ("channelPath", step.channel_path),
        ("operationPath", step.operation_path),
        ("operationId", step.operation_id),
    ):
        if value is not None:
            return name
    return None


def _asyncapi_sources(description: Description) -> list[str]:
    from .loading.sources import sources_of

    return [name for _, name, _ in sources_of(description, ("asyncapi",), nested=False)]


def resolve_message(description: Description, step: Step) -> MessageTarget:
    """The AsyncAPI operation an AsyncAPI step (``action`` or ``channelPath``) names.

    ``operationId`` is plain or ``$sourceDescriptions.<name>.<id>``; ``channelPath`` and
    ``operationPath`` are ``{$sourceDescriptions.<name>.url}#/pointer`` (also written without
    the braces, or without ``.url``, as published examples do) or, as the specification's
    own example writes an ``operationPath``, ``$sourceDescriptions.<name>.<operationId>``.
    Raises DocumentError (with the field's location) when nothing matches.
    """
    field = message_target_field(step)
    if field is None:
        raise DocumentError(f"step {step.step_id!r} has no operationId or channelPath", step.location)
    value = getattr(step, {"channelPath": "channel_path", "operationPath": "operation_path"}.get(field, "operation_id"))
    location = step.location.child(field)
    action: Literal["send", "receive"] | None = step.action if step.action in ("send", "receive") else None  # type: ignore[assignment]
    if not isinstance(value, str):
        raise DocumentError(f"{field} must be a string", location)
    pointer_form = _CHANNEL_PATH.match(value)
    if pointer_form is not None:
        name, pointer = pointer_form.group(1), pointer_form.group(2)
        index = _asyncapi_index(description, name, field, location)
        operation = index.operation_by_pointer(pointer, action)
        if operation is None:
            what = "a channel or operation" if field == "channelPath" else "an operation"
            pointers = [f"#/channels/{c}" for c in index.channel_names]
            pointers += [f"#/operations/{o}" for o in index.operation_ids]
            raise DocumentError(
                f"{field} {pointer!r} does not point to {what} of source {name!r}" + _suggest(pointer, pointers),
                location,
            )
        return MessageTarget(name, operation, field)
    if field == "channelPath":
        raise DocumentError(
            f"channelPath {value!r} must have the form '{{$sourceDescriptions.<name>.url}}#/channels/<channel>'",
            location,
        )
    source_name, plain = split_qualified(value)
    names = [source_name] if source_name is not None else _asyncapi_sources(description)
    found: list[MessageTarget] = []
    known: list[str] = []
    for name in names:
        index = _asyncapi_index(description, name, field, location)
        operation = index.operation(plain)
        if operation is not None:
            found.append(MessageTarget(name, operation, field))
        known.extend(index.operation_ids)
    where = f"source {source_name!r}" if source_name is not None else "any AsyncAPI source"
    return _the_one(found, plain, location, "AsyncAPI ", f"operationId {plain!r} not found in {where}", known)


def _asyncapi_index(description: Description, name: str, field: str, location: Location) -> AsyncAPIIndex:
    declared = description.document.source_description(name)
    if declared is None:
        known = ", ".join(repr(s.name) for s in description.document.source_descriptions) or "none"
        raise DocumentError(f"{field} names source {name!r}, which is not declared (sources: {known})", location)
    kind = description.source(name).type
    if kind != "asyncapi":
        raise DocumentError(f"{field} names source {name!r}, which is {kind}, not an AsyncAPI document", location)
    index: AsyncAPIIndex = description.asyncapi(name)
    return index
