"""Parameter serialization and request body encoding, as OpenAPI 3.1/3.2 describes them.

Pure functions: no I/O, no httpx.  Values arrive evaluated; :data:`MISSING` (a value that is
not there) is never serialized: a parameter, form field or part whose value is missing is
left out.  ``None`` is JSON ``null``.

**Parameters** (Parameter Object ``style``/``explode``/``allowReserved``/``content``):

* ``path``: ``simple`` (default), ``label``, ``matrix``.  Values and object keys are fully
  percent-encoded (RFC 3986: everything but ``A-Z a-z 0-9 - . _ ~``, so ``/`` too, UTF-8 for
  non-ASCII); the style's own delimiters (``,`` ``.`` ``;`` ``=``) are literal.
  ``allowReserved`` does not apply to paths (OpenAPI: query only).
* ``query``: ``form`` (default, explode true), ``spaceDelimited`` (``%20``),
  ``pipeDelimited`` (``%7C``), ``deepObject`` (``name%5Bkey%5D=value``; nested objects nest
  the brackets, arrays inside repeat the key).  Names and values are percent-encoded per
  RFC 3986; ``allowReserved`` leaves RFC 3986 reserved characters and existing ``%XX``
  triples as they are (``#``, ``[`` and ``]`` are still encoded: they cannot appear in a
  query).  The undefined forms of the style table (a ``null`` value, an empty array or
  object) give ``name=``.  Combinations the table marks n/a fall back to ``form``.
* ``header``: ``simple``; no percent-encoding (header values are not URIs).  A value with CR,
  LF, NUL or a non-ASCII character is refused (:class:`StepError`).
* ``cookie``: ``form`` (default) gives ``name=value`` pairs joined with ``"; "`` (explode: one
  pair per array item / object member), percent-encoding only the characters a cookie value
  cannot hold (controls, space, ``"`` ``,`` ``;`` ``\\`` and non-ASCII); OpenAPI 3.2
  ``style: cookie`` is the same without any escaping.
* ``content``: the value is serialized with the media type (:func:`serialize_content`: JSON
  text for ``application/json`` and ``+json``, form encoding for
  ``application/x-www-form-urlencoded``, text otherwise), then encoded for its location
  (fully percent-encoded in a path or query).
* ``querystring`` (OpenAPI 3.2, Arazzo 1.1 ``in: querystring``): :func:`serialize_querystring`.

**Bodies** (:func:`encode_body`): JSON and ``+json``; ``application/x-www-form-urlencoded``
(Encoding Object aware; spaces as ``+``); ``multipart/*`` (one part per field, per array item;
file parts, see :func:`encode_body`); ``text/*``; XML (text as is, objects through the schema's
``xml`` hints); ``application/octet-stream`` and other binary types (bytes or text).

**Payload replacements** (:func:`apply_replacement`): JSON pointer and JSONPath on JSON-like
payloads (on a deep copy), XPath on XML text.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import secrets
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus, unquote

from ..errors import ExpressionError
from ..missing import MISSING

__all__ = [
    "DEFAULT_STYLE",
    "EncodedBody",
    "FILE_KEYS",
    "Payload",
    "StepError",
    "apply_replacement",
    "default_explode",
    "encode_body",
    "is_file_value",
    "is_form_media",
    "is_json_media",
    "is_multipart_media",
    "is_xml_media",
    "media_object",
    "media_type",
    "pct_encode",
    "primitive_text",
    "serialize_content",
    "serialize_cookie",
    "serialize_header",
    "serialize_path",
    "serialize_query",
    "serialize_querystring",
    "to_xml",
]


class StepError(ExpressionError):
    """A step cannot be sent as written (a path parameter without a value, a body that its
    media type cannot carry, a replacement target that selects nothing, ...)."""


DEFAULT_STYLE = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}
"""The style of a parameter that does not name one, by location."""

_RESERVED = ":/?#[]@!$&'()*+,;="
_RESERVED_KEPT = ":/?@!$&'()*+,;="  # allowReserved: reserved, less what a query cannot hold
_TRIPLE = re.compile(r"(%[0-9A-Fa-f]{2})")


def default_explode(style: str | None) -> bool:
    """OpenAPI's default ``explode``: true for ``form`` (and 3.2's ``cookie``), else false."""
    return style in (None, "form", "cookie")


# ---------------------------------------------------------------- media types


def media_type(content_type: str | None) -> str:
    """``type/subtype`` of a Content-Type, lower-cased, parameters dropped ("" for None)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _media_parameter(content_type: str | None, name: str) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == name:
            return value.strip().strip('"') or None
    return None


def is_json_media(content_type: str | None) -> bool:
    """``application/json``, ``*/*+json`` (and ``*/json``)."""
    media = media_type(content_type)
    return media.endswith("/json") or media.endswith("+json")


def is_xml_media(content_type: str | None) -> bool:
    """``application/xml``, ``text/xml``, ``*/*+xml``."""
    media = media_type(content_type)
    return media.endswith("/xml") or media.endswith("+xml")


def is_form_media(content_type: str | None) -> bool:
    return media_type(content_type) == "application/x-www-form-urlencoded"


def is_multipart_media(content_type: str | None) -> bool:
    return media_type(content_type).startswith("multipart/")


def media_object(content: Mapping[str, Any] | None, content_type: str | None) -> Mapping[str, Any] | None:
    """The Media Type Object of ``content`` (a Request Body's) for ``content_type``: the exact
    media type, else the most specific range (``text/*``, then ``*/*``) that covers it."""
    if not content:
        return None
    wanted = media_type(content_type)
    by_type = {media_type(key): value for key, value in content.items()}
    for key in (wanted, wanted.split("/", 1)[0] + "/*", "*/*"):
        found = by_type.get(key)
        if isinstance(found, Mapping):
            return found
    return None


# ---------------------------------------------------------------- text of values


