"""Pure: (operation, resolved parameter values, body) -> the HTTP request to send.

No I/O here.  Values arrive already evaluated; a MISSING value is left out of the request
(never sent as ``None``, ``null`` or ``undefined``), except in the path, where it is an error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

from ..errors import ExpressionError
from ..missing import MISSING

__all__ = ["PreparedRequest", "ParameterValue", "build_request", "parameter_text", "encode_body", "StepError"]


class StepError(ExpressionError):
    """A step cannot be sent as written (a path parameter without a value, ...)."""


@dataclass(frozen=True, slots=True)
class ParameterValue:
    """A parameter with its evaluated value, and how the OpenAPI operation serializes it."""

    name: str
    in_: str
    value: Any
    style: str | None = None
    explode: bool | None = None
    allow_reserved: bool = False


@dataclass(slots=True)
class PreparedRequest:
    """Everything needed to send one request, and what expressions can read of it."""

    method: str
    url: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    content: bytes | None = None
    content_type: str | None = None
    body_value: Any = MISSING
    query: dict[str, Any] = field(default_factory=dict)
    path: dict[str, Any] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def body_text(self) -> str | None:
        if self.content is None:
            return None
        try:
            return self.content.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(self.content)} bytes>"


def parameter_text(value: Any) -> str:
    """A primitive as it reads in a URL or a header: JSON form for numbers and booleans."""
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _simple(value: Any, explode: bool) -> str:
    if isinstance(value, Mapping):
        if explode:
            return ",".join(f"{k}={parameter_text(v)}" for k, v in value.items())
        return ",".join(f"{k},{parameter_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ",".join(parameter_text(item) for item in value)
    return parameter_text(value)


_PATH_PARAMETER = re.compile(r"\{([^{}]+)\}")


def _path(template: str, values: dict[str, ParameterValue], dry_run: bool) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        parameter = values.get(name)
        if parameter is None or parameter.value is MISSING:
            if dry_run:
                return match.group(0)
            raise StepError(f"path parameter {name!r} has no value")
        explode = bool(parameter.explode)
        return quote(_simple(parameter.value, explode), safe="" if not parameter.allow_reserved else "/:@!$&'()*+,;=")

    return _PATH_PARAMETER.sub(substitute, template)


def _query_pairs(parameter: ParameterValue) -> list[tuple[str, str]]:
    value, name = parameter.value, parameter.name
    explode = True if parameter.explode is None else parameter.explode
    if isinstance(value, list):
        if explode:
            return [(name, parameter_text(item)) for item in value]
        return [(name, ",".join(parameter_text(item) for item in value))]
    if isinstance(value, Mapping):
        if explode:
            return [(str(k), parameter_text(v)) for k, v in value.items()]
        return [(name, ",".join(f"{k},{parameter_text(v)}" for k, v in value.items()))]
    return [(name, parameter_text(value))]


def encode_body(content_type: str | None, value: Any) -> bytes | None:
    """The bytes of a request body of ``content_type`` holding ``value``."""
    if value is MISSING:
        return None
    media = (content_type or "application/json").split(";")[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        if isinstance(value, str):
            return value.encode("utf-8")
        pairs: list[tuple[str, str]] = []
        for key, item in value.items() if isinstance(value, Mapping) else []:
            if item is MISSING:
                continue
            if isinstance(item, list):
                pairs.extend((key, parameter_text(element)) for element in item)
            else:
                pairs.append((key, parameter_text(item)))
        return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in pairs).encode("ascii")
    if media == "application/json" or media.endswith("+json"):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def build_request(
    method: str,
    url_template: str,
    parameters: Sequence[ParameterValue],
    *,
    body: Any = MISSING,
    content_type: str | None = None,
    dry_run: bool = False,
) -> PreparedRequest:
    """The request for ``method`` on ``url_template`` (server URL + path template)."""
    by_location: dict[str, dict[str, ParameterValue]] = {}
    for parameter in parameters:
        by_location.setdefault(parameter.in_, {})[parameter.name] = parameter
    path_values = by_location.get("path", {})
    url = _path(url_template, path_values, dry_run)
    prepared = PreparedRequest(method=method.upper(), url=url)
    prepared.path = {name: p.value for name, p in path_values.items() if p.value is not MISSING}
    pairs: list[tuple[str, str]] = []
    for parameter in by_location.get("query", {}).values():
        if parameter.value is MISSING:
            continue
        prepared.query[parameter.name] = parameter.value
        pairs.extend(_query_pairs(parameter))
    querystring = next(iter(by_location.get("querystring", {}).values()), None)
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    if querystring is not None and querystring.value is not MISSING:
        text = parameter_text(querystring.value)
        query = f"{query}&{text}" if query else text
    if query:
        prepared.url = f"{url}{'&' if '?' in url else '?'}{query}"
    for parameter in by_location.get("header", {}).values():
        if parameter.value is not MISSING:
            prepared.headers.append((parameter.name, _simple(parameter.value, bool(parameter.explode))))
    for parameter in by_location.get("cookie", {}).values():
        if parameter.value is not MISSING:
            prepared.cookies[parameter.name] = parameter_text(parameter.value)
    if body is not MISSING:
        prepared.content_type = content_type or "application/json"
        prepared.body_value = body
        prepared.content = encode_body(prepared.content_type, body)
        if not any(name.lower() == "content-type" for name, _ in prepared.headers):
            prepared.headers.append(("Content-Type", prepared.content_type))
    return prepared
