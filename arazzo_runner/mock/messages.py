"""The mock's request and response values, and the URL, media type and status helpers they share."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = [
    "MockRequest",
    "MockResponse",
    "first_values",
    "media_kind",
    "origin",
    "reason",
    "segments",
    "split_url",
    "status_number",
]


@dataclass
class MockRequest:
    """A request as the mock sees it: method, absolute or relative URL, headers, body."""

    method: str
    url: str
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


@dataclass
class MockResponse:
    """The mock's answer; ``operation`` names the operation that answered (for logs)."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    operation: str | None = None

    def json(self) -> Any:
        return json.loads(self.body)


def split_url(url: str) -> tuple[str, str, int | None, str, str]:
    """scheme, host, port, raw path, raw query of ``url`` (which may be relative)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.scheme, (parts.hostname or ""), port, parts.path or "/", parts.query


def origin(url: str) -> str:
    """``scheme://host[:port]`` of an absolute ``url``; empty for a relative one."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def segments(path: str) -> list[str]:
    """The decoded, non-empty segments of a URL path."""
    return [unquote(part) for part in path.strip("/").split("/") if part] if path.strip("/") else []


def first_values(query: dict[str, list[str]]) -> dict[str, str]:
    """The first value of each query parameter that has one."""
    return {name: values[0] for name, values in query.items() if values}


def media_kind(content_type: str | None) -> str:
    """``json``, ``form``, ``multipart``, ``xml``, ``text`` or ``other`` for a content type."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json") or media == "text/json":
        return "json"
    if media == "application/x-www-form-urlencoded":
        return "form"
    if media.startswith("multipart/"):
        return "multipart"
    if media.endswith("/xml") or media.endswith("+xml"):
        return "xml"
    if media.startswith("text/"):
        return "text"
    return "other"


def reason(status: int) -> str:
    """The HTTP reason phrase of ``status`` (``Error`` for an unknown one)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def status_number(key: str) -> int:
    """The status code of a responses key (``201``; ``2XX`` gives 200; ``default`` 200)."""
    if key.isdigit():
        return int(key)
    if key[:1].isdigit():
        return int(key[0]) * 100
    return 200