def primitive_text(value: Any) -> str:
    """A value as it reads inside a serialized parameter: strings as themselves, numbers and
    booleans in JSON form, ``null`` as the empty string, objects and arrays as compact JSON."""
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None or value is MISSING:
        return ""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, (int, float)):
        return _json(value)
    return _json(value)


def _template_text(value: Any) -> str:
    """Text of a value in a text body: like templates, ``null`` reads ``null``."""
    return "null" if value is None else primitive_text(value)


def _json(value: Any) -> str:
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise StepError("the value holds NaN or Infinity, which JSON cannot represent") from None
    except TypeError as error:
        raise StepError(f"the value cannot be written as JSON: {error}") from None


def _json_text(value: Any) -> str:
    """JSON text of ``value``; a string that already is JSON text of an object or array is
    taken as it is (see :func:`_json_document_text`)."""
    if isinstance(value, str) and _json_document_text(value) is not MISSING:
        return value
    return _json(value)


def _json_document_text(value: str) -> Any:
    """The JSON data of ``value`` when it is JSON text of an object or array, else MISSING.

    A string payload for a JSON media type is taken as JSON text (a templated payload) only
    when it holds an object or an array: ``"123"`` or ``"true"`` stay strings."""
    stripped = value.strip()
    if not stripped or stripped[0] not in "{[":
        return MISSING
    try:
        return json.loads(stripped)
    except ValueError:
        return MISSING


def _is_undefined(value: Any) -> bool:
    """RFC 6570 "undefined": null, an empty list, an empty object."""
    return value is None or value is MISSING or (isinstance(value, (list, tuple, Mapping)) and not value)


def _items(value: Any) -> list[Any]:
    return [item for item in value if item is not MISSING]


def _members(value: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return [(str(key), item) for key, item in value.items() if item is not MISSING]


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple))


# ---------------------------------------------------------------- percent-encoding


def pct_encode(text: str, *, allow_reserved: bool = False) -> str:
    """``text`` percent-encoded as UTF-8 per RFC 3986: everything but the unreserved
    characters.  ``allow_reserved`` keeps the reserved characters a query may hold (all but
    ``#``, ``[``, ``]``) and well-formed ``%XX`` triples."""
    if not allow_reserved:
        return quote(text, safe="")
    return "".join(
        piece if _TRIPLE.fullmatch(piece) else quote(piece, safe=_RESERVED_KEPT) for piece in _TRIPLE.split(text)
    )


def _form_encode(text: str, *, allow_reserved: bool = False) -> str:
    """``application/x-www-form-urlencoded`` encoding: as :func:`pct_encode`, spaces as ``+``."""
    if not allow_reserved:
        return quote_plus(text, safe="")
    return "".join(
        piece if _TRIPLE.fullmatch(piece) else quote_plus(piece, safe=_RESERVED_KEPT) for piece in _TRIPLE.split(text)
    )


# A query string written by hand: only what a URI query cannot hold is encoded.
_QUERY_UNSAFE = re.compile(r"[^A-Za-z0-9\-._~:/?@!$&'()*+,;=%]|%(?![0-9A-Fa-f]{2})")


def _query_text(text: str) -> str:
    """A hand-written query string made valid: ``%XX`` triples and reserved characters kept,
    anything a URI query cannot hold (space, ``#``, ``"``, non-ASCII, a bare ``%``) encoded."""
    return _QUERY_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), text)


def _form_text(text: str) -> str:
    """A hand-written form body made valid: as :func:`_query_text`, spaces as ``+``."""
    return _query_text(text.replace(" ", "+"))


# ---------------------------------------------------------------- style serialization

# A serialized query/form entry before encoding: the name (one part, or the brackets of a
# deepObject), the value pieces, and the delimiter between the pieces.
_Entry = tuple[tuple[str, ...], list[str], str]


def _pieces(value: Any, explode: bool) -> list[str]:
    """The pieces of a non-exploded value: items of an array, keys and values of an object."""
    if isinstance(value, Mapping):
        return [piece for key, item in _members(value) for piece in (key, primitive_text(item))]
    if _is_list(value):
        return [primitive_text(item) for item in _items(value)]
    return [primitive_text(value)]


def _query_entries(name: str, value: Any, style: str | None, explode: bool | None) -> list[_Entry]:
    """The entries of a query (or form field) parameter, unencoded."""
    style = style or "form"
    explode = default_explode(style) if explode is None else explode
    if _is_undefined(value):
        return [((name,), [""], ",")]
    if style == "deepObject" and isinstance(value, Mapping):
        return _deep_entries((name,), value)
    if style in ("spaceDelimited", "pipeDelimited") and not explode and isinstance(value, (Mapping, list, tuple)):
        delimiter = " " if style == "spaceDelimited" else "|"
        return [((name,), _pieces(value, False), delimiter)]
    # form, and the combinations the table leaves undefined
    if isinstance(value, Mapping):
        if explode:
            return [((key,), [primitive_text(item)], ",") for key, item in _members(value)]
        return [((name,), _pieces(value, False), ",")]
    if _is_list(value):
        if explode:
            return [((name,), [primitive_text(item)], ",") for item in _items(value)]
        return [((name,), _pieces(value, False), ",")]
    return [((name,), [primitive_text(value)], ",")]


def _deep_entries(prefix: tuple[str, ...], value: Mapping[str, Any]) -> list[_Entry]:
    entries: list[_Entry] = []
    for key, item in _members(value):
        path = (*prefix, key)
        if isinstance(item, Mapping) and item:
            entries.extend(_deep_entries(path, item))
        elif _is_list(item) and item:
            entries.extend((path, [primitive_text(element)], ",") for element in _items(item))
        else:
            entries.append((path, [primitive_text(item)], ","))
    return entries


def _entry_name(parts: tuple[str, ...]) -> str:
    return parts[0] + "".join(f"[{part}]" for part in parts[1:])


