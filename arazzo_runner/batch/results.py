"""The results of a batch: one JSON line per finished run, and reading them back to resume.

A result line is ``{"id", "status", "outputs", "error", "stepCount", "elapsedMs"}``, keys in
that order: ``status`` and ``error`` have the shapes of ``arazzo run --json`` (docs/json.md),
``stepCount`` is the number of step executions, ``elapsedMs`` the run's wall time in whole
milliseconds.

:class:`ResultsFile` writes each line with one ``write()`` of the whole line (newline
included) on an unbuffered file descriptor, so a batch killed at any moment leaves complete
lines, and at worst one partial last line if the system stopped inside that write.
:func:`read_results` reads a results file back for ``--resume``: the ids of its complete
lines, and where the file must be cut so that a partial (or otherwise unreadable) last line
goes before new lines are appended.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import IO, Any

from ..errors import UsageError
from ..execution.results import RunError, RunResult, json_text

__all__ = ["BatchResult", "Finished", "ResultsFile", "StreamResults", "read_results", "result_line"]


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What a batch keeps of one run: no steps, no events (a batch of 10,000 runs holds none)."""

    id: str
    status: str  # succeeded | failed | error, as RunResult.status
    outputs: dict[str, Any] = field(default_factory=dict)
    error: RunError | None = None
    step_count: int = 0
    elapsed: float = 0.0  # seconds

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    @classmethod
    def from_run(cls, run_id: str, result: RunResult, elapsed: float) -> BatchResult:
        return cls(run_id, result.status, dict(result.outputs), result.error, len(result.steps), elapsed)

    def to_dict(self) -> dict[str, Any]:
        """The result line as a dict."""
        return {
            "id": self.id,
            "status": self.status,
            "outputs": dict(self.outputs),
            "error": self.error.to_dict() if self.error is not None else None,
            "stepCount": self.step_count,
            "elapsedMs": round(self.elapsed * 1000),
        }


def result_line(result: BatchResult) -> str:
    """``result`` as one line of strict JSON, newline included (a NaN or an infinity read from
    a response becomes ``"NaN"``, ``"Infinity"`` or ``"-Infinity"``, as in ``run --json``)."""
    return json_text(result.to_dict()) + "\n"


# ---------------------------------------------------------------- writing


class ResultsFile:
    """Appends result lines to ``path`` (created when missing), each line whole and at once.

    ``keep``: cut the file to that many bytes first (:attr:`Finished.keep`, for ``--resume``).
    ``fsync``: also force each line to the disk (slower; without it a line survives the death
    of the process, not of the machine).
    """

    def __init__(self, path: str, *, keep: int | None = None, fsync: bool = False) -> None:
        self.path = path
        self.fsync = fsync
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        if keep is not None:
            os.ftruncate(self._fd, keep)

    def write(self, result: BatchResult) -> None:
        if self._fd is None:
            raise ValueError("the results file is closed")
        data = memoryview(result_line(result).encode("utf-8"))
        while data:  # os.write may write less than asked (a full disk, a signal)
            written = os.write(self._fd, data)
            data = data[written:]
        if self.fsync:
            os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class StreamResults:
    """Writes result lines to a text stream (stdout), flushing after each line."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, result: BatchResult) -> None:
        self.stream.write(result_line(result))
        self.stream.flush()

    def close(self) -> None:
        """Nothing to close: the stream is the caller's."""


# ---------------------------------------------------------------- reading back (resume)


@dataclass(slots=True)
class Finished:
    """The runs a results file already holds: ``done`` maps each id to its status; ``keep`` is
    the length in bytes of the file's valid part (shorter than the file when its last line is
    partial: ``dropped`` is then that line's number)."""

    done: dict[str, str] = field(default_factory=dict)
    keep: int = 0
    dropped: int | None = None


def read_results(path: str) -> Finished:
    """The finished runs of the results file at ``path`` (none when it does not exist).

    A last line that is partial (no newline) or not a result line is left out, and
    :attr:`Finished.keep` tells where to cut it; such a line before the last is a
    UsageError (the file was edited: nothing here can tell which runs it stood for).
    """
    finished = Finished()
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return finished
    bad: tuple[int, int] | None = None  # (line number, offset) of an unreadable line
    offset = 0
    with handle:
        for number, raw in enumerate(handle, 1):
            start, offset = offset, offset + len(raw)
            if not raw.strip() and raw.endswith(b"\n"):
                continue
            parsed = _result_id(raw) if raw.endswith(b"\n") else None
            if parsed is None:
                bad = bad or (number, start)
                continue
            if bad is not None:
                raise UsageError(
                    f"--resume: line {bad[0]} of {path} is not a result line (a line with a JSON object with "
                    '"id" and "status"); remove it or fix it, then resume again'
                )
            finished.done[parsed[0]] = parsed[1]
    finished.keep = offset if bad is None else bad[1]
    finished.dropped = bad[0] if bad is not None else None
    return finished


def _result_id(raw: bytes) -> tuple[str, str] | None:
    """(id, status) of a result line, or None when it is not one."""
    try:
        value = json.loads(raw)
    except ValueError:  # not JSON, or not UTF-8
        return None
    if not isinstance(value, dict):
        return None
    run_id, status = value.get("id"), value.get("status")
    if not isinstance(run_id, str) or not isinstance(status, str):
        return None
    return run_id, status
