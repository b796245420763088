"""Build the Arazzo model (:mod:`arazzo_runner.model`) from parsed JSON/YAML data.

The builder never gives up on a badly shaped document, so that validation can report everything
at once: a field of the wrong type is recorded as a :class:`~arazzo_runner.model.Problem` and
treated as absent; an unknown field (not ``x-``, not in the specification) is a problem; a 1.1
field in a 1.0 document is kept and reported. Only a root that is not a mapping raises.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from .errors import DocumentError, Location
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
from .model_fields import OLDER_VERSION, REUSABLE, ROOT, VERSION_1_1, Fields, describe, is_schema, keep

__all__ = ["build_document"]


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
            f"an Arazzo document must be a mapping at the top level, found {describe(data)}",
            locate(""),
        )
    return _Builder(locate, minor).document(data, file)


class _Builder:
    """Builds the objects of one document and collects the problems met on the way."""

    def __init__(self, locate: Callable[[str], Location], minor: tuple[int, int]) -> None:
        self.locate = locate
        self.minor = minor
        self.newer = minor >= VERSION_1_1
        self.problems: list[Problem] = []

    def report(self, pointer: str, message: str) -> None:
        self.problems.append(Problem(message, self.locate(pointer)))

    def document(self, data: Mapping[str, Any], file: str | None) -> ArazzoDocument:
        f = Fields(self, data, "", ROOT)
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
        f = Fields(self, data, pointer, "Info")
        return Info(
            title=f.text("title"),
            summary=f.text("summary"),
            description=f.text("description"),
            version=f.text("version"),
            extensions=f.extensions,
            location=f.location,
        )

    def source_description(self, data: Mapping[str, Any], pointer: str) -> SourceDescription:
        f = Fields(self, data, pointer, "Source Description")
        return SourceDescription(
            name=f.text("name"),
            url=f.text("url"),
            type=f.text("type"),
            extensions=f.extensions,
            location=f.location,
        )

    def workflow(self, data: Mapping[str, Any], pointer: str) -> Workflow:
        f = Fields(self, data, pointer, "Workflow")
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
        f = Fields(self, data, pointer, "Step")
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
        f = Fields(self, data, pointer, "Parameter")
        return Parameter(
            name=f.text("name"),
            in_=f.text("in"),
            value=f.raw("value"),
            extensions=f.extensions,
            location=f.location,
        )

    def reusable(self, data: Mapping[str, Any], pointer: str) -> ReusableObject:
        f = Fields(self, data, pointer, REUSABLE)
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
        f = Fields(self, data, pointer, "Success Action")
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
        f = Fields(self, data, pointer, "Failure Action")
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
        f = Fields(self, data, pointer, "Criterion")
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
        f = Fields(self, data, pointer, self.expression_type_kind)
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
            self.report(pointer, f"{message}; {OLDER_VERSION}")
        return self.selector(value, pointer)

    def selector(self, data: Mapping[str, Any], pointer: str) -> Selector:
        f = Fields(self, data, pointer, "Selector")
        return Selector(
            context=f.text("context"),
            selector=f.text("selector"),
            type=f.expression_type("type"),
            extensions=f.extensions,
            location=f.location,
        )

    def request_body(self, data: Mapping[str, Any], pointer: str) -> RequestBody:
        f = Fields(self, data, pointer, "Request Body")
        return RequestBody(
            content_type=f.text("contentType"),
            payload=f.raw("payload"),
            replacements=f.many("replacements", "Payload Replacement object", self.replacement),
            extensions=f.extensions,
            location=f.location,
        )

    def replacement(self, data: Mapping[str, Any], pointer: str) -> PayloadReplacement:
        f = Fields(self, data, pointer, "Payload Replacement")
        return PayloadReplacement(
            target=f.text("target"),
            target_selector_type=f.expression_type("targetSelectorType"),
            value=f.raw("value"),
            extensions=f.extensions,
            location=f.location,
        )

    def components(self, data: Mapping[str, Any], pointer: str) -> Components:
        f = Fields(self, data, pointer, "Components")
        return Components(
            inputs=f.named("inputs", "JSON Schema", keep, accept=is_schema),
            parameters=f.named("parameters", "Parameter object", self.parameter),
            success_actions=f.named("successActions", "Success Action object", self.success_action),
            failure_actions=f.named("failureActions", "Failure Action object", self.failure_action),
            extensions=f.extensions,
            location=f.location,
        )
