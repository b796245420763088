"""Workflows as MCP tools (arazzo_runner/mcp/tools.py): valid and unique tool names, input
schemas with every ``$ref`` inlined, password and fixed inputs left out; and, through
``build``, a document whose inputs are references to ``components.inputs``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from arazzo_runner.mcp.tools import MAX_NAME, inline_refs, input_schema, password_names, tool_name

from .conftest import require_mcp

VALID_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

DOCUMENT: dict[str, Any] = {
    "arazzo": "1.0.1",
    "components": {
        "inputs": {
            "credentials": {
                "type": "object",
                "required": ["clientId", "clientSecret"],
                "properties": {
                    "clientId": {"type": "string"},
                    "clientSecret": {"type": "string", "format": "password"},
                },
            },
            "order": {
                "type": "object",
                "required": ["sku", "address"],
                "properties": {
                    "sku": {"$ref": "#/components/inputs/sku"},
                    "address": {"$ref": "#/components/inputs/address"},
                    "lines": {"type": "array", "items": {"$ref": "#/components/inputs/sku"}},
                },
            },
            "sku": {"type": "string", "pattern": "^SKU-[0-9]+$"},
            "address": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "country": {"$ref": "#/components/inputs/country"}},
            },
            "country": {"type": "string", "enum": ["FR", "GB"]},
            "node": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "child": {"$ref": "#/components/inputs/node"}},
            },
        }
    },
}


def refs_in(node: Any) -> list[str]:
    if isinstance(node, dict):
        return ([node["$ref"]] if "$ref" in node else []) + [r for value in node.values() for r in refs_in(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in refs_in(item)]
    return []


# ---------------------------------------------------------------- tool_name


def test_a_valid_workflow_id_is_its_own_tool_name() -> None:
    taken: set[str] = set()
    assert tool_name("provision-messaging-service-add-number", taken) == "provision-messaging-service-add-number"
    assert tool_name("v1.placeOrder_now", taken) == "v1.placeOrder_now"
    assert taken == {"provision-messaging-service-add-number", "v1.placeOrder_now"}


@pytest.mark.parametrize(
    ("workflow_id", "expected"),
    [
        ("place order", "place_order"),
        ("orders/place:now", "orders_place_now"),
        ("  spaced  ", "spaced"),
        ("créer-commande", "creer-commande"),
        ("###", "workflow"),
        ("", "workflow"),
    ],
)
def test_an_invalid_workflow_id_is_made_valid(workflow_id: str, expected: str) -> None:
    name = tool_name(workflow_id, set())
    assert name == expected
    assert VALID_NAME.match(name)


def test_a_long_workflow_id_is_cut_to_the_limit() -> None:
    name = tool_name("x" * 200, set())
    assert name == "x" * MAX_NAME
    assert MAX_NAME == 64


def test_names_are_unique_even_when_ids_collide() -> None:
    taken: set[str] = set()
    names = [tool_name(workflow_id, taken) for workflow_id in ("a b", "a/b", "a_b", "a b", "a-2")]
    assert names == ["a_b", "a_b-2", "a_b-3", "a_b-4", "a-2"]
    assert len(set(names)) == len(names)
    assert all(VALID_NAME.match(name) for name in names)


def test_a_suffix_keeps_a_long_name_within_the_limit() -> None:
    taken: set[str] = set()
    first, second = tool_name("y" * 100, taken), tool_name("y" * 100, taken)
    assert first == "y" * 64
    assert second == "y" * 62 + "-2"
    assert len(second) == MAX_NAME


# ---------------------------------------------------------------- inline_refs


def test_a_ref_to_components_inputs_is_replaced_by_its_target() -> None:
    schema = inline_refs({"$ref": "#/components/inputs/credentials"}, DOCUMENT)
    assert schema == DOCUMENT["components"]["inputs"]["credentials"]
    assert schema is not DOCUMENT["components"]["inputs"]["credentials"]  # a copy: the document stays as it was


def test_nested_refs_are_inlined_at_every_depth() -> None:
    schema = inline_refs({"$ref": "#/components/inputs/order"}, DOCUMENT)
    assert refs_in(schema) == []
    assert schema["required"] == ["sku", "address"]
    assert schema["properties"]["sku"] == {"type": "string", "pattern": "^SKU-[0-9]+$"}
    assert schema["properties"]["lines"]["items"] == {"type": "string", "pattern": "^SKU-[0-9]+$"}
    assert schema["properties"]["address"]["properties"]["country"] == {"type": "string", "enum": ["FR", "GB"]}
    assert refs_in(DOCUMENT) != []  # the document keeps its references


def test_keywords_beside_a_ref_are_kept() -> None:
    schema = inline_refs(
        {"type": "object", "properties": {"sku": {"$ref": "#/components/inputs/sku", "description": "the item"}}},
        DOCUMENT,
    )
    assert schema["properties"]["sku"] == {"type": "string", "pattern": "^SKU-[0-9]+$", "description": "the item"}


def test_a_recursive_ref_is_cut() -> None:
    schema = inline_refs({"$ref": "#/components/inputs/node"}, DOCUMENT)
    assert refs_in(schema) == []
    assert schema["properties"]["name"] == {"type": "string"}
    assert schema["properties"]["child"] == {"description": "(recursive: #/components/inputs/node)"}
    json.dumps(schema)  # finite, plain JSON


def test_an_unresolvable_ref_is_left_as_written() -> None:
    schema = inline_refs({"properties": {"x": {"$ref": "#/components/inputs/nothing"}}}, DOCUMENT)
    assert schema == {"properties": {"x": {"$ref": "#/components/inputs/nothing"}}}


def test_without_a_document_the_schema_is_copied() -> None:
    original = {"type": "object", "properties": {"a": {"type": "string"}}}
    copied = inline_refs(original, None)
    assert copied == original and copied is not original


# ---------------------------------------------------------------- password_names, input_schema


def test_password_inputs_are_found_after_inlining() -> None:
    schema = inline_refs({"$ref": "#/components/inputs/credentials"}, DOCUMENT)
    assert password_names(schema) == ("clientSecret",)
    assert password_names({"$ref": "#/components/inputs/credentials"}) == ()  # hence: inline first
    assert password_names({"type": "string"}) == ()
    assert password_names(None) == ()


def test_input_schema_hides_fixed_and_password_inputs() -> None:
    schema = inline_refs({"$ref": "#/components/inputs/credentials"}, DOCUMENT)
    schema = {**schema, "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "urn:x"}
    shown = input_schema(schema, {"clientSecret"})
    assert shown == {"type": "object", "required": ["clientId"], "properties": {"clientId": {"type": "string"}}}
    assert "clientSecret" in schema["properties"]  # the workflow's own schema is untouched


def test_input_schema_drops_required_when_nothing_is_left() -> None:
    schema = inline_refs({"$ref": "#/components/inputs/credentials"}, DOCUMENT)
    shown = input_schema(schema, {"clientId", "clientSecret"})
    assert shown == {"type": "object", "properties": {}}
    assert "required" not in shown


def test_input_schema_is_always_an_object_schema() -> None:
    assert input_schema(None, set()) == {"type": "object", "properties": {}}
    assert input_schema({"type": "string"}, set()) == {"type": "object", "properties": {}}
    assert input_schema({"required": ["a"]}, set()) == {"type": "object", "required": ["a"], "properties": {}}
    assert input_schema({"type": "object"}, set()) == {"type": "object", "properties": {}}


# ---------------------------------------------------------------- through build


WORKFLOW = """\
arazzo: 1.0.1
info: {title: Refs, version: 1.0.0}
sourceDescriptions:
- {name: api, url: ./api.yml, type: openapi}
workflows:
- workflowId: sign in
  summary: Sign in with a client id and secret.
  inputs:
    $ref: '#/components/inputs/credentials'
  steps:
  - stepId: ping
    operationId: ping
    successCriteria:
    - condition: $statusCode == 200
