"""Validation of Arazzo documents: structure by the document's own version, then semantics.

:func:`validate` takes a path (or URL) or an already loaded
:class:`~arazzo_runner.loading.sources.Description` and returns a :class:`ValidationReport`;
it raises only when the file cannot be read at all (:class:`~arazzo_runner.SourceError`):
YAML syntax errors, duplicate keys and unsupported versions are diagnostics.

Embedding, e.g. refusing to run a document with errors::

    description = arazzo_runner.load(path, sources=redirects, allow_remote=allow_remote)
    report = arazzo_runner.validate(description, servers=overrides)
    if not report.valid:
        raise ValidationError(...)   # report.errors lists them, each with its location

Validating a loaded Description reads its source descriptions through the same session
(the same ``--source`` redirects and ``allow_remote``), so nothing is read twice.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import IO, TYPE_CHECKING, Any, Optional, Union

from ..errors import ArazzoError, DocumentError, Location, SourceError, ValidationError
from .diagnostics import ERROR, INFO, WARNING, Diagnostic, Severity, ValidationReport
from .rules import RULES, Rule

if TYPE_CHECKING:  # pragma: no cover
    from ..loading.sources import Description

__all__ = [
    "validate",
    "check",
    "refuse_invalid",
    "ValidationReport",
    "Diagnostic",
    "RULES",
    "Rule",
    "ERROR",
    "WARNING",
    "INFO",
]

PathLike = Union[str, "os.PathLike[str]"]


def _load_diagnostic(error: DocumentError, stage: str) -> Diagnostic:
    message = error.message
    if stage == "parse":
        rule = "syntax"
    elif "must be a mapping" in message:
        rule = "type"
    else:
        rule = "version"
    location = error.location or Location(None)
    if location.line is None and location.file is not None:
        location = Location(location.file, location.pointer, 1, 1)
    return Diagnostic(RULES[rule].severity, rule, message, location)


def _read(path: PathLike, sources: Optional[Mapping[str, str]], allow_remote: bool) -> Union[Description, Diagnostic]:
    """Load ``path``: the Description, or the diagnostic that stops validation."""
    from ..loading.files import read_file
    from ..loading.sources import load, reject_other_kind
    from ..loading.uris import is_remote

    text = os.fspath(path)
    if not is_remote(text):
        try:
            reject_other_kind(text)  # an OpenAPI file is told from its first bytes, not parsed
        except DocumentError as error:
            return _load_diagnostic(error, "load")
        try:
            read_file(text)  # parsed once: load() below finds it in the in-process cache
        except SourceError:
            raise
        except DocumentError as error:
            return _load_diagnostic(error, "parse")
    try:
        return load(text, sources=sources, allow_remote=allow_remote)
    except SourceError:
        raise
    except DocumentError as error:
        stage = "parse" if error.message.startswith(("YAML", "JSON", "duplicate key")) else "load"
        return _load_diagnostic(error, stage)


def check(
    description: Description,
    *,
    use_sources: bool = True,
    servers: Optional[Mapping[str, str]] = None,
    skip: Iterable[str] = (),
) -> list[Diagnostic]:
    """Every diagnostic of a loaded document, at the rules' default severities, unsorted."""
    from .context import Context
    from .structure import check_structure

    context = Context(description, use_sources=use_sources, servers=servers)
    skipped = set(skip)
    found = [d for d in check_structure(context) if d.rule not in skipped]
    for rule in RULES.values():
        if rule.check is None or rule.id in skipped or (rule.needs_sources and not use_sources):
            continue
        try:
            for finding in rule.check(context):
                found.append(Diagnostic(rule.severity, rule.id, finding.message, finding.location))
        except ArazzoError as error:  # e.g. a broken $ref deep in a source: the check could not finish
            location = error.location if error.location is not None else context.at("")
            found.append(Diagnostic(WARNING, rule.id, f"this check could not finish: {error.message}", location))
    return found


