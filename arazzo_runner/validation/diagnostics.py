"""What validation finds, and the four ways of printing it.

A :class:`Diagnostic` is one finding: a severity, the stable id of the rule that made it, a
message, and the :class:`~arazzo_runner.errors.Location` of the offending value (file, JSON
pointer, and the line and column found on demand).  A :class:`ValidationReport` holds the
diagnostics of one document.

Formatters take diagnostics and return text: :func:`format_text` (``FILE:LINE:COL severity
rule-id message``), :func:`format_json` (the ``validate --format json`` contract of
docs/json.md), :func:`format_sarif` (SARIF 2.1.0) and :func:`format_github` (GitHub
Actions workflow commands).  None of them prints: the CLI does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Optional

from ..errors import Location

__all__ = [
    "ERROR",
    "WARNING",
    "INFO",
    "SEVERITIES",
    "Severity",
    "Diagnostic",
    "ValidationReport",
    "format_text",
    "format_json",
    "format_sarif",
    "format_github",
]

Severity = Literal["error", "warning", "info"]
ERROR: Severity = "error"
WARNING: Severity = "warning"
INFO: Severity = "info"
SEVERITIES: tuple[Severity, ...] = (ERROR, WARNING, INFO)
_RANK = {ERROR: 0, WARNING: 1, INFO: 2}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding of validation, located at the offending value."""

    severity: Severity
    rule: str
    message: str
    location: Location

    @property
    def file(self) -> Optional[str]:
        return self.location.file

    @property
    def line(self) -> Optional[int]:
        return self.location.line

    @property
    def column(self) -> Optional[int]:
        return self.location.column

    @property
    def pointer(self) -> str:
        return self.location.pointer

    def with_severity(self, severity: Severity) -> Diagnostic:
        return self if severity == self.severity else replace(self, severity=severity)

    def sort_key(self) -> tuple[str, int, int, int, str, str]:
        return (
            self.file or "",
            self.line or 0,
            self.column or 0,
            _RANK.get(self.severity, 3),
            self.rule,
            self.message,
        )

    def to_dict(self) -> dict[str, Any]:
        """The diagnostic as ``validate --format json`` prints it."""
        return {
            "severity": self.severity,
            "rule": self.rule,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "pointer": self.pointer,
        }

    def __str__(self) -> str:
        return f"{_where(self)} {self.severity} {self.rule} {self.message}"


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """The diagnostics of one validated document, in file order (errors first at one position).

    ``valid`` is true when no diagnostic is an error.
    """

    file: Optional[str]
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def valid(self) -> bool:
        return not any(d.severity == ERROR for d in self.diagnostics)

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == ERROR)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == WARNING)

    def by_rule(self) -> dict[str, int]:
        """How many diagnostics each rule produced."""
        counts: dict[str, int] = {}
        for diagnostic in self.diagnostics:
            counts[diagnostic.rule] = counts.get(diagnostic.rule, 0) + 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        """``{"valid": ..., "diagnostics": [...]}`` as docs/json.md specifies."""
        return {"valid": self.valid, "diagnostics": [d.to_dict() for d in self.diagnostics]}

    def __bool__(self) -> bool:  # a report is a value, not a verdict: use .valid
        return True


# ------------------------------------------------------------------------------ formatters


def _where(diagnostic: Diagnostic) -> str:
    where = diagnostic.file or "<input>"
    if diagnostic.line is not None:
        where += f":{diagnostic.line}:{diagnostic.column or 1}"
    return where


def format_text(diagnostics: Iterable[Diagnostic], paint: Optional[Mapping[Any, Any]] = None) -> str:
    """One line per diagnostic: ``FILE:LINE:COL severity rule-id message``.

    ``paint`` maps a severity to a function colouring that word (the CLI passes its styles).
    """
    lines = []
    for diagnostic in diagnostics:
        word: str = diagnostic.severity
        if paint is not None and word in paint:
            word = paint[word](word)
        lines.append(f"{_where(diagnostic)} {word} {diagnostic.rule} {diagnostic.message}")
    return "".join(line + "\n" for line in lines)


def format_json(diagnostics: Iterable[Diagnostic], *, valid: Optional[bool] = None) -> str:
    """The JSON object of docs/json.md (``valid`` defaults to "no error-level diagnostic")."""
    items = list(diagnostics)
    if valid is None:
        valid = not any(d.severity == ERROR for d in items)
    data = {"valid": valid, "diagnostics": [d.to_dict() for d in items]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


_SARIF_LEVEL = {ERROR: "error", WARNING: "warning", INFO: "note"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _artifact_uri(file: Optional[str]) -> str:
    if not file:
        return "<input>"
    if "://" in file:
        return file
    from urllib.parse import quote

    return quote(file.replace("\\", "/"))


def format_sarif(
    diagnostics: Iterable[Diagnostic],
    rules: Sequence[Any] = (),
    *,
    tool: str = "arazzo",
    version: str = "",
) -> str:
    """A SARIF 2.1.0 log with one run.  ``rules`` are the rule descriptions (objects with
    ``id``, ``severity`` and ``summary``) listed as the driver's rules."""
    items = list(diagnostics)
    used = {d.rule for d in items}
    described = [r for r in rules if getattr(r, "id", None) in used]
    known = {r.id for r in described}
    index = {r.id: number for number, r in enumerate(described)}
    driver_rules = [
        {
            "id": r.id,
            "shortDescription": {"text": r.summary},
            "defaultConfiguration": {"level": _SARIF_LEVEL.get(r.severity, "warning")},
        }
        for r in described
    ]
    results = []
    for d in items:
        region: dict[str, Any] = {}
        if d.line is not None:
            region = {"startLine": d.line, "startColumn": d.column or 1}
        physical: dict[str, Any] = {"artifactLocation": {"uri": _artifact_uri(d.file)}}
        if region:
            physical["region"] = region
        result: dict[str, Any] = {
            "ruleId": d.rule,
            "level": _SARIF_LEVEL.get(d.severity, "warning"),
            "message": {"text": d.message},
            "locations": [{"physicalLocation": physical}],
        }
        if d.rule in known:
            result["ruleIndex"] = index[d.rule]
        if d.pointer:
            result["properties"] = {"pointer": d.pointer}
        results.append(result)
    driver: dict[str, Any] = {"name": tool, "rules": driver_rules}
    if version:
        driver["version"] = version
    log = {"version": "2.1.0", "$schema": SARIF_SCHEMA, "runs": [{"tool": {"driver": driver}, "results": results}]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


_GITHUB_COMMAND = {ERROR: "error", WARNING: "warning", INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(diagnostics: Iterable[Diagnostic]) -> str:
    """GitHub Actions workflow commands: ``::error file=F,line=L,col=C,title=RULE::message``."""
    lines = []
    for d in diagnostics:
        properties = [f"file={_escape_property(d.file or '')}"]
        if d.line is not None:
            properties += [f"line={d.line}", f"col={d.column or 1}"]
        properties.append(f"title={_escape_property(d.rule)}")
        command = _GITHUB_COMMAND.get(d.severity, "warning")
        lines.append(f"::{command} {','.join(properties)}::{_escape_data(d.message)}")
    return "".join(line + "\n" for line in lines)
