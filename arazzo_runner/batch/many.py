"""Many runs of one workflow on one Runner, at most ``concurrency`` at a time.

:func:`arun_many` is the engine: an async generator that takes the next item only when a
slot is free (so 10,000 inputs are never 10,000 tasks), runs each with
:meth:`Runner.run_async <arazzo_runner.execution.runner.Runner.run_async>`, and yields a
:class:`~arazzo_runner.batch.results.BatchResult` as each run finishes.  Every run shares the
Runner: one connection pool, one OAuth2 token cache.  A run's failure is its result, never
another run's: a run that cannot start (invalid inputs) is a result with status ``error`` and
that error; a bug that escapes a run is a result with status ``error`` and ``error.type``
``internal``.  Nothing of a run is kept once its result is yielded.

:func:`run_many` is the same for synchronous callers: the runs go on an event loop of their
own in a background thread, the results come back to the calling thread as they finish.
Leaving the loop early (``break``, an exception, Ctrl-C) cancels the runs in flight; they
have no result.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Union

from ..errors import ArazzoError, UsageError
from ..execution.results import RunError, RunResult
from .inputs import BatchItem, item_from_value
from .results import BatchResult

if TYPE_CHECKING:  # pragma: no cover
    from ..execution.runner import Runner

__all__ = ["DEFAULT_CONCURRENCY", "MAX_CONCURRENCY", "Inputs", "arun_many", "run_many", "run_each", "in_thread"]

DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 256

Item = Union[BatchItem, Mapping[str, Any]]
Inputs = Union[Iterable[Item], AsyncIterable[Item]]


def _check_concurrency(concurrency: int) -> None:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= MAX_CONCURRENCY:
        raise UsageError(f"concurrency must be a whole number from 1 to {MAX_CONCURRENCY}, not {concurrency!r}")


def arun_many(
    runner: Runner, inputs: Inputs, *, workflow_id: str | None = None, concurrency: int = DEFAULT_CONCURRENCY
) -> AsyncGenerator[BatchResult, None]:
    """Run ``workflow_id`` once per item of ``inputs``, at most ``concurrency`` at once; yield
    each result as its run finishes (completion order).

    An item is a :class:`BatchItem`, or a mapping of inputs whose optional ``"id"`` key (a
    string) names the run, as a line of INPUTS.jsonl does; without it the id is the item's
    place from 1.  ``inputs`` may be an iterable or an async iterable; it is read only as
    slots free up.  Ids are the caller's: they are not checked for uniqueness here.
    """

    def run(item: BatchItem) -> Awaitable[RunResult]:
        return runner.run_async(workflow_id, item.inputs)

    return run_each(inputs, run, concurrency)


async def run_each(
    inputs: Inputs, run: Callable[[BatchItem], Awaitable[RunResult]], concurrency: int
) -> AsyncGenerator[BatchResult, None]:
    """:func:`arun_many` with ``run`` making each item's RunResult (on a Runner, on Temporal)."""
    _check_concurrency(concurrency)
    items = _items(inputs)
    running: set[asyncio.Task[BatchResult]] = set()
    # each run puts itself here as it ends: finding the next finished run costs the same
    # whatever the concurrency (asyncio.wait would look at every run in flight, every time)
    finished: asyncio.Queue[asyncio.Task[BatchResult]] = asyncio.Queue()
    exhausted = False
    try:
        while True:
            while not exhausted and len(running) < concurrency:
                try:
                    item = await items.__anext__()
                except StopAsyncIteration:
                    exhausted = True
                    break
                if item.error is not None:
                    yield BatchResult(item.id, "error", error=item.error)
                    continue
                task = asyncio.create_task(_run_one(run, item))
                task.add_done_callback(finished.put_nowait)
                running.add(task)
            if not running:
                return
            task = await finished.get()
            running.discard(task)
            yield task.result()
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
        await items.aclose()


