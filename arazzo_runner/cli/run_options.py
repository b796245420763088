"""The options that say how workflows run, shared by ``arazzo run`` and ``arazzo test``.

``add_server_options`` and ``add_request_options`` declare them (in the order ``run --help``
shows them); ``runner_keywords`` turns the parsed options into :class:`Runner` keywords.
What depends on one document (its credentials, the check of the names an option gives) is
left to the caller, who knows which documents it runs.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from typing import IO, Any

from ..errors import UsageError
from .common import add_optional_value

__all__ = [
    "CHECK_MODES",
    "add_batch_options",
    "add_request_options",
    "add_server_options",
    "credentials",
    "headers",
    "mock_option",
    "pairs",
    "runner_keywords",
    "verify",
]


def add_server_options(parser: argparse.ArgumentParser, *, mock_seed: bool = False) -> None:
    """``--server``, ``--server-var``, ``--mock [SOURCE]``, ``--mock-items`` (and ``--mock-seed``
    when ``mock_seed``)."""
    parser.add_argument(
        "--server",
        action="append",
        default=[],
        metavar="SOURCE=URL",
        help="the server URL for every operation of SOURCE",
    )
    parser.add_argument("--server-var", action="append", default=[], metavar="NAME=VALUE", help="a server variable")
    add_optional_value(
        parser,
        "--mock",
        const="*",
        action="append",
        metavar="SOURCE",
        help="answer every OpenAPI source (or only SOURCE, repeatable) with the built-in mock, in-process; "
        "the word after --mock is SOURCE unless it names an existing file or directory (--mock=SOURCE always is)",
    )
    parser.add_argument(
        "--mock-items",
        type=_mock_items,
        default=0,
        metavar="N",
        help="with --mock: start every collection that can be listed with N generated items",
    )
    parser.add_argument(
        "--mock-max-items",
        type=_mock_max_items,
        default=None,
        metavar="N",
        help="with --mock: the most resources a collection keeps (default 1000; the oldest is evicted "
        "and then answers 404)",
    )
    if mock_seed:
        parser.add_argument(
            "--mock-seed",
            type=_seed,
            default=0,
            metavar="N",
            help="with --mock: the seed of the generated values (default 0; same seed, same answers)",
        )


def add_request_options(parser: argparse.ArgumentParser) -> None:
    """Credentials, guards, checks, headers and TLS: how every request of a run is made."""
    parser.add_argument(
        "--require-auth",
        action="store_true",
        help="stop before any request when credentials an operation needs are missing (run: exit 2; test: the case fails)",
    )
    parser.add_argument("--timeout", type=_seconds, default=30.0, metavar="SECONDS", help="per request (default 30)")
    parser.add_argument(
        "--max-time", type=_seconds, default=600.0, metavar="SECONDS", help="for the whole run (default 600)"
    )
    parser.add_argument(
        "--max-steps", type=_count, default=1000, metavar="N", help="step executions per run (default 1000)"
    )
    parser.add_argument(
        "--max-retry-after", type=_delay, default=60.0, metavar="SECONDS", help="longest retry delay (default 60)"
    )
    parser.add_argument(
        "--receive-timeout",
        type=_seconds,
        default=30.0,
        metavar="SECONDS",
        help="how long an AsyncAPI receive step without a timeout of its own waits for its message (default 30)",
    )
    parser.add_argument(
        "--max-response-bytes",
        type=_count,
        default=52_428_800,
        metavar="N",
        help="largest response body (default 50 MiB)",
    )
    parser.add_argument(
        "--follow-redirects", action="store_true", help="follow 3xx redirects (by default the step sees the 3xx)"
    )
    for option, when in (
        ("--check-responses", "each response against the OpenAPI operation (status, content type, body schema)"),
        ("--check-requests", "each request against its OpenAPI operation just before it is sent"),
    ):
        parser.add_argument(
            option,
            nargs="?",
            const="fail",
            choices=["fail", "warn"],
            metavar="warn",
            help=f"check {when}; a mismatch fails the step, or only warns with {option}=warn",
        )
    parser.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="a header for every request to the documents' servers (repeatable; redacted in all output)",
    )
    parser.add_argument(
        "--env-file",
        metavar="PATH",
        help="read ARAZZO_* credential variables from PATH too (default: ./.env when it exists)",
    )
    parser.add_argument(
        "--allow-insecure-credentials",
        action="store_true",
        help="allow credentials over plain http:// to hosts that are not loopback (not recommended)",
    )
    parser.add_argument("--ca-bundle", metavar="FILE", help="trust the CA certificates in FILE")
    parser.add_argument("--insecure", action="store_true", help="do not verify TLS certificates (not recommended)")
    parser.add_argument("--client-cert", metavar="FILE[:KEY]", help="a TLS client certificate (and key)")


def add_batch_options(parser: argparse.ArgumentParser) -> None:
    """``--batch``, ``--concurrency``, ``--results``, ``--resume`` (``arazzo run`` only; the
    batch itself is cli/batch.py)."""
    parser.add_argument(
        "--batch",
        metavar="INPUTS.jsonl",
        help='run the workflow once per line of INPUTS.jsonl (a JSON object of inputs; an optional "id" names the run)',
    )
    parser.add_argument(
        "--concurrency",
        type=_concurrency,
        metavar="N",
        help="with --batch: runs at once (1 to 256, default 8; 1 runs them one after another)",
    )
    parser.add_argument(
        "--results",
        metavar="OUT.jsonl",
        help="with --batch: write one result line per finished run to OUT.jsonl (default: stdout)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="with --batch and --results: skip the runs OUT.jsonl already holds, append the others",
    )


# ---------------------------------------------------------------- option types


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


def _mock_max_items(text: str) -> int:
    from .mock import _max_items

    return _max_items(text)


def _seed(text: str) -> int:
    from .mock import _seed as seed

    return seed(text)


def _seconds(text: str) -> float:
    """A duration that must be positive (a socket timeout of 0 or less is refused by Python)."""
    return _number(text, zero_ok=False)


def _delay(text: str) -> float:
    return _number(text, zero_ok=True)


def _concurrency(text: str) -> int:
    value = _count(text)
    if value > 256:
        raise argparse.ArgumentTypeError(f"must be at most 256, not {text!r}")
    return value


def count(text: str) -> int:
    """An option's whole number of at least 1 (argparse ``type``)."""
    return _count(text)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text!r}")
    return value