def _encode_entries(entries: list[_Entry], *, allow_reserved: bool = False, form: bool = False) -> list[str]:
    """``name=value`` strings, percent-encoded (``form``: spaces as ``+``)."""
    encode = _form_encode if form else pct_encode
    out = []
    for parts, pieces, delimiter in entries:
        name = encode(parts[0]) + "".join(f"%5B{encode(part)}%5D" for part in parts[1:])
        joiner = quote(delimiter, safe=",")  # "," stays literal; " " and "|" are encoded
        out.append(f"{name}={joiner.join(encode(piece, allow_reserved=allow_reserved) for piece in pieces)}")
    return out


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
    return _encode_entries(_query_entries(name, value, style, explode), allow_reserved=allow_reserved)


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
        if _is_undefined(value):
            return f";{enc(name)}"
        if isinstance(value, Mapping):
            if explode:
                return "".join(_matrix_pair(key, primitive_text(item)) for key, item in _members(value))
            return f";{enc(name)}=" + ",".join(enc(piece) for piece in _pieces(value, False))
        if _is_list(value):
            if explode:
                return "".join(_matrix_pair(name, primitive_text(item)) for item in _items(value))
            return f";{enc(name)}=" + ",".join(enc(piece) for piece in _pieces(value, False))
        return _matrix_pair(name, primitive_text(value))
    if style == "label":
        if _is_undefined(value):
            return "."
        if isinstance(value, Mapping):
            if explode:
                return "".join(f".{enc(key)}={enc(primitive_text(item))}" for key, item in _members(value))
            return "." + ",".join(enc(piece) for piece in _pieces(value, False))
        if _is_list(value):
            separator = "." if explode else ","
            return "." + separator.join(enc(primitive_text(item)) for item in _items(value))
        return "." + enc(primitive_text(value))
    # simple (and any style a path cannot have)
    return _simple(value, explode, enc)


def _matrix_pair(name: str, text: str) -> str:
    return f";{pct_encode(name)}" + (f"={pct_encode(text)}" if text else "")


def _simple(value: Any, explode: bool, enc: Callable[[str], str]) -> str:
    if _is_undefined(value):
        return ""
    if isinstance(value, Mapping):
        if explode:
            return ",".join(f"{enc(key)}={enc(primitive_text(item))}" for key, item in _members(value))
        return ",".join(enc(piece) for piece in _pieces(value, False))
    if _is_list(value):
        return ",".join(enc(primitive_text(item)) for item in _items(value))
    return enc(primitive_text(value))


def _check_header_text(name: str, text: str, what: str = "header") -> str:
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
        text = _simple(value, bool(explode), lambda text: text)
    return _check_header_text(name, text)


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
        if _is_undefined(value):
            pairs = [(name, "")]
        elif isinstance(value, Mapping) and explode:
            pairs = [(key, primitive_text(item)) for key, item in _members(value)]
        elif _is_list(value) and explode:
            pairs = [(name, primitive_text(item)) for item in _items(value)]
        elif isinstance(value, (Mapping, list, tuple)):
            pairs = [(name, ",".join(escape(piece) for piece in _pieces(value, False)))]
            return [(_check_header_text(n, n, "cookie"), _check_header_text(n, v, "cookie")) for n, v in pairs]
        else:
            pairs = [(name, primitive_text(value))]
    return [(_check_header_text(n, n, "cookie"), _check_header_text(n, escape(v), "cookie")) for n, v in pairs]


def serialize_content(value: Any, content_type: str, encoding: Mapping[str, Any] | None = None) -> str:
    """``value`` as text of the media type ``content_type`` (a ``content``-typed parameter).

    JSON media types: JSON text (a string holding a JSON object or array is taken as JSON
    text as it is); ``application/x-www-form-urlencoded``: form encoding of an object (a string
    is taken as already encoded); XML: a string as it is; anything else: the value as text.
    """
    if is_json_media(content_type):
        return _json_text(value)
    if is_form_media(content_type):
        if isinstance(value, str):
            return _form_text(value)
        return _form_body(value, encoding or {})
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
            return _query_text(value.lstrip("?"))
        if isinstance(value, Mapping):
            return _form_body(value, encoding or {})
        raise StepError(
            f"a querystring parameter needs a string or an object, not {_kind(value)} "
            "(application/x-www-form-urlencoded)"
        )
    text = value if isinstance(value, str) else serialize_content(value, content_type)
    return pct_encode(text)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "an object"
    if _is_list(value):
        return "an array"
    if isinstance(value, (bytes, bytearray)):
        return "bytes"
    return type(value).__name__


# ---------------------------------------------------------------- bodies


@dataclass(frozen=True, slots=True)
class Payload:
    """A request body value with what the operation says about its media type.

    ``media`` is the operation's Media Type Object for the content type (``encoding`` and
    ``schema`` used), ``resolve`` follows a ``$ref`` inside it (``resolve(node) -> node``).
    :func:`~arazzo_runner.execution.request.build_request` accepts one as its ``body``.
    """

    value: Any
    media: Mapping[str, Any] | None = None
    resolve: Callable[[Any], Any] | None = None


@dataclass(frozen=True, slots=True)
class EncodedBody:
    """The bytes of a body, the Content-Type to send (with a multipart ``boundary``), and
    the value expressions see as ``$request.body`` (JSON text parsed)."""

    content: bytes
    content_type: str
    value: Any


FILE_KEYS = frozenset({"filename", "contentType", "content", "contentBase64", "headers"})
"""The keys of a file (part) value in a multipart body (see :func:`encode_body`)."""


def is_file_value(value: Any) -> bool:
    """Whether ``value`` is a file part: an object of only :data:`FILE_KEYS` with ``content``
    or ``contentBase64``."""
    return (
        isinstance(value, Mapping)
        and ("content" in value or "contentBase64" in value)
        and all(isinstance(key, str) and key in FILE_KEYS for key in value)
    )


