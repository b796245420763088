"""The in-process mock broker (arazzo_runner.mock.broker): what --mock answers for AsyncAPI sources."""

from __future__ import annotations

import datetime
import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_runner import Runner
from arazzo_runner.asyncapi import AsyncAPIIndex, load_asyncapi
from arazzo_runner.asyncapi.brokers import BrokerMessage
from arazzo_runner.execution.message_values import channel_pattern, decode_payload, read_location
from arazzo_runner.execution.messaging import BrokerReply, BrokerServer, Publish, Receive, Subscribe
from arazzo_runner.loading.sources import load
from arazzo_runner.mock.broker import MAX_UNTAKEN, MockBroker, mock_brokers

ROOT = Path(__file__).resolve().parents[2]
ORDERS = ROOT / "workflows" / "orders" / "orders.arazzo.yaml"
SERVER = BrokerServer("events", "mock", "mock://events")

SCHEMAS = {
    "schemas": {
        "Confirmation": {
            "type": "object",
            "required": ["orderId", "status", "confirmedAt", "total"],
            "properties": {
                "orderId": {"type": "string"},
                "status": {"$ref": "common.yaml#/Status"},
                "confirmedAt": {"type": "string", "format": "date-time"},
                "total": {"type": "integer", "minimum": 1, "maximum": 10_000},
            },
        },
    },
}


def document(tmp_path: Path) -> AsyncAPIIndex:
    """An AsyncAPI 3.0 document whose payload schema is $ref'd, with an inner $ref to another file."""
    data: dict[str, Any] = {
        "asyncapi": "3.0.0",
        "info": {"title": "events", "version": "1.0.0"},
        "channels": {
            "confirmed": {
                "address": "orders/{orderId}/confirmed",
                "parameters": {"orderId": {"location": "$message.payload#/orderId"}},
                "messages": {"Confirmed": {"$ref": "#/components/messages/Confirmed"}},
            },
            "audit": {
                "address": "audit/{region}/{shard}",
                "parameters": {"region": {"enum": ["eu-west", "us-east"]}, "shard": {}},
                "messages": {
                    "Plain": {"payload": {"type": "object", "properties": {"n": {"type": "integer"}}}},
                    "Traced": {
                        "correlationId": {"location": "$message.payload#/meta/trace/id"},
                        "payload": {"type": "object", "properties": {"n": {"type": "integer"}}},
                    },
                },
            },
            "notes": {
                "address": "notes",
                "messages": {"Note": {"contentType": "text/plain", "payload": {"type": "string", "examples": ["hi"]}}},
            },
            "avro": {
                "address": "avro",
                "messages": {
                    "Avro": {
                        "payload": {
                            "schemaFormat": "application/vnd.apache.avro;version=1.9.0",
                            "schema": {"type": "record", "name": "R", "fields": []},
                        }
                    }
                },
            },
        },
        "operations": {
            "receiveConfirmed": {"action": "receive", "channel": {"$ref": "#/channels/confirmed"}},
            "sendConfirmed": {"action": "send", "channel": {"$ref": "#/channels/confirmed"}},
        },
        "components": {
            "messages": {
                "Confirmed": {
                    "contentType": "application/json",
                    "correlationId": {"location": "$message.header#/correlationId"},
                    "headers": {
                        "type": "object",
                        "required": ["correlationId", "attempt"],
                        "properties": {"correlationId": {"type": "string"}, "attempt": {"type": "integer"}},
                    },
                    "payload": {"$ref": "schemas/payloads.yaml#/schemas/Confirmation"},
                }
            }
        },
    }
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "payloads.yaml").write_text(yaml.safe_dump(SCHEMAS))
    (tmp_path / "schemas" / "common.yaml").write_text(yaml.safe_dump({"Status": {"enum": ["confirmed", "rejected"]}}))
    path = tmp_path / "events.asyncapi.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_asyncapi(path)


@pytest.fixture
def index(tmp_path: Path) -> AsyncAPIIndex:
    return document(tmp_path)


def receive(index: AsyncAPIIndex, channel: str, address: str | None = None,
            correlation: tuple[str, Any] | None = None) -> Receive:  # fmt: skip
    found = index.channel(channel)
    assert found is not None and found.address is not None
    address = found.address if address is None else address
    return Receive(SERVER, address, 5.0, address, found.messages, correlation)


