"""Parameter styles: percent-encoding, the style table's entries, and form encoding of an object."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

from .media import default_part_type, first_media, is_style_based, part_text
from .values import StepError, is_list, is_undefined, kind_of, present_items, present_members, primitive_text

DEFAULT_STYLE = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}
"""The style of a parameter that does not name one, by location."""


def default_explode(style: str | None) -> bool:
    """OpenAPI's default ``explode``: true for ``form`` (and 3.2's ``cookie``), else false."""
    return style in (None, "form", "cookie")


# ---------------------------------------------------------------- percent-encoding

_RESERVED_KEPT = ":/?@!$&'()*+,;="  # allowReserved: reserved, less what a query cannot hold
_TRIPLE = re.compile(r"(%[0-9A-Fa-f]{2})")


def _percent(text: str, allow_reserved: bool, quote_function: Callable[..., str]) -> str:
    if not allow_reserved:
        return quote_function(text, safe="")
    return "".join(
        piece if _TRIPLE.fullmatch(piece) else quote_function(piece, safe=_RESERVED_KEPT)
        for piece in _TRIPLE.split(text)
    )


def pct_encode(text: str, *, allow_reserved: bool = False) -> str:
    """``text`` percent-encoded as UTF-8 per RFC 3986: everything but the unreserved
    characters.  ``allow_reserved`` keeps the reserved characters a query may hold (all but
    ``#``, ``[``, ``]``) and well-formed ``%XX`` triples."""
    return _percent(text, allow_reserved, quote)


def form_encode(text: str, *, allow_reserved: bool = False) -> str:
    """``application/x-www-form-urlencoded`` encoding: as :func:`pct_encode`, spaces as ``+``."""
    return _percent(text, allow_reserved, quote_plus)


# A query string written by hand: only what a URI query cannot hold is encoded.
_QUERY_UNSAFE = re.compile(r"[^A-Za-z0-9\-._~:/?@!$&'()*+,;=%]|%(?![0-9A-Fa-f]{2})")


def query_text(text: str) -> str:
    """A hand-written query string made valid: ``%XX`` triples and reserved characters kept,
    anything a URI query cannot hold (space, ``#``, ``"``, non-ASCII, a bare ``%``) encoded."""
    return _QUERY_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), text)


def form_text(text: str) -> str:
    """A hand-written form body made valid: as :func:`query_text`, spaces as ``+``."""
    return query_text(text.replace(" ", "+"))


# ---------------------------------------------------------------- style serialization

Entry = tuple[tuple[str, ...], list[str], str]
"""A serialized query/form entry before encoding: the name (one part, or the brackets of a
deepObject), the value pieces, and the delimiter between the pieces."""


def value_pieces(value: Any) -> list[str]:
    """The pieces of a non-exploded value: items of an array, keys and values of an object."""
    if isinstance(value, Mapping):
        return [piece for key, item in present_members(value) for piece in (key, primitive_text(item))]
    if is_list(value):
        return [primitive_text(item) for item in present_items(value)]
    return [primitive_text(value)]


def simple_text(value: Any, explode: bool, enc: Callable[[str], str]) -> str:
    """``value`` in the ``simple`` style, each name and piece passed through ``enc``."""
    if is_undefined(value):
        return ""
    if isinstance(value, Mapping):
        if explode:
            return ",".join(f"{enc(key)}={enc(primitive_text(item))}" for key, item in present_members(value))
        return ",".join(enc(piece) for piece in value_pieces(value))
    if is_list(value):
        return ",".join(enc(primitive_text(item)) for item in present_items(value))
    return enc(primitive_text(value))


def query_entries(name: str, value: Any, style: str | None, explode: bool | None) -> list[Entry]:
    """The entries of a query (or form field) parameter, unencoded."""
    style = style or "form"
    explode = default_explode(style) if explode is None else explode
    if is_undefined(value):
        return [((name,), [""], ",")]
    if style == "deepObject" and isinstance(value, Mapping):
        return _deep_entries((name,), value)
    if style in ("spaceDelimited", "pipeDelimited") and not explode and isinstance(value, (Mapping, list, tuple)):
        delimiter = " " if style == "spaceDelimited" else "|"
        return [((name,), value_pieces(value), delimiter)]
    # form, and the combinations the table leaves undefined
    if isinstance(value, Mapping):
        if explode:
            return [((key,), [primitive_text(item)], ",") for key, item in present_members(value)]
        return [((name,), value_pieces(value), ",")]
    if is_list(value):
        if explode:
            return [((name,), [primitive_text(item)], ",") for item in present_items(value)]
        return [((name,), value_pieces(value), ",")]
    return [((name,), [primitive_text(value)], ",")]


def _deep_entries(prefix: tuple[str, ...], value: Mapping[str, Any]) -> list[Entry]:
    entries: list[Entry] = []
    for key, item in present_members(value):
        path = (*prefix, key)
        if isinstance(item, Mapping) and item:
            entries.extend(_deep_entries(path, item))
        elif is_list(item) and item:
            entries.extend((path, [primitive_text(element)], ",") for element in present_items(item))
        else:
            entries.append((path, [primitive_text(item)], ","))
    return entries


def field_entries(name: str, value: Any, encoding: Mapping[str, Any]) -> list[Entry]:
    """The entries of a form field or part serialized by the ``style``/``explode`` of its
    Encoding Object (default ``form``)."""
    style = encoding.get("style") if isinstance(encoding.get("style"), str) else "form"
    explode = encoding.get("explode")
    explode = default_explode(style) if not isinstance(explode, bool) else explode
    return query_entries(name, value, style, explode)


def entry_name(parts: tuple[str, ...]) -> str:
    """The name of an entry, unencoded: ``name[key][key]`` for a deepObject."""
    return parts[0] + "".join(f"[{part}]" for part in parts[1:])


def encode_entries(entries: list[Entry], *, allow_reserved: bool = False, form: bool = False) -> list[str]:
    """``name=value`` strings, percent-encoded (``form``: spaces as ``+``)."""
    encode = form_encode if form else pct_encode
    out = []
    for parts, values, delimiter in entries:
        name = encode(parts[0]) + "".join(f"%5B{encode(part)}%5D" for part in parts[1:])
        joiner = quote(delimiter, safe=",")  # "," stays literal; " " and "|" are encoded
        out.append(f"{name}={joiner.join(encode(piece, allow_reserved=allow_reserved) for piece in values)}")
    return out


def form_body(value: Any, encoding: Mapping[str, Any]) -> str:
    """An object in ``application/x-www-form-urlencoded`` form, its members serialized as their
    Encoding Objects (in ``encoding``) say."""
    if not isinstance(value, Mapping):
        raise StepError(f"an application/x-www-form-urlencoded body needs an object or a string, not {kind_of(value)}")
    out: list[str] = []
    for key, item in present_members(value):
        field_encoding = encoding.get(key)
        if is_style_based(field_encoding):
            assert isinstance(field_encoding, Mapping)
            entries = field_entries(key, item, field_encoding)
            out.extend(encode_entries(entries, allow_reserved=field_encoding.get("allowReserved") is True, form=True))
            continue
        declared = field_encoding.get("contentType") if isinstance(field_encoding, Mapping) else None
        items = present_items(item) if is_list(item) else [item]
        for element in items:
            part_type = first_media(declared) or default_part_type(element)
            out.append(f"{form_encode(key)}={form_encode(part_text(element, part_type))}")
    return "&".join(out)
