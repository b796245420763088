"""What a suite runs: documents, workflows, cases, schema inputs, skips, -k and the rules of discovery."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from arazzo_runner.errors import DocumentError, UsageError
from arazzo_runner.suite.collect import collect, schema_inputs, shown_path
from arazzo_runner.suite.outcome import Expectation

from .conftest import write

SKIP_NEEDS_NAME = (
    "required inputs name, label have no default or examples in the inputs schema; give them in a cases file "
    "(a *.cases.yaml entry with file: shop.arazzo.yml, workflowId: needs-name, inputs: {...})"
)


def _ids(cases: list[Any]) -> list[str]:
    return [case.id for case in cases]


def test_without_cases_every_workflow_runs_once_with_its_schema_inputs(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(shop.parent)
    cases, descriptions = collect(["shop"])
    doc = os.path.join("shop", "shop.arazzo.yml")
    assert _ids(cases) == [f"{doc}::create-item", f"{doc}::named-item", f"{doc}::needs-name", f"{doc}::wrong-status"]
    # default first, then the first of examples; $ref of the schema and of a property followed
    assert [case.inputs for case in cases] == [{"name": "widget", "count": 3}, {"name": "gadget"}, {"count": 1}, {}]
    assert [case.skip for case in cases] == [None, None, SKIP_NEEDS_NAME, None]
    assert all(case.name is None and case.expect == Expectation() for case in cases)
    assert cases[0].source is not None and str(cases[0].source) == f"{doc}:8:3"  # the workflow
    assert list(descriptions) == [doc]
    assert descriptions[doc].document.workflows[0].workflow_id == "create-item"


def test_cases_replace_the_schema_case_of_the_workflows_they_name(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        shop / "b.cases.yaml",
        "- {name: second file, file: shop.arazzo.yml, workflowId: needs-name, inputs: {name: z, label: z}}\n",
    )
    write(
        shop / "a.cases.yaml",
        """\
- name: pen
  file: shop.arazzo.yml
  workflowId: needs-name
  inputs: {name: pen, label: blue}
- name: fails
  file: shop.arazzo.yml
  workflowId: wrong-status
  expect: {status: failed}
- name: cup
  file: shop.arazzo.yml
  workflowId: needs-name
  inputs: {name: cup, label: red}
