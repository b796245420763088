"""What the ``arazzo mcp`` tests share: the skip-or-fail rule for the ``mcp`` SDK, a session of
the SDK's own client over stdio with a spawned ``arazzo mcp``, a recorder of every message the
client receives, and an ``arazzo mcp --transport http`` started on a free loopback port.

Without the SDK the tests that need it skip, saying why; with ``ARAZZO_REQUIRE_MCP=1`` (CI)
they fail instead.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..components import free_ports, stop_process, unavailable

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP_TOOL = "provision-messaging-service-add-number"
FLAGSHIP_INPUTS = {"friendlyName": "Acme alerts", "phoneNumberSid": "PN" + "a" * 32}
SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
EXAMPLE_TOOLS = [
    "issue-invoice",
    "export-all-contacts",
    "reserve-stock-with-retry",
    "add-task",
    "create-project-with-tasks",
    "provision-messaging-service-add-number",
    "place-order",
]
SERVING = re.compile(r"serving streamable HTTP at (http://127\.0\.0\.1:(\d+)/mcp)")


def require_mcp() -> None:
    """Skip (or fail under ARAZZO_REQUIRE_MCP=1) when the ``mcp`` SDK is not installed."""
    try:
        import mcp  # noqa: F401
    except ImportError:
        unavailable("the mcp SDK is not installed (pip install 'arazzo-interpreter[mcp]')", "ARAZZO_REQUIRE_MCP")


@pytest.fixture
def mcp_sdk() -> None:
    """For tests that need the SDK: ``pytestmark = pytest.mark.usefixtures("mcp_sdk")``."""
    require_mcp()


def server_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A clean environment for a spawned server: no ARAZZO_* of the user's (credentials,
    inputs, a token), the test session's private parse cache, and ``extra``."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("ARAZZO_")}
    if "ARAZZO_CACHE_DIR" in os.environ:
        environment["ARAZZO_CACHE_DIR"] = os.environ["ARAZZO_CACHE_DIR"]
    environment["NO_COLOR"] = "1"
    environment.update(extra or {})
    return environment


class Recording:
    """A read stream that keeps, as JSON text, every message that passes through it (the
    client's view of the server: responses, notifications, transport errors)."""

    def __init__(self, stream: Any, seen: list[str]) -> None:
        self.stream = stream
        self.seen = seen

    def _keep(self, item: Any) -> Any:
        message = getattr(item, "message", None)
        if message is not None and hasattr(message, "model_dump_json"):
            self.seen.append(message.model_dump_json(by_alias=True))
        else:
            self.seen.append(repr(item))
        return item

    async def receive(self) -> Any:
        return self._keep(await self.stream.receive())

    async def aclose(self) -> None:
        await self.stream.aclose()

    def __aiter__(self) -> Recording:
        return self

    async def __anext__(self) -> Any:
        return self._keep(await self.stream.__anext__())

    async def __aenter__(self) -> Recording:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    def __getattr__(self, name: str) -> Any:  # last_context and the like
        return getattr(self.stream, name)


@dataclass
class Connected:
    """An initialised client session, the messages it received, and the server's stderr."""

    session: Any
    received: list[str] = field(default_factory=list)
    errlog: Any = None

    def stderr(self) -> str:
        self.errlog.flush()
        self.errlog.seek(0)
        return str(self.errlog.read())


@asynccontextmanager
async def stdio_session(
    *args: str, paths: Sequence[str] = ("workflows/",), env: dict[str, str] | None = None
) -> AsyncIterator[Connected]:
    """``python -m arazzo_runner mcp PATHS --mock ARGS`` (cwd: the repository) over stdio,
    with an initialised :class:`Connected` session of the SDK's client."""
    from mcp import ClientSession, StdioServerParameters, stdio_client

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "arazzo_runner", "mcp", *paths, "--mock", *args],
        env=server_environment(env),
        cwd=str(ROOT),
    )
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errlog:
        connected = Connected(None, errlog=errlog)
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(Recording(read, connected.received), write, read_timeout_seconds=60) as session:
                await session.initialize()
                connected.session = session
                yield connected


@dataclass
class HttpServer:
    """An ``arazzo mcp --transport http`` process, the URL it printed, and its stderr lines
    (drained by a thread of their own, so that the server never blocks on a full pipe)."""

    process: subprocess.Popen[bytes]
    url: str
    port: int
    lines: list[str]
    drain: threading.Thread

    def stop(self) -> None:
        """Stop the process (its group), then close its stderr once drained."""
        stop_process(self.process)
        self.drain.join(timeout=5)
        if self.process.stderr is not None:
            self.process.stderr.close()


def _drain(process: subprocess.Popen[bytes], lines: list[str]) -> None:
    assert process.stderr is not None
    for raw in process.stderr:
        lines.append(raw.decode("utf-8", "replace"))


def start_http(*args: str, env: dict[str, str] | None = None, attempts: int = 3) -> HttpServer:
    """``python -m arazzo_runner mcp workflows/ --mock --transport http --port PORT ARGS`` on a
    free port; returns once it printed its URL on stderr (tries another port if one was taken
    in between)."""
    last = ""
    for _ in range(attempts):
        (port,) = free_ports(1)
        command = [sys.executable, "-m", "arazzo_runner", "mcp", "workflows/", "--mock"]
        command += ["--transport", "http", "--port", str(port), *args]
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=server_environment(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        lines: list[str] = []
        drain = threading.Thread(target=_drain, args=(process, lines), daemon=True)
        drain.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            found = next((match for match in map(SERVING.search, list(lines)) if match), None)
            if found:
                assert int(found.group(2)) == port, found.group(0)
                return HttpServer(process, found.group(1), port, lines, drain)
            time.sleep(0.05)
        HttpServer(process, "", port, lines, drain).stop()
        last = "".join(lines)
    pytest.fail(f"arazzo mcp --transport http did not start:\n{last}")


@contextmanager
def http_server(*args: str, env: dict[str, str] | None = None) -> Iterator[HttpServer]:
    """:func:`start_http`, stopped (by its own process group) on leaving."""
    server = start_http(*args, env=env)
    try:
        yield server
    finally:
        server.stop()
