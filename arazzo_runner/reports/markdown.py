"""The Markdown report: a summary line and a table of the cases, in GitHub-flavoured
Markdown (what ``$GITHUB_STEP_SUMMARY`` shows on a workflow run's page)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..suite.outcome import FAILED, PASSED, SKIPPED
from .junit import failure_message

if TYPE_CHECKING:  # pragma: no cover
    from ..suite.outcome import CaseResult, TestReport

__all__ = ["render", "cell", "VERDICTS"]

VERDICTS = {PASSED: "✅ passed", FAILED: "❌ failed", SKIPPED: "⏭️ skipped"}

# characters that would end a table cell or start Markdown or HTML markup inside one
_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def render(report: TestReport) -> str:
    """The Markdown text of ``report``."""
    summary = report.summary
    icon = "❌" if summary.failed else ("✅" if summary.passed else "⚠️")
    counts = [f"{summary.passed} passed", f"{summary.failed} failed", f"{summary.skipped} skipped"]
    lines = [
        "## arazzo test",
        "",
        f"{icon} **{summary.total} case{'s' if summary.total != 1 else ''}**: {', '.join(counts)}"
        f" in {_duration(report.duration)}" + (" (stopped at the first failure)" if report.stopped_early else ""),
        "",
    ]
    if report.cases:
        lines += ["| case | verdict | duration | reason |", "| --- | --- | ---: | --- |"]
        lines += [_row(result) for result in report.cases]
        lines.append("")
    return "\n".join(lines)


def _row(result: CaseResult) -> str:
    if result.verdict == FAILED:
        reason = failure_message(result)
    else:
        reason = result.reason or ""
    duration = _duration(result.duration) if result.verdict != SKIPPED else ""
    verdict = VERDICTS.get(result.verdict, result.verdict)
    return f"| {cell(result.case.id)} | {verdict} | {duration} | {cell(reason)} |"


def cell(text: str) -> str:
    """``text`` as one table cell: on one line, with Markdown's special characters escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"
