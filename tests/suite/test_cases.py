"""Cases files: what a valid file reads as, each mistake with its location, and discovery."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from arazzo_runner.errors import DocumentError, SourceError
from arazzo_runner.suite.cases import discover, is_matcher, read_cases
from arazzo_runner.suite.outcome import Expectation

from .conftest import write


def test_a_valid_file_reads_as_checked_entries(tmp_path: Path) -> None:
    path = write(
        tmp_path / "cases" / "shop.cases.yaml",
        """\
- name: first
  file: ../docs/shop.arazzo.yml
  workflowId: create-item
  inputs: {name: pen, count: 2}
  expect:
    status: failed
    outputs:
      id: {regex: "^[0-9a-f-]+$"}
      name: pen
      count: null
- file: shop.yml
  workflowId: other
""",
    )
    first, second = read_cases(str(path))
    assert first.name == "first"
    assert first.document == os.path.normpath(str(tmp_path / "docs" / "shop.arazzo.yml"))
    assert first.workflow_id == "create-item"
    assert first.inputs == {"name": "pen", "count": 2}
    assert first.expect == Expectation(
        status="failed", outputs={"id": {"regex": "^[0-9a-f-]+$"}, "name": "pen", "count": None}
    )
    assert (first.location.line, first.location.column) == (1, 3)
    assert (first.workflow_location.line, first.workflow_location.column) == (3, 15)
    assert (first.output_locations["count"].line, first.output_locations["count"].column) == (10, 7)
    assert second.name is None
    assert second.document == os.path.normpath(str(tmp_path / "cases" / "shop.yml"))
    assert second.inputs == {}
    assert second.expect == Expectation()
    assert second.cases_file.endswith("shop.cases.yaml")


def test_a_json_cases_file_has_locations_too(tmp_path: Path) -> None:
    path = write(tmp_path / "a.cases.json", '[\n  {"file": "a.yml",\n   "workflowId": 7}\n]\n')
    with pytest.raises(DocumentError) as raised:
        read_cases(str(path))
    assert raised.value.message == "'workflowId' must be a non-empty string, not a number"
    assert (raised.value.location.line, raised.value.location.column) == (3, 18)
    assert raised.value.location.pointer == "/0/workflowId"


ERRORS = [
    # (file text, message, line, column)
    ("{}\n", "a cases file is a list of cases ({name, file, workflowId, inputs, expect}), not a mapping", 1, 1),
    ("~\n", "a cases file is a list of cases ({name, file, workflowId, inputs, expect}), not null", 1, 1),
    ("- 3\n", "a case must be a mapping, not a number", 1, 3),
    (
        "- file: a.yml\n  workflowId: w\n  inptus: {}\n",
        "unknown key 'inptus' in a case; did you mean 'inputs'? (allowed: name, file, workflowId, inputs, expect)",
        3,
        3,
    ),
    ("- file: a.yml\n  inputs: {}\n", "the case has no 'workflowId' (each case names its workflow to run)", 1, 3),
    (
        "- workflowId: w\n",
        "the case has no 'file' (each case names its Arazzo document, relative to the cases file)",
        1,
        3,
    ),
    ("- file: a.yml\n  workflowId: w\n  name: 3\n", "'name' must be a non-empty string, not a number", 3, 9),
    ("- file: ''\n  workflowId: w\n", "'file' must be a non-empty string, not a string", 1, 9),
    (
        "- file: a.yml\n  workflowId: w\n  inputs: [1]\n",
        "'inputs' must be a mapping of input names to values, not a list",
        3,
        11,
    ),
    ("- file: a.yml\n  workflowId: w\n  expect: passed\n", "'expect' must be a mapping, not a string", 3, 11),
    (
        "- file: a.yml\n  workflowId: w\n  expect: {stauts: failed}\n",
        "unknown key 'stauts' in 'expect'; did you mean 'status'? (allowed: status, outputs)",
        3,
        12,
    ),
    (
        "- file: a.yml\n  workflowId: w\n  expect: {status: passed}\n",
        "'status' must be succeeded or failed, not 'passed'",
        3,
        20,
    ),
    (
        "- file: a.yml\n  workflowId: w\n  expect:\n    outputs: [a]\n",
        "'outputs' must be a mapping of output names to values, not a list",
        4,
        14,
    ),
    (
        "- file: a.yml\n  workflowId: w\n  expect:\n    outputs:\n      id: {regex: 5}\n",
        "'regex' must be a string (an ECMA-262 pattern), not a number",
        5,
        19,
    ),
    (
        "- file: a.yml\n  workflowId: w\n  expect:\n    outputs:\n      id: {regex: a, flags: i}\n",
        "a matcher holds only 'regex', not 'flags'",
        5,
        22,
    ),
]


@pytest.mark.parametrize(("text", "message", "line", "column"), ERRORS)
def test_each_mistake_is_a_document_error_where_it_is(
    tmp_path: Path, text: str, message: str, line: int, column: int
) -> None:
    path = write(tmp_path / "x.cases.yaml", text)
    with pytest.raises(DocumentError) as raised:
        read_cases(str(path))
    error = raised.value
    assert error.message == message
    assert error.location is not None
    assert error.location.file is not None and error.location.file.endswith("x.cases.yaml")
    assert (error.location.line, error.location.column) == (line, column)


def test_a_regex_that_does_not_compile_is_an_error_at_the_pattern(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.cases.yaml", "- file: a.yml\n  workflowId: w\n  expect:\n    outputs:\n      id: {regex: '(a'}\n"
    )
    with pytest.raises(DocumentError) as raised:
        read_cases(str(path))
    assert raised.value.message.startswith("regex '(a': missing )")
    assert (raised.value.location.line, raised.value.location.column) == (5, 19)


def test_a_cases_file_that_does_not_exist_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="file not found"):
        read_cases(str(tmp_path / "nowhere.cases.yaml"))


def test_a_yaml_syntax_error_has_its_position(tmp_path: Path) -> None:
    path = write(tmp_path / "x.cases.yaml", "- file: a.yml\n  workflowId: [w\n")
    with pytest.raises(DocumentError) as raised:
        read_cases(str(path))
    assert raised.value.location is not None and raised.value.location.line is not None


@pytest.mark.parametrize(
    ("value", "expected"),
    [({"regex": "a"}, True), ({"regex": "a", "x": 1}, False), ({"Regex": "a"}, False), ("regex", False), (None, False)],
)
def test_only_a_mapping_with_the_single_key_regex_is_a_matcher(value: object, expected: bool) -> None:
    assert is_matcher(value) is expected


def test_discovery_below_directories_and_beside_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "suite/a.cases.yaml",
        "suite/deep/b.cases.yml",
        "suite/deep/C.CASES.JSON",
        "suite/.hidden/hidden.cases.yaml",
        "suite/node_modules/dep.cases.yaml",
        "suite/cases.yaml",  # not *.cases.yaml
        "suite/doc.yml",
        "single/doc.yml",
        "single/beside.cases.yaml",
        "single/below/not-beside.cases.yaml",
    ):
        write(tmp_path / name, "[]\n")
    monkeypatch.chdir(tmp_path)
    assert discover(["suite"]) == [
        os.path.join("suite", "a.cases.yaml"),
        os.path.join("suite", "deep", "C.CASES.JSON"),
        os.path.join("suite", "deep", "b.cases.yml"),
    ]
    assert discover([os.path.join("single", "doc.yml")]) == [os.path.join("single", "beside.cases.yaml")]
    # a file named twice (a directory and a file in it) is found once
    assert discover(["single", os.path.join("single", "doc.yml")]) == [
        os.path.join("single", "below", "not-beside.cases.yaml"),
        os.path.join("single", "beside.cases.yaml"),
    ]
    write(tmp_path / "top.cases.yaml", "[]\n")
    assert discover(["doc.yml"]) == ["top.cases.yaml"]  # beside a file of the working directory
