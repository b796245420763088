"""``--check-responses``: is a response what the operation describes?

Three checks: the status code is described (exactly, by a ``2XX`` range or by ``default``);
the content type is one the response describes; the body is valid against that media type's
schema.  Schemas are checked with openapi-schema-validator (the schema layer of openapi-core,
with OpenAPI 3.0 ``nullable`` and 3.1 JSON Schema semantics); it is imported only when
responses are checked, since it is slow to import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..missing import MISSING

__all__ = ["check_response", "describe_status"]

_MAX_PROBLEMS = 10


def describe_status(responses: Mapping[str, Any], status: int) -> str | None:
    """The key of ``responses`` that describes ``status`` (exact, then ``NXX``, then default)."""
    exact = str(status)
    if exact in responses:
        return exact
    family = f"{exact[0]}XX"
    for key in responses:
        if key.upper() == family:
            return key
    return "default" if "default" in responses else None


def _media(content: Mapping[str, Any], content_type: str | None) -> str | None:
    """The media type key of ``content`` matching a response Content-Type (wildcards too)."""
    if not content_type:
        return None
    actual = content_type.split(";")[0].strip().lower()
    keys = {key.split(";")[0].strip().lower(): key for key in content}
    if actual in keys:
        return keys[actual]
    major = actual.split("/")[0]
    for pattern in (f"{major}/*", "*/*"):
        if pattern in keys:
            return keys[pattern]
    return None


def _validator(index: Any, schema: Any) -> Any:
    from openapi_schema_validator import OAS30Validator, OAS31Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resolved = index.follow(schema)
    data = index.parsed.data

    def retrieve(uri: str) -> Resource[Any]:
        return Resource.from_contents(index.document(uri), default_specification=DRAFT202012)

    registry: Registry[Any] = Registry(retrieve=retrieve).with_resource(  # type: ignore[call-arg]
        index.base_uri, Resource.from_contents(data, default_specification=DRAFT202012)
    )
    validator_class = OAS30Validator if str(index.version).startswith("3.0") else OAS31Validator
    return validator_class({"$ref": f"{resolved.uri}#{resolved.pointer}"}, registry=registry)


def check_response(index: Any, operation: Any, status_code: int, content_type: str | None, body: Any) -> list[str]:
    """What does not match the operation's description (an empty list when all does)."""
    responses = operation.responses
    name = operation.operation_id or f"{operation.method} {operation.path}"
    if not responses:
        return []
    key = describe_status(responses, status_code)
    if key is None:
        described = ", ".join(sorted(responses))
        return [f"status {status_code} is not described by operation {name} (described: {described})"]
    response = index.resolve(responses[key])
    content = response.get("content") if isinstance(response, Mapping) else None
    if not isinstance(content, Mapping) or not content:
        return []
    if body is MISSING:
        return []
    media = _media(content, content_type)
    if media is None:
        described = ", ".join(content)
        return [
            f"content type {content_type or '(none)'} is not described for status {key} of {name} (described: {described})"
        ]
    media_object = index.resolve(content[media])
    schema = media_object.get("schema") if isinstance(media_object, Mapping) else None
    if schema is None:
        return []
    if isinstance(body, str) and "json" in media:
        return [f"the body is not valid JSON, but {media} is described for status {key}"]
    problems = []
    try:
        for error in _validator(index, schema).iter_errors(body):
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
            problems.append(f"body{path}: {error.message}")
            if len(problems) >= _MAX_PROBLEMS:
                problems.append("(more problems not shown)")
                break
    except Exception as exc:  # a schema Python cannot apply (an ECMA-only regex, ...): say so, once
        return [f"the body could not be checked against the schema of status {key}: {type(exc).__name__}: {exc}"]
    return problems
