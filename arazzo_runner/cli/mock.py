"""``arazzo mock``: serve an OpenAPI description as a stateful mock HTTP server."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Callable
from typing import IO, Any

from ..errors import UsageError

__all__ = ["add_parser", "command"]


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535 (0: any free port), not {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def _items(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"a whole number of 0 or more, not {text!r}")
    return value


def _max_items(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"a whole number of 1 or more, not {text!r}")
    return value


def add_parser(commands: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    mock = commands.add_parser(
        "mock",
        help="serve an OpenAPI description as a stateful mock server",
        description=(
            "Serve OPENAPI_FILE as a stateful mock HTTP server: requests are routed and validated against the "
            "description, resources created by POST can be read, updated and deleted, responses follow the "
            "documented examples and schemas. Run a workflow against it with --server SOURCE=URL. Ctrl-C stops it."
        ),
    )
    mock.add_argument("file", metavar="OPENAPI_FILE")
    mock.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    mock.add_argument("--port", type=_port, default=8080, metavar="N", help="port (default 8080; 0: any free port)")
    mock.add_argument("--seed", type=_seed, default=0, metavar="N", help="seed of the generated values (default 0)")
    mock.add_argument(
        "--mock-items",
        type=_items,
        default=0,
        metavar="N",
        help="start every collection that can be listed with N generated items (default 0)",
    )
    mock.add_argument(
        "--mock-max-items",
        type=_max_items,
        default=None,
        metavar="N",
        help="the most resources a collection keeps (default 1000; the oldest is evicted and then answers 404)",
    )
    mock.add_argument(
        "--require-auth", action="store_true", help="answer 401 when the credentials an operation requires are missing"
    )
    # -q/-v only: --source and --allow-remote are about Arazzo documents, and the mock reads a
    # local OpenAPI file (SUPPRESS keeps -q/-v given before the command name, as cli.py does)
    mock.add_argument(
        "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="do not log each request on stderr"
    )
    mock.add_argument(
        "-v", "--verbose", action="count", default=argparse.SUPPRESS, help="print debugging details (-vv: more)"
    )


def command(args: argparse.Namespace, out: IO[str], err: IO[str], out_style: Any, err_style: Any) -> int:
    """Serve until interrupted (Ctrl-C or SIGTERM): exit code 0, or 2 when it cannot start."""
    from ..mock import MockServer
    from ..mock.stores import MAX_ITEMS
    from ..openapi.index import load_openapi

    quiet = bool(getattr(args, "quiet", False))
    index = load_openapi(args.file)
    try:
        server = MockServer.for_openapi(
            index, seed=args.seed, require_auth=args.require_auth, host=args.host, port=args.port,
            items=args.mock_items,
            max_items=MAX_ITEMS if args.mock_max_items is None else args.mock_max_items,
        )  # fmt: skip
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    app = server.app
    out.write(out_style.bold(f"mock of {index.title or index.name}") + f" serving on {server.url}\n")
    for path in app.base_paths():
        shown = [base.url for base in app.routes.bases() if (base.path_text or "/") == path]
        note = f"  (for {', '.join(shown)})" if shown and shown != [path] else ""
        out.write(f"  {server.url}{'' if path == '/' else path}{out_style.dim(note)}\n")
    for url in app.token_urls:
        out.write(f"  oauth2 token URL: {server.url}{_path_of(url)}" + out_style.dim(f"  (for {url})") + "\n")
    problems = len(index.problems)
    if problems:
        err.write(f"warning: {problems} problem(s) in {index.name}; the operations concerned may be left out\n")
    if args.require_auth:
        out.write("  credentials are required (--require-auth)\n")
    if args.mock_items:
        out.write(f"  every collection that can be listed starts with {args.mock_items} item(s) (--mock-items)\n")
    out.write(out_style.dim("Ctrl-C to stop") + "\n")
    out.flush()
    if not quiet:
        server.on_request(lambda request, response: _log(err, err_style, request, response))
    restore = _stop_on_sigterm()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        if not quiet:
            err.write("stopped\n")
    finally:
        restore()
        server.close()
    return 0


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path or "/"


def _log(err: IO[str], style: Any, request: Any, response: Any) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(request.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    status = str(response.status)
    colour = "32" if response.status < 400 else "33" if response.status < 500 else "31"
    line = f"{request.method} {target} {style(status, colour)}"
    if response.operation:
        line += style.dim(f"  ({response.operation})")
    try:
        err.write(line + "\n")
        err.flush()
    except (OSError, ValueError):
        pass


def _stop_on_sigterm() -> Callable[[], None]:
    """SIGTERM stops the server like Ctrl-C (main thread only); returns what undoes it."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        return lambda: None

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore
