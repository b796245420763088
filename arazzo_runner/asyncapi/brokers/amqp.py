"""AMQP 0-9-1 (RabbitMQ) for the brokers interface, with aio-pika (an optional extra, so it is
imported only when an AMQP server is used).

A channel's AsyncAPI ``amqp`` binding says where messages go:

* no binding: the default exchange, with the channel address as routing key; a subscription
  consumes a queue named by the address (declared non-durable and auto-delete), which is where
  the default exchange delivers such a message.
* ``is: routingKey`` with an exchange: the exchange is declared (type and durability from the
  binding) and messages are published with the channel address as routing key; a subscription
  binds an exclusive, auto-delete, server-named queue with the address as binding key.
* ``is: queue``: the queue (``queue.name``, else the address) is declared from the binding;
  messages go to it through the default exchange, and a subscription consumes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from . import BrokerError, BrokerMessage

if TYPE_CHECKING:
    import aio_pika
    import aio_pika.abc

__all__ = ["AmqpConnection", "AmqpSubscription", "connect"]

CONNECT_TIMEOUT = 15.0
DEFAULT_PORTS = {"amqp": 5672, "amqps": 5671}
EXCHANGE_TYPES = ("topic", "direct", "fanout", "headers")


def _text(value: Any) -> str:
    """An AMQP header value as text (RabbitMQ hands strings back as bytes)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _scrub(text: str, password: str | None) -> str:
    """``text`` without the password, whatever the client library put in its message."""
    return text.replace(password, "***") if password else text


class AmqpSubscription:
    """Messages consumed from one queue, buffered from the moment of subscribing."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        # a queue's messages are all the channel's, whatever key they were routed by (a queue
        # named by its binding routes by that name); an exchange binding's carry the address
        self.from_queue = False
        self._buffer: asyncio.Queue[BrokerMessage] = asyncio.Queue()

    async def deliver(self, incoming: aio_pika.abc.AbstractIncomingMessage) -> None:
        """Consumer callback: buffer ``incoming`` as a BrokerMessage."""
        headers = {str(key): _text(value) for key, value in (incoming.headers or {}).items()}
        self._buffer.put_nowait(
            BrokerMessage(
                channel=self.channel if self.from_queue else (incoming.routing_key or self.channel),
                payload=incoming.body,
                headers=headers,
                content_type=incoming.content_type,
                correlation_id=incoming.correlation_id,
            )
        )

    async def next(self, timeout: float) -> BrokerMessage | None:
        """The next buffered message, or None when none came within ``timeout`` seconds."""
        try:
            return await asyncio.wait_for(self._buffer.get(), max(timeout, 0.0))
        except TimeoutError:
            return None


class AmqpConnection:
    """One AMQP connection with one channel (publisher confirms on, so publish returns once the
    broker has taken the message)."""

    def __init__(self, connection: aio_pika.abc.AbstractConnection, server: str) -> None:
        self._connection = connection
        self._channel: aio_pika.abc.AbstractChannel | None = None
        self._server = server
        self._closed = False

    async def _open_channel(self) -> aio_pika.abc.AbstractChannel:
        # a refused declaration closes the channel: the next operation gets a fresh one
        if self._channel is None or self._channel.is_closed:
            self._channel = await self._connection.channel()
        return self._channel

    async def _exchange(self, binding: Mapping[str, Any]) -> aio_pika.abc.AbstractExchange:
        """The binding's exchange, declared; the default exchange when it names none."""
        import aio_pika

        channel = await self._open_channel()
        exchange = binding.get("exchange") or {}
        name = str(exchange.get("name") or "")
        kind = str(exchange.get("type") or "topic")
        if not name or kind == "default":
            return channel.default_exchange
        if kind not in EXCHANGE_TYPES:
            raise BrokerError(f"exchange {name!r} has type {kind!r}; AMQP knows {', '.join(EXCHANGE_TYPES)}, default")
        return await channel.declare_exchange(
            name,
            aio_pika.ExchangeType(kind),
            durable=bool(exchange.get("durable", False)),
            auto_delete=bool(exchange.get("autoDelete", False)),
        )

    async def _named_queue(self, channel: str, binding: Mapping[str, Any] | None) -> aio_pika.abc.AbstractQueue:
        """The queue ``is: queue`` names (else one named ``channel``), declared with its settings."""
        amqp_channel = await self._open_channel()
        queue = (binding or {}).get("queue") or {}
        defaults = binding is None  # no binding: a queue that lives as long as its consumer
        return await amqp_channel.declare_queue(
            str(queue.get("name") or channel),
            durable=bool(queue.get("durable", False)),
            exclusive=bool(queue.get("exclusive", False)),
            auto_delete=bool(queue.get("autoDelete", defaults)),
        )

    @staticmethod
    def _is_queue(binding: Mapping[str, Any] | None) -> bool:
        return binding is not None and binding.get("is") == "queue"

    async def subscribe(self, channel: str, binding: Mapping[str, Any] | None = None) -> AmqpSubscription:
        """Start consuming for ``channel`` now; messages are buffered until read."""
        subscription = AmqpSubscription(channel)
        try:
            if binding is None or self._is_queue(binding):
                queue = await self._named_queue(channel, binding)
                subscription.from_queue = True
            else:
                exchange = await self._exchange(binding)
                amqp_channel = await self._open_channel()
                if exchange is amqp_channel.default_exchange:
                    queue = await self._named_queue(channel, None)
                    subscription.from_queue = True
                else:
                    queue = await amqp_channel.declare_queue("", exclusive=True, auto_delete=True)
                    await queue.bind(exchange, routing_key=channel)
            await queue.consume(subscription.deliver, no_ack=True)
        except BrokerError:
            raise
        except Exception as error:
            raise BrokerError(f"cannot subscribe to {channel!r} on AMQP server {self._server}: {error}") from error
        return subscription

    async def publish(self, message: BrokerMessage, binding: Mapping[str, Any] | None = None) -> None:
        """Publish ``message``; returns once the broker confirmed it."""
        import aio_pika

        amqp_message = aio_pika.Message(
            message.payload,
            headers=dict(message.headers) or None,
            content_type=message.content_type,
            correlation_id=message.correlation_id,
        )
        try:
            if self._is_queue(binding):
                queue = await self._named_queue(message.channel, binding)
                await (await self._open_channel()).default_exchange.publish(amqp_message, routing_key=queue.name)
            elif binding is None:
                await (await self._open_channel()).default_exchange.publish(amqp_message, routing_key=message.channel)
            else:
                exchange = await self._exchange(binding)
                await exchange.publish(amqp_message, routing_key=message.channel)
        except BrokerError:
            raise
        except Exception as error:
            raise BrokerError(
                f"cannot publish to {message.channel!r} on AMQP server {self._server}: {error}"
            ) from error

    async def close(self) -> None:
        """Close the connection (idempotent; a broker already gone is no error)."""
        if self._closed:
            return
        self._closed = True
        try:
            await self._connection.close()
        except Exception:  # noqa: BLE001 - closing must not mask the run's own outcome
            pass


