"""Runs on ``httpx.MockTransport``: the JSON contract, redaction, given clients, redirects."""

from __future__ import annotations

import json

import httpx

import arazzo_runner

from .conftest import doc

SERVERS = {"api": "http://api.test/v1"}


def test_run_json_contract(clock) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/v1/items" and request.method == "POST":
            return httpx.Response(201, json={"id": "it-1", "label": json.loads(request.content)["label"]})
        return httpx.Response(200, json={"name": "thing"})

    result = arazzo_runner.run(
        doc("sub.arazzo.yaml"), "parent", {"name": "W"},
        transport=httpx.MockTransport(handler), servers=SERVERS, clock=clock,
    )  # fmt: skip
    data = result.to_dict()
    json.dumps(data)
    assert list(data) == ["workflowId", "status", "outputs", "steps", "error"]
    assert (data["workflowId"], data["status"], data["error"]) == ("parent", "succeeded", None)
    assert result.exit_code == 0
    for step in data["steps"]:
        assert list(step) == ["stepId", "workflowId", "status", "attempt", "request", "response", "outputs", "error"]
    create = data["steps"][0]
    assert create["request"] == {
        "method": "POST",
        "url": "http://api.test/v1/items",
        "headers": {"Content-Type": "application/json"},
        "body": '{"label":"W","count":3}',
    }
    assert create["response"]["statusCode"] == 201
    assert create["response"]["body"] == {"id": "it-1", "label": "W"}
    assert [str(r.url) for r in seen] == ["http://api.test/v1/items", "http://api.test/v1/items/it-1"]


def test_failed_run_exit_code_and_error(clock) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(500, text="nope"))
    result = arazzo_runner.run(
        doc("actions.arazzo.yaml"), "plain", {}, transport=transport, servers=SERVERS, clock=clock
    )
    data = result.to_dict()
    assert data["status"] == "failed" and result.exit_code == 1
    assert data["steps"][0]["response"]["body"] == "nope"
    assert data["error"]["type"] == "criteria" and data["error"]["stepId"] == "first"


def test_given_client_is_used_and_left_open(clock) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.headers.get("x-client"))
        return httpx.Response(200, json={})

    with httpx.Client(transport=httpx.MockTransport(handler), headers={"X-Client": "mine"}) as client:
        with arazzo_runner.Runner(doc("actions.arazzo.yaml"), client=client, servers=SERVERS, clock=clock) as runner:
            assert runner.run("success-end", {}).status == "succeeded"
        assert not client.is_closed
    assert calls == ["mine"]


def test_runner_accepts_a_loaded_description(clock) -> None:
    description = arazzo_runner.load(doc("actions.arazzo.yaml"))
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    with arazzo_runner.Runner(description, transport=transport, servers=SERVERS, clock=clock) as runner:
        first = runner.run("success-end", {})
        second = runner.run("success-end", {})
    assert first.to_dict() == second.to_dict()
    assert first.outputs == {"pinged": 200}


def test_redirects_are_not_followed_by_default(clock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/ping":
            return httpx.Response(302, headers={"Location": "/v1/fallback"})
        return httpx.Response(200, json={})

    result = arazzo_runner.run(
        doc("actions.arazzo.yaml"), "success-end", {},
        transport=httpx.MockTransport(handler), servers=SERVERS, clock=clock,
    )  # fmt: skip
    assert result.status == "failed"  # the step sees the 302, which is not 2xx
    assert result.steps[0].response is not None and result.steps[0].response.status_code == 302


def session_handler(seen: list[tuple[str, str | None]]):
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, request.headers.get("cookie")))
        if request.url.path == "/v1/login":
            user = request.url.params["user"]
            return httpx.Response(302, headers={"Location": "/v1/me", "Set-Cookie": f"session={user}; Path=/"})
        if request.url.path == "/v1/me":
            return httpx.Response(307, headers={"Location": "/v1/me/final"})
        return httpx.Response(200, json={"cookie": request.headers.get("cookie")})

    return handler


def test_followed_redirects_keep_each_runs_cookies(clock) -> None:
    seen: list[tuple[str, str | None]] = []
    transport = httpx.MockTransport(session_handler(seen))
    with arazzo_runner.Runner(
        doc("session.arazzo.yaml"), transport=transport, servers=SERVERS, clock=clock, follow_redirects=True
    ) as runner:
        alice = runner.run("session", {"user": "alice"})
        anonymous = runner.run("anonymous", {})
    assert alice.status == "succeeded", alice.error
    # the cookie set by the redirecting login response belongs to this run
    assert alice.outputs == {"before": None, "first": "session=alice", "second": "session=alice"}
    # and to no other run, redirect hops included
    assert anonymous.outputs == {"first": None, "second": None}
    assert [cookie for path, cookie in seen[-4:]] == [None, None, None, None]