""",
    )
    monkeypatch.chdir(shop)
    cases, _ = collect(["."])
    assert _ids(cases) == [
        "shop.arazzo.yml::create-item",
        "shop.arazzo.yml::named-item",
        "shop.arazzo.yml::needs-name[pen]",
        "shop.arazzo.yml::needs-name[cup]",
        "shop.arazzo.yml::needs-name[second file]",
        "shop.arazzo.yml::wrong-status[fails]",
    ]
    assert cases[2].inputs == {"name": "pen", "label": "blue"}
    assert cases[2].skip is None
    assert cases[5].expect == Expectation(status="failed")
    assert cases[2].source is not None and str(cases[2].source) == "a.cases.yaml:1:3"


def test_documents_run_in_sorted_path_order_each_once(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = shop.parent / "a-first"
    shutil.copytree(shop, other)
    monkeypatch.chdir(shop.parent)
    cases, descriptions = collect(["shop", "a-first", os.path.join("shop", "shop.arazzo.yml")])
    files = [case.file for case in cases]
    assert files == [os.path.join("a-first", "shop.arazzo.yml")] * 4 + [os.path.join("shop", "shop.arazzo.yml")] * 4
    assert list(descriptions) == [os.path.join("a-first", "shop.arazzo.yml"), os.path.join("shop", "shop.arazzo.yml")]


def test_a_file_outside_the_working_directory_is_named_as_given(
    shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    given = os.path.join("..", "shop", "shop.arazzo.yml")
    cases, _ = collect([given])
    assert {case.file for case in cases} == {given}
    assert shown_path(str(shop / "shop.arazzo.yml")) == str(shop / "shop.arazzo.yml")


def test_select_keeps_the_cases_whose_id_holds_the_text(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(shop / "x.cases.yaml", "- {name: pen, file: shop.arazzo.yml, workflowId: create-item}\n")
    monkeypatch.chdir(shop)
    cases, descriptions = collect(["."], select="item[")
    assert _ids(cases) == ["shop.arazzo.yml::create-item[pen]"]
    assert list(descriptions) == ["shop.arazzo.yml"]
    cases, descriptions = collect(["."], select="no such case")
    assert cases == [] and descriptions == {}


def test_discovered_cases_apply_only_to_the_documents_among_the_paths(shop: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(shop, other)
    # beside the document given: it names a document that is not among the PATHs
    write(shop / "x.cases.yaml", "- {name: elsewhere, file: ../other/shop.arazzo.yml, workflowId: create-item}\n")
    cases, _ = collect([str(shop / "shop.arazzo.yml")])
    assert [case.name for case in cases] == [None, None, None, None]
    assert {case.file for case in cases} == {shown_path(str(shop / "shop.arazzo.yml"))}


def test_explicit_cases_replace_discovery_and_always_run(shop: Path, tmp_path: Path) -> None:
    write(shop / "ignored.cases.yaml", "- {name: discovered, file: shop.arazzo.yml, workflowId: create-item}\n")
    explicit = write(
        tmp_path / "elsewhere" / "mine.cases.yaml",
        "- {name: explicit, file: ../shop/shop.arazzo.yml, workflowId: wrong-status, expect: {status: failed}}\n",
    )
    # no PATH at all: the explicit case's document is loaded and only its case runs; the
    # discovered cases file beside it is not read
    cases, _ = collect([], cases=[str(explicit)])
    assert [(case.workflow_id, case.name) for case in cases] == [("wrong-status", "explicit")]
    # the document among the PATHs too: its other workflows run as well, from their schemas
    cases, _ = collect([str(shop / "shop.arazzo.yml")], cases=[str(explicit)])
    assert [(case.workflow_id, case.name) for case in cases] == [
        ("create-item", None),
        ("named-item", None),
        ("needs-name", None),
        ("wrong-status", "explicit"),
    ]


def test_a_discovered_case_naming_a_missing_file_is_an_error(shop: Path) -> None:
    path = write(shop / "x.cases.yaml", "- name: typo\n  file: shopp.arazzo.yml\n  workflowId: create-item\n")
    with pytest.raises(DocumentError) as raised:
        collect([str(shop)])
    assert raised.value.message == f"no Arazzo document at {os.path.normpath(str(shop / 'shopp.arazzo.yml'))}"
    assert raised.value.location is not None
    assert raised.value.location.file == shown_path(str(path))
    assert (raised.value.location.line, raised.value.location.column) == (2, 9)


def test_an_unknown_workflow_id_is_an_error_at_the_case(shop: Path) -> None:
    write(shop / "x.cases.yaml", "- name: typo\n  file: shop.arazzo.yml\n  workflowId: create-items\n")
    with pytest.raises(DocumentError) as raised:
        collect([str(shop)])
    assert raised.value.message == (
        f"no workflow 'create-items' in {shown_path(str(shop / 'shop.arazzo.yml'))} "
        "(workflows: create-item, named-item, needs-name, wrong-status); did you mean 'create-item'?"
    )
    assert (raised.value.location.line, raised.value.location.column) == (3, 15)


def test_an_output_the_workflow_does_not_declare_is_an_error(shop: Path) -> None:
    write(
        shop / "x.cases.yaml",
        "- file: shop.arazzo.yml\n  workflowId: create-item\n  expect:\n    outputs:\n      nmae: pen\n",
    )
    with pytest.raises(DocumentError) as raised:
        collect([str(shop)])
    assert raised.value.message == (
        "workflow 'create-item' has no output 'nmae' (outputs: id, name, count, label); did you mean 'name'?"
    )
    assert (raised.value.location.line, raised.value.location.column) == (5, 7)


def test_two_cases_with_one_id_are_an_error(shop: Path) -> None:
    write(
        shop / "x.cases.yaml",
        "- {file: shop.arazzo.yml, workflowId: create-item}\n- {file: shop.arazzo.yml, workflowId: create-item}\n",
    )
    with pytest.raises(DocumentError, match="give each case of a workflow its own 'name'") as raised:
        collect([str(shop)])
    assert raised.value.location is not None and raised.value.location.line == 2


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda root: str(root / "missing"), "no such file or directory"),
        (lambda root: str(write(root / "empty" / "notes.yml", "a: 1\n").parent), "no Arazzo document below"),
    ],
)
def test_paths_that_hold_no_document_are_usage_errors(tmp_path: Path, make: Any, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        collect([make(tmp_path)])
    with pytest.raises(UsageError, match="name at least one"):
        collect([])


def test_a_file_that_is_not_arazzo_is_a_document_error(shop: Path) -> None:
    with pytest.raises(DocumentError, match="OpenAPI description, not an Arazzo document"):
        collect([str(shop / "shop-openapi.yml")])


SCHEMAS = [
    # (schema, document, inputs, unfilled)
    (None, {}, {}, []),
    (True, {}, {}, []),
    ({"type": "object"}, {}, {}, []),
    (
        {"properties": {"a": {"default": 1, "examples": [2]}, "b": {"examples": [[1], [2]]}, "c": {"examples": []}}},
        {},
        {"a": 1, "b": [1]},
        [],
    ),
    ({"required": ["a", "b"], "properties": {"a": {"default": None}}}, {}, {"a": None}, ["b"]),
    (
        {"$ref": "#/components/inputs/x"},
        {
            "components": {
                "inputs": {
                    "x": {"required": ["p"], "properties": {"p": {"$ref": "#/components/inputs/p"}}},
                    "p": {"default": "v"},
                }
            }
        },
        {"p": "v"},
        [],
    ),
    (
        {"allOf": [{"required": ["a"], "properties": {"a": {"examples": ["e"]}}}, {"required": ["z"]}]},
        {},
        {"a": "e"},
        ["z"],
    ),
    ({"$ref": "#/nowhere", "required": ["a"]}, {}, {}, ["a"]),
]


@pytest.mark.parametrize(("schema", "document", "inputs", "unfilled"), SCHEMAS)
def test_schema_inputs(schema: Any, document: Any, inputs: dict[str, Any], unfilled: list[str]) -> None:
    assert schema_inputs(schema, document) == (inputs, unfilled)
