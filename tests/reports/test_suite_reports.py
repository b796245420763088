"""The reports run_tests writes for the example workflows on the built-in mock."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import xmlschema

from arazzo_runner.execution.results import RequestSent
from arazzo_runner.suite import run_tests

from ..paths import ROOT
from .test_ctrf import SCHEMA
from .test_har import check_har
from .test_junit import XSD


def test_reports_of_the_example_suite(tmp_path: Path) -> None:
    markdown = io.StringIO()
    reporters = [(kind, str(tmp_path / f"r.{kind}")) for kind in ("junit", "har", "ctrf", "json")]
    report = run_tests(
        [ROOT / "workflows"], mock=True, sleep=lambda seconds: None, reporters=[*reporters, ("markdown", markdown)]
    )
    cases = report.cases
    assert cases and report.exit_code in (0, 1)
    ids = [result.case.id for result in cases]

    junit = (tmp_path / "r.junit").read_text(encoding="utf-8")
    xmlschema.XMLSchema(str(XSD)).validate(junit)
    testcases = ET.fromstring(junit).findall("testsuite/testcase")
    assert len(testcases) == len(cases)
    assert sorted(f"{c.get('classname')}::{c.get('name')}" for c in testcases) == sorted(ids)

    har = json.loads((tmp_path / "r.har").read_text(encoding="utf-8"))
    check_har(har)
    sent = [(e.request.method, e.request.url) for r in cases for e in r.events if isinstance(e, RequestSent)]
    assert [(e["request"]["method"], e["request"]["url"]) for e in har["log"]["entries"]] == sent

    ctrf = json.loads((tmp_path / "r.ctrf").read_text(encoding="utf-8"))
    jsonschema.validate(ctrf, SCHEMA, cls=jsonschema.Draft7Validator)
    assert [t["testId"] for t in ctrf["results"]["tests"]] == ids
    assert [t["status"] for t in ctrf["results"]["tests"]] == [r.verdict for r in cases]

    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["summary"]["total"] == len(cases)
    rows = [line for line in markdown.getvalue().splitlines() if line.startswith("| ")][2:]
    assert len(rows) == len(cases)
