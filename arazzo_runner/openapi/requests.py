"""``--check-requests``: is a request what its operation describes?  And the rule a value breaks.

:func:`check_request` looks at a request just before it is sent: every required parameter
is there, each parameter's value fits its schema, the body's content type is one the
operation accepts and the body fits that media type's schema.  :func:`value_problems` is
the part shared with the check of inputs at the start of a run
(:mod:`arazzo_runner.execution.destinations`): a value against one OpenAPI schema, each
broken rule said as a user reads it ("does not match pattern ^PN[0-9a-f]{32}$").

Values that travel as text are compared as text travels.  A query, path, header or cookie
parameter, a form field and a multipart part are strings on the wire, so the string ``"5"``
and the number ``5`` are the same request: with ``text=True`` a string is first read as the
type the schema wants (``"5"`` -> 5 for an ``integer``, ``"true"`` -> True for a
``boolean``) and a number or boolean going to a ``string`` is checked as the text it is
written as (5 -> ``"5"``).  Only a string that reads as none of the schema's types breaks the
``type`` rule.  In a JSON body the types are on the wire, and are checked as they are.

Simple schemas are checked by :mod:`arazzo_runner.execution.schema` (no heavy import); the
others by openapi-schema-validator (OpenAPI 3.0 ``nullable`` and 3.1 JSON Schema semantics),
imported only then.  ``format`` is an annotation, as in JSON Schema 2020-12: never a problem.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

from ..missing import MISSING
from .media import is_form_media, is_json_media, is_multipart_media, media_object
from .values import primitive_text

__all__ = ["check_request", "coerce_text", "schema_types", "value_problems"]

_MAX_PROBLEMS = 10
_MAX_DEPTH = 32
# Annotations a $ref may sit beside without changing what the schema accepts
_ANNOTATIONS = frozenset(
    {"description", "summary", "title", "examples", "example", "deprecated", "readOnly", "writeOnly", "$comment"}
)
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


# ---------------------------------------------------------------- one value, one schema


def _inline(index: Any, node: Any, uri: str) -> tuple[Any, str]:
    """``node`` with its top ``$ref`` chain followed when only annotations sit beside it."""
    for _ in range(16):
        if not (isinstance(node, Mapping) and isinstance(node.get("$ref"), str)):
            break
        if any(key != "$ref" and key not in _ANNOTATIONS and not key.startswith("x-") for key in node):
            break  # a 3.1 $ref with assertions beside it: jsonschema applies both
        resolved = index.follow(node, base_uri=uri)
        node, uri = resolved.value, resolved.uri
    return node, uri


def schema_types(schema: Any) -> list[str]:
    """The JSON types a schema names in ``type`` (none when it does not say)."""
    kind = schema.get("type") if isinstance(schema, Mapping) else None
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [k for k in kind if isinstance(k, str)]
    return []


def _json_type(value: Any) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return None


def coerce_text(index: Any, schema: Any, uri: str, value: Any, depth: int = 0) -> Any:
    """``value`` as a server reads it from text for ``schema`` (see the module's docstring)."""
    if depth > _MAX_DEPTH:
        return value
    schema, uri = _inline(index, schema, uri)
    types = schema_types(schema)
    if isinstance(value, str):
        if not types or "string" in types:
            return value
        for kind in types:
            if kind == "integer" and _INTEGER.fullmatch(value):
                return int(value)
            if kind == "number" and _NUMBER.fullmatch(value):
                number = float(value)
                return int(value) if _INTEGER.fullmatch(value) else number
            if kind == "boolean" and value in ("true", "false"):
                return value == "true"
        return value
    json_type = _json_type(value)
    if json_type is not None:
        fits = json_type in types or (json_type == "integer" and "number" in types)
        return primitive_text(value) if types and not fits and "string" in types else value
    if isinstance(value, list) and isinstance(schema, Mapping):
        items = schema.get("items")
        if isinstance(items, Mapping):
            return [coerce_text(index, items, uri, item, depth + 1) for item in value]
    if isinstance(value, dict) and isinstance(schema, Mapping):
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        extra = schema.get("additionalProperties")
        coerced = {}
        for key, item in value.items():
            sub = properties.get(key, extra if isinstance(extra, Mapping) else None)
            coerced[key] = item if sub is None else coerce_text(index, sub, uri, item, depth + 1)
        return coerced
    return value


def value_problems(
    index: Any, schema: Any, uri: str, value: Any, *, text: bool = False, show_values: bool = True
) -> list[str]:
    """The rules of ``schema`` (written in the document at ``uri``) that ``value`` breaks.

    Each problem is a sentence part: ``does not match pattern ^PN...$``, or ``.items[0]: is
    not of type 'integer'`` below the top.  ``text``: the value travels as text (see the
    module's docstring).  ``show_values=False`` keeps the value out of every sentence (for a
    secret).  A schema that cannot be applied (an ECMA-only regex...) gives no problem: this
    check never stops a request the server might accept.
    """
    if schema is None or schema is True or value is MISSING:
        return []
    schema, uri = _inline(index, schema, uri)
    if text:
        value = coerce_text(index, schema, uri, value)
    fast = _fast_problems(schema, value)
    if fast is not None:
        return fast[:_MAX_PROBLEMS]
    try:
        return _validator_problems(index, schema, uri, value, show_values)
    except Exception:  # noqa: BLE001 - a schema the library cannot apply is not the request's fault
        return []


def _fast_problems(schema: Any, value: Any) -> list[str] | None:
    from ..execution.schema import simple_errors
    from ..schemas.check import schema_is_plain

    if not isinstance(schema, Mapping) or schema.get("nullable") is True or not schema_is_plain(schema):
        return None
    try:
        found = simple_errors(schema, value)
    except (re.error, TypeError, RecursionError):
        return None
    if found is None:
        return None
    return [
        _at_path(path, _rule(keyword, _keyword_value(schema, path, keyword), message))
        for path, keyword, message in found
    ]


def _keyword_value(schema: Any, path: tuple[Any, ...], keyword: str) -> Any:
    for step in path:
        if not isinstance(schema, Mapping):
            return None
        if isinstance(step, int):
            schema = schema.get("items")
        else:
            properties = schema.get("properties")
            sub = properties.get(step) if isinstance(properties, Mapping) else None
            schema = sub if sub is not None else schema.get("additionalProperties")
    return schema.get(keyword) if isinstance(schema, Mapping) else None


def _validator_problems(index: Any, schema: Any, uri: str, value: Any, show_values: bool) -> list[str]:
    from openapi_schema_validator import OAS30Validator, OAS31Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    def retrieve(address: str) -> Resource[Any]:
        return Resource.from_contents(index.document(address), default_specification=DRAFT202012)

    registry: Registry[Any] = Registry(retrieve=retrieve).with_resource(  # type: ignore[call-arg]
        index.base_uri, Resource.from_contents(index.parsed.data, default_specification=DRAFT202012)
    )
    validator_class = OAS30Validator if str(index.version).startswith("3.0") else OAS31Validator
    validator = validator_class(_absolute_refs(schema, uri, 0), registry=registry)
    problems = []
    for error in sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path]):
        message = error.message if show_values else f"breaks the rule {error.validator!r}"
        problems.append(
            _at_path(tuple(error.absolute_path), _rule(str(error.validator), error.validator_value, message))
        )
        if len(problems) >= _MAX_PROBLEMS:
            break
    return problems


