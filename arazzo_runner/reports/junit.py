"""The JUnit XML report: what Jenkins, GitLab and GitHub test reporters read.

A ``<testsuites>`` root holds a ``<testsuite>`` per Arazzo document (in the order the
document's first case was collected) and a ``<testcase>`` per case.  A failed case carries a
``<failure>`` whose message names the failing step and its reason and whose text is that
step's request and response; a case whose run could not start (bad inputs, an unresolvable
operation) carries an ``<error>`` instead; a skipped case a ``<skipped>``.  Each case's step
lines are its ``<system-out>``.  The attributes are those of Jenkins xunit's ``junit-10.xsd``
(kept in tests/reports/data), which the tests validate against.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ..suite.outcome import FAILED, SKIPPED
from .text import failure_text, step_lines

if TYPE_CHECKING:  # pragma: no cover
    from ..suite.outcome import CaseResult, TestReport

__all__ = ["render", "failure_message", "xml_text"]

# what XML 1.0 cannot hold at all, even as a character reference: C0 controls but tab, line
# feed and carriage return; lone surrogates; U+FFFE and U+FFFF
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render(report: TestReport) -> str:
    """The JUnit XML text of ``report``."""
    suites: dict[str, list[CaseResult]] = {}
    for result in report.cases:
        suites.setdefault(result.case.file, []).append(result)
    root = ET.Element("testsuites", name="arazzo test")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for file, results in suites.items():
        suite = _suite(file, results)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", _seconds(report.duration))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(file: str, results: list[CaseResult]) -> ET.Element:
    errors = sum(1 for r in results if r.verdict == FAILED and _is_error(r))
    failures = sum(1 for r in results if r.verdict == FAILED) - errors
    suite = ET.Element(
        "testsuite",
        name=xml_text(file),
        tests=str(len(results)),
        failures=str(failures),
        errors=str(errors),
        skipped=str(sum(1 for r in results if r.verdict == SKIPPED)),
        time=_seconds(sum(r.duration for r in results)),
    )
    starts = [r.started for r in results if r.started is not None]
    if starts:
        moment = datetime.fromtimestamp(min(starts), timezone.utc)
        suite.set("timestamp", moment.isoformat(timespec="milliseconds"))
    suite.set("file", xml_text(file))
    for result in results:
        suite.append(_testcase(result))
    return suite


def _testcase(result: CaseResult) -> ET.Element:
    case = result.case
    name = case.workflow_id if case.name is None else f"{case.workflow_id}[{case.name}]"
    element = ET.Element("testcase", name=xml_text(name), classname=xml_text(case.file), time=_seconds(result.duration))
    if result.verdict == SKIPPED:
        ET.SubElement(element, "skipped", message=xml_text(result.reason or "skipped"))
    elif result.verdict == FAILED:
        tag = "error" if _is_error(result) else "failure"
        detail = ET.SubElement(element, tag, message=xml_text(failure_message(result)), type=_failure_type(result))
        detail.text = xml_text(failure_text(result))
    lines = step_lines(result)
    if lines:
        ET.SubElement(element, "system-out").text = xml_text("\n".join(lines) + "\n")
    return element


def failure_message(result: CaseResult) -> str:
    """``step X: reason`` (the reason alone when it already names the step, or no step failed)."""
    reason = result.reason or "failed"
    if result.step_id and not reason.startswith(f"step {result.step_id}"):
        return f"step {result.step_id}: {reason}"
    return reason


def _is_error(result: CaseResult) -> bool:
    """A run that could not start, or stopped on an error that is not a step's failure."""
    return result.run is None or result.run.status == "error"


def _failure_type(result: CaseResult) -> str:
    run = result.run
    if run is not None and run.error is not None:
        return run.error.type
    return "expectation" if run is not None else "error"


def _seconds(seconds: float) -> str:
    # junit-10.xsd's SUREFIRE_TIME: digits, at most three decimals, never negative
    return f"{max(seconds, 0.0):.3f}"


def xml_text(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot carry written as ``\\uXXXX``."""
    return _FORBIDDEN.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
