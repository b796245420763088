"""Workflow inputs: coerced from the command line, defaulted, and validated before any request.

Inputs are checked against the workflow's ``inputs`` JSON Schema (2020-12; ``$ref``s into the
document's ``components.inputs`` resolve).  Every problem is listed, not only the first.  An
input the schema does not declare is a warning (the engine notes it), unless its name is
close to a declared one (``inboundRequestURL`` for ``inboundRequestUrl``): that is a typo,
and an error with "did you mean".  Where inputs go (the parameters and body fields they
reach unchanged) is checked by :mod:`.destinations`.
"""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Mapping
from typing import Any

from ..errors import DocumentError, ExecutionError

__all__ = [
    "InputsError",
    "coerce_cli_value",
    "apply_defaults",
    "validate_inputs",
    "resolve_schema",
    "undeclared_inputs",
    "misspelled_inputs",
    "schema_is_plain",
]


class InputsError(ExecutionError):
    """The inputs given do not fit the workflow's inputs schema (every problem listed)."""

    type = "inputs"

    def __init__(self, problems: list[str], workflow_id: str | None = None) -> None:
        self.problems = problems
        what = f"workflow {workflow_id!r}" if workflow_id else "the workflow"
        listed = "; ".join(problems)
        super().__init__(f"invalid inputs for {what}: {listed}")


