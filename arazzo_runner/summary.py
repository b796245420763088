"""What ``arazzo list`` and ``arazzo show`` report, as JSON-ready data (docs/json.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .credentials import CredentialNeed, env_variable, scheme_fields, scheme_type
from .errors import UsageError
from .model import Step, Workflow
from .targets import resolve_operation

if TYPE_CHECKING:  # pragma: no cover
    from .loading.sources import Description

__all__ = ["list_workflows", "show_workflow", "find_workflow"]


def _inputs_schema(description: Description, workflow: Workflow) -> Any:
    """The workflow's inputs schema, with a top-level ``$ref`` into components followed."""
    schema = workflow.inputs
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        ref = schema["$ref"]
        prefix = "#/components/inputs/"
        if ref.startswith(prefix):
            components = description.document.components
            target = components.inputs.get(ref[len(prefix) :]) if components is not None else None
            if target is not None:
                return target
    return schema


def _required(schema: Any) -> list[str]:
    if isinstance(schema, dict) and isinstance(schema.get("required"), list):
        return [name for name in schema["required"] if isinstance(name, str)]
    return []


def list_workflows(description: Description) -> dict[str, Any]:
    """``{"workflows": [...]}``: every workflow with its inputs schema, required inputs, outputs."""
    workflows = []
    for workflow in description.document.workflows:
        schema = _inputs_schema(description, workflow)
        workflows.append(
            {
                "workflowId": workflow.workflow_id,
                "summary": workflow.summary,
                "description": workflow.description,
                "inputs": schema,
                "required": _required(schema),
                "outputs": list(workflow.outputs),
            }
        )
    return {"workflows": workflows}


def find_workflow(description: Description, workflow_id: str) -> Workflow:
    """The workflow ``workflow_id`` of the entry document (UsageError naming the known ones)."""
    workflow = description.document.workflow(workflow_id)
    if workflow is None:
        known = ", ".join(str(w.workflow_id) for w in description.document.workflows) or "none"
        raise UsageError(f"no workflow {workflow_id!r} in {description.file} (workflows: {known})")
    return workflow


def _step_entry(description: Description, step: Step, needs: dict[tuple[str, str], CredentialNeed]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "stepId": step.step_id,
        "kind": step.kind,
        "operationId": None,
        "method": None,
        "url": None,
        "workflowId": step.workflow_id,
    }
    if step.kind == "asyncapi":
        return _message_entry(description, step, entry, needs)
    if step.kind != "operation":
        return entry
    target = resolve_operation(description, step)
    operation = target.operation
    entry.update(operationId=operation.operation_id, method=operation.method, url=operation.url_template())
    index = description.openapi(target.source)
    for requirement in operation.security or ():
        for scheme_name in requirement:
            key = (target.source, scheme_name)
            scheme = index.security_schemes.get(scheme_name)
            if key in needs or not isinstance(scheme, dict):
                continue
            variables = tuple(env_variable(target.source, scheme_name, f) for f in scheme_fields(scheme))
            needs[key] = CredentialNeed(target.source, scheme_name, scheme_type(scheme), variables)
    return entry


def _message_entry(
    description: Description, step: Step, entry: dict[str, Any], needs: dict[tuple[str, str], CredentialNeed]
) -> dict[str, Any]:
    """An AsyncAPI step: ``action`` (SEND/RECEIVE as ``method``), the server and channel as
    ``url`` (``mqtt://host:1883/orders/{orderId}/confirmed``), and the login it may use."""
    from .targets import resolve_message

    target = resolve_message(description, step)
    operation = target.operation
    server = operation.servers[0].url() if operation.servers else f"({target.source}: no server, use --server)"
    entry.update(
        operationId=operation.operation_id,
        method=(step.action or "?").upper(),
        url=f"{server.rstrip('/')}/{(operation.channel.address or '').lstrip('/')}",
        channel=operation.channel.name,
        source=target.source,
    )
    schemes = description.asyncapi(target.source).security_schemes
    for alternative in operation.security or (operation.servers[0].security if operation.servers else ()):
        for requirement in alternative:
            name = requirement.scheme_name
            scheme = schemes.get(name) if name else None
            if name is None or (target.source, name) in needs or not isinstance(scheme, dict):
                continue
            variables = tuple(env_variable(target.source, name, f) for f in scheme_fields(scheme))
            needs[(target.source, name)] = CredentialNeed(target.source, name, scheme_type(scheme), variables)
    return entry


def show_workflow(description: Description, workflow_id: str) -> dict[str, Any]:
    """One workflow: inputs, each step's target (method and URL template), outputs, credentials."""
    workflow = find_workflow(description, workflow_id)
    needs: dict[tuple[str, str], CredentialNeed] = {}
    steps = [_step_entry(description, step, needs) for step in workflow.steps]
    return {
        "workflowId": workflow.workflow_id,
        "summary": workflow.summary,
        "description": workflow.description,
        "inputs": _inputs_schema(description, workflow),
        "steps": steps,
        "outputs": list(workflow.outputs),
        "credentials": [need.to_dict() for need in needs.values()],
    }
