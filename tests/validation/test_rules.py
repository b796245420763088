"""Every rule, from the case table cases/rules.yaml: a minimal document that breaks it is
reported with the rule's id, severity and the line:column of the offending value, and the same
document fixed is not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_runner.validation import RULES, validate

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "cases" / "rules.yaml").read_text())["cases"]


def _fixed(case: dict[str, Any]) -> str:
    text: str = case["doc"]
    for old, new in case.get("fix", []):
        assert old in text, f"{case['id']}: the fix {old!r} does not apply"
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_the_broken_document_is_reported_at_the_offending_value(
    case: dict[str, Any], write_document: Callable[..., Path]
) -> None:
    report = validate(write_document(case["doc"]), **case.get("options", {}))
    found = [d for d in report.diagnostics if d.rule == case["rule"]]
    if case.get("absent"):
        assert found == [], [str(d) for d in found]
        return
    assert [(d.line, d.column) for d in found] == [tuple(case["at"])], [str(d) for d in report.diagnostics]
    (diagnostic,) = found
    assert diagnostic.severity == RULES[case["rule"]].severity
    assert diagnostic.file is not None and diagnostic.file.endswith("case.arazzo.yaml")
    if "message" in case:
        assert case["message"] in diagnostic.message


FIXABLE = [case for case in CASES if "fix" in case or "options_fixed" in case]


@pytest.mark.parametrize("case", FIXABLE, ids=[case["id"] for case in FIXABLE])
def test_the_fixed_document_passes(case: dict[str, Any], write_document: Callable[..., Path]) -> None:
    options = {**case.get("options", {}), **case.get("options_fixed", {})}
    report = validate(write_document(_fixed(case)), **options)
    assert [str(d) for d in report.diagnostics if d.rule == case["rule"]] == []
    if case.get("fixed_valid", True):
        assert report.valid, [str(d) for d in report.diagnostics]


def test_every_rule_has_a_case_that_breaks_it() -> None:
    broken = {case["rule"] for case in CASES if not case.get("absent")}
    assert set(RULES) - broken == {"unreadable"}  # exit code 2: tested in test_cli_validate


def test_the_rule_table_is_well_formed() -> None:
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id and rule_id == rule_id.lower() and " " not in rule_id
        assert rule.severity in ("error", "warning", "info")
        assert rule.summary and not rule.summary.endswith(".")
