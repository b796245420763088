"""The flagship workflow validates cleanly, and each mistake made from it is an error on the
right line (the acceptance list of the validate issue)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import arazzo_runner

from ..paths import FLAGSHIP, ROOT

OPENAPI = ROOT / "openapi" / "twilio-messaging-openapi.yml"

# (id, text to replace, replacement, rule, line, column, words the message contains)
MISTAKES = [
    (
        "operationId-typo",
        "operationId: addPhoneNumber",
        "operationId: addPhoneNumbr",
        "unknown-operation",
        57,
        18,
        "did you mean 'addPhoneNumber'?",
    ),
    (
        "input-in-request-body",
        "PhoneNumberSid: $inputs.phoneNumberSid",
        "PhoneNumberSid: $inputs.phoneNumberSidd",
        "unknown-input",
        65,
        25,
        "did you mean 'phoneNumberSid'?",
    ),
    (
        "step-typo",
        "      value: $steps.createService.outputs.serviceSid\n    requestBody:",
        "      value: $steps.createServise.outputs.serviceSid\n    requestBody:",
        "unknown-step",
        61,
        14,
        "did you mean 'createService'?",
    ),
    (
        "response-bodyy",
        "serviceSid: $response.body#/sid",
        "serviceSid: $response.bodyy#/sid",
        "expression-syntax",
        52,
        29,
        "$response.bodyy",
    ),
    (
        "regex-without-context",
        "    - condition: $statusCode == 201\n    outputs:",
        "    - condition: '^2'\n      type: regex\n    outputs:",
        "criterion-context",
        50,
        7,
        "needs a `context`",
    ),
    (
        "output-name-with-space",
        "      friendlyName: $response.body#/friendly_name",
        "      friendly name: $response.body#/friendly_name",
        "pattern",
        79,
        7,
        "'friendly name'",
    ),
    (
        "goto-missing-step",
        "    - condition: $statusCode == 200\n",
        "    - condition: $statusCode == 200\n    onSuccess:\n    - name: again\n      type: goto\n      stepId: confirmServce\n",
        "unknown-step",
        81,
        15,
        "did you mean 'confirmService'?",
    ),
    (
        "source-url-missing-file",
        "url: ../openapi/twilio-messaging-openapi.yml",
        "url: ../openapi/twilio-messaging.yml",
        "source-file",
        16,
        8,
        "does not exist",
    ),
]


@pytest.fixture
def flagship_copy(tmp_path: Path) -> Path:
    (tmp_path / "workflows").mkdir()
    (tmp_path / "openapi").mkdir()
    shutil.copy(OPENAPI, tmp_path / "openapi" / OPENAPI.name)
    return tmp_path / "workflows" / FLAGSHIP.name


def test_the_flagship_workflow_validates_with_no_diagnostic() -> None:
    report = arazzo_runner.validate(FLAGSHIP)
    assert report.valid
    assert [str(d) for d in report.diagnostics] == []


@pytest.mark.parametrize(
    ("old", "new", "rule", "line", "column", "words"),
    [pytest.param(*mistake[1:], id=mistake[0]) for mistake in MISTAKES],
)
def test_a_mistake_is_an_error_on_its_line(
    flagship_copy: Path, old: str, new: str, rule: str, line: int, column: int, words: str
) -> None:
    text = FLAGSHIP.read_text(encoding="utf-8")
    assert text.count(old) == 1
    flagship_copy.write_text(text.replace(old, new), encoding="utf-8")
    report = arazzo_runner.validate(flagship_copy)
    errors = [d for d in report.diagnostics if d.severity == "error"]
    assert [(d.rule, d.line, d.column) for d in errors][:1] == [(rule, line, column)], [str(d) for d in errors]
    assert words in errors[0].message
    assert not report.valid