async def _items(inputs: Inputs) -> AsyncGenerator[BatchItem, None]:
    number = 0
    if isinstance(inputs, AsyncIterable):
        async for value in inputs:
            number += 1
            yield _item(value, number)
    else:
        for value in inputs:
            number += 1
            yield _item(value, number)


def _item(value: Any, number: int) -> BatchItem:
    return value if isinstance(value, BatchItem) else item_from_value(value, number)


async def _run_one(run: Callable[[BatchItem], Awaitable[RunResult]], item: BatchItem) -> BatchResult:
    started = time.perf_counter()
    try:
        result = await run(item)
    except ArazzoError as error:
        # could not start (invalid inputs, missing credentials with require_auth, ...)
        run_error = RunError(error.type, error.message, getattr(error, "step_id", None), error.location)
        return BatchResult(item.id, "error", error=run_error, elapsed=time.perf_counter() - started)
    except Exception as exc:  # a bug of ours must not stop the other runs
        message = f"{type(exc).__name__}: {exc} (this is a bug in arazzo_runner)"
        return BatchResult(item.id, "error", error=RunError("internal", message), elapsed=time.perf_counter() - started)
    return BatchResult.from_run(item.id, result, time.perf_counter() - started)


# ---------------------------------------------------------------- the synchronous form


def run_many(
    runner: Runner, inputs: Inputs, *, workflow_id: str | None = None, concurrency: int = DEFAULT_CONCURRENCY
) -> Iterator[BatchResult]:
    """:func:`arun_many` for synchronous code: yields each result as its run finishes.

    The runs go on an event loop in a background thread (it works inside a running loop too);
    ``inputs`` is read in that thread.  A run starts only when the caller has taken the result
    before, so a slow caller slows the batch rather than piling results up.  At the end the
    Runner's own HTTP connections (bound to that loop) are closed; the Runner stays usable.
    """
    _check_concurrency(concurrency)
    return _run_many(runner, inputs, workflow_id, concurrency)


_END = object()


def _run_many(runner: Runner, inputs: Inputs, workflow_id: str | None, concurrency: int) -> Iterator[BatchResult]:
    return in_thread(lambda: arun_many(runner, inputs, workflow_id=workflow_id, concurrency=concurrency), runner.aclose)


def in_thread(
    results_of: Callable[[], AsyncGenerator[BatchResult, None]], close: Callable[[], Awaitable[None]]
) -> Iterator[BatchResult]:
    """The results of the async generator ``results_of()`` makes, run on an event loop of its
    own in a background thread, for synchronous code; ``close()`` ends it on that loop."""
    handoff: queue.Queue[tuple[object, Any]] = queue.Queue()
    started = threading.Event()
    loop_side: dict[str, Any] = {}

    async def drive() -> None:
        taken = asyncio.Event()  # the caller took the last result: start the next run
        loop_side.update(loop=asyncio.get_running_loop(), task=asyncio.current_task(), taken=taken)
        started.set()
        try:
            results = results_of()
            async with contextlib.aclosing(results):
                async for result in results:
                    taken.clear()
                    handoff.put((None, result))
                    await taken.wait()
        except asyncio.CancelledError:
            pass
        except BaseException as exc:  # the inputs' own error: raised in the caller's thread
            handoff.put((exc, None))
        finally:
            try:
                await close()  # e.g. a Runner's connections: they belong to this loop, which ends here
            finally:
                handoff.put((_END, None))

    thread = threading.Thread(target=asyncio.run, args=(drive(),), name="arazzo-batch", daemon=True)
    thread.start()
    started.wait()
    loop: asyncio.AbstractEventLoop = loop_side["loop"]
    try:
        while True:
            problem, result = handoff.get()
            if problem is _END:
                return
            if isinstance(problem, BaseException):
                raise problem
            yield result
            loop.call_soon_threadsafe(loop_side["taken"].set)
    finally:
        if thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(loop_side["task"].cancel)
            thread.join()