def encode_body(
    value: Any,
    content_type: str | None,
    media: Mapping[str, Any] | None = None,
    resolve: Callable[[Any], Any] | None = None,
) -> EncodedBody:
    """Encode a request body ``value`` as ``content_type`` (default ``application/json``).

    * JSON and ``+json``: compact UTF-8 JSON.  A string holding a JSON object or array is
      JSON text (a templated payload) and is sent as written; other strings are JSON strings.
    * ``application/x-www-form-urlencoded``: an object, one ``key=value`` per member
      (MISSING members left out, ``null`` as ``key=``), arrays as repeated keys, spaces as
      ``+``.  Per member, the ``media``'s Encoding Object applies: with ``style``/``explode``/
      ``allowReserved`` the member is serialized as a query parameter of that style (default
      ``form``, explode true: an object becomes its own ``key=value`` pairs; ``deepObject``
      gives ``key%5Bmember%5D=value``); without them its ``contentType`` decides, by default
      ``application/json`` for objects (JSON text) and ``text/plain`` for primitives.  A
      string is taken as an already encoded form (only what a form cannot hold is encoded).
    * ``multipart/*``: one part per member (``Content-Disposition: form-data; name=...``),
      one part per array item under the same name.  Primitives are text parts (no
      Content-Type: RFC 7578's default ``text/plain``); objects ``application/json``; the
      Encoding Object's ``contentType`` and ``style``/``explode`` apply.  **Files**: a member
      whose value is ``bytes``, or an object of only ``filename``, ``contentType``,
      ``content`` (text or bytes) or ``contentBase64`` (base64 text, decoded), and
      ``headers`` (extra part headers) is a file part: ``filename`` is sent when given,
      the Content-Type is ``contentType``, else the Encoding Object's, else
      ``application/octet-stream``.  The boundary is the ``boundary`` parameter of
      ``content_type`` when given, else a random one, added to the Content-Type.
    * ``text/*``: the value as text (``null`` as ``null``, objects as JSON), in the
      ``charset`` of ``content_type`` (default UTF-8).
    * XML: a string is sent as written; an object is serialized with :func:`to_xml` from the
      ``media`` schema's ``xml`` hints, which needs a schema to take the root name from.
    * ``application/octet-stream``, ``image/*``, ``audio/*``, ``video/*``, ``application/pdf``
      ...: bytes, or a string (UTF-8).
    * Any other media type: bytes and strings as they are, other values as JSON.

    Raises :class:`StepError` when the value cannot be carried by the media type.
    """
    content_type = content_type or "application/json"
    media_name = media_type(content_type)
    if isinstance(value, (bytes, bytearray)) and not is_multipart_media(content_type):
        return EncodedBody(bytes(value), content_type, value)
    if is_json_media(content_type):
        if isinstance(value, str):
            data = _json_document_text(value)
            if data is not MISSING:
                return EncodedBody(value.encode("utf-8"), content_type, data)
        return EncodedBody(_json(value).encode("utf-8"), content_type, value)
    if media_name == "application/x-www-form-urlencoded":
        if isinstance(value, str):
            return EncodedBody(_form_text(value).encode("ascii"), content_type, value)
        encoding = _encoding_map(media)
        return EncodedBody(_form_body(value, encoding).encode("ascii"), content_type, value)
    if is_multipart_media(content_type):
        if isinstance(value, (str, bytes, bytearray)):
            if _media_parameter(content_type, "boundary") is None:
                raise StepError(
                    f"a multipart body given as text needs its boundary in the contentType ({content_type!r})"
                )
            raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
            return EncodedBody(raw, content_type, value)
        boundary = _media_parameter(content_type, "boundary") or f"arazzo-{secrets.token_hex(16)}"
        if _media_parameter(content_type, "boundary") is None:
            content_type = f"{content_type}; boundary={boundary}"
        body = _multipart_body(value, boundary, _encoding_map(media), _schema_properties(media, resolve))
        return EncodedBody(body, content_type, value)
    if is_xml_media(content_type):
        if isinstance(value, str):
            return EncodedBody(_charset_encode(value, content_type), content_type, value)
        schema = media.get("schema") if isinstance(media, Mapping) else None
        return EncodedBody(
            _charset_encode(to_xml(value, schema, resolve), content_type), content_type, value
        )  # fmt: skip
    if media_name.startswith("text/"):
        return EncodedBody(_charset_encode(_template_text(value), content_type), content_type, value)
    if _is_binary_media(media_name):
        if isinstance(value, str):
            return EncodedBody(value.encode("utf-8"), content_type, value)
        raise StepError(f"a {media_name} body needs bytes or a string, not {_kind(value)}")
    if isinstance(value, str):
        return EncodedBody(_charset_encode(value, content_type), content_type, value)
    return EncodedBody(_json(value).encode("utf-8"), content_type, value)


def _is_binary_media(media_name: str) -> bool:
    top = media_name.split("/", 1)[0]
    return media_name in ("application/octet-stream", "application/pdf", "application/zip") or top in (
        "image",
        "audio",
        "video",
        "font",
    )


def _charset_encode(text: str, content_type: str) -> bytes:
    charset = _media_parameter(content_type, "charset") or "utf-8"
    try:
        return text.encode(charset)
    except LookupError:
        raise StepError(f"unknown charset {charset!r} in the content type {content_type!r}") from None
    except UnicodeEncodeError:
        raise StepError(f"the body holds characters that {charset!r} cannot encode") from None


def _encoding_map(media: Mapping[str, Any] | None) -> Mapping[str, Any]:
    encoding = media.get("encoding") if isinstance(media, Mapping) else None
    return encoding if isinstance(encoding, Mapping) else {}


def _schema_properties(media: Mapping[str, Any] | None, resolve: Callable[[Any], Any] | None) -> Mapping[str, Any]:
    schema = _resolved(media.get("schema") if isinstance(media, Mapping) else None, resolve)
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    return properties if isinstance(properties, Mapping) else {}


def _resolved(node: Any, resolve: Callable[[Any], Any] | None) -> Any:
    if isinstance(node, Mapping) and "$ref" in node and resolve is not None:
        try:
            return resolve(node)
        except Exception as error:  # a broken $ref in the description: serialize without it
            raise StepError(f"cannot follow {node.get('$ref')!r} in the request body schema: {error}") from None
    return node