def payload_of(reply: BrokerReply) -> Any:
    assert reply.error is None and reply.message is not None
    return json.loads(reply.message.payload)


def test_a_header_correlation_id_is_written_where_the_message_says(index: AsyncAPIIndex) -> None:
    effect = receive(index, "confirmed", correlation=("$message.header#/correlationId", "order-42"))
    reply = MockBroker(index).receive(effect)
    message = reply.message
    assert message is not None
    assert message.headers["correlationId"] == "order-42"
    assert message.headers["attempt"].lstrip("-").isdigit()  # header values are text
    assert message.content_type == "application/json"
    assert message.correlation_id == "order-42"
    payload = decode_payload(message.payload, message.content_type)
    assert read_location("$message.header#/correlationId", message, payload) == "order-42"


def test_the_ref_d_payload_schema_is_followed_into_other_files(index: AsyncAPIIndex) -> None:
    payload = payload_of(MockBroker(index).receive(receive(index, "confirmed")))
    assert set(payload) == {"orderId", "status", "confirmedAt", "total"}
    assert payload["status"] in ("confirmed", "rejected")  # from common.yaml, two $refs away
    assert datetime.datetime.fromisoformat(payload["confirmedAt"].replace("Z", "+00:00")).year >= 2024
    assert isinstance(payload["total"], int) and 1 <= payload["total"] <= 10_000


def test_an_open_channel_parameter_takes_the_value_the_message_carries(index: AsyncAPIIndex) -> None:
    reply = MockBroker(index).receive(receive(index, "confirmed"))
    assert reply.message is not None
    payload = payload_of(reply)
    assert reply.message.channel == f"orders/{payload['orderId']}/confirmed"
    assert "{" not in reply.message.channel and payload["orderId"]


def test_a_given_channel_parameter_is_written_into_the_message(index: AsyncAPIIndex) -> None:
    reply = MockBroker(index).receive(receive(index, "confirmed", "orders/ord-7/confirmed"))
    assert reply.message is not None and reply.message.channel == "orders/ord-7/confirmed"
    assert payload_of(reply)["orderId"] == "ord-7"


def test_parameters_without_location_are_generated_from_enum_or_name(index: AsyncAPIIndex) -> None:
    reply = MockBroker(index).receive(receive(index, "audit"))
    assert reply.message is not None
    region, shard = reply.message.channel.split("/")[1:]
    assert region == "eu-west"  # the parameter's enum
    assert shard and "/" not in shard and " " not in shard and "{" not in shard
    assert channel_pattern("audit/{region}/{shard}").fullmatch(reply.message.channel)


def test_a_payload_correlation_id_is_written_into_the_message_that_defines_one(index: AsyncAPIIndex) -> None:
    effect = receive(index, "audit", correlation=("$message.payload#/meta/trace/id", 42))
    payload = payload_of(MockBroker(index).receive(effect))
    assert payload["meta"] == {"trace": {"id": 42}}  # objects made on the way; Traced chosen over Plain
    assert isinstance(payload["n"], int)


def test_a_published_message_is_echoed_first_on_its_channel_only(index: AsyncAPIIndex) -> None:
    broker = MockBroker(index)
    sent = BrokerMessage("orders/ord-1/confirmed", b'{"orderId":"ord-1","status":"rejected"}', {"correlationId": "c1"})
    other = BrokerMessage("orders/ord-2/confirmed", b'{"orderId":"ord-2"}', {"correlationId": "c2"})
    assert broker.subscribe(Subscribe(SERVER, "orders/ord-1/confirmed")).error is None
    assert broker.publish(Publish(SERVER, other)).error is None
    assert broker.publish(Publish(SERVER, sent)).error is None
    assert list(broker.published) == [other, sent]
    assert broker.subscriptions == ["orders/ord-1/confirmed"]
    first = broker.receive(receive(index, "confirmed", "orders/ord-1/confirmed"))
    assert first.message is sent
    second = broker.receive(receive(index, "confirmed", "orders/ord-1/confirmed"))
    assert second.message is not None and second.message is not sent and second.message is not other
    assert payload_of(second)["orderId"] == "ord-1"
    # a pattern with an open parameter gets the other one, still waiting
    assert broker.receive(receive(index, "confirmed")).message is other