- workflowId: sign/in
  summary: The same, another name.
  inputs:
    type: object
    required: [clientId, region]
    properties:
      clientId: {type: string}
      region: {$ref: '#/components/inputs/region'}
  steps:
  - stepId: ping
    operationId: ping
    successCriteria:
    - condition: $statusCode == 200
components:
  inputs:
    credentials:
      type: object
      required: [clientId, clientSecret, region]
      properties:
        clientId: {type: string}
        clientSecret: {type: string, format: password}
        region: {$ref: '#/components/inputs/region'}
    region: {type: string, enum: [eu, us]}
"""

API = """\
openapi: 3.1.0
info: {title: API, version: 1.0.0}
servers: [{url: 'https://api.example.test'}]
paths:
  /ping:
    get:
      operationId: ping
      responses: {'200': {description: ok}}
"""


def test_build_serves_inlined_schemas_under_valid_unique_names(tmp_path: Path) -> None:
    require_mcp()
    from arazzo_runner.mcp import build

    (tmp_path / "refs.arazzo.yaml").write_text(WORKFLOW, encoding="utf-8")
    (tmp_path / "api.yml").write_text(API, encoding="utf-8")
    served = build([str(tmp_path)], mock=True, environ={"ARAZZO_INPUT_CLIENTSECRET": "s3cret"})
    assert sorted(served.tools) == ["sign_in", "sign_in-2"]
    first, second = served.tools["sign_in"], served.tools["sign_in-2"]
    assert (first.workflow_id, second.workflow_id) == ("sign in", "sign/in")
    assert first.description.startswith("Sign in with a client id and secret.")
    assert first.input_schema == {
        "type": "object",
        "required": ["clientId", "region"],
        "properties": {"clientId": {"type": "string"}, "region": {"type": "string", "enum": ["eu", "us"]}},
    }
    assert first.secret == ("clientSecret",)
    assert first.fixed == {"clientSecret": "s3cret"}
    assert refs_in(second.input_schema) == []
    assert second.input_schema["properties"]["region"] == {"type": "string", "enum": ["eu", "us"]}
    assert served.warnings == []


def test_build_warns_of_a_password_input_the_server_lacks(tmp_path: Path) -> None:
    require_mcp()
    from arazzo_runner.mcp import build

    (tmp_path / "refs.arazzo.yaml").write_text(WORKFLOW, encoding="utf-8")
    (tmp_path / "api.yml").write_text(API, encoding="utf-8")
    served = build([str(tmp_path)], mock=True, environ={}, inputs={"region": "eu"})
    assert served.tools["sign_in"].fixed == {"region": "eu"}
    assert served.tools["sign_in"].input_schema["required"] == ["clientId"]
    assert served.warnings == [
        "tool sign_in: password input(s) not set on the server: clientSecret (ARAZZO_INPUT_CLIENTSECRET "
        "or -i clientSecret=...)"
    ]


COMPOSED = """\
arazzo: 1.0.1
info: {title: Composed, version: 1.0.0}
sourceDescriptions:
- {name: api, url: ./api.yml, type: openapi}
workflows:
- workflowId: composed
  inputs:
    allOf:
    - {$ref: '#/components/inputs/base'}
    - type: object
      required: [apiPassword, pin]
      properties:
        apiPassword: {type: string, format: password}
        pin: {type: integer, format: password}
  steps:
  - stepId: ping
    operationId: ping
