"""The workflow engine: a generator that yields events and effects, and never does I/O.

The engine yields :class:`Send` (a request to send) and :class:`Sleep` (a delay) effects and
receives their results; everything else it yields is an :class:`~.results.Event`.  A driver
(:mod:`.runner`) performs the effects with httpx, synchronously or with asyncio, so one
engine serves ``run``, ``run_async`` and ``iter_events``, and tests drive it with a fake
clock.  The flow rules are the specification's, with docs/decisions.md, part 1, where it is silent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ArazzoError, DocumentError, Location
from ..expressions import ExpressionContext, evaluate_criterion
from ..expressions.criteria import CriterionResult
from ..model import Criterion, FailureAction, Step, Workflow
from ..step_order import cycle_error, execution_order
from .actions import Action, choose_action, merge_actions, retry_delay
from .inputs import undeclared_inputs
from .results import (
    ActionTaken,
    CriterionChecked,
    Event,
    Notice,
    RunError,
    RunFinished,
    RunResult,
    StepFinished,
    StepResult,
    StepStarted,
    WorkflowFinished,
    WorkflowStarted,
)
from .steps import DeadlineExceeded, StepRunner

__all__ = ["Engine", "RunOptions", "Send", "Sleep", "Exchange", "Outcome", "Transferred", "Abort"]


MAX_DEPTH = 64  # sub-workflows within sub-workflows: a cycle of workflow steps stops here


@dataclass(frozen=True)
class RunOptions:
    """The guards and overrides of a run (the CLI defaults of docs/cli.md)."""

    servers: Mapping[str, str] = field(default_factory=dict)
    server_variables: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 30.0
    max_time: float = 600.0
    max_steps: int = 1000
    max_retry_after: float = 60.0
    max_response_bytes: int = 52_428_800
    follow_redirects: bool = False
    dry_run: bool = False
    check_responses: bool | str = False  # True: a mismatch fails the step; "warn": a notice
    check_requests: bool | str = False  # the same, for each request just before it is sent
    receive_timeout: float = 30.0  # how long a receive step waits when it has no timeout of its own


@dataclass(frozen=True, slots=True)
class Send:
    """Effect: send this request; the driver answers with an :class:`Exchange`."""

    method: str
    url: str
    headers: list[tuple[str, str]]
    content: bytes | None
    timeout: float
    follow_redirects: bool
    max_bytes: int


@dataclass(frozen=True, slots=True)
class Sleep:
    """Effect: wait this many seconds."""

    seconds: float


@dataclass(slots=True)
class Exchange:
    """What came back for a :class:`Send`: a response, or the error that stopped it."""

    status_code: int = 0
    headers: list[tuple[str, str]] = field(default_factory=list)
    content: bytes = b""
    elapsed: float = 0.0
    error: str | None = None
    error_type: str | None = None  # network | timeout


@dataclass(slots=True)
class Outcome:
    """How a workflow ended."""

    status: str
    outputs: dict[str, Any]
    error: RunError | None
    context: ExpressionContext


@dataclass(slots=True)
class Transferred:
    """A ``goto`` to another workflow ended the step loop: that workflow's outcome."""

    outcome: Outcome


class Abort(Exception):
    """Stops the whole run (max-steps, max-time)."""

    def __init__(self, error: RunError) -> None:
        super().__init__(error.message)
        self.error = error


Effects = Generator[Any, Any, Any]


