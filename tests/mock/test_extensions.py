"""The x-mock-* extensions, and REST conventions beyond the Twilio shape: an id in the body
(``PUT /pets``), page numbers with a ``Link`` header on array bodies, XML-only responses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from arazzo_runner.mock import MockTransport

from .conftest import openapi_file

PET = {
    "type": "object",
    "required": ["petId", "name"],
    "properties": {
        "petId": {"type": "integer", "minimum": 1},
        "code": {"type": "string", "pattern": "^P[0-9]{4}$"},
        "name": {"type": "string"},
        "status": {"type": "string", "enum": ["available", "sold"]},
    },
}


def _json(schema: Any, description: str = "ok") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


PETSTORE = {
    "openapi": "3.0.3",
    "info": {"title": "Pets", "version": "1"},
    "servers": [{"url": "/api/v3"}],
    "paths": {
        "/pets": {
            "post": {
                "operationId": "addPet",
                "x-mock-id": "code",
                "x-mock-status": 200,
                "requestBody": {"content": {"application/json": {"schema": PET}}},
                "responses": {"200": _json(PET), "201": _json(PET)},
            },
            "put": {
                "operationId": "updatePet",
                "requestBody": {"content": {"application/json": {"schema": PET}}},
                "responses": {"200": _json(PET), "404": {"description": "no such pet"}},
            },
            "get": {
                "operationId": "listPets",
                "x-mock-items": 3,
                "x-mock-page-size": 2,
                "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
                "responses": {"200": _json({"type": "array", "items": PET})},
            },
        },
        "/pets/{code}": {
            "get": {
                "operationId": "getPet",
                "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _json(PET)},
            }
        },
        "/pets/{code}/card": {
            "get": {
                "operationId": "petCard",
                "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "xml",
                        "content": {
                            "application/xml": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"name": {"type": "string", "example": "Rex"}},
                                }
                            }
                        },
                    }
                },
            }
        },
    },
}


def test_extensions_and_rest_conventions(tmp_path: Path) -> None:
    transport = MockTransport(openapi_file(tmp_path, PETSTORE))
    with httpx.Client(transport=transport) as client:
        base = "http://pets.local/api/v3/pets"  # a relative server: any host
        created = client.post(base, json={"petId": 7, "name": "Rex"})
        assert created.status_code == 200  # x-mock-status, although 201 is documented
        pet = created.json()
        assert pet["petId"] == 7 and pet["name"] == "Rex"
        code = pet["code"]  # x-mock-id: the id is `code`, generated from its pattern
        assert code.startswith("P") and len(code) == 5
        assert client.get(f"{base}/{code}").json() == pet
        # PUT on the collection with the id in the body updates that item; an unknown id is 404
        assert client.put(base, json={"code": code, "petId": 7, "name": "Max"}).json()["name"] == "Max"
        assert client.get(f"{base}/{code}").json()["name"] == "Max"
        assert client.put(base, json={"code": "P0000", "petId": 1, "name": "Nobody"}).status_code == 404
        # x-mock-items 3 + the one created = 4 pets, x-mock-page-size 2, 1-based page numbers
        first = client.get(base)
        assert [p["code"] for p in first.json()][:1] != [] and len(first.json()) == 2
        assert first.headers["link"] == f'<{base}?page=2>; rel="next"'
        second = client.get(first.headers["link"][1:].split(">")[0])
        assert len(second.json()) == 2 and "link" not in second.headers
        assert code in [p["code"] for p in second.json()]
        # a response documented as XML only is written as XML
        card = client.get(f"{base}/{code}/card")
        assert card.headers["content-type"] == "application/xml"
        assert card.text == '<?xml version="1.0" encoding="UTF-8"?><root><name>Rex</name></root>'
        # the transport can be reset: everything created is forgotten
        transport.reset()
        assert client.get(f"{base}/{code}").status_code == 404
