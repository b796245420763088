"""Workers: the processes that run Arazzo workflows sent to a Temporal task queue.

A worker runs any document it is sent (the document travels with the run); the credentials
are its own, read from its environment (``ARAZZO_<SOURCE>_<SCHEME>_<FIELD>``, ``--env-file``)
as ``arazzo run`` reads them, for each document when the worker first meets it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from temporalio.worker import Worker

from .operation import Operations
from .workflow import BUNDLES, ArazzoRun

__all__ = ["make_worker", "run_worker", "DEFAULT_CONCURRENCY"]

DEFAULT_CONCURRENCY = 16


def make_worker(
    client: Any,
    *,
    task_queue: str = "arazzo",
    concurrency: int = DEFAULT_CONCURRENCY,
    credentials: Callable[[Any], Mapping[str, Any] | None] | None = None,
    env_file: str | None = None,
) -> tuple[Worker, Operations]:
    """A ``temporalio`` Worker of the ``arazzo.run`` workflow and the ``arazzo.operation``
    activity on ``task_queue``, running at most ``concurrency`` requests at once, and its
    Operations (``await operations.close()`` after the worker stops closes its connections).

    ``credentials(description)`` gives the credentials for a document (default: the
    environment's, and ``env_file``'s, as ``arazzo run`` reads them).
    """
    if credentials is None:
        credentials = _environment(env_file)
    BUNDLES.client = client
    operations = Operations(BUNDLES, credentials)
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[ArazzoRun],
        activities=[operations.run],
        max_concurrent_activities=concurrency,
        max_concurrent_workflow_tasks=max(concurrency, 2),
    )
    return worker, operations


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
) -> None:
    """Run a worker until ``stop`` is set (or the task is cancelled); the activities in
    flight finish first."""
    worker, operations = make_worker(client, task_queue=task_queue, concurrency=concurrency, env_file=env_file)
    try:
        async with worker:
            if stop is None:
                await asyncio.Event().wait()
            else:
                await stop.wait()
    finally:
        await operations.close()
