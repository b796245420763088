"""``arazzo run``: options, and the rendering of a run's events (a thin layer over Runner)."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Sequence
from typing import IO, Any

from ..errors import ArazzoError, UsageError, ValidationError

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
    run.add_argument(
        "--mock",
        action="append",
        nargs="?",
        const="*",
        metavar="SOURCE",
        help="answer every OpenAPI source (or only SOURCE, repeatable) with the built-in mock, in-process",
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


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class _Printer:
    """Renders engine events as the human lines of design.md §2.1 (on stderr)."""

    def __init__(self, out: IO[str], err: IO[str], style: Any, quiet: bool, dry_run: bool) -> None:
        self.out, self.err, self.style, self.quiet, self.dry_run = out, err, style, quiet, dry_run
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


def command(args: argparse.Namespace, out: IO[str], err: IO[str], out_style: Any, style: Any) -> int:
    """Run the workflow; the exit code is 0 succeeded, 1 failed, 2 could not start."""
    from ..execution.overrides import CLI_NAMES, check_overrides
    from ..execution.results import RunError, RunFinished, RunResult, StepFinished
    from ..execution.runner import Runner, error_result
    from ..loading.sources import load
    from .common import redirects as _redirects

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
        printer = _Printer(out if not args.json else err, err, style, quiet, args.dry_run)
        printer.mocked = set(runner.mocked)
        if args.trace:
            try:
                trace = open(args.trace, "w", encoding="utf-8")  # noqa: SIM115 - closed in finally
            except OSError as exc:
                raise UsageError(f"--trace {args.trace}: {exc.strerror or exc}") from None
        with runner:
            for event in runner.iter_events(args.workflow, inputs):
                if trace is not None:
                    trace.write(json_text(event.to_dict()) + "\n")
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
        return 130
    finally:
        if trace is not None:
            trace.close()
    assert result is not None
    if args.json:
        write_json(out, result.to_dict())
    else:
        _summary(result, out, err, style, quiet, args.dry_run, " (on the built-in mock)" if runner.mocked else "")
    return 0 if args.dry_run else result.exit_code


INTERRUPTED = "the run was interrupted (Ctrl-C); the steps so far are reported"


def json_text(value: Any) -> str:
    """``value`` as strict JSON: a NaN or an infinity (which Python's json module reads in a
    response body) becomes the string ``"NaN"``, ``"Infinity"`` or ``"-Infinity"``."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, default=str)
    except ValueError:
        return json.dumps(_finite(value), ensure_ascii=False, allow_nan=False, default=str)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


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


def _summary(result: Any, out: IO[str], err: IO[str], style: Any, quiet: bool, dry_run: bool, mocked: str = "") -> None:
    if dry_run:
        err.write(f"dry run: {sum(1 for s in result.steps if s.request is not None)} request(s) not sent\n")
        return
    if result.status == "succeeded":
        if not quiet:
            err.write(style("workflow succeeded", "32") + f": {result.workflow_id}{mocked}\n")
    else:
        error = result.error
        where = f" at step {error.step_id}" if error is not None and error.step_id else ""
        # a step's own failure is already on its line; repeat it only when that line was not shown
        repeat = error is not None and (quiet or not error.step_id or error.type in ("max-steps", "max-time"))
        err.write(style.red(f"workflow failed{where}") + (f": {error.message}" if repeat and error else "") + "\n")
    for name, value in result.outputs.items():
        out.write(f"{name}: {_show(value)}\n")
