"""The engine's side of AsyncAPI steps, driven by hand: which broker effects it yields, in what
order, and what it does with the messages it is given (no broker, no mock: pure)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_runner.asyncapi.brokers import BrokerMessage
from arazzo_runner.execution.engine import Engine, RunOptions, Send
from arazzo_runner.execution.message_values import channel_pattern, correlation_matches, read_location
from arazzo_runner.execution.messaging import BrokerReply, Receive, Subscribe
from arazzo_runner.execution.results import RunFinished
from arazzo_runner.loading.sources import load
from arazzo_runner.missing import MISSING

EVENTS = {
    "asyncapi": "3.0.0",
    "info": {"title": "orders", "version": "1"},
    "servers": {"local": {"host": "broker.test:1883", "protocol": "mqtt"}},
    "channels": {
        "confirmed": {
            "address": "orders/{orderId}/confirmed",
            "messages": {
                "Confirmed": {
                    "correlationId": {"location": "$message.payload#/ref"},
                    "payload": {"type": "object", "properties": {"ref": {"type": "string"}}},
                }
            },
        }
    },
    "operations": {"confirmations": {"action": "receive", "channel": {"$ref": "#/channels/confirmed"}}},
}


def receive(step_id: str, order: str, ref: str) -> dict[str, Any]:
    return {
        "stepId": step_id,
        "operationId": "confirmations",
        "action": "receive",
        "parameters": [{"name": "orderId", "in": "path", "value": order}],
        "correlationId": ref,
        "timeout": 1000,
        "outputs": {"ref": "$message.payload#/ref", "channel": "$message.payload#/channel"},
    }


def engine_for(tmp_path: Path, steps: list[dict[str, Any]], sources: list[dict[str, Any]] | None = None) -> Any:
    (tmp_path / "events.yaml").write_text(yaml.safe_dump(EVENTS))
    document = {
        "arazzo": "1.1.0",
        "info": {"title": "t", "version": "1"},
        "sourceDescriptions": [{"name": "events", "url": "./events.yaml", "type": "asyncapi"}, *(sources or [])],
        "workflows": [{"workflowId": "w", "steps": steps}],
    }
    (tmp_path / "flow.yaml").write_text(yaml.safe_dump(document))
    description = load(str(tmp_path / "flow.yaml"))
    now = [0.0]
    engine = Engine(description, RunOptions(), clock=lambda: now[0])
    return engine, engine.run(description.document.workflows[0], {}), now


def message(channel: str, ref: str) -> BrokerMessage:
    return BrokerMessage(channel, json.dumps({"ref": ref, "channel": channel}).encode(), {}, "application/json")


def test_both_receives_subscribe_before_the_first_step(tmp_path: Path) -> None:
    _, run, _ = engine_for(tmp_path, [receive("first", "1", "a"), receive("second", "2", "b")])
    effects: list[Any] = []
    reply: Any = None
    while True:
        item = run.send(reply)
        reply = None
        if isinstance(item, (Subscribe, Receive)):
            effects.append(item)
            channel = item.filter
            reply = BrokerReply(message=message(channel, "a" if "/1/" in channel else "b")) if isinstance(
                item, Receive) else BrokerReply()  # fmt: skip
        elif isinstance(item, RunFinished):
            result = item.result
            break
    assert [(type(e).__name__, e.filter) for e in effects] == [
        ("Subscribe", "orders/1/confirmed"),
        ("Subscribe", "orders/2/confirmed"),
        ("Receive", "orders/1/confirmed"),
        ("Receive", "orders/2/confirmed"),
    ]
    assert result.status == "succeeded", result.error


def test_a_message_for_a_later_step_is_kept_for_it(tmp_path: Path) -> None:
    engine, run, now = engine_for(tmp_path, [receive("first", "1", "a"), receive("second", "1", "b")])
    # the broker hands over the second step's message first: the first step must keep it
    queue = [message("orders/1/confirmed", "b"), message("orders/1/confirmed", "x"), message("orders/1/confirmed", "a")]
    receives = 0
    reply: Any = None
    while True:
        item = run.send(reply)
        reply = None
        if isinstance(item, Receive):
            receives += 1
            reply = BrokerReply(message=queue.pop(0) if queue else None)
            now[0] += 0.01
        elif isinstance(item, Subscribe):
            server = item.server
            reply = BrokerReply()
        elif isinstance(item, RunFinished):
            result = item.result
            break
    assert result.status == "succeeded", result.error
    assert [s.outputs["ref"] for s in result.steps] == ["a", "b"]
    assert receives == 3  # the second step took the kept message without asking the broker
    assert engine.mailboxes[(server.key, "orders/1/confirmed")] == [message("orders/1/confirmed", "x")]


def test_a_parameter_known_only_later_is_subscribed_with_a_wildcard_before_the_first_step(tmp_path: Path) -> None:
    openapi = {
        "openapi": "3.1.0",
        "info": {"title": "o", "version": "1"},
        "servers": [{"url": "http://api.test"}],
        "paths": {"/orders": {"post": {"operationId": "create", "responses": {"201": {"description": "ok"}}}}},
    }
    (tmp_path / "orders.yaml").write_text(yaml.safe_dump(openapi))
    create = {"stepId": "create", "operationId": "create", "outputs": {"id": "$response.body#/id"}}
    wait = receive("wait", "$steps.create.outputs.id", "r-1")
    _, run, _ = engine_for(tmp_path, [create, wait], [{"name": "api", "url": "./orders.yaml", "type": "openapi"}])
    from arazzo_runner.execution.engine import Exchange

    order: list[str] = []
    reply: Any = None
    while True:
        item = run.send(reply)
        reply = None
        if isinstance(item, Subscribe):
            order.append(f"subscribe {item.filter}")
            reply = BrokerReply()
        elif isinstance(item, Send):
            order.append("send")
            reply = Exchange(201, [("content-type", "application/json")], b'{"id": "77"}')
        elif isinstance(item, Receive):
            order.append(f"receive {item.filter} {item.address}")
            reply = BrokerReply(message=message("orders/77/confirmed", "r-1"))
        elif isinstance(item, RunFinished):
            result = item.result
            break
    assert order == ["subscribe orders/+/confirmed", "send", "receive orders/+/confirmed orders/77/confirmed"]
    assert result.status == "succeeded", result.error


def test_a_receive_that_gets_nothing_fails_with_timeout(tmp_path: Path) -> None:
    _, run, now = engine_for(tmp_path, [receive("first", "1", "a")])
    reply: Any = None
    while True:
        item = run.send(reply)
        reply = None
        if isinstance(item, Subscribe):
            reply = BrokerReply()
        elif isinstance(item, Receive):
            assert item.timeout == pytest.approx(1.0)
            assert item.correlation == ("$message.payload#/ref", "a")
            now[0] += item.timeout
            reply = BrokerReply(message=None)
        elif isinstance(item, RunFinished):
            result = item.result
            break
    step = result.steps[0]
    assert (step.status, step.error_type) == ("failed", "timeout")
    assert step.error == (
        "no message with correlation id 'a' arrived on channel 'orders/1/confirmed' within the step's timeout of 1000 ms"
    )


def test_a_broker_error_fails_the_step_with_its_type(tmp_path: Path) -> None:
    _, run, _ = engine_for(tmp_path, [receive("first", "1", "a")])
    reply: Any = None
    while True:
        item = run.send(reply)
        reply = None
        if isinstance(item, Subscribe):
            reply = BrokerReply(error="cannot connect to MQTT server broker.test:1883", error_type="network")
        elif isinstance(item, Receive):
            raise AssertionError("no receive after a refused subscription")
        elif isinstance(item, RunFinished):
            result = item.result
            break
    assert result.steps[0].error_type == "network"
    assert result.steps[0].error == "cannot connect to MQTT server broker.test:1883"


@pytest.mark.parametrize(
    ("location", "headers", "payload", "expected"),
    [
        ("$message.header#/correlationId", {"CorrelationId": "c1"}, MISSING, "c1"),
        ("$message.header#/missing", {}, MISSING, "protocol-id"),
        ("$message.payload#/order/ref", {}, {"order": {"ref": 7}}, 7),
        ("$message.payload#/nope", {}, {"order": 1}, MISSING),
        ("$message.payload", {}, {"a": 1}, {"a": 1}),
        ("not an expression", {}, {"a": 1}, MISSING),
    ],
)
def test_read_location(location: str, headers: dict[str, str], payload: Any, expected: Any) -> None:
    found = read_location(location, BrokerMessage("c", b"", headers, None, "protocol-id"), payload)
    assert found == expected if expected is not MISSING else found is MISSING


@pytest.mark.parametrize(
    ("found", "expected", "matches"),
    [("7", 7, True), (7, 7, True), ("a", "a", True), ("a", "b", False), (MISSING, "a", False),
     ({"a": 1}, {"a": 1}, True), ("true", True, True), ("1.0", 1, False)],
)  # fmt: skip
def test_correlation_matches(found: Any, expected: Any, matches: bool) -> None:
    assert correlation_matches(found, expected) is matches


@pytest.mark.parametrize(
    ("address", "channel", "matches"),
    [("orders/{id}/confirmed", "orders/42/confirmed", True), ("orders/{id}/confirmed", "orders/42/rejected", False),
     ("orders/{id}/confirmed", "orders//confirmed", False), ("a.b", "a.b", True), ("a.b", "aXb", False)],
)  # fmt: skip
def test_channel_pattern(address: str, channel: str, matches: bool) -> None:
    assert bool(channel_pattern(address).fullmatch(channel)) is matches
