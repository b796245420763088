"""Discriminators as OpenAPI defines them (the implicit mapping: the property's value names the
schema), and collections that start with generated items (``items=N``, ``--mock-items N``)
so that list-then-get workflows run on the mock."""

from __future__ import annotations

import copy
import io
import random
from pathlib import Path
from typing import Any

import httpx
import pytest

import arazzo_runner
from arazzo_runner.cli.mock import _items
from arazzo_runner.errors import UsageError
from arazzo_runner.mock import MockServer, MockTransport, mock_description

from .conftest import openapi_file

CASES = Path(__file__).parent / "cases" / "workflows"
PETS = CASES / "pets-openapi.yaml"
LIST_THEN_GET = CASES / "pets-list-then-get.arazzo.yaml"
BASE = "https://pets.example.com/v1"


def _pet(kind: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["petType", "name"],
            "properties": {"id": {"type": "string"}, "petType": {"type": "string"}, "name": {"type": "string"},
                           **extra}}  # fmt: skip


def _description(version: str, style: str, mapping: dict[str, str] | None) -> dict[str, Any]:
    """Pets in one of three shapes: ``oneOf``/``anyOf`` of Cat and Dog with the discriminator,
    or ``allOf`` inheritance (Cat and Dog extend Pet, which holds the discriminator)."""
    discriminator: dict[str, Any] = {"propertyName": "petType"}
    if mapping:
        discriminator["mapping"] = mapping
    cat = _pet("Cat", {"lives": {"type": "integer", "minimum": 1, "maximum": 9}})
    dog = _pet("Dog", {"bark": {"type": "string", "enum": ["loud", "soft"]}})
    if style == "allOf":
        schemas = {
            "Pet": {**_pet("Pet", {}), "discriminator": discriminator},
            "Cat": {"allOf": [{"$ref": "#/components/schemas/Pet"}, {"properties": cat["properties"]}]},
            "Dog": {"allOf": [{"$ref": "#/components/schemas/Pet"}, {"properties": dog["properties"]}]},
        }
        body = {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]}
    else:
        refs = [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]
        schemas = {"Pet": {style: refs, "discriminator": discriminator}, "Cat": cat, "Dog": dog}
        body = {"$ref": "#/components/schemas/Pet"}
    response = {"description": "ok", "content": {"application/json": {"schema": body}}}
    return {
        "openapi": version,
        "info": {"title": "Pets", "version": "1"},
        "servers": [{"url": BASE}],
        "paths": {"/pets": {"post": {
            "operationId": "createPet",
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": {"201": response},
        }}},
        "components": {"schemas": schemas},
    }  # fmt: skip


SHAPES = [
    pytest.param(version, style, mapping, id=f"{version}-{style}-{'mapping' if mapping else 'implicit'}")
    for version in ("3.0.3", "3.1.0")
    for style in ("oneOf", "anyOf", "allOf")
    for mapping in (None, {"dog": "Dog"})
]


def _transport(tmp_path: Path, version: str, style: str, mapping: dict[str, str] | None) -> MockTransport:
    return MockTransport(openapi_file(tmp_path, _description(version, style, mapping)))


@pytest.mark.parametrize(("version", "style", "mapping"), SHAPES)
def test_generated_values_carry_the_value_that_selects_their_schema(
    tmp_path: Path, version: str, style: str, mapping: dict[str, str] | None
) -> None:
    app = _transport(tmp_path, version, style, mapping).app
    dog_value = "dog" if mapping else "Dog"
    for name, expected in (("Cat", "Cat"), ("Dog", dog_value)):
        schema = app.schemas.inline({"$ref": f"#/components/schemas/{name}"})
        if style != "allOf":
            continue  # Cat and Dog alone hold no discriminator: only the choice among them does
        for seed in range(3):
            value = app.generator.generate(schema, random.Random(seed))
            assert value["petType"] == expected, value
            assert app.schemas.conforms(value, schema)
    pet = app.schemas.inline({"$ref": "#/components/schemas/Pet"} if style != "allOf" else
                             {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]})  # fmt: skip
    for seed in range(3):
        value = app.generator.generate(pet, random.Random(seed))
        assert value["petType"] == "Cat", value  # the first branch, named by its schema
        assert app.schemas.conforms(value, pet), app.schemas.errors(value, pet)
    assert app.schemas.conforms({"petType": dog_value, "name": "Rex", "bark": "loud"}, pet)
    assert not app.schemas.conforms({"petType": "Cat", "name": "Tom", "lives": 12}, pet)  # Cat's rules apply
    assert not app.schemas.conforms({"petType": "Cow", "name": "Daisy"}, pet)


