"""Shared helpers for the batch tests: the flagship, INPUTS.jsonl files, a fake Twilio for
``httpx.MockTransport``, and the project's own mock served on 127.0.0.1 with a request log."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from arazzo_runner.mock import MockServer

from ..paths import FLAGSHIP, ROOT

TWILIO = ROOT / "openapi" / "twilio-messaging-openapi.yml"
PN = "PN557ce644e5ab84fa21cc21112e22c485"
SID = r"^MG[0-9a-f]{32}$"

__all__ = ["FLAGSHIP", "PN", "SID", "TWILIO", "LoggedMock", "customers", "fake_twilio", "write_lines"]


def customers(count: int, *, start: int = 1) -> list[dict[str, Any]]:
    """Input lines of the flagship: id ``cust-N``, friendlyName ``Customer N``."""
    return [
        {"id": f"cust-{n}", "friendlyName": f"Customer {n}", "phoneNumberSid": PN} for n in range(start, start + count)
    ]


def write_lines(path: Path, lines: list[Any]) -> Path:
    """``lines`` as INPUTS.jsonl: dicts as JSON, strings as they are."""
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def fake_twilio(
    log: list[str] | None = None, *, fail: set[str] = frozenset(), delay: float = 0.0
) -> httpx.MockTransport:
    """An async ``httpx.MockTransport`` answering the flagship's three requests like Twilio;
    a friendlyName in ``fail`` gets a 500 for addNumber.  Each createService's friendlyName
    goes to ``log``."""
    import asyncio

    names: dict[str, str] = {}

    async def handle(request: httpx.Request) -> httpx.Response:
        if delay:
            await asyncio.sleep(delay)
        path = request.url.path
        if request.method == "POST" and path.endswith("/Services"):
            name = parse_qs(request.content.decode())["FriendlyName"][0]
            if log is not None:
                log.append(name)
            sid = "MG" + uuid.uuid4().hex
            names[sid] = name
            return httpx.Response(201, json={"sid": sid, "friendly_name": name})
        sid = path.split("/")[3]
        if path.endswith("/PhoneNumbers"):
            return httpx.Response(500 if names[sid] in fail else 201, json={"sid": PN})
        return httpx.Response(200, json={"sid": sid, "friendly_name": names[sid]})

    return httpx.MockTransport(handle)


class LoggedMock:
    """The project's mock of the Twilio description as an HTTP server on 127.0.0.1 (a free
    port), logging every request as (method, path, FriendlyName of a createService)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.server = MockServer.for_openapi(TWILIO)
        self.requests: list[tuple[str, str, str | None]] = []
        self._lock = threading.Lock()
        self._delay = delay
        self.server.on_request(self._record)

    def _record(self, request: Any, response: Any) -> None:
        path = request.url.split("://", 1)[1].split("/", 1)[1]
        name = None
        if request.method == "POST" and path == "v1/Services":
            name = parse_qs(request.body.decode())["FriendlyName"][0]
        with self._lock:
            self.requests.append((request.method, "/" + path, name))
        if self._delay:
            import time

            time.sleep(self._delay)  # before the answer goes out: a slower server

    @property
    def url(self) -> str:
        return f"{self.server.url}/v1"

    def created(self) -> list[str]:
        """The friendlyNames of the services created, in order."""
        with self._lock:
            return [name for _, _, name in self.requests if name is not None]


@pytest.fixture
def twilio_server() -> Iterator[LoggedMock]:
    mock = LoggedMock()
    with mock.server:
        yield mock
