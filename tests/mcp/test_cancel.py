"""Cancelling a tool call stops its run: a workflow that retries a failing request every
200 ms against a loopback server; once the client cancels the call, no request follows."""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anyio
import pytest

from .conftest import server_environment

pytestmark = pytest.mark.usefixtures("mcp_sdk")

WORKFLOW = """\
arazzo: 1.0.1
info: {title: Busy, version: 1.0.0}
sourceDescriptions:
- {name: api, url: ./api.yaml, type: openapi}
workflows:
- workflowId: keep-trying
  steps:
  - stepId: poll
    operationId: poll
    successCriteria:
    - condition: $statusCode == 200
    onFailure:
    - {name: again, type: retry, retryAfter: 0.2, retryLimit: 100}
"""

API = """\
openapi: 3.1.0
info: {title: Busy, version: 1.0.0}
servers: [{url: 'http://127.0.0.1:1'}]
paths:
  /poll:
    get:
      operationId: poll
      responses: {'200': {description: ok}, '503': {description: busy}}
"""


class Busy(BaseHTTPRequestHandler):
    times: list[float] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        type(self).times.append(time.monotonic())
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def busy_server() -> Iterator[tuple[str, list[float]]]:
    handler = type("Handler", (Busy,), {"times": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.times
    finally:
        server.shutdown()
        server.server_close()


def test_cancelling_a_call_stops_its_run(tmp_path: Path, busy_server: tuple[str, list[float]]) -> None:
    from mcp import ClientSession, StdioServerParameters, stdio_client

    url, times = busy_server
    (tmp_path / "busy.arazzo.yaml").write_text(WORKFLOW)
    (tmp_path / "api.yaml").write_text(API)
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "arazzo_runner", "mcp", str(tmp_path / "busy.arazzo.yaml"), "--server", f"api={url}"],
        env=server_environment(),
        cwd=str(tmp_path),
    )

    async def main() -> tuple[float, bool]:
        with tempfile.TemporaryFile("w+", encoding="utf-8") as errlog:
            async with stdio_client(params, errlog=errlog) as (read, write):
                async with ClientSession(read, write, read_timeout_seconds=60) as session:
                    await session.initialize()
                    with anyio.move_on_after(1.2) as scope:
                        await session.call_tool("keep-trying", {})
                    cancelled_at = time.monotonic()
                    await anyio.sleep(1.5)  # a run still going would send ~7 more requests meanwhile
                    listed = await session.list_tools()  # and the server still serves
                    return cancelled_at, scope.cancelled_caught and len(listed.tools) == 1

    cancelled_at, ok = anyio.run(main)
    assert ok
    before = [t for t in times if t <= cancelled_at]
    after = [t for t in times if t > cancelled_at + 0.1]  # one request may have been in flight
    assert len(before) >= 3, times  # it was retrying
    assert after == [], f"{len(after)} requests after the call was cancelled"
