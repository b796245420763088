"""``arazzo run``: options, and the rendering of a run's events (a thin layer over Runner)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import IO, Any

from ..errors import ArazzoError, UsageError
from .run_options import add_batch_options, add_request_options, add_server_options, pairs, runner_keywords
from .run_options import credentials as _credentials
from .temporal import add_temporal_options
from .temporal import check_options as check_temporal_options

__all__ = ["add_parser", "command", "open_runner", "refuse_invalid"]


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
    add_server_options(run, mock_seed=True)
    run.add_argument("--json", action="store_true", help="print the result as one JSON object on stdout")
    run.add_argument(
        "--dry-run", action="store_true", help="print the requests the workflow would send, without sending"
    )
    run.add_argument(
        "--no-validate", action="store_true", help="run even when `arazzo validate` reports errors for the document"
    )
    run.add_argument("--trace", metavar="FILE.jsonl", help="write every engine event as a JSON line")
    add_batch_options(run)
    add_request_options(run)
    add_temporal_options(run)
    common(run)


def open_runner(args: argparse.Namespace, err: IO[str]) -> Any:
    """The Runner of ``args`` (``run`` and ``run --batch``): the document loaded, the names
    the options give checked, the credentials read; raises ArazzoError or OSError."""
    from ..execution.overrides import CLI_NAMES, check_overrides
    from ..execution.runner import Runner
    from ..loading.sources import load
    from .common import redirects as _redirects

    servers = pairs(args.server, "--server", "SOURCE=URL")
    description = load(args.file, sources=_redirects(args.source), allow_remote=args.allow_remote)
    server_variables = pairs(args.server_var, "--server-var")
    check_overrides(description, servers=servers, server_variables=server_variables, names=CLI_NAMES)
    credentials = _credentials(description, args.env_file) or None
    return Runner(description, credentials=credentials, dry_run=args.dry_run, **runner_keywords(args, err))


def refuse_invalid(runner: Any, args: argparse.Namespace, err: IO[str]) -> None:
    """:func:`~arazzo_runner.validation.refuse_invalid` for the Runner of ``args`` (unless
    ``--no-validate``)."""
    if not args.no_validate:
        from ..validation import refuse_invalid as refuse

        refuse(runner.description, pairs(args.server, "--server", "SOURCE=URL"), err)


def _inputs(args: argparse.Namespace, runner: Any) -> dict[str, Any]:
    from ..execution.inputs import coerce_cli_value

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
    given = pairs(args.input, "-i")
    if given:
        workflow = runner.workflow(args.workflow)
        for name, text in given.items():
            inputs[name] = coerce_cli_value(name, text, workflow.inputs, runner.description.parsed.data)
    return inputs


def command(args: argparse.Namespace, out: IO[str], err: IO[str], out_style: Any, style: Any) -> int:
    """Run the workflow; the exit code is 0 succeeded, 1 failed, 2 could not start."""
    if args.batch is not None or args.resume or args.results is not None or args.concurrency is not None:
        from .batch import command as batch

        return batch(args, out, err, out_style, style)
    from ..execution.results import RunError, RunFinished, RunResult, StepFinished
    from ..execution.runner import error_result
    from .output import Printer, mocked_note, summary, write_json

    quiet = bool(getattr(args, "quiet", False))
    trace = None
    result = None
    finished: list[Any] = []  # the steps so far, for a run that Ctrl-C stops
    workflow_id = args.workflow
    try:
        check_temporal_options(args)
        runner = open_runner(args, err)
        workflow_id = runner.workflow(args.workflow).workflow_id
        refuse_invalid(runner, args, err)
        inputs = _inputs(args, runner)
        if runner.mocked and not quiet:  # after every check that can refuse the run
            err.write(
                f"mock: {', '.join(runner.mocked)} answered by the built-in mock "
                + (
                    "on the workers (nothing leaves them for these)\n"
                    if args.temporal
                    else "(nothing leaves this machine for them)\n"
                )
            )
        verbose = int(getattr(args, "verbose", 0) or 0)
        printer = Printer(out if not args.json else err, err, style, quiet, args.dry_run, verbose)
        printer.mocked = set(runner.mocked)
        if args.trace:
            try:
                trace = open(args.trace, "w", encoding="utf-8")  # noqa: SIM115 - closed in finally
            except OSError as exc:
                raise UsageError(f"--trace {args.trace}: {exc.strerror or exc}") from None
        if args.temporal:
            from .run_options import runner_keywords
            from .temporal import run_events, start_only

            keywords = dict(runner_keywords(args, err), dry_run=args.dry_run)
            if args.no_wait:
                return start_only(args, runner, [("", inputs, None)], keywords, out, err)
            events = run_events(args, runner, inputs, keywords, err)
        else:
            events = runner.iter_events(args.workflow, inputs)
        with runner:
            for event in events:
                if trace is not None:
                    trace.write(trace_line(event))
                printer(event)
                if isinstance(event, StepFinished):
                    finished.append(event.result)
                elif isinstance(event, RunFinished):
                    result = event.result
    except (ArazzoError, OSError) as raised:
        # an OSError here is the user's environment (a file that cannot be read or written)
        error = raised if isinstance(raised, ArazzoError) else UsageError(str(raised))
        if args.json:
            write_json(out, error_result(error, workflow_id).to_dict())
        err.write(style.red("error") + f": {error}\n")
        return error.exit_code
    except KeyboardInterrupt:
        # Ctrl-C: what ran so far is still reported, as one object under --json
        interrupted = RunResult(workflow_id, "error", steps=finished, error=RunError("interrupted", INTERRUPTED))
        if args.json:
            write_json(out, interrupted.to_dict())
        err.write(style.red("interrupted") + f": {INTERRUPTED}\n")
        return interrupted.exit_code  # 130
    finally:
        if trace is not None:
            trace.close()
    assert result is not None
    if args.json:
        write_json(out, result.to_dict())
    else:
        summary(result, out, err, style, quiet, args.dry_run, mocked_note(runner))
    return result.exit_code


INTERRUPTED = "the run was interrupted (Ctrl-C); the steps so far are reported"


def trace_line(event: Any) -> str:
    """One line of a ``--trace`` file: ``event``, ``timestamp`` (when the event left the
    Runner: ISO 8601, UTC, milliseconds), then the event's fields, camelCase as in ``--json``."""
    import time

    from ..execution.results import iso_time
    from .output import json_text

    data = event.to_dict()
    if data.get("timestamp") is None:
        data["timestamp"] = iso_time(time.time())
    return json_text(data) + "\n"
