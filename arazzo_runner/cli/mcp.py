"""``arazzo mcp``: serve workflows as tools for AI agents (Model Context Protocol).

stdio (the default) for local agents: stdout carries only protocol messages; the start-up
summary, the mock banner and warnings go to stderr.  ``--transport http`` serves streamable
HTTP at ``/mcp`` (127.0.0.1:8765 by default), checks ``Host``/``Origin`` against DNS rebinding,
and on an address other than loopback requires a bearer token (``--token`` or
``ARAZZO_MCP_TOKEN``).  The SDK (``pip install arazzo-interpreter[mcp]``) is imported only here.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import IO, Any

from ..errors import UsageError
from .run_options import add_request_options, add_server_options, pairs, runner_keywords

__all__ = ["add_parser", "command"]


def add_parser(commands: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    mcp = commands.add_parser(
        "mcp",
        help="serve workflows as tools for AI agents (Model Context Protocol)",
        description="Serve each workflow of the documents as an MCP tool: over stdio for local agents, "
        "or streamable HTTP at /mcp.",
    )
    mcp.add_argument("paths", nargs="+", metavar="PATH", help="Arazzo documents, or directories holding them")
    mcp.add_argument("--transport", choices=["stdio", "http"], default="stdio", help="stdio (default) or http")
    mcp.add_argument("--host", default="127.0.0.1", help="with --transport http: the address (default 127.0.0.1)")
    mcp.add_argument("--port", type=int, default=8765, help="with --transport http: the port (default 8765; 0: any)")
    mcp.add_argument(
        "--token",
        metavar="TOKEN",
        help="with --transport http: the bearer token clients must send (default: ARAZZO_MCP_TOKEN; "
        "required on an address other than loopback)",
    )
    mcp.add_argument(
        "-w", "--workflow", action="append", default=[], metavar="WORKFLOW_ID", help="serve only this workflow"
    )
    mcp.add_argument(
        "-i",
        "--input",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="fix an input for every call (left out of the tool's schema; how password inputs are given)",
    )
    mcp.add_argument("--no-validate", action="store_true", help="serve documents that `arazzo validate` refuses")
    add_server_options(mcp, mock_seed=True)
    add_request_options(mcp)
    common(mcp)


def command(args: argparse.Namespace, out: IO[str], err: IO[str], out_style: Any, style: Any) -> int:
    try:
        import mcp  # noqa: F401 - the extra, checked before anything is loaded
    except ImportError:
        raise UsageError("arazzo mcp needs the MCP SDK: pip install 'arazzo-interpreter[mcp]'") from None
    from ..mcp import build

    if args.transport == "http" and args.port is not None and not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: not a port number")
    token = args.token or os.environ.get("ARAZZO_MCP_TOKEN")
    if args.transport == "http" and not _loopback(args.host) and not token:
        raise UsageError(
            f"--host {args.host} listens beyond this machine: give --token TOKEN (or ARAZZO_MCP_TOKEN) so that "
            "only clients sending it as a bearer token are served"
        )
    keywords = runner_keywords(args, err)
    served = build(
        args.paths,
        workflows=args.workflow,
        inputs=pairs(args.input, "-i"),
        validate=not args.no_validate,
        env_file=args.env_file,
        diagnostics=err,
        **keywords,
    )
    quiet = bool(getattr(args, "quiet", False))
    if not quiet:
        _summary(served, err, style)
    for warning in served.warnings:  # also with -q: a tool that cannot work is worth a line
        err.write(style("warning", "33") + f": {warning}\n")
    if args.transport == "stdio":
        return _stdio(served)
    return _http(served, args.host, args.port, token, err)


def _loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _summary(served: Any, err: IO[str], style: Any) -> None:
    err.write(f"arazzo mcp: {len(served.tools)} tool(s)\n")
    width = max(len(name) for name in served.tools)
    for name, tool in served.tools.items():
        same = "" if name == tool.workflow_id else f"  (workflow {tool.workflow_id})"
        fixed = f"  fixed: {', '.join(sorted(tool.fixed))}" if tool.fixed else ""
        err.write(f"  {name.ljust(width)}  {tool.document}{same}{fixed}\n")
    mocked = sorted({source for tool in served.tools.values() for source in tool.runner.mocked})
    if mocked:
        err.write(f"mock: {', '.join(mocked)} answered by the built-in mock (nothing leaves this machine for them)\n")


def _stdio(served: Any) -> int:
    import anyio
    from mcp.server.stdio import stdio_server

    async def serve() -> None:
        async with stdio_server() as (read, write):
            await served.server.run(read, write, served.server.create_initialization_options())

    anyio.run(serve)
    return 0


def _http(served: Any, host: str, port: int, token: str | None, err: IO[str]) -> int:
    import socket

    import uvicorn
    from mcp.server.transport_security import TransportSecuritySettings

    security = None
    if not _loopback(host):
        # beyond loopback the Host header is the machine's name or address: the token guards it
        security = TransportSecuritySettings(enable_dns_rebinding_protection=False)
    app: Any = served.server.streamable_http_app(host=host, transport_security=security)
    if token:
        app = _BearerToken(app, token)
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        raise UsageError(f"arazzo mcp: cannot listen on {host}:{port}: {error.strerror}") from None
    bound = listener.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    err.write(f"arazzo mcp: serving streamable HTTP at http://{shown}:{bound}/mcp (Ctrl-C stops)\n")
    err.flush()
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[listener])
    return 0


class _BearerToken:
    """ASGI middleware: HTTP requests without ``Authorization: Bearer <token>`` get 401."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.expected = token.encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            import hmac

            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            scheme, _, credential = given.partition(b" ")
            # the scheme is case-insensitive (RFC 9110); the token is compared in constant time
            if scheme.lower() != b"bearer" or not hmac.compare_digest(credential.strip(), self.expected):
                await send({"type": "http.response.start", "status": 401, "headers": [
                    (b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]})  # fmt: skip
                await send({"type": "http.response.body", "body": b'{"error": "a bearer token is required"}'})
                return
        await self.app(scope, receive, send)
