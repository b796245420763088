"""Arazzo 1.1 AsyncAPI steps: their channel exists, their ``action`` and ``correlationId`` fit,
and the ``$message`` expressions that read their messages name what the messages can have."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Optional

from ...expressions.ast import RuntimeExpression
from ...missing import MISSING
from ...model import Step, Workflow
from ..context import suggest
from ..message_lookup import MessageLookup
from ..schema_paths import SchemaPaths
from . import ERROR, WARNING, Finding, rule

if TYPE_CHECKING:  # pragma: no cover
    from ...asyncapi.objects import Message
    from ..context import Context
    from ..values import Occurrence

# Schema formats whose payloads are JSON Schema (or the OpenAPI/AsyncAPI flavour of it);
# None is the AsyncAPI default.  Others (Avro, Protobuf, RAML) are not walked.
_JSON_SCHEMA_FORMATS = ("asyncapi", "schema+json", "schema+yaml", "openapi")


def _steps(context: Context) -> Iterator[tuple[Workflow, Step]]:
    if context.minor < (1, 1):
        return  # AsyncAPI steps in a 1.0 document: `newer-feature`
    for workflow in context.document.workflows:
        for step in workflow.steps:
            yield workflow, step


@rule("channel-path", ERROR, "a channelPath is not of the form {$sourceDescriptions.<name>.url}#/channels/<channel>")
def channel_path(context: Context) -> Iterator[Finding]:
    for _workflow, step in _steps(context):
        if step.channel_path is None:
            continue
        found = context.message_target(step)
        if found.status == "bad-path":
            yield Finding(step.location.child("channelPath"), found.message)


@rule(
    "unknown-channel",
    ERROR,
    "a channelPath names no channel of its AsyncAPI source, or the channel of an AsyncAPI step cannot be read",
    needs_sources=True,
)
def unknown_channel(context: Context) -> Iterator[Finding]:
    for _workflow, step in _steps(context):
        found = context.message_target(step)
        # an operationId / operationPath that names nothing: `unknown-operation`
        if found.status == "broken" or (step.channel_path is not None and found.status in ("missing", "wrong-type")):
            yield Finding(context.message_location(step), found.message)


@rule(
    "step-action",
    ERROR,
    "an AsyncAPI step (operationId/operationPath) has no `action`, or a step that calls an OpenAPI operation has one",
)
def step_action(context: Context) -> Iterator[Finding]:
    for _workflow, step in _steps(context):
        if step.workflow_id is not None:
            continue  # `action` with workflowId: the structural rule `async-step`
        if step.action is None:
            if step.channel_path is not None:
                continue  # the structural rule `async-step` says so
            found = context.message_target(step) if context.use_sources else None
            if found is not None and found.status == "found":
                yield Finding(
                    context.message_location(step),
                    f"step {step.step_id!r} names {found.describe()}, an AsyncAPI operation, but has no `action`: "
                    "add `action: send` or `action: receive` (what this workflow does with the message)",
                )
            continue
        if step.channel_path is not None or "#/paths/" in (step.operation_path or ""):
            continue  # an OpenAPI path: the structural rule `async-step`
        openapi = _openapi_target(context, step)
        if openapi is not None:
            yield Finding(
                step.location.child("action"),
                f"`action` applies only to AsyncAPI steps, and step {step.step_id!r} calls {openapi}: "
                "remove `action`, or name an AsyncAPI operation or channel",
            )


def _openapi_target(context: Context, step: Step) -> Optional[str]:
    """What OpenAPI operation ``step`` calls, as words, or None when it calls none or it is unknown."""
    from ..lookups import OPERATION_PATH, QUALIFIED

    if context.use_sources:
        found = context.operation(step)
        if found.status == "found" and found.operation is not None:
            operation = found.operation
            label = operation.operation_id or f"{operation.method.upper()} {operation.path}"
            return f"OpenAPI operation {label!r} of source {found.source!r}"
        if found.status != "unknown":
            return None
    # the source is not read (remote, --no-sources): the declared type of the source it names tells
    value = step.operation_path if step.operation_path is not None else step.operation_id
    if not isinstance(value, str):
        return None
    match = OPERATION_PATH.match(value) or QUALIFIED.match(value)
    if match is None:
        return None
    declared = context.document.source_description(match.group(1))
    if declared is not None and declared.type == "openapi":
        return f"an operation of source {match.group(1)!r}, which is declared as OpenAPI"
    return None


@rule(
    "correlation-location",
    ERROR,
    "a receive step has a correlationId, but no message of its channel defines a correlationId location",
    needs_sources=True,
)
def correlation_location(context: Context) -> Iterator[Finding]:
    for _workflow, step in _steps(context):
        if step.correlation_id is None or step.correlation_id is MISSING or step.action != "receive":
            continue  # on another step: the structural rule `async-step`
        found = context.message_target(step)
        operation = found.operation
        if found.status != "found" or operation is None or operation.correlation_ids:
            continue
        yield Finding(
            step.location.child("correlationId"),
            f"step {step.step_id!r} waits for a message with this correlationId, but the messages of "
            f"{found.describe()} define no correlationId location; the runner cannot match messages by it: "
            "add `correlationId: {location: ...}` to the message in the AsyncAPI document, or remove `correlationId`",
        )


# ------------------------------------------------------------------- $message expressions


def _message_references(context: Context) -> Iterator[tuple[Occurrence, RuntimeExpression]]:
    if context.minor < (1, 1):
        return  # $message in a 1.0 document: `newer-feature`
    for occurrence in context.values().occurrences:
        for expression in occurrence.result.references:
            if expression.root == "message":
                yield occurrence, expression


def _tokens(expression: RuntimeExpression) -> list[str]:
    tokens: list[str] = []
    if expression.pointer:
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in expression.pointer.split("/")[1:]]
    tokens.extend(str(segment) for segment in expression.navigation)
    return tokens


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@rule(
    "message-dot-form",
    WARNING,
    "$message.payload.<name>: the dot form is not in the runtime expression syntax; write $message.payload#/<name>",
)
def message_dot_form(context: Context) -> Iterator[Finding]:
    for occurrence, expression in _message_references(context):
        part = expression.qualifier
        if part not in ("payload", "body") or expression.pointer is not None or not expression.navigation:
            continue
        written = "#/" + "/".join(_escape(str(segment)) for segment in expression.navigation)
        yield Finding(
            context.at_offset(occurrence.location, expression.offset),
            f"{expression.text}: the runtime expression syntax has no dot form after $message.{part} "
            f"(the specification's own example uses it, and this runner reads it); write '$message.{part}{written}'",
        )


Source = tuple[Step, MessageLookup]
"""An AsyncAPI step whose message ``$message`` may hold, and what it names."""


def _preceding(context: Context, workflow: Workflow, step: Optional[Step]) -> Optional[list[Source]]:
    """The AsyncAPI steps whose message ``$message`` may hold when ``step`` runs: those that
    may run before it (None: cannot tell, because a step that may run before it cannot be
    classified or runs a workflow).  ``step`` None: any step (workflow-level values)."""
    from ...step_order import uses_depends_on

    later = None if step is None else context.step_number(workflow, step)
    any_order = uses_depends_on(workflow)
    found: list[Source] = []
    for number, other in enumerate(workflow.steps):
        if other is step:
            continue
        if later is not None and not any_order and not context.flow(workflow).may_precede(number, later):
            continue
        if other.workflow_id is not None:
            return None  # the messages of a sub-workflow: cannot tell
        kind = _message_step(context, other)
        if kind is None:
            return None
        if kind:
            found.append((other, context.message_target(other)))
    return found


def _message_step(context: Context, step: Step) -> Optional[bool]:
    """Whether ``step`` is an AsyncAPI step (None: cannot tell)."""
    if step.channel_path is not None or step.action in ("send", "receive"):
        return True
    if not context.use_sources:
        return None if step.operation_id is not None or step.operation_path is not None else False
    return context.message_target(step).is_message_step


def _sources(context: Context, occurrence: Occurrence) -> Optional[list[Source]]:
    """The AsyncAPI steps whose message ``$message`` is where ``occurrence`` is evaluated.

    An AsyncAPI step's own criteria, outputs and actions see its own message; its parameters
    and body see none yet (``expression-context`` warns).  Another step sees the message of
    the last AsyncAPI step that ran before it.  None: cannot tell (or nothing to check)."""
    step, workflow = occurrence.step, occurrence.workflow
    if workflow is None or occurrence.phase in ("outputs", "component"):
        return None
    if step is not None:
        own = _message_step(context, step)
        if own is None:
            return None
        if own:
            return None if occurrence.phase == "request" else [(step, context.message_target(step))]
    return _preceding(context, workflow, step)


@rule(
    "message-context",
    ERROR,
    "$message is used in a step that is not an AsyncAPI step and follows none, where it never has a value",
)
def message_context(context: Context) -> Iterator[Finding]:
    for occurrence, expression in _message_references(context):
        sources = _sources(context, occurrence)
        if sources is None or sources:
            continue
        step = occurrence.step
        where = f"step {step.step_id!r} is not an AsyncAPI step and" if step is not None else "at workflow level,"
        yield Finding(
            context.at_offset(occurrence.location, expression.offset),
            f"{expression.text}: {where} no AsyncAPI step (send or receive) of workflow "
            f"{occurrence.workflow.workflow_id if occurrence.workflow else None!r} runs before it, so $message has "
            "no value here; use $response for an HTTP response, or $steps.<stepId>.outputs.<name> of a message step",
        )


@rule(
    "message-pointer",
    ERROR,
    "$message.payload#/... or $message.header.<name> names what no message of the step's channel can have",
    needs_sources=True,
)
def message_pointer(context: Context) -> Iterator[Finding]:
    for occurrence, expression in _message_references(context):
        if expression.qualifier in ("payload", "body"):
            tokens, header = _tokens(expression), False
        elif expression.qualifier == "header" and expression.names:
            tokens, header = [expression.names[0]], True
        else:
            continue
        if not tokens:
            continue
        problem = _checked(context, occurrence, tokens, header)
        if problem is not None:
            yield Finding(context.at_offset(occurrence.location, expression.offset), f"{expression.text}: {problem}")
    yield from _pointer_selectors(context)


def _checked(context: Context, occurrence: Occurrence, tokens: list[str], header: bool) -> Optional[str]:
    sources = _sources(context, occurrence)
    if not sources or any(t.status != "found" or t.operation is None or t.index is None for _, t in sources):
        return None
    return _problem(sources, tokens, header, occurrence.step)


def _pointer_selectors(context: Context) -> Iterator[Finding]:
    """1.1 Selector Objects of type jsonpointer whose context is ``$message.payload``."""
    if context.minor < (1, 1):
        return
    values = context.values()
    contexts = {o.location.pointer: o for o in values.occurrences if o.kind == "expression"}
    for use in values.selectors:
        selector = use.selector
        kind = selector.type if isinstance(selector.type, str) else getattr(selector.type, "type", None)
        pointer = selector.selector
        if kind != "jsonpointer" or not isinstance(pointer, str) or not pointer.startswith("/"):
            continue
        occurrence = contexts.get(selector.location.child("context").pointer)
        references = occurrence.result.references if occurrence is not None else ()
        if occurrence is None or len(references) != 1 or references[0].text != occurrence.text.strip():
            continue
        expression = references[0]
        if expression.root != "message" or expression.qualifier not in ("payload", "body"):
            continue
        tokens = _tokens(expression) + [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
        problem = _checked(context, occurrence, tokens, False)
        if problem is not None:
            yield Finding(selector.location.child("selector"), f"selector {pointer!r} of {expression.text}: {problem}")


def _problem(sources: Sequence[Source], tokens: list[str], header: bool, step: Optional[Step]) -> Optional[str]:
    """Why no message of ``sources`` can have ``tokens`` (None: one may, or cannot tell)."""
    misses = []
    for _, target in sources:
        assert target.operation is not None and target.index is not None
        index = target.index

        def follow(schema: Any, uri: Optional[str], index: Any = index) -> tuple[Any, Optional[str]]:
            found = index.follow(schema, base_uri=uri)
            return found.value, found.uri

        walker = SchemaPaths(follow)
        messages: tuple[Message, ...] = target.operation.messages
        if not messages:
            return None  # a channel that lists no messages: anything may come
        for message in messages:
            schema = message.headers if header else message.payload
            if schema is None or not _walkable(message):
                return None
            uri = (message.headers_uri if header else message.payload_uri) or message.base_uri or None
            miss = walker.miss(schema, uri, tokens, fold_case=header)
            if miss is None:
                return None
            misses.append(miss)
    where = " or ".join(dict.fromkeys(t.describe() for _, t in sources))
    whose = ""
    if step is None or sources[0][0] is not step:
        steps = " or ".join(repr(s.step_id) for s, _ in sources)
        whose = f" ($message here is the message of step {steps}, which runs before)"
    if header:
        names = sorted(frozenset().union(*(m.names for m in misses)))
        listed = ", ".join(names) or "none"
        return (
            f"no message of {where} has a header {tokens[0]!r} (headers: {listed})" + suggest(tokens[0], names) + whose
        )
    at = max(m.at for m in misses)
    names = sorted(frozenset().union(*(m.names for m in misses if m.at == at)))
    pointer = "/" + "/".join(_escape(t) for t in tokens[: at + 1])
    known = f" (there: {', '.join(names)})" if names else ""
    return f"no message payload of {where} can have {pointer!r}{known}" + suggest(tokens[at], names) + whose


def _walkable(message: Message) -> bool:
    schema_format = (message.schema_format or "").lower()
    return not schema_format or any(word in schema_format for word in _JSON_SCHEMA_FORMATS)
