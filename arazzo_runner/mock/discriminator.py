"""The OpenAPI Discriminator Object, turned into plain JSON Schema for the inlined schemas.

A discriminator says which property of an instance names its schema.  The value that selects
a schema is the key of a ``mapping`` entry pointing at it (``dog: '#/components/schemas/Dog'``
or ``dog: Dog``); a schema that no entry points at is selected by its own component name
(``Cat`` for ``#/components/schemas/Cat``: the *implicit* mapping).

Once the ``$ref`` s are inlined, schema names are gone, and a validator resolving
``#/components/schemas/<value>`` against an inlined tree finds nothing.  So the inliner asks
this module for the values each ``oneOf``/``anyOf`` branch (and each schema inheriting a
discriminator through ``allOf``) answers to, and pins the property to them: the plain
``oneOf`` then selects the branch the value names, the generator writes that value, and the
discriminator itself is kept only as data, under :data:`DISCRIMINATOR`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ArazzoError

__all__ = [
    "DISCRIMINATOR",
    "Where",
    "chosen",
    "for_validation",
    "inherited_values",
    "pin",
    "property_name",
    "selecting_values",
    "with_mapping_refs",
]

DISCRIMINATOR = "x-mock-discriminator"
"""Where an inlined schema keeps its Discriminator Object (no validator acts on it there)."""

Where = Callable[[Any, str], "tuple[Any, str, str] | None"]
"""``where(node_with_ref, base_uri) -> (raw target, target uri, target pointer)`` or None."""

_COMPONENT = re.compile(r"^/components/schemas/([^/]+)$")


def property_name(node: Any) -> str | None:
    """The ``propertyName`` of a schema's discriminator, or None when it has none (or a broken one)."""
    discriminator = node.get("discriminator") if isinstance(node, dict) else None
    name = discriminator.get("propertyName") if isinstance(discriminator, dict) else None
    return name if isinstance(name, str) and name else None


def _mapping_ref(value: str) -> str:
    """A mapping value as a reference: a bare schema name is one under components/schemas."""
    if "/" in value or "#" in value or value.endswith((".json", ".yaml", ".yml")):
        return value
    return "#/components/schemas/" + value


def _component_name(pointer: str) -> str | None:
    found = _COMPONENT.match(pointer)
    return found.group(1).replace("~1", "/").replace("~0", "~") if found else None


def _values_for(discriminator: dict[str, Any], uri: str, target: tuple[str, str], where: Where) -> list[str]:
    """The values that select the schema at ``target`` (uri, pointer): its mapping keys, then
    its component name (the first is the one generated values carry)."""
    mapping = discriminator.get("mapping")
    values = []
    for key, value in (mapping if isinstance(mapping, dict) else {}).items():
        if not isinstance(key, str) or not isinstance(value, str):
            continue
        try:
            found = where({"$ref": _mapping_ref(value)}, uri)
        except ArazzoError:
            continue
        if found is not None and (found[1], found[2]) == target:
            values.append(key)
    # a schema under components/schemas also answers to its own name, mapped or not (the
    # mapping adds values; the implicit one still selects it, as validators agree)
    name = _component_name(target[1])
    if name is not None and name not in values:
        values.append(name)
    return values


def selecting_values(node: dict[str, Any], branch: Any, uri: str, where: Where) -> list[str]:
    """The values of ``node``'s discriminating property that select ``branch`` (one of its
    ``oneOf``/``anyOf`` entries, as written): empty when the branch is not a ``$ref``."""
    discriminator = node.get("discriminator")
    if not isinstance(discriminator, dict) or not isinstance(branch, dict) or "$ref" not in branch:
        return []
    try:
        found = where(branch, uri)
    except ArazzoError:
        return []
    return _values_for(discriminator, uri, (found[1], found[2]), where) if found is not None else []


def inherited_values(target: Any, target_uri: str, pointer: str, where: Where) -> tuple[str, list[str]] | None:
    """For a schema that inherits a discriminator through ``allOf`` (``Cat: allOf: [$ref:
    Pet, ...]`` where Pet has one): the property and the values that select it, else None."""
    parts = target.get("allOf") if isinstance(target, dict) else None
    if not isinstance(parts, list) or property_name(target) is not None:
        return None
    for part in parts:
        if not isinstance(part, dict) or "$ref" not in part:
            continue
        try:
            found = where(part, target_uri)
        except ArazzoError:
            continue
        if found is None:
            continue
        parent, parent_uri, _ = found
        name = property_name(parent)
        if name is None or "oneOf" in parent or "anyOf" in parent:
            continue  # a parent choosing among branches already pins them
        values = _values_for(parent["discriminator"], parent_uri, (target_uri, pointer), where)
        return (name, values) if values else None
    return None


