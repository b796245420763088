"""Request bodies: the body encoders by media type (JSON, form, multipart, text, XML, binary)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..missing import MISSING
from .media import (
    charset_encode,
    default_part_type,
    encoding_map,
    first_media,
    is_binary_media,
    is_json_media,
    is_multipart_media,
    is_style_based,
    is_xml_media,
    media_parameter,
    media_type,
    part_text,
    schema_properties,
)
from .parameters import check_header_text
from .styles import entry_name, field_entries, form_body, form_text
from .values import (
    StepError,
    compact_json,
    is_list,
    json_document,
    kind_of,
    present_items,
    present_members,
    primitive_text,
    template_text,
)
from .xml_schema import to_xml


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
            data = json_document(value)
            if data is not MISSING:
                return EncodedBody(value.encode("utf-8"), content_type, data)
        return EncodedBody(compact_json(value).encode("utf-8"), content_type, value)
    if media_name == "application/x-www-form-urlencoded":
        if isinstance(value, str):
            return EncodedBody(form_text(value).encode("ascii"), content_type, value)
        encoding = encoding_map(media)
        return EncodedBody(form_body(value, encoding).encode("ascii"), content_type, value)
    if is_multipart_media(content_type):
        if isinstance(value, (str, bytes, bytearray)):
            if media_parameter(content_type, "boundary") is None:
                raise StepError(
                    f"a multipart body given as text needs its boundary in the contentType ({content_type!r})"
                )
            raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
            return EncodedBody(raw, content_type, value)
        boundary = media_parameter(content_type, "boundary") or f"arazzo-{secrets.token_hex(16)}"
        if media_parameter(content_type, "boundary") is None:
            content_type = f"{content_type}; boundary={boundary}"
        body = _multipart_body(value, boundary, encoding_map(media), schema_properties(media, resolve))
        return EncodedBody(body, content_type, value)
    if is_xml_media(content_type):
        if isinstance(value, str):
            return EncodedBody(charset_encode(value, content_type), content_type, value)
        schema = media.get("schema") if isinstance(media, Mapping) else None
        return EncodedBody(
            charset_encode(to_xml(value, schema, resolve), content_type), content_type, value
        )  # fmt: skip
    if media_name.startswith("text/"):
        return EncodedBody(charset_encode(template_text(value), content_type), content_type, value)
    if is_binary_media(media_name):
        if isinstance(value, str):
            return EncodedBody(value.encode("utf-8"), content_type, value)
        raise StepError(f"a {media_name} body needs bytes or a string, not {kind_of(value)}")
    if isinstance(value, str):
        return EncodedBody(charset_encode(value, content_type), content_type, value)
    return EncodedBody(compact_json(value).encode("utf-8"), content_type, value)


def _disposition_value(text: str) -> str:
    # RFC 7578 / WHATWG: quote, and percent-encode the characters a quoted-string cannot hold
    return text.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


def _multipart_body(
    value: Any, boundary: str, encoding: Mapping[str, Any], properties: Mapping[str, Any] | None
) -> bytes:
    if not isinstance(value, Mapping):
        raise StepError(f"a multipart body needs an object (one part per member), not {kind_of(value)}")
    parts: list[bytes] = []
    for key, item in present_members(value):
        found = encoding.get(key)
        field_encoding: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        schema = (properties or {}).get(key)
        if is_style_based(field_encoding) and not is_file_value(item) and not isinstance(item, (bytes, bytearray)):
            for parts_name, pieces, joiner in field_entries(key, item, field_encoding):
                parts.append(_part(entry_name(parts_name), joiner.join(pieces).encode("utf-8"), None, None, {}))
            continue
        items = present_items(item) if is_list(item) else [item]
        item_schema = schema.get("items") if is_list(item) and isinstance(schema, Mapping) else schema
        declared = first_media(field_encoding.get("contentType"))
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
            content = bytes(raw) if isinstance(raw, (bytes, bytearray)) else template_text(raw).encode("utf-8")
        part_type = value.get("contentType") if isinstance(value.get("contentType"), str) else None
        headers = value.get("headers") if isinstance(value.get("headers"), Mapping) else {}
        filename = value.get("filename")
        return _part(name, content, part_type or declared or "application/octet-stream",
                     None if filename is None else str(filename), headers)  # fmt: skip
    if isinstance(value, (bytes, bytearray)):
        return _part(name, bytes(value), declared or "application/octet-stream", None, {})
    part_type = declared or default_part_type(value, schema)
    content = part_text(value, part_type).encode("utf-8")
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
        check_header_text(f"{name}: {header}", str(header), "part header")
        text = check_header_text(f"{name}: {header}", primitive_text(header_value), "part header")
        lines.append(f"{header}: {text}")
    head = "\r\n".join(lines).encode("utf-8")
    return head + b"\r\n\r\n" + content
