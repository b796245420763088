"""Reading the fields of one object of an Arazzo document, each with the type it must have.

Used by :mod:`arazzo_runner.model_build`.  A field of the wrong type is reported (with the
JSON type found, as a user reads it) and treated as absent; a field the specification does
not define is reported unless it is an ``x-`` extension; a 1.1 field in a 1.0 document is
kept and reported.  :data:`FIELDS` lists the fixed fields of each object.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .errors import Location
from .missing import MISSING

if TYPE_CHECKING:  # model_build imports this module, and the model imports model_build
    from .model import CriterionExpressionType, OutputValue

__all__ = [
    "FIELDS",
    "OLDER_VERSION",
    "REUSABLE",
    "ROOT",
    "VERSION_1_1",
    "Build",
    "FieldOwner",
    "Fields",
    "article",
    "describe",
    "is_schema",
    "keep",
]

T = TypeVar("T")
Build = Callable[[Any, str], T]  # (value, JSON pointer) -> model object

ROOT = "Arazzo Specification"
REUSABLE = "Reusable"

# For each object: its fixed fields in Arazzo 1.0, and the fields Arazzo 1.1 adds.
FIELDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    ROOT: (
        frozenset({"arazzo", "info", "sourceDescriptions", "workflows", "components"}),
        frozenset({"$self"}),
    ),
    "Info": (frozenset({"title", "summary", "description", "version"}), frozenset()),
    "Source Description": (frozenset({"name", "url", "type"}), frozenset()),
    "Workflow": (
        frozenset(
            {
                "workflowId",
                "summary",
                "description",
                "inputs",
                "dependsOn",
                "steps",
                "successActions",
                "failureActions",
                "outputs",
                "parameters",
            }
        ),
        frozenset(),
    ),
    "Step": (
        frozenset(
            {
                "stepId",
                "description",
                "operationId",
                "operationPath",
                "workflowId",
                "parameters",
                "requestBody",
                "successCriteria",
                "onSuccess",
                "onFailure",
                "outputs",
            }
        ),
        frozenset({"channelPath", "action", "correlationId", "timeout", "dependsOn"}),
    ),
    "Parameter": (frozenset({"name", "in", "value"}), frozenset()),
    REUSABLE: (frozenset({"reference", "value"}), frozenset()),
    "Success Action": (
        frozenset({"name", "type", "workflowId", "stepId", "criteria"}),
        frozenset({"parameters"}),
    ),
    "Failure Action": (
        frozenset({"name", "type", "workflowId", "stepId", "retryAfter", "retryLimit", "criteria"}),
        frozenset({"parameters"}),
    ),
    "Components": (
        frozenset({"inputs", "parameters", "successActions", "failureActions"}),
        frozenset(),
    ),
    "Criterion": (frozenset({"context", "condition", "type"}), frozenset()),
    "Criterion Expression Type": (frozenset({"type", "version"}), frozenset()),
    "Expression Type": (frozenset({"type", "version"}), frozenset()),
    # The whole object is 1.1; a selector in a 1.0 document is reported once, where it is used.
    "Selector": (frozenset({"context", "selector", "type"}), frozenset()),
    "Request Body": (frozenset({"contentType", "payload", "replacements"}), frozenset()),
    "Payload Replacement": (frozenset({"target", "value"}), frozenset({"targetSelectorType"})),
}

VERSION_1_1 = (1, 1)
OLDER_VERSION = "this document declares arazzo 1.0.x"


class FieldOwner(Protocol):
    """What :class:`Fields` needs of the builder: where a pointer is, the version's rules,
    a place for problems, and the builders of the objects a field may hold."""

    newer: bool

    def locate(self, pointer: str) -> Location: ...

    def report(self, pointer: str, message: str) -> None: ...

    @property
    def expression_type_kind(self) -> str: ...

    def expression_type(self, data: Mapping[str, Any], pointer: str) -> CriterionExpressionType: ...

    def output(self, value: Any, pointer: str) -> OutputValue: ...


def keep(value: T, pointer: str) -> T:
    """A field's value as it is (the build function of a field that needs no model object)."""
    return value


def _is_string(value: Any) -> bool:
    return isinstance(value, str)


def _is_integer(value: Any) -> bool:
    # JSON Schema counts 5.0 as an integer too.
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_mapping(value: Any) -> bool:
    return isinstance(value, Mapping)


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def is_schema(value: Any) -> bool:
    """Whether ``value`` can be a JSON Schema (a mapping, or a boolean schema)."""
    return isinstance(value, (Mapping, bool))


def _is_string_or_mapping(value: Any) -> bool:
    return isinstance(value, (str, Mapping))


