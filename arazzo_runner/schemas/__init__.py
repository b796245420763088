"""The JSON Schemas an Arazzo document holds (workflow ``inputs``, ``components.inputs``).

Shared by validation (which checks them) and execution (which applies them to a run's
inputs), so neither imports the other: :mod:`.check` (is it a schema we can apply),
:mod:`.refs` (``$ref`` by JSON Pointer, ``$anchor`` or ``$id``, never fetched),
:mod:`.fastpath` (simple schemas checked without jsonschema) and :mod:`.validate` (a value
against a schema, by jsonschema).
"""

from __future__ import annotations

from .check import InputsSchemaError, check_inputs_schema, schema_is_plain
from .fastpath import SUPPORTED, simple_errors
from .refs import UnresolvedRef, base_uri, resolve_schema, schema_index, schema_places, unresolved_refs
from .validate import schema_errors

__all__ = [
    "InputsSchemaError",
    "SUPPORTED",
    "UnresolvedRef",
    "base_uri",
    "check_inputs_schema",
    "resolve_schema",
    "schema_errors",
    "schema_index",
    "schema_is_plain",
    "schema_places",
    "simple_errors",
    "unresolved_refs",
]
