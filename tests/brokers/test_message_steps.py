"""AsyncAPI send and receive steps run by the engine against a real Mosquitto and RabbitMQ."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_runner import Runner
from arazzo_runner.asyncapi import brokers
from arazzo_runner.asyncapi.brokers import BrokerMessage

from .conftest import MQTT_PASSWORD, MQTT_USER
from .servers import Mosquitto, RabbitMQ


def asyncapi(protocol: str, address: str, *, binding: dict[str, Any] | None = None, version: str = "5",
             security: bool = False) -> dict[str, Any]:  # fmt: skip
    """An AsyncAPI 3.0 document with one channel of pings (correlation id in header ``cid``)."""
    server: dict[str, Any] = {"host": "127.0.0.1:1", "protocol": protocol}
    if protocol == "mqtt":
        server["bindings"] = {"mqtt": {}}
        server["protocolVersion"] = version
    if security:
        server["security"] = [{"$ref": "#/components/securitySchemes/login"}]
    channel: dict[str, Any] = {
        "address": address,
        "messages": {
            "Ping": {
                "correlationId": {"location": "$message.header#/cid"},
                "payload": {
                    "type": "object",
                    "properties": {"room": {"type": "string"}, "n": {"type": "integer"}},
                },
            }
        },
    }
    if "{room}" in address:
        channel["parameters"] = {"room": {"location": "$message.payload#/room"}}
    if binding is not None:
        channel["bindings"] = {"amqp": binding}
    document: dict[str, Any] = {
        "asyncapi": "3.0.0",
        "info": {"title": "pings", "version": "1.0.0"},
        "defaultContentType": "application/json",
        "servers": {"local": server},
        "channels": {"pings": channel},
        "operations": {
            "sendPing": {"action": "send", "channel": {"$ref": "#/channels/pings"}},
            "receivePing": {"action": "receive", "channel": {"$ref": "#/channels/pings"}},
        },
    }
    if security:
        document["components"] = {"securitySchemes": {"login": {"type": "userPassword"}}}
    return document


def send_step(step_id: str, cid: str, n: int, room: str = "kitchen") -> dict[str, Any]:
    return {
        "stepId": step_id,
        "operationId": "sendPing",
        "action": "send",
        "parameters": [{"name": "room", "in": "path", "value": room}, {"name": "cid", "in": "header", "value": cid}],
        "requestBody": {"payload": {"room": room, "n": n}},
    }


def receive_step(cid: Any = "$inputs.cid", timeout: int = 5000, **extra: Any) -> dict[str, Any]:
    step = {
        "stepId": "pong",
        "operationId": "receivePing",
        "action": "receive",
        "timeout": timeout,
        "outputs": {"n": "$message.payload#/n", "cid": "$message.header.cid", "room": "$message.payload#/room"},
        **extra,
    }
    if cid is not None:
        step["correlationId"] = cid
    return step


def write(tmp_path: Path, events: dict[str, Any], steps: list[dict[str, Any]], extra_sources: Any = ()) -> Path:
    (tmp_path / "events.yaml").write_text(yaml.safe_dump(events, sort_keys=False))
    document = {
        "arazzo": "1.1.0",
        "info": {"title": "t", "version": "1.0.0"},
        "sourceDescriptions": [{"name": "events", "url": "./events.yaml", "type": "asyncapi"}, *extra_sources],
        "workflows": [
            {
                "workflowId": "pingpong",
                "inputs": {"type": "object", "properties": {"cid": {"type": "string"}}},
                "steps": steps,
                "outputs": {"n": "$steps.pong.outputs.n"},
            }
        ],
    }
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def room() -> str:
    return f"r{uuid.uuid4().hex[:10]}"  # a channel of this test's own on the shared broker


# ---------------------------------------------------------------- MQTT


def test_receive_takes_the_message_with_its_correlation_id_and_skips_the_others(
    tmp_path: Path, mosquitto: Mosquitto
) -> None:
    here = room()
    path = write(tmp_path, asyncapi("mqtt", "pings/{room}"), [
        send_step("other", "zzz", 0, here), send_step("ping", "abc", 1, here), receive_step(),
    ])  # fmt: skip
    result = Runner(path, servers={"events": mosquitto.url}).run(inputs={"cid": "abc"})
    assert result.status == "succeeded", result.error
    assert result.outputs == {"n": 1}
    pong = result.steps[-1]
    assert pong.outputs == {"n": 1, "cid": "abc", "room": here}
    assert pong.message is not None
    assert pong.message.to_dict() == {
        "action": "receive",
        "channel": f"pings/{here}",
        "server": mosquitto.url,
        "headers": {"cid": "abc"},
        "payload": {"room": here, "n": 1},
    }
    sent = result.steps[1].message
    assert sent is not None and sent.action == "send" and sent.payload == {"room": here, "n": 1}


def test_receive_fails_after_its_timeout_when_no_message_matches_and_on_failure_runs(
    tmp_path: Path, mosquitto: Mosquitto
) -> None:
    here = room()
    fallback = {
        "stepId": "fallback",
        "operationId": "sendPing",
        "action": "send",
        "parameters": [{"name": "room", "in": "path", "value": here}],
        "requestBody": {"payload": {"room": here, "n": -1}},
    }
    on_failure = [{"name": "giveUp", "type": "goto", "stepId": "fallback"}]
    steps = [send_step("ping", "other-id", 1, here), receive_step(timeout=600, onFailure=on_failure), fallback]
    path = write(tmp_path, asyncapi("mqtt", "pings/{room}"), steps)
    result = Runner(path, servers={"events": mosquitto.url}).run(inputs={"cid": "abc"})
    pong = next(s for s in result.steps if s.step_id == "pong")
    assert pong.status == "failed" and pong.error_type == "timeout"
    assert (
        pong.error
        == "no message with correlation id 'abc' arrived on channel 'pings/{room}' within the step's timeout of 600 ms"
    )
    assert 0.55 <= pong.elapsed < 3.0
    assert [s.step_id for s in result.steps] == ["ping", "pong", "fallback"]
    assert result.steps[-1].status == "succeeded"


def test_receive_without_a_step_timeout_waits_receive_timeout(tmp_path: Path, mosquitto: Mosquitto) -> None:
    step = receive_step(cid=None)
    del step["timeout"]
    path = write(tmp_path, asyncapi("mqtt", f"pings/{room()}"), [step])
    result = Runner(path, servers={"events": mosquitto.url}, receive_timeout=0.4).run(inputs={"cid": "x"})
    assert result.status == "failed"
    assert result.steps[0].error is not None and "0.4 s (--receive-timeout" in result.steps[0].error
    assert 0.35 <= result.steps[0].elapsed < 3.0


class OrderService(BaseHTTPRequestHandler):
    """POST /orders: publishes the confirmation on the broker *before* answering 201."""

    broker_url = ""
    prefix = ""

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        order_id = uuid.uuid4().hex[:8]
        cid = self.headers.get("X-Correlation-Id", "")

        async def publish() -> None:
            connection = await brokers.connect("mqtt", self.broker_url)
            try:
                for n, (target, tag) in enumerate(((order_id + "x", "someone-else"), (order_id, cid))):
                    payload = json.dumps({"room": target, "n": n}).encode()
                    await connection.publish(BrokerMessage(f"{self.prefix}/{target}", payload, {"cid": tag}))
            finally:
                await connection.close()

        asyncio.run(publish())
        body = json.dumps({"id": order_id}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def order_service(mosquitto: Mosquitto) -> Iterator[tuple[str, str]]:
    prefix = f"orders{uuid.uuid4().hex[:6]}"
    handler = type("Handler", (OrderService,), {"broker_url": mosquitto.url, "prefix": prefix})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", prefix
    finally:
        server.shutdown()
        server.server_close()


def test_a_message_published_before_the_receive_step_starts_is_not_missed(
    tmp_path: Path, mosquitto: Mosquitto, order_service: tuple[str, str]
) -> None:
    base_url, prefix = order_service
    openapi = {
        "openapi": "3.1.0",
        "info": {"title": "orders", "version": "1"},
        "servers": [{"url": base_url}],
        "paths": {"/orders": {"post": {"operationId": "createOrder", "responses": {"201": {"description": "ok"}}}}},
    }
    (tmp_path / "orders.yaml").write_text(yaml.safe_dump(openapi))
    create = {
        "stepId": "create",
        "operationId": "createOrder",
        "parameters": [{"name": "X-Correlation-Id", "in": "header", "value": "$inputs.cid"}],
        "successCriteria": [{"condition": "$statusCode == 201"}],
        "outputs": {"id": "$response.body#/id"},
    }
    # the channel parameter comes from the response: the run subscribed to prefix/+ when it started
    pong = receive_step(parameters=[{"name": "room", "in": "path", "value": "$steps.create.outputs.id"}])
    path = write(
        tmp_path,
        asyncapi("mqtt", prefix + "/{room}"),
        [create, pong],
        extra_sources=[{"name": "orders", "url": "./orders.yaml", "type": "openapi"}],
    )
    result = Runner(path, servers={"events": mosquitto.url}).run(inputs={"cid": "c-1"})
    assert result.status == "succeeded", result.error
    order_id = result.steps[0].outputs["id"]
    assert result.steps[1].outputs == {"n": 1, "cid": "c-1", "room": order_id}
    assert result.steps[1].message is not None and result.steps[1].message.channel == f"{prefix}/{order_id}"


def test_credentials_from_the_security_scheme_log_in_and_the_password_shows_nowhere(
    tmp_path: Path, mosquitto_auth: Mosquitto
) -> None:
    here = room()
    path = write(tmp_path, asyncapi("mqtt", "pings/{room}", security=True), [send_step("ping", "a", 1, here),
                                                                               receive_step()])  # fmt: skip
    login = {"events": {"login": {"username": MQTT_USER, "password": MQTT_PASSWORD}}}
    result = Runner(path, servers={"events": mosquitto_auth.url}, credentials=login).run(inputs={"cid": "a"})
    assert result.status == "succeeded", result.error
    wrong = {"events": {"login": {"username": MQTT_USER, "password": "not-the-password"}}}
    failed = Runner(path, servers={"events": mosquitto_auth.url}, credentials=wrong).run(inputs={"cid": "a"})
    assert failed.status == "failed" and failed.steps[0].error_type == "network"
    assert failed.steps[0].error is not None and "127.0.0.1" in failed.steps[0].error
    assert "not-the-password" not in json.dumps(failed.to_dict())


def test_the_cli_reads_broker_credentials_from_the_environment(tmp_path: Path, mosquitto_auth: Mosquitto) -> None:
    here = room()
    path = write(tmp_path, asyncapi("mqtt", "pings/{room}", security=True), [send_step("ping", "a", 1, here),
                                                                               receive_step()])  # fmt: skip
    environment = {"ARAZZO_EVENTS_LOGIN_USERNAME": MQTT_USER, "ARAZZO_EVENTS_LOGIN_PASSWORD": MQTT_PASSWORD}
    completed = subprocess.run(
        [sys.executable, "-m", "arazzo_runner", "run", str(path), "--server", f"events={mosquitto_auth.url}",
         "-i", "cid=a", "--json", "-vv"],
        capture_output=True, text=True, timeout=60, env={**_environment(), **environment}, cwd=tmp_path,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert [step["message"]["action"] for step in data["steps"]] == ["send", "receive"]
    assert f"> SEND {mosquitto_auth.url}/pings/{here}" in completed.stderr
    assert MQTT_PASSWORD not in completed.stdout + completed.stderr


def test_headers_to_an_mqtt_3_server_fail_the_send_step_clearly(tmp_path: Path, mosquitto: Mosquitto) -> None:
    path = write(tmp_path, asyncapi("mqtt", "pings/{room}", version="3.1.1"), [send_step("ping", "a", 1, room())])
    # the document's own server (127.0.0.1:1) is replaced, the protocol version stays the document's
    result = Runner(path, servers={"events": mosquitto.url}).run(inputs={"cid": "a"})
    step = result.steps[0]
    assert step.status == "failed"
    assert step.error is not None and "3.1.1" in step.error and "header" in step.error


def test_a_protocol_without_support_fails_the_step_as_unsupported_naming_it(tmp_path: Path) -> None:
    events = asyncapi("kafka", "pings/{room}")
    path = write(tmp_path, events, [send_step("ping", "a", 1, room())])
    result = Runner(path).run(inputs={"cid": "a"})
    step = result.steps[0]
    assert step.status == "failed" and step.error_type == "unsupported"
    assert step.error is not None and "'kafka'" in step.error


# ---------------------------------------------------------------- AMQP


def test_amqp_default_exchange_send_and_receive(tmp_path: Path, rabbitmq: RabbitMQ) -> None:
    here = room()
    path = write(tmp_path, asyncapi("amqp", f"pings.{here}"), [
        {**send_step("other", "zzz", 0), "parameters": [{"name": "cid", "in": "header", "value": "zzz"}]},
        {**send_step("ping", "abc", 1), "parameters": [{"name": "cid", "in": "header", "value": "abc"}]},
        receive_step(),
    ])  # fmt: skip
    result = Runner(path, servers={"events": rabbitmq.url}).run(inputs={"cid": "abc"})
    assert result.status == "succeeded", result.error
    assert result.steps[-1].outputs["n"] == 1 and result.steps[-1].outputs["cid"] == "abc"


def test_amqp_topic_exchange_with_a_parameterised_address(tmp_path: Path, rabbitmq: RabbitMQ) -> None:
    here = room()
    binding = {"is": "routingKey", "exchange": {"name": f"pings-{here}", "type": "topic", "autoDelete": True}}
    path = write(tmp_path, asyncapi("amqp", "pings.{room}", binding=binding), [
        send_step("other", "zzz", 0, here), send_step("ping", "abc", 1, here), receive_step(timeout=3000),
    ])  # fmt: skip
    result = Runner(path, servers={"events": rabbitmq.url}).run(inputs={"cid": "abc"})
    assert result.status == "succeeded", result.error
    assert result.steps[-1].outputs == {"n": 1, "cid": "abc", "room": here}
    assert result.steps[-1].message is not None and result.steps[-1].message.channel == f"pings.{here}"


def test_amqp_receive_times_out(tmp_path: Path, rabbitmq: RabbitMQ) -> None:
    path = write(tmp_path, asyncapi("amqp", f"pings.{room()}"), [receive_step(timeout=500)])
    result = Runner(path, servers={"events": rabbitmq.url}).run(inputs={"cid": "abc"})
    assert result.status == "failed" and result.steps[0].error_type == "timeout"


def _environment() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("ARAZZO_")}


def test_amqp_credentials_from_the_environment_and_connections_closed_after_success_and_failure(
    tmp_path: Path, rabbitmq: RabbitMQ
) -> None:
    user, password = f"u{uuid.uuid4().hex[:8]}", f"p-{uuid.uuid4().hex}"
    rabbitmq.add_user(user, password)
    here = room()
    events = asyncapi("amqp", f"pings.{here}", security=True)
    path = write(tmp_path, events, [
        {**send_step("ping", "abc", 1), "parameters": [{"name": "cid", "in": "header", "value": "abc"}]},
        receive_step(timeout=800),
    ])  # fmt: skip
    server = f"amqp://127.0.0.1:{rabbitmq.port}/"
    environment = {"ARAZZO_EVENTS_LOGIN_USERNAME": user, "ARAZZO_EVENTS_LOGIN_PASSWORD": password}
    for cid, code in (("abc", 0), ("never", 1)):  # a run that succeeds, then one that times out
        completed = subprocess.run(
            [sys.executable, "-m", "arazzo_runner", "run", str(path), "--server", f"events={server}", "-i",
             f"cid={cid}", "--json"],
            capture_output=True, text=True, timeout=60, env={**_environment(), **environment}, cwd=tmp_path,
        )  # fmt: skip
        assert completed.returncode == code, completed.stderr
        assert password not in completed.stdout + completed.stderr
        listed = rabbitmq.rabbitmqctl("list_connections", "user", "--quiet", "--no-table-headers").stdout
        assert user not in listed, listed  # the run closed its connection when it ended
    data = json.loads(completed.stdout)
    assert data["steps"][-1]["error"].startswith("no message with correlation id 'never'")
    # in-process (the process lives on): the Runner closed the connection when the run ended
    login = {"events": {"login": {"username": user, "password": password}}}
    for runner_run in (lambda r: r.run(inputs={"cid": "abc"}), lambda r: asyncio.run(r.run_async(inputs={"cid": "x"}))):
        result = runner_run(Runner(path, servers={"events": server}, credentials=login))
        assert result.steps[0].status == "succeeded", result.steps[0].error
        listed = rabbitmq.rabbitmqctl("list_connections", "user", "--quiet", "--no-table-headers").stdout
        assert user not in listed, listed
