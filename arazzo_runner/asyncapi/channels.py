"""Channels of an AsyncAPI document assembled on demand: address, parameters, servers, messages.

:class:`ChannelAssembly` is the part of :class:`~.index.AsyncAPIIndex` that turns a channel
(AsyncAPI 3's Channel Object or 2's Channel Item Object) into a :class:`~.objects.Channel`,
once per place in the documents, and finds the servers a channel is on.
"""

from __future__ import annotations

from typing import Any

from ..errors import DocumentError
from ..openapi.refs import RefResolver, escape_token, split_pointer
from .objects import AsyncServer, Channel, Message
from .reading import Reader

__all__ = ["ChannelAssembly", "last_token_of", "tokens_of"]


def tokens_of(fragment: str) -> list[str]:
    """The tokens of a ``$ref`` fragment or plain pointer (empty when it is not a pointer)."""
    try:
        return split_pointer("#" + fragment)
    except ValueError:
        return []


def last_token_of(pointer: str) -> str:
    """The last token of a pointer ("" for the root)."""
    tokens = tokens_of(pointer)
    return tokens[-1] if tokens else ""


class ChannelAssembly:
    """Channel building for the index (which provides the attributes declared here)."""

    major: int
    base_uri: str
    servers: dict[str, AsyncServer]
    _resolver: RefResolver
    _reader: Reader
    _channels: dict[tuple[str, str], Channel]

    def _problem(self, message: str, uri: str, pointer: str) -> None:
        raise NotImplementedError  # pragma: no cover - provided by the index

    def _v2_messages(self, value: Any, uri: str, pointer: str) -> tuple[Message, ...]:
        if value is None:
            return ()
        resolved, value_uri, value_pointer = self._resolver.follow(value, uri, pointer)
        one_of = resolved.get("oneOf") if isinstance(resolved, dict) else None
        if isinstance(one_of, list):
            found = [self._reader.message(m, value_uri, f"{value_pointer}/oneOf/{n}") for n, m in enumerate(one_of)]
        else:
            found = [self._reader.message(value, uri, pointer)]
        return tuple(message for message in found if message is not None)

    def _channel_at(self, value: Any, uri: str, pointer: str, name: str) -> Channel:
        key = (uri, pointer)
        found = self._channels.get(key)
        if found is not None:
            return found
        raw, raw_uri, raw_pointer = self._resolver.follow(value, uri, pointer)
        if not isinstance(raw, dict):
            raise DocumentError(
                f"the channel {name!r} must be a mapping", self._resolver.location(raw_uri, raw_pointer)
            )
        reader = self._reader
        if self.major == 2:
            address: str | None = name
            servers = self._v2_servers(raw.get("servers"), raw_uri, raw_pointer + "/servers")
            messages: list[Message] = []
            for verb in ("subscribe", "publish"):
                op = raw.get(verb)
                if isinstance(op, dict):
                    op = reader.with_traits(op, raw_uri, f"{raw_pointer}/{verb}")
                    messages += self._v2_messages(op.get("message"), raw_uri, f"{raw_pointer}/{verb}/message")
        else:
            written = raw.get("address")
            address = written if isinstance(written, str) else None
            servers = self._v3_servers(raw.get("servers"), raw_uri, raw_pointer + "/servers")
            messages = []
            listed = raw.get("messages")
            for key_name, item in (listed if isinstance(listed, dict) else {}).items():
                item_pointer = f"{raw_pointer}/messages/{escape_token(key_name)}"
                message = reader.message(item, raw_uri, item_pointer, key_name)
                if message is not None:
                    messages.append(message)
        description = raw.get("description")
        channel = Channel(
            name=name,
            address=address,
            parameters=reader.parameters(raw.get("parameters"), raw_uri, raw_pointer + "/parameters"),
            servers=servers,
            messages=tuple(messages),
            bindings=reader.bindings(raw.get("bindings"), raw_uri, raw_pointer + "/bindings"),
            description=description if isinstance(description, str) else None,
            pointer=pointer,
            location=self._resolver.location(uri, pointer),
        )
        for parameter in channel.parameter_names:
            if parameter not in channel.parameters and self.major >= 3:
                self._problem(f"the address parameter {parameter!r} is not in 'parameters'", raw_uri, raw_pointer)
        self._channels[key] = channel
        return channel

    def _v2_servers(self, value: Any, uri: str, pointer: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            return ()
        names = tuple(str(name) for name in value)
        for name in names:
            if name not in self.servers:
                self._problem(f"unknown server {name!r}", uri, pointer)
        return names

    def _v3_servers(self, value: Any, uri: str, pointer: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            return ()
        names = []
        for number, item in enumerate(value):
            ref = item.get("$ref") if isinstance(item, dict) else None
            if not isinstance(ref, str):
                self._problem("a channel's servers must be $refs to servers", uri, f"{pointer}/{number}")
                continue
            tokens = tokens_of(self._resolver.target(ref, uri)[1])
            name = tokens[-1] if tokens else ""
            if name not in self.servers:
                self._problem(f"unknown server {ref!r}", uri, f"{pointer}/{number}")
                continue
            names.append(name)
        return tuple(names)

    def _servers_of(self, channel: Channel) -> tuple[AsyncServer, ...]:
        if not channel.servers:
            return tuple(self.servers.values())
        return tuple(self.servers[name] for name in channel.servers if name in self.servers)
