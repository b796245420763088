"""The HTML report in a real browser: it loads with no console error and no request but its
own file, its filters hide and show cases, nothing hostile runs, and it draws something."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from arazzo_runner.reports.html import render
from arazzo_runner.suite.outcome import TestReport

from .png import colours
from .sample import sample_report


@pytest.fixture(scope="module")
def report() -> TestReport:
    return sample_report()


@pytest.fixture(scope="module")
def report_url(report: TestReport, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render(report), encoding="utf-8")
    return path.as_uri()


class Watched:
    """A page with everything it logs, throws and requests."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", lambda request: self.requests.append(request.url))

    def visible_cases(self) -> list[str]:
        verdicts: list[str] = self.page.eval_on_selector_all(
            "section.case", "sections => sections.filter(s => s.offsetParent !== null).map(s => s.dataset.verdict)"
        )
        return verdicts


@pytest.fixture(params=["light", "dark"])
def watched(request: pytest.FixtureRequest, browser: Any, report_url: str) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=request.param)
    page = context.new_page()
    seen = Watched(page)
    page.goto(report_url, wait_until="load")
    try:
        yield seen
    finally:
        context.close()


def test_loads_with_no_error_and_no_request(watched: Watched, report_url: str) -> None:
    page = watched.page
    # open every case and step: each shows its exchanges and draws its flow picture
    page.eval_on_selector_all("details", "all => all.forEach(d => { d.open = true; })")
    page.wait_for_timeout(200)
    assert page.eval_on_selector_all(".flow-slot", "slots => slots.every(s => s.childElementCount === 1)")
    assert watched.errors == []
    assert watched.requests == [report_url]
    assert page.evaluate("window.__pwned") is None  # the hostile body is text, not markup
    assert page.title() == "Arazzo tests: 2/3 passed (failed)"


def test_the_filters_hide_and_show_cases(watched: Watched, report: TestReport) -> None:
    page = watched.page
    assert watched.visible_cases() == ["passed", "failed", "skipped", "passed"]
    page.click("button[data-filter=failed]")
    assert watched.visible_cases() == ["failed"] * report.summary.failed
    assert page.get_attribute("button[data-filter=failed]", "aria-pressed") == "true"
    assert page.text_content("#shown") == "1 of 4 shown"
    page.click("button[data-filter=skipped]")
    assert watched.visible_cases() == ["skipped"]
    page.click("button[data-filter=all]")
    page.fill("#search", "INVENTORY")
    assert watched.visible_cases() == ["passed"]
    page.fill("#search", "no such case")
    assert watched.visible_cases() == [] and page.is_visible("#empty")
    page.fill("#search", "")
    assert len(watched.visible_cases()) == 4 and not page.is_visible("#empty")
    assert watched.errors == []


def test_a_case_opens_and_shows_its_steps(watched: Watched) -> None:
    page = watched.page
    assert page.is_visible("#case-2 .case-body")  # a failed case starts open
    assert not page.is_visible("#case-4 .case-body")
    page.click("#case-4 summary")
    assert page.is_visible("#case-4 .wf") and page.locator("#case-4 .wf .bar").count() == 4
    # the graph is drawn on the details' toggle event, which fires after the click returns
    page.wait_for_selector("#case-4 .flow-slot > *", state="attached", timeout=5000)
    assert page.locator("#case-4 .flow-slot > *").count() == 1


def test_a_screenshot_is_not_blank(watched: Watched, tmp_path: Path) -> None:
    shot = watched.page.screenshot(clip={"x": 0, "y": 0, "width": 1000, "height": 700})
    found = colours(shot)
    # the background alone would be one colour; badges, bars and text give many
    assert len(found) >= 20, len(found)
    assert not watched.errors


def test_only_the_pages_own_script_runs(browser: Any, report: TestReport, tmp_path: Path) -> None:
    # Were a value ever to slip past escaping, its script would still be refused (the
    # page's policy allows its own script by hash, and nothing else).
    text = render(report).replace("<main>", "<main><script>window.__pwned = 3</script>", 1)
    path = tmp_path / "injected.html"
    path.write_text(text, encoding="utf-8")
    context = browser.new_context()
    try:
        seen = Watched(context.new_page())
        seen.page.goto(path.as_uri(), wait_until="load")
        assert seen.page.evaluate("window.__pwned") is None
        assert any("Content Security Policy" in error for error in seen.errors)
        seen.page.click("button[data-filter=failed]")
        assert seen.visible_cases() == ["failed"]  # the page's own script still works
    finally:
        context.close()
