"""The in-process mock broker: what ``--mock`` puts in place of a real broker for AsyncAPI sources.

A :class:`MockBroker` stands in for the brokers of one AsyncAPI description.  It answers the
broker effects of the engine (:mod:`arazzo_runner.execution.messaging`) at once, with no
sockets and no asyncio:

* ``subscribe`` and ``publish`` are accepted and recorded (:attr:`MockBroker.subscriptions`,
  :attr:`MockBroker.published`);
* ``receive`` delivers a message published earlier on a channel the step listens on (a send
  then a receive on one channel gets back what was sent), else one generated from the
  channel's message: payload and headers from their schemas (``$ref`` s inlined, examples
  first, as the HTTP mock does), the step's correlation id written where the message's
  ``correlationId.location`` says, and the channel parameters the step left open filled
  with generated values, which are also written where each parameter's ``location`` says.

Values are reproducible for a seed.  A schema the generator cannot satisfy still gives a
message (the closest attempt): a mock that fails a receive for its own sake would hide
what the workflow does.  :func:`mock_brokers` builds one per AsyncAPI source of a loaded
Arazzo description, as :func:`~.transport.mock_description` does for OpenAPI sources.
"""

from __future__ import annotations

import random
import re
import threading
from collections import deque
from collections.abc import Sequence
from typing import Any

from ..asyncapi.brokers import BrokerMessage
from ..asyncapi.index import AsyncAPIIndex
from ..asyncapi.objects import Channel, ChannelParameter, Message
from ..errors import ArazzoError
from ..execution.message_values import channel_pattern, encode_payload, header_text
from ..execution.messaging import BrokerReply, Publish, Receive, Subscribe
from ..expressions.context import pointer_tokens
from ..missing import MISSING
from .generate import OMIT, Generator
from .schemas import Schemas

__all__ = ["MockBroker", "mock_brokers", "KEPT_MESSAGES", "MAX_UNTAKEN"]

KEPT_MESSAGES = 1_000
"""Published messages kept (for echo and for :attr:`MockBroker.published`): a batch of
thousands of runs on one mock keeps flat memory; the oldest go first."""

DEFAULT_CONTENT_TYPE = "application/json"

MAX_UNTAKEN = 100
"""Messages made in a row for one and the same receive before the mock says it cannot make one
that fits: the engine asks again for every message it does not take (a correlation id that a
header cannot carry as written), and a mock that always answers would keep it busy until the
step's timeout."""

_LOCATION = re.compile(r"^\$message\.(header|payload)(?:#(/.*)?)?$")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_NOT_IN_ADDRESS = re.compile(r"[^A-Za-z0-9._~-]+")  # kept out of generated address parts (topic levels, words)


