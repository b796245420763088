"""Is a JSON Schema one the runner can apply?  Checked without importing jsonschema when we can.

A workflow's ``inputs`` (and each ``components.inputs`` entry) is a JSON Schema 2020-12.  A
schema whose simple keywords have values of the right JSON types is checked here; any other
is checked against the 2020-12 metaschema by jsonschema, imported only then (it costs a
tenth of a second at start-up).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import DocumentError
from .fastpath import SUPPORTED

__all__ = ["InputsSchemaError", "check_inputs_schema", "schema_is_plain"]

_JSON_TYPES = frozenset({"string", "integer", "number", "boolean", "null", "array", "object"})
_NUMBERS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_COUNTS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
_MAX_DEPTH = 32


class InputsSchemaError(DocumentError):
    """A workflow's inputs schema is not a valid JSON Schema, or one of its ``$ref`` s leads
    nowhere (``path``: where in the schema, as keys and indices)."""

    path: tuple[Any, ...] = ()
    pointer: str | None = None  # where in the document, when known (e.g. the $ref that leads nowhere)


def check_inputs_schema(schema: Any) -> None:
    """Raise InputsSchemaError when ``schema`` is not a JSON Schema jsonschema could apply."""
    if isinstance(schema, Mapping) and all(k in SUPPORTED or k.startswith("x-") for k in schema) and _plain(schema):
        return  # the fast path checks these keywords itself
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        location = "/".join(str(p) for p in exc.absolute_path)
        error = InputsSchemaError(f"{exc.message}" + (f" (at {location})" if location else ""))
        error.path = tuple(exc.absolute_path)
        raise error from None


def schema_is_plain(schema: Any) -> bool:
    """Whether the simple keywords of ``schema`` have values of the right JSON types, so that
    :func:`.fastpath.simple_errors` may check it (else jsonschema must)."""
    return _plain(schema)


def _plain(schema: Any, depth: int = 0) -> bool:
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
        return False
    return all(_plain_keyword(key, value, depth) for key, value in schema.items())


def _plain_keyword(key: str, value: Any, depth: int) -> bool:
    if key in _NUMBERS:
        return not isinstance(value, bool) and isinstance(value, (int, float))
    if key in _COUNTS:
        return not isinstance(value, bool) and isinstance(value, int) and value >= 0
    if key == "type":
        return (isinstance(value, str) and value in _JSON_TYPES) or (
            isinstance(value, list) and all(t in _JSON_TYPES for t in value)
        )
    if key == "required":
        return isinstance(value, list) and all(isinstance(n, str) for n in value)
    if key == "enum":
        return isinstance(value, list)
    if key == "pattern":
        try:
            re.compile(value)
        except (re.error, TypeError):
            return False
        return True
    if key == "properties":
        return isinstance(value, Mapping) and all(_plain(v, depth + 1) for v in value.values())
    if key in ("items", "additionalProperties"):
        return _plain(value, depth + 1)
    return True
