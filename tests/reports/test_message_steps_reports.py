"""Every report of ``arazzo test`` shows an AsyncAPI step's message as it shows an HTTP step's
request and response; HAR, which is HTTP only, leaves messages out.

The cases are made of the events a run of an order workflow yields (an HTTP step, then a
send and a receive), stamped with fixed times: no broker is needed.  The last test runs the
real order example under ``--mock`` when its mock broker is there.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from arazzo_runner.cli.progress import Progress
from arazzo_runner.execution.results import (
    DRY_RUN,
    Event,
    MessageReceived,
    MessageRecord,
    MessageSent,
    RequestRecord,
    RequestSent,
    ResponseReceived,
    ResponseRecord,
    RunFinished,
    RunResult,
    StepFinished,
    StepResult,
    StepStarted,
    WorkflowFinished,
    WorkflowStarted,
)
from arazzo_runner.reports import render
from arazzo_runner.reports.html_parts import BODY_LIMIT, step_details
from arazzo_runner.reports.text import failure_text, step_lines, step_spans
from arazzo_runner.suite.outcome import FAILED, PASSED, Case, CaseResult, TestReport

from ..paths import ROOT

FILE = "workflows/orders/orders.arazzo.yaml"
WORKFLOW = "place-order"
SERVER = "mqtt://broker.test:1883"
T0 = 1_780_000_000.0
CONFIRMED = {"orderId": "42", "status": "confirmed"}
TIMEOUT = "no message with correlation id 'c-7' arrived on channel 'orders/42/confirmed' within 5 s"
HOSTILE = "<script>window.__pwned = 1</script>"


def message(action: str, channel: str, payload: Any, **headers: str) -> MessageRecord:
    return MessageRecord(action, channel, SERVER, dict(headers), payload, "mqtt")


def case_result(name: str, steps: list[tuple[StepResult, float, list[Event]]], status: str) -> CaseResult:
    """A case whose run yields, for each step, StepStarted, its events (stamped by the offsets
    in their ``timestamp``), StepFinished ``elapsed`` later."""
    events: list[Event] = [WorkflowStarted(WORKFLOW, 0, timestamp=T0)]
    clock = T0
    for step, elapsed, during in steps:
        events.append(StepStarted(WORKFLOW, step.step_id, step.attempt, timestamp=clock))
        events.extend(during)
        clock += elapsed
        step.elapsed = elapsed
        events.append(StepFinished(step, timestamp=clock))
    run = RunResult(WORKFLOW, status, steps=[step for step, _, _ in steps])
    events.append(WorkflowFinished(WORKFLOW, status, {}, 0, timestamp=clock))
    events.append(RunFinished(run, timestamp=clock))
    failing = next((step for step, _, _ in steps if step.status == "failed"), None)
    verdict = FAILED if failing is not None else PASSED
    reason = f"step {failing.step_id} failed: {failing.error}" if failing is not None else None
    case = Case(FILE, WORKFLOW, name=name)
    return CaseResult(case, verdict, reason, failing.step_id if failing else None, run, events, T0, clock - T0)


def at(event_type: type, step_id: str, record: Any, offset: float) -> Event:
    event: Event = event_type(WORKFLOW, step_id, record, timestamp=T0 + offset)
    return event


def http_step() -> tuple[StepResult, float, list[Event]]:
    request = RequestRecord("POST", "http://shop.test/orders", {"X-Correlation-Id": "c-7"}, '{"item": "beans"}')
    response = ResponseRecord(201, {"content-type": "application/json"}, {"id": "42"})
    step = StepResult("createOrder", WORKFLOW, "succeeded", request=request, response=response)
    sent = RequestSent(WORKFLOW, "createOrder", request, timestamp=T0)
    answered = ResponseReceived(WORKFLOW, "createOrder", 201, 0.1, response=response, timestamp=T0 + 0.1)
    return step, 0.1, [sent, answered]


def build_report() -> TestReport:
    sent = message("send", "orders/42/placed", {"orderId": "42"}, correlationId="c-7")
    send_step = StepResult("announce", WORKFLOW, "succeeded", message=sent)
    received = message("receive", "orders/42/confirmed", CONFIRMED, correlationId="c-7", token="***")
    receive_ok = StepResult("awaitConfirmation", WORKFLOW, "succeeded", message=received, outputs={"status": "ok"})
    passing = case_result(
        "confirmed",
        [
            http_step(),
            (send_step, 0.05, [at(MessageSent, "announce", sent, 0.11)]),
            (receive_ok, 0.5, [at(MessageReceived, "awaitConfirmation", received, 0.55)]),
        ],
        "succeeded",
    )
    # a receive that timed out: its message says where it listened, and no event says one came
    listened = message("receive", "orders/42/confirmed", None)
    timed_out = StepResult(
        "awaitConfirmation", WORKFLOW, "failed", message=listened, error=TIMEOUT, error_type="timeout"
    )
    timeout_case = case_result("timeout", [http_step(), (timed_out, 5.0, [])], "failed")
    # a message that came but failed the criteria: a big payload with markup in it
    big = {"note": HOSTILE, "blob": "x" * (BODY_LIMIT + 500)}
    unwanted = message("receive", "orders/42/confirmed", big, correlationId="c-7")
    refused = StepResult(
        "awaitConfirmation",
        WORKFLOW,
        "failed",
        message=unwanted,
        error="successCriteria not met: `$message.payload#/status == 'confirmed'`",
    )
    refused_case = case_result(
        "refused", [(refused, 0.2, [at(MessageReceived, "awaitConfirmation", unwanted, 0.15)])], "failed"
    )
    return TestReport(cases=[passing, timeout_case, refused_case], started=T0, duration=6.0)


@pytest.fixture(scope="module")
def report() -> TestReport:
    return build_report()


def test_spans_know_when_a_message_left_or_came(report: TestReport) -> None:
    spans = step_spans(report.cases[0])
    assert [(s.step_id, s.message_at, s.received) for s in spans] == [
        ("createOrder", None, False),
        ("announce", T0 + 0.11, False),
        ("awaitConfirmation", T0 + 0.55, True),
    ]
    timed_out = step_spans(report.cases[1])[-1]
    assert (timed_out.message_at, timed_out.received) == (None, False)


def test_step_lines_show_the_message_line(report: TestReport) -> None:
    assert step_lines(report.cases[0])[1:] == [
        f"✓ announce  SEND {SERVER}/orders/42/placed  50 ms",
        f"✓ awaitConfirmation  RECEIVE {SERVER}/orders/42/confirmed  500 ms",
    ]


def test_failure_text_of_a_receive_that_timed_out(report: TestReport) -> None:
    text = failure_text(report.cases[1])
    assert text == (
        f"step awaitConfirmation failed: {TIMEOUT}\n\n< RECEIVE {SERVER}/orders/42/confirmed\n< (no message received)\n"
    )


def test_failure_text_of_a_received_message_cuts_its_payload(report: TestReport) -> None:
    text = failure_text(report.cases[2])
    lines = text.splitlines()
    assert lines[2:5] == [f"< RECEIVE {SERVER}/orders/42/confirmed", "< correlationId: c-7", "<"]
    assert lines[5].startswith('< {"note": "<script>window.__pwned = 1</script>", "blob": "xxx')
    assert len(lines[5].encode()) == 2 + 2048  # the payload cut at 2 KB, as bodies are
    assert re.fullmatch(r"< \[\d+ of \d+ bytes not shown\]", lines[6])


def test_failure_text_of_a_send_step() -> None:
    sent = message("send", "orders/1/placed", "plain text", correlationId="c-1")
    step = StepResult("announce", WORKFLOW, "failed", message=sent, error="the broker refused the message")
    result = case_result("send", [(step, 0.01, [at(MessageSent, "announce", sent, 0.0)])], "failed")
    text = failure_text(result)
    assert text.endswith(f"\n\n> SEND {SERVER}/orders/1/placed\n> correlationId: c-1\n>\n> plain text\n")


def test_html_collapsed_lines_and_opened_message(report: TestReport) -> None:
    page = render("html", report)
    assert "(no request)" not in page
    assert f'<span class="req">SEND {SERVER}/orders/42/placed</span>' in page
    assert page.count(f'<span class="req">RECEIVE {SERVER}/orders/42/confirmed</span>') == 3
    assert f'<h4>Message received</h4><div class="line"><b>RECEIVE</b> {SERVER}/orders/42/confirmed' in page
    assert "<tr><td>correlationId</td><td>c-7</td></tr><tr><td>token</td><td>***</td></tr>" in page
    assert '<span class="j-key">&quot;status&quot;</span>: <span class="j-str">&quot;confirmed&quot;</span>' in page
    assert "<h4>Message awaited</h4>" in page and '<p class="muted">none received</p>' in page
    assert HOSTILE not in page and "&lt;script&gt;window.__pwned" in page
    assert "Cut: the first 64 KB of" in page  # the big payload is cut as bodies are


def test_html_waterfall_draws_message_bars(report: TestReport) -> None:
    page = render("html", report)
    titles = re.findall(r'<div class="net msg" style="[^"]*" title="([^"]*)"', page)
    assert titles == [
        f"SEND {SERVER}/orders/42/placed: handed to the broker in 40 ms",
        f"RECEIVE {SERVER}/orders/42/confirmed: arrived after 400 ms",
        f"RECEIVE {SERVER}/orders/42/confirmed: none arrived in 5.00 s",
        f"RECEIVE {SERVER}/orders/42/confirmed: arrived after 150 ms",
    ]
    assert page.count("message sent, or awaited") == 3  # in each case's legend
    assert page.count("HTTP request to response") == 2  # not in the case that sent no request
    assert page.count('<div class="net" ') == 2  # the two HTTP exchanges keep their bars


def test_html_of_a_dry_run_message_step() -> None:
    listened = message("receive", "orders/9/confirmed", None)
    step = StepResult("awaitConfirmation", WORKFLOW, DRY_RUN, message=listened)
    result = case_result("dry", [(step, 0.0, [at(MessageSent, "awaitConfirmation", listened, 0.0)])], "succeeded")
    html = step_details(step_spans(result), None, False)
    assert "<h4>Message awaited (dry run)</h4>" in html and "a dry run listens to nothing" in html
    assert render("html", TestReport(cases=[result], started=T0)).count('class="net msg"') == 0


def test_ctrf_steps_carry_the_message_and_the_trace_shows_it(report: TestReport) -> None:
    tests = json.loads(render("ctrf", report))["results"]["tests"]
    steps = tests[0]["steps"]
    assert steps[0]["extra"]["method"] == "POST" and "action" not in steps[0]["extra"]
    assert steps[2]["extra"] == {
        "attempt": 1,
        "durationMs": 500.0,
        "action": "receive",
        "channel": "orders/42/confirmed",
        "server": SERVER,
        "protocol": "mqtt",
    }
    assert steps[1]["extra"]["action"] == "send" and "url" not in steps[1]["extra"]
    assert f"< RECEIVE {SERVER}/orders/42/confirmed\n< (no message received)\n" in tests[1]["trace"]
    assert tests[1]["stdout"][-1].startswith(f"✗ awaitConfirmation  RECEIVE {SERVER}/orders/42/confirmed  5000 ms")


def test_junit_failure_text_shows_the_message(report: TestReport) -> None:
    root = ET.fromstring(render("junit", report))
    failures = [case.find("failure") for case in root.iter("testcase")]
    assert failures[0] is None
    assert failures[1] is not None and failures[1].text is not None
    assert f"< RECEIVE {SERVER}/orders/42/confirmed\n< (no message received)" in failures[1].text
    assert failures[2] is not None and failures[2].text is not None
    assert "< correlationId: c-7\n<\n< {" in failures[2].text


def test_markdown_and_json_reports(report: TestReport) -> None:
    markdown = render("markdown", report)
    assert f"step awaitConfirmation failed: {TIMEOUT}" in markdown
    cases = json.loads(render("json", report))["cases"]
    steps = cases[0]["run"]["steps"]
    assert steps[2]["message"] == {
        "action": "receive",
        "channel": "orders/42/confirmed",
        "server": SERVER,
        "headers": {"correlationId": "c-7", "token": "***"},
        "payload": CONFIRMED,
    }
    assert steps[2]["request"] is None and steps[2]["response"] is None


def test_har_leaves_messages_out(report: TestReport) -> None:
    log = json.loads(render("har", report))["log"]
    assert [(e["_arazzo"]["stepId"], e["request"]["url"]) for e in log["entries"]] == [
        ("createOrder", "http://shop.test/orders")
    ] * 2
    assert [page["title"] for page in log["pages"]] == [report.cases[0].case.id, report.cases[1].case.id]


def test_progress_shows_a_failing_message_step(report: TestReport) -> None:
    err = io.StringIO()
    progress = Progress(err, live=False)
    progress.suite_started([result.case for result in report.cases])
    for result in report.cases:
        progress.case_started(result.case)
        progress.case_finished(result)
    progress.close(report)
    lines = err.getvalue().splitlines()
    start = lines.index(next(line for line in lines if "[timeout]" in line))
    assert lines[start + 1 : start + 6] == [
        "    ✓ createOrder  POST http://shop.test/orders  201  100 ms",
        f"    ✗ awaitConfirmation  RECEIVE {SERVER}/orders/42/confirmed  5000 ms  {TIMEOUT}",
        "",
        f"    < RECEIVE {SERVER}/orders/42/confirmed",
        "    < (no message received)",
    ]


def test_the_order_example_on_the_mock(tmp_path: Path) -> None:
    """A real run: the order example under --mock, every report written."""
    if not (ROOT / "arazzo_runner/mock/broker.py").is_file():
        pytest.skip("the mock broker (arazzo_runner/mock/broker.py) is not there yet")
    from arazzo_runner.cli import main

    reports = {kind: tmp_path / f"report.{kind}" for kind in ("html", "ctrf", "junit", "har", "json")}
    arguments = ["test", str(ROOT / FILE), "--mock", *(f"--report={k}={p}" for k, p in reports.items())]
    assert main(arguments) == 0
    ctrf = json.loads(reports["ctrf"].read_text(encoding="utf-8"))
    extra = ctrf["results"]["tests"][0]["steps"][1]["extra"]
    assert (extra["action"], extra["channel"]) == ("receive", "orders/" + extra["channel"].split("/")[1] + "/confirmed")
    page = reports["html"].read_text(encoding="utf-8")
    assert "(no request)" not in page and "<h4>Message received</h4>" in page
    assert len(json.loads(reports["har"].read_text(encoding="utf-8"))["log"]["entries"]) == 1


def test_the_html_report_in_a_browser(report: TestReport, tmp_path: Path) -> None:
    """Opened in headless Chromium (skipped as tests/browser are, when there is none): no
    error, no request, the message bars drawn and the message shown."""
    from ..browser.conftest import CHROMIUM_ARGS, chromium_path

    playwright_api = pytest.importorskip("playwright.sync_api")
    path = tmp_path / "report.html"
    path.write_text(render("html", report), encoding="utf-8")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            requests: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda entry: errors.append(entry.text) if entry.type == "error" else None)
            page.on("request", lambda request: requests.append(request.url))
            page.goto(path.as_uri(), wait_until="load")
            page.eval_on_selector_all("details", "all => all.forEach(d => { d.open = true; })")
            widths = page.eval_on_selector_all(".wf .msg", "bars => bars.map(b => b.getBoundingClientRect().width)")
            assert len(widths) == 4 and all(width >= 2 for width in widths)
            opened = page.inner_text("#case-1 details.step:nth-of-type(3)")
            assert f"RECEIVE {SERVER}/orders/42/confirmed" in opened and '"confirmed"' in opened
            page.screenshot(path=str(tmp_path / "messages.png"), full_page=True)
            assert errors == [] and requests == [path.as_uri()]
            assert page.evaluate("window.__pwned") is None
        finally:
            browser.close()
