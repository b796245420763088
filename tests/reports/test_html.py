"""The HTML report as text: self-contained, every untrusted value escaped, every step shown.

The report is built from real runs (tests/browser/sample.py): the flagship workflow on the
built-in mock, the same workflow against a server that fails with a hostile body, a skipped
case, and the inventory workflow whose first reservations the mock refuses (retries).
"""

from __future__ import annotations

import base64
import re
import sys
import types
from html.parser import HTMLParser
from typing import Any

import pytest

from arazzo_runner.execution.results import (
    RequestRecord,
    ResponseRecord,
    RunError,
    RunResult,
    StepFinished,
    StepResult,
    StepStarted,
)
from arazzo_runner.reports import html_parts
from arazzo_runner.reports.html import render
from arazzo_runner.suite.outcome import FAILED, PASSED, SKIPPED, Case, CaseResult, TestReport

from ..browser.sample import HOSTILE, sample_report


class Page(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False if tag == "script" else self._in_script

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


@pytest.fixture(scope="module")
def report() -> TestReport:
    return sample_report()


@pytest.fixture(scope="module")
def page_text(report: TestReport) -> str:
    return render(report)


def test_the_sample_has_every_verdict(report: TestReport) -> None:
    assert [r.verdict for r in report.cases] == [PASSED, FAILED, SKIPPED, PASSED]
    assert report.cases[1].step_id == "addNumber"


def test_nothing_refers_outside_the_page(page_text: str) -> None:
    page = parse(page_text)
    for tag, attrs in page.tags:
        for name in ("src", "href", "action", "srcset", "poster", "formaction", "xlink:href"):
            value = attrs.get(name)
            if value is not None:
                picture = tag == "img" and name == "src" and value.startswith("data:image/svg+xml;base64,")
                assert picture, (tag, name, value)
    assert not page.named("link") and not page.named("iframe") and not page.named("object")
    assert "@import" not in page_text and "url(" not in page_text
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page_text, re.I)
    # and the browser is told to fetch nothing, whatever a document holds
    (policy,) = [a for a in page.named("meta") if a.get("http-equiv") == "Content-Security-Policy"]
    assert "default-src 'none'" in (policy["content"] or "")
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/]{43}='", policy["content"] or "")  # only its own script


def test_a_hostile_body_stays_text(page_text: str) -> None:
    assert HOSTILE not in page_text
    page = parse(page_text)
    assert len(page.named("script")) == 1  # the page's own, with no data in it
    assert "__pwned" not in page.scripts[0]
    assert all(not name.startswith("on") for _, attrs in page.tags for name in attrs)
    assert all((attrs.get("src") or "").startswith("data:") for attrs in page.named("img"))
    # shown, escaped: in the response's body, its header, and the case's reason
    assert page_text.count("&lt;/script&gt;&lt;script&gt;window.__pwned = 1&lt;/script&gt;") >= 3


def test_the_summary_counts(page_text: str) -> None:
    for kind, number in (("total", 4), ("passed", 2), ("failed", 1), ("skipped", 1)):
        assert f'<div class="card {kind}"><div class="n">{number}</div>' in page_text
    assert "<title>Arazzo tests: 2/3 passed (failed)</title>" in page_text
    assert re.findall(r'<button type="button" data-filter="(\w+)"', page_text) == ["all", "failed", "skipped", "passed"]


def test_cases_in_order_with_their_verdicts(page_text: str) -> None:
    assert re.findall(r'<section class="case (\w+)" id="case-(\d+)" data-verdict="(\w+)"', page_text) == [
        ("passed", "1", "passed"),
        ("failed", "2", "failed"),
        ("skipped", "3", "skipped"),
        ("passed", "4", "passed"),
    ]
    searchable = re.findall(r'data-search="([^"]*)"', page_text)
    assert "server error" in searchable[1] and "addnumber" in searchable[1]
    assert "no default or example" in searchable[2]


