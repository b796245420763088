"""The Arazzo object model: frozen, slotted dataclasses for every object of Arazzo 1.0.x and 1.1.

Each object keeps its specification extensions (the ``x-`` fields) and its :class:`Location`.
Sequences are tuples; mappings are read-only ``types.MappingProxyType`` views. Raw JSON values
(payloads, parameter values, input schemas, extension values) are the parsed objects themselves,
not copies, because source files can be big: treat them as read-only.

Fields the document leaves out are ``None`` (or empty), except raw JSON values (parameter and
replacement values, payloads), which are ``MISSING`` when absent, since ``None`` is JSON null.
:func:`arazzo_runner.model_build.build_document` turns parsed data into these objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from .errors import Location
from .missing import MISSING

__all__ = [
    "ArazzoDocument",
    "Components",
    "Criterion",
    "CriterionExpressionType",
    "ExpressionType",
    "FailureAction",
    "FailureActionEntry",
    "Info",
    "OutputValue",
    "Parameter",
    "ParameterEntry",
    "PayloadReplacement",
    "Problem",
    "RequestBody",
    "ReusableObject",
    "Selector",
    "SourceDescription",
    "Step",
    "StepKind",
    "SuccessAction",
    "SuccessActionEntry",
    "Workflow",
    "as_selector",
]

StepKind = Literal["operation", "workflow", "asyncapi"]


def _empty_mapping() -> Mapping[str, Any]:
    return MappingProxyType({})


def _nowhere() -> Location:
    return Location(None)


@dataclass(frozen=True, slots=True)
class Problem:
    """A structural problem met while building the model: wrong type, unknown or 1.1 field."""

    message: str
    location: Location


@dataclass(frozen=True, slots=True, kw_only=True)
class Info:
    """Info Object: metadata about the Arazzo description."""

    title: str | None = None
    summary: str | None = None
    description: str | None = None
    version: str | None = None
    extensions: Mapping[str, Any] = field(default_factory=_empty_mapping)
    location: Location = field(default_factory=_nowhere)


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceDescription:
    """Source Description Object: a named OpenAPI, AsyncAPI (1.1) or Arazzo description."""

    name: str | None = None
    url: str | None = None
    type: str | None = None
    extensions: Mapping[str, Any] = field(default_factory=_empty_mapping)
    location: Location = field(default_factory=_nowhere)


@dataclass(frozen=True, slots=True, kw_only=True)
class CriterionExpressionType:
    """Criterion Expression Type Object (1.0), Expression Type Object (1.1): language + version."""

    type: str | None = None
    version: str | None = None
    extensions: Mapping[str, Any] = field(default_factory=_empty_mapping)
    location: Location = field(default_factory=_nowhere)


# Arazzo 1.1 renamed the object and uses it for selectors and payload replacements too.
ExpressionType = CriterionExpressionType


@dataclass(frozen=True, slots=True, kw_only=True)
class Criterion:
    """Criterion Object: a condition, with its context and type (``None`` means simple)."""

    context: str | None = None
    condition: str | None = None
    type: str | CriterionExpressionType | None = None
    extensions: Mapping[str, Any] = field(default_factory=_empty_mapping)
    location: Location = field(default_factory=_nowhere)


@dataclass(frozen=True, slots=True, kw_only=True)
class Selector:
    """Selector Object (1.1): a JSONPath, XPath or JSON Pointer selection applied to a context."""

    context: str | None = None
    selector: str | None = None
    type: str | CriterionExpressionType | None = None
    extensions: Mapping[str, Any] = field(default_factory=_empty_mapping)
    location: Location = field(default_factory=_nowhere)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReusableObject:
    """Reusable Object: a ``$components`` reference, with a value for parameter references."""

    reference: str | None = None
    # Any JSON as written: the text says string, but its own example uses a number.
    value: Any = MISSING
    extensions: Mapping[str, Any] = field(default_factory=_empty_mapping)
    location: Location = field(default_factory=_nowhere)


@dataclass(frozen=True, slots=True, kw_only=True)
class Parameter:
    """Parameter Object: a value passed in path, query, querystring (1.1), header or cookie."""

    name: str | None = None
    in_: str | None = None
    # Any JSON as written: a constant, a runtime expression or template, or (1.1) a Selector
    # Object left raw (see as_selector); MISSING when absent, None when JSON null.
    value: Any = MISSING
    extensions: Mapping[str, Any] = field(default_factory=_empty_mapping)
    location: Location = field(default_factory=_nowhere)


@dataclass(frozen=True, slots=True, kw_only=True)
class PayloadReplacement:
    """Payload Replacement Object: a value to set at a target location inside a payload."""

    target: str | None = None
    target_selector_type: str | CriterionExpressionType | None = None
    value: Any = MISSING
    extensions: Mapping[str, Any] = field(default_factory=_empty_mapping)
    location: Location = field(default_factory=_nowhere)


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestBody:
    """Request Body Object: content type, raw payload, and replacements applied to the payload."""

    content_type: str | None = None
    payload: Any = MISSING
    replacements: tuple[PayloadReplacement, ...] = ()
    extensions: Mapping[str, Any] = field(default_factory=_empty_mapping)
    location: Location = field(default_factory=_nowhere)


ParameterEntry = Parameter | ReusableObject


@dataclass(frozen=True, slots=True, kw_only=True)
class SuccessAction:
    """Success Action Object: ``end`` or ``goto`` when all its criteria hold."""

    name: str | None = None
    type: str | None = None
    workflow_id: str | None = None
    step_id: str | None = None
    parameters: tuple[ParameterEntry, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    extensions: Mapping[str, Any] = field(default_factory=_empty_mapping)
    location: Location = field(default_factory=_nowhere)


@dataclass(frozen=True, slots=True, kw_only=True)
class FailureAction:
    """Failure Action Object: ``end``, ``goto`` or ``retry`` when all its criteria hold."""

    name: str | None = None
    type: str | None = None
    workflow_id: str | None = None
    step_id: str | None = None
    parameters: tuple[ParameterEntry, ...] = ()
    retry_after: int | float | None = None
    retry_limit: int | None = None
    criteria: tuple[Criterion, ...] = ()
    extensions: Mapping[str, Any] = field(default_factory=_empty_mapping)
    location: Location = field(default_factory=_nowhere)


SuccessActionEntry = SuccessAction | ReusableObject
FailureActionEntry = FailureAction | ReusableObject
OutputValue = str | Selector


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """Step Object: a call to an operation, to a workflow, or (1.1) an AsyncAPI send/receive."""

    step_id: str | None = None
    description: str | None = None
    operation_id: str | None = None
    operation_path: str | None = None
    workflow_id: str | None = None
    channel_path: str | None = None
    action: str | None = None
    # The text says string; the official 1.1 schema allows any JSON, so it is kept as written.
    correlation_id: Any = None
    timeout: int | None = None
    depends_on: tuple[str, ...] = ()
    parameters: tuple[ParameterEntry, ...] = ()
    request_body: RequestBody | None = None
    success_criteria: tuple[Criterion, ...] = ()
    on_success: tuple[SuccessActionEntry, ...] = ()
    on_failure: tuple[FailureActionEntry, ...] = ()
    outputs: Mapping[str, OutputValue] = field(default_factory=_empty_mapping)
    extensions: Mapping[str, Any] = field(default_factory=_empty_mapping)
    location: Location = field(default_factory=_nowhere)

    @property
    def kind(self) -> StepKind | None:
        """What the step calls, as far as the document alone tells; None when it names nothing.

        ``channelPath`` or ``action`` make an AsyncAPI step (1.1). A bare ``operationId`` may
        still name an AsyncAPI operation: only its source description can tell.
        """
        if self.channel_path is not None or self.action is not None:
            return "asyncapi"
        if self.workflow_id is not None:
            return "workflow"
        if self.operation_id is not None or self.operation_path is not None:
            return "operation"
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Workflow:
    """Workflow Object: inputs schema, ordered steps, actions, parameters and outputs."""

    workflow_id: str | None = None
    summary: str | None = None
    description: str | None = None
    inputs: Any = None  # the JSON Schema as written (a mapping, or a boolean schema)
    depends_on: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()
    success_actions: tuple[SuccessActionEntry, ...] = ()
    failure_actions: tuple[FailureActionEntry, ...] = ()
    outputs: Mapping[str, OutputValue] = field(default_factory=_empty_mapping)
    parameters: tuple[ParameterEntry, ...] = ()
    extensions: Mapping[str, Any] = field(default_factory=_empty_mapping)
    location: Location = field(default_factory=_nowhere)

    def step(self, step_id: str) -> Step | None:
        """The first step with this ``stepId``, or None."""
        return next((step for step in self.steps if step.step_id == step_id), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Components:
    """Components Object: reusable input schemas, parameters and actions, by name."""

    inputs: Mapping[str, Any] = field(default_factory=_empty_mapping)
    parameters: Mapping[str, Parameter] = field(default_factory=_empty_mapping)
    success_actions: Mapping[str, SuccessAction] = field(default_factory=_empty_mapping)
    failure_actions: Mapping[str, FailureAction] = field(default_factory=_empty_mapping)
    extensions: Mapping[str, Any] = field(default_factory=_empty_mapping)
    location: Location = field(default_factory=_nowhere)


@dataclass(frozen=True, slots=True, kw_only=True)
class ArazzoDocument:
    """Arazzo Specification Object: the root, with the problems met while building the model."""

    arazzo: str | None = None
    self_uri: str | None = None
    info: Info | None = None
    source_descriptions: tuple[SourceDescription, ...] = ()
    workflows: tuple[Workflow, ...] = ()
    components: Components | None = None
    minor: tuple[int, int] = (1, 0)  # (1, 0) or (1, 1): the rules the document is read by
    file: str | None = None
    problems: tuple[Problem, ...] = ()
    extensions: Mapping[str, Any] = field(default_factory=_empty_mapping)
    location: Location = field(default_factory=_nowhere)

    def workflow(self, workflow_id: str) -> Workflow | None:
        """The first workflow with this ``workflowId``, or None."""
        return next((w for w in self.workflows if w.workflow_id == workflow_id), None)

    def source_description(self, name: str) -> SourceDescription | None:
        """The first source description with this ``name``, or None."""
        return next((s for s in self.source_descriptions if s.name == name), None)


_SELECTOR_FIELDS = frozenset({"context", "selector", "type"})


def as_selector(value: Any, location: Location) -> Selector | None:
    """The Selector Object a raw 1.1 value (parameter value, replacement value, payload node)
    stands for, or None when it is plain data.

    A value is a selector when it is a mapping with string ``context`` and ``selector``, a
    ``type`` that is a string or a mapping, and no other fields but ``x-`` extensions.
    """
    if not isinstance(value, Mapping) or not value.keys() >= _SELECTOR_FIELDS:
        return None
    extensions = {key: item for key, item in value.items() if key not in _SELECTOR_FIELDS}
    if not all(isinstance(key, str) and key.startswith("x-") for key in extensions):
        return None
    context, selector, kind = value["context"], value["selector"], value["type"]
    if not (isinstance(context, str) and isinstance(selector, str)):
        return None
    if isinstance(kind, Mapping):
        kind = CriterionExpressionType(
            type=_string_or_none(kind.get("type")),
            version=_string_or_none(kind.get("version")),
            extensions=MappingProxyType({k: v for k, v in kind.items() if isinstance(k, str) and k.startswith("x-")}),
            location=location.child("type"),
        )
    elif not isinstance(kind, str):
        return None
    return Selector(
        context=context,
        selector=selector,
        type=kind,
        extensions=MappingProxyType(extensions),
        location=location,
    )


def _string_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None