class Engine:
    """Runs workflows of one loaded description; one instance per run."""

    def __init__(
        self,
        description: Any,
        options: RunOptions,
        *,
        clock: Callable[[], float] = time.monotonic,
        credentials: Any = None,
        cache: dict[Any, Any] | None = None,
    ) -> None:
        self.description = description
        self.options = options
        self.clock = clock
        self.steps: list[StepResult] = []
        self.executed = 0
        self.started = clock()
        self.workflows_data: dict[str, dict[str, Any]] = {}
        self.dependencies: dict[tuple[str, str], Outcome] = {}
        self.completed_steps: set[tuple[str, str, str]] = set()  # (description URI, workflowId, stepId)
        self.cache = cache if cache is not None else {}
        self.server_notices: set[tuple[str, tuple[str, ...]]] = set()  # warned once per run
        self.deadlines: list[float] = []  # 1.1 step timeouts in force, absolute clock times
        # AsyncAPI: subscriptions open (server key, filter), the one each receive step reads
        # (step id(), server key) -> filter, and per subscription the messages read but not yet
        # taken by a receive step (another correlation id, another concrete channel)
        self.subscribed: set[tuple[Any, str]] = set()
        self.step_subscriptions: dict[tuple[int, Any], str] = {}
        self.subscribed_steps: set[int] = set()  # receive steps (id()) whose subscription is open
        self.mailboxes: dict[tuple[Any, str], list[Any]] = {}
        self.step_runner = StepRunner(self, credentials)

    # ------------------------------------------------------------ the run

    def run(self, workflow: Workflow, inputs: dict[str, Any]) -> Effects:
        """The whole run of ``workflow``; returns (and yields last) the RunResult."""
        result = RunResult(workflow.workflow_id, "failed")
        data = self.description.parsed.data if isinstance(self.description.parsed.data, dict) else None
        for name in undeclared_inputs(workflow.inputs, inputs, data):
            warning = f"input {name!r} is not declared by the inputs of workflow {workflow.workflow_id!r}"
            result.warnings.append(warning)
            yield Notice(warning)
        try:
            outcome = yield from self.run_workflow(self.description, workflow, inputs, 0)
            result.status, result.outputs, result.error = outcome.status, outcome.outputs, outcome.error
        except Abort as abort:
            result.status, result.error = "failed", abort.error
        except ArazzoError as error:
            # met on the way (the inputs of a workflow a goto transfers to, ...): once a step
            # has run, the run has started and fails as data; before, it could not start
            if self.executed == 0:
                raise
            result.status, result.error = "failed", self.document_error(error, None)
        result.steps = self.steps
        yield RunFinished(result)
        return result

    def check_guards(self, step: Step) -> None:
        if self.deadlines and self.clock() >= min(self.deadlines):
            raise DeadlineExceeded()
        if self.executed >= self.options.max_steps:
            raise Abort(
                RunError(
                    "max-steps",
                    f"stopped after {self.executed} step executions (--max-steps {self.options.max_steps}); "
                    "a goto loop?",
                    step.step_id,
                    step.location,
                )
            )
        if self.clock() - self.started >= self.options.max_time:
            raise Abort(
                RunError(
                    "max-time",
                    f"the run took longer than --max-time {self.options.max_time:g} s",
                    step.step_id,
                    step.location,
                )
            )

    def remaining(self) -> float:
        return max(0.0, self.options.max_time - (self.clock() - self.started))

    def wait_budget(self) -> float:
        """How long the run may wait: until --max-time, or the earliest step deadline."""
        budget = self.remaining()
        if self.deadlines:
            budget = min(budget, max(0.0, min(self.deadlines) - self.clock()))
        return budget

    # ------------------------------------------------------------ workflows

    def new_context(self, description: Any, inputs: dict[str, Any]) -> ExpressionContext:
        data = description.parsed.data if isinstance(description.parsed.data, dict) else {}
        components = data.get("components") if isinstance(data.get("components"), dict) else {}
        return ExpressionContext(
            inputs=inputs,
            steps={},
            workflows=self.workflows_data,
            components=components,
            source_descriptions=self.step_runner.source_lookup(description),
            self_uri=description.base_uri,
        )

    def run_workflow(self, description: Any, workflow: Workflow, inputs: dict[str, Any], depth: int) -> Effects:
        workflow_id = workflow.workflow_id or ""
        if depth > MAX_DEPTH:
            raise Abort(
                RunError(
                    "max-steps",
                    f"workflows nest deeper than {MAX_DEPTH} levels at {workflow_id!r} (do workflows call each other?)",
                    None,
                    workflow.location,
                )
            )
        yield WorkflowStarted(workflow_id, depth)
        if self.step_runner.receive_steps(description, workflow):
            # before its dependencies and first step run: they may publish what it waits for
            yield from self.step_runner.subscribe_ahead(description, workflow, self.new_context(description, inputs))
        failed_dependency = yield from self.run_dependencies(description, workflow, inputs, depth)
        context = self.new_context(description, inputs)
        self.workflows_data[workflow_id] = {"inputs": inputs, "outputs": {}}
        if failed_dependency is not None:
            yield WorkflowFinished(workflow_id, "failed", {}, depth)
            return Outcome("failed", {}, failed_dependency, context)
        outcome = yield from self.run_steps(description, workflow, context, depth)
        if isinstance(outcome, Transferred):
            return outcome.outcome
        outputs = yield from self.workflow_outputs(workflow, context, outcome.status == "succeeded")
        self.workflows_data[workflow_id]["outputs"] = outputs
        yield WorkflowFinished(workflow_id, outcome.status, outputs, depth)
        return Outcome(outcome.status, outputs, outcome.error, context)

    def run_dependencies(self, description: Any, workflow: Workflow, inputs: dict[str, Any], depth: int) -> Effects:
        from ..targets import resolve_workflow

        for index, name in enumerate(workflow.depends_on):
            target = resolve_workflow(description, name, workflow.location.child("dependsOn", index))
            key = (target.description.uri, target.workflow.workflow_id or "")
            outcome = self.dependencies.get(key)
            if outcome is None:
                dependency_inputs = self.step_runner.inputs_for(
                    target.description, target.workflow, inputs, declared_only=True
                )
                outcome = yield from self.run_workflow(
                    target.description, target.workflow, dependency_inputs, depth + 1
                )
                self.dependencies[key] = outcome
            if outcome.status != "succeeded":
                reason = f": {outcome.error.message}" if outcome.error else ""
                return RunError(
                    outcome.error.type if outcome.error else "criteria",
                    f"workflow {workflow.workflow_id!r} depends on {name!r}, which failed{reason}",
                    None,
                    workflow.location,
                )
        return None

    def workflow_outputs(self, workflow: Workflow, context: ExpressionContext, succeeded: bool = True) -> Effects:
        """The workflow's outputs (evaluated either way); unresolvable ones are left out, and
        reported when the workflow succeeded (after a failure they are expected to be missing)."""
        outputs: dict[str, Any] = {}
        for name, expression in workflow.outputs.items():
            value, problem = self.step_runner.output_value(expression, context)
            if problem is None:
                outputs[name] = value
            elif succeeded:
                yield Notice(f"workflow output {name!r} of {workflow.workflow_id!r} {problem}")
        return outputs

    # ------------------------------------------------------------ the step loop

    def run_steps(self, description: Any, workflow: Workflow, context: ExpressionContext, depth: int) -> Effects:
        steps = workflow.steps
        components = description.document.components
        # `order` lists the step indices in the order they run (array order unless 1.1
        # dependsOn asks for another); `position` walks it, so "next" is the next in order
        order = self.step_order(description, workflow)
        position = 0
        positions: dict[int, int] | None = None
        attempts: dict[int, int] = {}
        retries: dict[int, dict[str | None, int]] = {}
        workflow_id = workflow.workflow_id or ""
        has_receives = bool(self.step_runner.receive_steps(description, workflow))
        while position < len(order):
            index = order[position]
            step = steps[index]
            self.check_guards(step)
            if has_receives:
                yield from self.step_runner.subscribe_ahead(description, workflow, context)
            attempts[index] = attempts.get(index, 0) + 1
            result = yield from self.step_runner.run(description, workflow, step, context, attempts[index], depth)
            succeeded = result.status == "succeeded"
            if succeeded:
                actions = merge_actions(step.on_success, workflow.success_actions, components, "successActions")
            else:
                actions = merge_actions(step.on_failure, workflow.failure_actions, components, "failureActions")
            used = retries.setdefault(index, {})
            action = choose_action(actions, lambda a: self.criteria_hold(a.criteria, context), used)
            step_id = step.step_id or ""
            if action is None:
                if succeeded:
                    yield ActionTaken(workflow_id, step_id, "next", None, None)
                    position += 1
                    continue
                yield ActionTaken(workflow_id, step_id, "fail", None, None)
                return Outcome("failed", {}, self.step_error(result, step), context)
            if action.type == "end":
                yield ActionTaken(workflow_id, step_id, "end", action.name, None)
                status = "succeeded" if succeeded else "failed"
                return Outcome(status, {}, None if succeeded else self.step_error(result, step), context)
            if action.type == "retry" and isinstance(action, FailureAction):
                used[action.name] = used.get(action.name, 0) + 1
                header = self.step_runner.last_header(context, "retry-after")
                # never wait past the run's --max-time or a 1.1 step timeout in force: the
                # guards then stop the run (or the step) when the wait is over
                delay = min(retry_delay(action, header, self.options.max_retry_after), self.wait_budget())
                yield ActionTaken(
                    workflow_id, step_id, "retry", action.name, action.step_id or action.workflow_id, delay
                )
                if delay > 0:
                    yield Sleep(delay)
                yield from self.run_detour(description, workflow, action, context, depth)
                continue
            # goto
            if action.step_id is not None:
                target = next((i for i, s in enumerate(steps) if s.step_id == action.step_id), None)
                if target is None:
                    raise DocumentError(
                        f"goto step {action.step_id!r} does not exist in workflow {workflow_id!r}", action.location
                    )
                yield ActionTaken(workflow_id, step_id, "goto", action.name, action.step_id)
                attempts[target] = 0
                retries.pop(target, None)
                if positions is None:  # built on the first goto: a goto loop asks again and again
                    positions = {number: place for place, number in enumerate(order)}
                position = positions[target]
                continue
            yield ActionTaken(workflow_id, step_id, "goto", action.name, action.workflow_id)
            outcome = yield from self.transfer(description, workflow, action, context, depth)
            return Transferred(outcome)
        return Outcome("succeeded", {}, None, context)

    def step_order(self, description: Any, workflow: Workflow) -> list[int]:
        """The indices of the workflow's steps in the order they run (see :mod:`..step_order`);
        steps that depend on each other in a cycle cannot run: a DocumentError names them."""
        key = ("step-order", id(description), id(workflow))
        order: list[int] | None = self.cache.get(key)
        if order is None:
            components = description.document.components
            order = execution_order(workflow, components)
            if order is None:
                raise cycle_error(workflow, components)
            self.cache[key] = order
        return order

    def criteria_hold(self, criteria: tuple[Criterion, ...], context: ExpressionContext) -> bool:
        return all(self.criterion(criterion, context).passed for criterion in criteria)

    def criterion(self, criterion: Criterion, context: ExpressionContext) -> CriterionResult:
        """One criterion, within what is left of the run's time (--max-time, step timeout)."""
        try:
            return evaluate_criterion(
                criterion.condition,
                context,
                criterion_context=criterion.context,
                type_=criterion.type,
                time_limit=self.wait_budget(),
            )
        except RecursionError:  # a value nested too deeply for Python to walk
            return CriterionResult(False, "the value is nested too deeply to evaluate")

    def step_error(self, result: StepResult, step: Step) -> RunError:
        return RunError(
            result.error_type or "criteria",
            result.error or f"step {step.step_id!r} failed",
            step.step_id,
            step.location,
        )

    def run_detour(
        self, description: Any, workflow: Workflow, action: Action, context: ExpressionContext, depth: int
    ) -> Effects:
        """A retry's ``stepId`` or ``workflowId``: run it first, then the step is retried."""
        if action.step_id is not None:
            step = workflow.step(action.step_id)
            if step is None:
                raise DocumentError(f"retry step {action.step_id!r} does not exist", action.location)
            self.check_guards(step)
            yield from self.step_runner.run(description, workflow, step, context, 1, depth)
        elif action.workflow_id is not None:
            from ..targets import resolve_workflow

            target = resolve_workflow(description, action.workflow_id, action.location.child("workflowId"))
            inputs = self.step_runner.action_inputs(description, action, target, context)
            yield from self.run_workflow(target.description, target.workflow, inputs, depth + 1)

    def transfer(
        self, description: Any, workflow: Workflow, action: Action, context: ExpressionContext, depth: int
    ) -> Effects:
        """``goto`` a workflow: a one-way transfer; its outcome is the workflow's outcome."""
        from ..targets import resolve_workflow

        target = resolve_workflow(description, action.workflow_id, action.location.child("workflowId"))
        inputs = self.step_runner.action_inputs(description, action, target, context)
        outcome = yield from self.run_workflow(target.description, target.workflow, inputs, depth + 1)
        return outcome

    # ------------------------------------------------------------ checks used by steps

    def checked_criteria(
        self, criteria: tuple[Criterion, ...], context: ExpressionContext, workflow_id: str, step_id: str
    ) -> Effects:
        """Evaluate success criteria, yielding an event per criterion; returns the failures."""
        failures: list[str] = []
        for criterion in criteria:
            result = self.criterion(criterion, context)
            yield CriterionChecked(workflow_id, step_id, str(criterion.condition), result.passed, result.message)
            if not result.passed:
                text = f"`{criterion.condition}`"
                failures.append(f"{text}: {result.message}" if result.message else text)
        return failures

    def server_choice(self, source: str, choices: tuple[str, ...], using: str, step_id: str | None) -> Effects:
        """Say once per run that ``source`` offers several servers and which one is used (not
        when ``--server`` chose it)."""
        if source in self.options.servers or len(choices) < 2 or (source, choices) in self.server_notices:
            return
        self.server_notices.add((source, choices))
        yield Notice(
            f"source {source!r} offers {len(choices)} servers ({', '.join(choices)}); "
            f"using {using}: choose with --server {source}=URL",
            step_id,
        )

    def finished(self, result: StepResult) -> Event:
        self.steps.append(result)
        return StepFinished(result)

    def started_event(self, workflow_id: str, step: Step, attempt: int) -> Event:
        self.executed += 1
        return StepStarted(workflow_id, step.step_id or "", attempt)

    @staticmethod
    def document_error(error: ArazzoError, location: Location | None) -> RunError:
        return RunError(error.type, error.message, None, error.location or location)
