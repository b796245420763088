"""Secrets of a run: ``format: password`` inputs found, and every secret replaced by ``***``."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import fields, is_dataclass, replace
from typing import Any
from urllib.parse import quote, quote_plus

from ..errors import ArazzoError
from .inputs import resolve_schema
from .results import REDACTED

__all__ = ["password_inputs", "Secrets"]

_MIN_SECRET = 3  # shorter strings are not searched for in free text (they would shred it)


def password_inputs(schema: Any, value: Any, document: Mapping[str, Any] | None = None, depth: int = 0) -> set[str]:
    """The strings of ``value`` that its schema marks ``format: password`` (nested too)."""
    found: set[str] = set()
    schema = resolve_schema(schema, document)
    if not isinstance(schema, Mapping) or depth > 32:
        return found
    if schema.get("format") == "password" and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        found.add(str(value))
    for keyword in ("allOf", "anyOf", "oneOf"):
        branches = schema.get(keyword)
        for branch in branches if isinstance(branches, list) else []:
            found |= password_inputs(branch, value, document, depth + 1)
    if isinstance(value, Mapping):
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            sub = properties.get(key, extra if isinstance(extra, Mapping) else None)
            if sub is not None:
                found |= password_inputs(sub, item, document, depth + 1)
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for item in value:
            found |= password_inputs(schema["items"], item, document, depth + 1)
    return found


class Secrets:
    """The secret strings of one run, and their replacement by ``***`` in what it records.

    Each secret is also searched in the forms it takes in a request: URL-encoded and as a
    JSON string.  Strings shorter than 3 characters are not searched in free text (headers
    and query parameters that carry credentials are redacted by name whatever their length).
    """

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()
        for value in values:
            self.add(value)

    def add(self, value: Any) -> None:
        if not isinstance(value, str) or len(value) < _MIN_SECRET:
            return
        forms = {value, quote_plus(value), quote(value, safe=""), json.dumps(value)[1:-1]}
        forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
        new = {form for form in forms if len(form) >= _MIN_SECRET} - self._values
        if new:
            with self._lock:
                self._values |= new
                self._pattern = None

    def __bool__(self) -> bool:
        return bool(self._values)

    def __contains__(self, value: object) -> bool:
        return value in self._values

    def text(self, text: str) -> str:
        """``text`` with every secret replaced by ``***``."""
        if not self._values:
            return text
        pattern = self._pattern
        if pattern is None:
            with self._lock:
                ordered = sorted(self._values, key=len, reverse=True)  # the longest form first
                pattern = self._pattern = re.compile("|".join(re.escape(v) for v in ordered))
        return pattern.sub(REDACTED, text)

    def minus(self, *others: Secrets) -> Secrets:
        """The secrets of this set that none of ``others`` holds (in any of their forms)."""
        left = Secrets()
        left._values = set(self._values).difference(*(other._values for other in others))
        return left

    def value(self, value: Any) -> Any:
        """``value`` redacted: strings, containers and dataclasses (frozen ones copied,
        others such as StepResult and RunResult updated in place with new values)."""
        if not self._values:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, tuple):
            return tuple(self.value(item) for item in value)
        if is_dataclass(value) and not isinstance(value, type):
            changes = {f.name: self.value(getattr(value, f.name)) for f in fields(value) if f.init}
            if getattr(value, "__dataclass_params__").frozen:  # noqa: B009 - a dataclass internal
                return replace(value, **changes)
            for name, item in changes.items():
                setattr(value, name, item)  # new containers: the engine's own stay untouched
            return value
        return value

    def error(self, error: ArazzoError) -> ArazzoError:
        """``error`` with its message (and listed problems) redacted, in place."""
        if self._values:
            error.message = self.text(error.message)
            error.args = tuple(self.text(a) if isinstance(a, str) else a for a in error.args)
            problems = getattr(error, "problems", None)
            if isinstance(problems, list):
                error.problems = [self.text(p) if isinstance(p, str) else p for p in problems]  # type: ignore[attr-defined]
        return error
