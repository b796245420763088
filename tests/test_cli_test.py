"""``arazzo test`` end to end: ``cli.main`` in-process on the example workflows and the built-in
mock (nothing leaves the machine), plus one local HTTP server on 127.0.0.1 for a failing step
with real credentials; and the live progress display on a pretend terminal."""

from __future__ import annotations

import io
import json
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from arazzo_runner.cli import main
from arazzo_runner.cli.progress import Progress
from arazzo_runner.execution.results import StepStarted
from arazzo_runner.suite.outcome import FAILED, PASSED, SKIPPED, Case, CaseResult, Expectation, TestReport

from .paths import ROOT

WORKFLOWS = ROOT / "workflows"
PROJECTS = WORKFLOWS / "projects-create-project-with-tasks-workflow.yml"
FLAGSHIP = WORKFLOWS / "twilio-provision-messaging-service-add-number-workflow.yml"
EXAMPLE_CASES = [
    "issue-invoice[issues a draft invoice]",
    "export-all-contacts[reads every page]",
    "reserve-stock-with-retry[holds stock after the 503 retries]",
    "reserve-stock-with-retry[holds one unit in the default warehouse]",
    "place-order[an order confirmed over the broker]",
    "add-task[a task needs an existing project]",
    "create-project-with-tasks[creates a project with two tasks]",
    "provision-messaging-service-add-number[provisions a service with a number]",
]
PHONE = "PN0123456789abcdef0123456789abcdef"


def arazzo(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def cases_file(folder: Path, entries: list[dict[str, Any]], name: str = "extra.cases.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


def failing_cases(folder: Path) -> Path:
    """Two cases that fail: a step that fails (a 404) and outputs that do not match."""
    return cases_file(
        folder,
        [
            {
                "name": "orphan",
                "file": str(PROJECTS),
                "workflowId": "add-task",
                "inputs": {"projectId": 7, "title": "T"},
            },
            {
                "name": "wrong name",
                "file": str(FLAGSHIP),
                "workflowId": "provision-messaging-service-add-number",
                "inputs": {"friendlyName": "Acme", "phoneNumberSid": PHONE},
                "expect": {"outputs": {"friendlyName": "Other", "serviceSid": {"regex": "^XX"}}},
            },
        ],
    )


def case_lines(err: str) -> list[str]:
    """The lines of finished cases, their durations left out (they differ from run to run)."""
    marks = ("✓ ", "✗ ", "- ")
    return [re.sub(r"  \d+(\.\d+)? (ms|s)\b", "", line) for line in err.splitlines() if line.startswith(marks)]


# ---------------------------------------------------------------- exit codes


def test_the_examples_pass_on_the_mock() -> None:
    code, out, err = arazzo("test", str(WORKFLOWS), "--mock")
    assert code == 0, err
    assert out == ""  # stdout is for reports
    lines = case_lines(err)
    assert [line.split("::", 1)[1].split("  ")[0] for line in lines] == EXAMPLE_CASES
    assert all(line.startswith("✓ ") for line in lines)
    assert "(failed, as expected)" in lines[5]
    assert re.search(r"^8 passed, 0 failed, 0 skipped in \d", err, re.M)


def test_a_failing_case_exits_1_with_the_step_request_and_response(tmp_path: Path) -> None:
    code, out, err = arazzo(
        "test", "--cases", str(failing_cases(tmp_path)), "--mock", "-H", "X-Api-Key: sekret-123", "-k", "orphan"
    )
    assert code == 1 and out == ""
    (line,) = case_lines(err)
    assert line.startswith("✗ ") and "add-task[orphan]" in line and "createTask" in line and "404" in line
    assert "    > POST https://projects.example.com/api/v1/projects/7/tasks\n" in err
    assert "    > X-Api-Key: ***\n" in err  # the -H value is masked
    assert "sekret-123" not in err
    assert "    < 404\n" in err
    assert "The requested resource /projects/7 was not found" in err
    assert "0 passed, 1 failed, 0 skipped" in err


def test_outputs_that_do_not_match_are_named(tmp_path: Path) -> None:
    code, _, err = arazzo("test", "--cases", str(failing_cases(tmp_path)), "--mock", "-k", "wrong name")
    assert code == 1
    (line,) = case_lines(err)
    assert "output friendlyName: expected 'Other', got 'Acme'" in line
    assert "does not match regex '^XX'" in line
    assert "    ✓ createService  POST https://messaging.twilio.com/v1/Services  201" in err  # its steps


def test_a_broken_cases_file_exits_2_with_its_location(tmp_path: Path) -> None:
    bad = tmp_path / "bad.cases.yaml"
    bad.write_text(f"- file: {FLAGSHIP}\n  workflowId: w\n  bogus: 1\n", encoding="utf-8")
    code, out, err = arazzo("test", "--cases", str(bad), "--mock")
    assert code == 2 and out == ""
    assert err.startswith(f"error: {bad}:3:3: unknown key 'bogus'")
    assert "Traceback" not in err


def test_a_document_that_does_not_load_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.arazzo.yaml"
    broken.write_text("arazzo: 1.0.1\ninfo: {title: t, version: '1'}\nworkflows: [\n", encoding="utf-8")
    code, _, err = arazzo("test", str(broken), "--mock")
    assert code == 2
    assert re.match(rf"error: {re.escape(str(broken))}:\d+:\d+: ", err), err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            "xml=r.xml",
            "argument --report: unknown report kind 'xml': use one of junit, html, ctrf, har, markdown, json",
        ),
        (
            "junit",
            "argument --report: takes KIND=FILE with KIND one of junit, html, ctrf, har, markdown, json, not 'junit'",
        ),
        ("html=-", "argument --report: the html report goes to a file, not stdout: --report html=FILE"),
        (
            "json=/no/such/folder/r.json",
            "argument --report: cannot write /no/such/folder/r.json: folder /no/such/folder does not exist",
        ),
    ],
)
def test_a_wrong_report_is_a_usage_error(option: str, message: str) -> None:
    code, out, err = arazzo("test", str(WORKFLOWS), "--mock", "--report", option)
    assert code == 2 and out == ""
    assert err.startswith("usage: arazzo test")
    assert f"arazzo test: error: {message}" in err


