"""The ``arazzo.run`` Temporal workflow: the engine, as deterministic workflow code.

The engine's generator runs here unchanged, on Temporal's clock (``workflow.time()``); its
effects become Temporal's: an operation step an ``arazzo.operation`` activity
(:mod:`.remote_steps`, :mod:`.operation`), a ``Sleep`` (``retryAfter``, ``Retry-After``) a
durable timer.  Activity retries happen only when a worker stops while it runs one (its
heartbeat stops): an HTTP status is never an activity failure, the engine's own retry and
goto rules decide.  The workflow returns the run's result and its events (secrets masked),
which the client prints as a local run prints them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutError, TimeoutType

with workflow.unsafe.imports_passed_through():
    from ..errors import ArazzoError
    from ..execution.auth import AuthError
    from ..execution.engine import Send, Sleep
    from ..execution.redaction import Secrets, password_inputs
    from ..execution.results import Notice, RunFinished, RunResult
    from ..execution.runner import Runner, error_result
    from .bundle import Bundles
    from .codec import Sealed
    from .operation import CHECK_CREDENTIALS, OPERATION
    from .options import runner_keywords
    from .remote_steps import OperationCall, RemoteEngine, RemoteSteps, RunState
    from .wire import to_wire

__all__ = ["ArazzoRun", "RUN", "BUNDLES", "MAX_ACTIVITY_ATTEMPTS"]

RUN = "arazzo.run"
EVENTS = "events"  # the query of a run's events so far
MAX_ACTIVITY_ATTEMPTS = 5  # a step whose worker stopped this many times fails (type "worker")
HEARTBEAT = timedelta(seconds=10)
BUNDLES = Bundles()  # the documents this worker's workflows loaded (set up by the worker factory)
_PINNED_WAIT = timedelta(seconds=20)  # a mocked run's next step waits this long for its worker
_RESULT_BUDGET = 1_500_000  # bytes a result keeps (Temporal refuses payloads over 2 MB)


@workflow.defn(name=RUN, sandboxed=False)
class ArazzoRun:
    """One run of one Arazzo workflow (see the module's docstring)."""

    def __init__(self) -> None:
        self._so_far: list[Any] = []  # the run's events so far, for the client to show as they come

    @workflow.query(name=EVENTS)
    def events(self, since: int) -> str:
        """The events of the run from number ``since`` on (JSON text, as the result's)."""
        return _text({"events": [to_wire(event) for event in self._so_far[since:]]})

    @workflow.run
    async def run(self, request: dict[str, Any], sealed: Sealed) -> str:
        private = sealed.value
        options = request["options"]
        description = BUNDLES.load(request["bundle"])
        keywords = runner_keywords(options)
        keywords.pop("mock", None)  # the workers answer with the mock; planning here needs none
        runner = Runner(description, **keywords)
        inputs = private.get("inputs") or {}
        try:
            workflow_, values = runner.prepare(request.get("workflowId"), inputs, check_credentials=False)
            if runner.require_auth:
                await self._check_credentials(request, workflow_.workflow_id)
        except ArazzoError as error:
            secrets = Secrets(_passwords(runner, request.get("workflowId"), inputs))
            secrets.error(error)
            return _text({"result": to_wire(error_result(error, request.get("workflowId"))), "events": []})
        data = description.parsed.data if isinstance(description.parsed.data, dict) else None
        passwords = sorted(password_inputs(workflow_.inputs, values, data))
        secrets = Secrets(passwords)
        state = RunState(passwords)
        engine = RemoteEngine(description, runner.options, clock=workflow.time, cache=runner._cache)
        engine.state = state
        engine.step_runner = RemoteSteps(engine, None)
        generator = engine.run(workflow_, values)
        events: list[Any] = []
        reply: Any = None
        run_options = {"digest": request["bundle"]["digest"], "options": options}
        headers = private.get("headers") or []
        while True:
            try:
                item = generator.send(reply)
            except StopIteration:
                break
            except ArazzoError as error:
                secrets.error(error)
                return _text({"result": to_wire(error_result(error, workflow_.workflow_id)), "events": []})
            reply = None
            if isinstance(item, OperationCall):
                reply = await self._operation(run_options, item, headers, options, state)
                for secret in state.secrets:
                    secrets.add(secret)
            elif isinstance(item, Sleep):
                await workflow.sleep(item.seconds)
            elif isinstance(item, Send):  # pragma: no cover - remote steps send nothing here
                raise RuntimeError("the engine sent a request from workflow code")
            else:
                if isinstance(item, RunFinished):
                    warnings = item.result.warnings
                    warnings.extend(w for w in state.warnings if w not in warnings)
                if item.timestamp is None:
                    object.__setattr__(item, "timestamp", workflow.time_ns() / 1e9)
                shown = secrets.value(item) if secrets else item
                events.append(shown)
                if not isinstance(shown, RunFinished):
                    self._so_far.append(shown)
        finished = events[-1]
        assert isinstance(finished, RunFinished)
        return _text(_answer(finished.result, events))

    async def _check_credentials(self, request: dict[str, Any], workflow_id: str | None) -> None:
        """``--require-auth``: a worker checks its own credentials before the first request."""
        run = {"digest": request["bundle"]["digest"], "options": request["options"]}
        message = await workflow.execute_activity(
            CHECK_CREDENTIALS,
            args=[run, workflow_id],
            start_to_close_timeout=timedelta(seconds=60),
            retry_policy=RetryPolicy(maximum_attempts=MAX_ACTIVITY_ATTEMPTS),
            summary="check the credentials (--require-auth)",
        )
        if message is not None:
            raise AuthError(message["message"], message["variables"])

    async def _operation(
        self, run: dict[str, Any], call: OperationCall, headers: list[Any], options: dict[str, Any], state: RunState
    ) -> Any:
        sealed = dict(call.sealed, headers=headers)
        timeout = float(options.get("timeout", 30.0))
        mocked = bool(options.get("mock"))
        try:
            reply = await workflow.execute_activity(
                OPERATION,
                args=[run, call.public, Sealed(sealed)],
                task_queue=state.pinned if mocked else None,
                schedule_to_start_timeout=_PINNED_WAIT if mocked and state.pinned else None,
                start_to_close_timeout=timedelta(seconds=3 * timeout + 30),
                heartbeat_timeout=HEARTBEAT,
                retry_policy=RetryPolicy(
                    initial_interval=timedelta(seconds=1),
                    maximum_interval=timedelta(seconds=10),
                    maximum_attempts=MAX_ACTIVITY_ATTEMPTS,
                    non_retryable_error_types=["arazzo", "internal"],
                ),
                summary=f"step {call.step_id}",
                result_type=Sealed,
            )
        except ActivityError as error:
            cause = error.cause
            if state.pinned and isinstance(cause, TimeoutError) and cause.type == TimeoutType.SCHEDULE_TO_START:
                # the worker holding this run's mock state is gone: the mock starts afresh elsewhere
                state.pinned = None
                answer = await self._operation(run, call, headers, options, state)
                notice = Notice(
                    "the worker that held this run's mock state stopped; the built-in mock starts afresh on another",
                    call.step_id,
                )
                answer["events"].insert(0, to_wire(notice))
                return answer
            return _failed_reply(call, error)
        answer = reply.value
        if mocked and answer.get("queue"):
            state.pinned = answer["queue"]
        return answer


def _failed_reply(call: OperationCall, error: ActivityError) -> dict[str, Any]:
    """The reply of an activity that did not complete: the step fails, the run goes on by its rules."""
    cause = error.cause
    if isinstance(cause, ApplicationError):
        kind = "document" if cause.type == "arazzo" else "internal"
        message = cause.message
    elif isinstance(cause, TimeoutError):
        kind = "worker"
        message = (
            f"the request of step {call.step_id!r} did not complete: the workers running it stopped or stalled "
            f"{MAX_ACTIVITY_ATTEMPTS} times ({cause.message}); it may have been sent"
        )
    else:
        kind, message = "worker", f"the request of step {call.step_id!r} did not complete: {error}"
    return {
        "events": [to_wire(Notice(message, call.step_id))] if kind == "worker" else [],
        "result": {
            "status": "failed",
            "error": message,
            "errorType": kind,
            "request": None,
            "response": None,
            "outputs": {},
        },
        "stopped": "failure",
        "criteria": {},
        "serverNotices": call.public["serverNotices"],
        "warned": call.public["warned"],
        "warnings": [],
        "cookies": call.sealed["cookies"],
        "secrets": [],
        "context": {
            "statusCode": {"$type": "MISSING"},
            "url": {"$type": "MISSING"},
            "method": {"$type": "MISSING"},
            "request": None,
            "response": None,
        },
        "queue": None,
    }


def _text(answer: dict[str, Any]) -> str:
    """The workflow's result as JSON text: Temporal's own converter sorts keys, and a run's
    outputs keep the order the document gives them."""
    from ..execution.results import json_text

    return json_text(answer)


def _passwords(runner: Any, workflow_id: str | None, inputs: dict[str, Any]) -> set[str]:
    try:
        schema = runner.workflow(workflow_id).inputs
    except ArazzoError:
        return set()
    data = runner.description.parsed.data if isinstance(runner.description.parsed.data, dict) else None
    return password_inputs(schema, inputs, data)


def _answer(result: RunResult, events: list[Any]) -> dict[str, Any]:
    """The workflow's result: the RunResult, and the events before RunFinished (which the
    result is), within :data:`_RESULT_BUDGET` bytes (Temporal refuses a larger result): the
    result is cut first if it must be (its steps' bodies, oldest first, then its oldest
    steps), then the events are kept as far as the rest of the budget goes."""
    from ..execution.results import json_text

    def size(value: Any) -> int:
        return len(json_text(to_wire(value)).encode("utf-8"))

    total = size(result)
    if total > _RESULT_BUDGET // 2:
        note = "(not kept: the run's result is over the size Temporal keeps of one)"
        for step in result.steps:
            for name in ("request", "response"):
                record = getattr(step, name)
                if record is not None and record.body is not None:
                    total -= size(record.body) - size(note)
                    setattr(step, name, replace(record, body=note))
            if total <= _RESULT_BUDGET // 2:
                break
        while total > _RESULT_BUDGET // 2 and len(result.steps) > 1:
            total -= size(result.steps.pop(0))
        result.warnings.append(f"the result on Temporal keeps less than the run made: {note}")
    kept: list[Any] = []
    for number, event in enumerate(events[:-1]):
        wired = to_wire(event)
        total += len(json_text(wired).encode("utf-8"))
        if total > _RESULT_BUDGET:
            left = len(events) - 1 - number
            kept.append(to_wire(Notice(f"{left} events of this run are not kept: over the result's size budget")))
            break
        kept.append(wired)
    return {"result": to_wire(result), "events": kept}
