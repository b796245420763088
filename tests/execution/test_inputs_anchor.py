"""Inputs schemas referenced by ``$anchor`` and ``$id`` (Arazzo 1.1, Resolving URI Fragments).

A workflow's ``inputs`` ``$ref`` may name a schema by JSON Pointer, by a plain-name fragment
an ``$anchor`` defines, or by the ``$id`` a schema declares (absolute, or relative to the
base URI in force).  A run checks its inputs against the schema so found: a good value
passes, a bad one is refused with the reason.  Nothing is ever fetched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from arazzo_runner.execution.inputs import InputsError, InputsSchemaError
from arazzo_runner.loading.yamlfile import parse
from arazzo_runner.schemas import base_uri, resolve_schema, unresolved_refs

from .conftest import Reply, doc

DOC = "inputs-refs.arazzo.yaml"

RUNS = [
    # workflow, inputs, problem (None: the run succeeds)
    ("anchor", {"size": 3}, None),
    ("anchor", {"size": 30}, "inputs.size: 30 is greater than the maximum of 10"),
    ("anchor", {"size": "big"}, "inputs.size: 'big' is not of type 'integer'"),
    ("id", {"name": "Rex", "kind": "dog"}, None),
    ("id", {"name": "R"}, "inputs.name: 'R' is too short"),
    ("id", {"name": "Rex", "kind": "cow"}, "inputs.kind: 'cow' is not one of ['cat', 'dog']"),
    ("id", {}, "missing required input 'name'"),
    ("relative-id", {"colour": "red"}, None),
    ("relative-id", {"colour": "green"}, "inputs.colour: 'green' is not one of ['red', 'blue']"),
]


@pytest.mark.parametrize(("workflow", "inputs", "problem"), RUNS)
def test_inputs_are_checked_against_the_schema_a_ref_names(
    server, make_runner, workflow: str, inputs: dict[str, Any], problem: str | None
) -> None:
    server.on("GET", "/ping", Reply(200, {}))
    runner = make_runner(DOC)
    if problem is None:
        result = runner.run(workflow, inputs)
        assert result.status == "succeeded", result.error
        assert len(server.received("/ping")) == 1
        return
    with pytest.raises(InputsError) as caught:
        runner.run(workflow, inputs)
    assert caught.value.problems == [problem]
    assert server.received() == []


def test_a_ref_to_a_uri_the_document_does_not_declare_is_an_error_and_nothing_is_fetched(server, make_runner) -> None:
    runner = make_runner(DOC)
    with pytest.raises(InputsSchemaError) as caught:
        runner.run("unknown-uri", {"owner": "Ada"})
    message = caught.value.message
    assert "'https://example.com/schemas/owner'" in message
    assert "/components/inputs/broken/properties/owner/$ref" in message
    assert "never fetched" in message
    assert server.received() == []


def _data() -> Any:
    return parse(Path(doc(DOC)).read_bytes(), DOC).data


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"$ref": "#size"}, {"$anchor": "size", "type": "integer", "minimum": 1, "maximum": 10}),
        ({"$ref": "https://example.com/schemas/kinds.json"}, {"$id": "kinds.json", "enum": ["cat", "dog"]}),
        ({"$ref": "schemas/colour"}, {"$id": "schemas/colour", "enum": ["red", "blue"]}),
        ({"$ref": "#/components/inputs/colour"}, {"$id": "schemas/colour", "enum": ["red", "blue"]}),
        ({"$ref": "#nowhere"}, {"$ref": "#nowhere"}),  # left as it is: unresolved_refs says why
    ],
)
def test_resolve_schema_follows_pointers_anchors_and_ids(schema: Any, expected: Any) -> None:
    assert resolve_schema(schema, _data()) == expected


def test_an_anchor_inside_an_id_resolves_against_that_id() -> None:
    data = _data()
    name = data["components"]["inputs"]["pet"]["properties"]["name"]
    assert resolve_schema(name, data) == {"$anchor": "petName", "type": "string", "minLength": 2}


def test_unresolved_refs_are_listed_with_where_they_are() -> None:
    found = unresolved_refs(_data())
    assert [(ref.pointer, ref.ref) for ref in found] == [
        ("/components/inputs/broken/properties/owner/$ref", "https://example.com/schemas/owner")
    ]
    assert "never fetched" in found[0].reason


@pytest.mark.parametrize(
    ("document", "retrieval", "expected"),
    [
        ({}, None, "file:///arazzo-description"),
        ({}, "file:///work/flows/a.yaml", "file:///work/flows/a.yaml"),
        ({"$self": "https://example.com/a/flow.yaml"}, "file:///x.yaml", "https://example.com/a/flow.yaml"),
        ({"$self": "b/flow.yaml#"}, "https://example.com/a/index.yaml", "https://example.com/a/b/flow.yaml"),
    ],
)
def test_the_base_uri_is_self_else_where_the_document_was_read(document: Any, retrieval: Any, expected: str) -> None:
    assert base_uri(document, retrieval) == expected
