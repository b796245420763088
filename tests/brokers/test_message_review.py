"""Message steps in the situations an independent review found wrong (against real brokers):
a receive in a sub-workflow or a dependsOn workflow, an AMQP queue named by its binding, two
MQTT versions on one host, a broker that never answers, --max-time during a receive."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_runner import Runner
from arazzo_runner.execution.messaging import BrokerServer

from .servers import Mosquitto, RabbitMQ
from .test_message_steps import _environment, asyncapi, receive_step, room, send_step


def document(tmp_path: Path, events: dict[str, Any], workflows: list[dict[str, Any]]) -> Path:
    (tmp_path / "events.yaml").write_text(yaml.safe_dump(events, sort_keys=False))
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump({
        "arazzo": "1.1.0",
        "info": {"title": "t", "version": "1"},
        "sourceDescriptions": [{"name": "events", "url": "./events.yaml", "type": "asyncapi"}],
        "workflows": workflows,
    }, sort_keys=False))  # fmt: skip
    return path


def listener(here: str) -> dict[str, Any]:
    step = receive_step(cid="c-1", timeout=1500)
    step["parameters"] = [{"name": "room", "in": "path", "value": here}]
    return {"workflowId": "listener", "steps": [step], "outputs": {"n": "$steps.pong.outputs.n"}}


def test_a_receive_in_a_sub_workflow_gets_a_message_sent_before_the_sub_workflow_starts(
    tmp_path: Path, mosquitto: Mosquitto
) -> None:
    here = room()
    parent = {
        "workflowId": "parent",
        "steps": [send_step("trigger", "c-1", 7, here), {"stepId": "child", "workflowId": "listener"}],
    }
    path = document(tmp_path, asyncapi("mqtt", "pings/{room}"), [parent, listener(here)])
    result = Runner(path, servers={"events": mosquitto.url}).run("parent")
    assert result.status == "succeeded", result.error
    assert [s.step_id for s in result.steps] == ["trigger", "pong", "child"]
    assert result.steps[1].outputs["n"] == 7


def test_a_receive_gets_a_message_its_dependency_workflow_sent(tmp_path: Path, mosquitto: Mosquitto) -> None:
    here = room()
    producer = {"workflowId": "producer", "steps": [send_step("trigger", "c-1", 8, here)]}
    consumer = {**listener(here), "workflowId": "consumer", "dependsOn": ["producer"]}
    path = document(tmp_path, asyncapi("mqtt", "pings/{room}"), [producer, consumer])
    result = Runner(path, servers={"events": mosquitto.url}).run("consumer")
    assert result.status == "succeeded", result.error
    assert result.outputs == {"n": 8}


def test_an_amqp_queue_named_by_its_binding_delivers_to_the_receive_step(tmp_path: Path, rabbitmq: RabbitMQ) -> None:
    queue = f"q-{uuid.uuid4().hex[:8]}"
    binding = {"is": "queue", "queue": {"name": queue, "durable": False, "autoDelete": True}}
    address = f"audit-{uuid.uuid4().hex[:8]}"
    send = {**send_step("ping", "abc", 1), "parameters": [{"name": "cid", "in": "header", "value": "abc"}]}
    path = document(tmp_path, asyncapi("amqp", address, binding=binding), [
        {"workflowId": "w", "steps": [send, receive_step(cid="abc", timeout=3000)]},
    ])  # fmt: skip
    result = Runner(path, servers={"events": rabbitmq.url}).run()
    assert result.status == "succeeded", result.error
    assert result.steps[1].message is not None and result.steps[1].message.channel == address


def test_an_mqtt_3_and_an_mqtt_5_server_on_one_host_are_two_connections() -> None:
    v5 = BrokerServer("events", "mqtt", "mqtt://127.0.0.1:1883", protocol_version="5")
    v3 = BrokerServer("events", "mqtt", "mqtt://127.0.0.1:1883", protocol_version="3.1.1")
    assert v5.key != v3.key


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        for connection in accepted:
            connection.close()
        server.close()


@pytest.mark.parametrize("protocol", ["mqtt", "amqp"])
def test_a_broker_that_never_answers_is_bounded_by_max_time_without_a_traceback(
    tmp_path: Path, silent_port: int, protocol: str
) -> None:
    path = document(
        tmp_path, asyncapi(protocol, "pings.x"), [{"workflowId": "w", "steps": [send_step("ping", "a", 1)]}]
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "arazzo_runner", "run", str(path), "--server", f"events={protocol}://127.0.0.1:{silent_port}",
         "--max-time", "2", "--json"],
        capture_output=True, text=True, timeout=60, env=_environment(), cwd=tmp_path,
    )  # fmt: skip
    took = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    assert took < 6.0, took
    assert "Traceback" not in done.stderr and "Task was destroyed" not in done.stderr, done.stderr
    assert '"type": "max-time"' in done.stdout


def test_max_time_during_a_receive_says_max_time(tmp_path: Path, mosquitto: Mosquitto) -> None:
    path = document(tmp_path, asyncapi("mqtt", f"pings/{room()}"), [
        {"workflowId": "w", "steps": [receive_step(cid="never", timeout=60000)]},
    ])  # fmt: skip
    result = Runner(path, servers={"events": mosquitto.url}, max_time=1.0).run()
    step = result.steps[0]
    assert step.error_type == "max-time"
    assert step.error is not None and step.error.startswith("the run took longer than --max-time 1 s")
    assert "waiting for a message with correlation id 'never'" in step.error


def test_dry_run_of_a_send_whose_channel_parameter_comes_from_a_response(tmp_path: Path) -> None:
    step = send_step("ping", "a", 1, "$steps.missing.outputs.id")
    path = document(tmp_path, asyncapi("mqtt", "pings/{room}"), [{"workflowId": "w", "steps": [step]}])
    done = subprocess.run(
        [sys.executable, "-m", "arazzo_runner", "run", str(path), "--dry-run", "--no-validate"],
        capture_output=True, text=True, timeout=60, env=_environment(), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "SEND mqtt://127.0.0.1:1/pings/{room}" in done.stdout


def test_the_mock_refuses_headers_to_an_mqtt_3_server_as_the_real_one_does(tmp_path: Path) -> None:
    path = document(tmp_path, asyncapi("mqtt", "pings/{room}", version="3.1.1"), [
        {"workflowId": "w", "steps": [send_step("ping", "a", 1, "kitchen")]},
    ])  # fmt: skip
    result = Runner(path, mock=True).run()
    step = result.steps[0]
    assert step.status == "failed"
    assert step.error is not None and "MQTT 3.1.1, which has no message headers" in step.error
    plain = document(tmp_path, asyncapi("mqtt", "pings/{room}", version="5"), [
        {"workflowId": "w", "steps": [send_step("ping", "a", 1, "kitchen")]},
    ])  # fmt: skip
    assert Runner(plain, mock=True).run().status == "succeeded"
