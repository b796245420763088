"""Durability on Temporal: durable timers, goto loops, a worker that dies mid-run, a run never
run twice, and the issue's acceptance (a batch of 50 that loses no run when a worker dies).

Every ``arazzo`` command runs in a subprocess; the tests read Temporal's history with the
temporalio client (``arazzo_runner.temporal.connect``: this project's data converter).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import EventType, PendingActivityState

from ..paths import FLAGSHIP
from .servers import (
    TEST_KEY,
    LoopbackTwilio,
    TemporalServer,
    WorkerProcess,
    arazzo,
    start_arazzo,
    unique_run_id,
)
from .test_cli_temporal import PHONE, flagship_args

INVENTORY = "workflows/inventory-reserve-stock-with-retry-workflow.yml"
CONTACTS = "workflows/contacts-export-all-pages-workflow.yml"
RUN_TIMEOUT = 90.0


def history(server: TemporalServer, workflow_id: str) -> list[Any]:
    """The events of a workflow execution's history."""

    async def fetch() -> list[Any]:
        from arazzo_runner.temporal import connect

        client = await connect(server.address, key=TEST_KEY)
        return list((await client.get_workflow_handle(workflow_id).fetch_history()).events)

    return asyncio.run(fetch())


def of_type(events: list[Any], kind: int) -> list[Any]:
    return [event for event in events if event.event_type == kind]


def kinds(events: list[Any]) -> str:
    """The activities (A) and timers (T) of a history, in order."""
    letters = {EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: "A", EventType.EVENT_TYPE_TIMER_STARTED: "T"}
    return "".join(letters[event.event_type] for event in events if event.event_type in letters)


def activity_attempts(events: list[Any]) -> list[int]:
    """The attempt of each activity that ran, in order (Temporal records the last attempt)."""
    return [event.activity_task_started_event_attributes.attempt for event in of_type(events, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)]  # fmt: skip


def temporal_args(server: TemporalServer, queue: str, run_id: str) -> list[str]:
    return ["--temporal", server.address, "--task-queue", queue, "--run-id", run_id]


# ----------------------------------------------------------------------------- timers and loops


