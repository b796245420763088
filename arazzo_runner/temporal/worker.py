"""Workers: the processes that run Arazzo workflows sent to a Temporal task queue.

A worker runs any document it is sent (the document travels with the run); the credentials
are its own, read from its environment (``ARAZZO_<SOURCE>_<SCHEME>_<FIELD>``, ``--env-file``)
as ``arazzo run`` reads them, for each document when the worker first meets it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from temporalio.worker import Worker

from .operation import Operations
from .workflow import BUNDLES, ArazzoRun

__all__ = ["ArazzoWorker", "make_worker", "run_worker", "DEFAULT_CONCURRENCY"]

DEFAULT_CONCURRENCY = 16


class ArazzoWorker:
    """The Temporal workers of one worker process: one on the shared task queue (the
    ``arazzo.run`` workflow and the ``arazzo.operation`` activity), one on a queue of its own
    (the activity alone: the steps of a run on the built-in mock go to the worker that holds
    that run's mock state).  ``async with`` runs them; leaving waits for the activities in
    flight and closes the connections."""

    def __init__(self, shared: Worker, own: Worker, operations: Operations) -> None:
        self.shared = shared
        self.own = own
        self.operations = operations

    async def __aenter__(self) -> ArazzoWorker:
        await self.shared.__aenter__()
        try:
            await self.own.__aenter__()
        except BaseException:
            await self.shared.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(self, *exc: Any) -> None:
        try:
            await self.own.__aexit__(*exc)
            await self.shared.__aexit__(*exc)
        finally:
            await self.operations.close()


def make_worker(
    client: Any,
    *,
    task_queue: str = "arazzo",
    concurrency: int = DEFAULT_CONCURRENCY,
    credentials: Callable[[Any], Mapping[str, Any] | None] | None = None,
    env_file: str | None = None,
    log: Callable[[str], None] | None = None,
) -> ArazzoWorker:
    """The workers of one process on ``task_queue`` (see :class:`ArazzoWorker`), running at
    most ``concurrency`` requests at once.

    ``credentials(description)`` gives the credentials for a document (default: the
    environment's, and ``env_file``'s, as ``arazzo run`` reads them); ``log`` gets a line
    per step run.
    """
    if credentials is None:
        credentials = _environment(env_file)
    BUNDLES.client = client
    own_queue = f"{task_queue}@{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    operations = Operations(BUNDLES, credentials, queue=own_queue, log=log)
    shared = Worker(
        client,
        task_queue=task_queue,
        workflows=[ArazzoRun],
        activities=[operations.run, operations.check_credentials],
        max_concurrent_activities=concurrency,
        max_concurrent_workflow_tasks=max(concurrency, 2),
    )
    own = Worker(client, task_queue=own_queue, activities=[operations.run], max_concurrent_activities=concurrency)
    return ArazzoWorker(shared, own, operations)


def _environment(env_file: str | None) -> Callable[[Any], Mapping[str, Any] | None]:
    from ..execution.auth import environment_credentials

    def read(description: Any) -> Mapping[str, Any] | None:
        if env_file is None:
            return environment_credentials(description) or None
        return environment_credentials(description, env_file=env_file) or None

    return read


async def run_worker(
    client: Any,
    *,
    task_queue: str = "arazzo",
    concurrency: int = DEFAULT_CONCURRENCY,
    env_file: str | None = None,
    stop: asyncio.Event | None = None,
    log: Callable[[str], None] | None = None,
) -> None:
    """Run a worker until ``stop`` is set (or the task is cancelled); the activities in
    flight finish first."""
    async with make_worker(client, task_queue=task_queue, concurrency=concurrency, env_file=env_file, log=log):
        await (stop or asyncio.Event()).wait()
