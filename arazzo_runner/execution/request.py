"""Pure: (operation, resolved parameter values, body) -> the HTTP request to send.

No I/O here.  Values arrive already evaluated; a MISSING value is left out of the request
(never sent as ``None``, ``null`` or ``undefined``), except in the path, where it is an error.
How each value is written (style, explode, percent-encoding, media types) is
:mod:`arazzo_runner.openapi.serialize`'s business.

A path key may carry a fixed query (``/{Bucket}?list-type=2``, as AWS descriptions write
operations sharing a path): its pairs come first in the URL, the step's query parameters
after them with ``&``, and a step parameter of the same name replaces the fixed pair (one
``list-type``, never two, and never a second ``?``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from ..missing import MISSING
from ..openapi import serialize
from ..openapi.serialize import Payload, StepError

__all__ = [
    "PreparedRequest",
    "ParameterValue",
    "Payload",
    "build_request",
    "parameter_text",
    "encode_body",
    "StepError",
]


@dataclass(frozen=True, slots=True)
class ParameterValue:
    """A parameter with its evaluated value, and how the OpenAPI operation serializes it.

    ``style``/``explode`` None mean the defaults of the location (a parameter the operation
    does not declare is written that way).  ``content_type`` is the media type of a
    ``content``-typed parameter (its value is serialized with it instead of a style), and
    ``encoding`` the Encoding Objects of that media type (an ``in: querystring`` parameter of
    ``application/x-www-form-urlencoded`` content).
    """

    name: str
    in_: str
    value: Any
    style: str | None = None
    explode: bool | None = None
    allow_reserved: bool = False
    content_type: str | None = None
    encoding: Mapping[str, Any] | None = field(default=None, compare=False, hash=False)


@dataclass(slots=True)
class PreparedRequest:
    """Everything needed to send one request, and what expressions can read of it.

    Cookie parameters are written into one ``Cookie`` header in ``headers`` (an exploded
    array gives several pairs of one name, which a mapping cannot hold); ``cookies`` is kept
    for callers that add its pairs as a Cookie header, and is left empty.
    """

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
    return serialize.primitive_text(value)


def encode_body(content_type: str | None, value: Any) -> bytes | None:
    """The bytes of a request body of ``content_type`` holding ``value`` (None for MISSING).

    For ``multipart/*`` without a ``boundary`` parameter the boundary is random and lost
    here: use :func:`arazzo_runner.openapi.serialize.encode_body`, which returns the
    Content-Type to send with it.
    """
    if isinstance(value, Payload):
        value = value.value
    if value is MISSING:
        return None
    return serialize.encode_body(value, content_type).content


_PATH_PARAMETER = re.compile(r"\{([^{}]+)\}")


def _path(template: str, values: dict[str, ParameterValue], dry_run: bool) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        parameter = values.get(name)
        if parameter is None or parameter.value is MISSING:
            if dry_run:
                return match.group(0)
            raise StepError(f"path parameter {name!r} has no value")
        return serialize.serialize_path(
            name, parameter.value, parameter.style, parameter.explode, content_type=parameter.content_type
        )

    return _PATH_PARAMETER.sub(substitute, template)


def _fixed_pairs(fixed: str, given: set[str], query: dict[str, Any]) -> list[str]:
    """The pairs of a path key's fixed query (as written) that no step parameter replaces;
    their values also go into ``query`` (what ``$request.query`` reads)."""
    kept = []
    for piece in fixed.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        name = unquote_plus(name)
        if name in given:
            continue
        kept.append(piece)
        query.setdefault(name, unquote_plus(value))
    return kept


def build_request(
    method: str,
    url_template: str,
    parameters: Sequence[ParameterValue],
    *,
    body: Any = MISSING,
    content_type: str | None = None,
    dry_run: bool = False,
) -> PreparedRequest:
    """The request for ``method`` on ``url_template`` (server URL + path template).

    ``body`` may be a :class:`~arazzo_runner.openapi.serialize.Payload` carrying the
    operation's Media Type Object (its ``encoding`` and ``schema`` are then used).  Raises
    :class:`StepError` when the request cannot be written (a path parameter without a value,
    a header value with a line break, a body its media type cannot carry...).
    """
    by_location: dict[str, dict[str, ParameterValue]] = {}
    for parameter in parameters:
        by_location.setdefault(parameter.in_, {})[parameter.name] = parameter
    path_values = by_location.get("path", {})
    url, _, fixed = _path(url_template, path_values, dry_run).partition("?")
    prepared = PreparedRequest(method=method.upper(), url=url)
    prepared.path = {name: p.value for name, p in path_values.items() if p.value is not MISSING}
    given = {name for name, p in by_location.get("query", {}).items() if p.value is not MISSING}
    pieces = _fixed_pairs(fixed, given, prepared.query)
    for parameter in by_location.get("query", {}).values():
        if parameter.value is MISSING:
            continue
        prepared.query[parameter.name] = parameter.value
        pieces.extend(
            serialize.serialize_query(
                parameter.name,
                parameter.value,
                parameter.style,
                parameter.explode,
                parameter.allow_reserved,
                content_type=parameter.content_type,
            )  # fmt: skip
        )
    for parameter in by_location.get("querystring", {}).values():
        querystring = serialize.serialize_querystring(parameter.value, parameter.content_type, parameter.encoding)
        if querystring:
            pieces.append(querystring)
    query = "&".join(pieces)
    if query:
        prepared.url = f"{url}?{query}"
    for parameter in by_location.get("header", {}).values():
        text = serialize.serialize_header(
            parameter.name, parameter.value, parameter.style, parameter.explode, content_type=parameter.content_type
        )
        if text is not None:
            prepared.headers.append((parameter.name, text))
    pairs: list[tuple[str, str]] = []
    for parameter in by_location.get("cookie", {}).values():
        if parameter.value is MISSING:
            continue
        pairs.extend(
            serialize.serialize_cookie(
                parameter.name,
                parameter.value,
                parameter.style,
                parameter.explode,
                content_type=parameter.content_type,
            )  # fmt: skip
        )
    if pairs:
        cookie = "; ".join(f"{name}={value}" for name, value in pairs)
        for position, (name, value) in enumerate(prepared.headers):
            if name.lower() == "cookie":  # a Cookie header parameter: the cookies join it
                prepared.headers[position] = (name, f"{value}; {cookie}" if value else cookie)
                break
        else:
            prepared.headers.append(("Cookie", cookie))
    media, resolve = None, None
    if isinstance(body, Payload):
        media, resolve, body = body.media, body.resolve, body.value
    if body is not MISSING:
        encoded = serialize.encode_body(body, content_type, media, resolve)
        prepared.content_type = encoded.content_type
        prepared.body_value = encoded.value
        prepared.content = encoded.content
        if not any(name.lower() == "content-type" for name, _ in prepared.headers):
            prepared.headers.append(("Content-Type", prepared.content_type))
    return prepared
