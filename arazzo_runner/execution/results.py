"""What a run produces: RunResult, StepResult, and the events the engine yields on the way.

``RunResult.to_dict()`` is exactly the ``arazzo run --json`` object of docs/json.md, and
``Event.to_dict()`` a line of ``arazzo run --trace``, with the same camelCase keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..errors import Location

__all__ = [
    "RequestRecord",
    "ResponseRecord",
    "RunError",
    "StepResult",
    "RunResult",
    "Event",
    "WorkflowStarted",
    "StepStarted",
    "RequestSent",
    "ResponseReceived",
    "CriterionChecked",
    "ActionTaken",
    "StepFinished",
    "WorkflowFinished",
    "Notice",
    "MissingCredentials",
    "CredentialUsed",
    "RunFinished",
    "DRY_RUN",
    "as_dry_run",
    "iso_time",
    "json_text",
]

REDACTED = "***"
DRY_RUN = "dry-run"  # the status of a run (and of its steps) that built its requests and sent none


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """A request as sent (secrets already redacted)."""

    method: str
    url: str
    headers: dict[str, str]
    body: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "url": self.url, "headers": dict(self.headers), "body": self.body}


@dataclass(frozen=True, slots=True)
class ResponseRecord:
    """A response as received: status, headers, and the body parsed (JSON) or as text."""

    status_code: int
    headers: dict[str, str]
    body: Any

    def to_dict(self) -> dict[str, Any]:
        return {"statusCode": self.status_code, "headers": dict(self.headers), "body": self.body}


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """A message an AsyncAPI step sent or received (secrets already redacted): ``action``
    (``send``/``receive``), the concrete ``channel``, the broker ``server`` URL (no password),
    the headers and the payload (decoded: JSON data or text; None when empty)."""

    action: str
    channel: str
    server: str
    headers: dict[str, str]
    payload: Any
    protocol: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "channel": self.channel,
            "server": self.server,
            "headers": dict(self.headers),
            "payload": self.payload,
        }

    @property
    def shown(self) -> str:
        """``SEND mqtt://host:1883/orders/42`` as step lines and ``show`` print it."""
        return f"{self.action.upper()} {self.server.rstrip('/')}/{self.channel.lstrip('/')}"


@dataclass(frozen=True, slots=True)
class RunError:
    """Why a run failed or could not start."""

    type: str
    message: str
    step_id: str | None = None
    location: Location | None = None

    def to_dict(self) -> dict[str, Any]:
        location = self.location
        return {
            "type": self.type,
            "message": self.message,
            "stepId": self.step_id,
            "file": location.file if location is not None else None,
            "line": location.line if location is not None else None,
            "column": location.column if location is not None else None,
        }


@dataclass(slots=True)
class StepResult:
    """One execution of one step (a retried step has one per attempt)."""

    step_id: str
    workflow_id: str
    status: str  # succeeded | failed | dry-run
    attempt: int = 1
    request: RequestRecord | None = None
    response: ResponseRecord | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    error_type: str | None = None
    elapsed: float = 0.0
    location: Location | None = None
    message: MessageRecord | None = None  # an AsyncAPI step's message (it has no request/response)

    def to_dict(self) -> dict[str, Any]:
        data = {
            "stepId": self.step_id,
            "workflowId": self.workflow_id,
            "status": self.status,
            "attempt": self.attempt,
            "request": self.request.to_dict() if self.request is not None else None,
            "response": self.response.to_dict() if self.response is not None else None,
            "outputs": dict(self.outputs),
            "error": self.error,
        }
        if self.message is not None:
            data["message"] = self.message.to_dict()
        return data


@dataclass(slots=True)
class RunResult:
    """The result of running one workflow: status, outputs, every step execution, the error."""

    workflow_id: str | None
    status: str  # succeeded | failed | error | dry-run
    outputs: dict[str, Any] = field(default_factory=dict)
    steps: list[StepResult] = field(default_factory=list)
    error: RunError | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    @property
    def exit_code(self) -> int:
        """What ``arazzo run`` exits with: 0 succeeded (or a dry run), 1 failed, 2 could not
        start, 130 interrupted (``status`` ``error`` with ``error.type`` ``interrupted``)."""
        if self.status == "error" and self.error is not None and self.error.type == "interrupted":
            return 130
        return {"succeeded": 0, DRY_RUN: 0, "failed": 1}.get(self.status, 2)

    def to_dict(self) -> dict[str, Any]:
        """The ``arazzo run --json`` object."""
        return {
            "workflowId": self.workflow_id,
            "status": self.status,
            "outputs": dict(self.outputs),
            "steps": [step.to_dict() for step in self.steps],
            "error": self.error.to_dict() if self.error is not None else None,
        }


