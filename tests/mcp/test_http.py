"""``arazzo mcp workflows/ --mock --transport http`` on a free loopback port, driven by the
``mcp`` SDK's streamable HTTP client: tools and the flagship call, DNS rebinding protection
(foreign Host and Origin headers), and the bearer token."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import anyio
import httpx
import pytest

from .conftest import (
    EXAMPLE_TOOLS,
    FLAGSHIP_INPUTS,
    FLAGSHIP_TOOL,
    ROOT,
    SERVICE_SID,
    Recording,
    http_server,
    server_environment,
)

pytestmark = pytest.mark.usefixtures("mcp_sdk")

TOKEN = "mcp-test-token-Vb7Kp2Rw"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}},
}
ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


async def session_calls(url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Over the SDK's streamable HTTP client: the tool names, a flagship call (with progress)
    and a call missing an argument; and every message received."""
    import httpx2
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    received: list[str] = []
    seen: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append(progress)

    # the SDK takes headers (here the bearer token) through an httpx2 client of one's own
    async with httpx2.AsyncClient(headers=headers or {}, timeout=httpx2.Timeout(30, read=60)) as client:
        async with streamable_http_client(url, http_client=client) as (read, write):
            async with ClientSession(Recording(read, received), write, read_timeout_seconds=60) as session:
                await session.initialize()
                tools = [tool.name for tool in (await session.list_tools()).tools]
                flagship = await session.call_tool(FLAGSHIP_TOOL, FLAGSHIP_INPUTS, progress_callback=on_progress)
                missing = await session.call_tool(FLAGSHIP_TOOL, {"friendlyName": "Acme"})
    return {"tools": tools, "flagship": flagship, "missing": missing, "progress": seen, "received": received}


def test_tools_and_the_flagship_call_over_streamable_http() -> None:
    with http_server() as server:
        assert server.url == f"http://127.0.0.1:{server.port}/mcp"
        found = anyio.run(session_calls, server.url)
    assert sorted(found["tools"]) == sorted(EXAMPLE_TOOLS)
    flagship = found["flagship"]
    assert flagship.is_error is False
    assert SERVICE_SID.match(flagship.structured_content["serviceSid"])
    assert flagship.structured_content["friendlyName"] == "Acme alerts"
    assert found["progress"] == [1, 2, 3]
    assert found["missing"].is_error is True
    assert "phoneNumberSid" in found["missing"].content[0].text


def test_foreign_host_and_origin_headers_are_refused() -> None:
    with http_server() as server:
        with httpx.Client(timeout=10) as client:
            evil_host = client.post(server.url, json=INITIALIZE, headers={**ACCEPT, "Host": "evil.example"})
            evil_origin = client.post(server.url, json=INITIALIZE, headers={**ACCEPT, "Origin": "http://evil.example"})
            own = client.post(server.url, json=INITIALIZE, headers=ACCEPT)
    # a page on another site that resolves its name to 127.0.0.1 must not reach the tools
    assert 400 <= evil_host.status_code < 500, evil_host.text
    assert evil_host.status_code == 421
    assert 400 <= evil_origin.status_code < 500, evil_origin.text
    assert "tools" not in evil_host.text and "tools" not in evil_origin.text
    assert own.status_code == 200, own.text
    assert '"serverInfo"' in own.text


def test_a_non_loopback_address_needs_a_token() -> None:
    command = [sys.executable, "-m", "arazzo_runner", "mcp", "workflows/", "--mock", "--transport", "http"]
    done = subprocess.run(
        [*command, "--host", "0.0.0.0", "--port", "0"],
        cwd=ROOT,
        env=server_environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "--token" in done.stderr
    assert "ARAZZO_MCP_TOKEN" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_with_a_token_only_clients_that_send_it_are_served() -> None:
    with http_server("--token", TOKEN) as server:
        with httpx.Client(timeout=10) as client:
            anonymous = client.post(server.url, json=INITIALIZE, headers=ACCEPT)
            wrong = client.post(server.url, json=INITIALIZE, headers={**ACCEPT, "Authorization": "Bearer nope"})
            bare = client.post(server.url, json=INITIALIZE, headers={**ACCEPT, "Authorization": TOKEN})
        found = anyio.run(session_calls, server.url, {"Authorization": f"Bearer {TOKEN}"})
    for refused in (anonymous, wrong, bare):
        assert refused.status_code == 401, refused.text
        assert refused.headers["www-authenticate"] == "Bearer"
        assert TOKEN not in refused.text
    assert sorted(found["tools"]) == sorted(EXAMPLE_TOOLS)
    assert found["flagship"].is_error is False
    assert SERVICE_SID.match(found["flagship"].structured_content["serviceSid"])
    assert TOKEN not in "\n".join(found["received"])


def test_the_token_may_come_from_the_environment() -> None:
    with http_server(env={"ARAZZO_MCP_TOKEN": TOKEN}) as server:
        with httpx.Client(timeout=10) as client:
            anonymous = client.post(server.url, json=INITIALIZE, headers=ACCEPT)
            given = client.post(server.url, json=INITIALIZE, headers={**ACCEPT, "Authorization": f"Bearer {TOKEN}"})
            # the scheme is case-insensitive (RFC 9110)
            lower = client.post(server.url, json=INITIALIZE, headers={**ACCEPT, "Authorization": f"bearer {TOKEN}"})
    assert anonymous.status_code == 401
    assert given.status_code == 200, given.text
    assert lower.status_code == 200, lower.text


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["-i", "nosuch=1", "-w", "add-task"], "-i nosuch: no workflow served declares an input 'nosuch'"),
        (["-w", "no-such-workflow"], "-w no-such-workflow: no such workflow"),
    ],
)
def test_start_up_mistakes_exit_2_with_the_reason(arguments: list[str], expected: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "arazzo_runner", "mcp", "workflows/", "--mock", *arguments],
        cwd=ROOT, env=server_environment(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_a_document_with_validation_errors_is_refused_with_its_diagnostics(tmp_path: Any) -> None:
    document = tmp_path / "broken.arazzo.yaml"
    document.write_text(
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\n"
        "sourceDescriptions: [{name: api, url: ./api.yaml, type: openapi}]\n"
        "workflows:\n  - workflowId: w\n    steps:\n      - {stepId: a, operationId: nope}\n"
        "      - {stepId: a, operationId: nope}\n"
    )
    (tmp_path / "api.yaml").write_text("openapi: 3.1.0\ninfo: {title: a, version: '1'}\npaths: {}\n")
    command = [sys.executable, "-m", "arazzo_runner", "mcp", str(document)]
    done = subprocess.run(command, env=server_environment(), stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert f"{document}:7:" in done.stderr and "unknown-operation" in done.stderr  # each error listed, located
    assert "--no-validate" in done.stderr
