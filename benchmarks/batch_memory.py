"""Batch memory benchmark (issue 13, point 2).  Run: ``.venv/bin/python benchmarks/batch_memory.py``.

Runs the flagship workflow (create a messaging service, add a number, fetch the service) on
the built-in mock (``Runner(..., mock=True)``), ``--runs`` times (10,000) on ONE shared
Runner, ``--concurrency`` (8) at a time on asyncio, as a batch does: with
:func:`arazzo_runner.batch.arun_many` when it exists, else with a loop of its own that keeps
that many ``run_async`` in flight.  Each run gets its own ``friendlyName``.

After every finished run it reads the resident set size from ``/proc/self/statm`` (the
current value: ``ru_maxrss`` is a high-water mark and could never come down), and prints:

* the peak RSS over the first ``--window`` (1,000) runs and over the last ``--window`` runs,
  and their ratio, last / first (target: at most 1.10);
* runs per second over the whole batch.

``--trace`` also compares tracemalloc snapshots taken after the first window and at the end,
and prints the lines whose allocations grew most (``file:line``): where the memory goes.
Tracing makes every allocation slower, so its runs/s is not the batch's speed.

Every run must succeed, else the script stops and says why (exit 1).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import arazzo_runner  # noqa: E402

FLAGSHIP = ROOT / "workflows" / "twilio-provision-messaging-service-add-number-workflow.yml"
PN = "PN0123456789abcdef0123456789abcdef"
TARGET = 1.10
_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    """The resident set size of this process now (Linux: /proc/self/statm, in pages)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * _PAGE


def inputs(runs: int) -> Iterator[dict[str, Any]]:
    """One input object per run: the same number, a different service name."""
    for number in range(1, runs + 1):
        yield {"friendlyName": f"Customer {number:05d} messaging", "phoneNumberSid": PN}


async def own_batch(runner: Any, items: Iterator[Mapping[str, Any]], concurrency: int) -> AsyncIterator[Any]:
    """Results as they finish, at most ``concurrency`` runs in flight: what a batch does, for
    when ``arazzo_runner.batch`` is not there.  One task per run; a new one starts as one
    finishes (a run on the in-process mock may never suspend, so workers sharing a queue
    would let one of them run the whole batch before anyone reads a result)."""
    pending: set[asyncio.Task[Any]] = set()
    source = iter(items)
    try:
        while True:
            for item in source:
                pending.add(asyncio.create_task(runner.run_async(inputs=item)))
                if len(pending) >= concurrency:
                    break
            if not pending:
                return
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                yield task.result()
    finally:
        for task in pending:
            task.cancel()


def batch_source(runner: Any, runs: int, concurrency: int) -> tuple[str, AsyncIterator[Any]]:
    """The batch to measure, and what runs it."""
    try:
        from arazzo_runner.batch import arun_many  # type: ignore[attr-defined, unused-ignore]
    except ImportError:
        return "own asyncio loop (arazzo_runner.batch not found)", own_batch(runner, inputs(runs), concurrency)
    return "arazzo_runner.batch.arun_many", arun_many(runner, inputs(runs), concurrency=concurrency)


def status_of(result: Any) -> tuple[str, Any]:
    """(status, outputs) of a RunResult or of a batch result wrapping one."""
    inner = getattr(result, "result", None)
    if inner is not None and hasattr(inner, "status"):
        result = inner
    return str(result.status), getattr(result, "outputs", None)


def make_runner(max_items: int | None) -> Any:
    """The Runner a user makes (``mock=True``); with ``max_items``, the same mock built by
    hand with that bound on each collection (0: a bound no batch here reaches, as before
    the mock had one)."""
    if max_items is None:
        return arazzo_runner.Runner(str(FLAGSHIP), mock=True)
    from arazzo_runner.mock import mock_description

    description = arazzo_runner.load(str(FLAGSHIP))
    setup = mock_description(description, max_items=max_items or sys.maxsize)
    return arazzo_runner.Runner(description, transport=setup.transport, servers=setup.servers)


