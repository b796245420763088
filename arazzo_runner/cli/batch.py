"""``arazzo run FILE --batch INPUTS.jsonl``: one workflow, once per line, on one Runner.

Results go to ``--results OUT.jsonl`` (or stdout), one line per finished run, in completion
order; ``--resume`` skips the ids OUT.jsonl already holds.  On a terminal, stderr shows a
progress bar (redrawn by a timer thread, at most ten times a second); elsewhere it shows
only the final summary.  Every option of ``run`` that says how requests are made applies;
the ones about a single run's inputs or output (``-i``, ``--inputs``, ``--json``,
``--dry-run``, ``--trace``) are usage errors.  The contract is docs/batches.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import threading
import time
from collections.abc import Callable
from typing import IO, Any

from ..errors import ArazzoError, UsageError
from .output import mocked_note
from .temporal import check_options as check_temporal_options

__all__ = ["command"]

# options of a single run that mean nothing for a batch: (attribute, option, why)
_SINGLE_RUN = (
    ("input", "-i/--input", "each line of INPUTS.jsonl holds a run's inputs"),
    ("inputs", "--inputs", "each line of INPUTS.jsonl holds a run's inputs"),
    ("json", "--json", "the result lines are JSON already"),
    ("dry_run", "--dry-run", "a batch sends its requests (run one line without --batch to see them)"),
    ("trace", "--trace", "the events of concurrent runs cannot share one trace"),
)


def _check_options(args: argparse.Namespace) -> None:
    if args.batch is None:
        given = "--resume" if args.resume else "--results" if args.results is not None else "--concurrency"
        raise UsageError(f"{given} goes with --batch INPUTS.jsonl")
    for attribute, option, why in _SINGLE_RUN:
        if getattr(args, attribute, None):
            raise UsageError(f"{option} cannot be used with --batch: {why}")
    if args.resume and args.results is None:
        raise UsageError("--resume needs --results OUT.jsonl: results on stdout cannot be read back")


def _finished(args: argparse.Namespace, err: IO[str]) -> tuple[dict[str, str], int | None]:
    """The runs OUT.jsonl already holds (id -> status) and the length of its valid part, with
    ``--resume``; without it, OUT.jsonl must not hold results (they would be lost)."""
    from ..batch import read_results

    path = args.results
    if path is None:
        return {}, None
    if args.resume:
        try:
            finished = read_results(path)
        except OSError as exc:
            raise UsageError(f"--results {path}: {exc.strerror or exc}") from None
        if finished.dropped is not None:
            err.write(
                f"--resume: line {finished.dropped} of {path} is incomplete (the batch stopped while writing it); removed\n"
            )
        return finished.done, finished.keep
    try:
        info = os.stat(path)
    except OSError:
        return {}, None
    if stat.S_ISREG(info.st_mode) and info.st_size > 0:
        raise UsageError(f"--results {path} already holds results: add --resume to continue that batch, or remove it")
    return {}, None


def _writer(args: argparse.Namespace, out: IO[str], keep: int | None) -> Any:
    from ..batch import ResultsFile, StreamResults

    if args.results is None:
        return StreamResults(out)
    try:
        return ResultsFile(args.results, keep=keep)
    except OSError as exc:
        raise UsageError(f"--results {args.results}: {exc.strerror or exc}") from None


def _scan(args: argparse.Namespace, done: dict[str, str]) -> Any:
    """The first, cheap pass over INPUTS.jsonl: the count of runs to do, ids unique."""
    from ..batch import check_ids, read_inputs

    try:
        return check_ids(read_inputs(args.batch), done, option=f"--batch {args.batch}")
    except OSError as exc:
        raise UsageError(f"--batch {args.batch}: {exc.strerror or exc}") from None


def command(args: argparse.Namespace, out: IO[str], err: IO[str], out_style: Any, style: Any) -> int:
    """Run the batch; exit 0 when every run succeeded, 1 when any failed or was an error, 2
    when nothing could start, 130 on Ctrl-C."""
    from ..batch import DEFAULT_CONCURRENCY, read_inputs, run_many
    from .run import open_runner, refuse_invalid

    quiet = bool(getattr(args, "quiet", False))
    try:
        _check_options(args)
        check_temporal_options(args)
        runner = open_runner(args, err)
        workflow_id = runner.workflow(args.workflow).workflow_id
        refuse_invalid(runner, args, err)
        done, keep = _finished(args, err)
        scan = _scan(args, done)
        if args.temporal:
            from .temporal import check_batch

            check_batch(args, runner, err)
            if args.no_wait:
                return _start_only(args, runner, out, err)
        writer = _writer(args, out, keep)  # last: a batch that cannot start leaves no file behind
    except (ArazzoError, OSError) as raised:
        error = raised if isinstance(raised, ArazzoError) else UsageError(_os_message(raised))
        err.write(style.red("error") + f": {error}\n")
        return error.exit_code
    earlier_failures = sum(1 for run_id in scan.skipped_ids if done[run_id] != "succeeded")
    del done  # only the ids to skip are needed from here on
    skip = scan.skipped_ids
    tally = _Tally(scan.total)
    live = bool(getattr(err, "isatty", lambda: False)()) and not quiet
    to_terminal = bool(getattr(out, "isatty", lambda: False)()) and args.results is None
    bar = _Bar(err, tally, style) if live else None
    interrupted = False
    try:
        if bar is not None:
            bar.start()
        items = (item for item in read_inputs(args.batch) if item.id not in skip)
        concurrency = args.concurrency or DEFAULT_CONCURRENCY
        if args.temporal:
            from .temporal import batch_results

            results = batch_results(args, runner, items, workflow_id, concurrency, err)
        else:
            results = run_many(runner, items, workflow_id=workflow_id, concurrency=concurrency)
        for result in results:
            if bar is not None and to_terminal:
                bar.above(lambda: writer.write(result))  # noqa: B023 - called at once
            else:
                writer.write(result)
            tally.add(result.status)
    except KeyboardInterrupt:
        interrupted = True
    except BrokenPipeError:
        raise  # stdout was closed (`| head`): the batch stops, quietly, as `run` does
    except (ArazzoError, OSError) as raised:  # the results file or the inputs failed half way
        if bar is not None:
            bar.close()
        message = str(raised) if isinstance(raised, ArazzoError) else _os_message(raised)
        err.write(style.red("error") + f": {message}\n" + _summary(tally, scan.skipped, args, runner, style) + "\n")
        return 1
    finally:
        if bar is not None:
            bar.close()
        writer.close()
    err.write(_summary(tally, scan.skipped, args, runner, style, earlier_failures) + "\n")
    if interrupted:
        where = f"--resume --results {args.results}" if args.results else "--resume (with --results)"
        err.write(style.red("interrupted") + f": the runs in flight have no result line; {where} runs them\n")
        return 130
    return 0 if tally.succeeded == tally.done and not earlier_failures else 1


def _start_only(args: argparse.Namespace, runner: Any, out: IO[str], err: IO[str]) -> int:
    """``--temporal --no-wait``: start every line's run; one line per run with its id."""
    from ..batch import read_inputs
    from .run_options import runner_keywords
    from .temporal import start_only

    keywords = dict(runner_keywords(args, err), dry_run=False)
    items = ((item.id, item.inputs, _problem(item)) for item in read_inputs(args.batch))
    return start_only(args, runner, items, keywords, out, err, batch=True)


