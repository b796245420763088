"""``arazzo run``: options, and the rendering of a run's events (a thin layer over Runner)."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Sequence
from typing import IO, Any

from ..errors import ArazzoError, UsageError, ValidationError
from .common import add_optional_value

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
    add_optional_value(
        run,
        "--mock",
        const="*",
        action="append",
        metavar="SOURCE",
        help="answer every OpenAPI source (or only SOURCE, repeatable) with the built-in mock, in-process; "
        "the word after --mock is SOURCE unless it names an existing file or directory (--mock=SOURCE always is)",
    )
    run.add_argument(
        "--mock-items",
        type=_mock_items,
        default=0,
        metavar="N",
        help="with --mock: start every collection that can be listed with N generated items",
    )
    run.add_argument("--json", action="store_true", help="print the result as one JSON object on stdout")
    run.add_argument(
        "--dry-run", action="store_true", help="print the requests the workflow would send, without sending"
    )
    run.add_argument(
        "--no-validate", action="store_true", help="run even when `arazzo validate` reports errors for the document"
    )
    run.add_argument("--trace", metavar="FILE.jsonl", help="write every engine event as a JSON line")
    run.add_argument(
        "--require-auth",
        action="store_true",
        help="stop before any request when credentials an operation needs are missing (exit 2)",
    )
    run.add_argument("--timeout", type=_seconds, default=30.0, metavar="SECONDS", help="per request (default 30)")
    run.add_argument(
        "--max-time", type=_seconds, default=600.0, metavar="SECONDS", help="for the whole run (default 600)"
    )
    run.add_argument(
        "--max-steps", type=_count, default=1000, metavar="N", help="step executions per run (default 1000)"
    )
    run.add_argument(
        "--max-retry-after", type=_delay, default=60.0, metavar="SECONDS", help="longest retry delay (default 60)"
    )
    run.add_argument(
        "--max-response-bytes",
        type=_count,
        default=52_428_800,
        metavar="N",
        help="largest response body (default 50 MiB)",
    )
    run.add_argument(
        "--follow-redirects", action="store_true", help="follow 3xx redirects (by default the step sees the 3xx)"
    )
    run.add_argument(
        "--check-responses",
        nargs="?",
        const="fail",
        choices=["fail", "warn"],
        metavar="warn",
        help="check each response against the OpenAPI operation (status, content type, body schema); "
        "a mismatch fails the step, or only warns with --check-responses=warn",
    )
    run.add_argument(
        "--check-requests",
        nargs="?",
        const="fail",
        choices=["fail", "warn"],
        metavar="warn",
        help="check each request against its OpenAPI operation just before it is sent; "
        "a mismatch fails the step, or only warns with --check-requests=warn",
    )
    run.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="a header for every request to the documents' servers (repeatable; redacted in all output)",
    )
    run.add_argument(
        "--env-file",
        metavar="PATH",
        help="read ARAZZO_* credential variables from PATH too (default: ./.env when it exists)",
    )
    run.add_argument(
        "--allow-insecure-credentials",
        action="store_true",
        help="allow credentials over plain http:// to hosts that are not loopback (not recommended)",
    )
    run.add_argument("--ca-bundle", metavar="FILE", help="trust the CA certificates in FILE")
    run.add_argument("--insecure", action="store_true", help="do not verify TLS certificates (not recommended)")
    run.add_argument("--client-cert", metavar="FILE[:KEY]", help="a TLS client certificate (and key)")
    common(run)


def _number(text: str, zero_ok: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
        raise argparse.ArgumentTypeError(f"must be a number {'>= 0' if zero_ok else '> 0'}, not {text!r}")
    return value


def _mock_items(text: str) -> int:
    from .mock import _items

    return _items(text)


def _seconds(text: str) -> float:
    """A duration that must be positive (a socket timeout of 0 or less is refused by Python)."""
    return _number(text, zero_ok=False)


def _delay(text: str) -> float:
    return _number(text, zero_ok=True)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text!r}")
    return value


_CHECK_RESPONSES: dict[str | None, bool | str] = {None: False, "fail": True, "warn": "warn"}


def _mock_option(values: Sequence[str] | None) -> bool | list[str]:
    if not values:
        return False
    return True if "*" in values else list(values)


def _refuse_invalid(description: Any, servers: dict[str, str], err: IO[str]) -> None:
    """Stop before any request when validation reports errors (warnings never block)."""
    from ..validation import validate

    report = validate(description, servers=servers)
    if report.valid:
        return
    errors = report.errors
    first = errors[0]
    if len(errors) == 1:
        raise ValidationError(f"{first.message} [{first.rule}]", first.location)
    for diagnostic in errors:
        err.write(
            f"{diagnostic.file}:{diagnostic.line}:{diagnostic.column} error {diagnostic.rule} {diagnostic.message}\n"
        )
    raise ValidationError(
        f"the document has {len(errors)} errors (listed above; --no-validate runs it anyway); the first: {first.message}",
        first.location,
    )


def _pairs(values: Sequence[str], option: str, form: str = "NAME=VALUE") -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise UsageError(f"{option} takes {form}, not {value!r}")
        pairs[name] = text
    return pairs


def _headers(values: Sequence[str]) -> list[tuple[str, str]]:
    """-H 'Name: value' options, as curl takes them."""
    headers = []
    for value in values:
        name, sep, text = value.partition(":")
        if not sep or not name.strip() or name != name.strip():
            # the value is not shown: it may well be a token
            raise UsageError("-H takes 'NAME: VALUE' (a name, a colon, the value)")
        headers.append((name, text.strip()))
    return headers


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
    given = _pairs(args.input, "-i")
    if given:
        workflow = runner.workflow(args.workflow)
        for name, text in given.items():
            inputs[name] = coerce_cli_value(name, text, workflow.inputs, runner.description.parsed.data)
    return inputs


def _verify(args: argparse.Namespace, err: IO[str]) -> Any:
    """What httpx verifies TLS with: True (its defaults), or one SSL context built here, so a
    missing or unreadable --ca-bundle / --client-cert is a usage error before any request
    (httpx 0.28 deprecates ``cert=``: the client certificate goes into the context)."""
    if args.insecure:
        err.write("warning: --insecure: TLS certificates are not verified\n")
    if not args.ca_bundle and not args.client_cert:
        return not args.insecure
    import ssl

    import httpx

    option, name = "--ca-bundle", args.ca_bundle
    try:
        if args.insecure:
            context = httpx.create_ssl_context(verify=False)
        elif args.ca_bundle:
            context = ssl.create_default_context(cafile=args.ca_bundle)
        else:
            context = httpx.create_ssl_context()
        if args.client_cert:
            certificate, sep, key = args.client_cert.partition(":")
            option, name = "--client-cert", args.client_cert
            context.load_cert_chain(certificate, key if sep else None)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise UsageError(f"{option} {name}: {reason}") from None
    return context


def _credentials(description: Any, env_file: str | None = None) -> dict[str, dict[str, dict[str, str]]]:
    """Credentials from ``ARAZZO_<SOURCE>_<SCHEME>_<FIELD>`` variables: the environment, then
    the env file (``./.env`` by default); see
    :func:`~arazzo_runner.execution.credentials_source.environment_credentials`."""
    from ..execution.auth import environment_credentials

    if env_file is None:
        return environment_credentials(description)
    return environment_credentials(description, env_file=env_file)


def command(args: argparse.Namespace, out: IO[str], err: IO[str], out_style: Any, style: Any) -> int:
    """Run the workflow; the exit code is 0 succeeded, 1 failed, 2 could not start."""
    from ..execution.overrides import CLI_NAMES, check_overrides
    from ..execution.results import RunError, RunFinished, RunResult, StepFinished
    from ..execution.runner import Runner, error_result
    from ..loading.sources import load
    from .common import redirects as _redirects
    from .output import Printer, summary, write_json

    quiet = bool(getattr(args, "quiet", False))
    trace = None
    result = None
    finished: list[Any] = []  # the steps so far, for a run that Ctrl-C stops
    workflow_id = args.workflow
    try:
        servers = _pairs(args.server, "--server", "SOURCE=URL")
        description = load(args.file, sources=_redirects(args.source), allow_remote=args.allow_remote)
        server_variables = _pairs(args.server_var, "--server-var")
        check_overrides(description, servers=servers, server_variables=server_variables, names=CLI_NAMES)
        runner = Runner(
            description,
            credentials=_credentials(description, args.env_file) or None,
            require_auth=args.require_auth,
            servers=servers,
            server_variables=server_variables,
            timeout=args.timeout,
            max_time=args.max_time,
            max_steps=args.max_steps,
            max_retry_after=args.max_retry_after,
            max_response_bytes=args.max_response_bytes,
            follow_redirects=args.follow_redirects,
            check_responses=_CHECK_RESPONSES[args.check_responses],
            check_requests=_CHECK_RESPONSES[args.check_requests],
            headers=_headers(args.header),
            allow_insecure_credentials=args.allow_insecure_credentials,
            dry_run=args.dry_run,
            verify=_verify(args, err),
            mock=_mock_option(args.mock),
            mock_items=args.mock_items,
        )
        workflow_id = runner.workflow(args.workflow).workflow_id
        if not args.no_validate:
            _refuse_invalid(runner.description, servers, err)
        inputs = _inputs(args, runner)
        if runner.mocked and not quiet:  # after every check that can refuse the run
            err.write(
                f"mock: {', '.join(runner.mocked)} answered by the built-in mock (nothing leaves this machine for them)\n"
            )
        verbose = int(getattr(args, "verbose", 0) or 0)
        printer = Printer(out if not args.json else err, err, style, quiet, args.dry_run, verbose)
        printer.mocked = set(runner.mocked)
        if args.trace:
            try:
                trace = open(args.trace, "w", encoding="utf-8")  # noqa: SIM115 - closed in finally
            except OSError as exc:
                raise UsageError(f"--trace {args.trace}: {exc.strerror or exc}") from None
        with runner:
            for event in runner.iter_events(args.workflow, inputs):
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
        summary(result, out, err, style, quiet, args.dry_run, " (on the built-in mock)" if runner.mocked else "")
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
