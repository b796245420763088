"""What a step makes of a response: its body as expressions see it, the reason an error
response gives, secret values in it, and headers redacted for the records of a run."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ..missing import MISSING

__all__ = [
    "SECRET_HEADERS",
    "MAX_BODY_DEPTH",
    "BodyTooDeep",
    "parse_body",
    "redacted_headers",
    "server_reason",
    "secret_fields",
]

SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
_CHARSET = re.compile(r"charset=([\w.-]+)", re.IGNORECASE)


MAX_BODY_DEPTH = 512  # nesting of a JSON response body that a step accepts (see parse_body)


class BodyTooDeep(Exception):
    """A JSON response body nested deeper than :data:`MAX_BODY_DEPTH`."""


def parse_body(content: bytes, content_type: str | None) -> Any:
    """A response body as expressions see it: JSON data when it is JSON, else text.

    A JSON body nested more than MAX_BODY_DEPTH levels raises BodyTooDeep: Python's own
    recursion (the JSON reader's, and everything that walks the value after it) stops near
    1,000 levels, so such a body is refused whole, with a message, rather than half-used.
    """
    if not content:
        return MISSING
    media = (content_type or "").lower()
    match = _CHARSET.search(media)
    try:
        text = content.decode(match.group(1) if match else "utf-8", errors="replace")
    except LookupError:
        text = content.decode("utf-8", errors="replace")
    if "json" in media or (not media and text.lstrip()[:1] in ("{", "[")):
        try:
            value = json.loads(text)
        except RecursionError:
            raise BodyTooDeep() from None
        except ValueError:
            return text
        # only a body with that many brackets can be that deep: most never pay for the walk
        if text.count("[") + text.count("{") > MAX_BODY_DEPTH and _depth(value) > MAX_BODY_DEPTH:
            raise BodyTooDeep()
        return value
    return text


def _depth(value: Any) -> int:
    """How deeply ``value`` nests arrays and objects (iteratively: it may be very deep)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, level)
        if deepest > MAX_BODY_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in item if isinstance(child, (dict, list)))
    return deepest


def redacted_headers(headers: list[tuple[str, str]], secrets: frozenset[str] = SECRET_HEADERS) -> dict[str, str]:
    shown: dict[str, str] = {}
    for name, value in headers:
        value = "***" if name.lower() in secrets else value
        shown[name] = f"{shown[name]}, {value}" if name in shown else value
    return shown


_REASON_KEYS = ("message", "detail", "title", "error_description", "error")


def server_reason(body: Any) -> str | None:
    """The message an error response gives (``message``, ``detail``, ``title``...), if any."""
    if isinstance(body, Mapping):
        for key in _REASON_KEYS:
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                text = " ".join(value.split())
                return text if len(text) <= 300 else text[:297] + "..."
            if isinstance(value, Mapping):
                nested = server_reason(value)
                if nested:
                    return nested
    return None


_SECRET_NAMES = frozenset(
    {"accesstoken", "refreshtoken", "idtoken", "token", "clientsecret", "password", "secret", "apikey"}
)


def secret_fields(body: Any, depth: int = 0) -> list[str]:
    """String values of a response body held under secret-looking names (``access_token``...)."""
    found: list[str] = []
    if depth > 6:
        return found
    if isinstance(body, Mapping):
        for key, value in body.items():
            name = str(key).lower().replace("_", "").replace("-", "")
            if name in _SECRET_NAMES and isinstance(value, str) and len(value) >= 6:
                found.append(value)
            elif isinstance(value, (Mapping, list)):
                found.extend(secret_fields(value, depth + 1))
    elif isinstance(body, list):
        for item in body[:100]:
            found.extend(secret_fields(item, depth + 1))
    return found