def _problem(item: Any) -> ArazzoError | None:
    """The error of a line that cannot be read as inputs, as an exception."""
    if item.error is None:
        return None
    problem = ArazzoError(item.error.message, item.error.location)
    problem.type = item.error.type
    return problem


def _os_message(exc: OSError) -> str:
    return f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc)


class _Tally:
    """The counts of a batch, shared by the loop and the progress bar's thread."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.succeeded = self.failed = self.errors = 0
        self.started = time.monotonic()
        self.lock = threading.Lock()

    @property
    def done(self) -> int:
        return self.succeeded + self.failed + self.errors

    def add(self, status: str) -> None:
        with self.lock:
            if status == "succeeded":
                self.succeeded += 1
            elif status == "failed":
                self.failed += 1
            else:
                self.errors += 1

    def rate(self, now: float) -> float:
        elapsed = now - self.started
        return self.done / elapsed if elapsed > 0 else 0.0


def _summary(
    tally: _Tally, skipped: int, args: argparse.Namespace, runner: Any, style: Any, earlier_failures: int = 0
) -> str:
    """``200 runs: 198 succeeded, 2 failed, 0 errors in 4.1 s (48.8 runs/s)``, then what
    ``--resume`` skipped and whether the mock answered."""
    now = time.monotonic()
    runs = f"{tally.done} run{'s' if tally.done != 1 else ''}"
    text = (
        f"{runs}: {tally.succeeded} succeeded, {tally.failed} failed, {tally.errors} error{'s' if tally.errors != 1 else ''}"
        f" in {now - tally.started:.1f} s ({tally.rate(now):.1f} runs/s)"
    )
    if skipped:
        text += f"; {skipped} skipped, already in {args.results}"
        if earlier_failures:
            text += f" ({earlier_failures} of them not succeeded)"
    text += mocked_note(runner)
    if tally.failed or tally.errors or earlier_failures:
        return str(style.red(text))
    return str(style(text, "32")) if tally.done else text


class _Bar:
    """One line on a terminal, redrawn in place: ``[####----] 120/200  2 failed  48.2 runs/s
    ETA 2 s``; a timer thread redraws it every ``interval`` seconds."""

    def __init__(self, err: IO[str], tally: _Tally, style: Any, interval: float = 0.1) -> None:
        self.err, self.tally, self.style, self.interval = err, tally, style, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drawn = False

    def start(self) -> None:
        self._thread = threading.Thread(target=self._tick, name="arazzo-batch-progress", daemon=True)
        self._thread.start()

    def _tick(self) -> None:
        while not self._stop.wait(self.interval):
            with self.tally.lock:
                self._draw()

    def _draw(self) -> None:
        width = max(shutil.get_terminal_size().columns - 1, 20)
        tally, now = self.tally, time.monotonic()
        done, total = tally.done, tally.total
        rate = tally.rate(now)
        cells = 20
        filled = min(cells, cells * done // total) if total else cells
        parts = [f"[{'#' * filled}{'-' * (cells - filled)}] {done}/{total}"]
        bad = tally.failed + tally.errors
        parts.append(self.style.red(f"{bad} failed") if bad else "0 failed")
        parts.append(f"{rate:.1f} runs/s")
        if rate > 0 and total > done:
            parts.append(f"ETA {_duration((total - done) / rate)}")
        line = "  ".join(parts)
        self.err.write("\r\033[K" + (line if len(line) <= width else line[: width - 1] + "…"))
        self.err.flush()
        self._drawn = True

    def _clear(self) -> None:
        if self._drawn:
            self.err.write("\r\033[K")
            self._drawn = False

    def above(self, write: Callable[[], None]) -> None:
        """Clear the bar, then ``write`` (a result line to the same terminal); the next tick
        draws the bar again below it."""
        with self.tally.lock:
            self._clear()
            self.err.flush()
            write()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self.tally.lock:
            self._clear()
            self.err.flush()


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
