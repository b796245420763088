"""Network errors (connection refused) fail the step with type ``network`` and go through
onFailure like any failure."""

from __future__ import annotations

import time

import httpx

import arazzo_runner

from .conftest import Reply, doc, trail

DOC = "network.arazzo.yaml"


def servers(server, closed_port: int) -> dict[str, str]:
    return {"api": server.url, "down": f"http://127.0.0.1:{closed_port}"}


def test_connection_refused_fails_the_step_and_the_workflow(server, make_runner, closed_port) -> None:
    server.on("GET", "/ping", Reply(200, {}))
    result = make_runner(DOC, servers=servers(server, closed_port)).run("unhandled", {})
    assert result.status == "failed"
    assert trail(result) == [("unhandled", "call", 1, "failed")]
    step = result.steps[0]
    assert step.error_type == "network"
    assert step.request is not None and step.request.url == f"http://127.0.0.1:{closed_port}/ping"
    assert step.response is None
    assert result.error is not None
    assert (result.error.type, result.error.step_id) == ("network", "call")
    assert "connect" in result.error.message.lower()
    assert result.to_dict()["error"]["type"] == "network"
    assert server.received() == []


def test_network_error_goes_through_on_failure(server, make_runner, closed_port) -> None:
    server.on("GET", "/ping", Reply(200, {}))
    server.on("GET", "/fallback", Reply(200, {}))
    result = make_runner(DOC, servers=servers(server, closed_port)).run("handled", {})
    # `$statusCode == 200` must not see the previous step's status: the failed step has none
    assert result.status == "succeeded", result.error
    assert trail(result) == [
        ("handled", "first", 1, "succeeded"),
        ("handled", "call", 1, "failed"),
        ("handled", "fb", 1, "succeeded"),
    ]
    assert server.paths() == ["GET /ping", "GET /fallback"]


def test_network_error_is_retried(server, make_runner, closed_port, clock) -> None:
    result = make_runner(DOC, servers=servers(server, closed_port)).run("retried", {})
    assert result.status == "failed"
    assert [(s.attempt, s.error_type) for s in result.steps] == [(1, "network"), (2, "network"), (3, "network")]
    assert clock.sleeps == [1.0, 1.0]


def test_request_timeout_fails_the_step_with_type_timeout(server, make_runner) -> None:
    def too_slow(_request: object) -> Reply:
        time.sleep(0.3)
        return Reply(200, {})

    server.on("GET", "/ping", too_slow)
    # the real clock here: the per-request timeout is httpx's
    runner = make_runner("actions.arazzo.yaml", timeout=0.05, clock=time.monotonic)
    result = runner.run("success-end", {})
    assert result.status == "failed"
    assert result.steps[0].error_type == "timeout"
    assert result.error is not None and result.error.type == "timeout"


def test_too_many_redirects_is_a_network_error(clock) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(302, headers={"Location": "/v1/ping"}))
    with httpx.Client(transport=transport, max_redirects=3) as client:
        result = arazzo_runner.run(
            doc("actions.arazzo.yaml"), "success-end", {},
            client=client, servers={"api": "http://api.test/v1"}, clock=clock, follow_redirects=True,
        )  # fmt: skip
    assert result.status == "failed"
    assert result.steps[0].error_type == "network"
    assert "redirect" in (result.steps[0].error or "").lower()


def test_max_time_running_out_during_a_request_is_max_time(server, make_runner) -> None:
    def too_slow(_request: object) -> Reply:
        time.sleep(0.8)
        return Reply(200, {})

    server.on("GET", "/ping", too_slow)
    # the real clock: the request gets the 0.3 s --max-time leaves, and is cut short
    runner = make_runner("actions.arazzo.yaml", max_time=0.3, clock=time.monotonic)
    result = runner.run("success-end", {})
    assert result.status == "failed"
    assert result.error is not None and result.error.type == "max-time"
    assert "--max-time" in result.error.message
    assert [(s.step_id, s.error_type) for s in result.steps] == [("first", "max-time")]
