"""Media types, the Media Type Object of a body and what its Encoding Objects say about a field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .values import StepError, is_list, json_text, primitive_text

# ---------------------------------------------------------------- media types


def media_type(content_type: str | None) -> str:
    """``type/subtype`` of a Content-Type, lower-cased, parameters dropped ("" for None)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def media_parameter(content_type: str | None, name: str) -> str | None:
    """The value of the parameter ``name`` (lower-case) of a Content-Type, unquoted; None if absent or empty."""
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == name:
            return value.strip().strip('"') or None
    return None


def is_json_media(content_type: str | None) -> bool:
    """``application/json``, ``*/*+json`` (and ``*/json``)."""
    return media_type(content_type).endswith(("/json", "+json"))


def is_xml_media(content_type: str | None) -> bool:
    """``application/xml``, ``text/xml``, ``*/*+xml``."""
    return media_type(content_type).endswith(("/xml", "+xml"))


def is_form_media(content_type: str | None) -> bool:
    return media_type(content_type) == "application/x-www-form-urlencoded"


def is_multipart_media(content_type: str | None) -> bool:
    return media_type(content_type).startswith("multipart/")


def is_binary_media(media_name: str) -> bool:
    """Whether a ``type/subtype`` is binary data (octet-stream, PDF, zip, images, audio, video, fonts)."""
    top = media_name.split("/", 1)[0]
    return media_name in ("application/octet-stream", "application/pdf", "application/zip") or top in (
        "image",
        "audio",
        "video",
        "font",
    )


def charset_encode(text: str, content_type: str) -> bytes:
    """``text`` in the ``charset`` of ``content_type`` (default UTF-8)."""
    charset = media_parameter(content_type, "charset") or "utf-8"
    try:
        return text.encode(charset)
    except LookupError:
        raise StepError(f"unknown charset {charset!r} in the content type {content_type!r}") from None
    except UnicodeEncodeError:
        raise StepError(f"the body holds characters that {charset!r} cannot encode") from None


# ---------------------------------------------------------------- Media Type Objects


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


def encoding_map(media: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The ``encoding`` (field name → Encoding Object) of a Media Type Object; empty when none."""
    encoding = media.get("encoding") if isinstance(media, Mapping) else None
    return encoding if isinstance(encoding, Mapping) else {}


def schema_properties(media: Mapping[str, Any] | None, resolve: Callable[[Any], Any] | None) -> Mapping[str, Any]:
    """The ``properties`` of a Media Type Object's schema (``$ref`` followed); empty when none."""
    schema = resolved(media.get("schema") if isinstance(media, Mapping) else None, resolve)
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    return properties if isinstance(properties, Mapping) else {}


def resolved(node: Any, resolve: Callable[[Any], Any] | None) -> Any:
    """``node`` with its ``$ref`` followed by ``resolve`` (when both are there), else ``node``."""
    if isinstance(node, Mapping) and "$ref" in node and resolve is not None:
        try:
            return resolve(node)
        except Exception as error:  # a broken $ref in the description: serialize without it
            raise StepError(f"cannot follow {node.get('$ref')!r} in the request body schema: {error}") from None
    return node


# ---------------------------------------------------------------- Encoding Objects


def is_style_based(encoding: Mapping[str, Any] | None) -> bool:
    """Whether an Encoding Object serializes its field by ``style``/``explode``/``allowReserved``."""
    return isinstance(encoding, Mapping) and any(key in encoding for key in ("style", "explode", "allowReserved"))


def default_part_type(value: Any, schema: Any = None) -> str:
    """The Encoding Object's default ``contentType`` for a value (of an array: per item)."""
    if isinstance(value, Mapping) or is_list(value):
        return "application/json"
    if isinstance(value, (bytes, bytearray)):
        return "application/octet-stream"
    if isinstance(schema, Mapping) and isinstance(value, str):
        if "contentEncoding" in schema or schema.get("format") in ("binary", "byte"):
            return "application/octet-stream"
    return "text/plain"


def first_media(content_type: Any) -> str | None:
    """The first media type of an Encoding Object ``contentType`` list, if it is concrete."""
    if not isinstance(content_type, str):
        return None
    first = content_type.split(",")[0].strip()
    return None if not first or "*" in first else first


def part_text(value: Any, part_type: str) -> str:
    """A form field's or part's value as text of ``part_type``: JSON text for JSON media types,
    else the primitive text; ``null`` as the empty string."""
    if value is None:
        return ""
    if is_json_media(part_type):
        return json_text(value)
    return primitive_text(value)
