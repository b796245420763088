"""The mock as an HTTP server (``arazzo mock``): the standard library's threading server.

:class:`MockServer` serves one :class:`~arazzo_runner.mock.app.MockApp` on a host and port
(port 0: a free one).  Requests are routed by path only: the server is reached at its own
address, whatever host the description's servers name, so ``https://messaging.twilio.com/v1``
is served at ``http://127.0.0.1:PORT/v1``.  Use it in the foreground with
:meth:`serve_forever`, or in a background thread with :meth:`start` / :meth:`close` (tests,
demos), or as a context manager.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .app import MockApp, MockRequest, MockResponse
from .stores import MAX_ITEMS

__all__ = ["MockServer"]

logger = logging.getLogger(__name__)

_MAX_BODY = 50 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # headers and body leave in separate writes: with Nagle on, a keep-alive client waits for
    # the delayed ACK (about 40 ms) on every request
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        length = self.headers.get("Content-Length")
        body = b""
        if length is not None:
            try:
                size = int(length)
            except ValueError:
                size = -1
            if size < 0 or size > _MAX_BODY:
                self.send_error(413 if size > _MAX_BODY else 400)
                return
            body = self.rfile.read(size)
        elif self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self._chunked()
        address = self.server.server_address
        host = self.headers.get("Host") or f"{address[0]!s}:{address[1]!s}"
        request = MockRequest(self.command, f"http://{host}{self.path}", list(self.headers.items()), body)
        response = self.server.app.handle(request)
        if self.server.on_request is not None:
            # reported before the answer goes out: whoever waits for the answer sees the line
            self.server.on_request(request, response)
        self.send_response(response.status)
        names = set()
        for name, value in response.headers:
            names.add(name.lower())
            self.send_header(name, value)
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.status not in (204, 304):
            self.wfile.write(response.body)

    def _chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            line = self.rfile.readline()
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_TRACE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        logger.debug("mock server: " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # a batch opens --concurrency connections at once: the default backlog of 5 drops some
    # connection attempts, and each dropped one waits a second for the retry of its SYN
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: MockApp) -> None:
        super().__init__(address, _Handler)
        self.app = app
        self.on_request: Callable[[MockRequest, MockResponse], None] | None = None


class MockServer:
    """An HTTP server for ``app`` on ``host``:``port`` (bound at once; port 0 picks one)."""

    def __init__(self, app: MockApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._server = _Server((host, port), app)
        self._thread: threading.Thread | None = None

    @classmethod
    def for_openapi(
        cls,
        index_or_path: Any,
        *,
        seed: int = 0,
        require_auth: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        items: int = 0,
        max_items: int = MAX_ITEMS,
    ) -> MockServer:
        """A server for an OpenAPI description (an OpenAPIIndex or a file path); ``items``
        generated resources in every collection that can be listed, at most ``max_items``
        resources kept in each collection (the oldest evicted first)."""
        from ..openapi.index import OpenAPIIndex, load_openapi

        index = index_or_path if isinstance(index_or_path, OpenAPIIndex) else load_openapi(index_or_path)
        app = MockApp(index, seed=seed, require_auth=require_auth, host_mode="path", items=items, max_items=max_items)
        return cls(app, host, port)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def url(self) -> str:
        """``http://host:port`` (IPv6 hosts in brackets)."""
        host = self.host
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.port}"

    def on_request(self, callback: Callable[[MockRequest, MockResponse], None] | None) -> None:
        """Call ``callback(request, response)`` after each request (for a request log)."""
        self._server.on_request = callback

    def serve_forever(self) -> None:
        """Serve until :meth:`shutdown` is called from another thread (or KeyboardInterrupt)."""
        self._server.serve_forever(poll_interval=0.2)

    def start(self) -> MockServer:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self.serve_forever, name="arazzo-mock", daemon=True)
        self._thread.start()
        return self

    def shutdown(self) -> None:
        self._server.shutdown()

    def close(self) -> None:
        """Stop serving (if started in the background) and release the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