class MockBroker:
    """The brokers of one AsyncAPI description, stood in for in-process (thread-safe)."""

    def __init__(self, index: AsyncAPIIndex, seed: int = 0, *, name: str | None = None) -> None:
        """``index`` is the source's (``description.asyncapi(name)``); ``name`` its source name,
        part of what seeds the values (two sources of one document differ)."""
        self.index = index
        self.seed = seed
        self.name = name or ""
        self._lock = threading.RLock()
        self._schemas: dict[str, Schemas] = {}
        self._channels: dict[str, Channel | None] = {}
        self.reset()

    def reset(self) -> None:
        """Forget what was subscribed, published and delivered; values start over."""
        with self._lock:
            self.subscriptions: list[str] = []
            self.published: deque[BrokerMessage] = deque(maxlen=KEPT_MESSAGES)
            self.delivered: deque[BrokerMessage] = deque(maxlen=KEPT_MESSAGES)
            self._pending: deque[BrokerMessage] = deque(maxlen=KEPT_MESSAGES)
            self._counts: dict[str, int] = {}
            self._last: tuple[str, str, int] = ("", "", 0)  # (address, correlation, times in a row)

    # ------------------------------------------------------------------ the effects

    def subscribe(self, effect: Subscribe) -> BrokerReply:
        """Accept a subscription (recorded; the mock delivers on any channel anyway)."""
        with self._lock:
            self._last = ("", "", 0)
            if effect.filter not in self.subscriptions:
                self.subscriptions.append(effect.filter)
        return BrokerReply()

    def publish(self, effect: Publish) -> BrokerReply:
        """Accept and record a message; a later receive on its channel gets it first."""
        with self._lock:
            self._last = ("", "", 0)
            self.published.append(effect.message)
            self._pending.append(effect.message)
        return BrokerReply()

    def receive(self, effect: Receive) -> BrokerReply:
        """The next message for a receive step: one published on its channel, else a generated one."""
        pattern = channel_pattern(effect.address or effect.filter)
        with self._lock:
            for message in self._pending:
                if pattern.fullmatch(message.channel):
                    self._last = ("", "", 0)
                    self._pending.remove(message)
                    self.delivered.append(message)
                    return BrokerReply(message=message)
            if effect.correlation is not None and _LOCATION.match(effect.correlation[0].strip()) is None:
                return BrokerReply(
                    error=f"the mock broker cannot write a correlation id at {effect.correlation[0]!r}: a location "
                    "is $message.header#/NAME or $message.payload#/POINTER",
                    error_type="document",
                )
            key = (effect.address or effect.filter, repr(effect.correlation))
            times = self._last[2] + 1 if self._last[:2] == key else 1
            self._last = (*key, times)
            if times > MAX_UNTAKEN:
                return BrokerReply(
                    error=f"the mock broker made {MAX_UNTAKEN} messages for this receive on {key[0]!r} and none "
                    "was taken: the correlation id cannot be written where the message's correlationId location "
                    "says, or the step's value is not one a message can carry there",
                    error_type="document",
                )
            message = self.generate(effect)
            self.delivered.append(message)
            return BrokerReply(message=message)

    # ------------------------------------------------------------------ generating

    def generate(self, effect: Receive) -> BrokerMessage:
        """A message as the channel of ``effect`` may carry it (see the module's docstring)."""
        address = effect.address or effect.filter
        with self._lock:
            count = self._counts[address] = self._counts.get(address, 0) + 1
        rng = random.Random(f"{self.seed}|{self.name}|{address}|{count}")
        message = _chosen(effect.messages, effect.correlation)
        payload = self._value(message, "payload", rng) if message is not None else MISSING
        headers = self._value(message, "headers", rng) if message is not None else MISSING
        header_values: dict[str, Any] = dict(headers) if isinstance(headers, dict) else {}
        if payload is MISSING:
            payload = {}  # no schema (or one it cannot follow): an object, which can take a correlation id
        channel = self._channel(address)
        concrete, payload = self._fill_address(address, channel, payload, header_values, rng)
        correlation_id = None
        if effect.correlation is not None:
            location, value = effect.correlation
            payload = _write(location, value, payload, header_values)
            correlation_id = header_text(value)
        content_type = (message.content_type if message is not None else None) or DEFAULT_CONTENT_TYPE
        return BrokerMessage(
            channel=concrete,
            payload=encode_payload(payload, content_type),
            headers={name: header_text(value) for name, value in header_values.items() if value is not None},
            content_type=content_type,
            correlation_id=correlation_id,
        )

    def _value(self, message: Message, part: str, rng: random.Random) -> Any:
        """A value for the message's ``payload`` or ``headers`` schema (MISSING without one)."""
        schema = message.payload if part == "payload" else message.headers
        if schema is None:
            return MISSING
        if not _is_json_schema(message.schema_format):
            return {} if part == "headers" else MISSING  # Avro, RAML...: not a JSON Schema to follow
        base = (message.payload_uri if part == "payload" else message.headers_uri) or message.base_uri
        schemas = self._schemas_for(message.schema_format)
        try:
            inlined = schemas.inline(schema, base or self.index.base_uri)
            value = Generator(schemas).generate(inlined, rng, name=message.name, mode="response")
        except (ArazzoError, RecursionError, ValueError, TypeError):
            return MISSING  # a schema it cannot follow: the best message it can make has no such part
        return MISSING if value is OMIT else value

    def _schemas_for(self, schema_format: str | None) -> Schemas:
        # an OpenAPI 3.0 schema object reads `nullable`; every other JSON Schema is close to 2020-12
        version = "3.0.0" if schema_format and "openapi" in schema_format and "3.0" in schema_format else "3.1.0"
        schemas = self._schemas.get(version)
        if schemas is None:
            index = self.index

            def follow(node: Any, uri: str) -> tuple[Any, str, str]:
                found = index.follow(node, base_uri=uri)
                return found[0], found[1], found[2]

            schemas = self._schemas[version] = Schemas(follow, index.base_uri, version)
        return schemas

    # ------------------------------------------------------------------ channels

    def _channel(self, address: str) -> Channel | None:
        """The channel of the description whose address ``address`` is (parameters filled or not)."""
        if address in self._channels:
            return self._channels[address]
        found = None
        for name in self.index.channel_names:
            try:
                channel = self.index.channel(name)
            except ArazzoError:
                continue
            if channel is None or channel.address is None:
                continue
            templated = bool(channel.parameter_names) and _template(channel.address).fullmatch(address) is not None
            if channel.address == address or templated:
                found = channel
                break
        self._channels[address] = found
        return found

    def _fill_address(self, address: str, channel: Channel | None, payload: Any, headers: dict[str, Any],
                      rng: random.Random) -> tuple[str, Any]:  # fmt: skip
        """The concrete channel of ``address`` and the payload, agreeing on every parameter.

        A parameter the step gave (already in ``address``) is written where its ``location``
        says; one left open takes the value the message has there, else a generated one.
        """
        given: dict[str, str] = {}
        if channel is not None and channel.address is not None and channel.parameter_names:
            match = _template(channel.address).fullmatch(address)
            if match is not None:
                for number, name in enumerate(channel.parameter_names):
                    text = match.group(f"p{number}")
                    if text != "{" + name + "}":
                        given[name] = text
        parameters = channel.parameters if channel is not None else {}
        values: dict[str, str] = {}
        for name in dict.fromkeys(_PLACEHOLDER.findall(address)):
            parameter = parameters.get(name)
            location = parameter.location if parameter is not None else None
            present = _read(location, payload, headers) if location else MISSING
            if isinstance(present, (str, int, float)) and not isinstance(present, bool) and str(present):
                values[name] = str(present)
                continue
            values[name] = _parameter_value(name, parameter, self._schemas_for(None), rng)
            if location:
                payload = _write(location, values[name], payload, headers)
        for name, text in given.items():
            parameter = parameters.get(name)
            if parameter is not None and parameter.location:
                present = _read(parameter.location, payload, headers)
                payload = _write(parameter.location, _like(text, present), payload, headers)
        concrete = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), address)
        return concrete, payload


