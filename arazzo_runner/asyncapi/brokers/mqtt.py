"""MQTT 3.1.1 and 5 through aiomqtt (an optional extra, so it is imported only here, on use).

The channel address is the topic.  Headers travel as MQTT 5 user properties, the content type
and correlation id in MQTT 5's own fields; an MQTT 3.1.1 connection has none of these, so a
publish that needs them fails rather than silently losing them.  One reader task drains the
client's message stream into a queue per subscription whose topic filter matches, so messages
that arrive between :meth:`MqttConnection.subscribe` and the first ``next()`` are kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from . import BrokerError, BrokerMessage

if TYPE_CHECKING:
    import aiomqtt

__all__ = ["MqttConnection", "MqttSubscription", "connect"]

DEFAULT_PORT = 1883
DEFAULT_TLS_PORT = 8883
DEFAULT_QOS = 1
CONNECT_TIMEOUT = 10.0
TLS_SCHEMES = {"mqtts", "secure-mqtt", "ssl", "tls"}
PLAIN_SCHEMES = {"mqtt", "tcp", ""}
# AsyncAPI's mqtt server binding and common spellings -> aiomqtt ProtocolVersion member name
VERSIONS = {"5": "V5", "5.0": "V5", "3.1.1": "V311", "3": "V311", "4": "V311", "3.1": "V31"}


class MqttSubscription:
    """Messages received on one topic filter since it was subscribed, in arrival order."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        # None marks the end: the connection was lost or closed (see MqttConnection._end)
        self._queue: asyncio.Queue[BrokerMessage | None] = asyncio.Queue()
        self._ended: str | None = None

    def _deliver(self, message: BrokerMessage) -> None:
        self._queue.put_nowait(message)

    def _end(self, reason: str) -> None:
        if self._ended is None:
            self._ended = reason
            self._queue.put_nowait(None)

    async def next(self, timeout: float) -> BrokerMessage | None:
        """The next message on the topic, or None when none came within ``timeout`` seconds;
        raises BrokerError once the connection is lost and every buffered message was read."""
        try:
            message = await asyncio.wait_for(self._queue.get(), timeout=max(timeout, 0.0))
        except asyncio.TimeoutError:
            return None
        if message is None:
            self._queue.put_nowait(None)  # keep the mark for the next call
            raise BrokerError(self._ended or "the MQTT connection ended")
        return message


class MqttConnection:
    """An open MQTT connection (see :func:`connect`)."""

    def __init__(self, client: aiomqtt.Client, server: str, version: str) -> None:
        self._client = client
        self.server = server
        self.version = version
        self._subscriptions: list[MqttSubscription] = []
        self._closed = False
        self._reader = asyncio.get_running_loop().create_task(self._read(), name=f"mqtt reader {server}")

    @property
    def is_v5(self) -> bool:
        return self.version == "V5"

    async def _read(self) -> None:
        import aiomqtt

        try:
            async for received in self._client.messages:
                message = _to_broker_message(received)
                for subscription in self._subscriptions:
                    if received.topic.matches(subscription.topic):
                        subscription._deliver(message)
        except aiomqtt.MqttError as error:
            self._end(f"the connection to MQTT server {self.server} was lost ({error})")

    def _end(self, reason: str) -> None:
        for subscription in self._subscriptions:
            subscription._end(reason)

    async def subscribe(self, channel: str, binding: Mapping[str, Any] | None = None) -> MqttSubscription:
        """Subscribe to the topic (filter) ``channel`` now, at the binding's ``qos`` (default 1)."""
        import aiomqtt

        if self._closed:
            raise BrokerError(f"the connection to MQTT server {self.server} is closed")
        subscription = MqttSubscription(channel)
        # registered before the SUBSCRIBE goes out, so that nothing arriving right after the
        # broker's acknowledgement is dropped by the reader
        self._subscriptions.append(subscription)
        try:
            await self._client.subscribe(channel, qos=_qos(binding))
        except (aiomqtt.MqttError, ValueError) as error:
            self._subscriptions.remove(subscription)
            raise BrokerError(f"MQTT server {self.server} refused the subscription to {channel!r}: {error}") from None
        return subscription

    async def publish(self, message: BrokerMessage, binding: Mapping[str, Any] | None = None) -> None:
        """Publish ``message`` to its topic at the binding's ``qos`` (default 1, so this returns
        once the broker acknowledged it) and ``retain``."""
        import aiomqtt

        if self._closed:
            raise BrokerError(f"the connection to MQTT server {self.server} is closed")
        try:
            await self._client.publish(
                message.channel,
                message.payload,
                qos=_qos(binding),
                retain=bool((binding or {}).get("retain", False)),
                properties=self._properties(message, binding),
            )
        except (aiomqtt.MqttError, ValueError) as error:
            raise BrokerError(
                f"publishing to {message.channel!r} on MQTT server {self.server} failed: {error}"
            ) from None

    def _properties(self, message: BrokerMessage, binding: Mapping[str, Any] | None) -> Any:
        if not self.is_v5:
            lacking = [
                name
                for name, value in (("headers", message.headers), ("a correlation id", message.correlation_id))
                if value
            ]
            if lacking:
                raise BrokerError(
                    f"cannot send {' and '.join(lacking)} to {message.channel!r}: MQTT server {self.server} is spoken "
                    "to in MQTT 3.1.1, which has no message headers (use MQTT 5, protocolVersion 5)"
                )
            return None  # a content type is a hint only; 3.1.1 has no place for it
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        if message.headers:
            properties.UserProperty = [(str(name), str(value)) for name, value in message.headers.items()]
        if message.content_type:
            properties.ContentType = message.content_type
        if message.correlation_id is not None:
            properties.CorrelationData = message.correlation_id.encode()
        expiry = (binding or {}).get("messageExpiryInterval")
        if isinstance(expiry, int) and not isinstance(expiry, bool) and expiry >= 0:
            properties.MessageExpiryInterval = expiry
        return properties

    async def close(self) -> None:
        """Stop the reader and disconnect (idempotent; a broker already gone is no error)."""
        import aiomqtt

        if self._closed:
            return
        self._closed = True
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        with contextlib.suppress(aiomqtt.MqttError, OSError):
            await self._client.__aexit__(None, None, None)
        self._end(f"the connection to MQTT server {self.server} was closed")