# ---------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class Event:
    """Something the engine did; ``to_dict()`` is one line of a ``--trace`` file.

    ``timestamp`` is when the event left the Runner (seconds since the epoch, as
    :func:`time.time`): the engine itself reads no clock but the one it is given, so the
    edge that performs its effects stamps what it yields.  None on an event taken straight
    from the engine.
    """

    timestamp: float | None = field(default=None, kw_only=True, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """``{"event": class name, "timestamp": ISO 8601, field: value, ...}``, the fields in
        camelCase as in ``--json``."""
        data: dict[str, Any] = {"event": type(self).__name__, "timestamp": iso_time(self.timestamp)}
        for item in fields(self):
            if item.name == "timestamp":
                continue
            value = getattr(self, item.name)
            data[_camel(item.name)] = value.to_dict() if hasattr(value, "to_dict") else value
        return data


def iso_time(seconds: float | None) -> str | None:
    """``seconds`` since the epoch as ISO 8601 in UTC with milliseconds (``...T09:00:01.250Z``)."""
    if seconds is None:
        return None
    from datetime import datetime, timezone

    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True, slots=True)
class WorkflowStarted(Event):
    workflow_id: str
    depth: int


@dataclass(frozen=True, slots=True)
class StepStarted(Event):
    workflow_id: str
    step_id: str
    attempt: int


@dataclass(frozen=True, slots=True)
class RequestSent(Event):
    workflow_id: str
    step_id: str
    request: RequestRecord


@dataclass(frozen=True, slots=True)
class ResponseReceived(Event):
    workflow_id: str
    step_id: str
    status_code: int
    elapsed: float
    response: ResponseRecord | None = field(default=None, kw_only=True)  # headers and body, secrets masked


@dataclass(frozen=True, slots=True)
class MessageSent(Event):
    """An AsyncAPI step handed a message to its broker (or, in a dry run, would have; a
    receive step in a dry run says where it would have listened)."""

    workflow_id: str
    step_id: str
    message: MessageRecord


@dataclass(frozen=True, slots=True)
class MessageReceived(Event):
    """An AsyncAPI receive step got the message it waited for."""

    workflow_id: str
    step_id: str
    message: MessageRecord


@dataclass(frozen=True, slots=True)
class CriterionChecked(Event):
    workflow_id: str
    step_id: str
    condition: str
    passed: bool
    message: str | None


@dataclass(frozen=True, slots=True)
class ActionTaken(Event):
    workflow_id: str
    step_id: str
    kind: str  # end | goto | retry | next | fail
    name: str | None
    target: str | None
    delay: float | None = None


@dataclass(frozen=True, slots=True)
class StepFinished(Event):
    result: StepResult


@dataclass(frozen=True, slots=True)
class WorkflowFinished(Event):
    workflow_id: str
    status: str
    outputs: dict[str, Any]
    depth: int


@dataclass(frozen=True, slots=True)
class Notice(Event):
    """A warning worth showing the user (an output that resolved to nothing, ...)."""

    message: str
    step_id: str | None = None


@dataclass(frozen=True, slots=True)
class MissingCredentials(Notice):
    """Requests of ``source`` that need credentials are sent without them: ``variables`` names
    the environment variables to set (each alternative's, in the message)."""

    source: str = ""
    variables: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CredentialUsed(Event):
    """The credential of security scheme ``scheme`` of ``source`` was sent to ``host`` (the
    API's server, or an OAuth2 token endpoint)."""

    source: str
    scheme: str
    type: str  # http basic, apiKey header, oauth2 clientCredentials, ...
    host: str
    workflow_id: str = ""
    step_id: str = ""


@dataclass(frozen=True, slots=True)
class RunFinished(Event):
    """The last event of a run: its result."""

    result: RunResult


def as_dry_run(event: Event) -> Event:
    """``event`` as a dry run reports it: what succeeded (a request built, not sent) says
    ``dry-run``.  The engine's own StepResults are not changed while it runs (its next
    move depends on them): a StepFinished gets a copy; RunFinished, the last event, is
    updated in place."""
    if isinstance(event, StepFinished) and event.result.status == "succeeded":
        return StepFinished(replace(event.result, status=DRY_RUN))
    if isinstance(event, WorkflowFinished) and event.status == "succeeded":
        return replace(event, status=DRY_RUN)
    if isinstance(event, RunFinished):
        result = event.result
        result.steps = [replace(s, status=DRY_RUN) if s.status == "succeeded" else s for s in result.steps]
        if result.status == "succeeded":
            result.status = DRY_RUN
    return event


# ---------------------------------------------------------------- strict JSON


def json_text(value: Any, indent: int | None = None) -> str:
    """``value`` as strict JSON, as every JSON output of the project writes it (``run --json``,
    trace lines, batch result lines, reports): a NaN or an infinity, which Python's json module
    reads in a response body, becomes the string ``"NaN"``, ``"Infinity"`` or ``"-Infinity"``."""
    import json

    try:
        return json.dumps(value, indent=indent, ensure_ascii=False, allow_nan=False, default=str)
    except ValueError:
        return json.dumps(_finite(value), indent=indent, ensure_ascii=False, allow_nan=False, default=str)


def _finite(value: Any) -> Any:
    import math

    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value
