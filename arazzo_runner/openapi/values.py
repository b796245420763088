"""Values a request carries: the step error, the shapes of values and their text (plain and JSON)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..errors import ExpressionError
from ..missing import MISSING


class StepError(ExpressionError):
    """A step cannot be sent as written (a path parameter without a value, a body that its
    media type cannot carry, a replacement target that selects nothing, ...)."""


# ---------------------------------------------------------------- shapes


def is_undefined(value: Any) -> bool:
    """RFC 6570 "undefined": null, an empty list, an empty object."""
    return value is None or value is MISSING or (isinstance(value, (list, tuple, Mapping)) and not value)


def is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def present_items(value: Any) -> list[Any]:
    """The items of an array that are not MISSING."""
    return [item for item in value if item is not MISSING]


def present_members(value: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The ``(key, value)`` members of an object whose value is not MISSING, keys as text."""
    return [(str(key), item) for key, item in value.items() if item is not MISSING]


def kind_of(value: Any) -> str:
    """What a value is, for messages: ``null``, ``an object``, ``an array``, ``bytes``, a type name."""
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "an object"
    if is_list(value):
        return "an array"
    if isinstance(value, (bytes, bytearray)):
        return "bytes"
    return type(value).__name__


# ---------------------------------------------------------------- text


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
    return compact_json(value)


def template_text(value: Any) -> str:
    """Text of a value in a text body: like templates, ``null`` reads ``null``."""
    return "null" if value is None else primitive_text(value)


def compact_json(value: Any) -> str:
    """Compact JSON text of ``value`` (non-ASCII as is); :class:`StepError` when JSON cannot hold it."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise StepError("the value holds NaN or Infinity, which JSON cannot represent") from None
    except TypeError as error:
        raise StepError(f"the value cannot be written as JSON: {error}") from None


def json_text(value: Any) -> str:
    """JSON text of ``value``; a string that already is JSON text of an object or array is
    taken as it is (see :func:`json_document`)."""
    if isinstance(value, str) and json_document(value) is not MISSING:
        return value
    return compact_json(value)


def json_document(value: str) -> Any:
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
