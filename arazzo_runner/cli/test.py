"""``arazzo test``: run every workflow of the given documents as a suite of cases.

A thin layer over :func:`arazzo_runner.suite.run_tests`: the options of ``arazzo run`` that
make sense for many workflows (shared through :mod:`.run_options`), the suite's own options
(``--cases``, ``--jobs``, ``-k``, ``--fail-fast``, ``--report``), the progress display of
:mod:`.progress` on stderr, and the exit code of the report (0, 1, 5; 2 for a usage error or
a document or cases file that does not load).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from typing import IO, Any

from ..errors import UsageError
from .run_options import add_request_options, add_server_options

__all__ = ["add_parser", "command", "report_option"]

# what "-" (stdout) may take: one text report, and not the HTML page
_STDOUT_KINDS = ("junit", "ctrf", "har", "markdown", "json")


def add_parser(commands: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    test = commands.add_parser(
        "test",
        help="run every workflow of documents and folders as test cases",
        description=(
            "Run every workflow of the Arazzo documents in PATH (files, or folders searched recursively) as "
            "test cases: with the inputs of their cases files (*.cases.yaml, *.cases.yml, *.cases.json beside "
            "the files and below the folders), else with the defaults and examples of their inputs schema "
            "(a workflow whose required inputs nothing fills is skipped). Progress goes to stderr; reports "
            "(--report) to files, or stdout with KIND=- (--report json=- gives one JSON object). "
            "Exit codes: 0 every case passed (skips allowed), 1 a case failed, 2 usage error or a document "
            "or cases file that does not load, 5 no case ran."
        ),
    )
    test.add_argument(
        "paths", nargs="*", metavar="PATH", help="Arazzo documents or folders (none: only the --cases files)"
    )
    test.add_argument(
        "--cases",
        action="append",
        metavar="FILE",
        help="a cases file (repeatable); replaces the discovery of *.cases.yaml files",
    )
    test.add_argument("--jobs", "-j", type=_jobs, default=1, metavar="N", help="cases run at once (default 1)")
    test.add_argument(
        "--report",
        action="append",
        default=[],
        type=report_option,
        metavar="KIND=FILE",
        help="write a report (repeatable): KIND is junit, html, ctrf, har, markdown or json; FILE - is stdout "
        "(not for html)",
    )
    test.add_argument(
        "-k", dest="select", metavar="PATTERN", help="run only the cases whose FILE::WORKFLOW_ID[NAME] contains PATTERN"
    )
    test.add_argument("--fail-fast", "-x", action="store_true", help="stop at the first failing case")
    test.add_argument(
        "--no-validate",
        action="store_true",
        help="run the cases of a document even when `arazzo validate` reports errors for it "
        "(by default they fail without a request)",
    )
    add_server_options(test, mock_seed=True)
    add_request_options(test)
    common(test)


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"must be 1 to 64, not {text!r}")
    return value


def report_option(text: str) -> tuple[str, str]:
    """``--report KIND=FILE`` as (kind, target), checked before any case runs: a known kind,
    and a file that can be written (its folder exists, it is not a folder)."""
    from ..reports import KINDS

    kind, sep, target = text.partition("=")
    kind = kind.strip().lower()
    known = ", ".join(KINDS)
    if not sep:
        raise argparse.ArgumentTypeError(f"takes KIND=FILE with KIND one of {known}, not {text!r}")
    if kind not in KINDS:
        raise argparse.ArgumentTypeError(f"unknown report kind {kind!r}: use one of {known}")
    if not target:
        raise argparse.ArgumentTypeError(f"{kind}= needs a file (or - for stdout)")
    if target == "-":
        if kind not in _STDOUT_KINDS:
            raise argparse.ArgumentTypeError(f"the {kind} report goes to a file, not stdout: --report {kind}=FILE")
        return kind, target
    folder = os.path.dirname(target) or "."
    if not os.path.isdir(folder):
        raise argparse.ArgumentTypeError(f"cannot write {target}: folder {folder} does not exist")
    if os.path.isdir(target):
        raise argparse.ArgumentTypeError(f"cannot write {target}: it is a folder")
    return kind, target


def _check_reports(reports: Sequence[tuple[str, str]]) -> None:
    """Two reports in one place would overwrite (or interleave with) each other."""
    seen: dict[str, str] = {}
    for kind, target in reports:
        where = "-" if target == "-" else os.path.realpath(target)
        if where in seen:
            place = "stdout" if target == "-" else target
            raise UsageError(f"--report {seen[where]} and --report {kind} both write to {place}")
        seen[where] = kind


def command(args: argparse.Namespace, out: IO[str], err: IO[str], out_style: Any, style: Any) -> int:
    """Run the suite; the exit code is the report's (0, 1 or 5), or 2 when it cannot start."""
    from ..suite import run_tests
    from .common import redirects
    from .progress import progress_for
    from .run_options import credentials, runner_keywords

    _check_reports(args.report)
    options = runner_keywords(args, err)
    env_file = args.env_file
    if env_file is not None and not os.path.isfile(env_file):
        raise UsageError(f"--env-file {env_file}: no such file")
    progress = progress_for(args, err)
    # stdout is for reports only; "-" in a report means this command's stdout
    reporters = [(kind, out if target == "-" else target) for kind, target in args.report]
    try:
        report = run_tests(
            args.paths,
            cases=args.cases,
            jobs=args.jobs,
            select=args.select,
            fail_fast=args.fail_fast,
            validate=not args.no_validate,
            reporters=reporters,
            listener=progress,
            sources=redirects(args.source),
            allow_remote=args.allow_remote,
            credentials=lambda description: credentials(description, env_file) or None,
            **options,
        )
    except BaseException:
        progress.close()
        raise
    progress.close(report)
    code = report.exit_code
    if code == 5 and not report.cases and args.select:
        err.write(f"no case matched -k {args.select!r}\n")
    elif code == 5:
        err.write("no case ran: every case was skipped (give their inputs in a cases file)\n")
    return code
