"""The CTRF report is valid against ctrf.io's schema and carries each case's verdict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import arazzo_runner
from arazzo_runner.reports import render
from arazzo_runner.suite.outcome import TestReport

from .conftest import FAIL_REASON, FLAGSHIP, FLAGSHIP_ID, INVENTORY, INVENTORY_ID, PASSWORD, SKIP_REASON

SCHEMA = json.loads((Path(__file__).parent / "data" / "ctrf.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ctrf(report: TestReport) -> dict[str, Any]:
    text = render("ctrf", report)
    assert PASSWORD not in text
    data: dict[str, Any] = json.loads(text)
    return data


def validate(data: Any) -> None:
    jsonschema.validate(data, SCHEMA, cls=jsonschema.Draft7Validator, format_checker=jsonschema.FormatChecker())


def test_valid_against_the_ctrf_schema(ctrf: dict[str, Any]) -> None:
    validate(ctrf)
    assert (ctrf["reportFormat"], ctrf["specVersion"], ctrf["generatedBy"]) == ("CTRF", "0.0.0", "arazzo")


def test_summary(ctrf: dict[str, Any], report: TestReport) -> None:
    results = ctrf["results"]
    assert results["tool"] == {"name": "arazzo", "version": arazzo_runner.__version__}
    summary = results["summary"]
    assert {k: summary[k] for k in ("tests", "passed", "failed", "skipped", "pending", "other", "suites")} == {
        "tests": 4,
        "passed": 2,
        "failed": 1,
        "skipped": 1,
        "pending": 0,
        "other": 0,
        "suites": 2,
    }
    assert summary["start"] == round(report.started * 1000)
    assert summary["stop"] - summary["start"] == summary["duration"] == pytest.approx(report.duration * 1000, abs=1)


def test_tests(ctrf: dict[str, Any]) -> None:
    tests = ctrf["results"]["tests"]
    assert [(t["name"], t["status"], t["filePath"], t["suite"]) for t in tests] == [
        (FLAGSHIP_ID, "passed", FLAGSHIP, [FLAGSHIP]),
        (f"{INVENTORY_ID}[two mugs]", "passed", INVENTORY, [INVENTORY]),
        (f"{FLAGSHIP_ID}[500 on add | pipe]", "failed", FLAGSHIP, [FLAGSHIP]),
        (f"{INVENTORY_ID}[no inputs]", "skipped", INVENTORY, [INVENTORY]),
    ]
    assert tests[0]["testId"] == f"{FLAGSHIP}::{FLAGSHIP_ID}"
    assert [(s["name"], s["status"], s["extra"]["statusCode"]) for s in tests[1]["steps"]] == [
        ("reserveStock", "failed", 503),
        ("reserveStock (attempt 2)", "failed", 503),
        ("reserveStock (attempt 3)", "passed", 201),
        ("confirmReservation", "passed", 200),
    ]
    assert tests[1]["retries"] == 2
    failed = tests[2]
    assert failed["message"] == FAIL_REASON
    assert "> Authorization: ***" in failed["trace"] and "< 500" in failed["trace"]
    assert failed["extra"] == {
        "workflowId": FLAGSHIP_ID,
        "case": "500 on add | pipe",
        "stepId": "addNumber",
        "runStatus": "failed",
    }
    assert [line.split("  ")[0] for line in failed["stdout"]] == ["✓ createService", "✗ addNumber"]
    skipped = tests[3]
    assert skipped["message"] == SKIP_REASON and "trace" not in skipped and "steps" not in skipped
    assert all(isinstance(t["duration"], int) and t["duration"] >= 0 for t in tests)
    assert all(t["stop"] - t["start"] == pytest.approx(t["duration"], abs=1) for t in tests[:3])


def test_an_empty_report_is_valid() -> None:
    data = json.loads(render("ctrf", TestReport()))
    validate(data)
    assert data["results"]["tests"] == [] and "timestamp" not in data
