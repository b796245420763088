"""The broker fixtures work: messages go through each broker, and credentials are checked."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from _pytest.outcomes import Failed, Skipped

from .conftest import MQTT_PASSWORD, MQTT_USER
from .servers import Mosquitto, RabbitMQ, unavailable

TIMEOUT = 10.0


def _topic() -> str:
    return f"arazzo-test/{uuid.uuid4().hex[:12]}"


async def _mqtt_round_trip(
    broker: Mosquitto, payload: bytes, *, v5: bool = False, username: str | None = None, password: str | None = None
) -> Any:
    """Subscribe, publish ``payload`` (with user properties under MQTT 5), and return the
    message that came back."""
    import aiomqtt
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    protocol = aiomqtt.ProtocolVersion.V5 if v5 else aiomqtt.ProtocolVersion.V311
    topic = _topic()
    properties = None
    if v5:
        properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        properties.UserProperty = [("correlationId", "order-42"), ("kind", "test")]
    async with aiomqtt.Client(
        broker.host, broker.port, username=username, password=password, protocol=protocol, timeout=TIMEOUT
    ) as client:
        await client.subscribe(topic, qos=1)
        await client.publish(topic, payload, qos=1, properties=properties)
        # the callers bound the wait with asyncio.wait_for
        async for message in client.messages:
            return message
    raise AssertionError("no message")


def test_mosquitto_publish_subscribe(mosquitto: Mosquitto) -> None:
    assert mosquitto.url == f"mqtt://127.0.0.1:{mosquitto.port}"
    message = asyncio.run(asyncio.wait_for(_mqtt_round_trip(mosquitto, b'{"orderId": 7}'), TIMEOUT))
    assert message.payload == b'{"orderId": 7}'
    assert message.qos == 1
    assert "New client connected" in mosquitto.log()


def test_mosquitto_mqtt5_user_properties(mosquitto: Mosquitto) -> None:
    message = asyncio.run(asyncio.wait_for(_mqtt_round_trip(mosquitto, b"hello", v5=True), TIMEOUT))
    assert message.payload == b"hello"
    assert message.properties.UserProperty == [("correlationId", "order-42"), ("kind", "test")]


def test_mosquitto_auth_accepts_its_user(mosquitto_auth: Mosquitto) -> None:
    assert mosquitto_auth.users == {MQTT_USER: MQTT_PASSWORD}
    login = _mqtt_round_trip(mosquitto_auth, b"ok", username=MQTT_USER, password=MQTT_PASSWORD)
    message = asyncio.run(asyncio.wait_for(login, TIMEOUT))
    assert message.payload == b"ok"


@pytest.mark.parametrize(
    ("username", "password"),
    [(None, None), (MQTT_USER, "wrong"), ("stranger", MQTT_PASSWORD)],
    ids=["anonymous", "wrong-password", "unknown-user"],
)
@pytest.mark.parametrize("v5", [False, True], ids=["mqtt311", "mqtt5"])
def test_mosquitto_auth_refuses_others(
    mosquitto_auth: Mosquitto, username: str | None, password: str | None, v5: bool
) -> None:
    import aiomqtt

    with pytest.raises(aiomqtt.MqttCodeError) as refused:
        asyncio.run(
            asyncio.wait_for(
                _mqtt_round_trip(mosquitto_auth, b"no", v5=v5, username=username, password=password), TIMEOUT
            )
        )
    # MQTT 5's 134 "bad user name or password" or 135 "not authorized"; paho reports MQTT 3.1.1's
    # return code 5 ("not authorized") as 135 too
    code = refused.value.rc
    assert getattr(code, "value", code) in (134, 135), code


async def _amqp_round_trip(url: str, body: bytes) -> Any:
    """Publish ``body`` to a fresh queue through the default exchange, and get it back."""
    import aio_pika

    connection = await aio_pika.connect(url, timeout=TIMEOUT)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(f"arazzo-test-{uuid.uuid4().hex[:12]}", exclusive=True)
        await channel.default_exchange.publish(
            aio_pika.Message(
                body, correlation_id="order-42", headers={"kind": "test"}, content_type="application/json"
            ),
            routing_key=queue.name,
        )
        message = await queue.get(timeout=TIMEOUT)
        await message.ack()
        return message


def test_rabbitmq_publish_get(rabbitmq: RabbitMQ) -> None:
    assert rabbitmq.url == f"amqp://guest:guest@127.0.0.1:{rabbitmq.port}/"
    assert rabbitmq.nodename.startswith("arazzo-test-")
    message = asyncio.run(_amqp_round_trip(rabbitmq.url, b'{"orderId": 7}'))
    assert message.body == b'{"orderId": 7}'
    assert message.correlation_id == "order-42"
    assert message.headers == {"kind": "test"}
    assert message.content_type == "application/json"


def test_rabbitmq_credentials(rabbitmq: RabbitMQ) -> None:
    import aio_pika.exceptions

    user = f"user-{uuid.uuid4().hex[:8]}"
    url = rabbitmq.add_user(user, "s3cret-amqp")
    assert url == f"amqp://{user}:s3cret-amqp@127.0.0.1:{rabbitmq.port}/"
    assert asyncio.run(_amqp_round_trip(url, b"ok")).body == b"ok"
    with pytest.raises(aio_pika.exceptions.ProbableAuthenticationError):
        asyncio.run(_amqp_round_trip(rabbitmq.url_for(user, "wrong"), b"no"))
    assert user in rabbitmq.rabbitmqctl("list_users").stdout


def test_unavailable_skips_or_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARAZZO_REQUIRE_BROKERS", raising=False)
    with pytest.raises(Skipped, match="no broker here"):
        unavailable("no broker here")
    monkeypatch.setenv("ARAZZO_REQUIRE_BROKERS", "1")
    with pytest.raises(Failed, match=r"no broker here \(ARAZZO_REQUIRE_BROKERS=1 requires it\)"):
        unavailable("no broker here")
