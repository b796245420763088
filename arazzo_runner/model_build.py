"""Build the Arazzo model (:mod:`arazzo_runner.model`) from parsed JSON/YAML data.

The builder never gives up on a badly shaped document, so that validation can report everything
at once: a field of the wrong type is recorded as a :class:`~arazzo_runner.model.Problem` and
treated as absent; an unknown field (not ``x-``, not in the specification) is a problem; a 1.1
field in a 1.0 document is kept and reported. Only a root that is not a mapping raises.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any, TypeVar

from .errors import DocumentError, Location
from .missing import MISSING
from .model import (
    ArazzoDocument,
    Components,
    Criterion,
    CriterionExpressionType,
    FailureAction,
    FailureActionEntry,
    Info,
    OutputValue,
    Parameter,
    ParameterEntry,
    PayloadReplacement,
    Problem,
    RequestBody,
    ReusableObject,
    Selector,
    SourceDescription,
    Step,
    SuccessAction,
    SuccessActionEntry,
    Workflow,
)

__all__ = ["build_document"]

T = TypeVar("T")
Build = Callable[[Any, str], T]  # (value, JSON pointer) -> model object

_ROOT = "Arazzo Specification"
_REUSABLE = "Reusable"

# For each object: its fixed fields in Arazzo 1.0, and the fields Arazzo 1.1 adds.
_FIELDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    _ROOT: (
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
    _REUSABLE: (frozenset({"reference", "value"}), frozenset()),
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

_VERSION_1_1 = (1, 1)
_OLDER_VERSION = "this document declares arazzo 1.0.x"


def build_document(
    data: Any,
    *,
    file: str | None,
    locate: Callable[[str], Location],
    minor: tuple[int, int],
) -> ArazzoDocument:
    """Build the model of a parsed Arazzo document.

    Arguments:
        data: the parsed document (dicts, lists, strings, numbers, booleans, None).
        file: the document's path or URL, kept as ``ArazzoDocument.file``.
        locate: the Location of the value at an (RFC 6901 escaped) JSON pointer.
        minor: the version whose rules apply: (1, 0) or (1, 1).

    Raises:
        DocumentError: when the root is not a mapping, and in no other case.
    """
    if not isinstance(data, Mapping):
        raise DocumentError(
            f"an Arazzo document must be a mapping at the top level, found {_describe(data)}",
            locate(""),
        )
    return _Builder(locate, minor).document(data, file)


def _keep(value: T, pointer: str) -> T:
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


def _is_schema(value: Any) -> bool:
    return isinstance(value, (Mapping, bool))


def _is_string_or_mapping(value: Any) -> bool:
    return isinstance(value, (str, Mapping))


def _describe(value: Any) -> str:
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
    return _a(type(value).__name__)  # e.g. a YAML timestamp read as a date


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "AEIOUaeiou" else f"a {noun}"


def _escape(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


class _Builder:
    """Builds the objects of one document and collects the problems met on the way."""

    def __init__(self, locate: Callable[[str], Location], minor: tuple[int, int]) -> None:
        self.locate = locate
        self.minor = minor
        self.newer = minor >= _VERSION_1_1
        self.problems: list[Problem] = []

    def report(self, pointer: str, message: str) -> None:
        self.problems.append(Problem(message, self.locate(pointer)))

    def document(self, data: Mapping[str, Any], file: str | None) -> ArazzoDocument:
        f = _Fields(self, data, "", _ROOT)
        document = ArazzoDocument(
            arazzo=f.text("arazzo"),
            self_uri=f.text("$self"),
            info=f.one("info", "Info object", self.info),
            source_descriptions=f.many("sourceDescriptions", "Source Description object", self.source_description),
            workflows=f.many("workflows", "Workflow object", self.workflow),
            components=f.one("components", "Components object", self.components),
            minor=self.minor,
            file=file,
            extensions=f.extensions,
            location=f.location,
        )
        return replace(document, problems=tuple(self.problems))

    def info(self, data: Mapping[str, Any], pointer: str) -> Info:
        f = _Fields(self, data, pointer, "Info")
        return Info(
            title=f.text("title"),
            summary=f.text("summary"),
            description=f.text("description"),
            version=f.text("version"),
            extensions=f.extensions,
            location=f.location,
        )

    def source_description(self, data: Mapping[str, Any], pointer: str) -> SourceDescription:
        f = _Fields(self, data, pointer, "Source Description")
        return SourceDescription(
            name=f.text("name"),
            url=f.text("url"),
            type=f.text("type"),
            extensions=f.extensions,
            location=f.location,
        )

    def workflow(self, data: Mapping[str, Any], pointer: str) -> Workflow:
        f = _Fields(self, data, pointer, "Workflow")
        return Workflow(
            workflow_id=f.text("workflowId"),
            summary=f.text("summary"),
            description=f.text("description"),
            inputs=f.schema("inputs"),
            depends_on=f.strings("dependsOn"),
            steps=f.many("steps", "Step object", self.step),
            success_actions=f.many("successActions", "Success Action or Reusable object", self.success_action_entry),
            failure_actions=f.many("failureActions", "Failure Action or Reusable object", self.failure_action_entry),
            outputs=f.outputs(),
            parameters=f.many("parameters", "Parameter or Reusable object", self.parameter_entry),
            extensions=f.extensions,
            location=f.location,
        )

    def step(self, data: Mapping[str, Any], pointer: str) -> Step:
        f = _Fields(self, data, pointer, "Step")
        return Step(
            step_id=f.text("stepId"),
            description=f.text("description"),
            operation_id=f.text("operationId"),
            operation_path=f.text("operationPath"),
            workflow_id=f.text("workflowId"),
            channel_path=f.text("channelPath"),
            action=f.text("action"),
            correlation_id=f.raw("correlationId"),
            timeout=f.integer("timeout"),
            depends_on=f.strings("dependsOn"),
            parameters=f.many("parameters", "Parameter or Reusable object", self.parameter_entry),
            request_body=f.one("requestBody", "Request Body object", self.request_body),
            success_criteria=f.many("successCriteria", "Criterion object", self.criterion),
            on_success=f.many("onSuccess", "Success Action or Reusable object", self.success_action_entry),
            on_failure=f.many("onFailure", "Failure Action or Reusable object", self.failure_action_entry),
            outputs=f.outputs(),
            extensions=f.extensions,
            location=f.location,
        )

    def parameter_entry(self, data: Mapping[str, Any], pointer: str) -> ParameterEntry:
        # The spec gives no discriminator: `reference` is the one field a Reusable Object requires.
        if "reference" in data:
            return self.reusable(data, pointer)
        return self.parameter(data, pointer)

    def parameter(self, data: Mapping[str, Any], pointer: str) -> Parameter:
        f = _Fields(self, data, pointer, "Parameter")
        return Parameter(
            name=f.text("name"),
            in_=f.text("in"),
            value=f.raw("value"),
            extensions=f.extensions,
            location=f.location,
        )

    def reusable(self, data: Mapping[str, Any], pointer: str) -> ReusableObject:
        f = _Fields(self, data, pointer, _REUSABLE)
        return ReusableObject(
            reference=f.text("reference"),
            value=f.raw("value"),
            extensions=f.extensions,
            location=f.location,
        )

    def success_action_entry(self, data: Mapping[str, Any], pointer: str) -> SuccessActionEntry:
        if "reference" in data:
            return self.reusable(data, pointer)
        return self.success_action(data, pointer)

    def failure_action_entry(self, data: Mapping[str, Any], pointer: str) -> FailureActionEntry:
        if "reference" in data:
            return self.reusable(data, pointer)
        return self.failure_action(data, pointer)

    def success_action(self, data: Mapping[str, Any], pointer: str) -> SuccessAction:
        f = _Fields(self, data, pointer, "Success Action")
        return SuccessAction(
            name=f.text("name"),
            type=f.text("type"),
            workflow_id=f.text("workflowId"),
            step_id=f.text("stepId"),
            parameters=f.many("parameters", "Parameter or Reusable object", self.parameter_entry),
            criteria=f.many("criteria", "Criterion object", self.criterion),
            extensions=f.extensions,
            location=f.location,
        )

    def failure_action(self, data: Mapping[str, Any], pointer: str) -> FailureAction:
        f = _Fields(self, data, pointer, "Failure Action")
        return FailureAction(
            name=f.text("name"),
            type=f.text("type"),
            workflow_id=f.text("workflowId"),
            step_id=f.text("stepId"),
            parameters=f.many("parameters", "Parameter or Reusable object", self.parameter_entry),
            retry_after=f.number("retryAfter"),
            retry_limit=f.integer("retryLimit"),
            criteria=f.many("criteria", "Criterion object", self.criterion),
            extensions=f.extensions,
            location=f.location,
        )

    def criterion(self, data: Mapping[str, Any], pointer: str) -> Criterion:
        f = _Fields(self, data, pointer, "Criterion")
        return Criterion(
            context=f.text("context"),
            condition=f.text("condition"),
            type=f.expression_type("type"),
            extensions=f.extensions,
            location=f.location,
        )

    @property
    def expression_type_kind(self) -> str:
        return "Expression Type" if self.newer else "Criterion Expression Type"

    def expression_type(self, data: Mapping[str, Any], pointer: str) -> CriterionExpressionType:
        f = _Fields(self, data, pointer, self.expression_type_kind)
        return CriterionExpressionType(
            type=f.text("type"),
            version=f.text("version"),
            extensions=f.extensions,
            location=f.location,
        )

    def output(self, value: Any, pointer: str) -> OutputValue:
        if isinstance(value, str):
            return value
        if not self.newer:
            message = "a Selector Object as an output is an Arazzo 1.1 feature"
            self.report(pointer, f"{message}; {_OLDER_VERSION}")
        return self.selector(value, pointer)

    def selector(self, data: Mapping[str, Any], pointer: str) -> Selector:
        f = _Fields(self, data, pointer, "Selector")
        return Selector(
            context=f.text("context"),
            selector=f.text("selector"),
            type=f.expression_type("type"),
            extensions=f.extensions,
            location=f.location,
        )

    def request_body(self, data: Mapping[str, Any], pointer: str) -> RequestBody:
        f = _Fields(self, data, pointer, "Request Body")
        return RequestBody(
            content_type=f.text("contentType"),
            payload=f.raw("payload"),
            replacements=f.many("replacements", "Payload Replacement object", self.replacement),
            extensions=f.extensions,
            location=f.location,
        )

    def replacement(self, data: Mapping[str, Any], pointer: str) -> PayloadReplacement:
        f = _Fields(self, data, pointer, "Payload Replacement")
        return PayloadReplacement(
            target=f.text("target"),
            target_selector_type=f.expression_type("targetSelectorType"),
            value=f.raw("value"),
            extensions=f.extensions,
            location=f.location,
        )

    def components(self, data: Mapping[str, Any], pointer: str) -> Components:
        f = _Fields(self, data, pointer, "Components")
        return Components(
            inputs=f.named("inputs", "JSON Schema", _keep, accept=_is_schema),
            parameters=f.named("parameters", "Parameter object", self.parameter),
            success_actions=f.named("successActions", "Success Action object", self.success_action),
            failure_actions=f.named("failureActions", "Failure Action object", self.failure_action),
            extensions=f.extensions,
            location=f.location,
        )


class _Fields:
    """The fields of one object of the document, each read with its expected type."""

    def __init__(self, builder: _Builder, data: Mapping[str, Any], pointer: str, kind: str) -> None:
        self.builder = builder
        self.data = data
        self.pointer = pointer
        self.location = builder.locate(pointer)
        self.extensions = self._check_names(kind)

    def _check_names(self, kind: str) -> Mapping[str, Any]:
        known, added = _FIELDS[kind]
        extensions: dict[str, Any] = {}
        for key, value in self.data.items():
            if isinstance(key, str) and key.startswith("x-"):
                extensions[key] = value
            elif key in known:
                continue
            elif key in added:
                if not self.builder.newer:
                    where = "the document root" if kind == _ROOT else f"a {kind.lower()}"
                    self.builder.report(
                        self._at(key),
                        f"`{key}` on {where} is an Arazzo 1.1 field; {_OLDER_VERSION}",
                    )
            # The spec: other fields of a Reusable Object "MUST be ignored", so they are no error.
            elif kind != _REUSABLE:
                self.builder.report(
                    self._at(key),
                    f"`{key}` is not a field of {_a(kind)} object; extension fields must start with `x-`",
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
        found = _describe(value)
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
        return self._get(key, "a JSON Schema (a mapping)", _is_schema)

    def expression_type(self, key: str) -> str | CriterionExpressionType | None:
        expected = f"a string or {_a(self.builder.expression_type_kind)} object"
        value = self._get(key, expected, _is_string_or_mapping)
        if isinstance(value, Mapping):
            return self.builder.expression_type(value, self._at(key))
        text: str | None = value
        return text

    def one(self, key: str, noun: str, build: Build[T]) -> T | None:
        value = self._get(key, _a(noun), _is_mapping)
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
                self.builder.report(pointer, f"each entry of `{key}` must be {_a(noun)}, found {_describe(item)}")
        return tuple(built)

    def strings(self, key: str) -> tuple[str, ...]:
        return self.many(key, "string", _keep, accept=_is_string)

    def named(
        self, key: str, noun: str, build: Build[T], accept: Callable[[Any], bool] = _is_mapping
    ) -> Mapping[str, T]:
        entries = self._get(key, f"a mapping of names to {noun}s", _is_mapping)
        built: dict[str, T] = {}
        for name, value in (entries or {}).items():
            pointer = f"{self._at(key)}/{_escape(name)}"
            if not isinstance(name, str):
                found = _describe(name)
                self.builder.report(pointer, f"names in `{key}` must be strings, found {found}")
            elif accept(value):
                built[name] = build(value, pointer)
            else:
                self.builder.report(pointer, f"`{name}` in `{key}` must be {_a(noun)}, found {_describe(value)}")
        return MappingProxyType(built)

    def outputs(self) -> Mapping[str, OutputValue]:
        noun = "runtime expression"
        if self.builder.newer:
            noun += " or Selector object"
        return self.named("outputs", noun, self.builder.output, accept=_is_string_or_mapping)
