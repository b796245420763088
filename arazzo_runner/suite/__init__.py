"""Test suites of Arazzo workflows: ``arazzo test`` and :func:`run_tests`.

A suite runs every workflow of the given Arazzo documents (files, or directories searched for
them): with the inputs of the cases that name it (cases files, :mod:`.cases`), else with the
inputs its schema fills, else it is skipped with the reason (:mod:`.collect`).  Each case's
run is judged against what it expects (:mod:`.verdict`), the cases run one by one or
concurrently with the same results (:mod:`.execute`), and the :class:`TestReport` is written
by the reporters (:mod:`arazzo_runner.reports`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from os import PathLike
from typing import IO, Any, Optional, Union

from ..errors import UsageError
from .outcome import FAILED, PASSED, SKIPPED, Case, CaseResult, Expectation, SuiteListener, Summary, TestReport

__all__ = [
    "run_tests",
    "TestReport",
    "CaseResult",
    "Case",
    "Expectation",
    "Summary",
    "SuiteListener",
    "PASSED",
    "FAILED",
    "SKIPPED",
]

PathArgument = Union[str, "PathLike[str]"]
ReportTarget = Union[str, "PathLike[str]", IO[str]]

# Runner keywords that load documents: the suite loads each document once, with them
_LOADING = ("sources", "allow_remote")


def run_tests(
    paths: Union[PathArgument, Sequence[PathArgument]],
    *,
    cases: Optional[Sequence[PathArgument]] = None,
    jobs: int = 1,
    select: Optional[str] = None,
    fail_fast: bool = False,
    reporters: Iterable[tuple[str, ReportTarget]] = (),
    listener: Optional[SuiteListener] = None,
    validate: bool = True,
    **runner_options: Any,
) -> TestReport:
    """Run every workflow of the Arazzo documents at ``paths`` as a test suite.

    ``paths``: files and directories (searched recursively for Arazzo documents).
    ``cases``: None finds ``*.cases.yaml``/``.yml``/``.json`` files below the directories and
    beside the files; a list of cases files replaces that discovery (and their documents run
    even when not among ``paths``).  ``jobs``: how many cases run at once (the results are
    the same, in the same order).  ``select``: keep the cases whose id
    (``file::workflowId[name]``) contains it.  ``fail_fast``: start no case after the first
    failed one.  ``reporters``: ``(kind, target)`` pairs written at the end, ``kind`` one of
    ``junit``, ``html``, ``ctrf``, ``har``, ``markdown``, ``json`` and ``target`` a path,
    ``"-"`` (stdout) or a text stream.  ``listener``: told of each case as it starts, of
    its events and of its end.  ``validate``: the cases of a document that ``arazzo
    validate`` finds errors in fail without sending anything (as ``arazzo run`` refuses such
    a document); False runs them anyway.  ``runner_options``: :class:`~arazzo_runner.Runner` keywords
    for every case (``mock=True``, ``servers``, ``credentials`` (also a function of the
    loaded Description), ``timeout``, ...); overrides that name sources apply to the
    documents that declare them.

    Raises :class:`~arazzo_runner.ArazzoError` (a UsageError, or a DocumentError with its
    location) for a usage mistake, a cases file that is wrong or a document that does not
    load.  A failing case is a result, never an exception: see ``TestReport.exit_code``.
    """
    if isinstance(paths, (str, PathLike)):
        paths = [paths]
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise UsageError(f"jobs must be a whole number of 1 or more, not {jobs!r}")
    targets = list(reporters)
    if targets:
        from ..reports import KINDS

        for kind, _ in targets:
            if kind not in KINDS:
                raise UsageError(f"unknown report kind {kind!r}: use one of {', '.join(KINDS)}")
    from .collect import collect
    from .execute import document_options, execute

    started = time.time()
    began = time.perf_counter()
    found, descriptions = collect(
        [str(path) for path in paths],
        None if cases is None else [str(file) for file in cases],
        sources=runner_options.get("sources"),
        allow_remote=bool(runner_options.get("allow_remote", False)),
    )
    options = {key: value for key, value in runner_options.items() if key not in _LOADING}
    # names are checked against every document, so -k does not turn an override into a typo
    per_document = document_options(descriptions, {**options, "sources": runner_options.get("sources")})
    if select:
        found = [case for case in found if select in case.id]
        kept = {case.file for case in found}
        descriptions = {file: description for file, description in descriptions.items() if file in kept}
    results, stopped = execute(
        found, descriptions, per_document, jobs=jobs, fail_fast=fail_fast, listener=listener, validate=validate
    )
    report = TestReport(
        cases=results,
        descriptions=descriptions,
        started=started,
        duration=time.perf_counter() - began,
        stopped_early=stopped,
    )
    if targets:
        from ..reports import write_report

        for kind, target in targets:
            write_report(kind, report, target if not isinstance(target, PathLike) else str(target))
    return report
