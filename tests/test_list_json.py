"""``arazzo list --json`` on a document that does not load: one JSON object, the error as ``run --json`` has it."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from arazzo_runner.cli import main

from .paths import FLAGSHIP

BROKEN = {
    "openapi": ("api.yaml", "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"),
    "syntax": ("syntax.arazzo.yaml", "arazzo: 1.0.1\ninfo: [\n"),
    "version": ("old.arazzo.yaml", "arazzo: 0.9.0\ninfo: {title: t, version: '1'}\n"),
    "missing": ("missing.arazzo.yaml", None),
}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, case: str) -> Path:
    name, text = BROKEN[case]
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    return path


@pytest.mark.parametrize("case", list(BROKEN))
def test_the_error_is_the_one_run_json_prints(tmp_path: Path, case: str) -> None:
    path = write(tmp_path, case)
    code, out, err = run("list", str(path), "--json")
    data = json.loads(out)
    assert code == 2 and list(data) == ["workflows", "error"] and data["workflows"] == []
    run_code, run_out, _ = run("run", str(path), "--json")
    assert run_code == 2
    assert data["error"] == json.loads(run_out)["error"]
    assert err.startswith("error: ") and str(path) in err


@pytest.mark.parametrize(
    ("case", "error"),
    [
        (
            "openapi",
            {
                "type": "document",
                "message": "missing the 'arazzo' version field "
                "(this looks like an OpenAPI description, not an Arazzo document)",
                "stepId": None,
                "line": 1,
                "column": 1,
            },
        ),
        ("syntax", {"type": "document", "stepId": None, "line": 3, "column": 1}),
        ("missing", {"type": "document", "stepId": None, "line": None, "column": None}),
    ],
)
def test_the_error_object(tmp_path: Path, case: str, error: dict[str, Any]) -> None:
    path = write(tmp_path, case)
    found = json.loads(run("list", str(path), "--json")[1])["error"]
    assert found["file"] == str(path)
    assert {key: found[key] for key in error} == error
    assert list(found) == ["type", "message", "stepId", "file", "line", "column"]


def test_a_usage_error_is_reported_the_same_way() -> None:
    code, out, _ = run("list", str(FLAGSHIP), "--json", "--source", "nope=x.yaml")
    error = json.loads(out)["error"]
    assert code == 2 and error["type"] == "usage" and error["message"].startswith("--source nope=...")


def test_text_mode_is_unchanged(tmp_path: Path) -> None:
    path = write(tmp_path, "openapi")
    assert run("list", str(path)) == (
        2,
        "",
        f"error: {path}:1:1: missing the 'arazzo' version field "
        "(this looks like an OpenAPI description, not an Arazzo document)\n",
    )


def test_a_document_that_loads_has_no_error_key() -> None:
    code, out, _ = run("list", str(FLAGSHIP), "--json")
    assert code == 0 and list(json.loads(out)) == ["workflows"]
