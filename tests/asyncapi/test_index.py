"""The AsyncAPI index on small 2.6 and 3.0 documents (with cross-file $refs) written here."""

from __future__ import annotations

from pathlib import Path

import pytest

from arazzo_runner.asyncapi import AsyncAPIIndex, load_asyncapi

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def v3() -> AsyncAPIIndex:
    return load_asyncapi(DATA / "orders-3.0.yaml")


@pytest.fixture(scope="module")
def v2() -> AsyncAPIIndex:
    return load_asyncapi(DATA / "orders-2.6.yaml")


# ------------------------------------------------------------------------------- AsyncAPI 3.0


def test_v3_document(v3: AsyncAPIIndex) -> None:
    assert (v3.version, v3.major, v3.title) == ("3.0.0", 3, "Orders events")
    assert v3.default_content_type == "application/json"
    assert v3.operation_ids == ("sendOrder", "receiveConfirmation", "confirmOrder")
    assert v3.channel_names == ("orderConfirmed", "placeOrder", "dynamic")
    assert v3.problems == ()


@pytest.mark.parametrize(
    ("variables", "url"),
    [
        (None, "mqtt://broker.example.com:1883/v1"),
        ({"port": 8883}, "mqtt://broker.example.com:8883/v1"),
    ],
)
def test_v3_server_url(v3: AsyncAPIIndex, variables: dict[str, int] | None, url: str) -> None:
    assert v3.servers["production"].url(variables) == url


def test_v3_servers(v3: AsyncAPIIndex) -> None:
    production = v3.servers["production"]
    assert (production.protocol, production.protocol_version, production.host, production.pathname) == (
        "mqtt", "5", "broker.example.com:{port}", "/v1",
    )  # fmt: skip
    assert production.variables["port"].enum == ("1883", "8883")
    [[requirement]] = production.security
    assert (requirement.scheme_name, requirement.type) == ("userPassword", "userPassword")
    assert v3.servers["rabbit"].url() == "amqp://rabbit.example.com"
    assert production.location is not None and production.location.line == 8


def test_v3_send_operation(v3: AsyncAPIIndex) -> None:
    op = v3.operation("sendOrder")
    assert op is not None
    assert (op.operation_id, op.action, op.declared, op.pointer) == (
        "sendOrder",
        "send",
        "send",
        "/operations/sendOrder",
    )
    assert op.channel.name == "placeOrder" and op.channel.address == "orders/place"
    assert [server.name for server in op.servers] == ["production", "rabbit"]  # the channel names none: all
    [[requirement]] = op.security
    assert (requirement.scheme_name, requirement.type) == (None, "plain")
    [message] = op.messages  # no 'messages': every message of the channel
    assert message.name == "PlaceOrder"
    assert message.content_type == "application/vnd.orders+json"
    assert message.correlation_id == "$message.header#/x-correlation-id"
    assert message.headers == {"type": "object", "properties": {"x-correlation-id": {"type": "string"}}}
    # A Multi Format Schema Object is unwrapped; its $ref into another file followed.
    assert message.schema_format == "application/schema+json;version=draft-07"
    assert message.payload["properties"]["items"] == {"$ref": "#/Items"}
    assert message.payload_uri.endswith("/common/schemas.yaml")
    items = v3.resolve(message.payload["properties"]["items"], base_uri=message.payload_uri)
    assert items == {"type": "array", "items": {"type": "string"}}


def test_v3_receive_operation(v3: AsyncAPIIndex) -> None:
    op = v3.operation("receiveConfirmation")
    assert op is not None
    assert (op.action, op.summary) == ("receive", "Wait for the confirmation")
    assert [server.name for server in op.servers] == ["production"]
    channel = op.channel
    assert channel.parameter_names == ("orderId",)
    assert channel.expand({"orderId": "o-7"}) == "orders/o-7/confirmed"
    assert channel.expand() == "orders/{orderId}/confirmed"
    parameter = channel.parameters["orderId"]
    assert (parameter.description, parameter.examples, parameter.location) == (
        "The order", ("o-1",), "$message.payload#/orderId",
    )  # fmt: skip
    [message] = op.messages  # only the one the operation lists
    assert message.name == "OrderConfirmed"
    # traits from another file: they fill what the message lacks (3.0 merge rule)
    assert message.correlation_id == "$message.header#/correlationId"
    assert message.content_type == "application/cloudevents+json"
    assert message.payload["required"] == ["orderId"]
    assert message.location is not None and message.location.file is not None
    assert message.location.file.endswith("messages.yaml") and message.location.line == 2
    assert op.correlation_ids == ("$message.header#/correlationId",)
    assert [m.name for m in channel.messages] == ["OrderConfirmed", "OrderRejected"]
    rejected = channel.messages[1]
    assert (rejected.content_type, rejected.correlation_id, rejected.payload) == (
        "text/plain",
        None,
        {"type": "string"},
    )


def test_v3_channel_shared(v3: AsyncAPIIndex) -> None:
    first, second = v3.operation("receiveConfirmation"), v3.operation("confirmOrder")
    assert first is not None and second is not None
    assert first.channel is second.channel is v3.channel("orderConfirmed")
    dynamic = v3.channel("dynamic")
    assert dynamic is not None and dynamic.address is None and dynamic.expand() is None
    assert v3.channel("nope") is None and v3.operation("nope") is None