def _style_based(encoding: Mapping[str, Any] | None) -> bool:
    return isinstance(encoding, Mapping) and any(key in encoding for key in ("style", "explode", "allowReserved"))


def _default_part_type(value: Any, schema: Any = None) -> str:
    """The Encoding Object's default ``contentType`` for a value (of an array: per item)."""
    if isinstance(value, Mapping) or _is_list(value):
        return "application/json"
    if isinstance(value, (bytes, bytearray)):
        return "application/octet-stream"
    if isinstance(schema, Mapping) and isinstance(value, str):
        if "contentEncoding" in schema or schema.get("format") in ("binary", "byte"):
            return "application/octet-stream"
    return "text/plain"


def _first_media(content_type: Any) -> str | None:
    """The first media type of an Encoding Object ``contentType`` list, if it is concrete."""
    if not isinstance(content_type, str):
        return None
    first = content_type.split(",")[0].strip()
    return None if not first or "*" in first else first


def _form_body(value: Any, encoding: Mapping[str, Any]) -> str:
    if not isinstance(value, Mapping):
        raise StepError(f"an application/x-www-form-urlencoded body needs an object or a string, not {_kind(value)}")
    pieces: list[str] = []
    for key, item in _members(value):
        field_encoding = encoding.get(key)
        if _style_based(field_encoding):
            assert isinstance(field_encoding, Mapping)
            style = field_encoding.get("style") if isinstance(field_encoding.get("style"), str) else "form"
            explode = field_encoding.get("explode")
            explode = default_explode(style) if not isinstance(explode, bool) else explode
            entries = _query_entries(key, item, style, explode)
            pieces.extend(
                _encode_entries(entries, allow_reserved=field_encoding.get("allowReserved") is True, form=True)
            )
            continue
        declared = field_encoding.get("contentType") if isinstance(field_encoding, Mapping) else None
        items = _items(item) if _is_list(item) else [item]
        for element in items:
            part_type = _first_media(declared) or _default_part_type(element)
            text = "" if element is None else _part_text(element, part_type)
            pieces.append(f"{_form_encode(key)}={_form_encode(text)}")
    return "&".join(pieces)


def _part_text(value: Any, part_type: str) -> str:
    if is_json_media(part_type):
        return _json_text(value)
    return primitive_text(value)


def _disposition_value(text: str) -> str:
    # RFC 7578 / WHATWG: quote, and percent-encode the characters a quoted-string cannot hold
    return text.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


def _multipart_body(
    value: Any, boundary: str, encoding: Mapping[str, Any], properties: Mapping[str, Any] | None
) -> bytes:
    if not isinstance(value, Mapping):
        raise StepError(f"a multipart body needs an object (one part per member), not {_kind(value)}")
    parts: list[bytes] = []
    for key, item in _members(value):
        found = encoding.get(key)
        field_encoding: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        schema = (properties or {}).get(key)
        if _style_based(field_encoding) and not is_file_value(item) and not isinstance(item, (bytes, bytearray)):
            style = field_encoding.get("style") if isinstance(field_encoding.get("style"), str) else "form"
            explode = field_encoding.get("explode")
            explode = default_explode(style) if not isinstance(explode, bool) else explode
            for parts_name, pieces, joiner in _query_entries(key, item, style, explode):
                parts.append(_part(_entry_name(parts_name), joiner.join(pieces).encode("utf-8"), None, None, {}))
            continue
        items = _items(item) if _is_list(item) else [item]
        item_schema = schema.get("items") if _is_list(item) and isinstance(schema, Mapping) else schema
        declared = _first_media(field_encoding.get("contentType"))
        for element in items:
            parts.append(_value_part(key, element, declared, item_schema))
    closing = f"--{boundary}--\r\n".encode("ascii")
    delimiter = f"--{boundary}\r\n".encode("ascii")
    return b"".join(delimiter + part + b"\r\n" for part in parts) + closing


def _value_part(name: str, value: Any, declared: str | None, schema: Any) -> bytes:
    if is_file_value(value):
        if "contentBase64" in value:
            try:
                content = base64.b64decode(str(value["contentBase64"]), validate=True)
            except ValueError:
                raise StepError(f"part {name!r}: contentBase64 is not valid base64") from None
        else:
            raw = value["content"]
            content = bytes(raw) if isinstance(raw, (bytes, bytearray)) else _template_text(raw).encode("utf-8")
        part_type = value.get("contentType") if isinstance(value.get("contentType"), str) else None
        headers = value.get("headers") if isinstance(value.get("headers"), Mapping) else {}
        filename = value.get("filename")
        return _part(name, content, part_type or declared or "application/octet-stream",
                     None if filename is None else str(filename), headers)  # fmt: skip
    if isinstance(value, (bytes, bytearray)):
        return _part(name, bytes(value), declared or "application/octet-stream", None, {})
    part_type = declared or _default_part_type(value, schema)
    if value is None:
        content = b""
    elif is_json_media(part_type):
        content = _json_text(value).encode("utf-8")
    else:
        content = primitive_text(value).encode("utf-8")
    # text/plain is the default of a part (RFC 7578 4.4): not written, as browsers do
    return _part(name, content, None if part_type == "text/plain" else part_type, None, {})


def _part(name: str, content: bytes, part_type: str | None, filename: str | None, headers: Mapping[str, Any]) -> bytes:
    disposition = f'form-data; name="{_disposition_value(name)}"'
    if filename is not None:
        disposition += f'; filename="{_disposition_value(filename)}"'
    lines = [f"Content-Disposition: {disposition}"]
    if part_type is not None:
        lines.append(f"Content-Type: {part_type}")
    for header, header_value in headers.items():
        if str(header).lower() in ("content-disposition", "content-type"):
            continue
        _check_header_text(f"{name}: {header}", str(header), "part header")
        text = _check_header_text(f"{name}: {header}", primitive_text(header_value), "part header")
        lines.append(f"{header}: {text}")
    head = "\r\n".join(lines).encode("utf-8")
    return head + b"\r\n\r\n" + content


