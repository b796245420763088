"""Durable, distributed runs on Temporal (``pip install 'arazzo-interpreter[temporal]'``).

The engine runs as the ``arazzo.run`` Temporal workflow; each operation step is an
``arazzo.operation`` activity on a worker, each wait a durable timer (docs/temporal.md).

- :func:`connect`: a Client with this project's data converter (``ARAZZO_TEMPORAL_KEY``);
- :class:`RunRequest` and :func:`start_run`: start (or attach to) a run; ``await run.result()``;
- :func:`make_worker` / :func:`run_worker`: workers for embedders who run their own;
- :class:`ArazzoRun` and :class:`Operations`: the workflow and activity definitions.
"""

from __future__ import annotations

try:
    import temporalio  # noqa: F401
except ImportError as error:  # pragma: no cover - the extra is not installed
    from ..errors import UsageError

    raise UsageError("Temporal support needs the temporal extra: pip install 'arazzo-interpreter[temporal]'") from error

from .client import DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, RunRequest, TemporalRun, connect, has_worker, start_run
from .codec import KEY_VARIABLE, Sealed, data_converter
from .operation import OPERATION, Operations
from .worker import ArazzoWorker, make_worker, run_worker
from .workflow import RUN, ArazzoRun

__all__ = [
    "ArazzoRun",
    "ArazzoWorker",
    "DEFAULT_NAMESPACE",
    "DEFAULT_TASK_QUEUE",
    "KEY_VARIABLE",
    "OPERATION",
    "Operations",
    "RUN",
    "RunRequest",
    "Sealed",
    "TemporalRun",
    "connect",
    "data_converter",
    "has_worker",
    "make_worker",
    "run_worker",
    "start_run",
]
