"""``arazzo validate DIR``: the Arazzo documents below a directory, in every output format."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from arazzo_runner.cli import main
from arazzo_runner.loading import files

from .test_detect import big_openapi

SOURCES = Path(__file__).parent / "validation" / "data" / "sources"

VALID = """\
arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions:
  - {name: api, url: ../api.openapi.yaml, type: openapi}
workflows:
  - workflowId: w
    steps:
      - {stepId: list, operationId: listPets}
"""
TYPO = VALID.replace("operationId: listPets", "operationId: listPet")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """flows/{good.arazzo.yaml, typo.arazzo.json, nested/also-good.yml}, an OpenAPI source,
    a configuration file and documents in directories that are never searched."""
    shutil.copy(SOURCES / "api.openapi.yaml", tmp_path / "api.openapi.yaml")
    flows = tmp_path / "flows"
    (flows / "nested").mkdir(parents=True)
    (flows / "good.arazzo.yaml").write_text(VALID)
    # JSON, with its "arazzo" key after "info"
    import yaml

    data = yaml.safe_load(TYPO)
    data = {"info": data.pop("info"), **data}
    (flows / "typo.arazzo.json").write_text(json.dumps(data, indent=2))
    (flows / "nested" / "also-good.yml").write_text(VALID.replace("../api", "../../api"))
    (flows / "settings.yaml").write_text("name: not a document\n")
    for hidden in (".git", "node_modules", ".venv", "__pycache__"):
        (flows / hidden).mkdir()
        (flows / hidden / "bad.arazzo.yaml").write_text("arazzo: 9.9.9\n")
    return tmp_path


def test_text_lists_the_findings_of_every_document_and_counts_the_skipped_files(tree: Path) -> None:
    code, out, err = run(str(tree))
    assert code == 1
    (line,) = out.splitlines()
    assert line.startswith(f"{tree / 'flows' / 'typo.arazzo.json'}:")
    assert " error unknown-operation operationId 'listPet' " in line
    assert err == "1 of 3 files invalid: 1 error, 0 warnings (2 other files skipped: not Arazzo documents)\n"


def test_json_covers_every_document(tree: Path) -> None:
    code, out, _ = run(str(tree / "flows"), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["valid"] is False
    assert [(Path(d["file"]).name, d["rule"], d["pointer"]) for d in data["diagnostics"]] == [
        ("typo.arazzo.json", "unknown-operation", "/workflows/0/steps/0/operationId")
    ]


def test_sarif_and_github_cover_every_document(tree: Path) -> None:
    broken = tree / "flows" / "nested" / "broken.yaml"
    broken.write_text("arazzo: 1.0.1\ninfo: [\n")
    code, out, _ = run(str(tree), "--format", "sarif")
    (run_,) = json.loads(out)["runs"]
    found = [
        (Path(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]).name, r["ruleId"])
        for r in run_["results"]
    ]
    assert code == 1 and found == [("typo.arazzo.json", "unknown-operation"), ("broken.yaml", "syntax")]
    code, out, _ = run(str(tree), "--format", "github")
    assert code == 1
    assert [line.split(",")[0] for line in out.splitlines()] == [
        f"::error file={tree / 'flows' / 'typo.arazzo.json'}",
        f"::error file={broken}",
    ]


def test_all_valid_exits_0(tree: Path) -> None:
    (tree / "flows" / "typo.arazzo.json").unlink()
    assert run(str(tree)) == (
        0,
        "",
        "2 files valid: 0 errors, 0 warnings (2 other files skipped: not Arazzo documents)\n",
    )


def test_files_and_directories_mix_and_a_file_is_validated_once(tree: Path) -> None:
    good = tree / "flows" / "good.arazzo.yaml"
    api = tree / "api.openapi.yaml"
    code, out, err = run(str(good), str(tree / "flows" / "nested"), str(api), "--format", "json")
    files = [(Path(d["file"]).name, d["rule"]) for d in json.loads(out)["diagnostics"]]
    # the OpenAPI file was named: it is an error about that file, as before
    assert code == 1 and files == [("api.openapi.yaml", "version")]
    code, _, err = run(str(good), str(tree / "flows"), "--no-sources")
    assert code == 0 and err.startswith("3 files valid")


def test_an_unreadable_file_makes_the_exit_code_2(tree: Path) -> None:
    code, out, _ = run(str(tree), str(tree / "missing.yaml"), "--format", "json")
    rules = [d["rule"] for d in json.loads(out)["diagnostics"]]
    assert code == 2 and sorted(rules) == ["unknown-operation", "unreadable"]


@pytest.mark.parametrize(
    ("files", "why"),
    [
        ({}, "no .yaml, .yml or .json file"),
        ({"api.yaml": "openapi: 3.1.0\n", "notes.md": "arazzo: 1.0.1\n"}, "1 YAML/JSON file looked at, none of them"),
        ({".hidden/w.yaml": "arazzo: 1.0.1\n"}, "no .yaml, .yml or .json file"),
    ],
    ids=["empty", "only-openapi", "only-hidden"],
)
def test_a_directory_without_arazzo_documents_is_a_usage_error(tmp_path: Path, files: dict[str, str], why: str) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    code, out, err = run(str(tmp_path))
    assert (code, out) == (2, "")
    assert err == f"error: arazzo validate: no Arazzo document below {tmp_path} ({why}" + (
        " an Arazzo document)\n" if "looked at" in why else ")\n"
    )


def test_a_3_mb_openapi_file_is_not_an_arazzo_document_and_is_not_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.openapi.yaml"
    path.write_bytes(big_openapi())

    parse = files.parse_cached

    def parse_small(raw: bytes, name: str) -> Any:
        assert len(raw) < 1_000_000, f"{name} was parsed"
        return parse(raw, name)

    monkeypatch.setattr(files, "parse_cached", parse_small)
    code, out, err = run(str(path))
    assert code == 1
    assert out == (
        f"{path}:1:1 error version missing the 'arazzo' version field "
        "(this looks like an OpenAPI description, not an Arazzo document)\n"
    )
    (tmp_path / "flow.arazzo.yaml").write_text("arazzo: 1.0.1\ninfo: {title: t, version: '1'}\nworkflows: []\n")
    code, out, err = run(str(tmp_path), "--format", "json")
    assert code == 1  # found by its content; the big file is skipped, unparsed
    assert {Path(d["file"]).name for d in json.loads(out)["diagnostics"]} == {"flow.arazzo.yaml"}
    for command in (["list"], ["run", "--json"]):
        out_, err_ = io.StringIO(), io.StringIO()
        assert main([*command, str(path)], stdout=out_, stderr=err_) == 2
        assert "this looks like an OpenAPI description" in err_.getvalue()
