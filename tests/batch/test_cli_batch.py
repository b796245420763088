"""``arazzo run --batch`` end to end, through ``arazzo_runner.cli.main``, against the
project's mock served on 127.0.0.1: the acceptance (200 runs, 600 requests; resume runs
exactly the missing 100), exit codes, usage errors, the progress bar and the summary."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from arazzo_runner.cli import main

from ..test_cli_run import FakeApi
from .conftest import FLAGSHIP, PN, SID, LoggedMock, customers, write_lines

SUMMARY = r"(\d+) runs?: (\d+) succeeded, (\d+) failed, (\d+) errors? in \d+\.\d s \(\d+\.\d runs/s\)"


def arazzo(*argv: Any, stderr: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), stderr if stderr is not None else io.StringIO()
    code = main([str(arg) for arg in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def batch(server: LoggedMock, inputs: Path, *extra: Any, stderr: io.StringIO | None = None) -> tuple[int, str, str]:
    return arazzo("run", FLAGSHIP, "--server", f"messagingApi={server.url}", "--batch", inputs, *extra, stderr=stderr)


def parsed(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_acceptance_200_runs_then_resume_runs_exactly_the_missing_100(
    tmp_path: Path, twilio_server: LoggedMock
) -> None:
    inputs = write_lines(tmp_path / "customers.jsonl", customers(200))
    code, out, err = batch(twilio_server, inputs, "--concurrency", "8")
    assert code == 0, err
    lines = out.splitlines()
    results = parsed(out)
    assert len(lines) == 200 and sorted(r["id"] for r in results) == sorted(f"cust-{n}" for n in range(1, 201))
    for result in results:
        assert list(result) == ["id", "status", "outputs", "error", "stepCount", "elapsedMs"]
        assert result["status"] == "succeeded" and result["error"] is None and result["stepCount"] == 3
        assert re.match(SID, result["outputs"]["serviceSid"])
        assert result["outputs"]["friendlyName"] == "Customer " + result["id"].split("-")[1]
        assert isinstance(result["elapsedMs"], int)
    assert len({r["outputs"]["serviceSid"] for r in results}) == 200
    assert len(twilio_server.requests) == 600
    assert re.fullmatch(SUMMARY.replace(r"(\d+)", "200", 2).replace(r"(\d+)", "0", 2) + "\n", err)

    # half the result lines removed: --resume runs those 100 and no other
    kept = lines[::2]
    out_file = tmp_path / "out.jsonl"
    out_file.write_text("".join(line + "\n" for line in kept))
    missing = {r["outputs"]["friendlyName"] for r in results[1::2]}
    before = len(twilio_server.requests)
    code, out, err = batch(twilio_server, inputs, "--concurrency", "8", "--results", out_file, "--resume")
    assert code == 0, err
    assert out == ""
    assert len(twilio_server.requests) - before == 300
    created_now = twilio_server.created()[200:]
    assert len(created_now) == 100 and set(created_now) == missing
    final = parsed(out_file.read_text())
    assert final[:100] == parsed("\n".join(kept))  # the lines there are kept as they were
    assert sorted(r["id"] for r in final) == sorted(f"cust-{n}" for n in range(1, 201))
    assert err == f"100 runs: 100 succeeded, 0 failed, 0 errors in {err.split(' in ')[1].split(' s ')[0]} s " + (
        f"({err.split('(')[1].split(')')[0]}); 100 skipped, already in {out_file}\n"
    )

    # resumed again with nothing left: no request, exit 0
    before = len(twilio_server.requests)
    code, out, err = batch(twilio_server, inputs, "--results", out_file, "--resume")
    assert (code, len(twilio_server.requests) - before) == (0, 0)
    assert err.startswith("0 runs: 0 succeeded, 0 failed, 0 errors in ") and "; 200 skipped" in err


class FailingApi(FakeApi):
    """tests/test_cli_run.py's Twilio, whose addNumber answers 500 for a service named "Fail me"."""

    def twilio(self, method: str, rest: list[str], body: str) -> tuple[int, dict[str, str], Any]:
        if rest[1:] == ["PhoneNumbers"] and self.services.get(rest[0]) == "Fail me":
            return 500, {}, {"code": 20500, "message": "Internal Server Error", "status": 500}
        return super().twilio(method, rest, body)


