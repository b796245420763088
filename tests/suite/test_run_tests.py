"""run_tests on the built-in mock: verdicts, concurrency with the same results, fail-fast,
listeners, runs that cannot start and per-document options.  Nothing leaves the machine."""

from __future__ import annotations

import io
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

import arazzo_runner
from arazzo_runner.errors import UsageError
from arazzo_runner.execution.results import RequestSent, RunFinished, StepStarted, WorkflowStarted
from arazzo_runner.suite import FAILED, PASSED, SKIPPED, Case, CaseResult, run_tests

from ..paths import ROOT
from .conftest import write


async def _no_wait(seconds: float) -> None:
    return None


# retries on the mock wait for real unless told not to
NO_WAIT: dict[str, Any] = {"sleep": lambda seconds: None, "async_sleep": _no_wait}

CASES = """\
- name: pen
  file: shop.arazzo.yml
  workflowId: create-item
  inputs: {name: pen, count: 2}
  expect:
    outputs:
      name: pen
      count: 2
      id: {regex: "^[0-9a-f]{8}-"}
- name: wrong name expected
  file: shop.arazzo.yml
  workflowId: create-item
  inputs: {name: pen}
  expect:
    outputs:
      name: cup
      label: null
- name: failure expected
  file: shop.arazzo.yml
  workflowId: wrong-status
  expect: {status: failed}
- name: bad inputs
  file: shop.arazzo.yml
  workflowId: needs-name
  inputs: {name: 5, label: x}
"""


def _outline(report: Any) -> list[tuple[str, str, Any, Any]]:
    return [(r.case.id, r.verdict, r.reason, r.step_id) for r in report.cases]


