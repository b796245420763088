"""The MQTT broker module against a real Mosquitto (fixtures in conftest.py)."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from arazzo_runner.asyncapi import brokers
from arazzo_runner.asyncapi.brokers import BrokerError, BrokerMessage

from .conftest import MQTT_PASSWORD, MQTT_USER
from .servers import Mosquitto, free_ports


def topic(name: str) -> str:
    """A topic of this test's own (the broker is shared by the session)."""
    return f"test/{uuid.uuid4().hex[:8]}/{name}"


def test_publish_then_receive_round_trips_payload_headers_content_type_and_correlation_id(
    mosquitto: Mosquitto,
) -> None:
    channel = topic("orders/42/confirmed")

    async def scenario() -> BrokerMessage | None:
        receiver = await brokers.connect("mqtt", mosquitto.url)
        sender = await brokers.connect("mqtt", mosquitto.url)
        try:
            subscription = await receiver.subscribe(channel)
            await sender.publish(
                BrokerMessage(
                    channel,
                    b'{"orderId": 42}',
                    headers={"x-trace": "abc", "x-kind": "confirmation"},
                    content_type="application/json",
                    correlation_id="corr-7",
                )
            )
            return await subscription.next(5.0)
        finally:
            await sender.close()
            await receiver.close()

    received = asyncio.run(scenario())
    assert received == BrokerMessage(
        channel,
        b'{"orderId": 42}',
        headers={"x-trace": "abc", "x-kind": "confirmation"},
        content_type="application/json",
        correlation_id="corr-7",
    )


def test_wildcard_subscription_receives_matching_topics_only(mosquitto: Mosquitto) -> None:
    base = topic("orders")

    async def scenario() -> tuple[BrokerMessage | None, BrokerMessage | None]:
        connection = await brokers.connect("mqtt", mosquitto.url)
        try:
            subscription = await connection.subscribe(f"{base}/+/confirmed")
            await connection.publish(BrokerMessage(f"{base}/1/cancelled", b"no"))
            await connection.publish(BrokerMessage(f"{base}/2/confirmed", b"yes"))
            return await subscription.next(5.0), await subscription.next(0.3)
        finally:
            await connection.close()

    first, second = asyncio.run(scenario())
    assert first is not None and first.channel == f"{base}/2/confirmed" and first.payload == b"yes"
    assert first.headers == {} and first.content_type is None and first.correlation_id is None
    assert second is None


def test_message_before_subscribe_is_lost_one_after_is_buffered(mosquitto: Mosquitto) -> None:
    channel = topic("buffered")

    async def scenario() -> tuple[BrokerMessage | None, BrokerMessage | None]:
        connection = await brokers.connect("mqtt", mosquitto.url)
        try:
            await connection.publish(BrokerMessage(channel, b"too early"))
            subscription = await connection.subscribe(channel)
            await connection.publish(BrokerMessage(channel, b"in time"))
            await asyncio.sleep(0.3)  # it arrives while nobody waits in next()
            return await subscription.next(5.0), await subscription.next(0.3)
        finally:
            await connection.close()

    first, second = asyncio.run(scenario())
    assert first is not None and first.payload == b"in time"
    assert second is None


def test_next_times_out_with_none_after_about_the_timeout(mosquitto: Mosquitto) -> None:
    async def scenario() -> tuple[BrokerMessage | None, float]:
        connection = await brokers.connect("mqtt", mosquitto.url)
        try:
            subscription = await connection.subscribe(topic("silent"))
            started = time.monotonic()
            message = await subscription.next(0.5)
            return message, time.monotonic() - started
        finally:
            await connection.close()

    message, elapsed = asyncio.run(scenario())
    assert message is None
    assert 0.45 <= elapsed < 2.0


def test_mqtt_311_round_trips_plain_messages_and_refuses_headers(mosquitto: Mosquitto) -> None:
    channel = topic("v311")

    async def scenario() -> tuple[BrokerMessage | None, str]:
        connection = await brokers.connect("mqtt", mosquitto.url, protocol_version="3.1.1")
        try:
            subscription = await connection.subscribe(channel)
            await connection.publish(BrokerMessage(channel, b"plain", content_type="text/plain"))
            received = await subscription.next(5.0)
            with pytest.raises(BrokerError) as refused:
                await connection.publish(BrokerMessage(channel, b"x", headers={"x-trace": "abc"}))
            return received, refused.value.message
        finally:
            await connection.close()

    received, error = asyncio.run(scenario())
    assert received == BrokerMessage(channel, b"plain")
    assert "headers" in error and "3.1.1" in error and "MQTT 5" in error


def test_unknown_protocol_version_is_a_broker_error(mosquitto: Mosquitto) -> None:
    with pytest.raises(BrokerError, match="'7'"):
        asyncio.run(brokers.connect("mqtt", mosquitto.url, protocol_version="7"))


def test_credentials_accepted(mosquitto_auth: Mosquitto) -> None:
    channel = topic("auth")

    async def scenario() -> BrokerMessage | None:
        connection = await brokers.connect(
            "mqtt", mosquitto_auth.url, username=MQTT_USER, password=MQTT_PASSWORD, protocol_version="5"
        )
        try:
            subscription = await connection.subscribe(channel)
            await connection.publish(BrokerMessage(channel, b"welcome"))
            return await subscription.next(5.0)
        finally:
            await connection.close()
            await connection.close()  # idempotent

    received = asyncio.run(scenario())
    assert received is not None and received.payload == b"welcome"


@pytest.mark.parametrize("username", [MQTT_USER, None])
def test_credentials_refused_name_the_server_not_the_password(mosquitto_auth: Mosquitto, username: str | None) -> None:
    password = "wrong-password-xyz" if username else None
    with pytest.raises(BrokerError) as refused:
        asyncio.run(brokers.connect("mqtt", mosquitto_auth.url, username=username, password=password))
    assert f"127.0.0.1:{mosquitto_auth.port}" in refused.value.message
    assert "wrong-password-xyz" not in refused.value.message


def test_connection_refused_names_the_server() -> None:
    (port,) = free_ports(1)  # nothing listens there
    with pytest.raises(BrokerError) as refused:
        asyncio.run(brokers.connect("mqtt", f"mqtt://127.0.0.1:{port}", username="u", password="hidden-pw"))
    assert f"127.0.0.1:{port}" in refused.value.message
    assert "hidden-pw" not in refused.value.message


def test_unknown_protocol_is_a_broker_error_naming_it() -> None:
    with pytest.raises(BrokerError) as refused:
        asyncio.run(brokers.connect("kafka", "kafka://127.0.0.1:9092"))
    assert "'kafka'" in refused.value.message and "mqtt" in refused.value.message


def test_closed_connection_refuses_and_ends_subscriptions(mosquitto: Mosquitto) -> None:
    async def scenario() -> tuple[str, str]:
        connection = await brokers.connect("mqtt", mosquitto.url)
        subscription = await connection.subscribe(topic("closing"))
        await connection.close()
        with pytest.raises(BrokerError) as ended:
            await subscription.next(1.0)
        with pytest.raises(BrokerError) as closed:
            await connection.publish(BrokerMessage("x", b""))
        return ended.value.message, closed.value.message

    ended, closed = asyncio.run(scenario())
    assert "closed" in ended and "closed" in closed
