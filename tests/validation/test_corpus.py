"""Every Arazzo document of ../shared/corpus validates without crashing, every diagnostic is
located, and the number of findings per rule is the one recorded in data/corpus-counts.json,
so that any change of behaviour shows.  After an intended change, rewrite the file with
``ARAZZO_UPDATE_CORPUS_COUNTS=1 pytest tests/validation/test_corpus.py`` and review the diff."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from arazzo_runner.errors import SourceError
from arazzo_runner.validation import ValidationReport, validate

from ..paths import SHARED, shared_files

COUNTS = Path(__file__).parent / "data" / "corpus-counts.json"
_ARAZZO_KEY = re.compile(rb'(^|[{,\s])"?arazzo"?\s*:', re.MULTILINE)


@pytest.fixture(scope="module")
def reports() -> dict[str, Any]:
    files = [p for p in shared_files("corpus") if _ARAZZO_KEY.search(p.read_bytes()[:8192])]
    if not files:
        pytest.skip(f"{SHARED / 'corpus'} is absent")
    found: dict[str, Any] = {}
    for path in files:
        name = str(path.relative_to(SHARED / "corpus"))
        try:
            found[name] = validate(path)
        except SourceError as error:  # cannot be read at all
            found[name] = error
    return found


def test_every_corpus_document_is_validated(reports: dict[str, Any]) -> None:
    unreadable = [name for name, report in reports.items() if not isinstance(report, ValidationReport)]
    assert unreadable == []


def test_every_diagnostic_is_located(reports: dict[str, Any]) -> None:
    unlocated = [
        f"{name}: {diagnostic}"
        for name, report in reports.items()
        for diagnostic in report.diagnostics
        if diagnostic.file is None or diagnostic.line is None or diagnostic.column is None
    ]
    assert unlocated == []


def test_the_findings_per_rule_are_the_recorded_ones(reports: dict[str, Any]) -> None:
    counts: Counter[str] = Counter()
    for report in reports.values():
        counts.update(d.rule for d in report.diagnostics)
    actual = {
        "documents": len(reports),
        "valid": sum(1 for report in reports.values() if report.valid),
        "rules": dict(sorted(counts.items())),
    }
    if os.environ.get("ARAZZO_UPDATE_CORPUS_COUNTS"):
        COUNTS.write_text(json.dumps(actual, indent=2) + "\n", encoding="utf-8")
    expected = json.loads(COUNTS.read_text(encoding="utf-8"))
    assert actual == expected