@pytest.mark.parametrize(("version", "style", "mapping"), SHAPES)
@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"petType": "Cat", "name": "Tom", "lives": 3}, 201, None),
        ({"petType": "Dog", "name": "Rex", "bark": "soft"}, 201, None),  # the implicit value, mapped or not
        ({"petType": "Cat", "name": "Tom", "lives": 30}, 400, "30 is greater than the maximum of 9"),
        ({"petType": "Dog", "name": "Rex", "bark": "woof"}, 400, "'woof' is not one of"),
    ],
)
def test_requests_are_validated_against_the_schema_the_value_names(
    tmp_path: Path, version: str, style: str, mapping: dict[str, str] | None,
    body: dict[str, Any], status: int, detail: str | None,
) -> None:  # fmt: skip
    with httpx.Client(transport=_transport(tmp_path, version, style, mapping)) as client:
        response = client.post(f"{BASE}/pets", json=body)
    assert response.status_code == status, response.text
    if detail is not None and style != "allOf":  # there openapi-core only says "not valid under any"
        assert detail in response.json()["detail"]
    elif detail is None:
        assert response.json()["petType"] == body["petType"]
        assert set(response.json()) - {"id"} == set(body)  # built from the branch the value selects


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
@pytest.mark.parametrize(
    ("mapping", "value", "status", "detail"),
    [
        (None, "Cow", 400, "request body: 'petType' value 'Cow' selects no schema: no mapping entry and no schema "
                           "of that name"),
        (None, "dog", 400, "'petType' value 'dog' selects no schema"),
        ({"dog": "Dog"}, "dog", 201, None),  # a mapping value that is a bare schema name
        ({"dog": "#/components/schemas/Dog"}, "dog", 201, None),
        ({"dog": "Dog"}, "Cow", 400, "selects no schema: no mapping entry and no schema of that name (mapping keys: "
                                     "dog)"),
    ],
)  # fmt: skip
def test_discriminating_values_of_requests(
    tmp_path: Path, version: str, mapping: dict[str, str] | None, value: str, status: int, detail: str | None
) -> None:
    with httpx.Client(transport=_transport(tmp_path, version, "oneOf", mapping)) as client:
        response = client.post(f"{BASE}/pets", json={"petType": value, "name": "Rex", "bark": "loud"})
    assert response.status_code == status, response.text
    if detail is not None:
        assert detail in response.json()["detail"]
    else:
        assert response.json()["bark"] == "loud" and "lives" not in response.json()


def test_a_description_with_a_discriminator_is_left_unchanged(tmp_path: Path) -> None:
    description = _description("3.0.3", "oneOf", {"dog": "Dog"})
    before = copy.deepcopy(description)
    transport = MockTransport(openapi_file(tmp_path, description))
    with httpx.Client(transport=transport) as client:
        assert client.post(f"{BASE}/pets", json={"petType": "dog", "name": "Rex"}).status_code == 201
    assert transport.index.data["components"]["schemas"]["Pet"] == before["components"]["schemas"]["Pet"]


# ---------------------------------------------------------------------------- items


def _run(transport: Any, **options: Any) -> Any:
    with arazzo_runner.Runner(str(LIST_THEN_GET), transport=transport, **options) as runner:
        return runner.run("list-then-get", {})


def test_list_then_get_runs_on_the_mock_with_items() -> None:
    result = _run(MockTransport(PETS, items=3))
    assert result.status == "succeeded", result.error
    listed = result.outputs["pets"]
    assert len(listed) == 2  # a page of two (limit=2) of three
    assert result.outputs["nextCursor"] is not None
    assert result.outputs["readId"] == result.outputs["firstId"] == listed[0]["id"]
    assert result.steps[1].response.body == listed[0]  # the same resource, read back by its id
    assert all(pet["id"].startswith("pet_") and pet["petType"] in ("Cat", "Dog") for pet in listed)


def test_without_items_the_list_is_empty_and_the_get_cannot_run() -> None:
    result = _run(MockTransport(PETS))
    assert result.status == "failed"
    assert result.outputs["pets"] == []
    assert "path parameter 'petId' has no value" in result.error.message


def test_items_are_the_same_for_a_seed_and_differ_for_another() -> None:
    def listing(seed: int) -> Any:
        with httpx.Client(transport=MockTransport(PETS, items=3, seed=seed)) as client:
            first = client.get(f"{BASE}/pets?limit=10").json()["pets"]
            again = client.get(f"{BASE}/pets?limit=10").json()["pets"]
            assert first == again
            for pet in first:
                assert client.get(f"{BASE}/pets/{pet['id']}").json() == pet
            assert client.get(f"{BASE}/pets/pet_00000000").status_code == 404
            return first

    assert len(listing(0)) == 3
    assert listing(0) == listing(0)
    assert listing(0) != listing(1)


def test_items_add_to_what_is_created() -> None:
    with httpx.Client(transport=MockTransport(PETS, items=2)) as client:
        created = client.post(f"{BASE}/pets", json={"petType": "Dog", "name": "Rex"}).json()
        listed = client.get(f"{BASE}/pets?limit=10").json()["pets"]
    assert len(listed) == 3 and listed[-1] == created


def test_mock_description_passes_items_to_every_mock() -> None:
    description = arazzo_runner.load(str(LIST_THEN_GET))
    setup = mock_description(description, items=3)
    with arazzo_runner.Runner(description, transport=setup.transport, servers=setup.servers) as runner:
        result = runner.run("list-then-get", {})
    assert result.status == "succeeded", result.error


@pytest.mark.parametrize("items", [-1, True, 1.5])
def test_items_must_be_a_whole_number(items: Any) -> None:
    with pytest.raises(UsageError, match="mock items: a whole number of 0 or more"):
        MockTransport(PETS, items=items)


def test_the_mock_server_serves_items() -> None:
    with MockServer.for_openapi(PETS, items=3) as server, httpx.Client() as client:
        pets = client.get(f"{server.url}/v1/pets?limit=10").json()["pets"]
        assert len(pets) == 3
        assert client.get(f"{server.url}/v1/pets/{pets[2]['id']}").json() == pets[2]


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("3", 3), ("-1", None), ("x", None)])
def test_the_mock_items_option(text: str, value: int | None) -> None:
    import argparse

    if value is None:
        with pytest.raises(argparse.ArgumentTypeError, match="a whole number of 0 or more"):
            _items(text)
    else:
        assert _items(text) == value


def test_arazzo_mock_help_lists_mock_items() -> None:
    from arazzo_runner.cli import main

    out, err = io.StringIO(), io.StringIO()
    main(["mock", "--help"], stdout=out, stderr=err)
    assert "--mock-items N" in out.getvalue() + err.getvalue()