def resolve_schema(schema: Any, document: Mapping[str, Any] | None) -> Any:
    """Follow a top-level ``$ref`` into ``#/components/inputs/...`` (several hops at most)."""
    seen = 0
    while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) and document is not None and seen < 16:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            break
        target: Any = document
        for token in ref[2:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            target = target.get(token) if isinstance(target, Mapping) else None
        if target is None:
            break
        schema = target
        seen += 1
    return schema


def _types(schema: Any) -> list[str]:
    from ..openapi.requests import schema_types

    return schema_types(schema)


def coerce_cli_value(name: str, text: str, schema: Any, document: Mapping[str, Any] | None = None) -> Any:
    """A ``-i NAME=VALUE`` value as the inputs schema types it (else the string itself)."""
    root = resolve_schema(schema, document)
    properties = root.get("properties") if isinstance(root, Mapping) else None
    prop = resolve_schema(properties.get(name), document) if isinstance(properties, Mapping) else None
    for kind in _types(prop):
        if kind == "string":
            return text
        if kind == "integer":
            try:
                return int(text)
            except ValueError:
                continue
        if kind == "number":
            try:
                number = float(text)
                return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
            except ValueError:
                continue
        if kind == "boolean" and text.lower() in ("true", "false", "1", "0", "yes", "no"):
            return text.lower() in ("true", "1", "yes")
        if kind == "null" and text in ("null", ""):
            return None
        if kind in ("array", "object"):
            try:
                value = json.loads(text)
            except ValueError:
                continue
            if isinstance(value, list if kind == "array" else dict):
                return value
    return text


def undeclared_inputs(schema: Any, inputs: Mapping[str, Any], document: Mapping[str, Any] | None = None) -> list[str]:
    """The names in ``inputs`` the schema does not declare (a warning, design.md §3), unless
    the schema admits other properties explicitly (``additionalProperties``,
    ``patternProperties``)."""
    root = resolve_schema(schema, document)
    if not isinstance(root, Mapping):
        return [] if root is True else sorted(inputs)
    if "patternProperties" in root or root.get("additionalProperties", False) is not False:
        return []
    properties = root.get("properties")
    declared = properties if isinstance(properties, Mapping) else {}
    return sorted(name for name in inputs if name not in declared)


# How close (difflib ratio of the lower-cased names) an undeclared input must be to a declared
# one to be taken for a typo of it: 'inboundRequestURL' (1.0), 'frendlyName' (0.96), 'nme' for
# 'name' (0.86); 'id' for 'ids' (0.8) is not.  A name longer or shorter by more than two
# characters is another word ('phoneNumber' beside 'phoneNumberSid'): a note, not a typo.
_TYPO_CUTOFF = 0.85
_TYPO_LENGTH = 2


def misspelled_inputs(
    schema: Any, inputs: Mapping[str, Any], document: Mapping[str, Any] | None = None
) -> list[tuple[str, str]]:
    """(given, declared) for each undeclared input whose name is close to a declared one.

    Compared case-insensitively with difflib (ratio 0.85 or more, lengths within two
    characters): ``inboundRequestURL`` -> ``inboundRequestUrl``.
    Empty when the schema admits other properties (see :func:`undeclared_inputs`).
    """
    undeclared = undeclared_inputs(schema, inputs, document)
    if not undeclared:
        return []
    root = resolve_schema(schema, document)
    properties = root.get("properties") if isinstance(root, Mapping) else None
    declared = [name for name in properties if isinstance(name, str)] if isinstance(properties, Mapping) else []
    by_folded = {name.lower(): name for name in declared}
    found = []
    for name in undeclared:
        near = [key for key in by_folded if abs(len(key) - len(name)) <= _TYPO_LENGTH]
        close = difflib.get_close_matches(name.lower(), near, n=1, cutoff=_TYPO_CUTOFF)
        if close:
            found.append((name, by_folded[close[0]]))
    return found


def apply_defaults(schema: Any, inputs: Mapping[str, Any], document: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``inputs`` with the schema's ``default``s filled in for absent properties (nested too)."""
    result = copy.deepcopy(dict(inputs))
    _fill(resolve_schema(schema, document), result, document, 0)
    return result


def _fill(schema: Any, value: dict[str, Any], document: Mapping[str, Any] | None, depth: int) -> None:
    if depth > 32 or not isinstance(schema, Mapping):
        return
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return
    for name, prop in properties.items():
        prop = resolve_schema(prop, document)
        if not isinstance(prop, Mapping):
            continue
        if name not in value and "default" in prop:
            value[name] = copy.deepcopy(prop["default"])
        if isinstance(value.get(name), dict):
            _fill(prop, value[name], document, depth + 1)


def validate_inputs(
    schema: Any,
    inputs: Mapping[str, Any],
    *,
    document: Mapping[str, Any] | None = None,
    schema_pointer: str | None = None,
    workflow_id: str | None = None,
) -> dict[str, Any]:
    """Defaulted inputs, or InputsError listing every problem.

    With ``document`` and ``schema_pointer`` (where ``schema`` sits in it, e.g.
    ``/workflows/0/inputs``) the schema's ``$ref``s resolve inside the document.
    """
    if not isinstance(inputs, Mapping):
        raise InputsError([f"inputs must be an object, not {type(inputs).__name__}"], workflow_id)
    values = apply_defaults(schema, inputs, document)
    if schema is None or schema is True or schema == {}:
        return values
    typos = [
        f"input {given!r} is not declared; did you mean {declared!r}?"
        for given, declared in misspelled_inputs(schema, inputs, document)
    ]
    from .schema import simple_errors

    try:
        _check_schema(schema)
        simple = simple_errors(schema, values)
        if simple is not None:
            problems = [_message(path, keyword, message) for path, keyword, message in sorted(simple, key=_path_key)]
        else:
            problems = [_describe(error) for error in _errors(schema, values, document, schema_pointer)]
    except Exception as exc:  # noqa: BLE001 - whatever the schema library stumbled on
        # a broken schema is the document's mistake, not the caller's: say where it is
        what = f"workflow {workflow_id!r}" if workflow_id else "the workflow"
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputsSchemaError(f"the inputs schema of {what} is not a valid JSON Schema: {detail}") from None
    if typos or problems:
        raise InputsError(typos + problems, workflow_id)
    return values


_BASE = "urn:arazzo-runner:document"


def _errors(schema: Any, values: Any, document: Mapping[str, Any] | None, pointer: str | None) -> list[Any]:
    # jsonschema is imported here only: it costs a tenth of a second at start-up
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    if document is not None and pointer is not None:
        resource = Resource.from_contents(dict(document), default_specification=DRAFT202012)
        registry: Registry[Any] = Registry().with_resource(_BASE, resource)
        validator = Draft202012Validator({"$ref": f"{_BASE}#{pointer}"}, registry=registry)
    else:
        validator = Draft202012Validator(schema)
    return sorted(validator.iter_errors(values), key=lambda error: [str(p) for p in error.absolute_path])


_JSON_TYPES = frozenset({"string", "integer", "number", "boolean", "null", "array", "object"})


class InputsSchemaError(DocumentError):
    """A workflow's inputs schema is not a valid JSON Schema (``path``: where in the schema)."""

    path: tuple[Any, ...] = ()


def check_inputs_schema(schema: Any) -> None:
    """Raise InputsSchemaError when ``schema`` is not a JSON Schema jsonschema could apply."""
    _check_schema(schema)


def _check_schema(schema: Any) -> None:
    """Refuse a schema that jsonschema could not apply (unknown types, bad keyword values)."""
    from .schema import SUPPORTED

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
    :func:`.schema.simple_errors` may check it (else jsonschema must)."""
    return _plain(schema)


def _plain(schema: Any, depth: int = 0) -> bool:
    """Whether the simple keywords of ``schema`` have values of the right JSON types."""
    import re

    if isinstance(schema, bool):
        return True
    if not isinstance(schema, Mapping) or depth > 32:
        return False
    numbers = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
    counts = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
    for key, value in schema.items():
        if key in numbers and (isinstance(value, bool) or not isinstance(value, (int, float))):
            return False
        if key in counts and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            return False
        if key == "type" and not (
            (isinstance(value, str) and value in _JSON_TYPES)
            or (isinstance(value, list) and all(t in _JSON_TYPES for t in value))
        ):
            return False
        if key == "required" and not (isinstance(value, list) and all(isinstance(n, str) for n in value)):
            return False
        if key == "enum" and not isinstance(value, list):
            return False
        if key == "pattern":
            try:
                re.compile(value)
            except (re.error, TypeError):
                return False
        if key == "properties" and not (
            isinstance(value, Mapping) and all(_plain(v, depth + 1) for v in value.values())
        ):
            return False
        if key in ("items", "additionalProperties") and not _plain(value, depth + 1):
            return False
    return True


def _path_key(error: tuple[Any, ...]) -> list[str]:
    return [str(p) for p in error[0]]


def _describe(error: Any) -> str:
    return _message(tuple(error.absolute_path), str(error.validator), error.message)


def _message(absolute_path: tuple[Any, ...], keyword: str, message: str) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in absolute_path)
    if keyword == "required" and "'" in message:
        missing = message.split("'")[1]
        return f"missing required input {(path[1:] + '.' if path else '') + missing!r}"
    return f"inputs{path}: {message}"
