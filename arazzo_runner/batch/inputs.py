"""The inputs of a batch: one JSON object per line of an INPUTS.jsonl file, read lazily.

Each line is the inputs of one run.  Its optional ``"id"`` key (a non-empty string) names the
run and is not passed to the workflow; without it the run's id is the line number, from 1,
as a string.  Blank lines are skipped, and still counted in the line numbers.

A line that cannot be a run (not JSON, not an object, an ``"id"`` that is not a non-empty
string) becomes a :class:`BatchItem` with an ``error`` (type ``inputs``, at the file's line):
the batch reports it as a result with status ``error`` and goes on.  Its id is its line
number.

Ids must be unique in a file (resume finds runs by id).  :func:`check_ids` is the cheap first
pass that finds a duplicate before anything runs (a UsageError naming both lines); the
Python API (:func:`~arazzo_runner.batch.run_many`) leaves ids to its caller.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import Location, UsageError
from ..execution.results import RunError

__all__ = ["BatchItem", "InputsScan", "check_ids", "item_from_value", "read_inputs"]

ID_KEY = "id"


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One run of a batch: its id, its inputs, and where it came from.

    ``line`` is the line of INPUTS.jsonl (None for an item given in Python); ``error`` is set
    when the line could not be a run: such an item is reported, never run.
    """

    id: str
    inputs: Mapping[str, Any] = field(default_factory=dict)
    line: int | None = None
    error: RunError | None = None


def item_from_value(value: Any, number: int, *, file: str | None = None) -> BatchItem:
    """The item of one parsed line (``file`` given) or one value given in Python (``number``
    is its place, from 1): the ``"id"`` rule of the module docstring."""
    where = f"line {number}" if file is not None else f"item {number}"
    line = number if file is not None else None
    if not isinstance(value, Mapping):
        return _error(str(number), f"{where} is not a JSON object but {_kind(value)}", file, line)
    if ID_KEY not in value:
        return BatchItem(str(number), dict(value), line)
    run_id = value[ID_KEY]
    if not isinstance(run_id, str) or not run_id:
        shown = json.dumps(run_id, ensure_ascii=False, default=str)
        return _error(str(number), f"{where}: the id must be a non-empty string, not {shown}", file, line)
    return BatchItem(run_id, {key: item for key, item in value.items() if key != ID_KEY}, line)


def read_inputs(path: str) -> Iterator[BatchItem]:
    """The items of INPUTS.jsonl at ``path``, one line at a time (the file is never held
    whole).  Raises OSError when the file cannot be opened or read."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield _error(str(number), f"line {number} is not UTF-8 ({exc.reason})", path, number, exc.start + 1)
                continue
            if not text.strip():
                continue
            try:
                value = json.loads(text.rstrip(), parse_constant=_no_constant)
            except ValueError as exc:
                message = getattr(exc, "msg", str(exc))
                column = getattr(exc, "colno", None)
                yield _error(str(number), f"line {number} is not JSON: {message}", path, number, column)
                continue
            yield item_from_value(value, number, file=path)


@dataclass(frozen=True, slots=True)
class InputsScan:
    """What the first pass over INPUTS.jsonl found: the runs to do, and those ``skip`` held."""

    total: int  # items to run (or report as errors) now
    skipped: int  # items whose id ``skip`` holds (done by an earlier batch)
    skipped_ids: frozenset[str] = frozenset()


def check_ids(items: Iterable[BatchItem], skip: Container[str] = (), *, option: str = "--batch") -> InputsScan:
    """Count ``items`` and check their ids are unique: a duplicate is a UsageError naming both
    lines.  Items whose id is in ``skip`` are counted apart (``--resume``).  Keeps one entry
    per id (the id and its line), never the inputs."""
    seen: dict[str, int | None] = {}
    total = 0
    skipped: set[str] = set()
    for number, item in enumerate(items, 1):
        first = seen.get(item.id, -1)
        if first != -1:
            at = f"lines {first} and {item.line}" if item.line is not None else f"items {first} and {number}"
            raise UsageError(f"{option}: the id {item.id!r} is on {at}; ids must be unique (resume finds runs by id)")
        seen[item.id] = item.line if item.line is not None else number
        if item.id in skip:
            skipped.add(item.id)
        else:
            total += 1
    return InputsScan(total, len(skipped), frozenset(skipped))


def _error(run_id: str, message: str, file: str | None, line: int | None, column: int | None = None) -> BatchItem:
    location = Location(file, line=line, column=column) if file is not None else None
    return BatchItem(run_id, {}, line, RunError("inputs", message, None, location))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def _no_constant(name: str) -> Any:
    # NaN and Infinity are not JSON: refused here rather than sent in a request
    raise ValueError(f"{name} is not a JSON value")
