"""Runtime expressions: they parse, and what they name exists where they are evaluated."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Optional

from ...expressions.ast import RuntimeExpression
from ...model import Step, Workflow
from ..context import suggest
from . import ERROR, WARNING, Finding, rule

if TYPE_CHECKING:  # pragma: no cover
    from ..context import Context
    from ..values import Occurrence

_COLUMN = re.compile(r" \(column \d+\)$")


def _references(context: Context) -> Iterator[tuple[Occurrence, RuntimeExpression]]:
    for occurrence in context.values().occurrences:
        for expression in occurrence.result.references:
            yield occurrence, expression


@rule("expression-syntax", ERROR, "a runtime expression, {$...} template or simple condition does not parse")
def expression_syntax(context: Context) -> Iterator[Finding]:
    for occurrence in context.values().occurrences:
        for error in occurrence.result.errors:
            message = _COLUMN.sub("", error.message)
            if occurrence.kind == "condition":
                message = f"condition: {message}"
            yield Finding(context.at_offset(occurrence.location, error.offset), message)


def _declares(names: tuple[str, ...], declared: Mapping[str, Any] | frozenset[str]) -> bool:
    """Whether ``a.b`` names a declared ``a.b``, or ``a`` navigated into (docs/decisions.md #14)."""
    return ".".join(names) in declared or (bool(names) and names[0] in declared)


@rule("unknown-input", ERROR, "$inputs.<name> (or $workflows.<id>.inputs.<name>) is not declared by the inputs schema")
def unknown_input(context: Context) -> Iterator[Finding]:
    for occurrence, expression in _references(context):
        workflow: Optional[Workflow] = None
        if expression.root == "inputs":
            workflow = occurrence.workflow
        elif expression.root == "workflows" and expression.field == "inputs" and expression.qualifier:
            workflow = context.document.workflow(expression.qualifier)
        if workflow is None:
            continue
        info = context.inputs(workflow)
        if info.open or _declares(expression.names, info.names):
            continue
        name = expression.names[0] if expression.names else ""
        declared = ", ".join(sorted(info.names)) or "none"
        yield Finding(
            context.at_offset(occurrence.location, expression.offset),
            f"{expression.text}: workflow {workflow.workflow_id!r} declares no input {name!r} "
            f"(declared: {declared})" + suggest(name, info.names),
        )


@rule("step-order", ERROR, "$steps.<id> names a step that cannot have run before the expression is evaluated")
def step_order(context: Context) -> Iterator[Finding]:
    by_dependencies: dict[int, bool] = {}  # per workflow: asked for every reference
    for occurrence, expression in _references(context):
        workflow, step = occurrence.workflow, occurrence.step
        if expression.root != "steps" or workflow is None or step is None:
            continue
        earlier = context.step_ids(workflow).get(expression.qualifier or "")
        if earlier is None:
            continue  # unknown step: the unknown-step rule says so
        later = context.step_number(workflow, step)
        ordered = by_dependencies.get(id(workflow))
        if ordered is None:
            ordered = by_dependencies[id(workflow)] = _ordered_by_dependencies(workflow)
        if earlier != later and ordered:
            continue  # the runner runs the steps it refers to first; cycles: depends-on-cycle
        if earlier == later:
            if occurrence.phase == "action":
                continue  # actions run once the step's outputs are set
            if context.flow(workflow).may_precede(earlier, later):
                continue
            yield Finding(
                context.at_offset(occurrence.location, expression.offset),
                f"{expression.text}: step {step.step_id!r} refers to its own outputs, which are set only after its "
                "successCriteria and outputs are evaluated (use them in onSuccess/onFailure criteria)",
            )
        elif not context.flow(workflow).may_precede(earlier, later):
            yield Finding(
                context.at_offset(occurrence.location, expression.offset),
                f"{expression.text}: step {expression.qualifier!r} cannot have run before step {step.step_id!r} "
                "(it comes later and no goto leads from it to this step)",
            )


def _ordered_by_dependencies(workflow: Workflow) -> bool:
    """Whether the steps run in the order their dependencies give (1.1 step dependsOn), in
    which a ``$steps`` reference makes the step it names run first."""
    from ...step_order import uses_depends_on

    return uses_depends_on(workflow)


@rule("unknown-output", ERROR, "an output named by $steps/$workflows/$outputs is not declared")
def unknown_output(context: Context) -> Iterator[Finding]:
    for occurrence, expression in _references(context):
        workflow = occurrence.workflow
        declared: Optional[Mapping[str, Any]] = None
        owner = ""
        if expression.root == "steps" and workflow is not None:
            number = context.step_ids(workflow).get(expression.qualifier or "")
            if number is None:
                continue
            target = workflow.steps[number]
            declared, owner = target.outputs, f"step {expression.qualifier!r}"
        elif expression.root == "workflows" and expression.field == "outputs" and expression.qualifier:
            called = context.document.workflow(expression.qualifier)
            if called is None:
                continue
            declared, owner = called.outputs, f"workflow {expression.qualifier!r}"
        elif expression.root == "outputs" and occurrence.step is not None and occurrence.phase in ("result", "action"):
            step = occurrence.step
            if not isinstance(step.workflow_id, str):
                continue
            found = context.workflow(step.workflow_id)
            if found.status != "found" or found.workflow is None:
                continue
            declared, owner = found.workflow.outputs, f"workflow {step.workflow_id!r}"
        if declared is None or _declares(expression.names, declared):
            continue
        name = ".".join(expression.names)
        listed = ", ".join(declared) or "none"
        yield Finding(
            context.at_offset(occurrence.location, expression.offset),
            f"{expression.text}: {owner} declares no output {name!r} (declared: {listed})" + suggest(name, declared),
        )


_MESSAGE_ROOTS = ("response", "request", "statusCode", "url", "method", "message")


@rule("expression-context", WARNING, "an expression refers to a request or response where there is none")
def expression_context(context: Context) -> Iterator[Finding]:
    for occurrence, expression in _references(context):
        if expression.root not in _MESSAGE_ROOTS:
            continue
        if occurrence.phase == "outputs":
            yield Finding(
                context.at_offset(occurrence.location, expression.offset),
                f"{expression.text}: a workflow's outputs are evaluated after its steps, where no single request or "
                "response is current; use $steps.<stepId>.outputs.<name>",
            )
        elif occurrence.phase == "request" and expression.root in ("response", "statusCode", "message"):
            step = occurrence.step
            if expression.root == "message" and not _own_message(context, step):
                continue  # another step sees the message of an earlier AsyncAPI step: `message-context`
            yield Finding(
                context.at_offset(occurrence.location, expression.offset),
                f"{expression.text}: step {step.step_id if step else None!r} has no response yet when its parameters "
                "and request body are evaluated; use $steps.<stepId>.outputs.<name> of an earlier step",
            )


def _own_message(context: Context, step: Optional[Step]) -> bool:
    """Whether ``step`` is an AsyncAPI step, whose ``$message`` is its own message (not there
    before it is sent or received); other steps see the last message of an earlier one."""
    if step is None:
        return True
    if step.channel_path is not None or step.action is not None:
        return True
    return context.use_sources and context.message_target(step).status == "found"


# ---------------------------------------------------------------- response body pointers

_JSON_MEDIA = re.compile(r"^(application/([\w.+-]*\+)?json|\*/\*|application/\*)$")


def _tokens(expression: RuntimeExpression) -> Optional[list[str]]:
    tokens: list[str] = []
    if expression.pointer:
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in expression.pointer.split("/")[1:]]
    tokens.extend(str(segment) for segment in expression.navigation)
    return tokens or None