def test_two_reports_to_stdout_are_refused() -> None:
    code, _, err = arazzo("test", str(WORKFLOWS), "--mock", "--report", "json=-", "--report", "junit=-")
    assert code == 2
    assert err == "error: --report json and --report junit both write to stdout\n"


def test_k_matching_nothing_exits_5() -> None:
    code, _, err = arazzo("test", str(WORKFLOWS), "--mock", "-k", "no-such-case")
    assert code == 5
    assert case_lines(err) == []
    assert err.endswith("no case matched -k 'no-such-case'\n")


def test_only_skipped_cases_exit_5(tmp_path: Path) -> None:
    none = cases_file(tmp_path, [], "none.cases.json")  # replaces the discovery of the examples' cases
    code, _, err = arazzo("test", str(PROJECTS), "--cases", str(none), "--mock")
    assert code == 5
    lines = case_lines(err)
    assert [line.split("  ")[0] for line in lines] == [
        "- workflows/projects-create-project-with-tasks-workflow.yml::add-task",
        "- workflows/projects-create-project-with-tasks-workflow.yml::create-project-with-tasks",
    ]
    assert "skipped: required inputs" in lines[0]
    assert "0 passed, 0 failed, 2 skipped" in err and err.endswith("(give their inputs in a cases file)\n")


# ---------------------------------------------------------------- selection, fail-fast, jobs


def test_k_selects_by_a_substring_of_the_id() -> None:
    code, _, err = arazzo("test", str(WORKFLOWS), "--mock", "-k", "projects-create-project-with-tasks-workflow.yml::")
    assert code == 0
    assert [line.split("::")[1].split("  ")[0] for line in case_lines(err)] == EXAMPLE_CASES[5:7]


def test_fail_fast_stops_at_the_first_failure(tmp_path: Path) -> None:
    code, _, err = arazzo("test", "--cases", str(failing_cases(tmp_path)), "--mock", "--fail-fast")
    assert code == 1
    assert len(case_lines(err)) == 1  # the second failing case never ran
    assert "0 passed, 1 failed, 0 skipped" in err and "(stopped at the first failure: --fail-fast)" in err


def test_jobs_4_prints_the_lines_of_jobs_1(tmp_path: Path) -> None:
    both = ["--cases", str(WORKFLOWS / "examples.cases.yaml"), "--cases", str(failing_cases(tmp_path))]
    one = arazzo("test", *both, "--mock", "--jobs", "1")
    four = arazzo("test", *both, "--mock", "--jobs", "4")
    assert one[0] == four[0] == 1
    assert len(case_lines(one[2])) == 10
    assert case_lines(four[2]) == case_lines(one[2])
    strip = re.compile(r"\d+(\.\d+)? (ms|s)\b")
    assert strip.sub("", four[2]) == strip.sub("", one[2])  # the failures' dumps too


def test_quiet_keeps_the_failures_and_the_final_line(tmp_path: Path) -> None:
    both = ["--cases", str(WORKFLOWS / "examples.cases.yaml"), "--cases", str(failing_cases(tmp_path))]
    code, _, err = arazzo("test", *both, "--mock", "-q", "-k", "projects-")  # 2 passing cases, 1 failing
    assert code == 1
    assert [line.split("  ")[0] for line in case_lines(err)] == [
        "✗ workflows/projects-create-project-with-tasks-workflow.yml::add-task[orphan]"
    ]
    assert err.splitlines()[-1].startswith("2 passed, 1 failed, 0 skipped")


# ---------------------------------------------------------------- reports


