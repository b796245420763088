"""The CTRF report: Common Test Report Format JSON (https://ctrf.io).

One CTRF test per case: its status, duration and times in milliseconds, the document as
``filePath`` and ``suite``, the failing step and reason as ``message``, the step's request
and response (or its AsyncAPI message) as ``trace``, the step lines as ``stdout`` and each
step attempt as a CTRF step (an AsyncAPI step's ``extra`` has its message's ``action``,
``channel``, ``server`` and ``protocol`` where an HTTP step's has ``method`` and ``url``).
The shape is that of ctrf.io's JSON schema (kept in tests/reports/data), which the tests
validate against.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..execution.results import DRY_RUN, iso_time
from ..suite.outcome import FAILED, PASSED, SKIPPED
from .json import dumps
from .junit import failure_message
from .text import failure_text, step_lines, step_spans

if TYPE_CHECKING:  # pragma: no cover
    from ..suite.outcome import CaseResult, TestReport

__all__ = ["SPEC_VERSION", "render", "document"]

SPEC_VERSION = "0.0.0"  # the version of ctrf.io's specification this report follows (spec/ctrf.md)


def render(report: TestReport) -> str:
    """The CTRF JSON text of ``report``."""
    return dumps(document(report))


def document(report: TestReport) -> dict[str, Any]:
    """The CTRF object of ``report``."""
    from .. import __version__

    summary = report.summary
    start = _ms(report.started)
    stop = _ms(report.started + report.duration) if report.started else start
    tests = [_test(result) for result in report.cases]
    ctrf: dict[str, Any] = {"reportFormat": "CTRF", "specVersion": SPEC_VERSION}
    if report.started:
        ctrf["timestamp"] = iso_time(report.started + report.duration)
    ctrf["generatedBy"] = "arazzo"
    ctrf["results"] = {
        "tool": {"name": "arazzo", "version": __version__},
        "summary": {
            "tests": summary.total,
            "passed": summary.passed,
            "failed": summary.failed,
            "skipped": summary.skipped,
            "pending": 0,
            "other": 0,
            "suites": len({result.case.file for result in report.cases}),
            "start": start,
            "stop": stop,
            "duration": max(stop - start, 0),
            **({"extra": {"stoppedEarly": True}} if report.stopped_early else {}),
        },
        "tests": tests,
    }
    return ctrf


def _test(result: CaseResult) -> dict[str, Any]:
    case = result.case
    test: dict[str, Any] = {
        "testId": case.id,
        "name": case.workflow_id if case.name is None else f"{case.workflow_id}[{case.name}]",
        "status": result.verdict if result.verdict in (PASSED, FAILED, SKIPPED) else "other",
        "duration": round(max(result.duration, 0.0) * 1000),
    }
    if result.started is not None:
        test["start"] = _ms(result.started)
        test["stop"] = _ms(result.started + result.duration)
    test["suite"] = [case.file]
    test["filePath"] = case.file
    test["type"] = "api"
    if result.verdict == FAILED:
        test["message"] = failure_message(result)
        test["trace"] = failure_text(result)
    elif result.verdict == SKIPPED:
        test["message"] = result.reason or "skipped"
    spans = [span for span in step_spans(result) if span.depth == 0]
    if spans:
        test["steps"] = [
            {
                "name": span.step_id if span.attempt == 1 else f"{span.step_id} (attempt {span.attempt})",
                "status": _step_status(span.status),
                "extra": _step_extra(span.result),
            }
            for span in spans
        ]
        test["retries"] = sum(1 for span in spans if span.attempt > 1)
    lines = step_lines(result)
    if lines:
        test["stdout"] = lines
    extra: dict[str, Any] = {"workflowId": case.workflow_id}
    if case.name is not None:
        extra["case"] = case.name
    if result.step_id:
        extra["stepId"] = result.step_id
    if result.run is not None:
        extra["runStatus"] = result.run.status
    test["extra"] = extra
    return test


def _step_status(status: str) -> str:
    if status == "succeeded":
        return PASSED
    if status == "failed":
        return FAILED
    return SKIPPED if status == DRY_RUN else "other"


def _step_extra(step: Any) -> dict[str, Any]:
    extra: dict[str, Any] = {"attempt": step.attempt, "durationMs": round(step.elapsed * 1000, 3)}
    if step.request is not None:
        extra["method"], extra["url"] = step.request.method, step.request.url
    if step.response is not None:
        extra["statusCode"] = step.response.status_code
    message = step.message
    if message is not None:
        extra["action"], extra["channel"], extra["server"] = message.action, message.channel, message.server
        if message.protocol:
            extra["protocol"] = message.protocol
    if step.error:
        extra["error"] = step.error
    return extra


def _ms(seconds: float) -> int:
    return round(seconds * 1000) if math.isfinite(seconds) else 0
