"""A case's run as plain text and as exchanges: what every report shows of a run.

``step_lines`` is one line per step attempt (as ``arazzo run`` prints them, without colour),
``failure_text`` the failing step with its request and response (or, for an AsyncAPI step, its
message) as curl shows them, and ``exchanges`` / ``step_spans`` the requests and steps of a run
with their wall-clock times (for HAR and the HTML waterfall).  A message is not an HTTP
exchange: it is on its step's span, never in ``exchanges``.  Everything is read from the case's events: secrets are
already masked there.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..cli.output import BODY_LIMIT, exchange_lines, json_text, request_head, response_head, step_text
from ..execution.results import (
    DRY_RUN,
    MessageReceived,
    MessageRecord,
    MessageSent,
    RequestRecord,
    RequestSent,
    ResponseReceived,
    ResponseRecord,
    StepFinished,
    StepResult,
    StepStarted,
    WorkflowFinished,
    WorkflowStarted,
)
from ..suite.outcome import FAILED

if TYPE_CHECKING:  # pragma: no cover
    from ..suite.outcome import CaseResult

__all__ = [
    "Exchange",
    "StepSpan",
    "exchanges",
    "failure_text",
    "message_text",
    "step_lines",
    "step_line",
    "step_spans",
]


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request of a run and its response (None when none came: a transport error).

    ``started`` is when the request was sent and ``finished`` when its response came (or the
    step gave up), both wall-clock seconds since the epoch; ``elapsed`` is the request's
    duration in seconds as the HTTP client measured it.  ``error`` is the step's error when
    the step failed.
    """

    workflow_id: str
    step_id: str
    attempt: int
    request: RequestRecord
    response: ResponseRecord | None
    started: float
    finished: float
    elapsed: float
    error: str | None = None


@dataclass(frozen=True, slots=True)
class StepSpan:
    """One attempt of one step, from its StepStarted to its StepFinished (wall-clock seconds);
    ``depth`` is 0 for the case's workflow, 1 for a workflow that one of its steps calls.

    For an AsyncAPI step (``result.message`` set), ``message_at`` is when its message left
    (a send: the publish follows) or arrived (a receive: the wait ends), and ``received`` says
    a receive got one; a receive that timed out has neither (its message says where it
    listened).
    """

    workflow_id: str
    step_id: str
    attempt: int
    depth: int
    started: float
    finished: float
    result: StepResult
    message_at: float | None = None
    received: bool = False

    @property
    def status(self) -> str:
        return self.result.status


def step_spans(result: CaseResult) -> list[StepSpan]:
    """Every step attempt of the case's run, in the order the steps finished."""
    spans: list[StepSpan] = []
    started: dict[tuple[str, str], float] = {}
    moments: dict[tuple[str, str], tuple[float, bool]] = {}  # the attempt's message: when, received
    depth = 0
    for event in result.events:
        if isinstance(event, WorkflowStarted):
            depth = event.depth
        elif isinstance(event, WorkflowFinished):
            depth = max(event.depth - 1, 0)  # back to the calling step's workflow
        elif isinstance(event, StepStarted):
            key = (event.workflow_id, event.step_id)
            started[key] = _time(event.timestamp)
            moments.pop(key, None)
        elif isinstance(event, (MessageSent, MessageReceived)):
            moments[(event.workflow_id, event.step_id)] = (
                _time(event.timestamp),
                isinstance(event, MessageReceived),
            )
        elif isinstance(event, StepFinished):
            step = event.result
            key = (step.workflow_id, step.step_id)
            finished = _time(event.timestamp)
            begun = started.pop(key, finished - step.elapsed)
            at, received = moments.pop(key, (None, False))
            if step.message is None:
                at, received = None, False
            spans.append(
                StepSpan(step.workflow_id, step.step_id, step.attempt, depth, begun, finished, step, at, received)
            )
    return spans


def step_line(span: StepSpan) -> str:
    """``✓ createService  POST URL  201  21 ms`` (and the reason of a failed step)."""
    return step_text(span.result, span.depth)


def step_lines(result: CaseResult) -> list[str]:
    """One plain line per step attempt of the case's run, as ``arazzo run`` prints them."""
    return [step_line(span) for span in step_spans(result)]


