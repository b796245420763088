"""Batches: one workflow run many times, from a list of inputs, with results you can resume.

* :mod:`.inputs` reads INPUTS.jsonl lazily (one :class:`BatchItem` per line, ids from the
  ``"id"`` key or the line number) and checks ids are unique;
* :mod:`.many` runs items on one shared Runner, at most ``concurrency`` at once:
  :func:`run_many` (sync) and :func:`arun_many` (async) yield :class:`BatchResult`\\ s as
  runs finish;
* :mod:`.results` writes result lines whole (:class:`ResultsFile`) and reads them back for
  ``--resume`` (:func:`read_results`).

``arazzo run FILE --batch INPUTS.jsonl`` (cli/batch.py) is a thin layer over these; the
contract is in docs/batches.md.
"""

from __future__ import annotations

from .inputs import BatchItem, InputsScan, check_ids, item_from_value, read_inputs
from .many import DEFAULT_CONCURRENCY, MAX_CONCURRENCY, arun_many, run_many
from .results import BatchResult, Finished, ResultsFile, StreamResults, read_results, result_line

__all__ = [
    "DEFAULT_CONCURRENCY",
    "MAX_CONCURRENCY",
    "BatchItem",
    "BatchResult",
    "Finished",
    "InputsScan",
    "ResultsFile",
    "StreamResults",
    "arun_many",
    "check_ids",
    "item_from_value",
    "read_inputs",
    "read_results",
    "result_line",
    "run_many",
]
