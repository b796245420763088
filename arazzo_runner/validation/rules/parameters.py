"""Parameters and request bodies against what the called operation or workflow declares."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Optional

from ...errors import Location
from ...model import Parameter, ReusableObject, Step, Workflow
from ..context import suggest
from . import ERROR, WARNING, Finding, rule

if TYPE_CHECKING:  # pragma: no cover
    from ...openapi.index import Operation
    from ..context import Context, WorkflowLookup

# OpenAPI: header parameters with these names "SHALL be ignored" (the request sets them itself).
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})


def _calls_operation(step: Step) -> bool:
    if step.workflow_id is not None:
        return False
    return step.operation_id is not None or step.operation_path is not None or step.channel_path is not None


def _label(operation: Operation) -> str:
    return repr(operation.operation_id) if operation.operation_id else f"{operation.method} {operation.path}"


def _describe(parameter: Parameter, entry: Any) -> str:
    via = f" (from {entry.reference})" if isinstance(entry, ReusableObject) else ""
    return f"parameter {parameter.name!r}{via}"


@rule(
    "parameter-in",
    ERROR,
    "`in` is missing on a parameter of an operation step (or used on a 1.1 action parameter)",
    structural=True,
)
def parameter_in(context: Context) -> Iterator[Finding]:
    for workflow in context.document.workflows:
        for step in workflow.steps:
            if not _calls_operation(step):
                continue
            for entry in step.parameters:
                parameter = context.resolve_parameter(entry)
                if parameter is None or parameter.in_ is not None:
                    continue
                allowed = (
                    "path, query, querystring, header or cookie"
                    if context.minor >= (1, 1)
                    else ("path, query, header or cookie")
                )
                yield Finding(
                    entry.location,
                    f"{_describe(parameter, entry)} of step {step.step_id!r} needs `in` ({allowed}): "
                    "the step calls an operation",
                )
    yield from _workflow_parameters_without_in(context)
    if context.minor < (1, 1):
        return
    for action in context.inline_actions():
        for entry in action.parameters:
            parameter = context.resolve_parameter(entry)
            if parameter is not None and parameter.in_ is not None:
                location = entry.location.child("in") if entry is parameter else entry.location
                yield Finding(
                    location,
                    f"{_describe(parameter, entry)} of action {action.name!r} is a workflow input: "
                    "`in` must not be used on action parameters",
                )


def _overrides(context: Context, step: Step, parameter: Parameter) -> bool:
    """Whether the step gives a parameter of the same name and location (it wins)."""
    for entry in step.parameters:
        own = context.resolve_parameter(entry)
        if own is not None and own.name == parameter.name and own.in_ == parameter.in_:
            return True
    return False


def _workflow_parameters(context: Context) -> Iterator[tuple[Workflow, Any, Parameter, list[Step]]]:
    """Each workflow-level parameter (a Reusable Object resolved) with the steps it is passed
    to: every step of the workflow that does not give one of the same name and location."""
    for workflow in context.document.workflows:
        for entry in workflow.parameters:
            parameter = context.resolve_parameter(entry)
            if parameter is None or not isinstance(parameter.name, str):
                continue
            steps = [step for step in workflow.steps if not _overrides(context, step, parameter)]
            yield workflow, entry, parameter, steps


def _workflow_parameters_without_in(context: Context) -> Iterator[Finding]:
    for workflow, entry, parameter, steps in _workflow_parameters(context):
        if parameter.in_ is not None:
            continue
        callers = [step for step in steps if _calls_operation(step)]
        if not callers:
            continue  # every step calls a workflow: the parameter maps to an input
        allowed = (
            "path, query, querystring, header or cookie" if context.minor >= (1, 1) else "path, query, header or cookie"
        )
        yield Finding(
            entry.location,
            f"{_describe(parameter, entry)} of workflow {workflow.workflow_id!r} needs `in` ({allowed}): it is passed "
            f"to every step, and step {callers[0].step_id!r} calls an operation",
        )


@rule(
    "parameter-in-ignored",
    WARNING,
    "`in` on a parameter of a step that calls a workflow (it maps to an input)",
    structural=True,
)
def parameter_in_ignored(context: Context) -> Iterator[Finding]:
    for workflow in context.document.workflows:
        for step in workflow.steps:
            if step.workflow_id is None:
                continue
            for entry in step.parameters:
                if isinstance(entry, Parameter) and entry.in_ is not None:
                    yield Finding(
                        entry.location.child("in"),
                        f"parameter {entry.name!r} of step {step.step_id!r} maps to an input of workflow "
                        f"{step.workflow_id!r}: `in` is ignored",
                    )


def _operation_steps(context: Context) -> Iterator[tuple[Workflow, Step, Operation]]:
    for workflow in context.document.workflows:
        for step in workflow.steps:
            found = context.operation(step)
            if found.status == "found" and found.operation is not None:
                yield workflow, step, found.operation


def _same(parameter_in: str, declared_name: str, name: str) -> bool:
    if parameter_in in ("header",):
        return declared_name.lower() == name.lower()
    return declared_name == name


def _declared(operation: Operation, name: str, location: Optional[str]) -> Any:
    for declared in operation.parameters:
        if (location is None or declared.in_ == location) and _same(declared.in_, declared.name, name):
            return declared
    return None


def _security_parameter(context: Context, source: Optional[str], operation: Operation, name: str, where: str) -> bool:
    """Whether (name, in) is where an apiKey security scheme of the operation is sent."""
    index = context.openapi(source) if source else None
    if index is None:
        return False
    try:
        schemes = index.security_schemes
    except Exception:  # a broken scheme reference: not this rule's business
        return False
    for requirement in operation.security:
        for scheme_name in requirement:
            scheme = schemes.get(scheme_name)
            if isinstance(scheme, dict) and scheme.get("type") == "apiKey" and scheme.get("in") == where:
                if _same(where, str(scheme.get("name", "")), name):
                    return True
    return False


@rule("unknown-parameter", ERROR, "a step parameter is not a parameter of the operation", needs_sources=True)
def unknown_parameter(context: Context) -> Iterator[Finding]:
    for _workflow, step, operation in _operation_steps(context):
        source = context.operation(step).source
        for entry in step.parameters:
            parameter = context.resolve_parameter(entry)
            if parameter is None or not isinstance(parameter.name, str):
                continue
            name, where = parameter.name, parameter.in_
            if _declared(operation, name, where) is not None:
                continue
            if where == "header" and name.lower() in _IGNORED_HEADERS:
                continue
            if where in ("header", "query", "cookie") and _security_parameter(context, source, operation, name, where):
                continue
            elsewhere = _declared(operation, name, None)
            shown = f"{name!r}" + (f" (in {where})" if where else "")
            if elsewhere is not None:
                hint = f"; it is declared in {elsewhere.in_}"
            else:
                hint = suggest(name, [p.name for p in operation.parameters])
            yield Finding(entry.location, f"operation {_label(operation)} has no parameter {shown}{hint}")
    yield from _unknown_workflow_parameters(context)


def _unknown_workflow_parameters(context: Context) -> Iterator[Finding]:
    """Workflow-level parameters, checked against the operation of every step they reach
    (once per operation, naming the steps that call it)."""
    for _workflow, entry, parameter, steps in _workflow_parameters(context):
        name, where = parameter.name or "", parameter.in_
        missing: dict[int, tuple[Operation, list[str]]] = {}
        for step in steps:
            found = context.operation(step)
            operation = found.operation
            if found.status != "found" or operation is None or _declared(operation, name, where) is not None:
                continue
            if where == "header" and name.lower() in _IGNORED_HEADERS:
                continue
            if where in ("header", "query", "cookie") and _security_parameter(
                context, found.source, operation, name, where
            ):
                continue
            missing.setdefault(id(operation), (operation, []))[1].append(repr(step.step_id))
        for operation, callers in missing.values():
            elsewhere = _declared(operation, name, None)
            shown = f"{name!r}" + (f" (in {where})" if where else "")
            hint = f"; it is declared in {elsewhere.in_}" if elsewhere is not None else ""
            yield Finding(
                entry.location,
                f"workflow-level {_describe(parameter, entry)} is passed to step {', '.join(callers)}, but operation "
                f"{_label(operation)} has no parameter {shown}{hint}",
            )


def _supplied(context: Context, workflow: Workflow, step: Step) -> list[Parameter]:
    found = []
    for entry in (*workflow.parameters, *step.parameters):
        parameter = context.resolve_parameter(entry)
        if parameter is not None and isinstance(parameter.name, str):
            found.append(parameter)
    return found


@rule("missing-parameter", ERROR, "a required parameter of the operation is not given", needs_sources=True)
def missing_parameter(context: Context) -> Iterator[Finding]:
    for workflow, step, operation in _operation_steps(context):
        supplied = _supplied(context, workflow, step)
        for declared in operation.parameters:
            if not declared.required:
                continue
            if declared.in_ == "header" and declared.name.lower() in _IGNORED_HEADERS:
                continue
            if any(
                (given.in_ is None or given.in_ == declared.in_)
                and _same(declared.in_, declared.name, given.name or "")
                for given in supplied
            ):
                continue
            target = "operationPath" if step.operation_path is not None else "operationId"
            yield Finding(
                step.location.child(target),
                f"step {step.step_id!r} does not give the required {declared.in_} parameter {declared.name!r} "
                f"of operation {_label(operation)}",
            )


@rule(
    "missing-request-body", ERROR, "the operation requires a request body and the step gives none", needs_sources=True
)
def missing_request_body(context: Context) -> Iterator[Finding]:
    for _workflow, step, operation in _operation_steps(context):
        body = operation.request_body
        if body is not None and body.required and step.request_body is None:
            target = "operationPath" if step.operation_path is not None else "operationId"
            media = ", ".join(body.content) or "a body"
            yield Finding(
                step.location.child(target),
                f"operation {_label(operation)} requires a request body ({media}); step {step.step_id!r} has no "
                "requestBody",
            )


def _media(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _offered(given: str, offered: list[str]) -> bool:
    wanted = _media(given)
    kind = wanted.split("/", 1)[0]
    for media in offered:
        media = _media(media)
        if media in (wanted, "*/*", "*") or media == f"{kind}/*":
            return True
        if wanted.endswith("/*") and media.split("/", 1)[0] == kind:
            return True
    return False


@rule("content-type", ERROR, "the request body's contentType is not one the operation accepts", needs_sources=True)
def content_type(context: Context) -> Iterator[Finding]:
    for _workflow, step, operation in _operation_steps(context):
        body = step.request_body
        declared = operation.request_body
        if body is None or declared is None or not isinstance(body.content_type, str) or not declared.content:
            continue
        offered = list(declared.content)
        if not _offered(body.content_type, offered):
            yield Finding(
                body.location.child("contentType"),
                f"operation {_label(operation)} accepts {', '.join(offered)}, not {body.content_type!r}",
            )


@rule("unexpected-request-body", WARNING, "a requestBody for an operation that takes none", needs_sources=True)
def unexpected_request_body(context: Context) -> Iterator[Finding]:
    for _workflow, step, operation in _operation_steps(context):
        if step.request_body is not None and operation.request_body is None:
            yield Finding(
                step.location.child("requestBody"),
                f"operation {_label(operation)} ({operation.method} {operation.path}) declares no request body",
            )


def _calls(context: Context) -> Iterator[tuple[WorkflowLookup, str, list[tuple[Parameter, Any]], Location]]:
    """Every call of a workflow with parameters: (the workflow looked up, who calls, the
    parameters given with the entry that wrote each (None for workflow-level ones, which apply
    to many steps), where the call is written)."""
    for workflow in context.document.workflows:
        for step in workflow.steps:
            if not isinstance(step.workflow_id, str):
                continue
            given = []
            for entry in (*workflow.parameters, *step.parameters):
                parameter = context.resolve_parameter(entry)
                if parameter is None or not isinstance(parameter.name, str):
                    continue
                own = any(entry is mine for mine in step.parameters)
                if not own and _overrides(context, step, parameter):
                    continue
                # a workflow-level parameter without `in` is meant as an input: it is checked;
                # one with `in` is meant for the operations and not reported here
                given.append((parameter, entry if own or parameter.in_ is None else None))
            yield context.workflow(step.workflow_id), f"step {step.step_id!r}", given, step.location.child("workflowId")
    for action in context.inline_actions():
        # 1.1 action parameters; without any, a goto passes the run's own inputs (docs/decisions.md)
        if not isinstance(action.workflow_id, str) or not action.parameters:
            continue
        given = []
        for entry in action.parameters:
            parameter = context.resolve_parameter(entry)
            if parameter is not None and isinstance(parameter.name, str):
                given.append((parameter, entry))
        yield (
            context.workflow(action.workflow_id),
            f"action {action.name!r}",
            given,
            action.location.child("workflowId"),
        )


@rule("workflow-inputs", ERROR, "parameters passed to a workflow do not match its inputs (unknown or missing)")
def workflow_inputs(context: Context) -> Iterator[Finding]:
    for target, caller, given, location in _calls(context):
        if target.status != "found" or target.workflow is None:
            continue
        called = target.workflow
        info = context.inputs(called, target.document_data)
        for parameter, entry in given:
            if entry is None or info.declares(parameter.name or ""):
                continue
            yield Finding(
                entry.location,
                f"workflow {called.workflow_id!r} declares no input {parameter.name!r}"
                + suggest(parameter.name or "", info.names),
            )
        names = {p.name for p, _ in given}
        for name in sorted(info.required - names):
            yield Finding(
                location, f"{caller} does not give input {name!r}, which workflow {called.workflow_id!r} requires"
            )