async def measure(runner: Any, runs: int, concurrency: int, window: int, trace: bool,
                  on_snapshot: Callable[[], None]) -> tuple[str, list[int], float]:  # fmt: skip
    """Run the batch; the RSS after each finished run, and the seconds it took."""
    samples: list[int] = []
    async with runner:
        how, batch = batch_source(runner, runs, concurrency)
        started = time.perf_counter()
        async for result in batch:
            status, outputs = status_of(result)
            if status != "succeeded":
                raise SystemExit(f"run {len(samples) + 1} did not succeed: {status}: {result!r}")
            if not (isinstance(outputs, Mapping) and str(outputs.get("serviceSid", "")).startswith("MG")):
                raise SystemExit(f"run {len(samples) + 1}: no MG service SID in its outputs: {outputs!r}")
            samples.append(rss_bytes())
            if trace and len(samples) == window:
                on_snapshot()
        elapsed = time.perf_counter() - started
    if len(samples) != runs:
        raise SystemExit(f"the batch finished {len(samples)} runs of {runs}")
    return how, samples, elapsed


def top_growth(first: tracemalloc.Snapshot, last: tracemalloc.Snapshot, limit: int) -> list[str]:
    """The ``limit`` lines whose live allocations grew most between the snapshots."""
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen *>")]
    first, last = first.filter_traces(ignore), last.filter_traces(ignore)
    lines = []
    for stat in last.compare_to(first, "lineno")[:limit]:
        frame = stat.traceback[0]
        where = f"{os.path.relpath(frame.filename, ROOT)}:{frame.lineno}"
        lines.append(f"  {stat.size_diff / 1024:+10.1f} KiB {stat.count_diff:+8d} blocks  {where}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=10_000, help="runs in the batch (10000)")
    parser.add_argument("--concurrency", type=int, default=8, help="runs in flight at once (8)")
    parser.add_argument("--window", type=int, default=1_000, help="runs in the first and last windows (1000)")
    parser.add_argument(
        "--max-items",
        type=int,
        default=None,
        metavar="N",
        help="each mock collection keeps at most N resources (default: the mock's own; 0: no bound)",
    )
    parser.add_argument("--trace", action="store_true", help="compare tracemalloc snapshots: what grows")
    parser.add_argument("--top", type=int, default=15, help="lines of growth to print with --trace (15)")
    args = parser.parse_args(argv)
    if args.runs < 2 * args.window or args.window < 1 or args.concurrency < 1:
        parser.error("--runs must be at least twice --window, both and --concurrency at least 1")
    snapshots: list[tracemalloc.Snapshot] = []
    if args.trace:
        tracemalloc.start()
    how, samples, elapsed = asyncio.run(
        measure(
            make_runner(args.max_items),
            args.runs,
            args.concurrency,
            args.window,
            args.trace,
            lambda: snapshots.append(tracemalloc.take_snapshot()),
        )  # fmt: skip
    )
    if args.trace:
        snapshots.append(tracemalloc.take_snapshot())
        tracemalloc.stop()
    mib = 1024 * 1024
    first, last = max(samples[: args.window]), max(samples[-args.window :])
    ratio = last / first
    print(f"batch memory: the flagship on the mock, {args.runs} runs, {args.concurrency} at a time, one Runner")
    print(f"  driven by: {how}")
    if args.max_items is not None:
        bound = f"{args.max_items} resources a collection" if args.max_items else "none"
        print(f"  mock bound: {bound} (--max-items {args.max_items})")
    print(f"  peak RSS, runs 1-{args.window}: {first / mib:.1f} MiB")
    print(f"  peak RSS, runs {args.runs - args.window + 1}-{args.runs}: {last / mib:.1f} MiB")
    # under tracemalloc the RSS holds the first snapshot and the traces too: not the batch's
    verdict = "not judged under --trace" if args.trace else "ok" if ratio <= TARGET else "FAILED"
    print(f"  ratio last/first: {ratio:.3f}  (target <= {TARGET:.2f}: {verdict})")
    speed = f"{args.runs / elapsed:.1f} runs/s"
    print(f"  throughput: {speed} ({elapsed:.1f} s){' under tracemalloc' if args.trace else ''}")
    if args.trace and len(snapshots) == 2:
        print(f"  top growth from run {args.window} to run {args.runs} (tracemalloc, by file:line):")
        print("\n".join(top_growth(snapshots[0], snapshots[1], args.top)))
    return 0 if args.trace or ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
