"""``arazzo validate``, called in-process through ``cli.main``: formats and exit codes."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from arazzo_runner.cli import main
from arazzo_runner.validation import RULES

from ..paths import FLAGSHIP

VALID = """\
arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions:
  - {name: api, url: ./api.openapi.yaml, type: openapi}
workflows:
  - workflowId: w
    steps:
      - {stepId: list, operationId: listPets}
"""
TYPO = VALID.replace("operationId: listPets", "operationId: listPet")
WARNING_ONLY = VALID.replace("workflowId: w", "workflowId: a w")  # naming is a warning
MISSING_SOURCE = VALID.replace("./api.openapi.yaml", "./gone.openapi.yaml")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_a_valid_document_exits_0() -> None:
    code, out, err = run(str(FLAGSHIP))
    assert (code, out) == (0, "")
    assert "1 file valid: 0 errors, 0 warnings" in err


def test_errors_exit_1_one_line_each(write_document: Callable[..., Path]) -> None:
    path = write_document(TYPO)
    code, out, err = run(str(path))
    assert code == 1
    (line,) = out.splitlines()
    assert re.fullmatch(r".+case\.arazzo\.yaml:8:37 error unknown-operation operationId 'listPet' .+", line), line
    assert "1 error" in err


def test_quiet_prints_no_summary(write_document: Callable[..., Path]) -> None:
    code, _, err = run(str(write_document(VALID)), "-q")
    assert (code, err) == (0, "")


def test_yaml_syntax_errors_and_duplicate_keys_are_diagnostics(write_document: Callable[..., Path]) -> None:
    broken = write_document("arazzo: 1.0.1\ninfo: [\n", "broken.arazzo.yaml")
    duplicated = write_document(VALID + "workflows: []\n", "duplicated.arazzo.yaml")
    code, out, _ = run(str(broken), str(duplicated), "--format", "json")
    assert code == 1
    found = [(d["rule"], Path(d["file"]).name, d["line"]) for d in json.loads(out)["diagnostics"]]
    assert found == [("syntax", "broken.arazzo.yaml", 3), ("syntax", "duplicated.arazzo.yaml", 9)]


def test_a_file_that_cannot_be_read_exits_2_and_the_others_are_still_checked(
    write_document: Callable[..., Path], tmp_path: Path
) -> None:
    code, out, _ = run(str(tmp_path / "nope.yaml"), str(write_document(TYPO)), "--format", "json")
    assert code == 2
    data = json.loads(out)
    assert data["valid"] is False
    assert [d["rule"] for d in data["diagnostics"]] == ["unreadable", "unknown-operation"]


def test_json_follows_the_contract(write_document: Callable[..., Path]) -> None:
    code, out, _ = run(str(write_document(TYPO)), "--format", "json")
    data = json.loads(out)
    assert code == 1 and list(data) == ["valid", "diagnostics"] and data["valid"] is False
    (diagnostic,) = data["diagnostics"]
    assert list(diagnostic) == ["severity", "rule", "message", "file", "line", "column", "pointer"]
    assert (diagnostic["severity"], diagnostic["rule"]) == ("error", "unknown-operation")
    assert (diagnostic["line"], diagnostic["column"], diagnostic["pointer"]) == (
        8,
        37,
        "/workflows/0/steps/0/operationId",
    )


def test_sarif_is_a_2_1_0_log(write_document: Callable[..., Path]) -> None:
    code, out, _ = run(str(write_document(TYPO)), "--format", "sarif")
    log = json.loads(out)
    assert code == 1 and log["version"] == "2.1.0" and "sarif-2.1.0" in log["$schema"]
    (run_,) = log["runs"]
    assert run_["tool"]["driver"]["name"] == "arazzo"
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]] == ["unknown-operation"]
    (result,) = run_["results"]
    assert (result["ruleId"], result["ruleIndex"], result["level"]) == ("unknown-operation", 0, "error")
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("case.arazzo.yaml")
    assert location["region"] == {"startLine": 8, "startColumn": 37}


def test_github_annotations(write_document: Callable[..., Path]) -> None:
    code, out, _ = run(str(write_document(TYPO)), "--format", "github")
    assert code == 1
    assert re.fullmatch(
        r"::error file=.+case\.arazzo\.yaml,line=8,col=37,title=unknown-operation::operationId 'listPet' .+\n", out
    ), out


def test_strict_turns_warnings_into_errors(write_document: Callable[..., Path]) -> None:
    path = str(write_document(WARNING_ONLY))
    assert run(path)[0] == 0
    code, out, _ = run(path, "--strict")
    assert code == 1 and " error naming " in out


def test_ignore_and_warn_rules(write_document: Callable[..., Path]) -> None:
    path = str(write_document(TYPO))
    assert run(path, "--ignore", "unknown-operation") == (0, "", "1 file valid: 0 errors, 0 warnings\n")
    code, out, _ = run(path, "--warn", "unknown-operation")
    assert code == 0 and " warning unknown-operation " in out


def test_an_unknown_rule_is_a_usage_error(write_document: Callable[..., Path]) -> None:
    code, _, err = run(str(write_document(VALID)), "--ignore", "unknown-operatoin")
    assert code == 2 and "did you mean 'unknown-operation'?" in err


def test_no_sources_skips_the_checks_that_read_them(write_document: Callable[..., Path]) -> None:
    path = str(write_document(MISSING_SOURCE))
    assert run(path)[0] == 1
    assert run(path, "--no-sources")[0] == 0


def test_source_redirects_a_source_description(write_document: Callable[..., Path], tmp_path: Path) -> None:
    path = str(write_document(MISSING_SOURCE))
    assert run(path, "--source", f"api={tmp_path / 'api.openapi.yaml'}")[0] == 0


def test_rules_lists_every_rule() -> None:
    code, out, _ = run("--rules")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == list(RULES)


def test_no_file_is_a_usage_error() -> None:
    code, _, err = run()
    assert code == 2 and "name at least one FILE" in err


def test_a_directory_stands_for_the_arazzo_documents_below_it(write_document: Callable[..., Path]) -> None:
    path = write_document(TYPO)  # next to the six test sources (OpenAPI, Swagger, AsyncAPI)
    code, out, err = run(str(path.parent))
    assert code == 1
    (line,) = out.splitlines()
    assert line.startswith(f"{path}:8:37 error unknown-operation ")
    assert err == "1 file invalid: 1 error, 0 warnings (6 other files skipped: not Arazzo documents)\n"


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n", "an OpenAPI description"),
        ("asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\n", "an AsyncAPI document"),
    ],
    ids=["openapi", "asyncapi"],
)
def test_a_named_file_of_another_kind_is_one_error_found_without_parsing_it(
    write_document: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, text: str, hint: str
) -> None:
    path = write_document(text, "other.yaml")

    def no_parse(raw: bytes, name: str) -> None:
        raise AssertionError(f"{name} was parsed")

    monkeypatch.setattr("arazzo_runner.loading.files.parse_cached", no_parse)
    code, out, _ = run(str(path), "--format", "json")
    assert code == 1
    (diagnostic,) = json.loads(out)["diagnostics"]
    assert (diagnostic["rule"], diagnostic["line"], diagnostic["column"]) == ("version", 1, 1)
    assert (
        diagnostic["message"] == f"missing the 'arazzo' version field (this looks like {hint}, not an Arazzo document)"
    )
