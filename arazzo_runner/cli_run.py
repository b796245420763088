"""``arazzo run``: options, and the rendering of a run's events (a thin layer over Runner)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from typing import IO, Any

from .errors import ArazzoError, UsageError

__all__ = ["add_parser", "command"]


def add_parser(commands: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    run = commands.add_parser(
        "run",
        help="run a workflow",
        description="Run a workflow: one line per step on stderr, then its outputs on stdout.",
    )
    run.add_argument("file", metavar="FILE")
    run.add_argument("-w", "--workflow", metavar="WORKFLOW_ID", help="the workflow to run (optional when there is one)")
    run.add_argument(
        "-i", "--input", action="append", default=[], metavar="NAME=VALUE", help="an input (typed by the inputs schema)"
    )
    run.add_argument("--inputs", metavar="JSON|@FILE", help="all inputs as a JSON object, or @path to a JSON file")
    run.add_argument(
        "--server",
        action="append",
        default=[],
        metavar="SOURCE=URL",
        help="the server URL for every operation of SOURCE",
    )
    run.add_argument("--server-var", action="append", default=[], metavar="NAME=VALUE", help="a server variable")
    run.add_argument("--json", action="store_true", help="print the result as one JSON object on stdout")
    run.add_argument(
        "--dry-run", action="store_true", help="print the requests the workflow would send, without sending"
    )
    run.add_argument("--trace", metavar="FILE.jsonl", help="write every engine event as a JSON line")
    run.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="per request (default 30)")
    run.add_argument("--max-time", type=float, default=600.0, metavar="SECONDS", help="for the whole run (default 600)")
    run.add_argument("--max-steps", type=int, default=1000, metavar="N", help="step executions per run (default 1000)")
    run.add_argument(
        "--max-retry-after", type=float, default=60.0, metavar="SECONDS", help="longest retry delay (default 60)"
    )
    run.add_argument(
        "--max-response-bytes", type=int, default=52_428_800, metavar="N", help="largest response body (default 50 MiB)"
    )
    run.add_argument(
        "--follow-redirects", action="store_true", help="follow 3xx redirects (by default the step sees the 3xx)"
    )
    run.add_argument("--ca-bundle", metavar="FILE", help="trust the CA certificates in FILE")
    run.add_argument("--insecure", action="store_true", help="do not verify TLS certificates (not recommended)")
    run.add_argument("--client-cert", metavar="FILE[:KEY]", help="a TLS client certificate (and key)")
    common(run)


def _pairs(values: Sequence[str], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise UsageError(f"{option} takes NAME=VALUE, not {value!r}")
        pairs[name] = text
    return pairs


def _inputs(args: argparse.Namespace, runner: Any) -> dict[str, Any]:
    from .execution.inputs import coerce_cli_value

    inputs: dict[str, Any] = {}
    if args.inputs:
        text = args.inputs
        if text.startswith("@"):
            try:
                with open(text[1:], encoding="utf-8") as handle:
                    text = handle.read()
            except OSError as exc:
                raise UsageError(f"--inputs {args.inputs}: {exc.strerror}") from None
        try:
            loaded = json.loads(text)
        except ValueError as exc:
            raise UsageError(f"--inputs is not valid JSON: {exc}") from None
        if not isinstance(loaded, dict):
            raise UsageError("--inputs must be a JSON object")
        inputs.update(loaded)
    given = _pairs(args.input, "-i")
    if given:
        workflow = runner.workflow(args.workflow)
        for name, text in given.items():
            inputs[name] = coerce_cli_value(name, text, workflow.inputs, runner.description.parsed.data)
    return inputs


def _verify(args: argparse.Namespace, err: IO[str]) -> Any:
    if args.insecure:
        err.write("warning: --insecure: TLS certificates are not verified\n")
        return False
    if args.ca_bundle:
        import ssl

        return ssl.create_default_context(cafile=args.ca_bundle)
    return True


def _cert(args: argparse.Namespace) -> Any:
    if not args.client_cert:
        return None
    certificate, sep, key = args.client_cert.partition(":")
    return (certificate, key) if sep else certificate


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class _Printer:
    """Renders engine events as the human lines of design.md §2.1 (on stderr)."""

    def __init__(self, err: IO[str], style: Any, quiet: bool, dry_run: bool) -> None:
        self.err, self.style, self.quiet, self.dry_run = err, style, quiet, dry_run
        self.depth = 0
        self.pending: dict[tuple[str, str], Any] = {}

    def __call__(self, event: Any) -> None:
        from .execution import results

        if isinstance(event, results.WorkflowStarted):
            self.depth = event.depth
        elif isinstance(event, results.RequestSent):
            self.pending[(event.workflow_id, event.step_id)] = event.request
            if self.dry_run:
                self.err.write(f"{event.request.method} {event.request.url}\n")
                for name, value in event.request.headers.items():
                    self.err.write(f"  {name}: {value}\n")
                if event.request.body is not None:
                    self.err.write(f"  {event.request.body}\n")
        elif isinstance(event, results.StepFinished) and not self.quiet and not self.dry_run:
            self.step_line(event.result)
        elif isinstance(event, results.Notice) and not self.quiet and not self.dry_run:
            self.err.write(self.style.dim(f"  note: {event.message}") + "\n")

    def step_line(self, result: Any) -> None:
        style = self.style
        mark = style("✓", "32") if result.status == "succeeded" else style("✗", "31")
        parts = [f"{'  ' * self.depth}{mark} {result.step_id}"]
        if result.attempt > 1:
            parts.append(f"(attempt {result.attempt})")
        if result.request is not None:
            parts.append(f"{result.request.method} {result.request.url}")
        if result.response is not None:
            parts.append(str(result.response.status_code))
        parts.append(f"{result.elapsed * 1000:.0f} ms")
        line = "  ".join(parts)
        if result.error:
            line += "  " + style.red(result.error)
        self.err.write(line + "\n")


def command(args: argparse.Namespace, out: IO[str], err: IO[str], style: Any) -> int:
    """Run the workflow; the exit code is 0 succeeded, 1 failed, 2 could not start."""
    from .cli import _redirects
    from .execution.results import RunFinished
    from .execution.runner import Runner, error_result

    quiet = bool(getattr(args, "quiet", False))
    trace = None
    result = None
    workflow_id = args.workflow
    try:
        runner = Runner(
            args.file,
            sources=_redirects(args.source),
            allow_remote=args.allow_remote,
            servers=_pairs(args.server, "--server"),
            server_variables=_pairs(args.server_var, "--server-var"),
            timeout=args.timeout,
            max_time=args.max_time,
            max_steps=args.max_steps,
            max_retry_after=args.max_retry_after,
            max_response_bytes=args.max_response_bytes,
            follow_redirects=args.follow_redirects,
            dry_run=args.dry_run,
            verify=_verify(args, err),
            cert=_cert(args),
        )
        workflow_id = runner.workflow(args.workflow).workflow_id
        inputs = _inputs(args, runner)
        printer = _Printer(err, style, quiet, args.dry_run)
        if args.trace:
            trace = open(args.trace, "w", encoding="utf-8")  # noqa: SIM115 - closed in finally
        with runner:
            for event in runner.iter_events(args.workflow, inputs):
                if trace is not None:
                    trace.write(json.dumps(event.to_dict(), ensure_ascii=False, default=str) + "\n")
                printer(event)
                if isinstance(event, RunFinished):
                    result = event.result
    except ArazzoError as error:
        if args.json:
            out.write(json.dumps(error_result(error, workflow_id).to_dict(), ensure_ascii=False) + "\n")
        err.write(style.red("error") + f": {error}\n")
        return error.exit_code
    except OSError as error:
        err.write(style.red("error") + f": {error}\n")
        return 2
    finally:
        if trace is not None:
            trace.close()
    assert result is not None
    if args.json:
        out.write(json.dumps(result.to_dict(), ensure_ascii=False, default=str) + "\n")
    else:
        _summary(result, out, err, style, quiet, args.dry_run)
    return 0 if args.dry_run else result.exit_code


def _summary(result: Any, out: IO[str], err: IO[str], style: Any, quiet: bool, dry_run: bool) -> None:
    if dry_run:
        err.write(f"dry run: {sum(1 for s in result.steps if s.request is not None)} request(s) not sent\n")
        return
    if result.status == "succeeded":
        if not quiet:
            err.write(style("workflow succeeded", "32") + f": {result.workflow_id}\n")
    else:
        error = result.error
        where = f" at step {error.step_id}" if error is not None and error.step_id else ""
        err.write(style.red(f"workflow failed{where}") + (f": {error.message}" if error is not None else "") + "\n")
    for name, value in result.outputs.items():
        out.write(f"{name}: {_show(value)}\n")
