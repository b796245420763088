"""How ``arazzo run`` shows a run: the human lines of its events, -v's exchanges, the
summary, and the JSON it writes (one strict JSON value per line)."""

from __future__ import annotations

import json
from typing import IO, Any

from ..execution.results import DRY_RUN, json_text

__all__ = [
    "BODY_LIMIT",
    "Printer",
    "exchange_lines",
    "json_text",
    "mocked_note",
    "request_head",
    "response_head",
    "show_value",
    "summary",
    "write_json",
]

BODY_LIMIT = 2048  # bytes of a body that -v shows (-vv: all)


def request_head(request: Any) -> list[str]:
    """A RequestRecord's first line and headers (its credentials already masked as ``***``)."""
    return [f"{request.method} {request.url}", *(f"{name}: {value}" for name, value in request.headers.items())]


def response_head(response: Any) -> list[str]:
    """A ResponseRecord's status and headers (masked as in ``--json``)."""
    return [str(response.status_code), *(f"{name}: {value}" for name, value in response.headers.items())]


def exchange_lines(mark: str, head: list[str], body: Any, whole: bool) -> str:
    """``head`` and ``body`` as curl -v shows them, each line after ``mark`` (``>`` sent,
    ``<`` received); a body over BODY_LIMIT bytes is cut unless ``whole``, saying how much."""
    lines = [f"{mark} {line}" for line in head]
    if body is not None:
        text = body if isinstance(body, str) else json_text(body)
        encoded = text.encode("utf-8")
        note = None
        if not whole and len(encoded) > BODY_LIMIT:
            # cut on a character boundary: never half a UTF-8 sequence
            text = encoded[:BODY_LIMIT].decode("utf-8", errors="ignore")
            cut = len(encoded) - len(text.encode("utf-8"))
            note = f"[{cut} of {len(encoded)} bytes not shown; -vv shows whole bodies]"
        lines.append(mark)
        lines.extend(f"{mark} {line}" for line in text.splitlines() or [""])
        if note is not None:
            lines.append(f"{mark} {note}")
    return "\n".join(lines) + "\n"


def show_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class Printer:
    """Renders engine events as the human lines of docs/cli.md (on stderr)."""

    def __init__(self, out: IO[str], err: IO[str], style: Any, quiet: bool, dry_run: bool, verbose: int = 0) -> None:
        self.out, self.err, self.style, self.quiet, self.dry_run = out, err, style, quiet, dry_run
        # -v: each request and response on stderr, bodies cut at BODY_LIMIT; -vv: whole bodies
        self.verbose = verbose
        self.depth = 0
        self.pending: dict[tuple[str, str], Any] = {}
        self.credentials_shown: set[tuple[str, str, str]] = set()
        self.mocked: set[str] = set()

    def __call__(self, event: Any) -> None:
        from ..execution import results

        if isinstance(event, results.WorkflowStarted):
            self.depth = event.depth
        elif isinstance(event, results.WorkflowFinished):
            self.depth = max(event.depth - 1, 0)  # the calling step's line is at the caller's depth
        elif isinstance(event, results.RequestSent):
            self.pending[(event.workflow_id, event.step_id)] = event.request
            if self.dry_run:  # the plan is the result of a dry run: it goes to stdout
                self.out.write(f"{event.request.method} {event.request.url}\n")
                for name, value in event.request.headers.items():
                    self.out.write(f"  {name}: {value}\n")
                if event.request.body is not None:
                    self.out.write(f"  {event.request.body}\n")
            elif self.verbose:
                self.err.write(exchange_lines(">", request_head(event.request), event.request.body, self.verbose > 1))
        elif isinstance(event, (results.MessageSent, results.MessageReceived)):
            message = event.message
            if self.dry_run:
                self.out.write(f"{message.shown}\n")
                for name, value in message.headers.items():
                    self.out.write(f"  {name}: {value}\n")
                if message.payload is not None:
                    self.out.write(f"  {show_value(message.payload)}\n")
            elif self.verbose:
                arrow = ">" if message.action == "send" else "<"
                head = [message.shown, *(f"{name}: {value}" for name, value in message.headers.items())]
                body = None if message.payload is None else show_value(message.payload)
                self.err.write(exchange_lines(arrow, head, body, self.verbose > 1))
        elif isinstance(event, results.StepFinished) and self.verbose and event.result.response is not None:
            response = event.result.response
            self.err.write(exchange_lines("<", response_head(response), response.body, self.verbose > 1))
            if not self.quiet and not self.dry_run:
                self.step_line(event.result)
        elif isinstance(event, results.StepFinished) and not self.quiet and not self.dry_run:
            self.step_line(event.result)
        elif isinstance(event, results.CredentialUsed) and not self.quiet:
            key = (event.source, event.scheme, event.host)
            if key not in self.credentials_shown:  # once per credential and host
                self.credentials_shown.add(key)
                self.err.write(
                    self.style.dim(
                        f"credentials: {event.source}/{event.scheme} ({event.type}) sent to {event.host}"
                        + (" (answered by the built-in mock)" if event.source in self.mocked else "")
                    )
                    + "\n"
                )
        elif isinstance(event, results.MissingCredentials):
            if not self.quiet and event.source not in self.mocked:  # the mock needs no credentials
                self.err.write(self.style("warning", "33") + f": {event.message}\n")
        elif (
            isinstance(event, results.Notice)
            and not self.quiet
            and not (self.dry_run and "resolved to nothing" in event.message)
        ):
            self.err.write(self.style.dim(f"  note: {event.message}") + "\n")

    def step_line(self, result: Any) -> None:
        self.err.write(step_text(result, self.depth, self.style) + "\n")


