"""``arazzo validate``: report the diagnostics of one or more documents (a thin layer over validate).

Each PATH is a file, or a directory standing for every Arazzo document below it (found by
content, :func:`arazzo_runner.loading.detect.find_documents`); every output format covers
all the documents, and the exit code is the worst of them.

Exit codes (docs/cli.md): 0 no error-level diagnostic, 1 errors (YAML syntax errors and
duplicate keys included), 2 a file cannot be read at all, or a usage error.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import IO, Any

from ..errors import Location, SourceError, UsageError

__all__ = ["add_parser", "command", "documents"]

FORMATS = ("text", "json", "sarif", "github")


def add_parser(commands: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    validate = commands.add_parser(
        "validate",
        help="check documents against the specification and their sources",
        description="Check Arazzo documents (files, or every Arazzo document below a directory): structure by the "
        "rules of each document's version, then references, "
        "runtime expressions, parameters and criteria against the source descriptions. "
        "Exit 0 when no errors are found, 1 when there are errors, 2 when a file cannot be read.",
    )
    validate.add_argument(
        "files",
        nargs="*",
        metavar="PATH",
        help="an Arazzo document, or a directory: every Arazzo document below it (other YAML/JSON files are skipped)",
    )
    validate.add_argument(
        "--format", choices=FORMATS, default="text", help="text (default), json, sarif (2.1.0) or github annotations"
    )
    validate.add_argument(
        "--no-sources", action="store_true", help="do not read the source descriptions (skip the checks needing them)"
    )
    validate.add_argument("--strict", action="store_true", help="report warnings as errors")
    validate.add_argument(
        "--ignore", action="append", default=[], metavar="RULE", help="do not report rule RULE (repeatable)"
    )
    validate.add_argument(
        "--warn", action="append", default=[], metavar="RULE", help="report rule RULE as a warning (repeatable)"
    )
    validate.add_argument("--rules", action="store_true", help="list the rules (id, severity, summary) and exit")
    common(validate)


def _list_rules(out: IO[str], style: Any) -> int:
    from ..validation.rules import RULES

    width = max(len(rule_id) for rule_id in RULES)
    for rule in RULES.values():
        flags = " (needs sources)" if rule.needs_sources else ""
        out.write(f"{style.bold(rule.id.ljust(width))}  {rule.severity.ljust(7)}  {rule.summary}{flags}\n")
    return 0


def documents(paths: Sequence[str]) -> tuple[list[str], int]:
    """The files to validate for the command line's ``paths``, and how many other files the
    directory walks skipped.  A file named on the command line is validated whatever it holds
    (a file that is not an Arazzo document is an error about it); a directory stands for the
    Arazzo documents below it, and one that holds none is a usage error."""
    import os

    from ..loading.detect import find_documents

    found: list[str] = []
    skipped = 0
    for path in paths:
        if not os.path.isdir(path):
            found.append(path)
            continue
        below = find_documents(path)
        if not below.documents:
            raise UsageError(f"arazzo validate: no Arazzo document below {path} ({below.none_found()})")
        found.extend(below.documents)
        skipped += len(below.skipped)
    seen: set[str] = set()
    unique = []
    for path in found:  # a file named and also found below a named directory is validated once
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique, skipped


def command(args: argparse.Namespace, out: IO[str], err: IO[str], out_style: Any, err_style: Any) -> int:
    if args.rules:
        return _list_rules(out, out_style)
    if not args.files:
        raise UsageError("arazzo validate: name at least one FILE or directory (or pass --rules)")
    files, skipped = documents(args.files)
    from .. import __version__
    from ..validation import validate
    from ..validation.diagnostics import (
        ERROR,
        WARNING,
        Diagnostic,
        format_github,
        format_json,
        format_sarif,
        format_text,
    )
    from ..validation.rules import RULES
    from .common import redirects as _redirects  # the one parser of --source NAME=PATH|URL

    redirects = _redirects(args.source)
    diagnostics: list[Diagnostic] = []
    unreadable = 0
    for file in files:
        try:
            report = validate(
                file,
                sources=redirects,
                allow_remote=args.allow_remote,
                use_sources=not args.no_sources,
                strict=args.strict,
                ignore=args.ignore,
                warn=args.warn,
            )
        except SourceError as error:
            unreadable += 1
            where = error.location if error.location is not None and error.location.file else Location(file)
            diagnostics.append(Diagnostic(ERROR, "unreadable", error.message, where))
            continue
        diagnostics.extend(report.diagnostics)
    errors = sum(1 for d in diagnostics if d.severity == ERROR)
    warnings = sum(1 for d in diagnostics if d.severity == WARNING)
    if args.format == "json":
        out.write(format_json(diagnostics))
    elif args.format == "sarif":
        out.write(format_sarif(diagnostics, list(RULES.values()), version=__version__))
    elif args.format == "github":
        out.write(format_github(diagnostics))
    else:
        paint = {ERROR: out_style.red, WARNING: lambda text: out_style(text, "33")}
        out.write(format_text(diagnostics, paint))
        if not args.quiet:
            count = len(files)
            invalid = len({d.file for d in diagnostics if d.severity == ERROR})
            verdict = (
                f"{count} file{'s' if count != 1 else ''} valid"
                if not errors
                else (
                    f"{invalid} of {count} file{'s' if count != 1 else ''} invalid" if count > 1 else "1 file invalid"
                )
            )
            summary = (
                f"{verdict}: "
                f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
            )
            if skipped:
                summary += f" ({skipped} other file{'s' if skipped != 1 else ''} skipped: not Arazzo documents)"
            err.write((err_style.red(summary) if errors else err_style.bold(summary)) + "\n")
    if unreadable:
        return 2
    return 1 if errors else 0