def _absolute_refs(node: Any, uri: str, depth: int) -> Any:
    """A copy of ``node`` whose ``$ref`` s name their document: it is checked away from it."""
    if depth > 64:
        return node
    if isinstance(node, Mapping):
        return {
            key: urljoin(uri, item) if key == "$ref" and isinstance(item, str) else _absolute_refs(item, uri, depth + 1)
            for key, item in node.items()
        }
    if isinstance(node, list):
        return [_absolute_refs(item, uri, depth + 1) for item in node]
    return node


def _at_path(path: tuple[Any, ...], rule: str) -> str:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    return f"{where}: {rule}" if where else rule


def _json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def _rule(keyword: str, expected: Any, message: str) -> str:
    """The rule ``keyword`` (with its value ``expected``) in a user's words; else ``message``."""
    if keyword == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return "is not of type " + " or ".join(repr(k) for k in kinds)
    if keyword == "pattern":
        return f"does not match pattern {expected}"
    if keyword == "minLength":
        return "is empty" if expected == 1 else f"is shorter than {expected} characters"
    if keyword == "maxLength":
        return f"is longer than {expected} characters"
    if keyword == "enum" and isinstance(expected, list):
        return "is not one of " + ", ".join(_json(option) for option in expected)
    if keyword == "const":
        return f"is not {_json(expected)}"
    bounds = {
        "minimum": "is less than the minimum {}",
        "maximum": "is greater than the maximum {}",
        "exclusiveMinimum": "is not greater than {}",
        "exclusiveMaximum": "is not less than {}",
        "multipleOf": "is not a multiple of {}",
        "minItems": "has fewer than {} items",
        "maxItems": "has more than {} items",
    }
    if keyword in bounds and not isinstance(expected, bool):
        return bounds[keyword].format(_json(expected))
    if keyword in ("oneOf", "anyOf") and "not valid under any" in message:
        return f"fits none of the schemas its {keyword} allows"
    if keyword == "required" and "'" in message:
        return f"lacks the required property {message.split(chr(39))[1]!r}"
    return message


# ---------------------------------------------------------------- a whole request


