"""A real TestReport for the report tests: cases run by the Runner, not made up.

- the flagship workflow on the built-in mock (passes);
- the inventory workflow on the mock, whose reservation call fails twice (503) before it
  succeeds, so a step has three attempts (passes; its waits are skipped);
- the flagship against an httpx.MockTransport that answers addNumber with a 500 (fails at
  addNumber), with basic credentials that must show as ``***``;
- the inventory workflow without its required inputs (skipped).
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

import arazzo_runner
from arazzo_runner.execution.results import RunFinished
from arazzo_runner.suite.outcome import FAILED, PASSED, SKIPPED, Case, CaseResult, Expectation, TestReport
from arazzo_runner.suite.verdict import judge

from ..paths import ROOT

FLAGSHIP = "workflows/twilio-provision-messaging-service-add-number-workflow.yml"
INVENTORY = "workflows/inventory-reserve-stock-with-retry-workflow.yml"
FLAGSHIP_ID = "provision-messaging-service-add-number"
INVENTORY_ID = "reserve-stock-with-retry"
FLAGSHIP_INPUTS = {"friendlyName": "x", "phoneNumberSid": "PN0123456789abcdef0123456789abcdef"}
SERVICE_SID = "MG0123456789abcdef0123456789abcdef"
PASSWORD = "hunter2-secret-token"
SKIP_REASON = "required input sku: no default, no example and no case gives it"
FAIL_REASON = "step addNumber failed: successCriteria not met: `$statusCode == 201`: $statusCode is 500"


def run_case(
    case: Case, runner: arazzo_runner.Runner, verdict: str | None = None, reason: str | None = None
) -> CaseResult:
    """Run ``case`` with ``runner`` and judge it as the suite does (status only)."""
    started = time.time()
    events = list(runner.iter_events(case.workflow_id, case.inputs))
    last = events[-1]
    assert isinstance(last, RunFinished)
    run = last.result
    verdict, reason, step_id = judge(case.expect, run)
    return CaseResult(case, verdict, reason, step_id, run, events, started, time.time() - started)


def failing_handler(request: httpx.Request) -> httpx.Response:
    """createService and confirmService succeed; addNumber gets a 500 with a Twilio error."""
    path = request.url.path
    if request.method == "POST" and path == "/v1/Services":
        return httpx.Response(201, json={"sid": SERVICE_SID, "friendly_name": "x"})
    if path.endswith("/PhoneNumbers"):
        # a control character that XML 1.0 cannot hold, and a pipe that ends a Markdown cell
        return httpx.Response(500, text="Internal Server Error | try again\x07", headers={"X-Twilio-Request": "RQ1"})
    return httpx.Response(200, json={"sid": SERVICE_SID, "friendly_name": "x"})


def build_report() -> TestReport:
    suite_started = time.time()
    results: list[CaseResult] = []
    with arazzo_runner.Runner(ROOT / FLAGSHIP, mock=True) as runner:
        results.append(run_case(Case(FLAGSHIP, FLAGSHIP_ID, inputs=FLAGSHIP_INPUTS), runner))
    with arazzo_runner.Runner(ROOT / INVENTORY, mock=True, sleep=lambda seconds: None) as runner:
        inputs = {"sku": "MUG-0042", "quantity": 2}
        results.append(run_case(Case(INVENTORY, INVENTORY_ID, name="two mugs", inputs=inputs), runner))
    credentials: dict[str, Any] = {"messagingApi": {"accountSid_authToken": {"username": "AC1", "password": PASSWORD}}}
    transport = httpx.MockTransport(failing_handler)
    with arazzo_runner.Runner(ROOT / FLAGSHIP, transport=transport, credentials=credentials) as runner:
        case = Case(FLAGSHIP, FLAGSHIP_ID, name="500 on add | pipe", inputs=FLAGSHIP_INPUTS)
        results.append(run_case(case, runner))
    results.append(
        CaseResult(
            Case(INVENTORY, INVENTORY_ID, name="no inputs", expect=Expectation(), skip=SKIP_REASON),
            SKIPPED,
            SKIP_REASON,
        )
    )
    return TestReport(cases=results, started=suite_started, duration=time.time() - suite_started)


@pytest.fixture(scope="session")
def report() -> TestReport:
    built = build_report()
    assert [r.verdict for r in built.cases] == [PASSED, PASSED, FAILED, SKIPPED], [
        r.run and r.run.error for r in built.cases
    ]
    return built


def dump(value: Any) -> str:
    return json.dumps(value, indent=1, default=str)