async def connect(
    url: str, *, username: str | None = None, password: str | None = None, protocol_version: str | None = None
) -> AmqpConnection:
    """Connect to ``amqp://host:port/vhost`` (``amqps``: TLS).  ``username``/``password`` win over
    any in the URL; ``protocol_version`` is ignored (only 0-9-1 is spoken).  Raises BrokerError
    naming the server (never the password) when it cannot be reached or refuses the login."""
    try:
        import aio_pika
    except ImportError as error:
        raise BrokerError(f"AMQP needs the aio-pika package (pip install aio-pika): {error}", "unsupported") from error

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise BrokerError(f"AMQP server URL must start with amqp:// or amqps://, not {scheme or 'nothing'!r}")
    host = parts.hostname or "localhost"
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError as error:
        raise BrokerError(f"AMQP server URL has a bad port: {error}") from error
    vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
    login = username if username is not None else unquote(parts.username or "guest")
    secret = password if password is not None else unquote(parts.password or "guest")
    server = f"{scheme}://{host}:{port}/{'' if vhost == '/' else vhost}"
    try:
        connection = await aio_pika.connect(
            host=host,
            port=port,
            login=login,
            password=secret,
            virtualhost=vhost,
            ssl=scheme == "amqps",
            timeout=CONNECT_TIMEOUT,
        )
    except Exception as error:
        reason = _scrub(str(error) or type(error).__name__, secret)
        raise BrokerError(f"cannot connect to AMQP server {server} as {login!r}: {reason}") from error
    return AmqpConnection(connection, server)
