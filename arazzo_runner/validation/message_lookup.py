"""Looking up what an Arazzo 1.1 AsyncAPI step sends to or receives from.

A step is an AsyncAPI step when it has a ``channelPath``, or when its ``operationId`` /
``operationPath`` names an operation of an AsyncAPI source.  :meth:`MessageResolving.message_target`
resolves it the way the runner does (:func:`arazzo_runner.targets.resolve_message`), but never
raises: like the other lookups it says what it found or why it found nothing, so that a source
that cannot be read is reported once (by the ``source-*`` rules) and the rules that need the
channel treat it as "cannot tell".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal, Optional

from ..errors import ArazzoError, Location
from ..model import Step
from ..targets import message_target_field
from .lookups import QUALIFIED, OperationLookup, SourceState, suggest
from .resolving import Resolving

if TYPE_CHECKING:  # pragma: no cover
    from ..asyncapi.index import AsyncAPIIndex
    from ..asyncapi.objects import AsyncOperation

__all__ = ["CHANNEL_PATH", "MessageLookup", "MessageResolving", "channel_pointer"]

# ``{$sourceDescriptions.x.url}#/ptr``, and as published examples write it, without the braces
# or without ``.url`` (the runner accepts the same forms).
CHANNEL_PATH = re.compile(r"^\{?\$sourceDescriptions\.([A-Za-z0-9_\-]+)(?:\.url)?\}?(#.*)$")


def channel_pointer(name: str) -> str:
    """``#/channels/<name>`` with the name escaped as a JSON pointer token."""
    return "#/channels/" + name.replace("~", "~0").replace("/", "~1")


class MessageLookup:
    """The AsyncAPI operation (or bare channel) a step names, or why it is not known.

    ``status``: ``found``; ``none`` (not an AsyncAPI step); ``missing`` (the source has no
    such channel or operation); ``bad-path`` (a channelPath of the wrong form);
    ``unknown-source`` (no source of that name); ``wrong-type`` (the source is not AsyncAPI);
    ``broken`` (a ``$ref`` of the operation leads nowhere); ``unknown`` (a source it needs
    could not be read, or sources are not read).  ``field`` is the step field that names it.
    """

    __slots__ = ("status", "operation", "source", "index", "message", "field")

    def __init__(
        self,
        status: str,
        field: str = "",
        *,
        operation: Optional[AsyncOperation] = None,
        source: Optional[str] = None,
        index: Optional[AsyncAPIIndex] = None,
        message: str = "",
    ) -> None:
        self.status, self.field, self.operation, self.source = status, field, operation, source
        self.index, self.message = index, message

    def __repr__(self) -> str:
        return f"MessageLookup({self.status!r}, source={self.source!r})"

    @property
    def is_message_step(self) -> Optional[bool]:
        """True for an AsyncAPI step, False for another, None when it cannot be told."""
        if self.status == "none":
            return False
        if self.status == "unknown" and not self.source:
            return None
        return True

    def describe(self) -> str:
        """``channel 'c' (operation 'o' of source 's')``, for messages."""
        operation = self.operation
        if operation is None:
            return f"source {self.source!r}"
        what = f"operation {operation.operation_id!r} of " if operation.operation_id else ""
        return f"channel {operation.channel.name!r} ({what}source {self.source!r})"