def test_failed_and_invalid_lines_are_results_and_exit_1(tmp_path: Path) -> None:
    lines: list[Any] = [
        {"id": "ok", "friendlyName": "Fine", "phoneNumberSid": PN},
        {"id": "refused", "friendlyName": "Fail me", "phoneNumberSid": PN},
        {"id": "invalid", "friendlyName": 7},
        "{not json",
        {"friendlyName": "Also fine", "phoneNumberSid": PN},
    ]
    inputs = write_lines(tmp_path / "in.jsonl", lines)
    out_file = tmp_path / "out.jsonl"
    api = FailingApi().start()
    try:
        server = ["--server", f"messagingApi={api.url}/v1"]
        code, out, err = arazzo("run", FLAGSHIP, *server, "--batch", inputs, "--results", out_file)
        assert code == 1 and out == ""
        assert len(api.requests) == 3 + 2 + 3
    finally:
        api.close()
    results = {r["id"]: r for r in parsed(out_file.read_text())}
    assert {k: r["status"] for k, r in results.items()} == {
        "ok": "succeeded", "refused": "failed", "invalid": "error", "4": "error", "5": "succeeded",
    }  # fmt: skip
    assert results["refused"]["error"]["type"] == "criteria" and results["refused"]["error"]["stepId"] == "addNumber"
    # the outputs that resolved are there: the service a failed run created can be found
    assert results["refused"]["stepCount"] == 2 and list(results["refused"]["outputs"]) == ["serviceSid"]
    assert results["invalid"]["error"]["type"] == "inputs" and results["invalid"]["stepCount"] == 0
    assert results["4"]["error"] == {
        "type": "inputs", "message": "line 4 is not JSON: Expecting property name enclosed in double quotes",
        "stepId": None, "file": str(inputs), "line": 4, "column": 2,
    }  # fmt: skip
    assert re.fullmatch(SUMMARY.replace(r"(\d+)", "5", 1) + "\n", err)
    assert "2 succeeded, 1 failed, 2 errors" in err

    # the runs already there are part of the batch: resuming a batch with failures still exits 1
    code, out, err = arazzo("run", FLAGSHIP, "--mock", "--batch", inputs, "--results", out_file, "--resume")
    assert code == 1
    assert "0 runs: " in err and "; 5 skipped, already in" in err and "(3 of them not succeeded)" in err


def test_a_partial_last_line_is_cut_before_resuming(tmp_path: Path) -> None:
    inputs = write_lines(tmp_path / "in.jsonl", customers(3))
    out_file = tmp_path / "out.jsonl"
    out_file.write_text('{"id": "cust-1", "status": "succeeded"}\n{"id": "cust-2", "stat')
    code, out, err = arazzo("run", FLAGSHIP, "--mock", "--batch", inputs, "--results", out_file, "--resume")
    assert code == 0, err
    assert err.startswith(
        f"--resume: line 2 of {out_file} is incomplete (the batch stopped while writing it); removed\n"
    )
    assert [r["id"] for r in parsed(out_file.read_text())][0] == "cust-1"
    assert sorted(r["id"] for r in parsed(out_file.read_text())) == ["cust-1", "cust-2", "cust-3"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["-i", "friendlyName=x"],
            "-i/--input cannot be used with --batch: each line of INPUTS.jsonl holds a run's inputs",
        ),
        (["--inputs", "{}"], "--inputs cannot be used with --batch"),
        (["--json"], "--json cannot be used with --batch: the result lines are JSON already"),
        (["--dry-run"], "--dry-run cannot be used with --batch"),
        (["--trace", "t.jsonl"], "--trace cannot be used with --batch"),
        (["--resume"], "--resume needs --results OUT.jsonl: results on stdout cannot be read back"),
        (["-w", "nope"], "no workflow 'nope' in"),
        (["--server", "nope=http://127.0.0.1:1"], "nope"),
    ],
)
def test_usage_errors_exit_2_before_any_run(tmp_path: Path, extra: list[str], message: str) -> None:
    inputs = write_lines(tmp_path / "in.jsonl", customers(2))
    code, out, err = arazzo("run", FLAGSHIP, "--mock", "--batch", inputs, *extra, "--results", tmp_path / "o.jsonl") \
        if extra != ["--resume"] else arazzo("run", FLAGSHIP, "--mock", "--batch", inputs, *extra)  # fmt: skip
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert not (tmp_path / "o.jsonl").exists()  # a batch that cannot start leaves no results file


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--results", "o.jsonl"], "error: --results goes with --batch INPUTS.jsonl"),
        (["--concurrency", "4"], "error: --concurrency goes with --batch INPUTS.jsonl"),
        (["--batch", "in.jsonl", "--concurrency", "0"], "--concurrency: must be at least 1, not '0'"),
        (["--batch", "in.jsonl", "--concurrency", "257"], "--concurrency: must be at most 256, not '257'"),
        (["--batch", "missing.jsonl"], "error: --batch missing.jsonl: No such file or directory"),
    ],
)
def test_batch_options_usage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    write_lines(tmp_path / "in.jsonl", customers(1))
    code, out, err = arazzo("run", FLAGSHIP, "--mock", *argv)
    assert code == 2 and message in err and out == ""


