"""How ``arazzo test`` shows a suite as it runs, on stderr (stdout is for ``--report KIND=-``).

On a terminal: a live block redrawn in place (one line per running case with its current
step and elapsed time, then the counts), failures printed above it as they come, and a
summary table at the end.  Elsewhere (a CI log, a pipe): one line per finished case, in the
order the cases were collected whatever ``--jobs`` is, so two logs of one suite compare line
by line.  A failed case is followed by its steps and the failing step's request and response (an
AsyncAPI step's message, as `SEND mqtt://host/channel` and its headers and payload).
``-q`` keeps only the failures and the final line.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from ..suite.outcome import FAILED, PASSED, SKIPPED
from .common import Style

if TYPE_CHECKING:  # pragma: no cover
    from ..execution.results import Event
    from ..suite.outcome import Case, CaseResult, TestReport

__all__ = ["Progress", "MARKS"]

MARKS = {PASSED: "✓", FAILED: "✗", SKIPPED: "-"}
_COLOURS = {PASSED: "32", FAILED: "31", SKIPPED: "33"}
_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_UP_AND_CLEAR = "\033[{}A\033[J"  # cursor up N lines, then clear to the end of the screen


@dataclass
class _Running:
    case: Case
    started: float
    step: str = ""


class Progress:
    """A :class:`~arazzo_runner.suite.outcome.SuiteListener` that draws the suite on ``err``.

    ``live`` (default: whether ``err`` is a terminal) chooses the live display; ``interval``
    is the shortest time between two redraws (the display is redrawn by a timer thread, so
    elapsed times move during a long request).  Call :meth:`close` with the report at the
    end (or without it when the suite stopped on an error): it stops the timer and prints
    the summary.
    """

    def __init__(
        self,
        err: IO[str],
        *,
        quiet: bool = False,
        verbose: int = 0,
        live: bool | None = None,
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        isatty = getattr(err, "isatty", None)
        self.err, self.quiet, self.verbose = err, quiet, verbose
        self.live = (bool(isatty and isatty()) if live is None else live) and not quiet
        self.style = Style(err)
        self.total: int | None = None
        self._interval, self._clock = interval, clock
        self._lock = threading.RLock()
        self._running: list[_Running] = []
        self._counts = {PASSED: 0, FAILED: 0, SKIPPED: 0}
        # non-live: results wait here until every case before them has finished
        self._order: dict[int, int] = {}  # id(case) -> its place (the suite keeps its cases alive)
        self._done: dict[int, CaseResult] = {}
        self._shown = 0
        self._drawn = 0  # lines of the live block now on the screen
        self._frame = 0
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None

    # ------------------------------------------------------------ SuiteListener

    def suite_started(self, cases: Sequence[Case]) -> None:
        """The cases the suite will run, in their stable order (when the suite tells them)."""
        with self._lock:
            self.total = len(cases)
            self._order = {id(case): index for index, case in enumerate(cases)}

    def case_started(self, case: Case) -> None:
        with self._lock:
            self._place(case)
            self._running.append(_Running(case, self._clock()))
            if self.live and self._timer is None:
                self._timer = threading.Thread(target=self._tick, name="arazzo-progress", daemon=True)
                self._timer.start()

    def case_event(self, case: Case, event: Event) -> None:
        from ..execution.results import StepStarted

        if isinstance(event, StepStarted):
            with self._lock:
                for running in self._running:
                    if running.case is case:
                        running.step = event.step_id + (f" (attempt {event.attempt})" if event.attempt > 1 else "")

    def case_finished(self, result: CaseResult) -> None:
        with self._lock:
            self._counts[result.verdict] = self._counts.get(result.verdict, 0) + 1
            self._running = [running for running in self._running if running.case is not result.case]
            if self.live:
                if result.verdict == FAILED or self.verbose:
                    self._above(self._case_text(result))
                return
            self._done[self._place(result.case)] = result
            while self._shown < len(self._order) and self._shown in self._done:
                shown = self._done.pop(self._shown)
                self._shown += 1
                if not self.quiet or shown.verdict == FAILED:
                    self.err.write(self._case_text(shown))

    def close(self, report: TestReport | None = None) -> None:
        """Stop the live display; with ``report``, print the summary (table and final line)."""
        self._stop.set()
        if self._timer is not None:
            self._timer.join()
        with self._lock:
            self._clear()
            # the cases after one that never finished (stopped by --fail-fast or Ctrl-C)
            for index in sorted(self._done):
                shown = self._done.pop(index)
                if not self.quiet or shown.verdict == FAILED:
                    self.err.write(self._case_text(shown))
            if report is None:
                return
            if self.live and report.cases:
                self.err.write(self._table(report))
            self.err.write(self._final_line(report) + "\n")
            self.err.flush()

    # ------------------------------------------------------------ the lines

    def _case_text(self, result: CaseResult) -> str:
        from ..reports.text import failure_text, step_lines

        verdict = result.verdict
        parts = [self.style(MARKS.get(verdict, "?"), _COLOURS.get(verdict, "0")) + " " + result.case.id]
        if verdict != SKIPPED:
            parts.append(_duration(result.duration))
        if result.reason:
            parts.append((f"{verdict}: " if verdict == SKIPPED else "") + result.reason)
        elif verdict == PASSED and result.case.expect.status == "failed":
            parts.append("(failed, as expected)")
        text = "  ".join(parts) + "\n"
        if verdict == FAILED or (self.verbose and verdict == PASSED):
            text += "".join(f"    {line}\n" for line in step_lines(result))
        if verdict == FAILED:
            failure = failure_text(result)
            if result.reason and failure.startswith(result.reason + "\n"):
                failure = failure[len(result.reason) + 1 :]  # already on the case's line
            text += "".join(f"    {line}".rstrip() + "\n" for line in failure.splitlines())
        return text

    def _counter(self) -> str:
        counts = self._counts
        done = sum(counts.values())
        of = f"{done}/{self.total}" if self.total is not None else f"{done}"
        return (
            (self.style(f"{counts[PASSED]} passed", "32") if counts[PASSED] else "0 passed")
            + ", "
            + (self.style(f"{counts[FAILED]} failed", "31") if counts[FAILED] else "0 failed")
            + f", {counts[SKIPPED]} skipped, {of} done, {len(self._running)} running"
        )

    def _final_line(self, report: TestReport) -> str:
        summary = report.summary
        text = f"{summary.passed} passed, {summary.failed} failed, {summary.skipped} skipped in {_duration(report.duration)}"
        if report.stopped_early:
            text += " (stopped at the first failure: --fail-fast)"
        if summary.failed:
            return self.style.red(text)
        return self.style(text, "32") if summary.passed else self.style(text, "33")

    def _table(self, report: TestReport) -> str:
        """verdict, duration, case, reason: one row per case, cut to the terminal's width
        (the short columns first, so a long case id or reason is what gets cut)."""
        width = shutil.get_terminal_size().columns - 1
        heading = ("verdict", "duration", "case", "reason")
        rows = [
            (r.verdict, _duration(r.duration) if r.verdict != SKIPPED else "", r.case.id, r.reason or "")
            for r in report.cases
        ]
        widths = [max(len(row[i]) for row in (heading, *rows)) for i in range(3)]
        lines = [self.style.bold(_cut(_row(heading, widths), width))]
        for row in rows:
            text = _cut(_row(row, widths), width)
            # the verdict's colour, put on once the row is cut (colour codes take no columns)
            verdict = row[0]
            lines.append(self.style(verdict, _COLOURS.get(verdict, "0")) + text[len(verdict) :])
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------ the live block

    def _place(self, case: Case) -> int:
        """The case's place in the stable order (a case the suite did not announce is placed
        when first seen: the suite starts and skips cases in their order)."""
        return self._order.setdefault(id(case), len(self._order))

    def _tick(self) -> None:
        while not self._stop.wait(self._interval):
            with self._lock:
                self._frame += 1
                self._redraw()

    def _redraw(self) -> None:
        if not self.live or self._stop.is_set():
            return
        width = shutil.get_terminal_size().columns - 1
        now = self._clock()
        spinner = _SPINNER[self._frame % len(_SPINNER)]
        lines = []
        for running in self._running:
            step = f"  › {running.step}" if running.step else ""
            lines.append(_cut(f"{spinner} {now - running.started:5.1f} s  {running.case.label}{step}", width))
        lines.append(self._counter())
        self._clear()
        self.err.write("".join(line + "\n" for line in lines))
        self.err.flush()
        self._drawn = len(lines)

    def _clear(self) -> None:
        if self._drawn:
            self.err.write(_UP_AND_CLEAR.format(self._drawn))
            self._drawn = 0

    def _above(self, text: str) -> None:
        """Print ``text`` above the live block (which the next tick draws again)."""
        self._clear()
        self.err.write(text)
        self._redraw()


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    line = f"{cells[0].ljust(widths[0])}  {cells[1].rjust(widths[1])}  {cells[2].ljust(widths[2])}  {cells[3]}"
    return line.rstrip()


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def progress_for(args: Any, err: IO[str]) -> Progress:
    """The display ``arazzo test`` uses for ``args`` (``-q``, ``-v``)."""
    return Progress(err, quiet=bool(getattr(args, "quiet", False)), verbose=int(getattr(args, "verbose", 0) or 0))