class MessageResolving(Resolving):
    """AsyncAPI sources and the targets of AsyncAPI steps, for the Context."""

    def source_type(self, name: str) -> Optional[str]:
        """The type of source ``name``: as declared, else as read (None when unknown)."""
        declared = self.document.source_description(name)
        if declared is None:
            return None
        if declared.type is not None:
            return declared.type
        state = self.source_state(name)
        return state.type if state.ok else None

    def asyncapi(self, name: str) -> Optional[AsyncAPIIndex]:
        """The AsyncAPI index of source ``name``; None when it is not a readable AsyncAPI file
        (the source is then marked ``broken``, with the error, for the ``source-file`` rule)."""
        cache = self._cache.asyncapi
        if name in cache:
            found: Optional[AsyncAPIIndex] = cache[name]
            return found
        state = self.source_state(name)
        index = None
        if state.ok and state.type == "asyncapi":
            try:
                index = self.description.asyncapi(name)
            except ArazzoError as error:
                declared = self.document.source_description(name)
                message, where = self._here(error, name, declared.location if declared else self.at(""))
                self._cache.sources[name] = SourceState(name, "broken", "asyncapi", message, where)
        cache[name] = index
        return index

    # ---------------------------------------------------------------------------- steps

    def message_target(self, step: Step) -> MessageLookup:
        """What the AsyncAPI step ``step`` sends to or receives from, looked up once."""
        key = id(step)
        cached = self._cache.messages.get(key)
        if cached is None:
            try:
                cached = self._lookup_message(step)
            except ArazzoError as error:  # a broken $ref met while assembling the operation
                field = message_target_field(step) or "operationId"
                cached = MessageLookup("broken", field, message=f"the {field} of step {step.step_id!r} "
                                       f"cannot be read: {error}")  # fmt: skip
            self._cache.messages[key] = cached
        return cached

    def _lookup_operation(self, step: Step) -> OperationLookup:
        # an operationPath into an AsyncAPI source names an AsyncAPI operation (the
        # specification's own example writes one): resolved here, not as an OpenAPI path
        if step.operation_path is not None and self._path_source(step.operation_path) is not None:
            found = self.message_target(step)
            status = {"found": "async", "bad-path": "missing"}.get(found.status, found.status)
            return OperationLookup(status, source=found.source, message=found.message)
        return super()._lookup_operation(step)

    def _path_source(self, value: Any) -> Optional[str]:
        """The AsyncAPI source an operationPath names, or None (an OpenAPI path, or unknown)."""
        if not isinstance(value, str):
            return None
        match = CHANNEL_PATH.match(value) or QUALIFIED.match(value)
        if match is None:
            return None
        name = match.group(1)
        return name if self.source_type(name) == "asyncapi" else None

    def _lookup_message(self, step: Step) -> MessageLookup:
        field = message_target_field(step)
        if field is None or step.workflow_id is not None:
            return MessageLookup("none")
        if field == "channelPath":
            return self._by_pointer(step, field, step.channel_path)
        if field == "operationPath":
            name = self._path_source(step.operation_path)
            if name is None:
                return MessageLookup("none")
            if CHANNEL_PATH.match(step.operation_path or ""):
                return self._by_pointer(step, field, step.operation_path)
            return self._by_id(step, field, name, QUALIFIED.match(step.operation_path or "").group(2))  # type: ignore[union-attr]
        operation_id = step.operation_id
        if not isinstance(operation_id, str):
            return MessageLookup("none")
        match = QUALIFIED.match(operation_id)
        if match is not None:
            if self.source_type(match.group(1)) != "asyncapi":
                return MessageLookup("none")
            return self._by_id(step, field, match.group(1), match.group(2))
        found = self.operation(step)
        if found.status == "async" and found.source is not None:
            return self._by_id(step, field, found.source, operation_id)
        if found.status == "unknown":
            return MessageLookup("unknown", field)
        return MessageLookup("none")

    def _index(self, name: str, field: str) -> MessageLookup | AsyncAPIIndex:
        state = self.source_state(name)
        if state.status == "undeclared":
            return MessageLookup("unknown-source", field, source=name, message=self.unknown_source_message(name))
        kind = self.source_type(name)
        if kind is not None and kind != "asyncapi":
            return MessageLookup(
                "wrong-type", field, source=name,
                message=f"{field} names source {name!r}, which is {kind}, not an AsyncAPI description",
            )  # fmt: skip
        index = self.asyncapi(name)
        return MessageLookup("unknown", field, source=name) if index is None else index

    def _by_id(self, step: Step, field: str, name: str, operation_id: str) -> MessageLookup:
        index = self._index(name, field)
        if isinstance(index, MessageLookup):
            return index
        operation = index.operation(operation_id)
        if operation is None:
            return MessageLookup(
                "missing", field, source=name,
                message=f"{field} names operation {operation_id!r}, which source {name!r} does not have"
                + (suggest(operation_id, index.operation_ids) or _listing(index.operation_ids)),
            )  # fmt: skip
        return MessageLookup("found", field, operation=operation, source=name, index=index)

    def _by_pointer(self, step: Step, field: str, value: Any) -> MessageLookup:
        match = CHANNEL_PATH.match(value) if isinstance(value, str) else None
        if match is None:
            return MessageLookup("bad-path", field, message=self._form_message(field, value))
        name, pointer = match.group(1), match.group(2)
        index = self._index(name, field)
        if isinstance(index, MessageLookup):
            return index
        action: Optional[Literal["send", "receive"]] = step.action if step.action in ("send", "receive") else None  # type: ignore[assignment]
        operation = index.operation_by_pointer(pointer, action)
        if operation is None:
            channels = [channel_pointer(c) for c in index.channel_names]
            if field == "channelPath":
                what, known = "a channel", channels
            else:
                what = "an operation"
                known = ["#" + p for p in index.operation_pointers]
            return MessageLookup(
                "missing", field, source=name,
                message=f"{field} {pointer!r} does not point to {what} of source {name!r}" + suggest(pointer, known),
            )  # fmt: skip
        return MessageLookup("found", field, operation=operation, source=name, index=index)

    def _form_message(self, field: str, value: Any) -> str:
        text = f"{field} {value!r} must have the form '{{$sourceDescriptions.<name>.url}}#/channels/<channel>'"
        asyncapi = [
            s.name for s in self.document.source_descriptions if isinstance(s.name, str) and s.type == "asyncapi"
        ]
        if isinstance(value, str) and len(asyncapi) == 1 and value and not value.startswith(("$", "{", "#")):
            pointer = "#/" + value if value.startswith("channels/") else channel_pointer(value)
            text += f"; did you mean '{{$sourceDescriptions.{asyncapi[0]}.url}}{pointer}'?"
        return text

    def message_location(self, step: Step) -> Location:
        """Where ``step`` names its AsyncAPI target (its channelPath/operationPath/operationId)."""
        field = message_target_field(step)
        return step.location.child(field) if field else step.location


def _listing(names: tuple[str, ...]) -> str:
    """`` (it has: a, b)`` for a short list of names, else nothing."""
    if not names or len(names) > 12:
        return ""
    return f" (it has: {', '.join(names)})"