- workflowId: ping_it
  inputs: {type: [object], required: [count], properties: {count: {type: integer, maximum: 5}}}
  steps:
  - stepId: ping
    operationId: ping
components:
  inputs:
    base: {type: object, required: [name], properties: {name: {type: string}}}
"""


def composed(tmp_path: Path) -> str:
    (tmp_path / "composed.arazzo.yaml").write_text(COMPOSED, encoding="utf-8")
    (tmp_path / "api.yml").write_text(API, encoding="utf-8")
    return str(tmp_path / "composed.arazzo.yaml")


def test_password_inputs_inside_all_of_are_hidden_typed_and_taken_from_the_environment(tmp_path: Path) -> None:
    require_mcp()
    from arazzo_runner.mcp import build

    served = build(
        composed(tmp_path), mock=True, environ={"ARAZZO_INPUT_APIPASSWORD": "pw", "ARAZZO_INPUT_PIN": "1234"}
    )
    tool = served.tools["composed"]
    assert tool.secret == ("apiPassword", "pin")
    assert tool.fixed == {"apiPassword": "pw", "pin": 1234}  # typed by the schema, as -i values are
    text = str(tool.input_schema)
    assert "apiPassword" not in text and "'pin'" not in text and "name" in text
    # `type: [object]` is an object schema too
    assert served.tools["ping_it"].input_schema["required"] == ["count"]


def test_a_fixed_value_that_does_not_fit_is_refused_at_start_up(tmp_path: Path) -> None:
    require_mcp()
    from arazzo_runner.errors import UsageError
    from arazzo_runner.mcp import build

    with pytest.raises(UsageError, match=r"inputs fixed for workflow 'ping_it' do not fit: inputs.count: 9"):
        build(composed(tmp_path), mock=True, environ={}, inputs={"count": "9"})
    with pytest.raises(UsageError, match=r"pin.*\*\*\*|\*\*\*.*pin") as raised:
        build(composed(tmp_path), mock=True, environ={"ARAZZO_INPUT_PIN": "not-a-pin"}, workflows=["composed"])
    assert "not-a-pin" not in str(raised.value)


def test_valid_workflow_ids_keep_their_names_whatever_the_order(tmp_path: Path) -> None:
    require_mcp()
    from arazzo_runner.mcp import build

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "first.arazzo.yaml").write_text(COMPOSED.replace("workflowId: ping_it", "workflowId: ping it"))
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "second.arazzo.yaml").write_text(COMPOSED.replace("workflowId: composed", "workflowId: c2"))
    for folder in ("a", "b"):
        (tmp_path / folder / "api.yml").write_text(API, encoding="utf-8")
    environ = {"ARAZZO_INPUT_APIPASSWORD": "pw", "ARAZZO_INPUT_PIN": "1"}
    served = build([str(tmp_path)], mock=True, environ=environ)
    assert served.tools["ping_it"].workflow_id == "ping_it"  # its own name, though 'ping it' came first
    assert served.tools["ping_it-2"].workflow_id == "ping it"
    assert build(str(tmp_path / "a" / "first.arazzo.yaml"), mock=True, environ=environ).tools.keys() == {
        "composed",
        "ping_it",
    }