def test_a_retry_after_wait_is_a_durable_timer_and_each_attempt_one_activity(
    temporal_server: TemporalServer, keyed_worker: WorkerProcess
) -> None:
    run_id = unique_run_id("retry")
    done = arazzo(
        "run", INVENTORY, "-i", "sku=MUG-0042", "-i", "quantity=2", "--mock", "--json",
        *temporal_args(temporal_server, keyed_worker.task_queue, run_id), key=TEST_KEY,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "succeeded" and result["outputs"]["status"] == "held"
    assert [(s["stepId"], s["attempt"], s["status"], s["response"]["statusCode"]) for s in result["steps"]] == [
        ("reserveStock", 1, "failed", 503),
        ("reserveStock", 2, "failed", 503),
        ("reserveStock", 3, "succeeded", 201),
        ("confirmReservation", 1, "succeeded", 200),
    ]
    assert result["steps"][0]["response"]["headers"]["retry-after"] == "1"
    events = history(temporal_server, f"{run_id}/")
    # each wait a durable timer of the server's Retry-After, between the attempts; each step
    # execution one activity, which ran once (an HTTP 503 is never an activity retry)
    assert kinds(events) == "ATATAA"
    timers = of_type(events, EventType.EVENT_TYPE_TIMER_STARTED)
    assert [e.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta() for e in timers] == [timedelta(seconds=1)] * 2  # fmt: skip
    assert len(of_type(events, EventType.EVENT_TYPE_TIMER_FIRED)) == 2
    scheduled = of_type(events, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
    assert {e.activity_task_scheduled_event_attributes.activity_type.name for e in scheduled} == {"arazzo.operation"}
    assert activity_attempts(events) == [1, 1, 1, 1]
    assert of_type(events, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)


def test_a_goto_loop_takes_as_many_steps_on_temporal_as_locally(
    temporal_server: TemporalServer, keyed_worker: WorkerProcess
) -> None:
    args = ["run", CONTACTS, "-i", "pageSize=2", "--mock", "--json"]
    local = arazzo(*args)
    run_id = unique_run_id("goto")
    remote = arazzo(*args, *temporal_args(temporal_server, keyed_worker.task_queue, run_id), key=TEST_KEY)
    assert local.returncode == remote.returncode == 0, remote.stderr
    mine, theirs = json.loads(local.stdout), json.loads(remote.stdout)
    # five contacts in pages of two: the step goes back to itself twice
    expected = ["fetchPage", "fetchPage", "fetchPage", "readLastContact"]
    assert [step["stepId"] for step in mine["steps"]] == [step["stepId"] for step in theirs["steps"]] == expected
    assert [step["request"]["url"] for step in theirs["steps"]] == [step["request"]["url"] for step in mine["steps"]]
    assert "pageToken=" in theirs["steps"][1]["request"]["url"]
    assert theirs["outputs"] == mine["outputs"] and theirs["outputs"]["lastContactName"]
    events = history(temporal_server, f"{run_id}/")
    assert kinds(events) == "AAAA"
    assert activity_attempts(events) == [1, 1, 1, 1]


# ----------------------------------------------------------------------------- once only


def test_a_run_started_twice_with_one_id_runs_once(
    temporal_server: TemporalServer, keyed_worker: WorkerProcess, loopback_twilio: LoopbackTwilio
) -> None:
    run_id = unique_run_id("twice")
    args = [*flagship_args(loopback_twilio, "Once Alerts"), *temporal_args(temporal_server, keyed_worker.task_queue, run_id)]  # fmt: skip
    loopback_twilio.hold()
    first = start_arazzo(*args, "--json", key=TEST_KEY)
    try:
        loopback_twilio.wait_for(1)
        # while it runs: the id is taken, a second start attaches
        running = arazzo(*args, "--no-wait", key=TEST_KEY)
        assert json.loads(running.stdout) == {"id": "", "status": "attached", "temporalWorkflowId": f"{run_id}/"}
    finally:
        loopback_twilio.release()
    out, err = first.communicate(timeout=RUN_TIMEOUT)
    assert first.returncode == 0, err
    assert f"temporal: started {run_id}/" in err.splitlines()
    # once it completed: the same command attaches again and prints the same result
    again = arazzo(*args, "--json", key=TEST_KEY)
    assert again.returncode == 0, again.stderr
    assert (
        f"temporal: attached to {run_id}/ (it ran before; another --run-id starts a new run)"
        in again.stderr.splitlines()
    )
    assert json.loads(again.stdout) == json.loads(out)
    assert json.loads(out)["outputs"]["friendlyName"] == "Once Alerts"
    assert loopback_twilio.count == 3
    assert loopback_twilio.operations() == {
        "createMessagingService": 1,
        "addPhoneNumber": 1,
        "fetchMessagingService": 1,
    }


# ----------------------------------------------------------------------------- a worker dies


def test_a_worker_killed_mid_request_is_replaced_and_the_request_sent_once_more(
    temporal_server: TemporalServer, task_queue: str, worker: Any, loopback_twilio: LoopbackTwilio
) -> None:
    first = worker("-v")
    first.wait_ready()
    run_id = unique_run_id("killed")
    loopback_twilio.hold()
    run = start_arazzo(*flagship_args(loopback_twilio, "Durable Alerts"), "--json",
                       *temporal_args(temporal_server, task_queue, run_id))  # fmt: skip
    try:
        held = loopback_twilio.wait_for(1)
        assert [(seen.method, seen.path) for seen in held] == [("POST", "/v1/Services")]
        second = worker("-v")
        second.wait_ready()
        assert first.kill() == -9  # the machine dies while its request waits for an answer
    finally:
        loopback_twilio.release()
    out, err = run.communicate(timeout=RUN_TIMEOUT)
    assert run.returncode == 0, err + second.log()[-3000:]
    result = json.loads(out)
    assert result["status"] == "succeeded"
    assert [(s["stepId"], s["attempt"], s["status"]) for s in result["steps"]] == [
        ("createService", 1, "succeeded"), ("addNumber", 1, "succeeded"), ("confirmService", 1, "succeeded")
    ]  # fmt: skip
    # the held request reached the server before the kill, so it was sent twice: 3 + 1
    requests = loopback_twilio.requests
    assert [(seen.method, seen.operation) for seen in requests] == [
        ("POST", "createMessagingService"), ("POST", "createMessagingService"),
        ("POST", "addPhoneNumber"), ("GET", "fetchMessagingService"),
    ]  # fmt: skip
    assert requests[0].body == requests[1].body == b"FriendlyName=Durable+Alerts"
    sid = result["outputs"]["serviceSid"]
    assert requests[2].path == f"/v1/Services/{sid}/PhoneNumbers" and requests[3].path == f"/v1/Services/{sid}"
    assert requests[2].body == f"PhoneNumberSid={PHONE}".encode()
    warnings = [line for line in err.splitlines() if "may have been sent twice" in line]
    assert len(warnings) == 1 and "createService" in warnings[0], err
    # the second worker ran all three steps; the history has one activity per step, the first retried once
    assert f"{run_id}/: step createService (attempt 1) succeeded, HTTP 201" in second.log()
    events = history(temporal_server, f"{run_id}/")
    assert kinds(events) == "AAA"
    assert activity_attempts(events) == [2, 1, 1]


def test_a_batch_of_fifty_on_two_workers_loses_no_run_when_one_dies(
    temporal_server: TemporalServer, task_queue: str, worker: Any, loopback_twilio: LoopbackTwilio, tmp_path: Path
) -> None:
    workers = [worker("-v"), worker("-v")]
    for process in workers:
        process.wait_ready()
    ids = [f"c{n:02d}" for n in range(1, 51)]
    inputs = tmp_path / "inputs.jsonl"
    inputs.write_text("".join(json.dumps({"id": i, "friendlyName": f"Customer {i}", "phoneNumberSid": PHONE}) + "\n" for i in ids))  # fmt: skip
    results = tmp_path / "results.jsonl"
    run_id = unique_run_id("batch")
    batch = start_arazzo("run", str(FLAGSHIP), "--server", loopback_twilio.server_option, "--batch", str(inputs),
                         "--results", str(results), *temporal_args(temporal_server, task_queue, run_id))  # fmt: skip
    try:
        loopback_twilio.wait_for(21, timeout=60)
        # hold the requests in flight, so that the worker killed surely has some
        loopback_twilio.hold()
        in_flight = _settle(loopback_twilio)
        assert in_flight <= 8, in_flight  # the batch keeps 8 executions open, one request each
        pending = asyncio.run(_pending_by_worker(temporal_server, [f"{run_id}/{i}" for i in ids]))
        victim = max(workers, key=lambda process: pending[f"{process.pid}@"])
        killed = pending[f"{victim.pid}@"]
        assert killed >= 1, pending
        victim.kill()
    finally:
        loopback_twilio.release()
    out, err = batch.communicate(timeout=RUN_TIMEOUT)
    assert batch.returncode == 0, err
    lines = [json.loads(line) for line in results.read_text().splitlines()]
    assert sorted(line["id"] for line in lines) == ids
    assert {line["status"] for line in lines} == {"succeeded"}
    assert all(line["outputs"]["friendlyName"] == f"Customer {line['id']}" for line in lines)
    assert len({line["outputs"]["serviceSid"] for line in lines}) == 50
    assert "50 runs: 50 succeeded, 0 failed, 0 errors" in err
    # each activity the dead worker held was run again by the other, once; nothing else was
    retried = asyncio.run(_retried(temporal_server, [f"{run_id}/{i}" for i in ids]))
    assert sum(retried.values()) >= killed and set(retried.values()) == {1}, retried
    assert 150 <= loopback_twilio.count <= 150 + sum(retried.values())
    assert loopback_twilio.count <= 150 + 16
    assert loopback_twilio.operations()["addPhoneNumber"] >= 50


def _settle(loopback: LoopbackTwilio, quiet: float = 0.7, timeout: float = 20.0) -> int:
    """Wait until no request came for ``quiet`` seconds; how many came meanwhile."""
    start = last = loopback.count
    since = time.monotonic()
    deadline = since + timeout
    while time.monotonic() < deadline and time.monotonic() - since < quiet:
        time.sleep(0.05)
        if loopback.count != last:
            last, since = loopback.count, time.monotonic()
    return last - start


async def _pending_by_worker(server: TemporalServer, workflow_ids: list[str]) -> Counter[str]:
    """How many started activities each worker identity holds (``PID@``), over the executions."""
    from temporalio.client import Client
    from temporalio.service import RPCError

    client = await Client.connect(server.address, namespace=server.namespace)
    held: Counter[str] = Counter()
    for workflow_id in workflow_ids:
        try:
            described = await client.get_workflow_handle(workflow_id).describe()
        except RPCError:
            continue  # not started yet
        for activity in described.raw_description.pending_activities:
            if activity.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED:
                held[activity.last_worker_identity.split("@")[0] + "@"] += 1
    return held


async def _retried(server: TemporalServer, workflow_ids: list[str]) -> dict[str, int]:
    """The executions whose activities ran more than once, and how many of theirs did."""
    from arazzo_runner.temporal import connect

    client = await connect(server.address, key=TEST_KEY)
    found: dict[str, int] = {}
    for workflow_id in workflow_ids:
        events = list((await client.get_workflow_handle(workflow_id).fetch_history()).events)
        again = sum(1 for attempt in activity_attempts(events) if attempt > 1)
        if again:
            found[workflow_id] = again
    return found
