"""The plain text of a case's run: step lines, the failure, the exchanges."""

from __future__ import annotations

import re

from arazzo_runner.reports.text import exchanges, failure_text, step_lines, step_spans
from arazzo_runner.suite.outcome import TestReport

from .conftest import FAIL_REASON, PASSWORD, SERVICE_SID

LINE = re.compile(
    r"^(?P<indent> *)(?P<mark>[✓✗]) (?P<step>\w+)(?:  \(attempt (?P<attempt>\d+)\))?  (?P<method>[A-Z]+) (?P<url>\S+)  (?P<status>\d{3})  (?P<ms>\d+) ms(?:  (?P<error>.+))?$"
)


def parsed(line: str) -> dict[str, str | None]:
    match = LINE.match(line)
    assert match is not None, line
    return match.groupdict()


def test_step_lines_of_a_passing_case(report: TestReport) -> None:
    lines = [parsed(line) for line in step_lines(report.cases[0])]
    assert [(p["mark"], p["step"], p["method"], p["status"]) for p in lines] == [
        ("✓", "createService", "POST", "201"),
        ("✓", "addNumber", "POST", "201"),
        ("✓", "confirmService", "GET", "200"),
    ]
    assert lines[0]["url"] == "https://messaging.twilio.com/v1/Services"
    assert all(p["error"] is None and p["attempt"] is None and p["indent"] == "" for p in lines)


def test_step_lines_show_every_attempt_of_a_retried_step(report: TestReport) -> None:
    lines = [parsed(line) for line in step_lines(report.cases[1])]
    assert [(p["mark"], p["step"], p["attempt"], p["status"]) for p in lines] == [
        ("✗", "reserveStock", None, "503"),
        ("✗", "reserveStock", "2", "503"),
        ("✓", "reserveStock", "3", "201"),
        ("✓", "confirmReservation", None, "200"),
    ]
    assert lines[0]["error"] is not None and "$statusCode is 503" in lines[0]["error"]


def test_step_lines_of_a_failed_case_end_at_the_failing_step(report: TestReport) -> None:
    lines = [parsed(line) for line in step_lines(report.cases[2])]
    assert [(p["mark"], p["step"], p["status"]) for p in lines] == [
        ("✓", "createService", "201"),
        ("✗", "addNumber", "500"),
    ]
    assert lines[1]["url"] == f"https://messaging.twilio.com/v1/Services/{SERVICE_SID}/PhoneNumbers"
    assert lines[1]["error"] == "successCriteria not met: `$statusCode == 201`: $statusCode is 500"


def test_a_skipped_case_has_no_lines_no_exchanges(report: TestReport) -> None:
    assert step_lines(report.cases[3]) == []
    assert exchanges(report.cases[3]) == []
    assert failure_text(report.cases[3]) == "required input sku: no default, no example and no case gives it\n"


def test_failure_text_shows_reason_request_and_response_masked(report: TestReport) -> None:
    text = failure_text(report.cases[2])
    assert text.splitlines()[:2] == [FAIL_REASON, ""]  # the reason names the step and says why
    assert f"> POST https://messaging.twilio.com/v1/Services/{SERVICE_SID}/PhoneNumbers\n" in text
    assert "> Authorization: ***\n" in text
    assert "> PhoneNumberSid=PN0123456789abcdef0123456789abcdef\n" in text
    assert "< 500\n< x-twilio-request: RQ1\n" in text
    assert "< Internal Server Error | try again\x07\n" in text
    assert PASSWORD not in text


def test_failure_text_cuts_bodies_at_2_kb(report: TestReport) -> None:
    from dataclasses import replace

    from arazzo_runner.execution.results import ResponseReceived, StepFinished

    failed = report.cases[2]
    big = "é" * 3000  # 6000 bytes: cut on a character boundary
    events = []
    for event in failed.events:
        if isinstance(event, StepFinished) and event.result.step_id == "addNumber":
            assert event.result.response is not None
            response = replace(event.result.response, body=big)
            event = StepFinished(replace(event.result, response=response), timestamp=event.timestamp)
        elif isinstance(event, ResponseReceived) and event.response is not None:
            event = replace(event, response=replace(event.response, body=big))
        events.append(event)
    text = failure_text(replace(failed, events=events))
    body = next(line for line in text.splitlines() if line.startswith("< é"))
    assert body == "< " + "é" * 1024
    assert "< [3952 of 6000 bytes not shown]\n" in text


