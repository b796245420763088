"""What the engine needs from an AsyncAPI 2.x / 3.x document, found quickly.

:class:`AsyncAPIIndex` is built like :class:`~arazzo_runner.openapi.index.OpenAPIIndex`:
servers are read at once; channels and operations are only located, and assembled the first
time they are asked for, by ``operationId`` (:meth:`AsyncAPIIndex.operation`), by channel
name (:meth:`AsyncAPIIndex.channel`) or by the JSON pointer of an Arazzo ``operationPath`` /
``channelPath`` (:meth:`AsyncAPIIndex.operation_by_pointer`).  ``$ref`` s are followed within
the document and into others with the same :class:`~arazzo_runner.openapi.refs.RefResolver`,
so errors carry the same Locations.

AsyncAPI 2 operations sit on channels (``channels.<address>.publish|subscribe``) and are
named from the other party's side: ``subscribe`` describes messages the application sends,
``publish`` messages it receives (2.6, Channel Item Object).  Both become an
:class:`AsyncOperation` whose ``action`` is the application's: ``send`` / ``receive``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import unquote

from ..errors import DocumentError, Location
from ..loading.yamlfile import ParsedFile
from ..openapi.refs import Fetch, LocatedProblems, RefResolver, Resolved, escape_token, split_pointer
from .channels import ChannelAssembly, last_token_of, tokens_of
from .objects import Action, AsyncOperation, AsyncServer, Channel, Message
from .reading import Reader
from .versions import SUPPORTED, check_version

__all__ = ["AsyncAPIIndex", "SUPPORTED"]

# AsyncAPI 2 names operations from the client's side: the application's action is the other one.
_V2_ACTIONS: dict[str, Action] = {"subscribe": "send", "publish": "receive"}


class _Entry:
    """Where one operation is: found by the cheap scan, assembled on demand."""

    __slots__ = ("operation_id", "declared", "raw", "uri", "pointer", "channel_name")

    def __init__(self, operation_id: str | None, declared: str, raw: dict[str, Any], uri: str, pointer: str,
                 channel_name: str | None) -> None:  # fmt: skip
        """``pointer`` is where the operation is in the root document (its public pointer)."""
        self.operation_id = operation_id
        self.declared = declared
        self.raw = raw
        self.uri = uri
        self.pointer = pointer
        self.channel_name = channel_name


class AsyncAPIIndex(LocatedProblems, ChannelAssembly):
    """An AsyncAPI description, indexed: servers, channels, operations by id and by pointer.

    ``problems`` lists what was wrong but did not stop the index from being built (a
    duplicate ``operationId``, a server without protocol, an unknown action...), each with
    its Location.  Broken ``$ref`` s inside a channel or operation raise when it is asked for.
    """

    def __init__(self, parsed: ParsedFile, *, base_uri: str, fetch: Fetch) -> None:
        """Prefer :meth:`build`, which checks the version and scans the document."""
        self.parsed = parsed
        self.data: dict[str, Any] = parsed.data if isinstance(parsed.data, dict) else {}
        self._resolver = RefResolver(parsed, base_uri, fetch)
        self.base_uri = self._resolver.base_uri
        self.version = ""
        self.major = 0
        self.title: str | None = None
        self.servers: dict[str, AsyncServer] = {}
        self._reader: Reader
        self._problems: list[tuple[str, Location]] = []
        self._problem_keys: set[tuple[str, str, str]] = set()
        self._channel_raw: dict[str, tuple[Any, str]] = {}  # name -> (value as written, pointer)
        self._channels: dict[tuple[str, str], Channel] = {}
        self._entries: list[_Entry] = []
        self._by_id: dict[str, _Entry] = {}
        self._by_pointer: dict[str, _Entry] = {}
        self._operations: dict[str, AsyncOperation] = {}

    # ----------------------------------------------------------------------------- building

    @classmethod
    def build(cls, parsed: ParsedFile, *, base_uri: str, fetch: Fetch) -> AsyncAPIIndex:
        """Index the AsyncAPI document ``parsed``, whose absolute URI is ``base_uri``.

        ``fetch(uri)`` returns another document when a ``$ref`` leads to one.  Raises
        :class:`SourceError` when ``parsed`` is not an AsyncAPI document and
        :class:`DocumentError` for an unsupported version (1.x included) or a broken
        ``$ref`` met while scanning (a channel or server that is a ``$ref``).
        """
        index = cls(parsed, base_uri=base_uri, fetch=fetch)
        index.version, index.major = check_version(parsed)
        index._reader = Reader(index._resolver, index.major, index.version, index.data, index._problem)
        info = index.data.get("info")
        if isinstance(info, dict) and isinstance(info.get("title"), str):
            index.title = info["title"]
        index._scan_servers()
        index._scan_channels()
        if index.major >= 3:
            index._scan_operations()
        return index

    def _scan_servers(self) -> None:
        servers = self.data.get("servers")
        if servers is None:
            return
        if not isinstance(servers, dict):
            self._problem("'servers' must be a mapping of names to servers", self.base_uri, "/servers")
            return
        for name, value in servers.items():
            server = self._reader.server(name, value, self.base_uri, "/servers/" + escape_token(name))
            if server is not None:
                self.servers[name] = server

    def _scan_channels(self) -> None:
        channels = self.data.get("channels")
        if channels is None:
            if self.major == 2:
                self._problem("'channels' is required in AsyncAPI 2", self.base_uri, "")
            return
        if not isinstance(channels, dict):
            self._problem("'channels' must be a mapping", self.base_uri, "/channels")
            return
        for name, value in channels.items():
            pointer = "/channels/" + escape_token(name)
            self._channel_raw[name] = (value, pointer)
            if self.major == 2:
                item, uri, item_pointer = self._resolver.follow(value, self.base_uri, pointer)
                if not isinstance(item, dict):
                    self._problem(f"the channel {name!r} must be a mapping", uri, item_pointer)
                    continue
                for verb in ("subscribe", "publish"):
                    op = item.get(verb)
                    if op is None:
                        continue
                    if not isinstance(op, dict):
                        self._problem(f"the {verb} operation must be a mapping", uri, f"{item_pointer}/{verb}")
                        continue
                    self._add(op.get("operationId"), verb, op, uri, f"{pointer}/{verb}", name)

    def _scan_operations(self) -> None:
        operations = self.data.get("operations")
        if operations is None:
            return
        if not isinstance(operations, dict):
            self._problem("'operations' must be a mapping", self.base_uri, "/operations")
            return
        for operation_id, value in operations.items():
            pointer = "/operations/" + escape_token(operation_id)
            op, uri, op_pointer = self._resolver.follow(value, self.base_uri, pointer)
            if not isinstance(op, dict):
                self._problem(f"the operation {operation_id!r} must be a mapping", uri, op_pointer)
                continue
            action = op.get("action")
            self._add(operation_id, action if isinstance(action, str) else "", op, uri, pointer,
                      self._channel_name(op, uri))  # fmt: skip

    def _add(self, operation_id: Any, declared: str, op: dict[str, Any], uri: str, pointer: str,
             channel_name: str | None) -> None:  # fmt: skip
        if operation_id is not None and not isinstance(operation_id, str):
            self._problem("operationId must be a string", uri, pointer + "/operationId")
            operation_id = None
        entry = _Entry(operation_id, declared, op, uri, pointer, channel_name)
        if operation_id is not None:
            if operation_id in self._by_id:
                first = self._by_id[operation_id]
                self._problem(f"duplicate operationId {operation_id!r}: {first.pointer} keeps it", uri, pointer)
            else:
                self._by_id[operation_id] = entry
        self._entries.append(entry)
        self._by_pointer[pointer] = entry

    def _channel_name(self, op: dict[str, Any], uri: str) -> str | None:
        """The root channel an AsyncAPI 3 operation's ``channel`` ``$ref`` names, read cheaply."""
        ref = op.get("channel", {}).get("$ref") if isinstance(op.get("channel"), dict) else None
        if not isinstance(ref, str):
            return None
        target, fragment = self._resolver.target(ref, uri)
        try:
            tokens = split_pointer("#" + fragment)
        except ValueError:
            return None
        if target == self.base_uri and len(tokens) == 2 and tokens[0] == "channels":
            return tokens[1]
        return None

    # ------------------------------------------------------------------------------ queries

    @property
    def default_content_type(self) -> str | None:
        """The document's ``defaultContentType``, or None."""
        return self._reader.default_content_type

    @property
    def security_schemes(self) -> dict[str, Any]:
        """``components.securitySchemes`` as written (name -> Security Scheme Object)."""
        return {name: scheme for name, scheme in self._reader._schemes.items() if isinstance(scheme, dict)}

    @property
    def channel_names(self) -> tuple[str, ...]:
        """The keys of ``channels``, in document order (ids in 3.x, addresses in 2.x)."""
        return tuple(self._channel_raw)

    @property
    def operation_pointers(self) -> tuple[str, ...]:
        """The JSON pointer of every operation (``/operations/x``, ``/channels/a~1b/publish``)."""
        return tuple(self._by_pointer)

    @property
    def operation_ids(self) -> tuple[str, ...]:
        """Every operationId, in document order (cheap: builds nothing)."""
        return tuple(self._by_id)

    @property
    def operations(self) -> tuple[AsyncOperation, ...]:
        """Every operation, in document order (assembled now: a broken ``$ref`` raises)."""
        return tuple(self._operation(entry) for entry in self._entries)

    def operation(self, operation_id: str) -> AsyncOperation | None:
        """The operation with ``operation_id`` (the first, if the id is duplicated), or None."""
        entry = self._by_id.get(operation_id)
        return None if entry is None else self._operation(entry)

    def channel(self, name: str) -> Channel | None:
        """The channel ``name`` (a key of ``channels``), or None."""
        found = self._channel_raw.get(name)
        if found is None:
            return None
        return self._channel_at(found[0], self.base_uri, found[1], name)

    def operation_by_pointer(self, pointer: str, action: Action | None = None) -> AsyncOperation | None:
        """The operation an ``operationPath`` / ``channelPath`` JSON pointer names, or None.

        ``#/operations/<id>`` (3.x) and ``#/channels/<address>/publish|subscribe`` (2.x) name
        an operation.  ``#/channels/<name>`` names a channel (Arazzo 1.1 ``channelPath``): the
        result is the channel's one operation with ``action`` (or its only operation when no
        action is given), carrying every message of the channel; otherwise an operation made
        from the channel itself, with every message of the channel, ``action`` as given and
        no ``operation_id``.  Plain
        and URI fragment forms (``#``, percent-encoded) are accepted.
        """
        tokens = None
        for candidate in (pointer, unquote(pointer)):
            try:
                tokens = split_pointer(candidate)
                break
            except ValueError:
                continue
        if not tokens:
            return None
        plain = "".join("/" + escape_token(token) for token in tokens)
        entry = self._by_pointer.get(plain)
        if entry is not None:
            return self._operation(entry)
        if len(tokens) != 2 or tokens[0] != "channels" or tokens[1] not in self._channel_raw:
            return None
        on_channel = [e for e in self._entries if e.channel_name == tokens[1]]
        if action is not None:
            on_channel = [e for e in on_channel if _action_of(e, self.major) == action]
        channel = self.channel(tokens[1])
        if channel is None:
            return None
        if len(on_channel) == 1:
            # a channelPath names the channel: every message of it may come (an AsyncAPI
            # document may describe either party, and 2.x splits them over publish/subscribe)
            operation = self._operation(on_channel[0])
            if channel.messages and operation.messages != channel.messages:
                operation = replace(operation, messages=channel.messages)
            return operation
        return AsyncOperation(
            operation_id=None,
            action=action,
            channel=channel,
            messages=channel.messages,
            servers=self._servers_of(channel),
            pointer=plain,
            location=channel.location,
        )

    # --------------------------------------------------------------------------- assembling

    def _operation(self, entry: _Entry) -> AsyncOperation:
        found = self._operations.get(entry.pointer)
        if found is not None:
            return found
        reader = self._reader
        raw = reader.with_traits(entry.raw, entry.uri, entry.pointer)
        action = _action_of(entry, self.major)
        if action is None:
            self._problem(f"the operation's action must be 'send' or 'receive', not {entry.declared!r}",
                          entry.uri, entry.pointer + "/action")  # fmt: skip
        if self.major == 2:
            assert entry.channel_name is not None
            channel = self.channel(entry.channel_name)
            assert channel is not None
            messages = self._v2_messages(raw.get("message"), entry.uri, entry.pointer + "/message")
        else:
            channel = self._v3_channel(raw, entry)
            messages = self._v3_messages(raw, entry, channel)
        summary = raw.get("summary")
        operation = AsyncOperation(
            operation_id=entry.operation_id,
            action=action,
            channel=channel,
            messages=messages,
            servers=self._servers_of(channel),
            security=reader.security(raw.get("security"), entry.uri, entry.pointer + "/security"),
            bindings=reader.bindings(raw.get("bindings"), entry.uri, entry.pointer + "/bindings"),
            declared=entry.declared,
            summary=summary if isinstance(summary, str) else None,
            raw=raw,
            pointer=entry.pointer,
            location=self._resolver.location(entry.uri, entry.pointer),
        )
        self._operations[entry.pointer] = operation
        return operation

    def _v3_channel(self, raw: dict[str, Any], entry: _Entry) -> Channel:
        if entry.channel_name is not None:
            channel = self.channel(entry.channel_name)
            if channel is not None:
                return channel
        value = raw.get("channel")
        where = entry.pointer + "/channel"
        if not isinstance(value, dict):
            raise DocumentError("an operation needs a 'channel' ($ref to a channel)", self.location(where))
        target, uri, pointer = self._resolver.follow(value, entry.uri, where)
        return self._channel_at(target, uri, pointer, last_token_of(pointer))

    def _v3_messages(self, raw: dict[str, Any], entry: _Entry, channel: Channel) -> tuple[Message, ...]:
        value = raw.get("messages")
        if value is None:  # none listed: every message of the channel
            return channel.messages
        if not isinstance(value, list):
            self._problem("'messages' must be a list of $refs", entry.uri, entry.pointer + "/messages")
            return channel.messages
        found = []
        for number, item in enumerate(value):
            name = None
            ref = item.get("$ref") if isinstance(item, dict) else None
            if isinstance(ref, str):
                tokens = tokens_of(self._resolver.target(ref, entry.uri)[1])
                if len(tokens) >= 2 and tokens[-2] == "messages":
                    name = tokens[-1]  # the key in a Messages Object is the messageId
            message = self._reader.message(item, entry.uri, f"{entry.pointer}/messages/{number}", name)
            if message is not None:
                found.append(message)
        return tuple(found)

    # ----------------------------------------------------------------------------- $refs

    def resolve(self, value: Any, *, base_uri: str | None = None, pointer: str = "") -> Any:
        """``value`` with its ``$ref`` chain followed (pass ``Message.payload_uri`` for what
        is inside a payload read from another file); raises located errors."""
        return self._resolver.follow(value, base_uri, pointer).value

    def follow(self, value: Any, *, base_uri: str | None = None, pointer: str = "") -> Resolved:
        """Like :meth:`resolve`, also telling where the value was found: ``(value, uri, pointer)``."""
        return self._resolver.follow(value, base_uri, pointer)

    def document(self, uri: str) -> Any:
        """The data of the document at ``uri`` (this one, or one its ``$ref`` s lead to)."""
        return self._resolver.document(uri).data

    def location(self, pointer: str = "", *, base_uri: str | None = None) -> Location:
        """The Location of ``pointer`` in this document (or in the already read ``base_uri``)."""
        return self._resolver.location(base_uri or self.base_uri, pointer)

    def __repr__(self) -> str:
        """A short description: name, version, number of operations."""
        return f"<AsyncAPIIndex {self.name!r} asyncapi {self.version} ({len(self._entries)} operations)>"


def _action_of(entry: _Entry, major: int) -> Action | None:
    """The application's action: AsyncAPI 3's word as written, AsyncAPI 2's mapped."""
    if major == 2:
        return _V2_ACTIONS.get(entry.declared)
    if entry.declared == "send":
        return "send"
    if entry.declared == "receive":
        return "receive"
    return None
