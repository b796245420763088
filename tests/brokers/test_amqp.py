"""The AMQP broker module against a real RabbitMQ (the ``rabbitmq`` fixture)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from arazzo_runner.asyncapi import brokers
from arazzo_runner.asyncapi.brokers import BrokerError, BrokerMessage
from arazzo_runner.asyncapi.brokers.amqp import AmqpConnection, connect

from .servers import RabbitMQ

TIMEOUT = 10.0


def _name(prefix: str = "arazzo-test") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:12]}"


async def _guest(rabbitmq: RabbitMQ) -> AmqpConnection:
    return await connect(f"amqp://{rabbitmq.host}:{rabbitmq.port}/", username="guest", password="guest")


def test_default_exchange_round_trip(rabbitmq: RabbitMQ) -> None:
    channel = _name()

    async def scenario() -> BrokerMessage | None:
        connection = await _guest(rabbitmq)
        try:
            subscription = await connection.subscribe(channel)
            await connection.publish(
                BrokerMessage(
                    channel, b'{"orderId": 7}', {"kind": "order", "tenant": "t1"}, "application/json", "corr-42"
                )
            )
            return await subscription.next(TIMEOUT)
        finally:
            await connection.close()

    received = asyncio.run(scenario())
    assert received == BrokerMessage(
        channel=channel,
        payload=b'{"orderId": 7}',
        headers={"kind": "order", "tenant": "t1"},
        content_type="application/json",
        correlation_id="corr-42",
    )


def test_topic_exchange_binding_round_trip(rabbitmq: RabbitMQ) -> None:
    exchange = _name("arazzo-exchange")
    channel = _name("orders.created")
    binding: dict[str, Any] = {"is": "routingKey", "exchange": {"name": exchange, "type": "topic", "durable": False}}

    async def scenario() -> tuple[BrokerMessage | None, BrokerMessage | None]:
        connection = await _guest(rabbitmq)
        try:
            subscription = await connection.subscribe(channel, binding)
            # same exchange, another routing key: not delivered to this subscription
            await connection.publish(BrokerMessage(_name("orders.other"), b"not for us"), binding)
            await connection.publish(BrokerMessage(channel, b"hello", content_type="text/plain"), binding)
            first = await subscription.next(TIMEOUT)
            second = await subscription.next(0.3)
            return first, second
        finally:
            await connection.close()

    first, second = asyncio.run(scenario())
    assert first == BrokerMessage(channel, b"hello", {}, "text/plain", None)
    assert second is None
    listing = rabbitmq.rabbitmqctl("list_exchanges", "name", "type").stdout
    assert f"{exchange}\ttopic" in listing


def test_queue_binding_round_trip(rabbitmq: RabbitMQ) -> None:
    queue = _name("arazzo-queue")
    binding: dict[str, Any] = {"is": "queue", "queue": {"name": queue, "durable": False, "autoDelete": True}}

    async def scenario() -> BrokerMessage | None:
        connection = await _guest(rabbitmq)
        try:
            subscription = await connection.subscribe("orders/{id}", binding)
            await connection.publish(BrokerMessage("orders/{id}", b"queued"), binding)
            return await subscription.next(TIMEOUT)
        finally:
            await connection.close()

    received = asyncio.run(scenario())
    assert received is not None
    assert received.payload == b"queued"
    assert received.channel == "orders/{id}"  # a queue's messages are the channel's, not named by the queue


def test_message_published_before_next_is_buffered(rabbitmq: RabbitMQ) -> None:
    channel = _name()

    async def scenario() -> list[BrokerMessage | None]:
        connection = await _guest(rabbitmq)
        sender = await _guest(rabbitmq)
        try:
            subscription = await connection.subscribe(channel)
            for number in range(3):
                await sender.publish(BrokerMessage(channel, f"m{number}".encode()))
            await asyncio.sleep(0.5)  # delivered and buffered while nobody reads
            return [await subscription.next(TIMEOUT) for _ in range(3)]
        finally:
            await sender.close()
            await connection.close()

    received = asyncio.run(scenario())
    assert [message.payload if message else None for message in received] == [b"m0", b"m1", b"m2"]


def test_next_times_out_with_none(rabbitmq: RabbitMQ) -> None:
    async def scenario() -> tuple[BrokerMessage | None, float]:
        connection = await _guest(rabbitmq)
        try:
            subscription = await connection.subscribe(_name())
            loop = asyncio.get_running_loop()
            started = loop.time()
            message = await subscription.next(0.4)
            return message, loop.time() - started
        finally:
            await connection.close()

    message, waited = asyncio.run(scenario())
    assert message is None
    assert 0.35 <= waited < 3.0


def test_close_is_idempotent(rabbitmq: RabbitMQ) -> None:
    async def scenario() -> None:
        connection = await _guest(rabbitmq)
        await connection.close()
        await connection.close()

    asyncio.run(scenario())


def test_added_user_is_accepted_and_overrides_url_credentials(rabbitmq: RabbitMQ) -> None:
    user, password = _name("user"), "pw-" + uuid.uuid4().hex
    rabbitmq.add_user(user, password)
    channel = _name()

    async def scenario() -> BrokerMessage | None:
        # the URL's guest:wrong is overridden by the credentials given separately
        url = f"amqp://guest:wrong@{rabbitmq.host}:{rabbitmq.port}/"
        connection = await connect(url, username=user, password=password)
        try:
            subscription = await connection.subscribe(channel)
            await connection.publish(BrokerMessage(channel, b"as user"))
            return await subscription.next(TIMEOUT)
        finally:
            await connection.close()

    received = asyncio.run(scenario())
    assert received is not None and received.payload == b"as user"


def test_wrong_password_is_refused_without_showing_it(rabbitmq: RabbitMQ) -> None:
    user = _name("user")
    rabbitmq.add_user(user, "the-right-one")
    wrong = "wrong-" + uuid.uuid4().hex
    url = f"amqp://{rabbitmq.host}:{rabbitmq.port}/"

    with pytest.raises(BrokerError) as refused:
        asyncio.run(connect(url, username=user, password=wrong))
    text = refused.value.message
    assert f"amqp://{rabbitmq.host}:{rabbitmq.port}/" in text
    assert repr(user) in text
    assert wrong not in text and wrong not in str(refused.value)
    assert "ACCESS_REFUSED" in text


def test_unreachable_server_is_a_broker_error(rabbitmq: RabbitMQ) -> None:
    from .servers import free_ports

    (port,) = free_ports(1)
    with pytest.raises(BrokerError) as refused:
        asyncio.run(connect(f"amqp://127.0.0.1:{port}/", username="guest", password="secret-guest"))
    assert f"amqp://127.0.0.1:{port}/" in refused.value.message
    assert "secret-guest" not in refused.value.message


def test_bad_url_scheme_is_a_broker_error() -> None:
    with pytest.raises(BrokerError, match="amqp:// or amqps://"):
        asyncio.run(connect("http://127.0.0.1:5672/", username="guest", password="guest"))


def test_connect_through_the_package(rabbitmq: RabbitMQ) -> None:
    channel = _name()

    async def scenario() -> BrokerMessage | None:
        connection = await brokers.connect("amqp", rabbitmq.url, username="guest", password="guest")
        try:
            assert isinstance(connection, AmqpConnection)
            subscription = await connection.subscribe(channel)
            await connection.publish(BrokerMessage(channel, b"via package", correlation_id="c-1"))
            return await subscription.next(TIMEOUT)
        finally:
            await connection.close()

    received = asyncio.run(scenario())
    assert received is not None
    assert (received.payload, received.correlation_id) == (b"via package", "c-1")


def test_conflicting_exchange_is_a_broker_error_and_the_connection_goes_on(rabbitmq: RabbitMQ) -> None:
    exchange = _name("arazzo-exchange")
    channel = _name()
    as_topic: dict[str, Any] = {"is": "routingKey", "exchange": {"name": exchange, "type": "topic"}}
    as_fanout: dict[str, Any] = {"is": "routingKey", "exchange": {"name": exchange, "type": "fanout"}}

    async def scenario() -> tuple[str, BrokerMessage | None]:
        connection = await _guest(rabbitmq)
        try:
            await connection.subscribe(channel, as_topic)
            try:
                await connection.publish(BrokerMessage(channel, b"refused"), as_fanout)
            except BrokerError as error:
                problem = error.message
            else:
                raise AssertionError("a fanout declaration of a topic exchange was accepted")
            # the refused declaration closed the AMQP channel; the next operation opens another
            subscription = await connection.subscribe(channel)
            await connection.publish(BrokerMessage(channel, b"still here"))
            return problem, await subscription.next(TIMEOUT)
        finally:
            await connection.close()

    problem, received = asyncio.run(scenario())
    assert problem.startswith(f"cannot publish to {channel!r} on AMQP server amqp://127.0.0.1:{rabbitmq.port}/")
    assert "PRECONDITION_FAILED" in problem
    assert received is not None and received.payload == b"still here"
