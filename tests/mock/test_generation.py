"""Values generated from schemas: they satisfy the schema (cases/generate.yaml), reuse what
is documented, follow patterns, formats, enums and bounds, and depend on the seed only."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from arazzo_runner.mock import MockTransport
from arazzo_runner.mock.generate import Generator
from arazzo_runner.mock.regexgen import generate_matching
from arazzo_runner.mock.schemas import RECURSIVE, Schemas
from arazzo_runner.openapi.index import load_openapi

from .conftest import OPENAPI, TWILIO, TWILIO_BASE, openapi_file

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "generate.yaml").read_text(encoding="utf-8"))


def _no_refs(node: Any, uri: str) -> tuple[Any, str, str]:
    raise AssertionError("these schemas have no $ref")


def _validator(version: str) -> Any:
    import openapi_schema_validator as osv

    if version == "3.0":
        return lambda schema: osv.OAS30Validator(schema, format_checker=osv.oas30_format_checker)
    return lambda schema: osv.OAS31Validator(schema, format_checker=osv.oas31_format_checker)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
@pytest.mark.parametrize("seed", range(8))
def test_generated_values_satisfy_their_schema(case: dict[str, Any], seed: int) -> None:
    version = case.get("openapi", "3.1")
    schemas = Schemas(_no_refs, "file:///x.yaml", "3.0.3" if version == "3.0" else "3.1.0")
    value = Generator(schemas).generate(case["schema"], random.Random(seed))
    errors = [error.message for error in _validator(version)(case["schema"]).iter_errors(value)]
    assert errors == [], f"{value!r}: {errors}"
    if "equals" in case:
        assert value == case["equals"]
    if "matches" in case:
        assert re.search(case["matches"], json.dumps(value)), value


def test_patterns_this_generator_cannot_follow_give_none() -> None:
    assert generate_matching(r"^\p{Lu}+$", random.Random(0)) is None  # no ECMA property escapes here
    assert generate_matching("^[a-z]{3}$", random.Random(0), min_length=5) is None


def test_recursive_schemas_are_cut(tmp_path: Path) -> None:
    description = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {
            "schemas": {
                "Node": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string"},
                        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                        "parent": {"$ref": "#/components/schemas/Node"},
                    },
                }
            }
        },
    }
    index = load_openapi(openapi_file(tmp_path, description))
    schemas = Schemas(lambda node, uri: tuple(index.follow(node, base_uri=uri)), index.base_uri)
    schema = schemas.inline({"$ref": "#/components/schemas/Node"})
    assert schema["properties"]["parent"] == {RECURSIVE: True}
    value = Generator(schemas).generate(schema, random.Random(0))
    assert set(value) == {"name", "children"} and value["children"] == []


@pytest.mark.parametrize(
    "name",
    ["MessagingService", "PhoneNumber", "MessagingServiceList", "PhoneNumberList", "TwilioError", "ListMeta"],
)
@pytest.mark.parametrize("seed", range(3))
def test_twilio_schemas_generate_valid_values_without_their_examples(name: str, seed: int) -> None:
    index = load_openapi(TWILIO)
    schemas = Schemas(lambda node, uri: tuple(index.follow(node, base_uri=uri)), index.base_uri, index.version)
    schema = schemas.inline({"$ref": f"#/components/schemas/{name}"})
    value = Generator(schemas).generate(schema, random.Random(seed), use_examples=False)
    assert schemas.errors(value, schema) == []


def _session(seed: int) -> list[Any]:
    """The bodies of a fixed sequence of requests to a fresh mock."""
    bodies = []
    with httpx.Client(transport=MockTransport(OPENAPI / "contacts-openapi.yml", seed=seed)) as client:
        url = "https://api.contacts.example.com/contacts"
        bodies.append(client.post(url, json={"name": "Ada", "email": "ada@example.com"}).json())
        bodies.append(client.get(url, params={"pageSize": 3}).json())
        bodies.append(client.get(f"{url}/{bodies[0]['id']}").json())
    with httpx.Client(transport=MockTransport(TWILIO, seed=seed)) as client:
        bodies.append(client.post(f"{TWILIO_BASE}/Services", data={"FriendlyName": "x"}).json())
    return bodies


def test_same_seed_same_answers_other_seed_other_answers() -> None:
    assert _session(7) == _session(7)
    assert _session(7) != _session(8)


def test_generated_items_do_not_depend_on_request_order(tmp_path: Path) -> None:
    description = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/pets/{petId}": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "a pet",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["id", "name"],
                                        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                                    }
                                }
                            },
                        }
                    }
                }
            }
        },
    }
    path = openapi_file(tmp_path, description)
    with httpx.Client(transport=MockTransport(path)) as first:
        a = first.get("http://pets.test/pets/7").json()
    with httpx.Client(transport=MockTransport(path)) as second:
        second.get("http://pets.test/pets/1")
        b = second.get("http://pets.test/pets/7").json()
        assert second.get("http://pets.test/pets/7").json() == b  # the same item every time
    assert a == b and a["id"] == 7  # without a POST the collection is not stateful: items come from their id
