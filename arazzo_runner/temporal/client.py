"""Starting runs on Temporal and reading their results: what ``arazzo run --temporal`` does.

A run's Temporal workflow id is ``<prefix>/<id>``: the prefix is the caller's (``--run-id``)
or a digest of the document, the workflow, the inputs and the options; the id is a batch
line's (empty for a single run).  Starting an id that is running or completed attaches to that
execution (Temporal refuses a second one): a run is never started twice by asking again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from ..errors import ArazzoError, UsageError
from ..execution.redaction import password_inputs
from ..execution.results import Event, RunError, RunFinished, RunResult
from .bundle import make_bundle
from .codec import KEY_VARIABLE, Sealed, data_converter, key_from_environment
from .options import DEFAULT_MAX_HISTORY_BODY, options_to_wire
from .wire import from_wire
from .workflow import EVENTS, RUN

__all__ = ["connect", "TemporalRun", "start_run", "RunRequest", "DEFAULT_TASK_QUEUE", "DEFAULT_NAMESPACE"]

DEFAULT_TASK_QUEUE = "arazzo"
DEFAULT_NAMESPACE = "default"
_SLACK = 600.0  # seconds a run may wait for a worker beyond its --max-time before Temporal ends it


async def connect(address: str, namespace: str = DEFAULT_NAMESPACE, *, key: str | None = None) -> Any:
    """A ``temporalio`` Client with this project's data converter (the codec, with ``key``, by
    default ``ARAZZO_TEMPORAL_KEY``).  A server that cannot be reached is a UsageError."""
    from temporalio.client import Client

    if key is None:
        key = key_from_environment()
    try:
        return await Client.connect(address, namespace=namespace, data_converter=data_converter(key))
    except Exception as error:  # the SDK raises RuntimeError from its core for a refused connection
        raise UsageError(
            f"cannot reach Temporal at {address} (namespace {namespace!r}): {error}; "
            "start one (temporal server start-dev) or give its HOST:PORT"
        ) from None


class RunRequest:
    """A run to start: the document as content, the workflow, the travelling options, and
    the sealed part (inputs, ``-H`` headers).  Checked where it is made: a run that could not
    start locally does not start on Temporal either.

    ``runner`` holds the document and says how requests are made (its ``settings``), unless
    ``keywords`` (Runner keywords) say it; its credentials stay here (the workers use theirs).
    ``key`` is the ``ARAZZO_TEMPORAL_KEY`` in use (default: the environment's): without one,
    password inputs and secret ``-H`` headers are refused (they would be kept in Temporal's
    history in clear)."""

    def __init__(
        self,
        runner: Any,
        workflow_id: str | None,
        inputs: Mapping[str, Any] | None,
        *,
        keywords: Mapping[str, Any] | None = None,
        bundle: dict[str, Any] | None = None,
        max_history_body: int = DEFAULT_MAX_HISTORY_BODY,
        key: str | None | bool = True,
    ) -> None:
        if keywords is None:
            keywords = dict(runner.settings, headers=list(runner.headers))
        workflow = runner.workflow(workflow_id)
        values = dict(inputs or {})
        # raises ArazzoError: the run cannot start; the credentials are the workers' to check
        runner.prepare(workflow.workflow_id, values, check_credentials=False)
        data = runner.description.parsed.data if isinstance(runner.description.parsed.data, Mapping) else None
        headers = [list(pair) for pair in keywords.get("headers") or ()]
        if key is True:
            key = key_from_environment()
        if not key:
            names = sorted(password_inputs(workflow.inputs, values, data))
            if names:
                raise password_refusal(workflow.workflow_id)
            if headers:  # a run treats every -H value as a secret (it is masked in what it shows)
                raise UsageError(
                    f"-H {headers[0][0]} would be kept in Temporal's history in clear: set {KEY_VARIABLE} "
                    "(the same on this machine and every worker), or give the credential to the workers"
                )
        self.workflow_id = workflow.workflow_id
        self.bundle = bundle if bundle is not None else make_bundle(runner.description)
        self.options = options_to_wire(keywords, max_history_body)
        self.inputs = values
        self.headers = headers
        self.document = runner.description.file

    def digest(self) -> str:
        """The default prefix: the same document, workflow, inputs and options give the same."""
        text = json.dumps(
            [self.bundle["digest"], self.workflow_id, self.inputs, self.options, self.headers],
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        )
        return "arazzo-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]

    def arguments(self) -> list[Any]:
        public = {"bundle": self.bundle, "workflowId": self.workflow_id, "options": self.options}
        return [public, Sealed({"inputs": self.inputs, "headers": self.headers})]


class WorkersCannotRun(Exception):
    """The workers fail to run a workflow's code, again and again."""


_WATCH_EVERY = 3.0  # seconds of each long poll for a run's result, between looks at the run
_SHOW_EVERY = 1.0  # seconds between asking a run for its new events, when they are shown as they come
_TASK_ATTEMPTS = 3  # a workflow task that failed this often is not a passing hiccup


class TemporalRun:
    """A run started on (or attached to) Temporal."""

    def __init__(self, handle: Any, attached: bool, workflow_id: str | None = None) -> None:
        self.handle = handle
        self.workflow_id = workflow_id  # the Arazzo workflow's id (in a result Temporal ended itself)
        self.id: str = handle.id
        self.attached = attached  # True: the id was started before; this is that run
        self._shown = 0  # events given to on_event so far
        self._attempt_seen: int | None = None  # an attached run's workflow task attempt, when first seen

    async def outcome(self, on_event: Callable[[Event], None] | None = None) -> tuple[RunResult, list[Event]]:
        """Wait for the run; its RunResult and its events (the last RunFinished).  A run
        Temporal ended itself (terminated, cancelled, timed out) is a result of status ``error``.

        ``on_event`` is called with each event as the run makes it (asked about every second
        while it runs); the events it was given are not in the list returned."""
        from temporalio.client import WorkflowFailureError

        try:
            answer = await self._answer(on_event)
        except WorkersCannotRun as error:
            result = RunResult(self.workflow_id, "error", error=RunError("temporal", str(error)))
            return result, [RunFinished(result)]
        except WorkflowFailureError as error:
            cause = getattr(error, "cause", None)
            reason = getattr(cause, "message", None) or str(cause or error)
            result = RunResult(
                self.workflow_id,
                "error",
                error=RunError(
                    "temporal",
                    f"the Temporal workflow {self.id} ended without a result ({reason}); start it again with another --run-id",
                ),
            )
            return result, [RunFinished(result)]
        answer = json.loads(answer)
        result = from_wire(answer["result"])
        events = [from_wire(event) for event in answer["events"][self._shown :]]
        events.append(RunFinished(result))
        return result, events

    async def _answer(self, on_event: Callable[[Event], None] | None) -> Any:
        """The workflow's result; raises WorkersCannotRun when the workers keep failing to
        run its code (a missing ``ARAZZO_TEMPORAL_KEY``, a worker of another version).

        The wait is a series of bounded waits, with a look at the run between them."""
        import asyncio

        every = _SHOW_EVERY if on_event is not None else _WATCH_EVERY
        waited = 0.0
        while True:
            try:
                return await asyncio.wait_for(self.handle.result(), every)
            except asyncio.TimeoutError:
                waited += every
                if on_event is not None:
                    await self._show(on_event)
                if waited >= _WATCH_EVERY:
                    waited = 0.0
                    await self._check()

    async def _show(self, on_event: Callable[[Event], None]) -> None:
        """Give ``on_event`` the run's events made since the last look (none when the run's
        workflow task cannot run now: the result tells all)."""
        try:
            answer = await self.handle.query(EVENTS, self._shown)
        except Exception:  # a query needs a worker to answer it; the result comes anyway
            return
        for event in json.loads(answer)["events"]:
            self._shown += 1
            on_event(from_wire(event))

    async def _check(self) -> None:
        described = await self.handle.describe()
        pending = described.raw_description.pending_workflow_task
        if pending is None or pending.attempt < _TASK_ATTEMPTS:
            return
        if self.attached and (self._attempt_seen is None or pending.attempt <= self._attempt_seen):
            # failures from before this client came: the workers may have been fixed since;
            # only a failure while it watches (the attempt count grows) says they were not
            self._attempt_seen = pending.attempt if self._attempt_seen is None else self._attempt_seen
            return
        reason = "its workflow task keeps failing"
        async for event in self.handle.fetch_history_events():
            if event.HasField("workflow_task_failed_event_attributes"):
                reason = event.workflow_task_failed_event_attributes.failure.message or reason
        raise WorkersCannotRun(
            f"the workers cannot run {self.id}: {reason} (it stays on Temporal and goes on when a worker "
            "can run it; the same command attaches to it again)"
        )

    async def result(self) -> RunResult:
        """Wait for the run; its RunResult."""
        return (await self.outcome())[0]


async def start_run(
    client: Any,
    request: RunRequest,
    *,
    task_queue: str = DEFAULT_TASK_QUEUE,
    run_id: str | None = None,
    item_id: str = "",
) -> TemporalRun:
    """Start ``request`` as workflow ``<run_id or its digest>/<item_id>``, or attach to that
    execution when it exists (running, or completed within the namespace's retention)."""
    from temporalio.common import WorkflowIDReusePolicy
    from temporalio.exceptions import WorkflowAlreadyStartedError

    workflow_id = f"{run_id or request.digest()}/{item_id}"
    max_time = float(request.options.get("maxTime", 600.0))
    try:
        handle = await client.start_workflow(
            RUN,
            args=request.arguments(),
            id=workflow_id,
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            execution_timeout=timedelta(seconds=max_time + _SLACK),
            memo={"document": request.document, "workflowId": request.workflow_id or ""},
            static_summary=f"{request.workflow_id} of {request.document}",
        )
    except WorkflowAlreadyStartedError:
        return TemporalRun(client.get_workflow_handle(workflow_id), True, request.workflow_id)
    except ArazzoError:
        raise
    return TemporalRun(handle, False, request.workflow_id)


async def has_worker(client: Any, task_queue: str) -> bool:
    """Whether a worker polls ``task_queue`` now (a run started without one waits for one)."""
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    answer = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    return bool(answer.pollers)


def declares_password(schema: Any, document: Any = None, depth: int = 0) -> bool:
    """Whether an inputs schema has a ``format: password`` anywhere (a batch checks this
    before its first run, whatever each line gives)."""
    from ..execution.inputs import resolve_schema

    schema = resolve_schema(schema, document)
    if depth > 32:
        return False
    if isinstance(schema, Mapping):
        if schema.get("format") == "password":
            return True
        return any(declares_password(item, document, depth + 1) for item in schema.values())
    if isinstance(schema, list):
        return any(declares_password(item, document, depth + 1) for item in schema)
    return False


def password_refusal(workflow_id: str | None) -> UsageError:
    """The refusal of a run with password inputs when there is no key to encrypt them with."""
    return UsageError(
        f"workflow {workflow_id!r} has inputs of format: password; set {KEY_VARIABLE} "
        "(the same on this machine and every worker) so that they travel encrypted"
    )
