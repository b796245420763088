"""A TestReport built for real, for the HTML report's tests: workflows run by the Runner (on
the built-in mock, or on a transport that fails on purpose) and their events collected as the
suite collects them.  Nothing here touches the network."""

from __future__ import annotations

import time
from typing import Any

import httpx

import arazzo_runner
from arazzo_runner.execution.results import Event, RunFinished
from arazzo_runner.suite.outcome import FAILED, PASSED, SKIPPED, Case, CaseResult, TestReport

from ..paths import FLAGSHIP, ROOT

INVENTORY = ROOT / "workflows" / "inventory-reserve-stock-with-retry-workflow.yml"
FLAGSHIP_ID = "provision-messaging-service-add-number"
INPUTS = {"friendlyName": "x", "phoneNumberSid": "PN0123456789abcdef0123456789abcdef"}
# What a hostile server might answer: markup that must stay text in the report.
HOSTILE = '</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


def _file(path: Any) -> str:
    return str(path.relative_to(ROOT))


def run_case(runner: arazzo_runner.Runner, case: Case) -> CaseResult:
    """Run ``case`` on ``runner`` and judge it as the suite does: by the run's status."""
    events: list[Event] = []
    started = time.time()
    for event in runner.iter_events(case.workflow_id, dict(case.inputs)):
        events.append(event)
    duration = time.time() - started
    last = events[-1]
    assert isinstance(last, RunFinished)
    run = last.result
    if run.status == case.expect.status:
        return CaseResult(case, PASSED, run=run, events=events, started=started, duration=duration)
    step = run.error.step_id if run.error is not None else None
    message = run.error.message if run.error is not None else f"the run {run.status}"
    reason = f"step {step}: {message}" if step else message
    return CaseResult(case, FAILED, reason, step, run, events, started, duration)


def _failing_transport() -> httpx.MockTransport:
    """The Twilio API answering the first step, then failing the second with a hostile body."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/Services") and request.method == "POST":
            return httpx.Response(201, json={"sid": "MG" + "0" * 32, "friendly_name": "x"})
        return httpx.Response(500, headers={"X-Evil": HOSTILE}, json={"message": HOSTILE, "code": 20500})

    return httpx.MockTransport(answer)


def sample_report() -> TestReport:
    """Four cases over two documents: passed, failed (hostile body), skipped, passed after retries."""
    started = time.time()
    flagship = arazzo_runner.Runner(FLAGSHIP, mock=True)
    failing = arazzo_runner.Runner(FLAGSHIP, transport=_failing_transport())
    # the mock fails the first two reservations and asks for a 1 s wait: keep the test quick
    inventory = arazzo_runner.Runner(INVENTORY, mock=True, sleep=lambda seconds: time.sleep(0.03))
    twilio = _file(FLAGSHIP)
    unfilled = "required input phoneNumberSid: no default or example"
    reserve = Case(_file(INVENTORY), "reserve-stock-with-retry", inputs={"sku": "MUG-0042", "quantity": 2})
    results = [
        run_case(flagship, Case(twilio, FLAGSHIP_ID, inputs=INPUTS)),
        run_case(failing, Case(twilio, FLAGSHIP_ID, name="server error", inputs=INPUTS)),
        CaseResult(Case(twilio, FLAGSHIP_ID, name="no phone number", skip=unfilled), SKIPPED, unfilled),
        run_case(inventory, reserve),
    ]
    return TestReport(
        cases=results,
        descriptions={twilio: flagship.description, _file(INVENTORY): inventory.description},
        started=started,
        duration=time.time() - started,
    )
