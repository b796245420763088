"""The inputs a workflow declares, read from its ``inputs`` JSON Schema (``$ref`` s followed,
``allOf``/``anyOf``/``oneOf`` branches visited)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .lookups import InputsInfo

__all__ = ["inputs_info"]

_COMPOSITE = ("allOf", "anyOf", "oneOf")


def inputs_info(schema: Any, document: Any) -> InputsInfo:
    """What ``schema`` (a workflow's inputs) declares; ``document`` resolves its ``$ref`` s."""
    from ..schemas.refs import resolve_schema

    names: set[str] = set()
    required: set[str] = set()
    state = {"open": False, "properties": False}

    def visit(node: Any, depth: int, top: bool) -> None:
        node = resolve_schema(node, document if isinstance(document, Mapping) else None)
        if depth > 8 or not isinstance(node, Mapping):
            if node is not None and node is not False:
                state["open"] = True
            return
        if isinstance(node.get("$ref"), str):  # a reference resolve_schema could not follow
            state["open"] = True
        properties = node.get("properties")
        if isinstance(properties, Mapping):
            state["properties"] = True
            names.update(name for name in properties if isinstance(name, str))
        if "patternProperties" in node or node.get("additionalProperties", False) not in (False, None):
            state["open"] = True
        listed = node.get("required")
        if top and isinstance(listed, list):
            required.update(name for name in listed if isinstance(name, str))
        for keyword in _COMPOSITE:
            branches = node.get(keyword)
            if isinstance(branches, list):
                for branch in branches:
                    visit(branch, depth + 1, top and keyword == "allOf")

    if schema is None:
        return InputsInfo(frozenset(), False)
    visit(schema, 0, True)
    if not state["properties"]:
        state["open"] = True
    return InputsInfo(frozenset(names), bool(state["open"]), frozenset(required))
