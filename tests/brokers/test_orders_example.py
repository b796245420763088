"""The order example of workflows/orders against real brokers, through the CLI, as docs/asyncapi.md
shows it: its order service confirms each order (before it even answers the POST, and after a
decoy confirmation with another correlation id) and the workflow receives the right one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from ..components import stop_process
from ..paths import ROOT
from .servers import Mosquitto, RabbitMQ

ORDERS = ROOT / "workflows" / "orders"


@contextmanager
def order_service(broker_url: str, *options: str) -> Iterator[str]:
    """workflows/orders/order_service.py on a free port; its base URL."""
    process = subprocess.Popen(
        [sys.executable, str(ORDERS / "order_service.py"), "--port", "0", "--broker", broker_url, "--decoy", *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        if not line.startswith("listening on "):
            assert process.stderr is not None
            pytest.fail(f"the order service did not start: {line!r} {process.stderr.read().decode()}")
        yield line.split()[2].rstrip(",")
    finally:
        stop_process(process)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def run_example(api: str, broker_url: str, correlation_id: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ARAZZO_")}
    return subprocess.run(
        [sys.executable, "-m", "arazzo_runner", "run", str(ORDERS / "orders.arazzo.yaml"),
         "--server", f"ordersApi={api}", "--server", f"orderEvents={broker_url}",
         "-i", f"correlationId={correlation_id}", "--json"],
        capture_output=True, text=True, timeout=60, env=environment,
    )  # fmt: skip


def check(done: subprocess.CompletedProcess[str], correlation_id: str, server: str) -> None:
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    order_id = data["outputs"]["orderId"]
    assert data["outputs"]["status"] == "confirmed"
    assert data["outputs"]["correlationId"] == correlation_id  # the decoy was not taken
    message = data["steps"][1]["message"]
    assert message["channel"] == f"orders/{order_id}/confirmed" and message["server"] == server
    assert f"RECEIVE {server.rstrip('/')}/orders/{order_id}/confirmed" in done.stderr


def test_the_order_example_against_mosquitto(mosquitto: Mosquitto) -> None:
    with order_service(mosquitto.url) as api:
        check(run_example(api, mosquitto.url, "mqtt-order-1"), "mqtt-order-1", mosquitto.url)


def test_the_order_example_against_rabbitmq(rabbitmq: RabbitMQ) -> None:
    with order_service(rabbitmq.url, "--exchange", "orders") as api:
        done = run_example(api, rabbitmq.url, "amqp-order-1")
    check(done, "amqp-order-1", f"amqp://127.0.0.1:{rabbitmq.port}/")
    assert "guest:guest" not in done.stdout + done.stderr
