"""--timeout bounds a whole exchange: a server that drip-feeds its answer is cut at the timeout.

The server here is real (a socket on 127.0.0.1) and sends its answer one byte at a time, so
that no single read ever waits long: only a deadline for the whole exchange stops it.
"""

from __future__ import annotations

import asyncio
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import arazzo_runner
from arazzo_runner.cli import main

from ..paths import FLAGSHIP

PHONE = "PN" + "0123456789abcdef" * 2
BODY = json.dumps({"sid": "MG" + "0" * 32, "friendly_name": "x"}).encode()


class DripServer:
    """Answers every request with a 201 whose ``part`` (headers or body) trickles out."""

    def __init__(self, part: str, interval: float = 0.2) -> None:
        self.part, self.interval = part, interval
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)  # so that the accept loop sees stop
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.stop = threading.Event()
        self.requests = 0
        self.threads: list[threading.Thread] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> DripServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in [self.thread, *self.threads]:
            thread.join(timeout=5)
        self.listener.close()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.settimeout(None)
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)
            self.requests += 1
            head = (
                f"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: {len(BODY) * 100}\r\n\r\n"
            ).encode()
            dripped, sent_at_once = (head, b"") if self.part == "headers" else (BODY * 100, head)
            try:
                connection.sendall(sent_at_once)
                for byte in dripped:
                    if self.stop.wait(self.interval):
                        return
                    connection.sendall(bytes([byte]))
            except OSError:
                return  # the client gave up: what we want


@pytest.fixture(params=["headers", "body"])
def drip(request: pytest.FixtureRequest) -> Iterator[DripServer]:
    with DripServer(request.param) as server:
        yield server


def _flagship_args(url: str) -> list[str]:
    return [
        "run", str(FLAGSHIP), "--server", f"messagingApi={url}/v1",
        "-i", "friendlyName=Drip", "-i", f"phoneNumberSid={PHONE}", "--json", "--no-validate",
    ]  # fmt: skip


def test_cli_timeout_stops_a_drip_feeding_server(drip: DripServer) -> None:
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    code = main([*_flagship_args(drip.url), "--timeout", "3"], stdout=out, stderr=err)
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"took {elapsed:.1f} s"
    assert elapsed >= 2.9
    assert code == 1
    data = json.loads(out.getvalue())
    assert data["status"] == "failed"
    assert data["error"]["type"] == "timeout"
    assert data["steps"][0]["stepId"] == "createService"
    assert "3 s" in data["steps"][0]["error"]


def test_max_time_stops_a_drip_feeding_server(drip: DripServer) -> None:
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    code = main([*_flagship_args(drip.url), "--max-time", "1.5"], stdout=out, stderr=err)
    assert time.monotonic() - started < 3.5
    assert code == 1
    assert json.loads(out.getvalue())["error"]["type"] == "max-time"


def test_async_runs_are_bounded_too(drip: DripServer) -> None:
    async def go() -> arazzo_runner.RunResult:
        return await arazzo_runner.run_async(
            str(FLAGSHIP),
            inputs={"friendlyName": "Drip", "phoneNumberSid": PHONE},
            servers={"messagingApi": f"{drip.url}/v1"},
            timeout=1.5,
        )

    started = time.monotonic()
    result = asyncio.run(go())
    assert time.monotonic() - started < 3.5
    assert result.status == "failed"
    assert result.error is not None and result.error.type == "timeout"


def test_a_given_transport_is_bounded_between_body_chunks(tmp_path: Path) -> None:
    import httpx

    class Slow(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            for _ in range(50):
                time.sleep(0.1)
                yield b" "

    transport = httpx.MockTransport(lambda request: httpx.Response(201, stream=Slow()))
    started = time.monotonic()
    result = arazzo_runner.run(
        str(FLAGSHIP),
        inputs={"friendlyName": "Drip", "phoneNumberSid": PHONE},
        transport=transport,
        timeout=1,
    )
    assert time.monotonic() - started < 3
    assert result.error is not None and result.error.type == "timeout"
