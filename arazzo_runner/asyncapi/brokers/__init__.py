"""Brokers: the one small interface the engine's message steps use, one module per protocol.

A :class:`Connection` is opened once per run and server (:func:`connect`), subscribes to
the channels the run's receive steps listen on before the first step runs (so no message
published in between is missed: each subscription buffers), publishes a send step's message,
and is closed at the end of the run, also on failure and Ctrl-C.  Adding Kafka or NATS is a
module here and a line in :data:`PROTOCOLS`; the engine does not change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = [
    "BrokerMessage",
    "Connection",
    "Subscription",
    "BrokerError",
    "PROTOCOLS",
    "connect",
    "subscription_filter",
]


class BrokerError(Exception):
    """A broker refused, could not be reached, or cannot do what was asked (a message with
    headers to an MQTT 3.1.1 server...): ``message`` says what, for the user; ``kind`` is the
    step's error type: ``network``, or ``unsupported`` for what this runner (or this
    installation: a client library missing) cannot speak."""

    def __init__(self, message: str, kind: str = "network") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


@dataclass(frozen=True)
class BrokerMessage:
    """A message as sent or received: its channel (topic, routing key or queue), body,
    headers (MQTT 5 user properties, AMQP headers) and content type."""

    channel: str
    payload: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = None
    correlation_id: str | None = None  # the protocol's own field (AMQP correlation_id, MQTT 5 correlation data)


class Subscription(Protocol):
    async def next(self, timeout: float) -> BrokerMessage | None:
        """The next message received on the channel (buffered since :meth:`Connection.subscribe`),
        or None when none came within ``timeout`` seconds."""


class Connection(Protocol):
    async def subscribe(self, channel: str, binding: Mapping[str, Any] | None = None) -> Subscription:
        """Start receiving on ``channel`` now; messages are buffered until read."""

    async def publish(self, message: BrokerMessage, binding: Mapping[str, Any] | None = None) -> None:
        """Hand ``message`` to the broker; returns when the client library has done so."""

    async def close(self) -> None:
        """Close the connection (idempotent)."""


# AsyncAPI server ``protocol`` -> module of this package with ``async def connect(url, *,
# username, password, protocol_version) -> Connection``
PROTOCOLS: dict[str, str] = {
    "mqtt": "mqtt",
    "mqtts": "mqtt",
    "secure-mqtt": "mqtt",
    "amqp": "amqp",
    "amqps": "amqp",
}


async def connect(
    protocol: str,
    url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    protocol_version: str | None = None,
) -> Connection:
    """A Connection to the server at ``url`` speaking ``protocol`` (an AsyncAPI server's);
    raises BrokerError for a protocol this runner does not speak, naming it."""
    from importlib import import_module

    _quiet_libraries()
    module_name = PROTOCOLS.get(protocol.lower())
    if module_name is None:
        known = ", ".join(sorted(PROTOCOLS))
        raise BrokerError(f"protocol {protocol!r} is not supported (this runner speaks {known})", "unsupported")
    module = import_module(f".{module_name}", __package__)
    connection: Connection = await module.connect(
        url, username=username, password=password, protocol_version=protocol_version
    )
    return connection


def _quiet_libraries() -> None:
    """The client libraries log what they also raise (a refused connection...), which reaches
    stderr through logging's last resort: what matters comes back as BrokerError, so their
    loggers get a handler that drops it (an application's own logging set-up still sees it)."""
    import logging

    for name in ("aiormq", "aio_pika", "aiomqtt", "mqtt", "paho"):
        logger = logging.getLogger(name)
        if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
            logger.addHandler(logging.NullHandler())


_PLACEHOLDER = re.compile(r"\{[^{}]+\}")


def subscription_filter(protocol: str, address: str, binding: Mapping[str, Any] | None = None) -> str | None:
    """What to subscribe to for a channel ``address`` whose ``{parameters}`` may not be known
    yet: the address itself when it has none; else the protocol's wildcard form (MQTT ``+``
    for a topic level; AMQP topic exchange ``*`` for a word, or ``#``), which the engine
    narrows to the address once it is known.  None when the protocol cannot subscribe to a
    pattern there (an AMQP queue is named by the whole address): subscribe once it is known."""
    if not _PLACEHOLDER.search(address):
        return address
    family = PROTOCOLS.get(protocol.lower(), protocol.lower())
    if family == "mqtt":
        levels = address.split("/")
        return "/".join("+" if _PLACEHOLDER.search(level) else level for level in levels)
    if family == "amqp":
        exchange = (binding or {}).get("exchange") or {}
        kind = exchange.get("type", "topic") if isinstance(exchange, Mapping) else None
        if (binding or {}).get("is") != "routingKey" or not exchange.get("name") or kind != "topic":
            return None
        words = address.split(".")
        if all(_PLACEHOLDER.fullmatch(word) or not _PLACEHOLDER.search(word) for word in words):
            return ".".join("*" if _PLACEHOLDER.search(word) else word for word in words)
        return "#"
    return None
