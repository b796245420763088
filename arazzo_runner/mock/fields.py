"""Request bodies read as named fields, and fields coerced and copied into response values."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from ..openapi.index import Operation
from .generate import OMIT
from .messages import media_kind
from .schemas import Schemas, normalize_name, properties, schema_types

__all__ = ["body_required_fields", "coerce", "copy_fields", "request_fields"]


def body_required_fields(schemas: Schemas, operation: Operation, content_type: str) -> list[str]:
    """The required properties of the request body schema for ``content_type``."""
    body = operation.request_body
    if body is None:
        return []
    media = next(iter(body.content.values()), None)
    for name, value in body.content.items():
        if name.split(";")[0].strip().lower() == content_type.split(";")[0].strip().lower():
            media = value
    schema = schemas.inline(media.get("schema"), body.base_uri or None) if isinstance(media, dict) else None
    required = schema.get("required") if isinstance(schema, dict) else None
    return [r for r in required if isinstance(r, str)] if isinstance(required, list) else []


def request_fields(content_type: str, body: bytes) -> tuple[dict[str, Any], Any]:
    """The request body as named fields (JSON object or form), and the decoded body."""
    if not body:
        return {}, OMIT
    kind = media_kind(content_type)
    if kind == "json":
        try:
            value = json.loads(body)
        except ValueError:
            return {}, OMIT
        return (dict(value) if isinstance(value, dict) else {}), value
    if kind == "form":
        fields: dict[str, Any] = {}
        for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            if key in fields:
                previous = fields[key]
                fields[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
            else:
                fields[key] = value
        return fields, fields
    if kind == "text":
        return {}, body.decode("utf-8", "replace")
    return {}, OMIT


def coerce(value: Any, schema: Any) -> Any:
    """A request value (form values are text) shaped for a response property's schema."""
    if not isinstance(schema, dict):
        return value
    kinds = schema_types(schema)
    if isinstance(value, list) and "array" not in kinds and len(value) == 1:
        value = value[0]
    if not isinstance(value, str):
        if "string" in kinds and isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if "array" in kinds and not isinstance(value, list):
            return [value]
        return value
    if "array" in kinds:
        return [value]
    if "integer" in kinds:
        try:
            return int(value)
        except ValueError:
            return value
    if "number" in kinds:
        try:
            number = float(value)
            return int(number) if number.is_integer() and "." not in value else number
        except ValueError:
            return value
    if "boolean" in kinds and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if "null" in kinds and value == "" and "string" not in kinds:
        return None
    if not kinds and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def copy_fields(schemas: Schemas, target: dict[str, Any], schema: Any, fields: Mapping[str, Any],
                skip: frozenset[str] = frozenset()) -> None:  # fmt: skip
    """Copy ``fields`` into ``target``'s properties of the same (loosely compared) name,
    each only when it is valid for that property's schema."""
    declared = properties(schema)
    names = {normalize_name(name): name for name in target}
    names.update({normalize_name(name): name for name in declared})
    for field_name, value in fields.items():
        prop = names.get(normalize_name(field_name))
        if prop is None or prop in skip:
            continue
        sub = declared.get(prop, {})
        coerced = coerce(value, sub)
        if schemas.conforms(coerced, sub):
            target[prop] = coerced
