"""The table of validation rules: a stable id, a default severity, a one-line summary each.

Semantic rules are small generator functions registered with :func:`rule`; each receives the
:class:`~arazzo_runner.validation.context.Context` of one document and yields
:class:`Finding` s (where, and what is wrong); the engine turns them into Diagnostics with the
rule's id and severity.  A rule that needs the source descriptions (the OpenAPI files) is
marked ``needs_sources`` and does not run with ``--no-sources``.

The structural rules (:mod:`arazzo_runner.validation.structure`) are declared here too, so
that the table lists every rule id ``--ignore``/``--warn`` accept and SARIF describes.
``structural`` marks the rules that judge the document's shape by the rules of its own
Arazzo version: what a schema for that version can say, written from the specification text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Optional

from ...errors import Location
from ..diagnostics import ERROR, INFO, WARNING, Severity

if TYPE_CHECKING:  # pragma: no cover
    from ..context import Context

__all__ = ["Finding", "Rule", "RULES", "rule", "declare", "ERROR", "WARNING", "INFO"]


class Finding:
    """What a rule found: where (the offending value) and what is wrong."""

    __slots__ = ("location", "message")

    def __init__(self, location: Location, message: str) -> None:
        self.location = location
        self.message = message

    def __repr__(self) -> str:
        return f"Finding({self.location!r}, {self.message!r})"


Check = Callable[["Context"], Iterable[Finding]]


class Rule:
    """One rule of the table: a stable id, its default severity, a one-line summary; whether
    it judges structure, whether it needs the source descriptions, and its check (if its own)."""

    __slots__ = ("id", "severity", "summary", "structural", "needs_sources", "check")

    def __init__(
        self,
        id: str,
        severity: Severity,
        summary: str,
        structural: bool = False,
        needs_sources: bool = False,
        check: Optional[Check] = None,
    ) -> None:
        self.id, self.severity, self.summary = id, severity, summary
        self.structural, self.needs_sources, self.check = structural, needs_sources, check

    def __repr__(self) -> str:
        return f"Rule({self.id!r}, {self.severity!r})"


RULES: dict[str, Rule] = {}


def declare(
    id: str, severity: Severity, summary: str, *, structural: bool = False, needs_sources: bool = False
) -> Rule:
    """Add a rule without a check function of its own (its findings come from elsewhere)."""
    if id in RULES:
        raise ValueError(f"rule {id!r} is declared twice")
    RULES[id] = Rule(id, severity, summary, structural, needs_sources)
    return RULES[id]


def rule(
    id: str, severity: Severity, summary: str, *, structural: bool = False, needs_sources: bool = False
) -> Callable[[Check], Check]:
    """Register the decorated generator function as the check of rule ``id``."""

    def register(check: Check) -> Check:
        if id in RULES:
            raise ValueError(f"rule {id!r} is declared twice")
        RULES[id] = Rule(id, severity, summary, structural, needs_sources, check)
        return check

    return register


# -------------------------------------------------- reading the file (validation/__init__.py)
declare("unreadable", ERROR, "the file cannot be read at all (exit code 2)")
declare("syntax", ERROR, "YAML/JSON syntax error, duplicate key, disallowed tag or key, alias bomb", structural=True)
declare("version", ERROR, "the `arazzo` version is missing, malformed or not 1.0.x/1.1.x", structural=True)

# ------------------------------------------ structural rules (validation/structure.py)
declare("type", ERROR, "a value has the wrong JSON type", structural=True)
declare("unknown-field", ERROR, "a field the object does not define (extensions start with `x-`)", structural=True)
declare("required", ERROR, "a REQUIRED field is missing", structural=True)
declare("enum", ERROR, "a value is not one of those the field allows", structural=True)
declare("pattern", ERROR, "a name or value does not match the form the specification requires", structural=True)
declare("naming", WARNING, "an id or name does not follow the recommended [A-Za-z0-9_-]+ form", structural=True)
declare("empty-list", ERROR, "a list that must have at least one entry is empty", structural=True)
declare("unique-items", ERROR, "a list repeats an entry it must not repeat", structural=True)
declare("range", ERROR, "a number is out of its allowed range (negative)", structural=True)
declare(
    "step-target",
    ERROR,
    "a step must name exactly one of operationId, operationPath, workflowId (channelPath)",
    structural=True,
)
declare("async-step", ERROR, "an AsyncAPI step field (action, correlationId, channelPath) is misused", structural=True)
declare(
    "action-target",
    ERROR,
    "a goto names no target or two; a retry names two; parameters without workflowId",
    structural=True,
)
declare("irrelevant-field", WARNING, "a field that has no effect where it is written", structural=True)
declare("criterion-context", ERROR, "a regex, JSONPath or XPath criterion has no `context`", structural=True)
declare(
    "expression-type", ERROR, "a criterion/selector type or Expression Type version is not allowed", structural=True
)
declare("newer-feature", ERROR, "an Arazzo 1.1 feature in a document that declares arazzo 1.0.x", structural=True)

# The semantic rules register themselves when their modules are imported, in this order (the
# order of the table, of `arazzo validate --rules`, and in which the checks run).
MODULES = (
    "sources",
    "uniqueness",
    "references",
    "messages",
    "dependencies",
    "refs",
    "expressions",
    "criteria",
    "parameters",
    "flow",
)


def _register() -> None:
    from importlib import import_module

    for name in MODULES:
        import_module(f"{__name__}.{name}")


_register()
