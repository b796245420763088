"""Fixtures for end-to-end runs: a real local HTTP server, a fake clock, runner factories.

The server (``ScriptedServer``) listens on 127.0.0.1 on a free port for the whole session;
each test gets it reset.  A test scripts replies per (method, path): a queue whose last reply
repeats, each reply a :class:`Reply` or a function of the :class:`Recorded` request.  Every
request received is recorded (method, path, query, headers, body).
"""

from __future__ import annotations

import json
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import arazzo_runner

DATA = Path(__file__).parent / "data"


def doc(name: str) -> str:
    """The path of a fixture document under tests/execution/data."""
    return str(DATA / name)


# ---------------------------------------------------------------- the server


@dataclass
class Reply:
    """One scripted response.  ``json`` wins over ``body`` (sent as application/json)."""

    status: int = 200
    json: Any = None
    body: bytes | str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if self.json is not None:
            content = json.dumps(self.json).encode()
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(self.body, str):
            content = self.body.encode()
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        else:
            content = self.body or b""
        return content, headers


@dataclass(frozen=True)
class Recorded:
    """A request the server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    raw_query: str = ""

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode(), keep_blank_values=True)


Responder = Reply | Callable[[Recorded], Reply]


class ScriptedServer:
    """State shared by the handler threads; ``url`` is ``http://127.0.0.1:PORT``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.scripts: dict[tuple[str, str], list[Responder]] = {}
        self.requests: list[Recorded] = []
        self.httpd = _QuietServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, args=(0.05,), name="scripted-server", daemon=True
        )

    def reset(self) -> None:
        with self.lock:
            self.scripts.clear()
            self.requests.clear()

    def on(self, method: str, path: str, *replies: Responder) -> None:
        """Script ``replies`` for ``method`` (or ``*``) on ``path``: in order, the last repeating."""
        assert replies
        with self.lock:
            self.scripts[(method.upper(), path)] = list(replies)

    def reply_for(self, request: Recorded) -> Reply:
        with self.lock:
            self.requests.append(request)
            queue = self.scripts.get((request.method, request.path)) or self.scripts.get(("*", request.path))
            if not queue:
                responder: Responder = Reply(404, {"error": f"nothing scripted for {request.method} {request.path}"})
            else:
                responder = queue.pop(0) if len(queue) > 1 else queue[0]
        return responder(request) if callable(responder) else responder

    def received(self, path: str | None = None) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if path is None or r.path == path]

    def paths(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.received()]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that gave up (a timeout test) leaves a broken pipe: not worth a traceback;
        # anything else (a scripted responder that raised) is shown
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler(state: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = -1  # one write per response (flushed by handle_one_request)
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            query = parse_qs(parts.query, keep_blank_values=True)
            recorded = Recorded(self.command, parts.path, query, headers, body, parts.query)
            reply = state.reply_for(recorded)
            content, reply_headers = reply.encode()
            self.send_response(reply.status)
            for name, value in reply_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
            pass

    return Handler


@pytest.fixture(scope="session")
def _http_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        server.thread.join(5)


@pytest.fixture()
def server(_http_server: ScriptedServer) -> ScriptedServer:
    """The session's local HTTP server, with no script and no recorded requests."""
    _http_server.reset()
    return _http_server


@pytest.fixture()
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------- time


class FakeClock:
    """A monotonic clock that only moves when told; ``sleep`` advances it and records the delay."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


@pytest.fixture()
def clock() -> FakeClock:
    return FakeClock()


# ---------------------------------------------------------------- runners


@pytest.fixture()
def make_runner(server: ScriptedServer, clock: FakeClock) -> Iterator[Callable[..., arazzo_runner.Runner]]:
    """``make_runner(doc_name, **options)``: a Runner on the local server and the fake clock,
    closed at the end of the test."""
    made: list[arazzo_runner.Runner] = []

    def make(name: str, **options: Any) -> arazzo_runner.Runner:
        options.setdefault("servers", {"api": server.url})
        options.setdefault("clock", clock)
        options.setdefault("sleep", clock.sleep)
        options.setdefault("async_sleep", clock.async_sleep)
        options.setdefault("timeout", 5.0)
        runner = arazzo_runner.Runner(doc(name), **options)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.close()


def trail(result: Any) -> list[tuple[str, str, int, str]]:
    """The step executions of a result as (workflowId, stepId, attempt, status)."""
    return [(s.workflow_id, s.step_id, s.attempt, s.status) for s in result.steps]