def test_every_step_is_shown_with_its_exchange(page_text: str) -> None:
    for step in ("createService", "addNumber", "confirmService", "reserveStock", "confirmReservation"):
        assert f'<span class="sid">{step}</span>' in page_text
        assert f">{step}</div>" in page_text  # its waterfall row
    assert '<span class="code bad">503</span>' in page_text and '<span class="code ok">201</span>' in page_text
    assert "https://messaging.twilio.com/v1/Services/MG00000000000000000000000000000000/PhoneNumbers" in page_text
    assert "PhoneNumberSid=PN0123456789abcdef0123456789abcdef" in page_text  # a request body
    json_response = '<span class="j-key">&quot;code&quot;</span>: <span class="j-num">20500</span>'
    assert json_response in page_text


def test_the_waterfall_places_attempts_by_time(report: TestReport, page_text: str) -> None:
    retried = page_text[page_text.index('id="case-4"') :]
    rows = re.findall(
        r'<div class="label"[^>]*>(\w+)(?: <span class="att">#(\d)</span>)?</div><div class="track"><div class="bar (\w+)" style="left:([\d.]+)%;width:([\d.]+)%',
        retried,
    )
    assert [(step, attempt, status) for step, attempt, status, _, _ in rows] == [
        ("reserveStock", "", "failed"),
        ("reserveStock", "2", "failed"),
        ("reserveStock", "3", "succeeded"),
        ("confirmReservation", "", "succeeded"),
    ]
    lefts = [float(left) for *_, left, _ in rows]
    widths = [float(width) for *_, width in rows]
    assert lefts == sorted(lefts) and lefts[0] < 5
    # each attempt starts after the one before it ended (30 ms waits between them); a share of
    # the whole would depend on how long this machine took for the first request
    assert all(lefts[i] >= lefts[i - 1] + widths[i - 1] - 0.01 for i in range(1, len(rows))), (lefts, widths)
    assert all(0 < float(width) <= 100 - float(left) + 1e-6 for *_, left, width in rows)


def test_the_failed_case_opens_on_its_failing_step(page_text: str) -> None:
    failed = page_text[page_text.index('id="case-2"') : page_text.index('id="case-3"')]
    assert '<details open><summary><span class="badge failed">' in failed
    assert '<details class="step failed" open>' in failed and failed.count(" open>") == 2
    passed = page_text[page_text.index('id="case-4"') :]
    assert " open>" not in passed  # its failed attempts were retried: nothing to point at


def test_one_flow_picture_per_workflow(monkeypatch: pytest.MonkeyPatch, report: TestReport) -> None:
    drawn: list[str] = []
    fake = types.ModuleType("arazzo_runner.graph")

    def flow_of(description: Any, workflow_id: str) -> str:
        drawn.append(workflow_id)
        return workflow_id

    fake.flow_of = flow_of  # type: ignore[attr-defined]
    fake.to_svg = lambda flow: f'<svg xmlns="http://www.w3.org/2000/svg"><text>{flow} &lt;b&gt;</text></svg>'  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "arazzo_runner.graph", fake)
    text = render(report)
    assert drawn == ["provision-messaging-service-add-number", "reserve-stock-with-retry"]
    templates = re.findall(
        r'<template id="(flow-\d)"><div class="flow"><img alt="[^"]*" src="data:image/svg\+xml;base64,([^"]+)">', text
    )
    assert [flow_id for flow_id, _ in templates] == ["flow-1", "flow-2"]
    assert base64.b64decode(templates[1][1]).decode() == fake.to_svg("reserve-stock-with-retry")
    assert re.findall(r'data-flow="(flow-\d)"', text) == ["flow-1", "flow-1", "flow-1", "flow-2"]


