"""``--mock``'s optional value: the word after it is a SOURCE unless it names an existing file or
directory (``cli.common.add_optional_value``), so ``arazzo run --mock FILE`` runs FILE."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pytest

from arazzo_runner.cli.common import Parser, add_optional_value

from .paths import FLAGSHIP
from .test_cli_run import PHONE, run

INPUTS = ["-i", "friendlyName=Demo messaging service", "-i", f"phoneNumberSid={PHONE}"]


def _parser() -> Parser:
    parser = Parser(prog="t")
    parser.add_argument("file", nargs="?")
    add_optional_value(parser, "--mock", const="*", action="append")
    parser.add_argument("--json", action="store_true")
    return parser


@pytest.mark.parametrize(
    "argv, mock, file",
    [
        (["--mock", "{file}"], ["*"], "{file}"),
        (["--mock", "{dir}"], ["*"], "{dir}"),
        (["{file}", "--mock"], ["*"], "{file}"),
        (["{file}", "--mock", "messagingApi"], ["messagingApi"], "{file}"),
        (["--mock", "messagingApi", "{file}"], ["messagingApi"], "{file}"),
        (["{file}", "--mock=messagingApi"], ["messagingApi"], "{file}"),
        (["--mock={file}"], ["{file}"], None),  # with = it is always the value
        (["--mock", "--json", "{file}"], ["*"], "{file}"),
        (["--mock", "a", "--mock", "b", "{file}"], ["a", "b"], "{file}"),
        (["--mock", "no-such-file"], ["no-such-file"], None),
        (["--mock", "--", "{file}"], ["*"], "{file}"),
        ([], None, None),
    ],
    ids=[
        "before-file", "before-directory", "after-file-bare", "after-file-source", "source-then-file",
        "equals-source", "equals-path", "before-option", "repeated", "not-a-path", "double-dash", "absent",
    ],
)  # fmt: skip
def test_the_word_after_mock(tmp_path: Path, argv: list[str], mock: list[str] | None, file: str | None) -> None:
    document = tmp_path / "flow.yaml"
    document.write_text("arazzo: 1.0.1\n", encoding="utf-8")
    names = {"file": str(document), "dir": str(tmp_path)}
    args = _parser().parse_args([word.format(**names) for word in argv])
    assert args.mock == (None if mock is None else [m.format(**names) for m in mock])
    assert args.file == (None if file is None else file.format(**names))


def test_a_source_named_like_a_file_in_the_working_directory_needs_equals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "messagingApi").write_text("", encoding="utf-8")
    assert _parser().parse_args(["--mock", "messagingApi"]).file == "messagingApi"
    args = _parser().parse_args(["--mock=messagingApi"])
    assert (args.mock, args.file) == (["messagingApi"], None)


def test_only_our_parser_applies_the_rule() -> None:
    with pytest.raises(TypeError):
        add_optional_value(argparse.ArgumentParser(), "--mock", const="*")


def test_mock_before_the_document_runs_the_flagship_offline() -> None:
    code, out, err = run("run", "--mock", str(FLAGSHIP), *INPUTS, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "succeeded"
    assert data["outputs"]["friendlyName"] == "Demo messaging service"
    assert [s["response"]["statusCode"] for s in data["steps"]] == [201, 201, 200]
    assert "mock: messagingApi answered by the built-in mock" in err


def test_mock_before_a_relative_document(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FLAGSHIP.parent)
    code, out, err = run("run", "--mock", FLAGSHIP.name, *INPUTS)
    assert code == 0, err
    assert out.splitlines()[1] == "friendlyName: Demo messaging service"


@pytest.mark.parametrize(
    "mock",
    [["--mock"], ["--mock", "messagingApi"], ["--mock=messagingApi"]],
    ids=["bare", "source", "equals"],
)
def test_mock_after_the_document_keeps_working(mock: list[str]) -> None:
    code, out, err = run("run", str(FLAGSHIP), *mock, *INPUTS)
    assert code == 0, err
    assert out.splitlines()[1] == "friendlyName: Demo messaging service"


def test_mock_with_equals_and_a_path_is_a_source_name() -> None:
    code, _, err = run("run", f"--mock={os.fspath(FLAGSHIP)}", str(FLAGSHIP), *INPUTS)
    assert code == 2 and f"no OpenAPI source description named {os.fspath(FLAGSHIP)!r}" in err