# ---------------------------------------------------------------- conversion to Runner keywords

CHECK_MODES: dict[str | None, bool | str] = {None: False, "fail": True, "warn": "warn"}


def mock_option(values: Sequence[str] | None) -> bool | list[str]:
    """``--mock`` as Runner's ``mock``: False, True (every source) or the sources named."""
    if not values:
        return False
    return True if "*" in values else list(values)


def pairs(values: Sequence[str], option: str, form: str = "NAME=VALUE") -> dict[str, str]:
    """``NAME=VALUE`` options as a dict (a usage error names the option and the form)."""
    found: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise UsageError(f"{option} takes {form}, not {value!r}")
        found[name] = text
    return found


def headers(values: Sequence[str]) -> list[tuple[str, str]]:
    """-H 'Name: value' options, as curl takes them."""
    found = []
    for value in values:
        name, sep, text = value.partition(":")
        if not sep or not name.strip() or name != name.strip():
            # the value is not shown: it may well be a token
            raise UsageError("-H takes 'NAME: VALUE' (a name, a colon, the value)")
        found.append((name, text.strip()))
    return found


def verify(args: argparse.Namespace, err: IO[str]) -> Any:
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


def credentials(description: Any, env_file: str | None = None) -> dict[str, dict[str, dict[str, str]]]:
    """Credentials of ``description`` from ``ARAZZO_<SOURCE>_<SCHEME>_<FIELD>`` variables: the
    environment, then the env file (``./.env`` by default); see
    :func:`~arazzo_runner.execution.credentials_source.environment_credentials`."""
    from ..execution.auth import environment_credentials

    if env_file is None:
        return environment_credentials(description)
    return environment_credentials(description, env_file=env_file)


def runner_keywords(args: argparse.Namespace, err: IO[str]) -> dict[str, Any]:
    """The Runner keywords of the options of :func:`add_server_options` and
    :func:`add_request_options`, the same for every document: ``credentials`` (read per
    document with :func:`credentials`) and ``dry_run`` are the caller's."""
    keywords: dict[str, Any] = {
        "require_auth": args.require_auth,
        "servers": pairs(args.server, "--server", "SOURCE=URL"),
        "server_variables": pairs(args.server_var, "--server-var"),
        "timeout": args.timeout,
        "max_time": args.max_time,
        "max_steps": args.max_steps,
        "max_retry_after": args.max_retry_after,
        "receive_timeout": args.receive_timeout,
        "max_response_bytes": args.max_response_bytes,
        "follow_redirects": args.follow_redirects,
        "check_responses": CHECK_MODES[args.check_responses],
        "check_requests": CHECK_MODES[args.check_requests],
        "headers": headers(args.header),
        "allow_insecure_credentials": args.allow_insecure_credentials,
        "verify": verify(args, err),
        "mock": mock_option(args.mock),
        "mock_items": args.mock_items,
    }
    if args.mock_max_items is not None:
        keywords["mock_max_items"] = args.mock_max_items
    if hasattr(args, "mock_seed"):
        keywords["mock_seed"] = args.mock_seed
    return keywords