def mock_brokers(description: Any, only: Sequence[str] | None = None, seed: int = 0) -> dict[str, MockBroker]:
    """A MockBroker for every AsyncAPI source of a loaded Arazzo ``description`` (and of the
    Arazzo documents it uses as sources), or ``only`` those names; by source name.

    A source that cannot be loaded is left out: the step that uses it reports why.
    """
    from ..loading.sources import sources_of

    found: dict[str, MockBroker] = {}
    by_document: dict[str, AsyncAPIIndex] = {}
    for owner, name, _ in sources_of(description, ("asyncapi",)):
        if (only and name not in only) or name in found:
            continue
        try:
            index = owner.asyncapi(name)
        except ArazzoError:
            continue
        found[name] = MockBroker(by_document.setdefault(index.base_uri, index), seed, name=name)
    return found


# ---------------------------------------------------------------------- helpers


def _chosen(messages: Sequence[Message], correlation: tuple[str, Any] | None) -> Message | None:
    """The message to make: the first; with a correlation, the first that defines its location."""
    if not messages:
        return None
    if correlation is not None:
        location = correlation[0].strip()
        exact = [m for m in messages if m.correlation_id and m.correlation_id.strip() == location]
        if exact:
            return exact[0]
        located = [m for m in messages if m.correlation_id]
        if located:
            return located[0]
    return messages[0]


