"""Running one step: the checks before it, what it calls, and its result.

Operation steps build their request with :mod:`.request` and yield a ``Send`` effect
(:mod:`.operation_step`); AsyncAPI steps publish or receive a message (:mod:`.message_step`);
workflow steps run the sub-workflow through the engine.  The values
a step sends and keeps are evaluated by :mod:`.step_values`.  A failing step is data (a
StepResult whose status is ``failed`` with the reason and its type), never an exception out
of here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import ArazzoError, ExpressionError
from ..expressions import ExpressionContext
from ..missing import MISSING
from ..model import Step, Workflow
from ..targets import resolve_workflow
from .inputs import InputsError
from .message_step import MessageStep
from .operation_step import DeadlineExceeded, OperationStep, StepFailure
from .response_body import SECRET_HEADERS, parse_body
from .results import StepResult

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine

__all__ = ["StepRunner", "StepFailure", "DeadlineExceeded", "failure_of", "parse_body", "SECRET_HEADERS"]


def failure_of(error: StepFailure | ArazzoError) -> tuple[str, str]:
    """(error type, message) of a step that ``error`` stopped."""
    if isinstance(error, StepFailure):
        return error.kind, error.message
    if isinstance(error, InputsError):
        return "inputs", error.message
    if isinstance(error, ExpressionError):
        return "expression", error.message
    return "document", str(error)


class StepRunner(OperationStep, MessageStep):
    """Runs steps for one :class:`~.engine.Engine`."""

    def __init__(self, engine: Engine, credentials: Any = None) -> None:
        self.engine = engine
        self.credentials = credentials

    # ------------------------------------------------------------ one step

    def run(
        self, description: Any, workflow: Workflow, step: Step, context: ExpressionContext, attempt: int, depth: int
    ) -> Any:
        engine = self.engine
        workflow_id, step_id = workflow.workflow_id or "", step.step_id or ""
        yield engine.started_event(workflow_id, step, attempt)
        # $statusCode, $request.*, $response.* ... are this step's: a step that fails before
        # (or without) a response must not show its criteria the previous step's exchange
        context.status_code, context.url, context.method = MISSING, MISSING, MISSING
        context.request = context.response = None
        started = engine.clock()
        result = StepResult(step_id, workflow_id, "failed", attempt, location=step.location)
        deadline = (
            started + step.timeout / 1000.0 if isinstance(step.timeout, (int, float)) and step.timeout > 0 else None
        )
        if deadline is not None:
            engine.deadlines.append(deadline)
        try:
            self.check_dependencies(description, workflow, step)
            kind = step.kind
            if kind == "workflow":
                yield from self.run_workflow_step(description, workflow, step, context, result, depth)
            elif kind == "operation":
                yield from self.run_operation(description, workflow, step, context, result, deadline)
            elif kind == "asyncapi":
                yield from self.run_message(description, workflow, step, context, result, deadline)
            else:
                raise StepFailure("document", f"step {step_id!r} has no operationId, operationPath or workflowId")
        except DeadlineExceeded:
            if deadline is None or engine.clock() < deadline:
                raise
            result.status, result.error_type = "failed", "timeout"
            result.error = f"step {step_id!r} did not complete within its timeout of {step.timeout} ms"
        except (StepFailure, ArazzoError) as error:
            result.status = "failed"
            result.error_type, result.error = failure_of(error)
        finally:
            if deadline is not None:
                engine.deadlines.remove(deadline)
        if deadline is not None and result.status == "succeeded" and engine.clock() > deadline:
            result.status, result.error_type = "failed", "timeout"
            result.error = f"step {step_id!r} did not complete within its timeout of {step.timeout} ms"
        result.elapsed = engine.clock() - started
        if result.status == "succeeded":
            engine.completed_steps.add((description.uri, workflow_id, step_id))
        yield engine.finished(result)
        return result

    def check_dependencies(self, description: Any, workflow: Workflow, step: Step) -> None:
        """Every 1.1 ``dependsOn`` entry names a step that has completed (succeeded) in this run.

        dependsOn never runs a step: the engine orders the workflow's own steps so that they
        run first, but a goto may skip one, and a step of another workflow completes only
        when that workflow ran (as a workflow dependsOn, or a workflow step) before.
        """
        for name in step.depends_on:
            wanted = self.depends_on_target(description, workflow, name)
            if wanted is None:
                raise StepFailure(
                    "criteria",
                    f"step {step.step_id!r} depends on {name!r}, which is not a step of workflow "
                    f"{workflow.workflow_id!r} (dependsOn)",
                )
            uri, workflow_id, step_id = wanted
            if (uri, workflow_id, step_id) in self.engine.completed_steps:
                continue
            if name.startswith("$"):
                raise StepFailure(
                    "criteria",
                    f"step {step.step_id!r} depends on step {step_id!r} of workflow {workflow_id!r} ({name}), "
                    f"which has not completed in this run: dependsOn does not run it; run workflow {workflow_id!r} "
                    "first (name it in this workflow's dependsOn, or call it from an earlier step)",
                )
            raise StepFailure(
                "criteria",
                f"step {step.step_id!r} depends on {name!r}, which has not completed in this run "
                "(it failed, or a goto skipped it; dependsOn does not run steps)",
            )

    @staticmethod
    def depends_on_target(description: Any, workflow: Workflow, name: str) -> tuple[str, str, str] | None:
        """(description URI, workflowId, stepId) of the step a ``dependsOn`` entry names, or
        None when a plain entry is no step of ``workflow``; a source that is not an Arazzo
        document raises (ArazzoError)."""
        parts = name.split(".")
        if name.startswith("$workflows.") and len(parts) >= 4 and parts[2] == "steps":
            return description.uri, parts[1], ".".join(parts[3:])
        if name.startswith("$sourceDescriptions.") and len(parts) >= 5 and parts[3] == "steps":
            return description.arazzo(parts[1]).uri, parts[2], ".".join(parts[4:])
        if workflow.step(name) is None:
            return None
        return description.uri, workflow.workflow_id or "", name

    # ------------------------------------------------------------ workflow steps

    def run_workflow_step(
        self,
        description: Any,
        workflow: Workflow,
        step: Step,
        context: ExpressionContext,
        result: StepResult,
        depth: int,
    ) -> Any:
        target = resolve_workflow(description, step.workflow_id, step.location.child("workflowId"))
        given = {
            name: value
            for (name, _), value in self.parameter_values(description, workflow, step, context).items()
            if value is not MISSING  # a missing value is left out, as in a request
        }
        inputs = self.validated_inputs(target, given)
        outcome = yield from self.engine.run_workflow(target.description, target.workflow, inputs, depth + 1)
        inner = outcome.context
        context.status_code, context.response, context.request = inner.status_code, inner.response, inner.request
        context.url, context.method = inner.url, inner.method
        saved = context.outputs
        context.outputs = outcome.outputs
        try:
            yield from self.conclude(workflow, step, context, result, default_success=True)
        finally:
            context.outputs = saved
        if outcome.status != "succeeded":
            result.status = "failed"
            reason = outcome.error.message if outcome.error is not None else "it failed"
            result.error = f"workflow {step.workflow_id!r} failed: {reason}"
            result.error_type = outcome.error.type if outcome.error is not None else "criteria"

    # ------------------------------------------------------------ lookups

    def last_header(self, context: ExpressionContext, name: str) -> str | None:
        response = context.response
        if response is None:
            return None
        value = response.headers.get(name.lower())
        return str(value) if value is not None else None

    def source_lookup(self, description: Any) -> Callable[[str, str], Any]:
        def lookup(name: str, reference: str) -> Any:
            declared = description.document.source_description(name)
            if declared is None:
                return MISSING
            try:
                source = description.source(name)
                if source.type == "openapi" and description.openapi(name).operation(reference) is not None:
                    return reference
                if source.type == "arazzo" and description.arazzo(name).document.workflow(reference) is not None:
                    return reference
                kind = source.type
            except ArazzoError:
                kind = declared.type
            fields = {"name": declared.name, "url": declared.url, "type": declared.type or kind}
            value = fields.get(reference)
            return MISSING if value is None else value

        return lookup
