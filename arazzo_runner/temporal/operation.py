"""The activity side of an operation step: the exchange, on a worker, with the worker's credentials.

:meth:`Operations.run` is the ``arazzo.operation`` activity.  It loads the run's document
(sent as content, kept per worker by digest; fetched from the run's history when this worker
has not seen it), builds the engine's own step code around the state the workflow sent,
drives it (an OAuth2 token request, then the request itself, with httpx), and answers with the
events (secrets masked, the worker's credentials among them), the step's result, its outputs,
and the truth of every action criterion that may follow.  Response bodies over the run's
``max_history_body`` are kept out of what goes back: the history stays small.

An attempt after the first means a worker stopped while it held this request: the request may
have been sent already, and the step's events say so.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from ..errors import ArazzoError
from ..execution.actions import merge_actions
from ..execution.auth import Authenticator, AuthError, Secrets
from ..execution.engine import Engine, Send
from ..execution.exchange import send_async
from ..execution.operation_step import DeadlineExceeded, StepFailure
from ..execution.response_body import secret_fields
from ..execution.results import Notice, RequestSent, ResponseReceived, StepResult
from ..execution.runner import Runner
from ..execution.steps import failure_of
from ..missing import MISSING
from .bundle import Bundles, find_description
from .codec import Sealed
from .options import runner_keywords
from .wire import from_wire, message_to_wire, to_wire, wire_size

__all__ = ["Operations", "OPERATION", "CHECK_CREDENTIALS"]

OPERATION = "arazzo.operation"
CHECK_CREDENTIALS = "arazzo.check-credentials"
_KEPT_RUNNERS = 64
_KEPT_MOCKS = 1024  # runs on the mock whose state a worker keeps (each a few hundred KB at most)


class Operations:
    """The ``arazzo.operation`` activity, with what a worker keeps between activities: the
    documents, and a Runner per document and options (its HTTP connections, OAuth2 tokens)."""

    def __init__(
        self,
        bundles: Bundles,
        credentials: Callable[[Any], Mapping[str, Any] | None],
        *,
        queue: str | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.bundles = bundles
        self.credentials = credentials
        self.log = log  # a line per step run, for a worker's operator (arazzo -v worker)
        self.queue = queue  # this worker's own task queue (runs on the mock stay on one worker)
        self._runners: OrderedDict[str, Runner] = OrderedDict()
        self._busy: dict[str, int] = {}  # Runner key -> steps using it now

    async def _runner(self, run: Mapping[str, Any]) -> Runner:
        options = run["options"]
        key = _key(run)
        runner = self._runners.get(key)
        if runner is None:
            description = await self.bundles.get(run["digest"], str(activity.info().workflow_id))
            runner = Runner(description, credentials=self.credentials(description), **runner_keywords(options))
            self._runners[key] = runner
            await self._evict()
        else:
            self._runners.move_to_end(key)
        return runner

    async def _evict(self) -> None:
        """Close the Runners used least recently beyond what is kept, never one a step is using
        now; a run on the mock keeps its own (its state), so more of those are kept."""
        mocked = [key for key in self._runners if key.startswith("mock\0")]
        plain = [key for key in self._runners if not key.startswith("mock\0")]
        for keys, kept in ((plain, _KEPT_RUNNERS), (mocked, _KEPT_MOCKS)):
            for key in keys[: max(0, len(keys) - kept)]:
                if not self._busy.get(key):
                    await self._runners.pop(key).aclose()

    async def close(self) -> None:
        for runner in self._runners.values():
            await runner.aclose()
        self._runners.clear()

    @activity.defn(name=CHECK_CREDENTIALS)
    async def check_credentials(self, run: dict[str, Any], workflow_id: str | None) -> dict[str, Any] | None:
        """``--require-auth``: None when this worker has every credential a run of the
        workflow needs, else what is missing (the message and the variables to set)."""
        runner = await self._runner(run)
        try:
            runner.check_credentials(runner.workflow(workflow_id))
        except AuthError as error:
            return {"message": error.message, "variables": list(error.variables)}
        except ArazzoError as error:
            raise ApplicationError(error.message, type="arazzo", non_retryable=True) from None
        return None

    @activity.defn(name=OPERATION)
    async def run(self, run: dict[str, Any], public: dict[str, Any], sealed: Sealed) -> Sealed:
        """One operation step (see the module's docstring); the reply is sealed."""
        beating = asyncio.ensure_future(_heartbeat())
        key = _key(run)
        self._busy[key] = self._busy.get(key, 0) + 1
        try:
            reply = await self._operation(run, public, sealed.value)
        except ArazzoError as error:
            raise ApplicationError(error.message, type="arazzo", non_retryable=True) from None
        except (asyncio.CancelledError, ApplicationError):
            raise
        except Exception as error:  # a bug: trying again on another worker would meet it again
            raise ApplicationError(f"{type(error).__name__}: {error}", type="internal", non_retryable=True) from error
        finally:
            beating.cancel()
            left = self._busy.pop(key) - 1
            if left:
                self._busy[key] = left
        return Sealed(reply)

    async def _operation(self, run: Mapping[str, Any], public: Mapping[str, Any], sealed: Mapping[str, Any]) -> Any:
        runner = await self._runner(run)
        root = runner.description
        description = find_description(root, public["descriptionUri"])
        workflow = description.document.workflow(public["workflowId"])
        step = workflow.step(public["stepId"]) if workflow is not None else None
        if workflow is None or step is None:
            raise ArazzoError(
                f"no step {public['stepId']!r} in workflow {public['workflowId']!r} of {description.file}"
            )
        secrets = Secrets(sealed["secrets"])
        headers = [(str(name), str(value)) for name, value in sealed.get("headers", ())]
        authenticator = Authenticator(
            runner.credentials,
            tokens=runner._tokens,
            secrets=secrets,
            allow_insecure=runner.allow_insecure_credentials,
            headers=tuple(headers) or runner.headers,
        )
        authenticator._warned.update(public["warned"])  # warned once per run, whichever worker ran the step
        options = replace(runner.options, max_time=max(public["budget"], 0.0))
        engine = Engine(description, options, credentials=authenticator, cache=runner._cache)
        now = engine.clock()
        if public["deadline"] is not None:
            engine.deadlines.append(now + public["deadline"])
        own_deadline = now + public["ownDeadline"] if public["ownDeadline"] is not None else None
        engine.server_notices.update((source, tuple(choices)) for source, choices in public["serverNotices"])
        engine.workflows_data = from_wire(sealed["workflows"])
        context = engine.new_context(description, from_wire(sealed["inputs"]))
        context.steps = from_wire(sealed["steps"])
        step_id = step.step_id or ""
        result = StepResult(step_id, workflow.workflow_id or "", "failed", public["attempt"], location=step.location)
        events: list[Any] = []
        attempt = activity.info().attempt
        if attempt > 1:
            events.append(
                Notice(
                    f"step {step_id!r}: the worker that ran its request before stopped while it ran (attempt {attempt}); "
                    "the request may have been sent twice",
                    step_id,
                )
            )
        jar = _jar(sealed["cookies"])
        stopped = None
        try:
            generator = engine.step_runner.run_operation(description, workflow, step, context, result, own_deadline)
            reply: Any = None
            while True:
                try:
                    item = generator.send(reply)
                except StopIteration:
                    break
                reply = None
                if isinstance(item, Send):
                    reply = await send_async(runner.async_client, item, jar)
                else:
                    events.append(item)
        except DeadlineExceeded:
            stopped = "deadline"
            result.status, result.error_type = "failed", "timeout"
            result.error = f"step {step_id!r} did not complete within its timeout of {step.timeout} ms"
        except (StepFailure, ArazzoError) as error:
            if isinstance(error, ArazzoError):
                secrets.error(error)
            stopped = "failure"
            result.status = "failed"
            result.error_type, result.error = failure_of(error)
        criteria = _action_criteria(engine, description, workflow, step, context)
        discovered = _discovered(context)
        # the worker's own credentials (and the tokens it fetched with them) never leave it:
        # masked in everything that goes back, the run's state included
        own = secrets.minus(Secrets(sealed["secrets"]), Secrets(discovered))
        cap = run["options"].get("maxHistoryBody", 65536)
        stamp = time.time()
        for event in events:
            if event.timestamp is None:
                object.__setattr__(event, "timestamp", stamp)
        shown_result = secrets.value(replace(result))
        shown_result.request, shown_result.response = (
            _capped(shown_result.request, cap),
            _capped(shown_result.response, cap),
        )
        # the records in the events are the step's: the same cut keeps the history small
        events = [_with_records(event, shown_result) for event in events]
        answer: dict[str, Any] = {
            "events": [to_wire(secrets.value(event)) for event in events],
            "result": {
                "status": result.status,
                "error": shown_result.error,
                "errorType": result.error_type,
                "request": to_wire(shown_result.request),
                "response": to_wire(shown_result.response),
                "outputs": to_wire(shown_result.outputs),
            },
            "stopped": stopped,
            "criteria": criteria,
            "serverNotices": [[source, list(choices)] for source, choices in sorted(engine.server_notices)],
            "warned": sorted(authenticator._warned),
            "warnings": [secrets.text(warning) for warning in authenticator.warnings],
            "cookies": [[c.name, c.value, c.domain, c.path] for c in jar.jar if c.value is None or c.value not in own],
            "secrets": [value for value in discovered if value not in sealed["secrets"]],
            "context": own.value(
                {
                    "statusCode": to_wire(context.status_code),
                    "url": to_wire(context.url),
                    "method": to_wire(context.method),
                    "request": message_to_wire(context.request, cap),
                    "response": message_to_wire(context.response, cap),
                }
            ),
            "queue": self.queue,
        }
        outputs = context.steps.get(step_id, MISSING)
        if outputs is not MISSING:
            answer["outputs"] = own.value(to_wire(outputs))
        if self.log is not None:
            status = shown_result.response.status_code if shown_result.response is not None else "-"
            self.log(
                f"{activity.info().workflow_id}: step {step_id} (attempt {public['attempt']}) {result.status}, "
                f"HTTP {status}" + (f": {shown_result.error}" if shown_result.error else "")
            )
        return answer


def _key(run: Mapping[str, Any]) -> str:
    """Which Runner of the worker serves a run: one per document and options, and one per run
    on the mock (the mock's state is the run's own)."""
    key = f"{run['digest']}\0{sorted(run['options'].items())!r}"
    if run["options"].get("mock"):
        return f"mock\0{activity.info().workflow_id}\0{key}"
    return key


def _capped(record: Any, cap: int) -> Any:
    """A request or response record whose body is over ``cap`` bytes of JSON, with a note
    in its place."""
    if record is None or record.body is None or wire_size(record.body) <= cap:
        return record
    size = wire_size(record.body)
    note = f"(a body of {size:,} bytes as JSON: over the {cap:,} bytes a Temporal history keeps of one)"
    return replace(record, body=note)


def _with_records(event: Any, shown: StepResult) -> Any:
    if isinstance(event, RequestSent) and shown.request is not None and event.request is not shown.request:
        return replace(event, request=shown.request)
    if isinstance(event, ResponseReceived) and event.response is not None and shown.response is not None:
        return replace(event, response=shown.response)
    return event


def _discovered(context: Any) -> list[str]:
    """The secrets the step met (token fields of its response body): the run's other
    activities and the workflow mask them too.  The worker's own credentials and the tokens
    it fetched with them are not among them: they never leave the worker."""
    response = context.response
    if response is None or response.body is MISSING:
        return []
    return sorted(set(secret_fields(response.body)))


def _action_criteria(engine: Engine, description: Any, workflow: Any, step: Any, context: Any) -> dict[str, bool]:
    """Whether each criterion of the actions that may follow the step holds: the step's own
    ``onSuccess``/``onFailure`` and the workflow's, both (the engine decides which apply)."""
    components = description.document.components
    held: dict[str, bool] = {}
    for own, shared, kind in (
        (step.on_success, workflow.success_actions, "successActions"),
        (step.on_failure, workflow.failure_actions, "failureActions"),
    ):
        try:
            actions = merge_actions(own, shared, components, kind)
        except ArazzoError:
            continue  # the workflow meets the same error and reports it
        for action in actions:
            for criterion in action.criteria:
                held[criterion.location.pointer] = engine.criterion(criterion, context).passed
    return held


def _jar(cookies: list[list[Any]]) -> httpx.Cookies:
    jar = httpx.Cookies()
    for name, value, domain, path in cookies:
        jar.set(name, value, domain=domain, path=path)
    return jar


async def _heartbeat() -> None:
    """Tell Temporal this worker is alive while the activity runs: a worker that stops is
    noticed within the heartbeat timeout, and the step goes to another."""
    timeout = activity.info().heartbeat_timeout
    interval = timeout.total_seconds() / 3 if timeout else 5.0
    while True:
        activity.heartbeat()
        await asyncio.sleep(interval)
