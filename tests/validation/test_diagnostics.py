"""The diagnostic value and the four formatters."""

from __future__ import annotations

import json

from arazzo_runner.errors import Location
from arazzo_runner.validation.diagnostics import (
    Diagnostic,
    ValidationReport,
    format_github,
    format_json,
    format_sarif,
    format_text,
)
from arazzo_runner.validation.rules import RULES

ERROR = Diagnostic("error", "unknown-step", "no step 'x'", Location("a.yaml", "/workflows/0", 3, 7))
WARNING = Diagnostic("warning", "naming", "odd, name: 50%\nreally", Location("dir/b c.yaml", "/x", 1, 2))
UNLOCATED = Diagnostic("error", "unreadable", "file not found", Location("gone.yaml"))


def test_text_lines() -> None:
    assert format_text([ERROR, UNLOCATED]) == (
        "a.yaml:3:7 error unknown-step no step 'x'\ngone.yaml error unreadable file not found\n"
    )
    assert format_text([ERROR], {"error": lambda word: f"<{word}>"}).startswith("a.yaml:3:7 <error> ")


def test_json_valid_is_derived_from_the_severities() -> None:
    assert json.loads(format_json([WARNING]))["valid"] is True
    data = json.loads(format_json([ERROR, WARNING]))
    assert data["valid"] is False
    assert data["diagnostics"][0] == {
        "severity": "error",
        "rule": "unknown-step",
        "message": "no step 'x'",
        "file": "a.yaml",
        "line": 3,
        "column": 7,
        "pointer": "/workflows/0",
    }


def test_github_escapes_data_and_properties() -> None:
    assert format_github([WARNING]) == (
        "::warning file=dir/b c.yaml,line=1,col=2,title=naming::odd, name: 50%25%0Areally\n"
    )
    assert format_github([UNLOCATED]) == "::error file=gone.yaml,title=unreadable::file not found\n"
    comma = Diagnostic("error", "syntax", "x", Location("a,b:c.yaml", "", 1, 1))
    assert format_github([comma]).startswith("::error file=a%2Cb%3Ac.yaml,")


def test_sarif_lists_only_the_rules_used() -> None:
    log = json.loads(format_sarif([ERROR, WARNING, UNLOCATED], list(RULES.values()), version="9"))
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["version"] == "9"
    assert [rule["id"] for rule in driver["rules"]] == [
        r for r in RULES if r in ("unknown-step", "naming", "unreadable")
    ]
    results = log["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "warning", "error"]
    assert results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "dir/b%20c.yaml"
    assert "region" not in results[2]["locations"][0]["physicalLocation"]


def test_a_report_is_valid_without_errors() -> None:
    assert ValidationReport("a.yaml", (WARNING,)).valid
    assert not ValidationReport("a.yaml", (WARNING, ERROR)).valid
    assert ValidationReport("a.yaml").to_dict() == {"valid": True, "diagnostics": []}
