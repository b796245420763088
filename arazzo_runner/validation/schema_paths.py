"""Whether a JSON pointer can exist in a value a JSON Schema describes (message payloads and
headers of AsyncAPI documents).

The walk is meant to report a pointer only when the schema clearly cannot have it: a property
that an object schema listing its ``properties`` does not list (unless ``additionalProperties``
or a matching ``patternProperties`` allows it), an index past a closed ``prefixItems``, a member
of a string or number, a name in an array.  Whatever the walk cannot judge (``if``/``then``,
dynamic references, a ``$ref`` it cannot follow, a schema with no ``properties``) admits the
pointer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Optional

__all__ = ["Miss", "SchemaPaths"]

_MAX_DEPTH = 32
_SCALARS = ("string", "number", "integer", "boolean", "null")
_BRANCHES = ("allOf", "anyOf", "oneOf")
# keywords whose effect on the members of a value the walk does not follow
_OPAQUE = ("if", "then", "else", "dependentSchemas", "$dynamicRef", "$recursiveRef", "unevaluatedProperties")

Follow = Callable[[Any, Optional[str]], tuple[Any, Optional[str]]]
"""Follows a ``$ref`` schema: ``(schema, base uri) -> (target, its base uri)``; raises when it cannot."""


class Miss:
    """Where a pointer left the schema: the number of the token that cannot exist there, and
    the member names the schema lists at that point (for a "did you mean")."""

    __slots__ = ("at", "names")

    def __init__(self, at: int, names: frozenset[str] = frozenset()) -> None:
        self.at, self.names = at, names

    def __repr__(self) -> str:
        return f"Miss({self.at}, {sorted(self.names)})"


def _deepest(misses: Sequence[Miss]) -> Miss:
    at = max(m.at for m in misses)
    return Miss(at, frozenset().union(*(m.names for m in misses if m.at == at)))


class SchemaPaths:
    """Walks schemas, following ``$ref`` s with ``follow``."""

    def __init__(self, follow: Follow) -> None:
        self.follow = follow

    def miss(
        self, schema: Any, uri: Optional[str], tokens: Sequence[str], *, fold_case: bool = False
    ) -> Optional[Miss]:
        """None when a value of ``schema`` may have the member ``tokens`` lead to, else where it
        cannot.  ``fold_case`` compares the first token without case (header names)."""
        return self._miss(schema, uri, tokens, 0, fold_case, 0)

    def _miss(
        self, schema: Any, uri: Optional[str], tokens: Sequence[str], at: int, fold: bool, depth: int
    ) -> Optional[Miss]:
        if at >= len(tokens) or depth > _MAX_DEPTH:
            return None
        if isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
            try:
                target, target_uri = self.follow(schema, uri)
            except Exception:  # a $ref that leads nowhere: cannot tell (the source rules say why)
                return None
            siblings = {key: value for key, value in schema.items() if key != "$ref"}
            if not _describes_members(siblings) and not any(key in siblings for key in _BRANCHES):
                return self._miss(target, target_uri, tokens, at, fold, depth + 1)
            # a $ref beside other keywords (JSON Schema 2020-12): both apply, as in an allOf
            return self._miss({"allOf": [target, siblings]}, uri, tokens, at, fold, depth + 1)
        if schema is False:
            return Miss(at)
        if not isinstance(schema, Mapping) or any(key in schema for key in _OPAQUE):
            return None
        misses: list[Miss] = []
        branches = [b for key in _BRANCHES if isinstance(schema.get(key), list) for b in schema[key]]
        for branch in branches:
            found = self._miss(branch, uri, tokens, at, fold, depth + 1)
            if found is None:
                return None
            misses.append(found)
        own = self._own(schema, uri, tokens, at, fold and at == 0, depth)
        if own is None:
            # a schema made only of branches says nothing itself: the branches decide
            if branches and not _describes_members(schema):
                return _deepest(misses)
            return None
        return _deepest(misses + [own])

    def _own(
        self, schema: Mapping[str, Any], uri: Optional[str], tokens: Sequence[str], at: int, fold: bool, depth: int
    ) -> Optional[Miss]:
        """The schema's own keywords (not its branches)."""
        token = tokens[at]
        properties = schema.get("properties")
        listed = properties if isinstance(properties, Mapping) else {}
        name = _listed(listed, token, fold)
        if name is not None:
            return self._miss(listed[name], uri, tokens, at + 1, False, depth + 1)
        kind = schema.get("type")
        kinds = set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()
        if _is_index(token) and ("items" in schema or "prefixItems" in schema or "array" in kinds):
            return self._item(schema, uri, tokens, at, depth)
        patterns = schema.get("patternProperties")
        for pattern, sub in patterns.items() if isinstance(patterns, Mapping) else ():
            try:
                matches = re.search(pattern, token) is not None
            except (re.error, TypeError):
                return None  # a pattern Python cannot read: cannot tell
            if matches:
                return self._miss(sub, uri, tokens, at + 1, False, depth + 1)
        additional = schema.get("additionalProperties")
        if additional is False:
            return Miss(at, frozenset(listed))
        if additional is not None and additional is not True:
            return self._miss(additional, uri, tokens, at + 1, False, depth + 1)
        if additional is True:
            return None
        if listed:
            return Miss(at, frozenset(listed))  # an object that lists its members, not this one
        if kinds and kinds <= set(_SCALARS) | {"array"} and "object" not in kinds:
            return Miss(at)  # a string, a number... or an array named by a non-index
        return None

    def _item(
        self, schema: Mapping[str, Any], uri: Optional[str], tokens: Sequence[str], at: int, depth: int
    ) -> Optional[Miss]:
        token = tokens[at]
        prefix = schema.get("prefixItems")
        items = schema.get("items")
        if isinstance(items, list):  # draft-07 tuple form (AsyncAPI 2 schemas)
            prefix, items = items, schema.get("additionalItems")
        if token.isdigit() and isinstance(prefix, list) and int(token) < len(prefix):
            return self._miss(prefix[int(token)], uri, tokens, at + 1, False, depth + 1)
        if items is False:
            return Miss(at)
        if items is None or items is True:
            return None
        return self._miss(items, uri, tokens, at + 1, False, depth + 1)


def _is_index(token: str) -> bool:
    return token == "-" or (token.isdigit() and (token == "0" or not token.startswith("0")))


def _listed(properties: Mapping[str, Any], token: str, fold: bool) -> Optional[str]:
    if token in properties:
        return token
    if fold:
        lowered = token.lower()
        for name in properties:
            if isinstance(name, str) and name.lower() == lowered:
                return name
    return None


def _describes_members(schema: Mapping[str, Any]) -> bool:
    return any(key in schema for key in ("properties", "additionalProperties", "patternProperties", "items",
                                          "prefixItems", "type"))  # fmt: skip
