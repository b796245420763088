"""The order example (workflows/orders): its files load and validate, it runs on the mock, and its
order service publishes confirmations on a real Mosquitto that the workflow receives."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from arazzo_runner import Runner
from arazzo_runner.asyncapi.brokers import BrokerMessage, connect
from arazzo_runner.cli import main
from arazzo_runner.loading.sources import load

from .brokers.servers import Mosquitto, start_mosquitto
from .components import stop_process
from .paths import ROOT

ORDERS = ROOT / "workflows" / "orders"
ARAZZO = ORDERS / "orders.arazzo.yaml"
SERVICE = ORDERS / "order_service.py"


# ------------------------------------------------------------------------------ the files


def test_the_three_files_load_and_describe_the_same_order() -> None:
    description = load(str(ARAZZO))
    assert description.minor == (1, 1)
    (workflow,) = description.document.workflows
    assert workflow.workflow_id == "place-order"
    create, wait = workflow.steps
    assert (wait.action, wait.correlation_id, wait.timeout) == ("receive", "$inputs.correlationId", 10000)

    api = description.openapi("ordersApi")
    assert api.operation("createOrder") is not None and api.operation("getOrder") is not None

    events = description.asyncapi("orderEvents")
    assert events.problems == ()
    receive = events.operation("receiveOrderConfirmed")
    send = events.operation("sendOrderConfirmed")
    assert receive is not None and send is not None
    assert (receive.action, send.action) == ("receive", "send")
    channel = receive.channel
    assert channel.address == "orders/{orderId}/confirmed"
    assert channel.parameters["orderId"].location == "$message.payload#/orderId"
    assert channel.bindings["amqp"]["exchange"] == {
        "name": "orders", "type": "topic", "durable": False, "autoDelete": False, "vhost": "/"
    }  # fmt: skip
    (message,) = receive.messages
    assert (message.correlation_id, message.content_type) == ("$message.header#/correlationId", "application/json")
    assert {name: (s.protocol, s.host) for name, s in events.servers.items()} == {
        "mosquitto": ("mqtt", "localhost:1883"),
        "rabbitmq": ("amqp", "localhost:5672"),
    }


def test_validate_finds_no_errors() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", "--format", "json", str(ARAZZO)], stdout=out, stderr=err)
    report = json.loads(out.getvalue())
    errors = [d for d in report["diagnostics"] if d.get("severity") == "error"]
    assert (code, errors) == (0, []), err.getvalue()


def test_it_runs_on_the_mock_with_its_default_inputs() -> None:
    result = Runner(str(ARAZZO), mock=True).run("place-order")
    assert result.status == "succeeded", result.error
    outputs = result.outputs
    assert (outputs["status"], outputs["correlationId"]) == ("confirmed", "order-demo-0001")
    assert outputs["orderId"] and outputs["confirmedAt"].startswith("20")
    received = result.steps[1].to_dict()["message"]
    assert received["channel"] == f"orders/{outputs['orderId']}/confirmed"
    assert received["payload"]["orderId"] == outputs["orderId"]


# -------------------------------------------------------------- the order service, for real


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    found = start_mosquitto(tmp_path_factory.mktemp("orders-mosquitto"))
    try:
        yield found
    finally:
        found.stop()


class Service:
    def __init__(self, process: subprocess.Popen[bytes], url: str) -> None:
        self.process = process
        self.url = url

    def stop(self) -> str:
        """Stop the service (SIGTERM); what it printed after its first line."""
        stop_process(self.process)
        streams = (self.process.stdout, self.process.stderr)
        printed = streams[0].read().decode() if streams[0] is not None else ""
        for stream in streams:
            if stream is not None:
                stream.close()
        return printed

    def post(self, correlation_id: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.url + "/orders",
            data=json.dumps(body or {"item": "tea", "quantity": 3}).encode(),
            headers={"Content-Type": "application/json", "X-Correlation-Id": correlation_id},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return json.loads(response.read())


def start_service(broker: Mosquitto, *options: str) -> Service:
    process = subprocess.Popen(
        [sys.executable, str(SERVICE), "--port", "0", "--broker", broker.url, *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline().decode()
    service = Service(process, line.split()[2].rstrip(",") if line.startswith("listening on ") else "")
    if not service.url:
        assert process.stderr is not None
        problem = process.stderr.read().decode()
        service.stop()
        pytest.fail(f"the order service did not start: {line!r} {problem}")
    return service


@pytest.fixture
def service(broker: Mosquitto) -> Iterator[Service]:
    started = start_service(broker)
    try:
        yield started
    finally:
        started.stop()


async def confirmation_of(broker: Mosquitto, service: Service, correlation_id: str) -> tuple[int, Any, BrokerMessage | None]:  # fmt: skip
    connection = await connect("mqtt", broker.url)
    try:
        subscription = await connection.subscribe("orders/+/confirmed")
        status, order = await asyncio.to_thread(service.post, correlation_id)
        return status, order, await subscription.next(10.0)
    finally:
        await connection.close()


def test_a_post_publishes_the_confirmation_with_the_correlation_header(broker: Mosquitto, service: Service) -> None:
    correlation_id = f"test-{uuid.uuid4()}"
    status, order, message = asyncio.run(confirmation_of(broker, service, correlation_id))
    assert status == 201
    assert order == {"id": order["id"], "status": "pending", "item": "tea", "quantity": 3}
    assert message is not None
    assert message.channel == f"orders/{order['id']}/confirmed"
    assert message.headers["correlationId"] == correlation_id
    payload = json.loads(message.payload)
    assert (payload["orderId"], payload["status"]) == (order["id"], "confirmed")
    assert payload["confirmedAt"].endswith("Z")
    assert service.get(f"/orders/{order['id']}")["status"] == "confirmed"


def test_the_service_stops_cleanly_on_sigterm(broker: Mosquitto) -> None:
    started = start_service(broker)
    correlation_id = f"test-{uuid.uuid4()}"
    started.post(correlation_id)
    printed = started.stop().splitlines()
    assert started.process.returncode == 0
    assert printed[-1] == "order service stopped"
    assert len(printed) == 2
    assert f"(correlationId {correlation_id}): confirmed on orders/ord-1001/confirmed" in printed[0]


@pytest.mark.parametrize("decoy", [False, True], ids=["plain", "another-correlation-id-first"])
def test_the_workflow_receives_its_confirmation_from_mosquitto(broker: Mosquitto, decoy: bool) -> None:
    """The confirmation is published before the HTTP answer is sent: the runner must have
    subscribed when the workflow started.  A decoy with another correlation id comes first."""
    started = start_service(broker, *(["--decoy"] if decoy else []))
    try:
        runner = Runner(str(ARAZZO), servers={"ordersApi": started.url, "orderEvents": broker.url})
        correlation_id = f"run-{uuid.uuid4()}"
        result = runner.run("place-order", {"correlationId": correlation_id})
    finally:
        started.stop()
    assert result.status == "succeeded", result.error
    assert result.outputs["status"] == "confirmed"
    assert result.outputs["correlationId"] == correlation_id
    assert result.outputs["orderId"].startswith("ord-")
