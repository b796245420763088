"""The workflow side of an operation step on Temporal: the step becomes an :class:`OperationCall`.

The engine runs as Temporal workflow code (:mod:`.workflow`), where nothing may do I/O or
depend on anything but the history.  Its flow (criteria that pick actions, retries, goto,
sub-workflows, dependsOn, the guards) stays there; an operation step's whole exchange
(request built, credentials added, sent, the response read, the success criteria, the
outputs, and the criteria of every action that may follow) runs in one activity on a worker
(:mod:`.operation`), which returns what the engine needs: the events, the step's result, its
outputs, and which action criteria hold.  Evaluating there keeps the history small (the
response body is kept only up to a cap) and the replay deterministic (a regex that runs out of
its time limit gives its answer once, in the activity, and the history keeps it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..execution.engine import Engine
from ..execution.operation_step import DeadlineExceeded, StepFailure
from ..execution.results import StepResult
from ..execution.steps import StepRunner
from ..expressions import ExpressionContext
from ..model import Criterion, Step, Workflow
from .wire import from_wire, message_from_wire, to_wire

__all__ = ["OperationCall", "RemoteSteps", "RemoteEngine", "RunState"]


@dataclass(frozen=True)
class OperationCall:
    """Effect: run this operation step on a worker; ``public`` may show in the Temporal UI,
    ``sealed`` travels as a :class:`~.codec.Sealed` payload.  The answer is the activity's reply."""

    public: dict[str, Any]
    sealed: dict[str, Any]
    step_id: str


class RunState:
    """What a run on Temporal carries from one step's activity to the next."""

    def __init__(self, secrets: list[str]) -> None:
        self.cookies: list[list[Any]] = []
        self.secrets: list[str] = list(secrets)  # each secret the run met, to redact in every activity
        self.warned: list[str] = []  # credential warnings given (once per run)
        self.warnings: list[str] = []
        self.evaluated: dict[str, bool] | None = None  # action criteria the last activity evaluated
        self.pinned: str | None = None  # the own queue of the worker holding the run's mock state


class RemoteEngine(Engine):
    """The engine as workflow code: action criteria the activity evaluated are taken as given."""

    state: RunState

    def criteria_hold(self, criteria: tuple[Criterion, ...], context: ExpressionContext) -> bool:
        known = self.state.evaluated
        if known is not None and all(criterion.location.pointer in known for criterion in criteria):
            return all(known[criterion.location.pointer] for criterion in criteria)
        return super().criteria_hold(criteria, context)


class RemoteSteps(StepRunner):
    """A StepRunner whose operation steps are :class:`OperationCall` effects."""

    engine: RemoteEngine

    def run(
        self, description: Any, workflow: Workflow, step: Step, context: ExpressionContext, attempt: int, depth: int
    ) -> Any:
        self.engine.state.evaluated = None  # what an earlier step's activity evaluated is not this step's
        return (yield from super().run(description, workflow, step, context, attempt, depth))

    def run_operation(
        self,
        description: Any,
        workflow: Workflow,
        step: Step,
        context: ExpressionContext,
        result: StepResult,
        deadline: float | None,
    ) -> Any:
        engine = self.engine
        state = engine.state
        now = engine.clock()
        step_id = step.step_id or ""
        public = {
            "descriptionUri": description.uri,
            "workflowId": workflow.workflow_id,
            "stepId": step_id,
            "attempt": result.attempt,
            "budget": engine.remaining(),
            "deadline": min(engine.deadlines) - now if engine.deadlines else None,
            "ownDeadline": deadline - now if deadline is not None else None,
            "serverNotices": [[source, list(choices)] for source, choices in sorted(engine.server_notices)],
            "warned": list(state.warned),
        }
        sealed = {
            "inputs": to_wire(context.inputs),
            "steps": to_wire(context.steps),
            "workflows": to_wire(engine.workflows_data),
            "cookies": state.cookies,
            "secrets": state.secrets,
        }
        reply = yield OperationCall(public, sealed, step_id)
        for event in reply["events"]:
            yield from_wire(event)
        engine.server_notices.update((source, tuple(choices)) for source, choices in reply["serverNotices"])
        state.warned = reply["warned"]
        state.warnings.extend(w for w in reply["warnings"] if w not in state.warnings)
        state.cookies = reply["cookies"]
        state.secrets.extend(s for s in reply["secrets"] if s not in state.secrets)
        state.evaluated = reply["criteria"]
        seen = reply["context"]
        context.status_code, context.url, context.method = (from_wire(seen[k]) for k in ("statusCode", "url", "method"))
        context.request = message_from_wire(seen["request"])
        context.response = message_from_wire(seen["response"])
        if "outputs" in reply:
            context.steps[step_id] = from_wire(reply["outputs"])  # type: ignore[index]
        shown = reply["result"]
        result.request, result.response = from_wire(shown["request"]), from_wire(shown["response"])
        result.outputs = from_wire(shown["outputs"])  # masked by the worker: the credentials are its own
        result.status, result.error, result.error_type = shown["status"], shown["error"], shown["errorType"]
        stopped = reply.get("stopped")
        if stopped == "deadline":
            if engine.deadlines and engine.clock() >= min(engine.deadlines):
                raise DeadlineExceeded()
            stopped = "failure"  # the worker's clock ran ahead of this one: the step's own timeout
        if stopped == "failure":
            raise StepFailure(shown["errorType"] or "network", shown["error"] or f"step {step_id!r} failed")

    def run_message(
        self,
        description: Any,
        workflow: Workflow,
        step: Step,
        context: ExpressionContext,
        result: StepResult,
        deadline: float | None,
    ) -> Any:
        # a message step would hold a broker connection and its subscriptions across steps,
        # which activities on any worker cannot share: not mapped yet (docs/temporal.md)
        raise StepFailure(
            "unsupported",
            f"step {step.step_id!r} sends or receives an AsyncAPI message, which runs on Temporal are not able "
            "to do yet: run this workflow without --temporal",
        )
        yield  # pragma: no cover - a generator, like the method it overrides

    def subscribe_ahead(self, description: Any, workflow: Workflow, context: ExpressionContext) -> Any:
        return
        yield  # pragma: no cover