def test_reports_are_written(tmp_path: Path) -> None:
    junit, report, markdown = tmp_path / "j.xml", tmp_path / "r.json", tmp_path / "s.md"
    reports = ("--report", f"junit={junit}", "--report", f"json={report}", "--report", f"markdown={markdown}")
    code, out, _ = arazzo("test", str(WORKFLOWS), "--mock", "-k", "projects-", *reports)
    assert code == 0 and out == ""
    expected = ["a task needs an existing project", "creates a project with two tasks"]
    names = [case.get("name") or "" for case in ET.parse(junit).getroot().iter("testcase")]
    assert len(names) == 2 and all(any(name in found for found in names) for name in expected)
    data = json.loads(report.read_text(encoding="utf-8"))
    assert (data["summary"]["total"], data["summary"]["passed"]) == (2, 2)
    assert [case["name"] for case in data["cases"]] == expected
    assert [case["workflowId"] for case in data["cases"]] == ["add-task", "create-project-with-tasks"]
    text = markdown.read_text(encoding="utf-8")
    assert all(name in text for name in expected)


def test_json_report_on_stdout(tmp_path: Path) -> None:
    code, out, err = arazzo("test", "--cases", str(failing_cases(tmp_path)), "--mock", "--report", "json=-")
    assert code == 1
    data = json.loads(out)
    assert (data["summary"]["passed"], data["summary"]["failed"]) == (0, 2)
    first = data["cases"][0]
    assert (first["workflowId"], first["verdict"], first["stepId"]) == ("add-task", "failed", "createTask")
    assert first["run"]["status"] == "failed"
    assert "✗ " in err  # the progress stays on stderr


# ---------------------------------------------------------------- credentials masked in a failure


class _Failing(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"code": 20500, "message": "Internal Server Error"}'
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def failing_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_credentials_are_masked_in_a_failure(
    tmp_path: Path, failing_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./.env of the checkout
    monkeypatch.setenv("ARAZZO_MESSAGINGAPI_ACCOUNTSID_AUTHTOKEN_USERNAME", "AC-user")
    monkeypatch.setenv("ARAZZO_MESSAGINGAPI_ACCOUNTSID_AUTHTOKEN_PASSWORD", "pa55-w0rd-secret")
    entry = {
        "file": str(FLAGSHIP),
        "workflowId": "provision-messaging-service-add-number",
        "inputs": {"friendlyName": "Acme", "phoneNumberSid": PHONE},
    }
    cases = cases_file(tmp_path, [entry])
    code, _, err = arazzo("test", "--cases", str(cases), "--server", f"messagingApi={failing_server}/v1")
    assert code == 1
    assert f"    > POST {failing_server}/v1/Services\n" in err
    assert "    > Authorization: ***\n" in err
    assert "pa55-w0rd-secret" not in err and "AC-user" not in err
    assert "    < 500\n" in err and '"Internal Server Error"' in err


# ---------------------------------------------------------------- the live display


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_live_display_redraws_in_place_and_ends_with_a_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    screen = _Terminal()
    progress = Progress(screen, interval=0.01)
    assert progress.live
    good = Case("a.yaml", "flow", "good")
    bad = Case("a.yaml", "flow", "bad", expect=Expectation(status="succeeded"))
    skipped = Case("b.yaml", "other", skip="required input x")
    progress.case_started(good)
    progress.case_started(bad)
    progress.case_event(good, StepStarted("flow", "firstStep", 2))
    deadline = threading.Event()
    deadline.wait(0.1)  # a few ticks of the timer
    progress.case_finished(CaseResult(good, PASSED, duration=0.25))
    progress.case_finished(CaseResult(bad, FAILED, reason="step s failed: boom", duration=1.5))
    progress.case_started(skipped)
    progress.case_finished(CaseResult(skipped, SKIPPED, reason="required input x"))
    report = TestReport(cases=[CaseResult(good, PASSED, duration=0.25)], duration=2.0)
    report.cases += [CaseResult(bad, FAILED, reason="step s failed: boom", duration=1.5)]
    report.cases += [CaseResult(skipped, SKIPPED, reason="required input x")]
    progress.close(report)
    text = screen.getvalue()
    assert "good  › firstStep (attempt 2)" in text  # a running case with its step
    assert "0 passed, 0 failed, 0 skipped, 0 done, 2 running" in text
    assert re.search(r"\x1b\[\d+A\x1b\[J", text)  # redrawn in place
    assert "✗ a.yaml::flow[bad]  1.50 s  step s failed: boom\n" in text  # the failure, above the block
    table = text[text.rindex("verdict  duration") :].splitlines()
    assert table[1].split() == ["passed", "250", "ms", "a.yaml::flow[good]"]
    assert table[2].split()[:4] == ["failed", "1.50", "s", "a.yaml::flow[bad]"]
    assert table[3].split() == ["skipped", "b.yaml::other", "required", "input", "x"]
    assert table[4] == "1 passed, 1 failed, 1 skipped in 2.00 s"
    assert "\x1b[32m" not in text  # NO_COLOR


def test_a_pipe_gets_no_live_display() -> None:
    progress = Progress(io.StringIO())
    assert not progress.live