class _Schemas:
    """Walks OpenAPI schemas (``$ref`` s followed) to tell whether a JSON pointer can exist."""

    def __init__(self, index: Any) -> None:
        self.index = index

    def admits(self, schema: Any, uri: Optional[str], tokens: list[str], depth: int = 0) -> bool:
        """False only when the schema surely has no such member (unknown: True)."""
        if not tokens or depth > 24:
            return True
        if isinstance(schema, Mapping) and "$ref" in schema:
            try:
                found = self.index.follow(schema, base_uri=uri)
            except Exception:  # an unresolvable $ref: cannot tell
                return True
            schema, uri = found.value, found.uri
        if schema is False:
            return False
        if not isinstance(schema, Mapping):
            return True
        branches = [
            branch for key in ("allOf", "anyOf", "oneOf") if isinstance(schema.get(key), list) for branch in schema[key]
        ]
        if branches and any(self.admits(branch, uri, tokens, depth + 1) for branch in branches):
            return True
        token, rest = tokens[0], tokens[1:]
        properties = schema.get("properties")
        if isinstance(properties, Mapping) and token in properties:
            return self.admits(properties[token], uri, rest, depth + 1)
        if token.isdigit() or token == "-":
            items = schema.get("items")
            prefix = schema.get("prefixItems")
            if isinstance(prefix, list) and token.isdigit() and int(token) < len(prefix):
                return self.admits(prefix[int(token)], uri, rest, depth + 1)
            if items is not None:
                return self.admits(items, uri, rest, depth + 1)
        additional = schema.get("additionalProperties")
        if isinstance(additional, Mapping):
            return self.admits(additional, uri, rest, depth + 1)
        if additional is True or "patternProperties" in schema:
            return True
        if (
            isinstance(properties, Mapping)
            or "items" in schema
            or schema.get("type") in ("string", "number", "integer", "boolean", "null")
        ):
            return False
        return not branches  # composite only, and no branch admits it: no


def _response_schemas(operation: Any, index: Any) -> list[tuple[Any, Optional[str]]]:
    schemas = []
    for response in operation.responses.values():
        if not isinstance(response, Mapping):
            continue
        content = response.get("content")
        if not isinstance(content, Mapping):
            continue
        for media, media_object in content.items():
            if not isinstance(media, str) or not _JSON_MEDIA.match(media.split(";")[0].strip().lower()):
                continue
            if isinstance(media_object, Mapping) and "schema" in media_object:
                schemas.append((media_object["schema"], operation.base_uri or None))
    return schemas


@rule(
    "response-pointer",
    WARNING,
    "a $response.body#/... pointer names a property the operation's response schemas do not have",
    needs_sources=True,
)
def response_pointer(context: Context) -> Iterator[Finding]:
    for occurrence, expression in _references(context):
        step = occurrence.step
        if (
            step is None
            or expression.root != "response"
            or expression.qualifier != "body"
            or occurrence.phase not in ("result", "action")
        ):
            continue
        tokens = _tokens(expression)
        if tokens is None:
            continue
        found = context.operation(step)
        if found.status != "found" or found.operation is None or found.source is None:
            continue
        index = context.openapi(found.source)
        schemas = _response_schemas(found.operation, index)
        if not schemas or index is None:
            continue
        walker = _Schemas(index)
        if any(walker.admits(schema, uri, tokens) for schema, uri in schemas):
            continue
        label = found.operation.operation_id or f"{found.operation.method} {found.operation.path}"
        yield Finding(
            context.at_offset(occurrence.location, expression.offset),
            f"{expression.text}: no response schema of operation {label!r} has {'/' + '/'.join(tokens)!r}",
        )
