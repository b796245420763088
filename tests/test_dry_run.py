"""A dry run builds every request and sends none: its status (and its steps') is ``dry-run``,
exit code 0, with no response; in ``run --json`` and in the Python API alike."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from arazzo_runner import Runner, run, run_async
from arazzo_runner.execution.results import RunError, RunResult

from .paths import FLAGSHIP
from .test_cli_run import PHONE, check_contract, one_json_object
from .test_cli_run import run as cli

INPUTS = {"friendlyName": "Acme Alerts", "phoneNumberSid": PHONE}


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a dry run sent {request.method} {request.url}")


def test_run_json_of_a_dry_run() -> None:
    code, out, err = cli("run", str(FLAGSHIP), "--dry-run", "--json", *(f"-i{k}={v}" for k, v in INPUTS.items()))
    data = one_json_object(out)
    check_contract(data, code)
    assert code == 0, err
    assert data["status"] == "dry-run" and data["error"] is None and data["outputs"] == {}
    assert [(s["stepId"], s["status"], s["response"]) for s in data["steps"]] == [
        ("createService", "dry-run", None),
        ("addNumber", "dry-run", None),
        ("confirmService", "dry-run", None),
    ]
    assert data["steps"][0]["request"]["body"] == "FriendlyName=Acme+Alerts"


def test_the_trace_of_a_dry_run_says_dry_run(tmp_path: Path) -> None:
    trace = tmp_path / "t.jsonl"
    code, _, err = cli(
        "run", str(FLAGSHIP), "--dry-run", "--trace", str(trace), *(f"-i{k}={v}" for k, v in INPUTS.items())
    )
    assert code == 0, err
    events = [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines()]
    assert [e["result"]["status"] for e in events if e["event"] == "StepFinished"] == ["dry-run"] * 3
    assert [e["status"] for e in events if e["event"] == "WorkflowFinished"] == ["dry-run"]
    assert events[-1]["result"]["status"] == "dry-run"


def test_python_api_dry_run() -> None:
    result = run(FLAGSHIP, inputs=INPUTS, dry_run=True, transport=httpx.MockTransport(_refuse))
    assert (result.status, result.exit_code, result.succeeded) == ("dry-run", 0, False)
    assert [s.status for s in result.steps] == ["dry-run"] * 3
    assert all(s.response is None and s.request is not None for s in result.steps)
    with Runner(FLAGSHIP, dry_run=True, transport=httpx.MockTransport(_refuse)) as runner:
        again = asyncio.run(runner.run_async(inputs=INPUTS))
    assert again.to_dict() == result.to_dict()


def test_run_async_takes_the_same_keywords() -> None:
    result = asyncio.run(run_async(FLAGSHIP, inputs=INPUTS, dry_run=True, transport=httpx.MockTransport(_refuse)))
    assert result.status == "dry-run"
    with pytest.raises(TypeError):
        run(FLAGSHIP, inputs=INPUTS, dry_runn=True)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "result, code",
    [
        (RunResult("w", "succeeded"), 0),
        (RunResult("w", "dry-run"), 0),
        (RunResult("w", "failed"), 1),
        (RunResult("w", "error", error=RunError("usage", "m")), 2),
        (RunResult("w", "error", error=RunError("interrupted", "m")), 130),
    ],
    ids=["succeeded", "dry-run", "failed", "error", "interrupted"],
)
def test_exit_codes(result: RunResult, code: int) -> None:
    assert result.exit_code == code