def _is_json_schema(schema_format: str | None) -> bool:
    if not schema_format:
        return True
    lowered = schema_format.lower()
    return any(word in lowered for word in ("asyncapi", "json", "openapi", "yaml"))


def _template(address: str) -> re.Pattern[str]:
    """A pattern of ``address`` with a group ``p<N>`` per placeholder (a left ``{name}`` matches too)."""
    parts = _PLACEHOLDER.split(address)
    pattern = ""
    for number, part in enumerate(parts):
        pattern += re.escape(part) if number % 2 == 0 else f"(?P<p{number // 2}>.+?)"
    return re.compile(pattern)


def _parameter_value(name: str, parameter: ChannelParameter | None, schemas: Schemas, rng: random.Random) -> str:
    """A value for a channel parameter: its enum, default or example, else generated."""
    if parameter is not None:
        if parameter.enum:
            return str(parameter.enum[0])
        if parameter.default is not None:
            return str(parameter.default)
        if parameter.examples:
            return header_text(parameter.examples[0])
    schema = parameter.schema if parameter is not None and isinstance(parameter.schema, dict) else {"type": "string"}
    try:
        value = Generator(schemas).generate(schemas.inline(schema), rng, name=name)
    except (ArazzoError, RecursionError, ValueError, TypeError):
        value = OMIT
    text = "" if value is OMIT or value is None else header_text(value)
    # a value is one topic level or routing-key word: no separators, never empty
    text = _NOT_IN_ADDRESS.sub("-", text).strip("-")
    return text or name


def _like(text: str, present: Any) -> Any:
    """``text`` (from a channel address) as the type of the value it replaces, when it can be."""
    if isinstance(present, bool) or not isinstance(present, (int, float)):
        return text
    try:
        return int(text) if isinstance(present, int) else float(text)
    except ValueError:
        return text


def _split(location: str) -> tuple[str, tuple[str, ...]] | None:
    match = _LOCATION.match(location.strip())
    if match is None:
        return None
    return match.group(1), pointer_tokens(match.group(2) or "")


def _read(location: str, payload: Any, headers: dict[str, Any]) -> Any:
    """The value at ``location`` of a message being made, or MISSING."""
    where = _split(location)
    if where is None:
        return MISSING
    part, tokens = where
    value: Any = payload if part == "payload" else headers
    for token in tokens:
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return MISSING
    return value


def _write(location: str, value: Any, payload: Any, headers: dict[str, Any]) -> Any:
    """Put ``value`` at ``location`` (headers in place); returns the payload, objects made on the way."""
    where = _split(location)
    if where is None:
        return payload
    part, tokens = where
    if part == "header":
        if not tokens:
            return payload
        if len(tokens) == 1:
            headers[tokens[0]] = header_text(value)
        else:
            headers[tokens[0]] = _put(headers.get(tokens[0]), tokens[1:], value)
        return payload
    return _put(payload, tokens, value)


def _put(container: Any, tokens: tuple[str, ...], value: Any) -> Any:
    """``container`` with ``value`` at ``tokens``; what is in the way is replaced by objects."""
    if not tokens:
        return value
    head, rest = tokens[0], tokens[1:]
    if isinstance(container, list) and head.isdigit() and int(head) < len(container):
        container[int(head)] = _put(container[int(head)], rest, value)
        return container
    if not isinstance(container, dict):
        container = {}
    container[head] = _put(container.get(head), rest, value)
    return container