def _qos(binding: Mapping[str, Any] | None) -> int:
    qos = (binding or {}).get("qos", DEFAULT_QOS)
    if isinstance(qos, bool) or qos not in (0, 1, 2):
        raise BrokerError(f"MQTT binding qos must be 0, 1 or 2, not {qos!r}")
    return int(qos)


def _to_broker_message(received: aiomqtt.Message) -> BrokerMessage:
    payload = received.payload
    if isinstance(payload, (bytes, bytearray)):
        body = bytes(payload)
    elif payload is None:
        body = b""
    else:
        body = str(payload).encode()
    properties = received.properties
    headers: dict[str, str] = {}
    content_type: str | None = None
    correlation_id: str | None = None
    if properties is not None:
        for name, value in getattr(properties, "UserProperty", None) or []:
            headers[str(name)] = str(value)
        content_type = getattr(properties, "ContentType", None) or None
        data = getattr(properties, "CorrelationData", None)
        if isinstance(data, (bytes, bytearray)):
            correlation_id = bytes(data).decode("utf-8", errors="replace")
        elif data is not None:
            correlation_id = str(data)
    return BrokerMessage(received.topic.value, body, headers, content_type, correlation_id)


def _version(protocol_version: str | None) -> str:
    if protocol_version is None:
        return "V5"
    name = VERSIONS.get(str(protocol_version).strip().lower().removeprefix("v"))
    if name is None:
        raise BrokerError(
            f"MQTT protocol version {protocol_version!r} is not supported (use 5, 3.1.1 or 3.1)", "unsupported"
        )
    return name


async def connect(
    url: str, *, username: str | None = None, password: str | None = None, protocol_version: str | None = None
) -> MqttConnection:
    """Connect to the MQTT server at ``url`` (``mqtt://host:port``, default port 1883;
    ``mqtts://`` or ``secure-mqtt://`` with TLS, default port 8883) in MQTT ``protocol_version``
    (``5``, the default, or ``3.1.1``); raises BrokerError naming the server, never the password."""
    try:
        import aiomqtt
    except ImportError as error:
        raise BrokerError(
            f"MQTT needs the aiomqtt package ({error}): pip install 'arazzo-interpreter[asyncapi]'", "unsupported"
        ) from None
    parts = urlsplit(url if "://" in url else f"mqtt://{url}")
    scheme = parts.scheme.lower()
    if scheme not in TLS_SCHEMES | PLAIN_SCHEMES:
        raise BrokerError(
            f"MQTT server URL scheme {parts.scheme!r} is not supported (use mqtt:// or mqtts://)", "unsupported"
        )
    try:
        port = parts.port
    except ValueError:
        raise BrokerError(f"MQTT server {parts.hostname}: the port is not a number") from None
    tls = scheme in TLS_SCHEMES or port == DEFAULT_TLS_PORT
    host = parts.hostname or "localhost"
    port = port or (DEFAULT_TLS_PORT if tls else DEFAULT_PORT)
    server = f"{host}:{port}"
    version = _version(protocol_version)
    if username is None and parts.username:
        username = unquote(parts.username)
        password = unquote(parts.password) if password is None and parts.password else password
    client = aiomqtt.Client(
        host,
        port,
        username=username,
        password=password,
        protocol=getattr(aiomqtt.ProtocolVersion, version),
        timeout=CONNECT_TIMEOUT,
        tls_context=ssl.create_default_context() if tls else None,
    )
    try:
        await client.__aenter__()
    except aiomqtt.MqttError as error:
        who = f" as {username!r}" if username else ""
        raise BrokerError(f"cannot connect to MQTT server {server}{who}: {error}") from None
    return MqttConnection(client, server, version)