def _secured_names(index: Any, operation: Any) -> set[tuple[str, str]]:
    """(name, in) of the apiKey parameters the operation's security schemes set themselves."""
    names: set[tuple[str, str]] = set()
    schemes = index.security_schemes
    for requirement in operation.security:
        for scheme_name in requirement:
            scheme = schemes.get(scheme_name)
            if isinstance(scheme, Mapping) and scheme.get("type") == "apiKey" and isinstance(scheme.get("name"), str):
                names.add((scheme["name"].lower(), str(scheme.get("in"))))
    return names


def _sent_values(prepared: Any) -> dict[str, dict[str, Any]]:
    """What the request carries, by location: evaluated values (path, query), texts (header, cookie)."""
    headers: dict[str, Any] = {}
    cookies: dict[str, Any] = {}
    for name, text in prepared.headers:
        headers.setdefault(name.lower(), text)
        if name.lower() == "cookie":
            for pair in text.split(";"):
                key, _, cookie = pair.strip().partition("=")
                if key:
                    cookies.setdefault(key, cookie)
    return {"path": dict(prepared.path), "query": dict(prepared.query), "header": headers, "cookie": cookies}


def _parameter_problems(index: Any, operation: Any, prepared: Any) -> list[str]:
    sent = _sent_values(prepared)
    secured = _secured_names(index, operation)
    problems = []
    for parameter in operation.parameters:
        if parameter.in_ not in sent:
            continue  # querystring (3.2): its serialization is checked by its media type alone
        if parameter.in_ == "header" and parameter.name.lower() in ("accept", "content-type", "authorization"):
            continue  # OpenAPI ignores these header parameters
        key = parameter.name.lower() if parameter.in_ == "header" else parameter.name
        if key not in sent[parameter.in_]:
            if parameter.required and (parameter.name.lower(), parameter.in_) not in secured:
                problems.append(f"the required {parameter.in_} parameter {parameter.name} is not sent")
            continue
        value = sent[parameter.in_][key]
        schema, text = parameter.schema, True
        if schema is None and parameter.content:
            media_name = next(iter(parameter.content))
            media = parameter.content[media_name]
            schema = media.get("schema") if isinstance(media, Mapping) else None
            text = not is_json_media(media_name)
            if not text and isinstance(value, str) and parameter.in_ in ("header", "cookie"):
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
        written = set(schema_types(_inline(index, schema, parameter.base_uri)[0]))
        if parameter.in_ in ("header", "cookie") and written & {"array", "object"}:
            continue  # written with a style: the text alone does not tell the items apart
        for problem in value_problems(index, schema, parameter.base_uri, value, text=text):
            problems.append(_joined(f"{parameter.in_} parameter {parameter.name}", problem))
    return problems


def _body_problems(index: Any, operation: Any, prepared: Any) -> list[str]:
    name = operation.operation_id or f"{operation.method} {operation.path}"
    body = operation.request_body
    if prepared.content is None:
        if body is not None and body.required:
            return [f"operation {name} requires a request body, and none is sent"]
        return []
    if body is None or not body.content:
        return [] if body is not None else [f"a body is sent, but operation {name} describes no request body"]
    media = media_object(body.content, prepared.content_type)
    if media is None:
        accepted = ", ".join(body.content)
        return [f"content type {prepared.content_type or '(none)'} is not one operation {name} accepts ({accepted})"]
    schema = media.get("schema")
    value = prepared.body_value
    if schema is None or value is MISSING:
        return []
    content_type = prepared.content_type
    if is_json_media(content_type):
        text = False
    elif is_form_media(content_type) or is_multipart_media(content_type):
        text = True
        from .bodies import is_file_value

        if isinstance(value, Mapping) and any(is_file_value(item) for item in value.values()):
            return []  # file parts are bytes: their schema (format: binary) says nothing more
    else:
        return []  # XML, text, binary: the schema describes structure the bytes do not carry as data
    return [_joined("body", problem) for problem in value_problems(index, schema, body.base_uri, value, text=text)]


def _joined(what: str, problem: str) -> str:
    """``body.count: is not ...`` below the top, ``body: is not ...`` at it."""
    return f"{what}{problem}" if problem.startswith((".", "[")) else f"{what}: {problem}"


def check_request(index: Any, operation: Any, prepared: Any) -> list[str]:
    """What in ``prepared`` (a :class:`~arazzo_runner.execution.request.PreparedRequest`) does
    not match ``operation`` of the OpenAPI ``index``: an empty list when all does.

    Reported: a required parameter that is not sent (unless a security scheme of the
    operation sets it), a parameter value its schema refuses, a body of a content type the
    operation does not list, a body its media type's schema refuses (JSON, form and
    multipart bodies), a required body that is missing.  Parameters the operation does not
    declare are the step's business (it already warns), not this check's.
    """
    problems = _parameter_problems(index, operation, prepared) + _body_problems(index, operation, prepared)
    if len(problems) > _MAX_PROBLEMS:
        problems = [*problems[:_MAX_PROBLEMS], "(more problems not shown)"]
    return problems