def describe(value: Any) -> str:
    """The JSON type of a value, as a user reads it in a message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return article(type(value).__name__)  # e.g. a YAML timestamp read as a date


def article(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "AEIOUaeiou" else f"a {noun}"


def _escape(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


class Fields:
    """The fields of one object of the document, each read with its expected type."""

    def __init__(self, builder: FieldOwner, data: Mapping[str, Any], pointer: str, kind: str) -> None:
        self.builder = builder
        self.data = data
        self.pointer = pointer
        self.location = builder.locate(pointer)
        self.extensions = self._check_names(kind)

    def _check_names(self, kind: str) -> Mapping[str, Any]:
        known, added = FIELDS[kind]
        extensions: dict[str, Any] = {}
        for key, value in self.data.items():
            if isinstance(key, str) and key.startswith("x-"):
                extensions[key] = value
            elif key in known:
                continue
            elif key in added:
                if not self.builder.newer:
                    where = "the document root" if kind == ROOT else f"a {kind.lower()}"
                    self.builder.report(
                        self._at(key),
                        f"`{key}` on {where} is an Arazzo 1.1 field; {OLDER_VERSION}",
                    )
            # The spec: other fields of a Reusable Object "MUST be ignored", so they are no error.
            elif kind != REUSABLE:
                self.builder.report(
                    self._at(key),
                    f"`{key}` is not a field of {article(kind)} object; extension fields must start with `x-`",
                )
        return MappingProxyType(extensions)

    def _at(self, key: object) -> str:
        return f"{self.pointer}/{_escape(key)}"

    def _get(self, key: str, expected: str, accept: Callable[[Any], bool]) -> Any:
        """The value of a field when it has the expected type, else None (and a problem)."""
        if key not in self.data:
            return None
        value = self.data[key]
        if accept(value):
            return value
        # YAML reads `version: 1.0` or `summary: yes` as a number or a boolean.
        hint = " (quote it)" if expected == "a string" and isinstance(value, (int, float)) else ""
        found = describe(value)
        self.builder.report(self._at(key), f"`{key}` must be {expected}, found {found}{hint}")
        return None

    def raw(self, key: str) -> Any:
        # an absent value is MISSING, never None: None is the document's JSON null
        return self.data.get(key, MISSING)

    def text(self, key: str) -> str | None:
        value: str | None = self._get(key, "a string", _is_string)
        return value

    def integer(self, key: str) -> int | None:
        value = self._get(key, "an integer", _is_integer)
        return None if value is None else int(value)

    def number(self, key: str) -> int | float | None:
        value: int | float | None = self._get(key, "a number", _is_number)
        return value

    def schema(self, key: str) -> Any:
        return self._get(key, "a JSON Schema (a mapping)", is_schema)

    def expression_type(self, key: str) -> str | CriterionExpressionType | None:
        expected = f"a string or {article(self.builder.expression_type_kind)} object"
        value = self._get(key, expected, _is_string_or_mapping)
        if isinstance(value, Mapping):
            return self.builder.expression_type(value, self._at(key))
        text: str | None = value
        return text

    def one(self, key: str, noun: str, build: Build[T]) -> T | None:
        value = self._get(key, article(noun), _is_mapping)
        return None if value is None else build(value, self._at(key))

    def many(self, key: str, noun: str, build: Build[T], accept: Callable[[Any], bool] = _is_mapping) -> tuple[T, ...]:
        items = self._get(key, f"a list of {noun}s", _is_list)
        if items is None:
            return ()
        built: list[T] = []
        for index, item in enumerate(items):
            pointer = f"{self._at(key)}/{index}"
            if accept(item):
                built.append(build(item, pointer))
            else:
                self.builder.report(pointer, f"each entry of `{key}` must be {article(noun)}, found {describe(item)}")
        return tuple(built)

    def strings(self, key: str) -> tuple[str, ...]:
        return self.many(key, "string", keep, accept=_is_string)

    def named(
        self, key: str, noun: str, build: Build[T], accept: Callable[[Any], bool] = _is_mapping
    ) -> Mapping[str, T]:
        entries = self._get(key, f"a mapping of names to {noun}s", _is_mapping)
        built: dict[str, T] = {}
        for name, value in (entries or {}).items():
            pointer = f"{self._at(key)}/{_escape(name)}"
            if not isinstance(name, str):
                found = describe(name)
                self.builder.report(pointer, f"names in `{key}` must be strings, found {found}")
            elif accept(value):
                built[name] = build(value, pointer)
            else:
                self.builder.report(pointer, f"`{name}` in `{key}` must be {article(noun)}, found {describe(value)}")
        return MappingProxyType(built)

    def outputs(self) -> Mapping[str, OutputValue]:
        noun = "runtime expression"
        if self.builder.newer:
            noun += " or Selector object"
        return self.named("outputs", noun, self.builder.output, accept=_is_string_or_mapping)