@pytest.mark.parametrize(
    ("pointer", "action", "expected"),
    [
        ("#/operations/sendOrder", None, ("sendOrder", "send")),
        ("/operations/receiveConfirmation", None, ("receiveConfirmation", "receive")),
        ("#/channels/placeOrder", None, ("sendOrder", "send")),  # its only operation
        ("#/channels/placeOrder", "send", ("sendOrder", "send")),
        ("#/channels/placeOrder", "receive", (None, "receive")),  # none receives: the channel
        ("#/channels/orderConfirmed", "receive", ("receiveConfirmation", "receive")),
        ("#/channels/orderConfirmed", "send", ("confirmOrder", "send")),
        ("#/channels/orderConfirmed", None, (None, None)),  # two operations: the channel
        ("#/channels/nope", "send", None),
        ("#/operations/nope", None, None),
        ("#/servers/production", None, None),
        ("not a pointer", None, None),
        ("", None, None),
    ],
)
def test_v3_by_pointer(v3: AsyncAPIIndex, pointer: str, action: str | None, expected: tuple | None) -> None:
    op = v3.operation_by_pointer(pointer, action)  # type: ignore[arg-type]
    assert (None if op is None else (op.operation_id, op.action)) == expected


def test_v3_channel_operation_carries_all_messages(v3: AsyncAPIIndex) -> None:
    op = v3.operation_by_pointer("#/channels/orderConfirmed")
    assert op is not None
    assert (op.declared, op.pointer) == ("", "/channels/orderConfirmed")
    assert [m.name for m in op.messages] == ["OrderConfirmed", "OrderRejected"]
    assert [server.name for server in op.servers] == ["production"]


# ------------------------------------------------------------------------------- AsyncAPI 2.6


def test_v2_document(v2: AsyncAPIIndex) -> None:
    assert (v2.version, v2.major) == ("2.6.0", 2)
    assert v2.operation_ids == ("confirmOrder", "onOrderConfirmed", "placeOrder")
    assert v2.channel_names == ("orders/{orderId}/confirmed", "orders/place")
    assert v2.problems == ()


@pytest.mark.parametrize(
    ("server", "url", "parts"),
    [
        ("production", "mqtt://broker.example.com:1883/v1", ("mqtt", "broker.example.com:{port}", "/v1")),
        ("bare", "amqp://rabbit.example.com:5672", (None, "rabbit.example.com:5672", "")),
        ("secured", "amqps://rabbit.example.com", (None, "rabbit.example.com", "")),
    ],
)
def test_v2_servers(v2: AsyncAPIIndex, server: str, url: str, parts: tuple) -> None:
    found = v2.servers[server]
    assert found.url() == url
    assert (found.scheme, found.host, found.pathname) == parts


def test_v2_security_requirements(v2: AsyncAPIIndex) -> None:
    alternatives = v2.servers["secured"].security
    assert [[(r.scheme_name, r.type, r.scopes) for r in both] for both in alternatives] == [
        [("userPassword", "userPassword", ()), ("apiKey", "httpApiKey", ())],
        [("oauth", "oauth2", ("write",))],
    ]


@pytest.mark.parametrize(
    ("operation_id", "action", "declared"),
    [
        # AsyncAPI 2.6: subscribe = messages the application produces; publish = it consumes.
        ("confirmOrder", "send", "subscribe"),
        ("onOrderConfirmed", "receive", "publish"),
        ("placeOrder", "send", "subscribe"),
    ],
)
def test_v2_actions(v2: AsyncAPIIndex, operation_id: str, action: str, declared: str) -> None:
    op = v2.operation(operation_id)
    assert op is not None and (op.action, op.declared) == (action, declared)


def test_v2_receive_operation(v2: AsyncAPIIndex) -> None:
    op = v2.operation("onOrderConfirmed")
    assert op is not None
    assert op.pointer == "/channels/orders~1{orderId}~1confirmed/publish"
    assert (op.channel.name, op.channel.address) == ("orders/{orderId}/confirmed",) * 2
    assert op.channel.parameters["orderId"].schema == {"type": "string"}
    assert [server.name for server in op.servers] == ["production"]
    confirmed, rejected = op.messages  # oneOf, one from another file
    assert confirmed.name == "OrderConfirmed"
    # 2.6 traits are a merge patch over the message: the trait's contentType wins
    assert (confirmed.content_type, confirmed.correlation_id) == ("application/json", "$message.header#/correlationId")
    assert confirmed.payload["required"] == ["orderId"]
    assert (rejected.name, rejected.content_type) == ("OrderRejected", "text/plain")


def test_v2_operation_traits_and_channel_ref(v2: AsyncAPIIndex) -> None:
    op = v2.operation("confirmOrder")
    assert op is not None and op.summary == "From a trait"
    place = v2.operation("placeOrder")
    assert place is not None
    assert place.channel.address == "orders/place"
    assert [server.name for server in place.servers] == ["production", "bare", "secured"]
    [message] = place.messages
    assert (message.name, message.content_type) == ("PlaceOrder", "application/vnd.orders+json")
    assert message.payload["properties"]["orderId"] == {"type": "string"}


@pytest.mark.parametrize(
    ("pointer", "action", "expected"),
    [
        ("#/channels/orders~1{orderId}~1confirmed/subscribe", None, ("confirmOrder", "send")),
        ("#/channels/orders~1%7BorderId%7D~1confirmed/publish", None, ("onOrderConfirmed", "receive")),
        ("#/channels/orders~1{orderId}~1confirmed", "receive", ("onOrderConfirmed", "receive")),
        ("#/channels/orders~1{orderId}~1confirmed", None, (None, None)),
        ("#/channels/orders~1place", "receive", (None, "receive")),
        ("#/channels/orders~1place/subscribe", None, ("placeOrder", "send")),
        ("#/channels/orders~1place/publish", None, None),
    ],
)
def test_v2_by_pointer(v2: AsyncAPIIndex, pointer: str, action: str | None, expected: tuple | None) -> None:
    op = v2.operation_by_pointer(pointer, action)  # type: ignore[arg-type]
    assert (None if op is None else (op.operation_id, op.action)) == expected