def test_duplicate_ids_and_existing_results_are_refused(tmp_path: Path) -> None:
    inputs = write_lines(tmp_path / "in.jsonl", [*customers(2), {"id": "cust-1"}])
    code, out, err = arazzo("run", FLAGSHIP, "--mock", "--batch", inputs)
    assert code == 2 and out == ""
    assert (
        err
        == f"error: --batch {inputs}: the id 'cust-1' is on lines 1 and 3; ids must be unique (resume finds runs by id)\n"
    )
    inputs = write_lines(tmp_path / "in.jsonl", customers(2))
    out_file = tmp_path / "out.jsonl"
    out_file.write_text('{"id": "cust-1", "status": "succeeded"}\n')
    code, out, err = arazzo("run", FLAGSHIP, "--mock", "--batch", inputs, "--results", out_file)
    assert code == 2
    assert f"--results {out_file} already holds results: add --resume to continue that batch, or remove it" in err
    assert out_file.read_text() == '{"id": "cust-1", "status": "succeeded"}\n'


def test_a_document_with_validation_errors_is_refused(tmp_path: Path) -> None:
    text = FLAGSHIP.read_text(encoding="utf-8").replace("$inputs.phoneNumberSid", "$inputs.phoneNumberSidd")
    copy = tmp_path / "typo.yml"
    copy.write_text(text.replace("../openapi/", str(FLAGSHIP.parent.parent / "openapi") + "/"), encoding="utf-8")
    inputs = write_lines(tmp_path / "in.jsonl", customers(2))
    code, out, err = arazzo("run", copy, "--mock", "--batch", inputs)
    assert code == 2 and out == "" and "phoneNumberSidd" in err
    code, out, err = arazzo("run", copy, "--mock", "--batch", inputs, "--no-validate")
    assert code == 1 and [r["status"] for r in parsed(out)] == ["failed", "failed"]  # the mock refuses the request


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    server = LoggedMock(delay=0.02)
    inputs = write_lines(tmp_path / "in.jsonl", customers(24))
    terminal = Terminal()
    with server.server:
        code, out, err = batch(server, inputs, "--concurrency", "2", "--results", tmp_path / "o.jsonl", stderr=terminal)
    assert code == 0 and out == ""
    frames = [frame for frame in err.split("\r\x1b[K") if frame]
    assert len(frames) >= 3  # redrawn as the runs finished
    bar = re.compile(r"\[[#-]{20}\] (\d+)/24  0 failed  \d+\.\d runs/s(  ETA \d+ s)?")
    assert all(bar.fullmatch(frame) for frame in frames[:-1]), frames[:-1]
    assert re.fullmatch(SUMMARY + "\n", frames[-1])  # the bar is cleared before the summary
    assert "ETA" in err


def test_quiet_draws_no_bar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    inputs = write_lines(tmp_path / "in.jsonl", customers(3))
    code, out, err = arazzo("run", FLAGSHIP, "--mock", "-q", "--batch", inputs, stderr=Terminal())
    assert code == 0 and len(out.splitlines()) == 3
    assert "\r" not in err and re.fullmatch(SUMMARY + r" \(on the built-in mock\)\n", err)
