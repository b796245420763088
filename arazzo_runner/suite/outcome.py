"""What a test suite is made of and what it produces: cases, their results, the report.

These objects are the contract between the suite (which collects and runs cases), the
reporters (JUnit, CTRF, HAR, HTML, Markdown, JSON) and the CLI's progress display.  Reporters
read a case's ``events`` (the Runner's event stream, each event stamped with the wall-clock
time it left the Runner) and its ``run`` result, never the engine's internals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import Location

if TYPE_CHECKING:  # pragma: no cover
    from ..execution.results import Event, RunResult

__all__ = ["PASSED", "FAILED", "SKIPPED", "Expectation", "Case", "CaseResult", "Summary", "TestReport", "SuiteListener"]

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass(frozen=True, slots=True)
class Expectation:
    """What a case expects of its run: a ``status`` (``succeeded`` or ``failed``) and, for
    each named output, an exact JSON value or a matcher ``{"regex": PATTERN}`` (searched in the
    output's text form).  ``outputs`` names only the outputs it checks."""

    status: str = "succeeded"
    outputs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Case:
    """One run of one workflow that the suite checks.

    ``file`` is the Arazzo document as the user sees it (relative to the working directory
    when it is below it); ``name`` is the case's name from a cases file, or None for a
    workflow run with the inputs its schema fills (``default``, then the first of
    ``examples``).  ``skip`` says why the case cannot run (a required input that nothing
    fills); ``source`` is where the case is written: its cases file entry, or the workflow
    itself for a case its inputs schema fills.
    """

    file: str
    workflow_id: str
    name: str | None = None
    inputs: Mapping[str, Any] = field(default_factory=dict)
    expect: Expectation = field(default_factory=Expectation)
    skip: str | None = None
    source: Location | None = None

    @property
    def label(self) -> str:
        """The case's name, or its workflowId when it has none: what a report's row shows."""
        return self.name if self.name is not None else self.workflow_id

    @property
    def id(self) -> str:
        """``file::workflowId`` or ``file::workflowId[name]``: what ``-k`` matches and
        reports print."""
        base = f"{self.file}::{self.workflow_id}"
        return f"{base}[{self.name}]" if self.name is not None else base


@dataclass(slots=True)
class CaseResult:
    """How one case went.

    ``verdict`` is ``passed``, ``failed`` or ``skipped``; ``reason`` says why a case failed
    or was skipped, in words a user can act on (the failing step and its reason, or the
    expectation that was not met); ``step_id`` is the failing step when there is one.
    ``run`` is the run's result (its ``to_dict()`` is the ``run --json`` object; None when
    the run could not start, then ``reason`` holds the error); ``events`` every event of the
    run in order.  ``started`` is wall-clock seconds since the epoch, ``duration`` seconds.
    """

    case: Case
    verdict: str
    reason: str | None = None
    step_id: str | None = None
    run: RunResult | None = None
    events: list[Event] = field(default_factory=list)
    started: float | None = None
    duration: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """One entry of the JSON report's ``cases``."""
        return {
            "name": self.case.label,
            "id": self.case.id,
            "file": self.case.file,
            "workflowId": self.case.workflow_id,
            "verdict": self.verdict,
            "reason": self.reason,
            "stepId": self.step_id,
            "durationMs": round(self.duration * 1000, 3),
            "run": self.run.to_dict() if self.run is not None else None,
        }


@dataclass(frozen=True, slots=True)
class Summary:
    """The counts of a report."""

    total: int
    passed: int
    failed: int
    skipped: int
    duration_ms: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "durationMs": round(self.duration_ms, 3),
        }


@dataclass(slots=True)
class TestReport:
    """The results of a suite, in the stable order the cases were collected in (whatever
    ``--jobs`` was).  ``descriptions`` maps each case's ``file`` to its loaded Description, so
    reporters can draw a workflow's flow; ``started`` is wall-clock seconds since the epoch."""

    __test__ = False  # not a pytest test class, whatever its name says

    cases: list[CaseResult] = field(default_factory=list)
    descriptions: Mapping[str, Any] = field(default_factory=dict)
    started: float = 0.0
    duration: float = 0.0
    stopped_early: bool = False  # --fail-fast stopped the suite: some selected cases did not run

    @property
    def summary(self) -> Summary:
        verdicts = [result.verdict for result in self.cases]
        return Summary(
            total=len(verdicts),
            passed=verdicts.count(PASSED),
            failed=verdicts.count(FAILED),
            skipped=verdicts.count(SKIPPED),
            duration_ms=self.duration * 1000,
        )

    @property
    def exit_code(self) -> int:
        """0 every case that ran passed, 1 a case failed, 5 no case ran (as pytest does)."""
        summary = self.summary
        if summary.failed:
            return 1
        return 0 if summary.passed else 5

    def to_dict(self) -> dict[str, Any]:
        """The JSON report: ``{"summary": {...}, "cases": [...]}``."""
        return {"summary": self.summary.to_dict(), "cases": [result.to_dict() for result in self.cases]}


class SuiteListener(Protocol):
    """What the suite tells as it goes (the CLI's progress display is one): the cases it is
    about to run, a case started, one of its events, a case finished.  Called from the thread
    that runs the suite.  ``suite_started`` is optional: a listener without it is not told."""

    def suite_started(self, cases: Sequence[Case]) -> None: ...

    def case_started(self, case: Case) -> None: ...

    def case_event(self, case: Case, event: Event) -> None: ...

    def case_finished(self, result: CaseResult) -> None: ...
