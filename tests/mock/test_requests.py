"""Routing and request validation: 404, 405 and 400 with precise messages, in the API's own
error body shape (cases: cases/requests.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from arazzo_runner.mock import MockTransport

from .conftest import OPENAPI, TWILIO, TWILIO_BASE, client_for, openapi_file

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "requests.yaml").read_text(encoding="utf-8"))


def _message(response: httpx.Response) -> str:
    body = response.json()
    return str(body.get("message") or body.get("detail") or body)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_request(case: dict[str, Any]) -> None:
    openapi = OPENAPI / case.get("openapi", TWILIO.name)
    base = case.get("base", TWILIO_BASE)
    with client_for(openapi) as client:
        sid = ""
        if "{MG}" in case["path"] or "{MG}" in case.get("message", ""):
            sid = client.post(f"{TWILIO_BASE}/Services", data={"FriendlyName": "parent"}).json()["sid"]
        path = case["path"].replace("{MG}", sid)
        options: dict[str, Any] = {}
        if "form" in case:
            options["data"] = case["form"]
        if "json" in case:
            options["json"] = case["json"]
        if "content" in case:
            options["content"] = case["content"].encode()
            options["headers"] = {"Content-Type": case["content_type"]}
        response = client.request(case["method"], base + path, **options)
    assert response.status_code == case["status"], response.text
    assert case["message"].replace("{MG}", sid) in _message(response)
    if openapi == TWILIO:  # Twilio's documented error shape, for every status
        assert set(response.json()) >= {"code", "message", "more_info", "status"}
        assert response.json()["status"] == case["status"]


def test_405_lists_the_allowed_methods(twilio: httpx.Client) -> None:
    response = twilio.patch(f"{TWILIO_BASE}/Services")
    assert response.headers["allow"] == "GET, POST"


def test_twilio_400_keeps_the_documented_code(twilio: httpx.Client) -> None:
    body = twilio.post(f"{TWILIO_BASE}/Services", data={}).json()
    assert (body["code"], body["status"]) == (20001, 400)
    assert body["more_info"] == "https://www.twilio.com/docs/errors/20001"


def test_the_api_problem_shape_is_filled_in() -> None:
    with client_for(OPENAPI / "contacts-openapi.yml") as client:
        response = client.get("https://api.contacts.example.com/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "The requested resource /nowhere was not found",
    }


def test_without_any_documented_error_errors_are_rfc9457_problems(tmp_path: Path) -> None:
    description = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.com/{version}", "variables": {"version": {"default": "v2"}}}],
        "paths": {"/things": {"get": {"responses": {"200": {"description": "ok"}}}}},
    }
    with httpx.Client(transport=MockTransport(openapi_file(tmp_path, description))) as client:
        assert client.get("https://api.example.com/v2/things").status_code == 200
        response = client.delete("https://api.example.com/v2/things")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "Method DELETE is not allowed on /things (allowed: GET)"


def test_nested_error_objects_carry_the_message() -> None:
    with client_for(OPENAPI / "inventory-reservations-openapi.yml") as client:
        client.post("https://inventory.example.com/v2/reservations", json={"sku": "MUG-0042", "quantity": 1})
        client.post("https://inventory.example.com/v2/reservations", json={"sku": "MUG-0042", "quantity": 1})
        response = client.post("https://inventory.example.com/v2/reservations", json={"sku": "mug", "quantity": 1})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request"  # the documented example's own code
    assert "/sku: 'mug' does not match '^[A-Z]{3}-[0-9]{4}$'" in error["message"]


def test_routing_by_host_and_base_path(twilio: httpx.Client) -> None:
    assert twilio.get(f"{TWILIO_BASE}/Services").status_code == 200
    # another host on the same base path: a standalone transport still serves it (lenient)
    assert twilio.get("http://localhost:9999/v1/Services").status_code == 200
    # below no base path: 404
    assert twilio.get("https://messaging.twilio.com/Services").status_code == 404


def test_head_and_options_of_a_documented_path(twilio: httpx.Client) -> None:
    head = twilio.head(f"{TWILIO_BASE}/Services")
    assert (head.status_code, head.content) == (200, b"")
    options = twilio.options(f"{TWILIO_BASE}/Services")
    assert (options.status_code, options.headers["allow"]) == (204, "GET, POST")


def test_concrete_paths_win_over_templates(tmp_path: Path) -> None:
    description = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/pets/{petId}": {"get": {"operationId": "getPet", "responses": {"200": {"description": "a pet"}}}},
            "/pets/mine": {"post": {"operationId": "mine", "responses": {"204": {"description": "ok"}}}},
        },
    }
    with httpx.Client(transport=MockTransport(openapi_file(tmp_path, description))) as client:
        assert client.post("http://any.host/pets/mine").status_code == 204
        assert client.get("http://any.host/pets/mine").status_code == 405  # /pets/mine is the concrete path
        assert client.get("http://any.host/pets/12").status_code == 200
