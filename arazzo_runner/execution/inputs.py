"""Workflow inputs: coerced from the command line, defaulted, and validated before any request.

Inputs are checked against the workflow's ``inputs`` JSON Schema (2020-12; ``$ref``s resolve in
the document, by JSON Pointer, ``$anchor`` or ``$id``: :mod:`arazzo_runner.schemas`, shared with
validation).  Every problem is listed, not only the first.  An
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

from ..errors import ExecutionError, Location
from ..schemas.check import InputsSchemaError, check_inputs_schema, schema_is_plain
from ..schemas.refs import resolve_schema

__all__ = [
    "InputsError",
    "coerce_cli_value",
    "apply_defaults",
    "validate_inputs",
    "resolve_schema",
    "undeclared_inputs",
    "misspelled_inputs",
    "schema_is_plain",
    "check_inputs_schema",
    "InputsSchemaError",
]


class InputsError(ExecutionError):
    """The inputs given do not fit the workflow's inputs schema (every problem listed)."""

    type = "inputs"

    def __init__(self, problems: list[str], workflow_id: str | None = None) -> None:
        self.problems = problems
        what = f"workflow {workflow_id!r}" if workflow_id else "the workflow"
        listed = "; ".join(problems)
        super().__init__(f"invalid inputs for {what}: {listed}")


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
    """The names in ``inputs`` the schema does not declare (a warning, docs/decisions.md #11), unless
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
    location: Location | None = None,
) -> dict[str, Any]:
    """Defaulted inputs, or InputsError listing every problem.

    With ``document`` and ``schema_pointer`` (where ``schema`` sits in it, e.g.
    ``/workflows/0/inputs``) the schema's ``$ref``s resolve inside the document (JSON
    Pointers, ``$anchor`` s and ``$id`` s; nothing is fetched).  A schema that is not a valid
    JSON Schema, or a ``$ref`` that leads nowhere, is InputsSchemaError: at ``location`` (of
    the workflow's ``inputs``), or at the ``$ref`` itself when that is known.
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
    from ..schemas.fastpath import simple_errors
    from ..schemas.validate import schema_errors

    what = f"workflow {workflow_id!r}" if workflow_id else "the workflow"
    try:
        check_inputs_schema(schema)
        simple = simple_errors(schema, values)
        if simple is not None:
            problems = [_message(path, keyword, message) for path, keyword, message in sorted(simple, key=_path_key)]
        else:
            found = schema_errors(schema, values, document=document, pointer=schema_pointer)
            problems = [_describe(error) for error in found]
    except InputsSchemaError as error:
        raise InputsSchemaError(f"the inputs schema of {what}: {error.message}", _at(location, error.pointer)) from None
    except Exception as exc:  # noqa: BLE001 - whatever the schema library stumbled on
        # a broken schema is the document's mistake, not the caller's: say where it is
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputsSchemaError(f"the inputs schema of {what} is not a valid JSON Schema: {detail}", location) from None
    if typos or problems:
        raise InputsError(typos + problems, workflow_id)
    return values


def _at(location: Location | None, pointer: str | None) -> Location | None:
    """``location`` moved to ``pointer`` (absolute, in the same document), when both are known."""
    if location is None or pointer is None:
        return location
    # a Location only offers child(); rebuild one at the absolute pointer, keeping its resolver
    return Location(location.file, pointer, resolver=getattr(location, "_resolver", None))


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
