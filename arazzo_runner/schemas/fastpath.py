"""A fast path for the simple JSON Schemas most workflows declare (inputs, request fields).

jsonschema costs about a tenth of a second to import, more than the rest of a CLI run.  Most
inputs schemas use only a handful of keywords (``type``, ``properties``, ``required``,
``enum``, bounds...), which this module checks with jsonschema's own verdicts and messages.
For any other keyword it answers None, and the caller uses jsonschema itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["simple_errors", "SUPPORTED"]

# Annotations (no effect on validity, ``format`` included: an annotation by default in 2020-12)
_ANNOTATIONS = frozenset(
    {"$schema", "$comment", "title", "description", "default", "examples", "example", "deprecated",
     "readOnly", "writeOnly", "format", "contentMediaType", "contentEncoding", "nullable"}
)  # fmt: skip
SUPPORTED = frozenset(
    {"type", "properties", "required", "additionalProperties", "items", "enum", "const", "minimum", "maximum",
     "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "minItems", "maxItems",
     "minProperties", "maxProperties"}
) | _ANNOTATIONS  # fmt: skip

_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def _supported(schema: Any, depth: int = 0) -> bool:
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, Mapping) or depth > 32:
        return False
    for key, value in schema.items():
        if key.startswith("x-"):
            continue
        if key not in SUPPORTED:
            return False
        if key == "properties" and not (
            isinstance(value, Mapping) and all(_supported(v, depth + 1) for v in value.values())
        ):
            return False
        if key in ("items", "additionalProperties") and not _supported(value, depth + 1):
            return False
        if key == "type" and not all(t in _TYPES for t in ([value] if isinstance(value, str) else value)):
            return False
    return True


def _equal(a: Any, b: Any) -> bool:
    # JSON equality: 1 == 1.0, but true is not 1
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def _check(schema: Any, value: Any, path: tuple[Any, ...], errors: list[tuple[tuple[Any, ...], str, str]]) -> None:
    if schema is True:
        return
    if schema is False:
        errors.append((path, "false", f"False schema does not allow {value!r}"))
        return
    kind = schema.get("type")
    if kind is not None:
        kinds = [kind] if isinstance(kind, str) else list(kind)
        if not any(_TYPES[k](value) for k in kinds):
            shown = repr(kind) if isinstance(kind, str) else repr(kinds)
            errors.append(
                (
                    path,
                    "type",
                    f"{value!r} is not of type {', '.join(repr(k) for k in kinds) if len(kinds) > 1 else shown}",
                )
            )
    if "enum" in schema and not any(_equal(value, option) for option in schema["enum"]):
        errors.append((path, "enum", f"{value!r} is not one of {schema['enum']!r}"))
    if "const" in schema and not _equal(value, schema["const"]):
        errors.append((path, "const", f"{schema['const']!r} was expected"))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append((path, "minimum", f"{value!r} is less than the minimum of {schema['minimum']!r}"))
        if "maximum" in schema and value > schema["maximum"]:
            errors.append((path, "maximum", f"{value!r} is greater than the maximum of {schema['maximum']!r}"))
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            errors.append(
                (
                    path,
                    "exclusiveMinimum",
                    f"{value!r} is less than or equal to the minimum of {schema['exclusiveMinimum']!r}",
                )
            )
        if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
            errors.append(
                (
                    path,
                    "exclusiveMaximum",
                    f"{value!r} is greater than or equal to the maximum of {schema['exclusiveMaximum']!r}",
                )
            )
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            errors.append((path, "minLength", f"{value!r} is too short"))
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append((path, "maxLength", f"{value!r} is too long"))
        if "pattern" in schema and re.search(schema["pattern"], value) is None:
            errors.append((path, "pattern", f"{value!r} does not match {schema['pattern']!r}"))
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append(
                (
                    path,
                    "minItems",
                    f"{value!r} should be non-empty" if schema["minItems"] == 1 else f"{value!r} is too short",
                )
            )
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append((path, "maxItems", f"{value!r} is too long"))
        items = schema.get("items")
        if items is not None:
            for index, item in enumerate(value):
                _check(items, item, (*path, index), errors)
    if isinstance(value, dict):
        for name in schema.get("required", ()):
            if name not in value:
                errors.append((path, "required", f"{name!r} is a required property"))
        properties = schema.get("properties", {})
        for name, item in value.items():
            if name in properties:
                _check(properties[name], item, (*path, name), errors)
        extra = schema.get("additionalProperties")
        if extra is not None:
            unexpected = [name for name in value if name not in properties]
            if extra is False and unexpected:
                listed = ", ".join(repr(n) for n in unexpected)
                verb = "was" if len(unexpected) == 1 else "were"
                errors.append(
                    (
                        path,
                        "additionalProperties",
                        f"Additional properties are not allowed ({listed} {verb} unexpected)",
                    )
                )
            elif isinstance(extra, Mapping):
                for name in unexpected:
                    _check(extra, value[name], (*path, name), errors)
        if "minProperties" in schema and len(value) < schema["minProperties"]:
            errors.append((path, "minProperties", f"{value!r} does not have enough properties"))
        if "maxProperties" in schema and len(value) > schema["maxProperties"]:
            errors.append((path, "maxProperties", f"{value!r} has too many properties"))


def simple_errors(schema: Any, value: Any) -> list[tuple[tuple[Any, ...], str, str]] | None:
    """(path, keyword, message) for each problem, or None when ``schema`` needs jsonschema."""
    if not _supported(schema):
        return None
    errors: list[tuple[tuple[Any, ...], str, str]] = []
    _check(schema, value, (), errors)
    return errors