def test_values_are_the_same_for_a_seed_and_differ_between_seeds(tmp_path: Path) -> None:
    index = document(tmp_path)

    def run(seed: int) -> list[BrokerMessage]:
        broker = MockBroker(index, seed)
        return [broker.receive(receive(index, "confirmed")).message for _ in range(2)]  # type: ignore[misc]

    first, again, other = run(0), run(0), run(1)
    assert first == again
    assert first[0] != first[1]  # each receive gets a message of its own
    assert first != other
    broker = MockBroker(index, 0)
    broker.receive(receive(index, "confirmed"))
    broker.reset()
    assert broker.receive(receive(index, "confirmed")).message == first[0]


def test_a_text_payload_is_sent_as_text(index: AsyncAPIIndex) -> None:
    reply = MockBroker(index).receive(receive(index, "notes"))
    assert reply.message is not None
    assert (reply.message.payload, reply.message.content_type, reply.message.channel) == (b"hi", "text/plain", "notes")


def test_schemas_it_cannot_follow_still_give_a_message(index: AsyncAPIIndex) -> None:
    assert payload_of(MockBroker(index).receive(receive(index, "avro"))) == {}
    # no messages at all, and a correlation id to carry: an object that carries it
    effect = Receive(SERVER, "free/{x}", 1.0, "free/{x}", (), ("$message.payload#/id", "c-9"))
    reply = MockBroker(index).receive(effect)
    assert reply.message is not None and reply.message.channel.startswith("free/")
    assert "{" not in reply.message.channel and len(reply.message.channel) > len("free/")
    assert payload_of(reply) == {"id": "c-9"}


def test_a_location_it_cannot_write_is_a_document_error(index: AsyncAPIIndex) -> None:
    effect = receive(index, "confirmed", correlation=("$message.body#/id", "c-1"))
    reply = MockBroker(index).receive(effect)
    assert reply.message is None and reply.error_type == "document"
    assert "$message.body#/id" in (reply.error or "")


def test_mock_brokers_covers_the_asyncapi_sources_of_a_description() -> None:
    description = load(str(ORDERS))
    brokers = mock_brokers(description, seed=3)
    assert list(brokers) == ["orderEvents"]
    assert brokers["orderEvents"].seed == 3 and brokers["orderEvents"].name == "orderEvents"
    assert mock_brokers(description, only=["ordersApi"]) == {}
    assert list(mock_brokers(description, only=["orderEvents"])) == ["orderEvents"]


def test_a_receive_whose_messages_are_never_taken_ends_with_an_error(index: AsyncAPIIndex) -> None:
    broker = MockBroker(index)
    effect = receive(index, "confirmed", correlation=("$message.header#/correlationId/deep", "c-1"))
    replies = [broker.receive(effect) for _ in range(MAX_UNTAKEN + 1)]
    assert all(reply.message is not None for reply in replies[:-1])
    assert replies[-1].message is None and replies[-1].error_type == "document"
    assert "none was taken" in (replies[-1].error or "")
    broker.subscribe(Subscribe(SERVER, "elsewhere"))  # anything else in between starts the count again
    assert broker.receive(effect).message is not None


def test_a_run_whose_correlation_id_no_message_can_carry_fails_fast(tmp_path: Path) -> None:
    flow = yaml.safe_load(ORDERS.read_text())
    flow["sourceDescriptions"] = [
        {**source, "url": str(ORDERS.parent / source["url"])} for source in flow["sourceDescriptions"]
    ]
    workflow = flow["workflows"][0]
    workflow["inputs"]["properties"]["correlationId"] = {}  # any value, an object too
    workflow["steps"][0]["parameters"][0]["value"] = "fixed"  # the header takes text only
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump(flow, sort_keys=False))
    started = time.monotonic()
    result = Runner(str(path), mock=True).run("place-order", {"correlationId": {"not": "text"}})
    assert time.monotonic() - started < 8  # the step's timeout is 10 s: the mock said so before
    assert result.status == "failed" and result.error is not None
    assert "none was taken" in result.error.message
