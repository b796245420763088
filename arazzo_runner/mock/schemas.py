"""Schemas as the mock uses them: ``$ref`` s inlined, and a conformance check.

:class:`Schemas` turns a schema of an OpenAPI description (or of an Arazzo document) into a
plain tree with every ``$ref`` replaced by its target, so that generating and checking values
need no resolver.  A reference that leads back into itself is cut: the inner occurrence
becomes ``{"x-mock-recursive": true}``, which accepts anything and which the generator
leaves out.  Results are memoised per target, so a large description is inlined once per
schema actually used.  A Discriminator Object is turned into plain JSON Schema on the way
(:mod:`.discriminator`): each branch pinned to the value that selects it.

:meth:`Schemas.conforms` validates a value with openapi-schema-validator (OpenAPI 3.0
``nullable`` and 3.1 JSON Schema alike); it is imported on first use only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..errors import ArazzoError
from .discriminator import DISCRIMINATOR, inherited_values, pin, property_name, selecting_values

__all__ = [
    "RECURSIVE",
    "Schemas",
    "Follow",
    "branch_properties",
    "has_type",
    "normalize_name",
    "properties",
    "schema_types",
]

logger = logging.getLogger(__name__)

RECURSIVE = "x-mock-recursive"
"""Marks where a recursive schema was cut."""

# keywords whose values are data, never schemas
_DATA_KEYWORDS = frozenset({"example", "examples", "enum", "const", "default", "discriminator", "xml", "externalDocs"})
# keywords whose values map names to schemas
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
# keywords that only annotate: a $ref with only these beside it is the target itself
_ANNOTATIONS = frozenset({"description", "summary", "title", "$comment", "deprecated", "readOnly", "writeOnly"})

Follow = Callable[[Any, str], tuple[Any, str, str]]
"""``follow(node_with_ref, base_uri) -> (target, target_uri, target_pointer)``."""


def normalize_name(name: str) -> str:
    """A property or parameter name compared loosely: ``FriendlyName``, ``friendly_name`` and
    ``friendlyName`` all give ``friendlyname``."""
    return "".join(char for char in name.lower() if char.isalnum())


def properties(schema: Any) -> dict[str, Any]:
    """The properties of an object schema, ``allOf`` parts included."""
    if not isinstance(schema, dict):
        return {}
    result: dict[str, Any] = {}
    for part in schema.get("allOf") or []:
        result.update(properties(part))
    own = schema.get("properties")
    if isinstance(own, dict):
        result.update(own)
    return result


def branch_properties(schema: Any) -> dict[str, Any]:
    """The properties of an object schema and of every ``oneOf``/``anyOf`` branch of it (a
    polymorphic resource's id may be declared in each branch only)."""
    result: dict[str, Any] = {}
    for keyword in ("oneOf", "anyOf"):
        branches = schema.get(keyword) if isinstance(schema, dict) else None
        for branch in branches if isinstance(branches, list) else []:
            for name, sub in properties(branch).items():
                result.setdefault(name, sub)
    result.update(properties(schema))
    return result


def schema_types(schema: Any) -> list[Any]:
    """The ``type`` of a schema as a list (empty when it names none)."""
    kind = schema.get("type") if isinstance(schema, dict) else None
    return kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []


def has_type(schema: Any, *names: str) -> bool:
    """Whether a schema's ``type`` is (or lists) one of ``names``."""
    return any(kind in names for kind in schema_types(schema))


class Schemas:
    """Inlines and checks the schemas of one document (OpenAPI ``version`` 3.0, 3.1 or 3.2)."""

    def __init__(self, follow: Follow, base_uri: str, version: str = "3.1.0") -> None:
        self._follow = follow
        self.base_uri = base_uri
        self.version = version
        self._memo: dict[tuple[str, str], Any] = {}
        self._validators: dict[int, tuple[Any, Any]] = {}

    @property
    def is_30(self) -> bool:
        return self.version.startswith("3.0")

    def inline(self, schema: Any, base_uri: str | None = None) -> Any:
        """``schema`` with its ``$ref`` s replaced by their targets (recursion cut)."""
        return self._inline(schema, base_uri or self.base_uri, ())

    def _inline(self, node: Any, uri: str, stack: tuple[tuple[str, str], ...]) -> Any:
        if isinstance(node, list):
            return [self._inline(item, uri, stack) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            try:
                target, target_uri, pointer = self._follow(node, uri)
            except ArazzoError as error:
                logger.debug("mock: cannot follow $ref %r: %s", ref, error)
                return {}
            key = (target_uri, pointer)
            if key in stack:
                return {RECURSIVE: True}
            inlined = self._memo.get(key)
            if inlined is None:
                inlined = self._inline(target, target_uri, (*stack, key))
                inherited = inherited_values(target, target_uri, pointer, self._where)
                if inherited is not None:  # Cat (allOf: [Pet, ...]) carries petType "Cat"
                    inlined = pin(inlined, *inherited)
                self._memo[key] = inlined
            siblings = {k: v for k, v in node.items() if k != "$ref" and k not in _ANNOTATIONS}
            if siblings:
                return {"allOf": [inlined, self._inline(siblings, uri, stack)]}
            return inlined
        result: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DATA_KEYWORDS or key.startswith("x-"):
                result[key] = value
            elif key in _SCHEMA_MAPS and isinstance(value, dict):
                result[key] = {name: self._inline(item, uri, stack) for name, item in value.items()}
            else:
                result[key] = self._inline(value, uri, stack)
        name = property_name(node)
        if name is not None:
            # the discriminator becomes plain JSON Schema: each branch pinned to the values
            # that select it (see .discriminator), the object itself kept as data only
            result[DISCRIMINATOR] = result.pop("discriminator")
            for keyword in ("oneOf", "anyOf"):
                branches = node.get(keyword)
                if isinstance(branches, list) and isinstance(result.get(keyword), list):
                    result[keyword] = [
                        pin(inlined, name, selecting_values(node, branch, uri, self._where))
                        for branch, inlined in zip(branches, result[keyword], strict=True)
                    ]
        return result

    def _where(self, node: Any, uri: str) -> tuple[Any, str, str] | None:
        """Where a ``$ref`` leads (raw target, its uri and pointer); None when nowhere."""
        try:
            return self._follow(node, uri)
        except ArazzoError:
            return None

    # ------------------------------------------------------------------ checking

    def conforms(self, value: Any, schema: Any) -> bool:
        """Whether ``value`` is valid against the inlined ``schema``."""
        if not isinstance(schema, dict) or not schema:
            return True
        validator = self._validator(schema)
        try:
            return bool(validator.is_valid(value))
        except Exception as error:  # a schema the validator cannot read (bad regex, bad type)
            logger.debug("mock: cannot check a value against a schema: %s", error)
            return True

    def errors(self, value: Any, schema: Any) -> list[str]:
        """The messages of what makes ``value`` invalid (empty when it is valid)."""
        if not isinstance(schema, dict) or not schema:
            return []
        try:
            return [
                ("/" + "/".join(str(p) for p in error.absolute_path) + ": " if error.absolute_path else "")
                + error.message
                for error in self._validator(schema).iter_errors(value)
            ]
        except Exception as error:
            logger.debug("mock: cannot check a value against a schema: %s", error)
            return []

    def _validator(self, schema: dict[str, Any]) -> Any:
        cached = self._validators.get(id(schema))
        if cached is not None and cached[0] is schema:
            return cached[1]
        import openapi_schema_validator as osv

        if self.is_30:
            validator = osv.OAS30Validator(schema, format_checker=osv.oas30_format_checker)
        else:
            validator = osv.OAS31Validator(schema, format_checker=osv.oas31_format_checker)
        self._validators[id(schema)] = (schema, validator)
        return validator