def _adjust(
    diagnostics: Iterable[Diagnostic], ignore: frozenset[str], warn: frozenset[str], strict: bool
) -> list[Diagnostic]:
    seen: set[tuple[str, Optional[str], str, str]] = set()
    result = []
    for diagnostic in diagnostics:
        if diagnostic.rule in ignore:
            continue
        key = (diagnostic.rule, diagnostic.file, diagnostic.pointer, diagnostic.message)
        if key in seen:  # a component checked from every place that uses it
            continue
        seen.add(key)
        severity: Severity = diagnostic.severity
        if diagnostic.rule in warn and severity == ERROR:
            severity = WARNING
        if strict and severity == WARNING:
            severity = ERROR
        result.append(diagnostic.with_severity(severity))
    result.sort(key=Diagnostic.sort_key)
    return result


def _rule_ids(names: Iterable[str], option: str) -> frozenset[str]:
    from ..errors import UsageError

    ids = frozenset(names)
    unknown = sorted(ids - set(RULES))
    if unknown:
        from .context import suggest

        hint = suggest(unknown[0], RULES)
        raise UsageError(f"{option}: unknown rule {unknown[0]!r}{hint} (see `arazzo validate --rules`)")
    return ids


def validate(
    document: Union[PathLike, Description],
    *,
    sources: Optional[Mapping[str, str]] = None,
    allow_remote: bool = False,
    use_sources: bool = True,
    servers: Optional[Mapping[str, str]] = None,
    strict: bool = False,
    ignore: Iterable[str] = (),
    warn: Iterable[str] = (),
) -> ValidationReport:
    """Validate an Arazzo document; return its :class:`ValidationReport` (``.valid``, ``.diagnostics``).

    Arguments:
        document: a path or http(s) URL, or a Description already returned by
            :func:`arazzo_runner.load` (its ``sources``/``allow_remote`` settings then apply,
            and the two arguments of the same names here are ignored).
        sources: redirect source descriptions by name to another file or URL.
        allow_remote: fetch http(s) source descriptions (otherwise each is one warning and
            the checks that need it are skipped).
        use_sources: read the source descriptions at all (``--no-sources`` turns it off).
        servers: the server overrides a run will use, by source name (silences the
            ``several-servers`` warning for those sources).
        strict: report warnings as errors.
        ignore: rule ids not to report; warn: rule ids reported as warnings at most.

    Raises:
        SourceError: the file cannot be read at all (missing, a directory, unreadable).
        UsageError: an unknown rule id in ``ignore`` or ``warn``.
    """
    from ..loading.sources import Description

    ignored = _rule_ids(ignore, "--ignore")
    lowered = _rule_ids(warn, "--warn")
    if isinstance(document, Description):
        loaded: Union[Description, Diagnostic] = document
    else:
        loaded = _read(document, sources, allow_remote)
    if isinstance(loaded, Diagnostic):
        return ValidationReport(loaded.file, tuple(_adjust([loaded], ignored, lowered, strict)))
    found = check(loaded, use_sources=use_sources, servers=servers, skip=ignored)
    return ValidationReport(loaded.file, tuple(_adjust(found, ignored, lowered, strict)))


def describe_rules() -> list[dict[str, Any]]:
    """The rule table as data: id, severity, summary, whether structural, whether it needs sources."""
    return [
        {
            "id": r.id,
            "severity": r.severity,
            "summary": r.summary,
            "structural": r.structural,
            "needs_sources": r.needs_sources,
        }
        for r in RULES.values()
    ]


def refuse_invalid(description: Any, servers: dict[str, str], err: IO[str], anyway: str = "runs it anyway") -> None:
    """Stop before any request when validation reports errors (warnings never block);
    ``anyway`` says what ``--no-validate`` would do instead."""
    report = validate(description, servers=servers)
    if report.valid:
        return
    errors = report.errors
    first = errors[0]
    if len(errors) == 1:
        raise ValidationError(f"{first.message} [{first.rule}]", first.location)
    for diagnostic in errors:
        err.write(
            f"{diagnostic.file}:{diagnostic.line}:{diagnostic.column} error {diagnostic.rule} {diagnostic.message}\n"
        )
    raise ValidationError(
        f"the document has {len(errors)} errors (listed above; --no-validate {anyway}); the first: {first.message}",
        first.location,
    )
