"""The engine's values as plain JSON data, and back: what crosses Temporal (its history holds JSON).

Events, results and records are dataclasses of :mod:`arazzo_runner.execution.results`;
they travel as ``{"$type": class name, field: value, ...}``, a :class:`~arazzo_runner.errors.Location`
as ``{"$type": "Location", ...}``, a missing value as ``{"$type": "MISSING"}``.  Data from a
document or a response is JSON already; a dict of it that happens to hold a ``"$type"`` key
is wrapped (``{"$dict": {...}}``) so that it never reads back as one of ours.
"""

from __future__ import annotations

import base64
from dataclasses import fields, is_dataclass
from typing import Any

from ..errors import Location
from ..execution import results
from ..expressions import HttpMessage
from ..missing import MISSING

__all__ = ["to_wire", "from_wire", "message_to_wire", "message_from_wire"]

_TYPES: dict[str, type] = {
    name: value
    for name, value in vars(results).items()
    if isinstance(value, type) and is_dataclass(value) and value.__module__ == results.__name__
}
_MARKS = ("$type", "$dict", "$tuple", "$bytes")


def to_wire(value: Any) -> Any:
    """``value`` as JSON data (see the module's docstring)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if value is MISSING:
        return {"$type": "MISSING"}
    if isinstance(value, dict):
        data = {str(key): to_wire(item) for key, item in value.items()}
        return {"$dict": data} if any(mark in data for mark in _MARKS) else data
    if isinstance(value, list):
        return [to_wire(item) for item in value]
    if isinstance(value, tuple):
        return {"$tuple": [to_wire(item) for item in value]}
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Location):
        return {
            "$type": "Location",
            "file": value.file,
            "pointer": value.pointer,
            "line": value.line,
            "column": value.column,
        }
    if is_dataclass(value) and type(value).__name__ in _TYPES:
        data = {"$type": type(value).__name__}
        for item in fields(value):
            data[item.name] = to_wire(getattr(value, item.name))
        return data
    return str(value)  # what else a body may hold (a parsed XML value's text)


def from_wire(value: Any) -> Any:
    """The value :func:`to_wire` made ``value`` from."""
    if isinstance(value, list):
        return [from_wire(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "$dict" in value and len(value) == 1:
        return {key: from_wire(item) for key, item in value["$dict"].items()}
    if "$tuple" in value and len(value) == 1:
        return tuple(from_wire(item) for item in value["$tuple"])
    if "$bytes" in value and len(value) == 1:
        return base64.b64decode(value["$bytes"])
    kind = value.get("$type")
    if kind is None:
        return {key: from_wire(item) for key, item in value.items()}
    if kind == "MISSING":
        return MISSING
    if kind == "Location":
        return Location(value.get("file"), value.get("pointer", ""), value.get("line"), value.get("column"))
    cls = _TYPES.get(kind)
    if cls is None:
        raise ValueError(f"unknown type {kind!r} in data from Temporal")
    arguments = {key: from_wire(item) for key, item in value.items() if key != "$type"}
    timestamp = arguments.pop("timestamp", None)
    made = cls(**arguments)
    if timestamp is not None:
        object.__setattr__(made, "timestamp", timestamp)
    return made


def message_to_wire(message: HttpMessage | None, body_cap: int | None = None) -> Any:
    """A request or response as expressions see it; a body over ``body_cap`` bytes of JSON
    stays behind (MISSING on the other side)."""
    if message is None:
        return None
    body = message.body
    if body_cap is not None and body is not MISSING and wire_size(body) > body_cap:
        body = MISSING
    return {
        "headers": to_wire(dict(message.headers)),
        "query": to_wire(dict(message.query)),
        "path": to_wire(dict(message.path)),
        "body": to_wire(body),
    }


def message_from_wire(value: Any) -> HttpMessage | None:
    if value is None:
        return None
    return HttpMessage(
        headers=from_wire(value["headers"]),
        query=from_wire(value["query"]),
        path=from_wire(value["path"]),
        body=from_wire(value["body"]),
    )


def wire_size(value: Any) -> int:
    """How many bytes ``value`` takes as JSON (what it adds to a history)."""
    from ..execution.results import json_text

    return len(json_text(to_wire(value)).encode("utf-8"))
