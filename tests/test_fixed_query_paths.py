"""Path keys that carry a fixed query (``/{Bucket}?list-type=2``, as AWS S3 descriptions write
operations sharing a path): the request the runner builds (the fixed pairs first, the step's
query parameters after them, one ``?``, no doubled name), the URL it sends, and the mock
routing such a request to that operation and not to the plain path."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import arazzo_runner
from arazzo_runner.execution.request import ParameterValue, build_request
from arazzo_runner.missing import MISSING
from arazzo_runner.mock import MockRequest, MockTransport

from .paths import ROOT

CASES = ROOT / "tests" / "mock" / "cases" / "workflows"
S3 = CASES / "s3-fixed-query-openapi.yaml"
WORKFLOW = CASES / "s3-fixed-query.arazzo.yaml"
BASE = "https://s3.example.com"


def _bucket(*more: ParameterValue) -> list[ParameterValue]:
    return [ParameterValue("Bucket", "path", "photos"), *more]


@pytest.mark.parametrize(
    ("template", "parameters", "url", "query"),
    [
        ("/{Bucket}?list-type=2", _bucket(), "/photos?list-type=2", {"list-type": "2"}),
        ("/{Bucket}?list-type=2", _bucket(ParameterValue("prefix", "query", "a b")),
         "/photos?list-type=2&prefix=a%20b", {"list-type": "2", "prefix": "a b"}),
        # the step names the fixed parameter itself: one list-type, the step's
        ("/{Bucket}?list-type=2", _bucket(ParameterValue("list-type", "query", 2)), "/photos?list-type=2",
         {"list-type": 2}),
        ("/{Bucket}?list-type=2&fetch-owner=true", _bucket(ParameterValue("fetch-owner", "query", False)),
         "/photos?list-type=2&fetch-owner=false", {"list-type": "2", "fetch-owner": False}),
        ("/{Bucket}?acl", _bucket(), "/photos?acl", {"acl": ""}),
        ("/{Bucket}?acl", _bucket(ParameterValue("x", "query", 1)), "/photos?acl&x=1", {"acl": "", "x": 1}),
        # a parameter without a value leaves the fixed query alone
        ("/{Bucket}?uploads", _bucket(ParameterValue("uploads", "query", MISSING)), "/photos?uploads",
         {"uploads": ""}),
        # a '?' in a path value is encoded: it starts no query
        ("/{Bucket}", [ParameterValue("Bucket", "path", "a?b")], "/a%3Fb", {}),
        ("/{Bucket}", _bucket(ParameterValue("x", "query", "1")), "/photos?x=1", {"x": "1"}),
    ],
)  # fmt: skip
def test_build_request_merges_a_fixed_query(
    template: str, parameters: list[ParameterValue], url: str, query: dict[str, Any]
) -> None:
    prepared = build_request("GET", BASE + template, parameters)
    assert prepared.url == BASE + url
    assert prepared.query == query


def _run(transport: Any) -> Any:
    with arazzo_runner.Runner(str(WORKFLOW), transport=transport) as runner:
        return runner.run("list-bucket", {})


def test_the_runner_sends_the_fixed_query_once() -> None:
    sent: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        return httpx.Response(200, json={"Name": "photos", "KeyCount": 1, "Grants": [], "Version": 1})

    result = _run(httpx.MockTransport(answer))
    assert result.status == "succeeded", result.error
    assert sent == [
        f"{BASE}/photos?list-type=2&prefix=2024%2F&max-keys=5",
        f"{BASE}/photos?acl",
        f"{BASE}/photos",
    ]
    assert [step.request.url for step in result.steps] == sent
    assert result.outputs == {"sentListType": "2", "version": 1}


def test_the_workflow_runs_on_the_mock() -> None:
    result = _run(MockTransport(S3))
    assert result.status == "succeeded", result.error
    list_v2, acl, list_v1 = (step.response.body for step in result.steps)
    assert set(list_v2) >= {"Name", "KeyCount"} and list_v2["Prefix"] == "2024/"
    assert set(acl) == {"Grants"}
    assert list_v1 == {"Version": 1}


@pytest.mark.parametrize(
    ("method", "target", "status", "operation"),
    [
        ("GET", "/photos?list-type=2", 200, "ListObjectsV2"),
        ("GET", "/photos?prefix=a&list-type=2", 200, "ListObjectsV2"),  # the pair anywhere in the query
        ("GET", "/photos", 200, "ListObjects"),
        ("GET", "/photos?list-type=1", 200, "ListObjects"),  # another value: not that operation
        ("GET", "/photos?prefix=a", 200, "ListObjects"),
        ("PUT", "/photos?list-type=2", 200, "CreateBucket"),  # the fixed query is GET's only
        ("GET", "/photos?acl", 200, "GetBucketAcl"),
        ("GET", "/photos?acl=", 200, "GetBucketAcl"),
        ("DELETE", "/photos?acl", 405, None),
        ("GET", "/photos?list-type=2&max-keys=0", 400, "ListObjectsV2"),  # validated as that operation
    ],
)  # fmt: skip
def test_the_mock_routes_by_the_fixed_query(method: str, target: str, status: int, operation: str | None) -> None:
    response = MockTransport(S3).handle(MockRequest(method, BASE + target))
    assert response.status == status, response.body
    assert response.operation == operation