def test_exchanges_pair_requests_and_responses_in_order(report: TestReport) -> None:
    retried = exchanges(report.cases[1])
    assert [
        (e.step_id, e.attempt, e.request.method, e.response.status_code if e.response else None) for e in retried
    ] == [
        ("reserveStock", 1, "POST", 503),
        ("reserveStock", 2, "POST", 503),
        ("reserveStock", 3, "POST", 201),
        ("confirmReservation", 1, "GET", 200),
    ]
    assert all(e.workflow_id == "reserve-stock-with-retry" for e in retried)
    case = report.cases[1]
    assert case.started is not None
    for before, after in zip(retried, retried[1:], strict=False):
        assert before.started <= before.finished <= after.started
    assert retried[0].started >= case.started and retried[-1].finished <= case.started + case.duration
    assert all(0 <= e.elapsed <= e.finished - e.started + 0.001 for e in retried)
    assert retried[0].error is not None and "503" in retried[0].error
    assert retried[2].error is None
    failed = exchanges(report.cases[2])
    assert [(e.step_id, e.response.status_code if e.response else None) for e in failed] == [
        ("createService", 201),
        ("addNumber", 500),
    ]
    assert failed[1].request.headers["Authorization"] == "***"


def test_step_spans_follow_the_steps(report: TestReport) -> None:
    spans = step_spans(report.cases[1])
    assert [(s.step_id, s.attempt, s.status, s.depth) for s in spans] == [
        ("reserveStock", 1, "failed", 0),
        ("reserveStock", 2, "failed", 0),
        ("reserveStock", 3, "succeeded", 0),
        ("confirmReservation", 1, "succeeded", 0),
    ]
    assert all(s.started <= s.finished for s in spans)


def test_a_sub_workflow_step_is_indented_and_its_caller_fails() -> None:
    import time

    import arazzo_runner
    from arazzo_runner.suite.outcome import FAILED, Case, CaseResult

    from ..paths import ROOT

    with arazzo_runner.Runner(ROOT / "tests" / "execution" / "data" / "sub.arazzo.yaml", mock=True) as runner:
        events = list(runner.iter_events("parent", {"name": "x"}))
    run = events[-1].result  # type: ignore[attr-defined]
    assert run.error is not None and run.error.step_id == "make"
    result = CaseResult(
        Case("sub.arazzo.yaml", "parent"), FAILED, f"step make: {run.error.message}", "make", run, events, time.time()
    )
    lines = step_lines(result)
    assert [line.split("  ")[:2] for line in lines[:1]] == [["", "✓ create"]]
    assert lines[1].startswith("✗ make  ") and lines[1].endswith(
        "  successCriteria not met: `$outputs.id == 'it-1'`: $outputs.id is missing"
    )
    assert [(s.workflow_id, s.step_id, s.depth) for s in step_spans(result)] == [
        ("child", "create", 1),
        ("parent", "make", 0),
    ]
    # the failing step sent no request (it calls a workflow) and the child's step succeeded: no exchange to show
    assert (
        failure_text(result) == "step make: successCriteria not met: `$outputs.id == 'it-1'`: $outputs.id is missing\n"
    )
    assert [(e.workflow_id, e.step_id) for e in exchanges(result)] == [("child", "create")]


def test_a_case_failing_on_its_outputs_shows_no_retried_attempt(report: TestReport) -> None:
    from dataclasses import replace

    from arazzo_runner.suite.outcome import FAILED

    retried = replace(report.cases[1], verdict=FAILED, reason="output status: expected 'gone', got 'held'")
    assert failure_text(retried) == "output status: expected 'gone', got 'held'\n"
    assert failure_text(report.cases[0]) == ""
