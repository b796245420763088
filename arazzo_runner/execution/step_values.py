"""The values a step sends and keeps: parameters, request body, 1.1 selectors, outputs, and
the inputs given to the workflows it (or one of its actions) runs.

:class:`StepValues` is the part of :class:`~.steps.StepRunner` that evaluates what the
document writes against the run's :class:`~arazzo_runner.expressions.ExpressionContext`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import DocumentError, ExpressionError
from ..expressions import ExpressionContext, compile_value
from ..missing import MISSING
from ..model import Parameter, ReusableObject, Selector, Step, Workflow, as_selector
from ..targets import OperationTarget, WorkflowTarget, resolve_operation
from .inputs import resolve_schema, validate_inputs
from .request import ParameterValue

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine

__all__ = ["StepValues"]


class StepValues:
    """Values of steps, for one :class:`~.engine.Engine` (a base of ``StepRunner``)."""

    engine: Engine
    request_warnings: list[str]

    def operation_target(self, description: Any, step: Step) -> OperationTarget:
        key = ("operation", id(description), id(step))
        target = self.engine.cache.get(key)
        if target is None:
            target = resolve_operation(description, step)
            self.engine.cache[key] = target
        return target

    # ------------------------------------------------------------ inputs of workflows

    def validated_inputs(self, target: WorkflowTarget, given: Mapping[str, Any]) -> dict[str, Any]:
        workflow = target.workflow
        data = target.description.parsed.data
        if self.engine.options.dry_run:
            # values that come from responses are unknown in a dry run: show what can be shown
            return dict(given)
        return validate_inputs(
            workflow.inputs, given, document=data, schema_pointer=workflow.location.pointer + "/inputs",
            workflow_id=workflow.workflow_id,
        )  # fmt: skip

    def inputs_for(
        self, description: Any, workflow: Workflow, inputs: Mapping[str, Any], *, declared_only: bool
    ) -> dict[str, Any]:
        """The run's inputs a dependency or a goto target declares, validated for it."""
        schema = resolve_schema(workflow.inputs, description.parsed.data)
        declared = schema.get("properties") if isinstance(schema, Mapping) else None
        given = {
            k: v for k, v in inputs.items() if not declared_only or (isinstance(declared, Mapping) and k in declared)
        }
        return self.validated_inputs(WorkflowTarget(description, workflow), given)

    def action_inputs(
        self, description: Any, action: Any, target: WorkflowTarget, context: ExpressionContext
    ) -> dict[str, Any]:
        """Inputs for a workflow an action transfers to: its 1.1 ``parameters``, else the
        current inputs that the target declares."""
        if action.parameters:
            given = {}
            for entry in action.parameters:
                parameter, value = self.resolve_parameter(description, entry)
                resolved = self.value(description, value, context)
                if resolved is not MISSING and parameter.name:
                    given[parameter.name] = resolved
            return self.validated_inputs(target, given)
        return self.inputs_for(target.description, target.workflow, context.inputs, declared_only=True)

    # ------------------------------------------------------------ values

    def resolve_parameter(self, description: Any, entry: Any) -> tuple[Parameter, Any]:
        if isinstance(entry, ReusableObject):
            reference = entry.reference or ""
            prefix = "$components.parameters."
            components = description.document.components
            parameter = (
                components.parameters.get(reference[len(prefix) :])
                if components and reference.startswith(prefix)
                else None
            )
            if parameter is None:
                raise DocumentError(f"{reference!r} does not name a parameter in components.parameters", entry.location)
            return parameter, entry.value if entry.value is not MISSING else parameter.value
        return entry, entry.value

    def value(self, description: Any, raw: Any, context: ExpressionContext) -> Any:
        """A document value with its expressions (and 1.1 Selector Objects) resolved."""
        if isinstance(raw, str):
            return compile_value(raw)(context)
        if isinstance(raw, Mapping):
            if description.minor >= (1, 1):
                selector = as_selector(raw, description.parsed.location())
                if selector is not None:
                    return self.selected(selector, context)
            resolved = {}
            for key, item in raw.items():
                item = self.value(description, item, context)
                if item is not MISSING:
                    resolved[key] = item
            return resolved
        if isinstance(raw, list):
            return [item for item in (self.value(description, entry, context) for entry in raw) if item is not MISSING]
        return raw

    def selected(self, selector: Selector, context: ExpressionContext) -> Any:
        from ..expressions.selectors import select

        source = compile_value(selector.context or "")(context)
        if source is MISSING or source is None:
            return MISSING
        return select(source, selector.selector or "", selector.type or "jsonpath")

    def parameter_values(
        self, description: Any, workflow: Workflow, step: Step, context: ExpressionContext
    ) -> dict[tuple[str, str | None], Any]:
        """Workflow-level and step-level parameters merged by (name, in), step winning,
        each evaluated; MISSING values are kept (the request builder leaves them out)."""
        merged: dict[tuple[str, str | None], Any] = {}
        for entry in (*workflow.parameters, *step.parameters):
            parameter, raw = self.resolve_parameter(description, entry)
            if not parameter.name:
                continue
            merged[(parameter.name, parameter.in_)] = raw
        return {key: self.value(description, raw, context) for key, raw in merged.items()}

    def parameters(
        self, description: Any, workflow: Workflow, step: Step, context: ExpressionContext, operation: Any
    ) -> list[ParameterValue]:
        """The step's parameters with how the operation serializes each (style, explode,
        allowReserved, ``content`` media type and its encoding).

        A parameter the operation does not declare is still sent as written, with the
        defaults of its location; it gives a warning.  Warnings are not yielded from here:
        they are left in ``self.request_warnings`` (a new list on each call, which
        :meth:`request_body` appends to), for the caller to report as ``Notice`` events.
        """
        from ..openapi.serialize import default_explode

        warnings: list[str] = []
        self.request_warnings = warnings
        operation_name = operation.operation_id or f"{operation.method} {operation.path}"
        values = []
        for (name, location), value in self.parameter_values(description, workflow, step, context).items():
            declared = operation.parameter(name, location) if location else None
            if location is None:
                # no `in` on an operation step: the operation's own parameter of that name tells
                declared = next((p for p in operation.parameters if p.name == name), None)
                if declared is None:
                    warnings.append(
                        f"parameter {name!r} of step {step.step_id!r} has no 'in', and operation "
                        f"{operation_name!r} declares no parameter of that name: it is not sent"
                    )
                    continue
                location = declared.in_
            if declared is None and value is not MISSING:
                if location not in ("path", "query", "querystring", "header", "cookie"):
                    warnings.append(f"parameter {name!r} of step {step.step_id!r} is in {location!r}: it is not sent")
                    continue
                # OpenAPI ignores Accept, Content-Type and Authorization header parameters: they
                # are never declared, and setting them is not worth a warning
                if not (location == "header" and name.lower() in ("accept", "content-type", "authorization")):
                    warnings.append(
                        f"parameter {name!r} (in: {location}) of step {step.step_id!r} is not declared by "
                        f"operation {operation_name!r}: it is sent as written"
                    )
            style = explode = content_type = encoding = None
            allow_reserved = False
            if declared is not None:
                style = declared.style
                raw_explode = declared.raw.get("explode") if isinstance(declared.raw, Mapping) else None
                # OpenAPI 3.2: explode defaults to true for style cookie too
                explode = raw_explode if isinstance(raw_explode, bool) else default_explode(style)
                allow_reserved = bool(declared.allow_reserved)
                if declared.content:
                    content_type = next(iter(declared.content))
                    media = declared.content[content_type]
                    found = media.get("encoding") if isinstance(media, Mapping) else None
                    encoding = found if isinstance(found, Mapping) else None
            values.append(
                ParameterValue(
                    name,
                    location,
                    value,
                    style=style,
                    explode=explode,
                    allow_reserved=allow_reserved,
                    content_type=content_type,
                    encoding=encoding,
                )
            )
        return values

    def request_body(
        self, description: Any, step: Step, context: ExpressionContext, operation: Any
    ) -> tuple[Any, str | None]:
        """The step's payload (replacements applied) and its content type: the step's
        ``contentType``, else the operation's first request body media type.

        When the operation describes that media type, the payload comes wrapped in a
        :class:`~arazzo_runner.openapi.serialize.Payload` with its Media Type Object (for the
        Encoding Objects and the XML hints), which ``build_request`` unwraps.  Replacements
        work on a copy (the document and the context are never modified); a target that
        selects nothing raises ``StepError``.  Warnings go to ``self.request_warnings``
        (see :meth:`parameters`).
        """
        from ..openapi.serialize import Payload, apply_replacement, media_object

        warnings = getattr(self, "request_warnings", None)
        if warnings is None:
            warnings = self.request_warnings = []
        body = step.request_body
        if body is None:
            return MISSING, None
        declared = operation.request_body.content if operation.request_body is not None else None
        content_type = body.content_type
        if content_type is None and declared:
            content_type = next(iter(declared))
        media = media_object(declared, content_type)
        if body.content_type is not None and declared and media is None:
            warnings.append(
                f"step {step.step_id!r} sends {body.content_type!r}, which operation "
                f"{operation.operation_id or operation.path!r} does not list ({', '.join(declared)})"
            )
        payload = self.value(description, body.payload, context)
        if payload is MISSING:
            return MISSING, content_type
        for replacement in body.replacements:
            value = self.value(description, replacement.value, context)
            if not isinstance(replacement.target, str):
                continue
            if value is MISSING:
                warnings.append(
                    f"the replacement of {replacement.target!r} in step {step.step_id!r} resolved to nothing: "
                    "the payload is left as it is there"
                )
                continue
            payload = apply_replacement(
                payload, replacement.target, value,
                selector_type=replacement.target_selector_type, content_type=content_type,
            )  # fmt: skip
        if media is None:
            return payload, content_type
        base_uri = operation.request_body.base_uri

        def resolve(node: Any) -> Any:
            index = description.openapi(self.operation_target(description, step).source)
            return index.resolve(node, base_uri=base_uri or None)

        return Payload(payload, media, resolve), content_type

    # ------------------------------------------------------------ outputs and lookups

    def output_value(self, expression: Any, context: ExpressionContext) -> tuple[Any, str | None]:
        try:
            if isinstance(expression, Selector):
                value = self.selected(expression, context)
            elif isinstance(expression, str):
                value = compile_value(expression)(context)
            else:
                return expression, None
        except ExpressionError as error:
            return MISSING, f"could not be evaluated: {error.message}"
        if value is MISSING:
            shown = expression if isinstance(expression, str) else expression.selector
            return MISSING, f"resolved to nothing ({shown})"
        return value, None