def pin(schema: Any, name: str, values: list[str]) -> Any:
    """``schema`` with property ``name`` required and limited to ``values``."""
    if not values:
        return schema
    pinned = {"enum": list(values), "default": values[0]}  # the default: what the generator writes
    return {"allOf": [schema, {"properties": {name: pinned}, "required": [name]}]}


def _pinned(branch: Any) -> tuple[str, list[Any]] | None:
    """The property and values :func:`pin` gave a branch, or None."""
    parts = branch.get("allOf") if isinstance(branch, dict) else None
    last = parts[-1] if isinstance(parts, list) and len(parts) == 2 else None
    if not isinstance(last, dict) or set(last) != {"properties", "required"} or len(last["properties"]) != 1:
        return None
    name, sub = next(iter(last["properties"].items()))
    values = sub.get("enum") if isinstance(sub, dict) and set(sub) == {"enum", "default"} else None
    return (name, values) if isinstance(values, list) else None


def chosen(schema: Any, given: Mapping[str, Any]) -> Any:
    """The branch of an inlined ``oneOf``/``anyOf`` that the discriminating value in ``given``
    selects (the schema's other keywords kept beside it); else ``schema`` itself."""
    if not isinstance(schema, dict):
        return schema
    for keyword in ("oneOf", "anyOf"):
        branches = schema.get(keyword)
        for branch in branches if isinstance(branches, list) else []:
            pinned = _pinned(branch)
            if pinned is not None and pinned[0] in given and given[pinned[0]] in pinned[1]:
                rest = {k: v for k, v in schema.items() if k not in (keyword, DISCRIMINATOR)}
                return {"allOf": [rest, branch]} if rest else branch
    return schema


def with_mapping_refs(node: Any) -> Any:
    """``node`` (a whole description) with each ``mapping`` value that is a bare schema name
    written as the reference it stands for (``Dog`` → ``#/components/schemas/Dog``), for
    validators that read every mapping value as a reference.  Copies only what changes."""
    if isinstance(node, list):
        items = [with_mapping_refs(item) for item in node]
        return items if any(new is not old for new, old in zip(items, node, strict=True)) else node
    if not isinstance(node, dict):
        return node
    changed: dict[str, Any] = {}
    for key, value in node.items():
        if key == "discriminator" and isinstance(value, dict) and isinstance(value.get("mapping"), dict):
            mapping = value["mapping"]
            refs = {k: _mapping_ref(v) if isinstance(v, str) else v for k, v in mapping.items()}
            if refs != mapping:
                changed[key] = {**value, "mapping": refs}
            continue
        new = with_mapping_refs(value)
        if new is not value:
            changed[key] = new
    return {**node, **changed} if changed else node


def for_validation(data: Any) -> Any:
    """A whole description as a validator of requests should read it: mapping values as
    references (:func:`with_mapping_refs`), and each schema of ``components/schemas`` that
    inherits a discriminator through ``allOf`` pinned to the values that select it (a
    validator applies a parent's discriminator only where the parent chooses among branches).
    Copies only what changes; local references only."""
    data = with_mapping_refs(data)
    components = data.get("components") if isinstance(data, dict) else None
    schemas = components.get("schemas") if isinstance(components, dict) else None
    if not isinstance(components, dict) or not isinstance(schemas, dict):
        return data
    table: dict[str, Any] = schemas

    def where(node: Any, uri: str) -> tuple[Any, str, str] | None:
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str) or not ref.startswith("#"):
            return None
        found = _COMPONENT.match(ref[1:])
        if found is None or found.group(1) not in table:
            return None
        return table[found.group(1)], "", ref[1:]

    pinned = {}
    for name, schema in schemas.items():
        inherited = inherited_values(schema, "", "/components/schemas/" + name.replace("~", "~0").replace("/", "~1"),
                                     where)  # fmt: skip
        if inherited is not None:
            pinned[name] = pin(schema, *inherited)
    if not pinned:
        return data
    return {**data, "components": {**components, "schemas": {**table, **pinned}}}