def step_text(step: Any, depth: int = 0, style: Any = None) -> str:
    """A StepResult as one line: ``✓ createService  POST URL  201  21 ms``, and the reason of a
    failed step; coloured by ``style`` (a :class:`~.common.Style`) when given, else plain."""
    ok = step.status in ("succeeded", DRY_RUN)
    mark = "✓" if ok else "✗"
    parts = [f"{'  ' * depth}{style(mark, '32' if ok else '31') if style is not None else mark} {step.step_id}"]
    if step.attempt > 1:
        parts.append(f"(attempt {step.attempt})")
    if step.request is not None:
        parts.append(f"{step.request.method} {step.request.url}")
    elif getattr(step, "message", None) is not None:
        parts.append(step.message.shown)
    if step.response is not None:
        parts.append(str(step.response.status_code))
    parts.append(f"{step.elapsed * 1000:.0f} ms")
    line = "  ".join(parts)
    if step.error:
        line += "  " + (style.red(step.error) if style is not None else step.error)
    return line


def mocked_note(runner: Any) -> str:
    """`` (on the built-in mock)`` when every API source of the run was mocked, else the
    names of those that were (the others were real: the run was not all on the mock)."""
    if not runner.mocked:
        return ""
    apis = [s.name for s in runner.description.document.source_descriptions if s.type in ("openapi", "asyncapi")]
    if all(name in runner.mocked for name in apis):
        return " (on the built-in mock)"
    return f" ({', '.join(runner.mocked)} on the built-in mock)"


def write_json(out: IO[str], value: Any) -> None:
    """One JSON line on ``out``, with ASCII escapes when ``out`` cannot encode the text (a
    finished run must not fail at its last write, nor print invalid JSON)."""
    text = json_text(value)
    encoding = (getattr(out, "encoding", None) or "utf-8").lower()
    if encoding not in ("utf-8", "utf8", "utf_8"):
        try:
            text.encode(encoding)
        except (UnicodeEncodeError, LookupError):
            text = json.dumps(json.loads(text), ensure_ascii=True)
    out.write(text + "\n")


def summary(result: Any, out: IO[str], err: IO[str], style: Any, quiet: bool, dry_run: bool, mocked: str = "") -> None:
    if dry_run:
        messages = sum(1 for s in result.steps if s.message is not None)
        extra = f", {messages} message step(s) not performed" if messages else ""
        err.write(f"dry run: {sum(1 for s in result.steps if s.request is not None)} request(s) not sent{extra}\n")
    if result.status == DRY_RUN:
        return
    if result.status == "succeeded":
        if not quiet:
            err.write(style("workflow succeeded", "32") + f": {result.workflow_id}{mocked}\n")
    elif result.status == "error" and result.error is not None:  # it could not run (on Temporal: its workers could not)
        err.write(style.red("error") + f": {result.error.message}\n")
    else:
        error = result.error
        where = f" at step {error.step_id}" if error is not None and error.step_id else ""
        # a step's own failure is already on its line; repeat it only when that line was not shown
        # (and in a dry run, which prints no step lines)
        repeat = error is not None and (
            quiet or dry_run or not error.step_id or error.type in ("max-steps", "max-time")
        )
        err.write(style.red(f"workflow failed{where}") + (f": {error.message}" if repeat and error else "") + "\n")
    for name, value in result.outputs.items():
        out.write(f"{name}: {show_value(value)}\n")
