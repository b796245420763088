"""The JUnit report validates against Jenkins xunit's junit-10.xsd and says what failed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from arazzo_runner.reports import render
from arazzo_runner.reports.junit import xml_text
from arazzo_runner.suite.outcome import FAILED, Case, CaseResult, TestReport

from .conftest import FAIL_REASON, FLAGSHIP, FLAGSHIP_ID, INVENTORY, INVENTORY_ID, PASSWORD, SKIP_REASON

XSD = Path(__file__).parent / "data" / "junit-10.xsd"


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


@pytest.fixture(scope="module")
def junit(report: TestReport) -> str:
    return render("junit", report)


def test_validates_against_junit_10_xsd(schema: xmlschema.XMLSchema, junit: str) -> None:
    schema.validate(junit)  # raises with the reason when it does not


def test_a_testsuite_per_document_a_testcase_per_case(junit: str) -> None:
    root = ET.fromstring(junit)
    assert root.tag == "testsuites"
    assert {k: root.get(k) for k in ("tests", "failures", "errors")} == {"tests": "4", "failures": "1", "errors": "0"}
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [FLAGSHIP, INVENTORY]
    assert [{k: s.get(k) for k in ("tests", "failures", "errors", "skipped")} for s in suites] == [
        {"tests": "2", "failures": "1", "errors": "0", "skipped": "0"},
        {"tests": "2", "failures": "0", "errors": "0", "skipped": "1"},
    ]
    cases = [(c.get("classname"), c.get("name")) for s in suites for c in s.findall("testcase")]
    assert cases == [
        (FLAGSHIP, FLAGSHIP_ID),
        (FLAGSHIP, f"{FLAGSHIP_ID}[500 on add | pipe]"),
        (INVENTORY, f"{INVENTORY_ID}[two mugs]"),
        (INVENTORY, f"{INVENTORY_ID}[no inputs]"),
    ]
    for suite in suites:
        assert suite.get("timestamp", "").endswith("+00:00")
        total = sum(float(c.get("time", "")) for c in suite.findall("testcase"))
        assert float(suite.get("time", "")) == pytest.approx(total, abs=0.003)


def test_failure_names_the_step_and_reason_with_the_exchange(junit: str) -> None:
    root = ET.fromstring(junit)
    failed = root.find(f"testsuite/testcase[@name='{FLAGSHIP_ID}[500 on add | pipe]']")
    assert failed is not None
    failure = failed.find("failure")
    assert failure is not None
    assert failure.get("message") == FAIL_REASON
    assert failure.get("type") == "criteria"
    text = failure.text or ""
    assert "> Authorization: ***" in text and "< 500" in text
    # U+0007 cannot be in XML 1.0: it is spelled out
    assert "< Internal Server Error | try again\\u0007" in text
    assert PASSWORD not in junit
    out = failed.find("system-out")
    assert out is not None and (out.text or "").splitlines()[1].startswith("✗ addNumber  POST ")


def test_skipped_and_passed_cases(junit: str) -> None:
    root = ET.fromstring(junit)
    skipped = root.find(f"testsuite/testcase[@name='{INVENTORY_ID}[no inputs]']")
    assert skipped is not None
    element = skipped.find("skipped")
    assert element is not None and element.get("message") == SKIP_REASON
    assert skipped.find("system-out") is None
    passed = root.find(f"testsuite/testcase[@name='{FLAGSHIP_ID}']")
    assert passed is not None
    assert passed.find("failure") is None and passed.find("skipped") is None
    out = passed.find("system-out")
    assert out is not None
    assert [line.split("  ")[0] for line in (out.text or "").splitlines()] == [
        "✓ createService",
        "✓ addNumber",
        "✓ confirmService",
    ]


def test_a_run_that_could_not_start_is_an_error(schema: xmlschema.XMLSchema) -> None:
    case = Case("a\x01b.arazzo.yaml", "w", name="bad\x1binput")
    report = TestReport(cases=[CaseResult(case, FAILED, "inputs: sku is required\x00")], started=0.0, duration=0.01)
    text = render("junit", report)
    schema.validate(text)
    root = ET.fromstring(text)
    assert (root.get("failures"), root.get("errors")) == ("0", "1")
    error = root.find("testsuite/testcase/error")
    assert error is not None and error.get("message") == "inputs: sku is required\\u0000"
    assert root.find("testsuite/testcase") is not None
    assert root.find("testsuite/testcase").get("name") == "w[bad\\u001binput]"  # type: ignore[union-attr]
    assert root.find("testsuite").get("timestamp") is None  # type: ignore[union-attr]


def test_an_empty_report_is_valid(schema: xmlschema.XMLSchema) -> None:
    text = render("junit", TestReport())
    schema.validate(text)
    assert ET.fromstring(text).get("tests") == "0"


def test_xml_text_keeps_what_xml_can_carry() -> None:
    assert xml_text("a\tb\nc\rd é ✓ \U0001f600") == "a\tb\nc\rd é ✓ \U0001f600"
    assert xml_text("\x00\x1f\ufffe") == "\\u0000\\u001f\\ufffe"
