"""Issue 11, validation precision: the case table cases/precision.yaml (same format as
rules.yaml), a workflow that really sends ``$inputs.page[size]``, and the real documents of
../shared/corpus free of the false findings fixed here."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import yaml

import arazzo_runner
from arazzo_runner.validation import RULES, validate

from ..paths import SHARED, shared_files

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "cases" / "precision.yaml").read_text())["cases"]


def _fixed(case: dict[str, Any]) -> str:
    text: str = case["doc"]
    for old, new in case.get("fix", []):
        assert old in text, f"{case['id']}: the fix {old!r} does not apply"
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_the_case_is_reported_where_it_is_or_not_at_all(
    case: dict[str, Any], write_document: Callable[..., Path]
) -> None:
    report = validate(write_document(case["doc"]))
    found = [d for d in report.diagnostics if d.rule == case["rule"]]
    if case.get("absent"):
        assert found == [], [str(d) for d in found]
        return
    assert [(d.line, d.column) for d in found] == [tuple(case["at"])], [str(d) for d in report.diagnostics]
    (diagnostic,) = found
    assert diagnostic.severity == RULES[case["rule"]].severity
    assert case["message"] in diagnostic.message


FIXABLE = [case for case in CASES if "fix" in case]


@pytest.mark.parametrize("case", FIXABLE, ids=[case["id"] for case in FIXABLE])
def test_the_fixed_case_passes(case: dict[str, Any], write_document: Callable[..., Path]) -> None:
    report = validate(write_document(_fixed(case)))
    assert [str(d) for d in report.diagnostics if d.rule == case["rule"]] == []
    if case.get("fixed_valid", True):
        assert report.valid, [str(d) for d in report.diagnostics]


BRACKETS = """\
arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions:
  - {name: api, url: ./api.openapi.yaml, type: openapi}
workflows:
  - workflowId: w
    inputs:
      type: object
      properties:
        "page[size]": {type: integer}
        "with[]": {type: string}
    steps:
      - stepId: list
        operationId: listPets
        parameters:
          - {name: limit, in: query, value: "$inputs.page[size]"}
          - {name: X-Trace, in: header, value: "t-{$inputs.with[]}"}
        successCriteria:
          - condition: $statusCode == 200 && $inputs.page[size] == 25
        outputs:
          size: $inputs.page[size]
    outputs:
      size: $steps.list.outputs.size
"""


def test_a_workflow_sends_inputs_named_with_brackets(write_document: Callable[..., Path]) -> None:
    path = write_document(BRACKETS)
    assert [str(d) for d in validate(path).diagnostics] == []
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=[])

    with arazzo_runner.Runner(str(path), transport=httpx.MockTransport(answer)) as runner:
        result = runner.run("w", {"page[size]": 25, "with[]": "tags"})
    assert result.status == "succeeded", result.error
    assert result.outputs == {"size": 25}
    (request,) = sent
    assert dict(parse_qsl(urlsplit(str(request.url)).query)) == {"limit": "25"}
    assert request.headers["X-Trace"] == "t-tags"


# ------------------------------------------------------------------ the real documents

_ARAZZO_KEY = re.compile(rb'(^|[{,\s])"?arazzo"?\s*:', re.MULTILINE)
# Findings of the kinds fixed here that were false on real documents: a bracket in a name
# read as a bad index, and $workflows.<id> of a workflow that an Arazzo source holds.
_FALSE = {
    "expression-syntax": re.compile(r"\$(inputs|outputs|steps|workflows)\.[^ ]*\[[^\]0-9'][^\]]*\]"),
    "unknown-workflow": re.compile(r"^\$workflows\.[^ ]+: no workflow"),
}


def test_the_real_documents_have_no_false_findings_of_these_kinds() -> None:
    files = [p for p in shared_files("corpus") if _ARAZZO_KEY.search(p.read_bytes()[:8192])]
    if not files:
        pytest.skip(f"{SHARED / 'corpus'} is absent")
    false = []
    for path in files:
        for diagnostic in validate(path).diagnostics:
            pattern = _FALSE.get(diagnostic.rule)
            if pattern is not None and pattern.search(diagnostic.message):
                false.append(f"{path.name}: {diagnostic}")
    assert false == []
