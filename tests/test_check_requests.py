"""``--check-requests``: each request against its operation, just before it is sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

import arazzo_runner
from arazzo_runner.execution.request import ParameterValue, build_request
from arazzo_runner.missing import MISSING
from arazzo_runner.openapi.index import load_openapi
from arazzo_runner.openapi.requests import check_request, value_problems
from arazzo_runner.openapi.serialize import Payload

from .test_input_destinations import OPENAPI

URL = "http://127.0.0.1:9/v1"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("check-requests") / "api.yaml"
    path.write_text(OPENAPI)
    return load_openapi(path)


def get_item(index: Any, **values: Any) -> list[str]:
    operation = index.operation("getItem")
    places = {"id": "path", "limit": "query", "on": "query", "code": "query", "X-Mode": "header", "api_key": "query"}
    parameters = [ParameterValue(name, places[name], value) for name, value in values.items()]
    prepared = build_request("GET", URL + operation.path, parameters)
    return check_request(index, operation, prepared)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"id": "abc", "limit": 5}, []),
        ({"id": "abc", "limit": "5", "on": "false", "code": 7}, []),  # text on the wire: "5" is 5
        ({"id": "abc"}, ["the required query parameter limit is not sent"]),
        ({"id": "ABC", "limit": 0}, ["path parameter id: does not match pattern ^[a-z]+$",
                                     "query parameter limit: is less than the minimum 1"]),
        ({"id": "abc", "limit": "many"}, ["query parameter limit: is not of type 'integer'"]),
        ({"id": "abc", "limit": 1, "X-Mode": "warp"}, ['header parameter X-Mode: is not one of "fast", "slow"']),
        ({"id": "abc", "limit": 1, "X-Mode": "fast"}, []),
    ],
)  # fmt: skip
def test_parameters(index: Any, values: dict[str, Any], expected: list[str]) -> None:
    assert get_item(index, **values) == expected


def post(index: Any, operation_id: str, body: Any, content_type: str | None) -> list[str]:
    operation = index.operation(operation_id)
    payload = body
    media = operation.request_body.content.get(content_type or "") if operation.request_body else None
    if media is not None and body is not MISSING:
        payload = Payload(body, media, lambda node: index.resolve(node))
    prepared = build_request("POST", URL + operation.path, [], body=payload, content_type=content_type, dry_run=True)
    return check_request(index, operation, prepared)


@pytest.mark.parametrize(
    ("operation_id", "body", "content_type", "expected"),
    [
        ("createItem", {"name": "ok", "count": 2, "tags": ["a"]}, "application/json", []),
        ("createItem", {"count": "2"}, "application/json", [
            "body: lacks the required property 'name'", "body.count: is not of type 'integer'"]),
        ("createItem", {"name": "ok", "owner": {"id": "x"}}, "application/json",
         ["body.owner.id: is shorter than 3 characters"]),
        ("createItem", "hello", "text/plain",
         ["content type text/plain is not one operation createItem accepts (application/json)"]),
        ("createItem", MISSING, None, ["operation createItem requires a request body, and none is sent"]),
        ("submitForm", {"code": "3", "word": "abc"}, "application/x-www-form-urlencoded", []),
        ("submitForm", {"code": "30"}, "application/x-www-form-urlencoded",
         ["body.code: is greater than the maximum 10"]),
        ("submitForm", MISSING, None, []),  # the body is optional
        ("getItem", {"a": 1}, "application/json", [
            "the required path parameter id is not sent", "the required query parameter limit is not sent",
            "a body is sent, but operation getItem describes no request body"]),
    ],
)  # fmt: skip
def test_bodies(index: Any, operation_id: str, body: Any, content_type: str | None, expected: list[str]) -> None:
    assert post(index, operation_id, body, content_type) == expected


def test_a_parameter_set_by_a_security_scheme_is_not_reported_missing(index: Any) -> None:
    # api_key (in: query) is the apiKey scheme's: the credentials add it after this check
    assert get_item(index, id="abc", limit=1) == []


def test_a_schema_that_cannot_be_applied_gives_no_problem(index: Any) -> None:
    schema = {"type": "string", "pattern": "(?<=\\p{L})x"}  # not a regular expression Python knows
    assert value_problems(index, schema, index.base_uri, "ax") == []


def test_rules_said_in_words(index: Any) -> None:
    schema = {"type": "array", "items": {"type": "integer", "multipleOf": 5}, "maxItems": 2, "nullable": True}
    assert value_problems(index, schema, index.base_uri, [10, 7, 5]) == [
        "has more than 2 items",
        "[1]: is not a multiple of 5",
    ]
    assert value_problems(index, {"const": "x"}, index.base_uri, "y") == ['is not "x"']


FLOW = """\
arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions: [{name: api, url: ./api.yaml, type: openapi}]
workflows:
- workflowId: get
  steps:
  - stepId: get
    operationId: getItem
    parameters:
    - {name: id, in: path, value: abc}
    - {name: limit, in: query, value: lots}
"""


@pytest.mark.parametrize(
    ("check", "status", "sent"), [(True, "failed", 0), ("warn", "succeeded", 1), (False, "succeeded", 1)]
)
def test_runner_option(tmp_path: Path, check: Any, status: str, sent: int) -> None:
    (tmp_path / "api.yaml").write_text(OPENAPI)
    (tmp_path / "flow.arazzo.yaml").write_text(FLOW)
    requests: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json={})

    transport = httpx.MockTransport(answer)
    with arazzo_runner.Runner(str(tmp_path / "flow.arazzo.yaml"), transport=transport, check_requests=check) as runner:
        events = list(runner.iter_events(None, {}))
    result = events[-1].result
    assert result.status == status and len(requests) == sent
    words = "request does not match the OpenAPI description: query parameter limit: is not of type 'integer'"
    if check is True:
        assert result.steps[0].error_type == "request-check" and result.steps[0].error == words
    notices = [getattr(event, "message", "") for event in events if type(event).__name__ == "Notice"]
    assert (words in notices) is (check == "warn")
