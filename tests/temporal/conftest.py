"""Fixtures that start real components for the Temporal tests (see servers.py).

* ``temporal_server``: one Temporal CLI dev server for the package (``.address``, ``.namespace``).
* ``task_queue``: a task queue name of the test's own.
* ``loopback_twilio``: the project's mock of the flagship's API on 127.0.0.1, counting requests.
* ``worker``: starts ``arazzo worker`` processes, all killed when the test ends.
* ``keyed_worker``: one ``arazzo -v worker`` with ``ARAZZO_TEMPORAL_KEY`` (servers.TEST_KEY), on a
  queue of its own, shared by the package's tests that kill no worker.

Without the Temporal CLI or the temporalio package the tests skip, saying why; with
``ARAZZO_REQUIRE_TEMPORAL=1`` (CI, .ci/run) they fail instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from .servers import (
    TEST_KEY,
    LoopbackTwilio,
    TemporalServer,
    WorkerProcess,
    start_temporal_server,
    unique_queue,
)

StartWorker = Callable[..., WorkerProcess]


@pytest.fixture(scope="package")
def temporal_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemporalServer]:
    """One in-memory dev server shared by the package's tests (each uses its own task queue).
    Package scope: a new server per test would cost seconds each."""
    server = start_temporal_server(tmp_path_factory.mktemp("temporal-server"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def task_queue(request: pytest.FixtureRequest) -> str:
    """A task queue name no other test uses."""
    return unique_queue(request)


@pytest.fixture
def loopback_twilio() -> Iterator[LoopbackTwilio]:
    """A fresh, empty mock of the Twilio Messaging API on 127.0.0.1, for this test only."""
    mock = LoopbackTwilio().start()
    try:
        yield mock
    finally:
        mock.close()


@pytest.fixture
def worker(temporal_server: TemporalServer, task_queue: str, tmp_path: Path) -> Iterator[StartWorker]:
    """``worker(*args, task_queue=None, env=None, cwd=None)`` starts ``python -m arazzo_runner
    worker --temporal ADDRESS --task-queue QUEUE *args`` (QUEUE: the test's ``task_queue``
    unless given; ``env`` added to this process's environment) and returns its WorkerProcess.
    Every worker still running when the test ends is killed."""
    started: list[WorkerProcess] = []

    def start(
        *args: str,
        task_queue: str | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> WorkerProcess:
        queue = task_queue if task_queue is not None else default_queue
        process = WorkerProcess(temporal_server, queue, tmp_path / "workers", args, env=env, cwd=cwd)
        started.append(process)
        return process

    default_queue = task_queue
    try:
        yield start
    finally:
        for process in started:
            if process.returncode is None:
                process.kill()


@pytest.fixture(scope="package")
def keyed_worker(temporal_server: TemporalServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    """One ``arazzo worker -v`` with ``ARAZZO_TEMPORAL_KEY=TEST_KEY``, polling its own queue
    (``.task_queue``), ready when given; shared: starting a worker per test would cost seconds."""
    process = WorkerProcess(
        temporal_server, unique_queue(), tmp_path_factory.mktemp("keyed-worker"), ["-v"],
        env={"ARAZZO_TEMPORAL_KEY": TEST_KEY},
    )  # fmt: skip
    try:
        process.wait_ready()
        yield process
    finally:
        if process.returncode is None:
            process.stop()
