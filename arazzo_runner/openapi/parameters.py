"""Parameter serialization by location: path, query, header, cookie, ``content`` and querystring."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from ..missing import MISSING
from .media import is_form_media, is_json_media, is_xml_media
from .styles import (
    default_explode,
    encode_entries,
    form_body,
    form_text,
    pct_encode,
    query_entries,
    query_text,
    simple_text,
)
from .values import (
    StepError,
    is_list,
    is_undefined,
    json_text,
    kind_of,
    present_items,
    present_members,
    primitive_text,
)


def serialize_query(
    name: str,
    value: Any,
    style: str | None = None,
    explode: bool | None = None,
    allow_reserved: bool = False,
    *,
    content_type: str | None = None,
) -> list[str]:
    """The encoded ``name=value`` pieces of a query parameter (join them with ``&``).

    ``content_type`` (the parameter's ``content``) serializes the value with that media type
    instead of a style.  MISSING gives nothing.
    """
    if value is MISSING:
        return []
    if content_type is not None:
        return [f"{pct_encode(name)}={pct_encode(serialize_content(value, content_type))}"]
    return encode_entries(query_entries(name, value, style, explode), allow_reserved=allow_reserved)


def serialize_path(
    name: str, value: Any, style: str | None = None, explode: bool | None = None, *, content_type: str | None = None
) -> str:
    """The text that replaces ``{name}`` in a path template, percent-encoded.

    ``simple`` → ``blue``, ``blue,black,brown``, ``R,100,G,200`` (explode ``R=100,G=200``);
    ``label`` → ``.blue`` ...; ``matrix`` → ``;color=blue`` ....
    """
    if value is MISSING:
        raise StepError(f"path parameter {name!r} has no value")
    if content_type is not None:
        return pct_encode(serialize_content(value, content_type))
    style = style or "simple"
    explode = bool(explode)
    enc = pct_encode
    if style == "matrix":
        if is_undefined(value):
            return f";{enc(name)}"
        if isinstance(value, Mapping) and explode:
            return "".join(_matrix_pair(key, primitive_text(item)) for key, item in present_members(value))
        if is_list(value) and explode:
            return "".join(_matrix_pair(name, primitive_text(item)) for item in present_items(value))
        if isinstance(value, (Mapping, list, tuple)):
            return f";{enc(name)}=" + simple_text(value, False, enc)
        return _matrix_pair(name, primitive_text(value))
    if style == "label":
        if is_undefined(value):
            return "."
        if isinstance(value, Mapping) and explode:
            return "".join(f".{enc(key)}={enc(primitive_text(item))}" for key, item in present_members(value))
        if is_list(value) and explode:
            return "." + ".".join(enc(primitive_text(item)) for item in present_items(value))
        return "." + simple_text(value, False, enc)
    # simple (and any style a path cannot have)
    return simple_text(value, explode, enc)


def _matrix_pair(name: str, text: str) -> str:
    return f";{pct_encode(name)}" + (f"={pct_encode(text)}" if text else "")


def check_header_text(name: str, text: str, what: str = "header") -> str:
    """``text`` when a ``what`` (header, cookie, part header) can carry it, else :class:`StepError`."""
    if any(ch in text for ch in "\r\n\0"):
        raise StepError(f"{what} {name!r}: the value holds a line break or NUL, which a {what} cannot carry")
    if not text.isascii():
        raise StepError(
            f"{what} {name!r}: the value holds non-ASCII characters, which a {what} cannot carry as such "
            "(encode it first, e.g. percent-encoding or base64; see OpenAPI Appendix D)"
        )
    return text


def serialize_header(
    name: str, value: Any, style: str | None = None, explode: bool | None = None, *, content_type: str | None = None
) -> str | None:
    """The value of a header parameter (``simple`` style, no percent-encoding); None for MISSING."""
    if value is MISSING:
        return None
    if content_type is not None:
        text = serialize_content(value, content_type)
    else:
        text = simple_text(value, bool(explode), lambda text: text)
    return check_header_text(name, text)


_COOKIE_UNSAFE = re.compile(r'[\x00-\x20",;\\\x7f]|[^\x00-\x7f]')


def _cookie_encode(text: str) -> str:
    return _COOKIE_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), text)


def serialize_cookie(
    name: str, value: Any, style: str | None = None, explode: bool | None = None, *, content_type: str | None = None
) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs of a cookie parameter (join them as ``n=v; n=v``).

    ``form`` (default): values escape what a cookie cannot hold; ``cookie`` (OpenAPI 3.2):
    no escaping at all, the values must already be in cookie form.
    """
    if value is MISSING:
        return []
    if content_type is not None:
        pairs = [(name, serialize_content(value, content_type))]
        escape: Callable[[str], str] = _cookie_encode
    else:
        style = style or "form"
        explode = default_explode(style) if explode is None else explode
        escape = (lambda text: text) if style == "cookie" else _cookie_encode
        if is_undefined(value):
            pairs = [(name, "")]
        elif isinstance(value, Mapping) and explode:
            pairs = [(key, primitive_text(item)) for key, item in present_members(value)]
        elif is_list(value) and explode:
            pairs = [(name, primitive_text(item)) for item in present_items(value)]
        elif isinstance(value, (Mapping, list, tuple)):
            pairs = [(name, simple_text(value, False, escape))]
            return [(check_header_text(n, n, "cookie"), check_header_text(n, v, "cookie")) for n, v in pairs]
        else:
            pairs = [(name, primitive_text(value))]
    return [(check_header_text(n, n, "cookie"), check_header_text(n, escape(v), "cookie")) for n, v in pairs]


def serialize_content(value: Any, content_type: str, encoding: Mapping[str, Any] | None = None) -> str:
    """``value`` as text of the media type ``content_type`` (a ``content``-typed parameter).

    JSON media types: JSON text (a string holding a JSON object or array is taken as JSON
    text as it is); ``application/x-www-form-urlencoded``: form encoding of an object (a string
    is taken as already encoded); XML: a string as it is; anything else: the value as text.
    """
    if is_json_media(content_type):
        return json_text(value)
    if is_form_media(content_type):
        if isinstance(value, str):
            return form_text(value)
        return form_body(value, encoding or {})
    if is_xml_media(content_type) and not isinstance(value, str):
        raise StepError(f"a parameter of media type {content_type!r} needs XML text as its value")
    return primitive_text(value)


def serialize_querystring(
    value: Any, content_type: str | None = None, encoding: Mapping[str, Any] | None = None
) -> str:
    """The whole query string (without ``?``) of an ``in: querystring`` parameter.

    With ``application/x-www-form-urlencoded`` content (or none declared) a string is the
    query string as written (only what a query cannot hold is encoded) and an object is form
    encoded (its ``encoding`` applies).  With any other media type (``application/json``...)
    the value is serialized with that media type (a string is taken as already serialized)
    and the text is fully percent-encoded.  MISSING, null and "" give "".
    """
    if value is MISSING or value is None:
        return ""
    if content_type is None or is_form_media(content_type):
        if isinstance(value, str):
            return query_text(value.lstrip("?"))
        if isinstance(value, Mapping):
            return form_body(value, encoding or {})
        raise StepError(
            f"a querystring parameter needs a string or an object, not {kind_of(value)} "
            "(application/x-www-form-urlencoded)"
        )
    text = value if isinstance(value, str) else serialize_content(value, content_type)
    return pct_encode(text)
