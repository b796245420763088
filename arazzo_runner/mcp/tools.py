"""Workflows as MCP tools: the name, description, input and output schemas a client sees.

A tool's input schema is the workflow's inputs schema with every ``$ref`` inlined (a client
sees plain JSON Schema), less the inputs the server fixes itself: those given with
``-i NAME=VALUE`` and every ``format: password`` input, which never pass through the model
(``-i``, or ``ARAZZO_INPUT_<NAME>`` in the server's environment).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..model import Workflow

__all__ = [
    "WorkflowTool",
    "declared_names",
    "inline_refs",
    "input_schema",
    "output_schema",
    "password_names",
    "property_schema",
    "tool_name",
]

_NOT_NAME = re.compile(r"[^A-Za-z0-9_.-]+")
MAX_NAME = 64  # what the most restrictive clients accept (the specification allows 128)
MAX_DEPTH = 32  # a recursive schema is cut here


@dataclass
class WorkflowTool:
    """One tool: the workflow it runs, on which Runner, and what the server fixes itself."""

    name: str
    workflow_id: str
    runner: Any
    description: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    fixed: dict[str, Any] = field(default_factory=dict)  # -i values, every call
    secret: tuple[str, ...] = ()  # format: password inputs (from -i or ARAZZO_INPUT_<NAME>)
    document: str = ""  # the document's path as given


def is_valid_name(name: str) -> bool:
    """Whether ``name`` is already a valid MCP tool name."""
    return 0 < len(name) <= MAX_NAME and _NOT_NAME.search(name) is None


def tool_name(workflow_id: str, taken: set[str]) -> str:
    """A valid, unique MCP tool name for ``workflow_id`` (``[A-Za-z0-9_.-]``, at most 64)."""
    import unicodedata

    # letters with accents keep their base letter (``ünïcode`` -> ``unicode``)
    plain = unicodedata.normalize("NFKD", workflow_id).encode("ascii", "ignore").decode("ascii")
    base = _NOT_NAME.sub("_", plain).strip("_") or "workflow"
    base = base[:MAX_NAME]
    name, number = base, 2
    while name in taken:
        suffix = f"-{number}"
        name, number = base[: MAX_NAME - len(suffix)] + suffix, number + 1
    taken.add(name)
    return name


def description_of(workflow: Workflow, document: str) -> str:
    """The workflow's summary and description, and where it comes from."""
    parts = [
        text.strip() for text in (workflow.summary, workflow.description) if isinstance(text, str) and text.strip()
    ]
    parts.append(f"(Arazzo workflow {workflow.workflow_id!r} of {document})")
    return "\n\n".join(parts)


def inline_refs(schema: Any, document: Mapping[str, Any] | None, uri: str | None = None) -> Any:
    """``schema`` with every ``$ref`` replaced by what it names (JSON Pointers, anchors and
    ``$id`` s of the Arazzo document); a recursive one is cut to ``{}`` after MAX_DEPTH levels,
    an unresolvable one left as written."""
    if document is None:
        return copy.deepcopy(schema)
    from ..schemas.refs import schema_index

    index = schema_index(document, uri)

    def walk(node: Any, depth: int, stack: tuple[int, ...]) -> Any:
        if isinstance(node, list):
            return [walk(item, depth + 1, stack) for item in node]
        if not isinstance(node, Mapping):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            found, target = index.lookup(ref, index.base_of(node))
            if found and isinstance(target, Mapping):
                if id(target) in stack or depth > MAX_DEPTH:
                    return {"description": f"(recursive: {ref})"}
                merged = {**walk(target, depth + 1, (*stack, id(target)))}
                merged.update({k: walk(v, depth + 1, stack) for k, v in node.items() if k != "$ref"})
                return merged
        return {key: walk(value, depth + 1, stack) for key, value in node.items()}

    return walk(schema, 0, ())


def _parts(schema: Any, depth: int = 0) -> list[dict[str, Any]]:
    """``schema`` and the branches of its ``allOf``/``anyOf``/``oneOf`` (recursively): the
    places an object's properties may be declared."""
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return []
    found = [schema]
    for keyword in ("allOf", "anyOf", "oneOf"):
        branches = schema.get(keyword)
        for branch in branches if isinstance(branches, list) else []:
            found.extend(_parts(branch, depth + 1))
    return found


def declared_names(schema: Any) -> set[str]:
    """The top-level inputs ``schema`` (inlined) declares, in any of its parts."""
    names: set[str] = set()
    for part in _parts(schema):
        properties = part.get("properties")
        if isinstance(properties, Mapping):
            names.update(str(name) for name in properties)
    return names


def property_schema(schema: Any, name: str) -> Any:
    """The schema of top-level input ``name`` in ``schema`` (inlined): the first part declaring it."""
    for part in _parts(schema):
        properties = part.get("properties")
        if isinstance(properties, Mapping) and name in properties:
            return properties[name]
    return None


def password_names(schema: Any) -> tuple[str, ...]:
    """The top-level inputs of ``schema`` (inlined) marked ``format: password``, in any part."""
    found: dict[str, None] = {}
    for part in _parts(schema):
        properties = part.get("properties")
        for name, value in properties.items() if isinstance(properties, Mapping) else ():
            if any(sub.get("format") == "password" for sub in _parts(value)):
                found[str(name)] = None
    return tuple(found)


def input_schema(schema: Any, hidden: set[str]) -> dict[str, Any]:
    """The tool's input schema: ``schema`` (inlined) without the ``hidden`` inputs (in every
    part of it); always an object schema, as MCP requires."""
    kind = schema.get("type") if isinstance(schema, Mapping) else None
    if not isinstance(schema, Mapping) or not (
        kind in ("object", None) or (isinstance(kind, list) and "object" in kind)
    ):
        return {"type": "object", "properties": {}}
    result = copy.deepcopy(dict(schema))
    for part in _parts(result):
        properties = part.get("properties")
        if isinstance(properties, Mapping):
            part["properties"] = {name: value for name, value in properties.items() if name not in hidden}
        required = part.get("required")
        if isinstance(required, list):
            kept = [name for name in required if name not in hidden]
            if kept:
                part["required"] = kept
            else:
                part.pop("required", None)
    result["type"] = "object"
    result.setdefault("properties", {})
    result.pop("$schema", None)
    result.pop("$id", None)
    return result


def output_schema(workflow: Workflow) -> dict[str, Any]:
    """An object with one property per workflow output (its value's type is not declared)."""
    return {
        "type": "object",
        "properties": {name: {"description": f"workflow output {name!r}"} for name in workflow.outputs},
    }
