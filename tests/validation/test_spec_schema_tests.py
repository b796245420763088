"""The specification's own schema test documents (1.1): the structural verdict agrees with them.

No structural error on any ``pass`` document, at least one on every ``fail`` document.  Other
findings are allowed: the documents name remote sources (a warning each) and several ``pass``
documents are semantically wrong (``characterization-*`` on purpose, others by accident).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from arazzo_runner.validation import RULES, validate

from ..paths import SHARED, shared_files

BASE = ("reference", "spec-examples-1.1", "schema-tests")


def _documents(kind: str) -> list[Any]:
    files = shared_files(*BASE, kind)
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{SHARED.joinpath(*BASE)} is absent"), id="absent")]
    return [pytest.param(path, id=path.name) for path in files]


def _structural_errors(path: Path) -> list[str]:
    report = validate(path)
    return [str(d) for d in report.diagnostics if d.severity == "error" and RULES[d.rule].structural]


@pytest.mark.parametrize("path", _documents("pass"))
def test_no_structural_error_on_a_pass_document(path: Path) -> None:
    assert _structural_errors(path) == []


@pytest.mark.parametrize("path", _documents("fail"))
def test_a_structural_error_on_every_fail_document(path: Path) -> None:
    assert _structural_errors(path) != []


def test_the_counts_are_those_the_reference_describes() -> None:
    if not SHARED.joinpath(*BASE).exists():
        pytest.skip(f"{SHARED.joinpath(*BASE)} is absent")
    assert (len(shared_files(*BASE, "pass")), len(shared_files(*BASE, "fail"))) == (35, 27)
