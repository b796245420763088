"""``arazzo run --temporal``: the same results as a local run, and the CLI's own errors.

Every ``arazzo`` command runs in a subprocess (servers.arazzo), against the package's dev
server and its shared worker (``keyed_worker``, with ``ARAZZO_TEMPORAL_KEY``).
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
from concurrent.futures import ThreadPoolExecutor
from subprocess import CompletedProcess
from typing import Any

import pytest
import yaml

from ..paths import FLAGSHIP, ROOT
from .servers import (
    TEST_KEY,
    LoopbackTwilio,
    TemporalServer,
    WorkerProcess,
    arazzo,
    free_ports,
    start_arazzo,
    unique_run_id,
)

PHONE = "PN0123456789abcdef0123456789abcdef"
CASES = ROOT / "workflows" / "examples.cases.yaml"
SID = re.compile(r"\bMG[0-9a-f]{32}\b")
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")
TIMING = re.compile(r"\b\d+ ms\b")
TIMING_KEYS = {"elapsed", "elapsedMs"}


def normalized(value: Any) -> Any:
    """A ``--json`` result with what differs from run to run made constant: Twilio SIDs
    (each run creates its own service), dates the mock makes up (date_created: the mock's clock
    advances per resource), Date headers and timings."""
    if isinstance(value, str):
        return DATE.sub("<date>", SID.sub("MG<sid>", value))
    if isinstance(value, list):
        return [normalized(item) for item in value]
    if isinstance(value, dict):
        return {
            key: "<time>" if key in TIMING_KEYS else normalized(item)
            for key, item in value.items()
            if str(key).lower() != "date"
        }
    return value


def differences(left: Any, right: Any, path: str = "") -> list[str]:
    """Where two JSON values differ (JSON pointers, each with both values), for a readable failure."""
    if isinstance(left, dict) and isinstance(right, dict):
        found = []
        for key in [*left, *(k for k in right if k not in left)]:
            if key not in left or key not in right:
                found.append(f"{path}/{key}: only {'left' if key in left else 'right'}")
            else:
                found += differences(left[key], right[key], f"{path}/{key}")
        return found
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        return [d for n, (a, b) in enumerate(zip(left, right, strict=True)) for d in differences(a, b, f"{path}/{n}")]
    return [] if left == right else [f"{path}: {left!r:.200} != {right!r:.200}"]


def step_lines(stderr: str) -> list[str]:
    """The human lines of a run's stderr with timings and SIDs made constant, without the
    ``temporal:`` and ``mock:`` lines (which say where the run and the mock are)."""
    return [
        SID.sub("MG<sid>", TIMING.sub("N ms", line))
        for line in stderr.splitlines()
        if not line.startswith(("temporal: ", "mock: "))
    ]


def on_temporal(server: TemporalServer, worker: WorkerProcess, run_id: str | None = None) -> list[str]:
    return ["--temporal", server.address, "--task-queue", worker.task_queue, "--run-id", run_id or unique_run_id()]


def flagship_args(loopback: LoopbackTwilio, name: str = "Acme Alerts") -> list[str]:
    return ["run", str(FLAGSHIP), "-i", f"friendlyName={name}", "-i", f"phoneNumberSid={PHONE}",
            "--server", loopback.server_option]  # fmt: skip


def started_line(done: CompletedProcess[str], run_id: str) -> None:
    assert [line for line in done.stderr.splitlines() if line.startswith("temporal: ")] == [
        f"temporal: started {run_id}/"
    ], done.stderr


# ----------------------------------------------------------------------------- the same results


def test_the_flagship_gives_the_same_json_locally_and_on_temporal(
    temporal_server: TemporalServer, keyed_worker: WorkerProcess, loopback_twilio: LoopbackTwilio
) -> None:
    args = [*flagship_args(loopback_twilio), "--json"]
    local = arazzo(*args)
    run_id = unique_run_id("flagship")
    remote = arazzo(*args, *on_temporal(temporal_server, keyed_worker, run_id), key=TEST_KEY)
    assert local.returncode == 0, local.stderr
    assert remote.returncode == 0, remote.stderr + keyed_worker.log()[-3000:]
    started_line(remote, run_id)
    mine, theirs = json.loads(local.stdout), json.loads(remote.stdout)
    assert mine["status"] == theirs["status"] == "succeeded"
    assert mine["outputs"]["friendlyName"] == theirs["outputs"]["friendlyName"] == "Acme Alerts"
    assert SID.fullmatch(mine["outputs"]["serviceSid"]) and SID.fullmatch(theirs["outputs"]["serviceSid"])
    # two services: the run on Temporal really sent its own requests to the loopback server
    assert mine["outputs"]["serviceSid"] != theirs["outputs"]["serviceSid"]
    assert [step["stepId"] for step in theirs["steps"]] == ["createService", "addNumber", "confirmService"]
    assert (
        theirs["steps"][1]["request"]["url"]
        == f"{loopback_twilio.url}/Services/{theirs['outputs']['serviceSid']}/PhoneNumbers"
    )
    assert not differences(normalized(theirs), normalized(mine))
    assert step_lines(remote.stderr) == step_lines(local.stderr)
    assert loopback_twilio.operations() == {
        "createMessagingService": 2,
        "addPhoneNumber": 2,
        "fetchMessagingService": 2,
    }


def test_the_human_output_on_temporal_is_the_local_one(
    temporal_server: TemporalServer, keyed_worker: WorkerProcess, loopback_twilio: LoopbackTwilio
) -> None:
    args = flagship_args(loopback_twilio, "Human Alerts")
    local = arazzo(*args)
    remote = arazzo(*args, *on_temporal(temporal_server, keyed_worker), key=TEST_KEY)
    assert local.returncode == remote.returncode == 0, remote.stderr
    lines = step_lines(remote.stderr)
    assert [line.split("  ")[0] for line in lines if line.startswith(("✓", "✗"))] == [
        "✓ createService", "✓ addNumber", "✓ confirmService"
    ]  # fmt: skip
    assert lines == step_lines(local.stderr)
    assert SID.sub("MG<sid>", remote.stdout) == SID.sub("MG<sid>", local.stdout)
    assert "friendlyName: Human Alerts" in remote.stdout.splitlines()
    assert loopback_twilio.count == 6


def _cases() -> list[dict[str, Any]]:
    """The example cases runs on Temporal can do: message steps are not mapped (decision 75)."""
    return [case for case in yaml.safe_load(CASES.read_text()) if not case["file"].startswith("orders/")]


def test_a_message_step_on_temporal_fails_as_unsupported(
    temporal_server: TemporalServer, keyed_worker: WorkerProcess
) -> None:
    remote = arazzo("run", "workflows/orders/orders.arazzo.yaml", "--mock", "--json",
                    *on_temporal(temporal_server, keyed_worker), key=TEST_KEY)  # fmt: skip
    assert remote.returncode == 1, remote.stderr
    data = json.loads(remote.stdout)
    assert [step["status"] for step in data["steps"]] == ["succeeded", "failed"]
    assert data["error"]["type"] == "unsupported"
    assert "without --temporal" in data["error"]["message"]


def test_every_example_gives_the_same_json_locally_and_on_temporal(
    temporal_server: TemporalServer, keyed_worker: WorkerProcess
) -> None:
    cases = _cases()
    assert len(cases) >= 7 and any(case["file"].startswith("billing-") for case in cases)

    def both(case: dict[str, Any]) -> tuple[CompletedProcess[str], CompletedProcess[str]]:
        args = ["run", f"workflows/{case['file']}", "-w", case["workflowId"], "--inputs", json.dumps(case["inputs"]),
                "--mock", "--json"]  # fmt: skip
        # the billing example has a password input: the client needs the key as the worker does
        remote = arazzo(*args, *on_temporal(temporal_server, keyed_worker), key=TEST_KEY)
        return arazzo(*args), remote

    with ThreadPoolExecutor(max_workers=4) as pool:  # the runs on Temporal mostly wait
        results = list(pool.map(both, cases))
    for case, (local, remote) in zip(cases, results, strict=True):
        expected = case.get("expect", {}).get("status", "succeeded")
        code = 0 if expected == "succeeded" else 1
        assert (local.returncode, remote.returncode) == (code, code), (case["name"], local.stderr, remote.stderr)
        mine, theirs = json.loads(local.stdout), json.loads(remote.stdout)
        assert theirs["status"] == expected, case["name"]
        assert not differences(normalized(theirs), normalized(mine)), case["name"]
        assert step_lines(remote.stderr) == step_lines(local.stderr), case["name"]
        for name, value in case.get("expect", {}).get("outputs", {}).items():
            if isinstance(value, dict):
                assert re.search(value["regex"], str(theirs["outputs"][name])), (case["name"], name)
            else:
                assert theirs["outputs"][name] == value, (case["name"], name)


# ----------------------------------------------------------------------------- CLI errors


@pytest.mark.parametrize(
    "option", [["--namespace", "other"], ["--run-id", "mine"], ["--no-wait"], ["--task-queue", "q"]], ids=lambda o: o[0]
)
def test_a_temporal_option_without_temporal_is_a_usage_error(
    option: list[str], loopback_twilio: LoopbackTwilio
) -> None:
    done = arazzo(*flagship_args(loopback_twilio), *option)
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == f"error: {option[0]} goes with --temporal HOST:PORT"
    assert "Traceback" not in done.stderr
    assert loopback_twilio.count == 0


def test_a_temporal_server_that_is_not_there_is_a_usage_error(loopback_twilio: LoopbackTwilio) -> None:
    (port,) = free_ports(1)
    done = arazzo(*flagship_args(loopback_twilio), "--temporal", f"127.0.0.1:{port}", timeout=60)
    assert done.returncode == 2, done.stderr
    assert f"error: cannot reach Temporal at 127.0.0.1:{port} (namespace 'default')" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert loopback_twilio.count == 0


def test_no_wait_prints_the_workflow_id_and_the_run_completes_on_the_worker(
    temporal_server: TemporalServer, keyed_worker: WorkerProcess, loopback_twilio: LoopbackTwilio
) -> None:
    run_id = unique_run_id("no-wait")
    args = [*flagship_args(loopback_twilio, "Later Alerts"), *on_temporal(temporal_server, keyed_worker, run_id)]
    done = arazzo(*args, "--no-wait", key=TEST_KEY)
    assert done.returncode == 0, done.stderr
    assert [json.loads(line) for line in done.stdout.splitlines()] == [
        {"id": "", "status": "started", "temporalWorkflowId": f"{run_id}/"}
    ]

    async def result() -> Any:
        from arazzo_runner.temporal import connect

        client = await connect(temporal_server.address, key=TEST_KEY)
        return json.loads(await asyncio.wait_for(client.get_workflow_handle(f"{run_id}/").result(), 60))

    answer = asyncio.run(result())
    assert answer["result"]["status"] == "succeeded"
    assert answer["result"]["outputs"]["friendlyName"] == "Later Alerts"
    assert loopback_twilio.count == 3
    # asked again (without --no-wait): it attaches and prints the result, sending nothing
    again = arazzo(*args, "--json", key=TEST_KEY)
    assert again.returncode == 0, again.stderr
    assert (
        f"temporal: attached to {run_id}/ (it ran before; another --run-id starts a new run)"
        in again.stderr.splitlines()
    )
    assert json.loads(again.stdout)["outputs"] == answer["result"]["outputs"]
    started = arazzo(*args, "--no-wait", key=TEST_KEY)
    assert json.loads(started.stdout) == {"id": "", "status": "attached", "temporalWorkflowId": f"{run_id}/"}
    assert loopback_twilio.count == 3


def test_a_run_started_with_no_worker_waits_for_one(
    temporal_server: TemporalServer, task_queue: str, worker: Any, loopback_twilio: LoopbackTwilio
) -> None:
    run_id = unique_run_id("waits")
    args = [*flagship_args(loopback_twilio, "Patient Alerts"), "--temporal", temporal_server.address,
            "--task-queue", task_queue, "--run-id", run_id]  # fmt: skip
    done = arazzo(*args, "--no-wait")
    assert done.returncode == 0, done.stderr
    assert (
        f"temporal: no worker polls task queue {task_queue!r} now; the run waits for one "
        f"(start it: arazzo worker --temporal {temporal_server.address} --task-queue {task_queue})"
    ) in done.stderr.splitlines()
    assert json.loads(done.stdout)["status"] == "started"
    assert loopback_twilio.count == 0
    worker().wait_ready()
    attached = arazzo(*args, "--json")
    assert attached.returncode == 0, attached.stderr
    assert json.loads(attached.stdout)["outputs"]["friendlyName"] == "Patient Alerts"
    assert loopback_twilio.count == 3


def test_ctrl_c_while_waiting_leaves_the_run_going_on_temporal(
    temporal_server: TemporalServer, keyed_worker: WorkerProcess, loopback_twilio: LoopbackTwilio
) -> None:
    run_id = unique_run_id("ctrl-c")
    args = [*flagship_args(loopback_twilio, "Going Alerts"), *on_temporal(temporal_server, keyed_worker, run_id)]
    loopback_twilio.hold()
    try:
        waiting = start_arazzo(*args, key=TEST_KEY)
        loopback_twilio.wait_for(1)
        waiting.send_signal(signal.SIGINT)
        out, err = waiting.communicate(timeout=30)
    finally:
        loopback_twilio.release()
    assert waiting.returncode == 130, err
    assert err.splitlines()[-1] == (
        f"error: stopped waiting; the run goes on on Temporal as {run_id}/ (the same command attaches to it)"
    )
    assert "Traceback" not in err and out == ""
    attached = arazzo(*args, "--json", key=TEST_KEY)
    assert attached.returncode == 0, attached.stderr
    assert json.loads(attached.stdout)["outputs"]["friendlyName"] == "Going Alerts"
    assert loopback_twilio.count == 3