def exchanges(result: CaseResult) -> list[Exchange]:
    """Every request of the case's run with its response, in the order they were sent."""
    done: list[Exchange] = []
    attempts: dict[tuple[str, str], int] = {}
    # a request waiting for its response; a step sends one request at a time
    open_: dict[tuple[str, str], int] = {}
    for event in result.events:
        if isinstance(event, StepStarted):
            attempts[(event.workflow_id, event.step_id)] = event.attempt
        elif isinstance(event, RequestSent):
            key = (event.workflow_id, event.step_id)
            sent = _time(event.timestamp)
            open_[key] = len(done)
            done.append(
                Exchange(event.workflow_id, event.step_id, attempts.get(key, 1), event.request, None, sent, sent, 0.0)
            )
        elif isinstance(event, ResponseReceived):
            index = open_.pop((event.workflow_id, event.step_id), None)
            if index is not None:
                exchange = done[index]
                finished = _time(event.timestamp, exchange.started + event.elapsed)
                done[index] = replace(
                    exchange, response=event.response, finished=finished, elapsed=max(event.elapsed, 0.0)
                )
        elif isinstance(event, StepFinished):
            step = event.result
            key = (step.workflow_id, step.step_id)
            index = open_.pop(key, None)
            if index is not None:  # no ResponseReceived: the step's end is the exchange's end
                exchange = done[index]
                finished = _time(event.timestamp, exchange.started)
                # a response the step refused (too deep to read) is still on the step's record
                done[index] = replace(
                    exchange,
                    response=step.response,
                    finished=finished,
                    elapsed=max(finished - exchange.started, 0.0),
                )
            if step.status not in ("succeeded", DRY_RUN) and step.error:
                for position in range(len(done) - 1, -1, -1):
                    exchange = done[position]
                    if (exchange.workflow_id, exchange.step_id) == key:
                        if exchange.attempt == step.attempt:
                            done[position] = replace(exchange, error=step.error)
                        break
    return done


def failure_text(result: CaseResult) -> str:
    """Why the case failed: its reason, then the failing step's request and response as
    ``curl -v`` shows them (bodies cut at 2 KB).  For a case that did not fail, or failed
    on its expected outputs (no step failed), its reason alone."""
    lines: list[str] = []
    if result.reason:
        lines.append(result.reason)
    step = _failing_step(result) if result.verdict == FAILED else None
    if step is None:
        return "\n".join(lines) + ("\n" if lines else "")
    where = f"step {step.step_id}" + (f" (attempt {step.attempt})" if step.attempt > 1 else "")
    if step.workflow_id and result.run is not None and step.workflow_id != result.run.workflow_id:
        where += f" of workflow {step.workflow_id}"
    if step.error and (not result.reason or step.error not in result.reason):
        lines.append(f"{where}: {step.error}")
    elif not result.reason or not result.reason.startswith(where):
        lines.append(where)  # the reason says why; this says where
    text = "\n".join(lines) + "\n"
    if step.request is not None:
        text += "\n" + _shown(">", request_head(step.request), step.request.body)
        if step.response is not None:
            text += _shown("<", response_head(step.response), step.response.body)
        else:
            text += "< (no response)\n"
    elif step.message is not None:
        span = next((s for s in step_spans(result) if s.result is step), None)
        received = span.received if span is not None else bool(step.message.headers or step.message.payload is not None)
        text += "\n" + message_text(step.message, received)
    return text


def message_text(message: MessageRecord, received: bool) -> str:
    """An AsyncAPI step's message as ``failure_text`` shows it, in the way of a request:
    ``> SEND mqtt://host/orders/42``, its headers and its payload (cut as bodies are); a
    received message is marked ``<``, and a receive that got none (``received`` false) says
    where it listened."""
    sent = message.action == "send"
    head = [message.shown, *(f"{name}: {value}" for name, value in message.headers.items())]
    if not sent and not received:
        return exchange_lines("<", head, None, whole=True) + "< (no message received)\n"
    return _shown(">" if sent else "<", head, message.payload)


def _shown(mark: str, head: list[str], body: Any) -> str:
    """A request or response as ``curl -v`` shows it, its body cut at BODY_LIMIT bytes (the
    JSON report and the HTML report hold it whole)."""
    if body is None:
        return exchange_lines(mark, head, None, whole=True)
    whole = body if isinstance(body, str) else json_text(body)
    encoded = whole.encode("utf-8")
    if len(encoded) <= BODY_LIMIT:
        return exchange_lines(mark, head, whole, whole=True)
    cut = encoded[:BODY_LIMIT].decode("utf-8", errors="ignore")  # never half a UTF-8 sequence
    hidden = len(encoded) - len(cut.encode("utf-8"))
    return exchange_lines(mark, head, cut, whole=True) + f"{mark} [{hidden} of {len(encoded)} bytes not shown]\n"


def _failing_step(result: CaseResult) -> StepResult | None:
    """The last failed attempt of the case's failing step; when that step sent no request and
    no message (it calls a workflow), the last failed step that did."""
    failed = [e.result for e in result.events if isinstance(e, StepFinished) and e.result.status == "failed"]
    run = result.run
    if not failed or (not result.step_id and run is not None and run.status == "succeeded"):
        return None  # a run that succeeded may have retried a step: that is not why it failed
    named = [step for step in failed if step.step_id == result.step_id] if result.step_id else []
    chosen = named[-1] if named else failed[-1]
    if chosen.request is None and chosen.message is None:
        with_request = [step for step in failed if step.request is not None or step.message is not None]
        if with_request:
            return with_request[-1]
    return chosen


def _time(timestamp: float | None, fallback: float = 0.0) -> float:
    return timestamp if timestamp is not None else fallback