def test_a_flow_that_cannot_be_drawn_is_a_note(monkeypatch: pytest.MonkeyPatch, report: TestReport) -> None:
    broken = types.ModuleType("arazzo_runner.graph")

    def flow_of(description: Any, workflow_id: str) -> None:
        raise ValueError("<no layout>")

    broken.flow_of = flow_of  # type: ignore[attr-defined]
    broken.to_svg = str  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "arazzo_runner.graph", broken)
    text = render(TestReport(cases=report.cases, descriptions={}))
    assert text.count("No flow graph: the document is not in the report.") == 2
    text = render(report)
    assert text.count("No flow graph: ValueError: &lt;no layout&gt;") == 2


def _case_with(body: Any, request_body: str | None = None) -> CaseResult:
    request = RequestRecord("POST", "https://api.example.com/items?q=<x>", {"Authorization": "***"}, request_body)
    step = StepResult("big", "wf", "failed", request=request, response=ResponseRecord(500, {}, body), error="boom")
    run = RunResult("wf", "failed", steps=[step])
    events = [StepStarted("wf", "big", 1, timestamp=100.0), StepFinished(step, timestamp=100.5)]
    return CaseResult(Case("doc.arazzo.yaml", "wf"), FAILED, "step big: boom", "big", run, events, 100.0, 0.5)


def test_big_bodies_are_cut_with_a_note() -> None:
    text = render(TestReport(cases=[_case_with({"items": ["x" * 100] * 2000})], started=100.0, duration=0.5))
    assert "Cut: the first 64 KB of 216,0" in text  # 2000 items of 100 characters, indented
    assert len(text) < 120_000
    assert "***" in text and "?q=&lt;x&gt;" in text


def test_text_bodies_and_json_text_bodies() -> None:
    text = render(TestReport(cases=[_case_with("plain <b>text</b>", request_body='{"a": [1, true, null]}')]))
    assert "plain &lt;b&gt;text&lt;/b&gt;" in text
    assert '<span class="j-key">&quot;a&quot;</span>: [\n    <span class="j-num">1</span>,' in text
    assert '<span class="j-lit">true</span>' in text and '<span class="j-lit">null</span>' in text


def test_a_run_that_did_not_start_and_an_empty_report() -> None:
    case = CaseResult(Case("a.yaml", "wf", name="<bad>"), FAILED, "input x: is not a <number>", run=None)
    text = render(TestReport(cases=[case]))
    assert "No step ran." in text and "input x: is not a &lt;number&gt;" in text and "&lt;bad&gt;" in text
    empty = render(TestReport())
    assert "<title>Arazzo tests: 0/0 passed (nothing ran)</title>" in empty and 'id="empty"' in empty


def test_durations_read_well() -> None:
    texts = [html_parts.duration_text(s) for s in (0, 0.0004, 0.021, 1.5, 12.25)]
    assert texts == ["0 ms", "0.4 ms", "21 ms", "1.50 s", "12.2 s"]


def test_an_expected_failure_says_so() -> None:
    result = _case_with("not found")
    assert result.run is not None
    result.verdict, result.reason = PASSED, None
    result.run.error = RunError("step", "step big: <boom>", "big")
    text = render(TestReport(cases=[result]))
    assert '<p class="reason expected">The run failed, as this case expects: step big: &lt;boom&gt;</p>' in text


def test_a_case_row_names_its_document(page_text: str) -> None:
    rows = re.findall(r'<span class="name">([^<]*)</span><span class="id" title="([^"]*)">([^<]*)</span>', page_text)
    flagship = "workflows/twilio-provision-messaging-service-add-number-workflow.yml"
    assert rows[0] == (
        "provision-messaging-service-add-number",
        f"{flagship}::provision-messaging-service-add-number",
        flagship,
    )
    assert rows[1] == (
        "server error",
        f"{flagship}::provision-messaging-service-add-number[server error]",
        f"{flagship}::provision-messaging-service-add-number",
    )


def test_a_flow_picture_without_a_width_gets_its_viewbox_size() -> None:
    size = html_parts._size
    assert (
        size('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 480.2"><g/></svg>')
        == ' width="320" height="480"'
    )
    assert size('<svg width="10" height="20" viewBox="0 0 320 480">') == ""
    assert size("<svg><g/></svg>") == ""