# ---------------------------------------------------------------- XML from a schema

_XML_NAME = re.compile(r"[A-Za-z_][\w.\-]*\Z")


def _ref_name(node: Any) -> str | None:
    if isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        last = node["$ref"].rsplit("/", 1)[-1]
        return unquote(last).replace("~1", "/").replace("~0", "~") or None
    return None


def _xml_hints(schema: Any) -> Mapping[str, Any]:
    hints = schema.get("xml") if isinstance(schema, Mapping) else None
    return hints if isinstance(hints, Mapping) else {}


def _xml_escape(text: str, attribute: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attribute:
        text = text.replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    return text


def _node_type(hints: Mapping[str, Any], is_array: bool) -> str:
    node_type = hints.get("nodeType")  # OpenAPI 3.2
    if isinstance(node_type, str):
        return node_type
    if hints.get("attribute") is True:
        return "attribute"
    if is_array:
        return "element" if hints.get("wrapped") is True else "none"
    return "element"


def _qualified(name: str, hints: Mapping[str, Any]) -> tuple[str, str]:
    """``(prefixed name, namespace declaration)`` of an element or attribute."""
    if not _XML_NAME.match(name):
        raise StepError(f"{name!r} is not a valid XML name (set xml.name in the schema)")
    prefix = hints.get("prefix") if isinstance(hints.get("prefix"), str) else ""
    namespace = hints.get("namespace") if isinstance(hints.get("namespace"), str) else None
    qualified = f"{prefix}:{name}" if prefix else name
    declaration = ""
    if namespace is not None:
        declaration = f' xmlns{":" + prefix if prefix else ""}="{_xml_escape(namespace, True)}"'
    return qualified, declaration


def to_xml(value: Any, schema: Any, resolve: Callable[[Any], Any] | None = None) -> str:
    """``value`` as XML, following the OpenAPI XML Object hints of ``schema``.

    The root element is named by the schema's ``xml.name``, else by the name of the
    component a ``$ref`` schema points to (``#/components/schemas/Pet`` → ``<Pet>``).
    Properties become child elements named by their ``xml.name`` or their property name
    (``xml.attribute: true`` or 3.2 ``nodeType: attribute`` → an attribute, ``nodeType:
    text``/``cdata`` → the parent's text); array items repeat the element (``items.xml.name``
    or the property name), inside a wrapper element named by the array's ``xml.name`` (or
    property name) when ``xml.wrapped`` is true (3.2: ``nodeType: element``).
    ``xml.namespace``/``xml.prefix`` declare the namespace on the element.  ``null`` members
    are left out.  Raises :class:`StepError` when there is no schema to name the root, or a
    name is not a valid XML name.
    """
    if schema is None:
        raise StepError(
            "an object payload for an XML media type needs the operation's schema (with an xml name) "
            "to be serialized; give the payload as XML text instead"
        )
    root_name = _xml_hints(schema).get("name") or _ref_name(schema)
    resolved = _resolved(schema, resolve)
    root_name = _xml_hints(resolved).get("name") or root_name
    if not isinstance(root_name, str):
        raise StepError(
            "cannot name the root XML element: the request body schema has no xml.name and is not a "
            "$ref to a named component; give the payload as XML text instead"
        )
    out: list[str] = []
    _xml_value(root_name, value, resolved, resolve, out, top=True)
    return "".join(out)


def _xml_value(
    name: str, value: Any, schema: Any, resolve: Callable[[Any], Any] | None, out: list[str], top: bool = False
) -> None:
    schema = _resolved(schema, resolve)
    hints = _xml_hints(schema)
    if value is None or value is MISSING:
        return
    if _is_list(value):
        items_schema = _resolved(schema.get("items") if isinstance(schema, Mapping) else None, resolve)
        item_name = _xml_hints(items_schema).get("name") or name
        wrapped = top or _node_type(hints, True) == "element"
        if wrapped:
            qualified, declaration = _qualified(str(hints.get("name") or name), hints)
            out.append(f"<{qualified}{declaration}>")
        for item in _items(value):
            _xml_value(str(item_name), item, items_schema, resolve, out)
        if wrapped:
            out.append(f"</{qualified}>")
        return
    qualified, declaration = _qualified(str(hints.get("name") or name), hints)
    if not isinstance(value, Mapping):
        out.append(f"<{qualified}{declaration}>{_xml_escape(primitive_text(value))}</{qualified}>")
        return
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    properties = properties if isinstance(properties, Mapping) else {}
    extra = schema.get("additionalProperties") if isinstance(schema, Mapping) else None
    attributes: list[str] = []
    children: list[str] = []
    for key, item in _members(value):
        member_schema = _resolved(properties.get(key, extra if isinstance(extra, Mapping) else None), resolve)
        member_hints = _xml_hints(member_schema)
        node_type = _node_type(member_hints, _is_list(item))
        member_name = str(member_hints.get("name") or key)
        if item is None:
            continue
        if node_type == "attribute":
            if isinstance(item, (Mapping, list, tuple)):
                raise StepError(f"XML attribute {member_name!r} needs a primitive value, not {_kind(item)}")
            attribute, attribute_declaration = _qualified(member_name, member_hints)
            attributes.append(f'{attribute_declaration} {attribute}="{_xml_escape(primitive_text(item), True)}"')
        elif node_type == "text":
            children.append(_xml_escape(primitive_text(item)))
        elif node_type == "cdata":
            children.append("<![CDATA[" + primitive_text(item).replace("]]>", "]]]]><![CDATA[>") + "]]>")
        else:
            _xml_value(key, item, member_schema, resolve, children)
    out.append(f"<{qualified}{declaration}{''.join(attributes)}>{''.join(children)}</{qualified}>")


# ---------------------------------------------------------------- payload replacements


def apply_replacement(
    payload: Any,
    target: str,
    value: Any,
    *,
    selector_type: Any = None,
    content_type: str | None = None,
) -> Any:
    """``payload`` with ``value`` set at ``target``; the payload given is never modified.

    ``selector_type`` is the replacement's ``targetSelectorType`` (a name or an Expression
    Type Object: ``jsonpointer``, ``jsonpath`` with version ``rfc9535`` (default) or
    ``draft-goessner-dispatch-jsonpath-00``, ``xpath`` with ``xpath-10`` ... ``xpath-31``).
    Without it, the target is XPath when the media type is XML (or the payload is XML text
    and the media type is not JSON), else a JSON pointer.

    * JSON pointer (RFC 6901, also in ``#`` fragment form): absent object members on the way
      are created; an array index may be one past the end, or ``-``, to append.
    * JSONPath: every node selected is set.
    * XPath: the payload is XML text; every node selected is set: an element's content is
      replaced by the value as text, an attribute's or text node's value is set, the
      document node (``/``) replaces the whole payload.  The XML is written back with its
      prefixes, declaration and comments.

    A JSON payload given as JSON text is parsed first (the result is data).  Raises
    :class:`StepError` when the target selects nothing that can be set.
    """
    kind, version = _selector_kind(selector_type, payload, content_type)
    if kind == "xpath":
        return _xpath_replace(payload, target, value, version or "xpath-31")
    data = payload
    if isinstance(payload, (str, bytes, bytearray)):
        try:
            data = json.loads(payload)
        except ValueError:
            raise StepError(
                f"replacement target {target!r}: the payload is text that is not JSON, so a "
                f"{'JSON pointer' if kind == 'jsonpointer' else 'JSONPath'} cannot be applied to it"
            ) from None
    else:
        data = copy.deepcopy(payload)
    if kind == "jsonpath":
        return _jsonpath_replace(data, target, value, version)
    return _pointer_replace(data, target, value)


def _selector_kind(selector_type: Any, payload: Any, content_type: str | None) -> tuple[str, str | None]:
    if selector_type is not None:
        from ..expressions.selectors import expression_type

        try:
            return expression_type(selector_type)
        except ExpressionError as error:
            raise StepError(f"targetSelectorType: {error.message}") from None
    if is_xml_media(content_type):
        return "xpath", None
    if not is_json_media(content_type) and isinstance(payload, (str, bytes)):
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
        if text.lstrip().startswith("<"):
            return "xpath", None
    return "jsonpointer", None


_BAD_TILDE = re.compile(r"~(?![01])")


def _pointer_replace(data: Any, pointer: str, value: Any) -> Any:
    if pointer.startswith("#"):
        pointer = unquote(pointer[1:])
    if pointer == "":
        return copy.deepcopy(value)
    if not pointer.startswith("/") or _BAD_TILDE.search(pointer):
        raise StepError(f"invalid JSON pointer {pointer!r} as a replacement target")
    tokens = [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]
    node = data
    for position, token in enumerate(tokens):
        last = position == len(tokens) - 1
        if isinstance(node, dict):
            if last:
                node[token] = copy.deepcopy(value)
                return data
            if token not in node or not isinstance(node[token], (dict, list)):
                if token in node and node[token] is not None:
                    raise StepError(f"replacement target {pointer!r}: {token!r} is not an object or array")
                node[token] = {}
            node = node[token]
        elif isinstance(node, list):
            if token == "-":
                index = len(node)
            elif token.isdecimal() and token.isascii() and (token == "0" or token[0] != "0"):
                index = int(token)
            else:
                raise StepError(f"replacement target {pointer!r}: {token!r} is not an array index")
            if index > len(node) or (index == len(node) and not last):
                raise StepError(f"replacement target {pointer!r}: index {token} is past the end of the array")
            if last:
                if index == len(node):
                    node.append(copy.deepcopy(value))
                else:
                    node[index] = copy.deepcopy(value)
                return data
            node = node[index]
        else:
            raise StepError(f"replacement target {pointer!r} goes into {_kind(node)}, which has no members")
    return data


def _jsonpath_replace(data: Any, target: str, value: Any, version: str | None) -> Any:
    locations: list[tuple[Any, ...]]
    if version in (None, "rfc9535"):
        import jsonpath_rfc9535

        try:
            query = jsonpath_rfc9535.JSONPathEnvironment().compile(target)
            locations = [tuple(node.location) for node in query.find(data)]
        except jsonpath_rfc9535.JSONPathError as error:
            raise StepError(f"replacement target {target!r}: {error}") from None
    else:
        import jsonpath

        try:
            locations = [tuple(match.parts) for match in jsonpath.finditer(target, data)]
        except jsonpath.JSONPathError as error:
            raise StepError(f"replacement target {target!r}: {error}") from None
    if not locations:
        raise StepError(f"replacement target {target!r} selects nothing in the payload")
    for location in locations:
        if not location:
            data = copy.deepcopy(value)
            continue
        node = data
        for step in location[:-1]:
            node = node[step]
        node[location[-1]] = copy.deepcopy(value)
    return data


# -- XPath on XML text, written back with the document's own prefixes


class _XmlBuilder(ElementTree.TreeBuilder):
    """Keeps comments and PIs, records each element's namespace declarations, refuses DTDs."""

    def __init__(self) -> None:
        super().__init__(insert_comments=True, insert_pis=True)
        self.pending: list[tuple[str, str]] = []
        self.declarations: dict[ElementTree.Element, list[tuple[str, str]]] = {}
        self.root_default = ""
        self.started = False

    def start_ns(self, prefix: str, uri: str) -> None:
        self.pending.append((prefix, uri))

    def start(self, tag: Any, attrs: dict[str, str]) -> ElementTree.Element:
        element = super().start(tag, attrs)
        if self.pending:
            self.declarations[element] = self.pending
            if not self.started:
                self.root_default = next((uri for prefix, uri in self.pending if prefix == ""), "")
            self.pending = []
        self.started = True
        return element

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise StepError(f"XML with a document type declaration (<!DOCTYPE {name}>) is refused")


# comments and PIs around the document element (a comment holds no "--", a PI no "?>")
_MISC = r"(?:\s|<\?(?:(?!\?>).)*\?>|<!--(?:(?!--).)*-->)*"
_PROLOG = re.compile(r"\A" + _MISC, re.DOTALL)
_EPILOG = re.compile(_MISC + r"\Z", re.DOTALL)


def _xpath_replace(payload: Any, target: str, value: Any, version: str) -> Any:
    import elementpath
    from elementpath import AttributeNode, DocumentNode, ElementNode, TextNode, XPathContext

    if isinstance(payload, (bytes, bytearray)):
        try:
            payload = bytes(payload).decode("utf-8")
        except UnicodeDecodeError:
            raise StepError("XPath replacements need XML text in UTF-8") from None
    if not isinstance(payload, str):
        raise StepError(f"replacement target {target!r} is XPath, and the payload is {_kind(payload)}, not XML text")
    if isinstance(value, (Mapping, list, tuple)):
        raise StepError(f"replacement target {target!r}: XML takes text, not {_kind(value)}, as the value")
    builder = _XmlBuilder()
    parser = ElementTree.XMLParser(target=builder)
    try:
        parser.feed(payload)
        root = parser.close()
    except ElementTree.ParseError as error:
        raise StepError(f"replacement target {target!r}: the payload is not well-formed XML: {error}") from None
    bindings: dict[str, str] = {}
    for declarations in builder.declarations.values():
        for prefix, uri in declarations:
            if prefix:
                bindings.setdefault(prefix, uri)
    try:
        if version == "xpath-10":
            xpath_parser: Any = elementpath.XPath1Parser(bindings)
        else:
            from elementpath.xpath30 import XPath30Parser
            from elementpath.xpath31 import XPath31Parser

            parsers = {"xpath-20": elementpath.XPath2Parser, "xpath-30": XPath30Parser, "xpath-31": XPath31Parser}
            if version not in parsers:
                raise StepError(f"unknown XPath version {version!r}")
            xpath_parser = parsers[version](bindings, default_namespace=builder.root_default or None)
        token = xpath_parser.parse(target)
        context_namespaces = {**bindings, "": builder.root_default} if builder.root_default else dict(bindings)
        result = token.evaluate(XPathContext(ElementTree.ElementTree(root), namespaces=context_namespaces))
    except elementpath.ElementPathError as error:
        raise StepError(f"replacement target {target!r}: {error}") from None
    nodes = result if isinstance(result, list) else [result]
    text = _template_text(value) if value is not None else ""
    changed = False
    for node in nodes:
        if isinstance(node, DocumentNode):
            return text
        if isinstance(node, ElementNode):
            element = node.obj
            for child in list(element):
                element.remove(child)
            element.text = text
        elif isinstance(node, AttributeNode):
            owner = node.parent.obj if node.parent is not None else None
            if owner is None:
                continue
            owner.set(node.name, text)
        elif isinstance(node, TextNode):
            owner_node = node.parent
            if owner_node is None:
                continue
            siblings = owner_node.children
            index = next(i for i, child in enumerate(siblings) if child is node)
            if index == 0:
                owner_node.obj.text = text
            else:
                siblings[index - 1].obj.tail = text
        else:
            continue
        changed = True
    if not changed:
        raise StepError(f"replacement target {target!r} selects no element, attribute or text node in the payload")
    prolog = _PROLOG.match(payload)
    epilog = _EPILOG.search(payload)
    out: list[str] = [prolog.group(0) if prolog else ""]
    _write_xml(root, [{"": ""}], builder.declarations, out)
    out.append(epilog.group(0) if epilog else "")
    return "".join(out)


def _write_xml(
    element: ElementTree.Element,
    scopes: list[dict[str, str]],
    declarations: Mapping[ElementTree.Element, list[tuple[str, str]]],
    out: list[str],
) -> None:
    if element.tag is ElementTree.Comment:  # type: ignore[comparison-overlap]
        out.append(f"<!--{element.text or ''}-->")
        out.append(_xml_escape(element.tail or ""))
        return
    if element.tag is ElementTree.ProcessingInstruction:  # type: ignore[comparison-overlap]
        out.append(f"<?{element.text or ''}?>")
        out.append(_xml_escape(element.tail or ""))
        return
    scope = dict(scopes[-1])
    attributes: list[str] = []
    for prefix, uri in declarations.get(element, []):
        scope[prefix] = uri
        attributes.append(f' xmlns{":" + prefix if prefix else ""}="{_xml_escape(uri, True)}"')

    def name_of(qualified: str, is_attribute: bool) -> str:
        if not qualified.startswith("{"):
            if not is_attribute and scope.get("", "") != "":
                scope[""] = ""
                attributes.append(' xmlns=""')
            return qualified
        uri, local = qualified[1:].split("}", 1)
        if uri == "http://www.w3.org/XML/1998/namespace":
            return f"xml:{local}"
        candidates = [p for p, u in scope.items() if u == uri and (p or not is_attribute)]
        if candidates:
            prefix = "" if "" in candidates else candidates[0]
        else:
            prefix = f"ns{len(scope)}"
            scope[prefix] = uri
            attributes.append(f' xmlns:{prefix}="{_xml_escape(uri, True)}"')
        return f"{prefix}:{local}" if prefix else local

    tag = name_of(str(element.tag), False)
    for key, attribute_value in element.attrib.items():
        attributes.append(f' {name_of(key, True)}="{_xml_escape(attribute_value, True)}"')
    out.append(f"<{tag}{''.join(attributes)}")
    if element.text is None and len(element) == 0:
        out.append("/>")
    else:
        out.append(">")
        out.append(_xml_escape(element.text or ""))
        scopes.append(scope)
        for child in element:
            _write_xml(child, scopes, declarations, out)
        scopes.pop()
        out.append(f"</{tag}>")
    out.append(_xml_escape(element.tail or ""))
