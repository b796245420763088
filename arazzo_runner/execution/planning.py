"""Planning a run before it starts: every operation and workflow it can reach, resolved.

An unknown operation or workflow id, an action of the wrong type or naming nothing, a
``dependsOn`` cycle and an operation without an absolute server URL stop the run here,
before any request.
"""

from __future__ import annotations

from typing import Any

from ..errors import DocumentError, UsageError
from ..model import FailureAction, Workflow
from ..step_order import cycle_error, execution_order
from .actions import merge_actions
from .engine import RunOptions

__all__ = ["Planner"]


class Planner:
    """Plans the runs of one Runner; resolved operations go to ``cache`` (shared with the
    engines), and a workflow planned once is not planned again."""

    def __init__(self, options: RunOptions, cache: dict[Any, Any]) -> None:
        self.options = options
        self._cache = cache
        self._planned: set[str] = set()

    def plan(self, description: Any, workflow: Workflow, seen: set[tuple[str, str]] | None = None) -> None:
        """Resolve every operation and workflow a run of ``workflow`` can reach: an unknown
        id, a bad action or a dependency cycle raises DocumentError before any request."""
        from ..targets import resolve_operation, resolve_workflow

        seen = set() if seen is None else seen
        key = (description.uri, workflow.workflow_id or "")
        if key in seen or f"{key}" in self._planned:
            return
        seen.add(key)
        components = description.document.components
        order = execution_order(workflow, components)
        if order is None:
            raise cycle_error(workflow, components)
        self._cache[("step-order", id(description), id(workflow))] = order  # the engine's key: computed once
        for step in workflow.steps:
            if step.kind == "operation":
                cache_key = ("operation", id(description), id(step))
                if cache_key not in self._cache:
                    self._cache[cache_key] = resolve_operation(description, step)
                self.check_server(self._cache[cache_key], step)
            elif step.kind == "workflow":
                target = resolve_workflow(description, step.workflow_id, step.location.child("workflowId"))
                self.plan(target.description, target.workflow, seen)
            # every action the step can take, workflow-level and $components ones included
            # (merge_actions raises for a reference to nothing)
            actions = [
                *merge_actions(step.on_success, workflow.success_actions, components, "successActions"),
                *merge_actions(step.on_failure, workflow.failure_actions, components, "failureActions"),
            ]
            for action in actions:
                allowed = ("end", "goto", "retry") if isinstance(action, FailureAction) else ("end", "goto")
                if action.type not in allowed:
                    raise DocumentError(
                        f"action {action.name!r} has type {action.type!r}; expected one of {', '.join(allowed)}",
                        action.location.child("type"),
                    )
                if action.type == "goto" and action.step_id is None and action.workflow_id is None:
                    raise DocumentError(
                        f"goto action {action.name!r} names neither a stepId nor a workflowId", action.location
                    )
                if action.step_id is not None and workflow.step(action.step_id) is None:
                    raise DocumentError(
                        f"action {action.name!r} ({action.type}) names step {action.step_id!r}, "
                        f"which does not exist in workflow {workflow.workflow_id!r}",
                        action.location.child("stepId"),
                    )
                if action.workflow_id is not None:
                    target = resolve_workflow(description, action.workflow_id, action.location.child("workflowId"))
                    self.plan(target.description, target.workflow, seen)
        self.check_dependencies(description, workflow, [key], seen)
        self._planned.add(f"{key}")

    def check_server(self, target: Any, step: Any) -> None:
        """An operation with no absolute server URL cannot be sent anywhere: refuse the run."""
        if target.source in self.options.servers:
            return
        operation = target.operation
        server = operation.server_url(self.options.server_variables)
        if not server.startswith(("http://", "https://")):
            raise UsageError(
                f"step {step.step_id!r}: the server of operation {operation.operation_id or operation.path!r} "
                f"is {server!r}, not a full URL; pass --server {target.source}=URL (servers={{...}} in Python)",
                step.location,
            )

    def check_dependencies(
        self, description: Any, workflow: Workflow, chain: list[tuple[str, str]], seen: set[tuple[str, str]]
    ) -> None:
        from ..targets import resolve_workflow

        for index, name in enumerate(workflow.depends_on):
            target = resolve_workflow(description, name, workflow.location.child("dependsOn", index))
            key = (target.description.uri, target.workflow.workflow_id or "")
            if key in chain:
                cycle = " -> ".join(k[1] for k in [*chain, key])
                raise DocumentError(
                    f"workflow dependsOn makes a cycle: {cycle}", workflow.location.child("dependsOn", index)
                )
            self.check_dependencies(target.description, target.workflow, [*chain, key], seen)
            self.plan(target.description, target.workflow, seen)
