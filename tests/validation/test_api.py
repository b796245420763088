"""``arazzo_runner.validate``: paths or loaded Descriptions, options, report, positions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import arazzo_runner
from arazzo_runner.errors import SourceError, UsageError
from arazzo_runner.validation import Diagnostic, ValidationReport, validate

from ..paths import FLAGSHIP
from .test_cli_validate import TYPO, VALID, WARNING_ONLY


def test_the_public_api_exports_validate_and_its_report() -> None:
    assert arazzo_runner.validate is validate
    assert arazzo_runner.ValidationReport is ValidationReport
    assert arazzo_runner.Diagnostic is Diagnostic
    assert {"validate", "ValidationReport", "Diagnostic"} <= set(arazzo_runner.__all__)


def test_an_already_loaded_description_is_validated_with_its_own_session(
    write_document: Callable[..., Path], tmp_path: Path
) -> None:
    """``arazzo run`` loads once and validates what it loaded (redirects included)."""
    path = write_document(VALID.replace("./api.openapi.yaml", "./gone.yaml"))
    assert not validate(path).valid
    description = arazzo_runner.load(str(path), sources={"api": str(tmp_path / "api.openapi.yaml")})
    report = validate(description)
    assert report.valid and report.diagnostics == ()
    assert report.file == description.file


def test_the_same_findings_for_a_path_and_a_description(write_document: Callable[..., Path]) -> None:
    path = write_document(TYPO)
    by_path = validate(path)
    by_description = validate(arazzo_runner.load(str(path)))
    assert [str(d) for d in by_path.diagnostics] == [str(d) for d in by_description.diagnostics]


def test_a_file_that_cannot_be_read_raises(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        validate(tmp_path / "missing.arazzo.yaml")
    with pytest.raises(SourceError):
        validate(tmp_path)  # a directory


def test_the_report(write_document: Callable[..., Path]) -> None:
    report = validate(write_document(TYPO + "  - workflowId: a w\n    steps: [{stepId: s, operationId: getPet}]\n"))
    assert not report.valid
    assert [d.rule for d in report.errors] == ["unknown-operation", "missing-parameter"]
    assert [d.rule for d in report.warnings] == ["naming"]
    assert report.by_rule() == {"unknown-operation": 1, "naming": 1, "missing-parameter": 1}
    data = report.to_dict()
    assert data["valid"] is False and len(data["diagnostics"]) == 3
    assert [d.line for d in report.diagnostics] == sorted(d.line or 0 for d in report.diagnostics)


def test_options_strict_ignore_warn(write_document: Callable[..., Path]) -> None:
    warned = write_document(WARNING_ONLY, "warned.arazzo.yaml")
    assert validate(warned).valid and not validate(warned, strict=True).valid
    typo = write_document(TYPO)
    assert validate(typo, ignore=["unknown-operation"]).diagnostics == ()
    assert [d.severity for d in validate(typo, warn=["unknown-operation"]).diagnostics] == ["warning"]
    with pytest.raises(UsageError):
        validate(typo, ignore=["no-such-rule"])


def test_without_sources_the_checks_that_need_them_do_not_run(write_document: Callable[..., Path]) -> None:
    path = write_document(TYPO.replace("./api.openapi.yaml", "./gone.yaml"))
    assert {d.rule for d in validate(path).diagnostics} == {"source-file"}
    assert validate(path, use_sources=False).diagnostics == ()


def test_positions_in_a_json_document(write_document: Callable[..., Path]) -> None:
    text = (
        '{"arazzo": "1.0.1", "info": {"title": "t", "version": "1"},\n'
        ' "sourceDescriptions": [{"name": "api", "url": "./api.openapi.yaml", "type": "openapi"}],\n'
        ' "workflows": [{"workflowId": "w", "steps": [\n'
        '   {"stepId": "list", "operationId": "listPets", "outputs": {"x": "$response.bodyy"}}]}]}\n'
    )
    (diagnostic,) = validate(write_document(text, "case.arazzo.json")).diagnostics
    assert (diagnostic.rule, diagnostic.line, diagnostic.column) == ("expression-syntax", 4, 78)


def test_positions_inside_a_block_scalar(write_document: Callable[..., Path]) -> None:
    text = VALID.replace(
        "      - {stepId: list, operationId: listPets}\n",
        "      - stepId: list\n"
        "        operationId: listPets\n"
        "        successCriteria:\n"
        "          - condition: |\n"
        "              $statusCode == 200 &&\n"
        "              $response.bodi#/0 != null\n",
    )
    (diagnostic,) = validate(write_document(text)).diagnostics
    assert (diagnostic.rule, diagnostic.line, diagnostic.column) == ("expression-syntax", 13, 25)


def test_the_flagship_in_1_1_rules_too(tmp_path: Path) -> None:
    """The same workflow declared as 1.1 is valid by the 1.1 rules."""
    text = FLAGSHIP.read_text(encoding="utf-8").replace("arazzo: 1.0.1", "arazzo: 1.1.0")
    (tmp_path / "workflows").mkdir()
    (tmp_path / "openapi").mkdir()
    openapi = FLAGSHIP.parent.parent / "openapi" / "twilio-messaging-openapi.yml"
    (tmp_path / "openapi" / openapi.name).write_bytes(openapi.read_bytes())
    path = tmp_path / "workflows" / FLAGSHIP.name
    path.write_text(text, encoding="utf-8")
    assert validate(path).diagnostics == ()