def test_verdicts_and_reasons_on_the_mock(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(shop / "shop.cases.yaml", CASES)
    monkeypatch.chdir(shop)
    report = run_tests(".", mock=True)
    assert _outline(report) == [
        ("shop.arazzo.yml::create-item[pen]", PASSED, None, None),
        (
            "shop.arazzo.yml::create-item[wrong name expected]",
            FAILED,
            "output name: expected 'cup', got 'pen'; output label: expected null, got nothing (the output is missing)",
            None,
        ),
        ("shop.arazzo.yml::named-item", PASSED, None, None),
        (
            "shop.arazzo.yml::needs-name[bad inputs]",
            FAILED,
            "the run could not start: invalid inputs for workflow 'needs-name': inputs.name: 5 is not of type 'string'",
            None,
        ),
        ("shop.arazzo.yml::wrong-status[failure expected]", PASSED, None, None),
    ]
    first = report.cases[0]
    assert first.run is not None and first.run.status == "succeeded"
    assert first.run.outputs["name"] == "pen"
    assert isinstance(first.events[0], WorkflowStarted) and isinstance(first.events[-1], RunFinished)
    assert sum(isinstance(e, RequestSent) for e in first.events) == 2
    assert all(e.timestamp is not None for e in first.events)
    assert first.started is not None and first.started >= report.started and first.duration > 0
    assert report.cases[3].run is None and report.cases[3].events == []
    assert report.summary.to_dict() | {"durationMs": 0} == {
        "total": 5,
        "passed": 3,
        "failed": 2,
        "skipped": 0,
        "durationMs": 0,
    }
    assert report.exit_code == 1
    assert list(report.descriptions) == ["shop.arazzo.yml"]
    assert report.to_dict()["cases"][1]["reason"] == report.cases[1].reason


def test_a_failing_step_names_the_step(shop: Path) -> None:
    report = run_tests([shop], mock=True, select="wrong-status")
    (result,) = report.cases
    assert (result.verdict, result.step_id) == (FAILED, "create")
    assert result.reason == "step create failed: successCriteria not met: `$statusCode == 200`: $statusCode is 201"


def test_skips_and_the_exit_code_when_nothing_ran(shop: Path) -> None:
    report = run_tests([shop / "shop.arazzo.yml"], mock=True, select="needs-name")
    (result,) = report.cases
    assert result.verdict == SKIPPED
    assert result.reason is not None and result.reason.startswith("required inputs name, label have no default")
    assert result.run is None and result.events == []
    assert report.exit_code == 5
    assert run_tests([shop], mock=True, select="nothing matches this").exit_code == 5


def test_the_examples_give_the_same_results_whatever_the_jobs(tmp_path: Path) -> None:
    # the example workflows and their cases, plus a failing case and a case that cannot start
    workflows = tmp_path / "workflows"
    shutil.copytree(ROOT / "workflows", workflows)
    shutil.copytree(ROOT / "openapi", tmp_path / "openapi")
    write(
        workflows / "more.cases.yaml",
        """\
- name: expects a failure that does not come
  file: contacts-export-all-pages-workflow.yml
  workflowId: export-all-contacts
  expect: {status: failed}
- name: an invalid number
  file: twilio-provision-messaging-service-add-number-workflow.yml
  workflowId: provision-messaging-service-add-number
  inputs: {friendlyName: x, phoneNumberSid: PN12}
""",
    )
    one = run_tests([workflows], mock=True, jobs=1, **NO_WAIT)
    four = run_tests([workflows], mock=True, jobs=4, **NO_WAIT)
    assert _outline(four) == _outline(one)
    assert [r.run.to_dict() if r.run else None for r in four.cases] == [
        r.run.to_dict() if r.run else None for r in one.cases
    ]
    assert one.summary.failed == 2 and one.summary.passed >= 6
    reasons = {r.case.name: r.reason for r in one.cases if r.verdict == FAILED}
    assert reasons["expects a failure that does not come"] == "expected status failed, got succeeded"
    assert reasons["an invalid number"] is not None and "PN12" in reasons["an invalid number"]


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.threads: set[int] = set()

    def case_started(self, case: Case) -> None:
        self.threads.add(threading.get_ident())
        self.calls.append(("started", case.id, ""))

    def case_event(self, case: Case, event: Any) -> None:
        self.threads.add(threading.get_ident())
        if isinstance(event, StepStarted):
            self.calls.append(("event", case.id, event.step_id))

    def case_finished(self, result: CaseResult) -> None:
        self.threads.add(threading.get_ident())
        self.calls.append(("finished", result.case.id, result.verdict))


@pytest.mark.parametrize("jobs", [1, 3])
def test_the_listener_hears_every_case_in_the_calling_thread(
    shop: Path, jobs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(shop)
    recorder = Recorder()
    report = run_tests(".", mock=True, jobs=jobs, listener=recorder)
    assert recorder.threads == {threading.get_ident()}
    doc = "shop.arazzo.yml"
    for result in report.cases:
        mine = [call for call in recorder.calls if call[1] == result.case.id]
        assert mine[0] == ("started", result.case.id, "")
        assert mine[-1] == ("finished", result.case.id, result.verdict)
    assert [c for c in recorder.calls if c[1] == f"{doc}::create-item"] == [
        ("started", f"{doc}::create-item", ""),
        ("event", f"{doc}::create-item", "create"),
        ("event", f"{doc}::create-item", "fetch"),
        ("finished", f"{doc}::create-item", PASSED),
    ]
    if jobs == 1:  # one after another: each case ends before the next starts
        assert [c[0] for c in recorder.calls if c[0] != "event"] == ["started", "finished"] * 4


@pytest.mark.parametrize("jobs", [1, 2])
def test_fail_fast_starts_no_case_after_the_first_failure(shop: Path, jobs: int) -> None:
    write(
        shop / "x.cases.yaml",
        """\
- {name: a, file: shop.arazzo.yml, workflowId: create-item, expect: {status: failed}}
- {name: b, file: shop.arazzo.yml, workflowId: needs-name, inputs: {name: n, label: l}}
""",
    )
    report = run_tests([shop], mock=True, jobs=jobs, fail_fast=True)
    names = [r.case.label for r in report.cases]
    assert report.stopped_early is True
    if jobs == 1:
        assert names == ["a"]
    else:  # the cases beside the first ran on; the last one started after the failure
        assert names[0] == "a" and "wrong-status" not in names and "named-item" in names
    assert report.cases[0].verdict == FAILED
    assert report.exit_code == 1
    complete = run_tests([shop], mock=True, jobs=jobs, fail_fast=True, select="named-item")
    assert complete.stopped_early is False and len(complete.cases) == 1


def test_usage_mistakes_are_raised_before_anything_runs(shop: Path) -> None:
    with pytest.raises(UsageError, match="jobs must be a whole number"):
        run_tests([shop], jobs=0)
    with pytest.raises(UsageError, match="unknown report kind 'xml'"):
        run_tests([shop], mock=True, reporters=[("xml", "-")])


def test_named_overrides_go_to_the_documents_that_declare_them(shop: Path, tmp_path: Path) -> None:
    flagship = tmp_path / "workflows" / "twilio-provision-messaging-service-add-number-workflow.yml"
    flagship.parent.mkdir()
    shutil.copy(ROOT / "workflows" / flagship.name, flagship)
    shutil.copytree(ROOT / "openapi", tmp_path / "openapi")
    paths = [shop / "shop.arazzo.yml", flagship]
    # a server for the shop only: the Twilio document runs without it, on its own mock
    report = run_tests(paths, mock=True, servers={"shop": "http://shop.local/v1"}, select="create-item")
    (result,) = report.cases
    assert result.verdict == PASSED
    sent = [e.request.url for e in result.events if isinstance(e, RequestSent)]
    assert sent[0] == "http://shop.local/v1/items"
    # -k does not make an override of a document it leaves out a typo
    flagship_only = run_tests(paths, mock=True, servers={"shop": "http://shop.local/v1"}, select="twilio")
    assert [r.verdict for r in flagship_only.cases] == [SKIPPED]
    assert list(flagship_only.descriptions) == [str(flagship)]
    with pytest.raises(UsageError, match="no source description named 'shops'"):
        run_tests(paths, mock=True, servers={"shops": "http://shop.local/v1"})
    # mock only the shop: the names of other documents' sources are theirs
    report = run_tests(paths, mock=["shop"], select="create-item")
    assert [r.verdict for r in report.cases] == [PASSED]
    with pytest.raises(UsageError, match="--mock nothing"):
        run_tests(paths, mock=["nothing"])


def test_credentials_may_be_read_per_document(shop: Path) -> None:
    seen: list[str] = []

    def credentials(description: Any) -> dict[str, Any]:
        seen.append(os.path.basename(description.file))
        return {}

    report = run_tests([shop], mock=True, credentials=credentials, select="named-item")
    assert [r.verdict for r in report.cases] == [PASSED]
    assert seen == ["shop.arazzo.yml"]


def test_reporters_are_written_at_the_end(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("arazzo_runner.reports.json")
    written: list[tuple[str, Any, Any]] = []

    def fake_write(kind: str, report: Any, target: Any) -> None:
        written.append((kind, len(report.cases), target))

    import arazzo_runner.reports as reports

    monkeypatch.setattr(reports, "write_report", fake_write)
    stream = io.StringIO()
    report = run_tests([shop], mock=True, select="named-item", reporters=[("json", stream), ("junit", shop / "j.xml")])
    assert written == [("json", 1, stream), ("junit", 1, str(shop / "j.xml"))]
    assert report.summary.passed == 1


def test_the_public_api() -> None:
    assert {"run_tests", "TestReport"} <= set(arazzo_runner.__all__)
    assert arazzo_runner.run_tests is run_tests
    assert arazzo_runner.TestReport.__name__ == "TestReport"


def test_inside_a_running_event_loop_the_cases_run_one_by_one(shop: Path) -> None:
    import asyncio

    async def main() -> Any:
        return run_tests([shop], mock=True, jobs=4)

    inside = asyncio.run(main())
    outside = run_tests([shop], mock=True, jobs=4)
    assert _outline(inside) == _outline(outside)
    assert len(inside.cases) == 4


@pytest.mark.parametrize("jobs", [1, 3])
def test_an_invalid_document_fails_its_cases_without_a_request(tmp_path: Path, jobs: int) -> None:
    # as `arazzo run` refuses a document with validation errors; validate=False runs it anyway
    shutil.copy(ROOT / "workflows" / "twilio-provision-messaging-service-add-number-workflow.yml", tmp_path / "ok.yml")
    for name in ("twilio-messaging-openapi.yml",):
        (tmp_path / "openapi").mkdir(exist_ok=True)
        shutil.copy(ROOT / "openapi" / name, tmp_path / "openapi" / name)
    text = (tmp_path / "ok.yml").read_text(encoding="utf-8")
    (tmp_path / "ok.yml").write_text(text.replace("../openapi/", "openapi/"), encoding="utf-8")
    (tmp_path / "bad.yml").write_text(
        text.replace("../openapi/", "openapi/").replace("operationId: addPhoneNumber", "operationId: addPhoneNumbr"),
        encoding="utf-8",
    )
    write(
        tmp_path / "all.cases.yaml",
        "- {name: good, file: ok.yml, workflowId: provision-messaging-service-add-number,"
        " inputs: {friendlyName: a, phoneNumberSid: PN0123456789abcdef0123456789abcdef}}\n"
        "- {name: bad, file: bad.yml, workflowId: provision-messaging-service-add-number,"
        " inputs: {friendlyName: a, phoneNumberSid: PN0123456789abcdef0123456789abcdef}}\n",
    )
    report = run_tests([tmp_path], jobs=jobs, mock=True)
    verdicts = {result.case.name: result for result in report.cases}
    assert verdicts["good"].verdict == PASSED
    bad = verdicts["bad"]
    assert bad.verdict == FAILED and bad.run is None
    assert not any(isinstance(event, RequestSent) for event in bad.events)
    assert bad.reason is not None and "the document is invalid: operationId 'addPhoneNumbr' not found" in bad.reason
    assert "[unknown-operation]" in bad.reason
    anyway = run_tests([tmp_path], jobs=jobs, mock=True, validate=False, select="bad")
    assert [result.verdict for result in anyway.cases] == [FAILED]
    assert anyway.cases[0].reason is not None and "the document is invalid" not in anyway.cases[0].reason
