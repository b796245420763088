"""The ``arazzo`` command: a thin layer over the public API.

``main(argv, stdout, stderr)`` returns the exit code and never lets a user's mistake end in
a traceback.  Only argparse is imported at start-up; each command is a module of this
package (``run``, ``test``, ``validate``, ``list``, ``show``, ``graph``, ``mock``) that imports what it needs
when it runs.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from importlib import import_module
from typing import IO, Optional

from .. import __version__
from ..errors import ArazzoError
from .common import VERBOSE_HELP, Exit, Parser, Style, add_common_options

__all__ = ["main", "entry"]

# command name -> module of this package (`list` would shadow the builtin in this namespace)
COMMANDS = {
    "list": "listing",
    "show": "show",
    "run": "run",
    "test": "test",
    "validate": "validate",
    "graph": "graph",
    "mock": "mock",
    "worker": "temporal",
    "mcp": "mcp",
}


def _build_parser(stdout: IO[str], stderr: IO[str]) -> Parser:
    Parser.stdout, Parser.stderr = stdout, stderr
    parser = Parser(
        prog="arazzo",
        description="Run, validate and inspect Arazzo workflow documents.",
    )
    parser.add_argument("--version", action="version", version=f"arazzo {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only results and errors")
    parser.add_argument("-v", "--verbose", action="count", default=0, help=VERBOSE_HELP)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in COMMANDS.values():
        import_module(f".{module}", __package__).add_parser(commands, add_common_options)
    return parser


def _run_json_usage_error(argv: Optional[Sequence[str]], message: str, out: IO[str]) -> None:
    """``run --json`` prints its JSON object also when the command line itself is wrong."""
    words = list(sys.argv[1:] if argv is None else argv)
    if "run" not in words or "--json" not in words[words.index("run") :]:
        return
    from ..execution.results import RunError, RunResult

    text = message.strip().split(": error: ", 1)[-1]
    out.write(json.dumps(RunResult(None, "error", error=RunError("usage", text)).to_dict(), ensure_ascii=False) + "\n")


_UTF8 = ("utf-8", "utf8", "utf_8")


def entry() -> None:
    """The ``arazzo`` console script: :func:`main`, then exit with its code."""
    code = main()
    if "temporalio.bridge.temporal_sdk_bridge" in sys.modules:
        # the Temporal SDK's Rust threads may call into Python while the interpreter shuts
        # down, which aborts the process now and then (temporalio/sdk-python#300): with
        # everything written, leave without the shutdown
        import os

        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    sys.exit(code)


def main(
    argv: Optional[Sequence[str]] = None, stdout: Optional[IO[str]] = None, stderr: Optional[IO[str]] = None
) -> int:
    """Run the ``arazzo`` command with ``argv``; return its exit code."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    for stream in (out, err):
        # a terminal or pipe that cannot show a character (an ASCII locale) gets an escape
        # for it, rather than a finished command ending in an encoding error
        if hasattr(stream, "reconfigure") and (getattr(stream, "encoding", "") or "").lower() not in _UTF8:
            stream.reconfigure(errors="backslashreplace")
    parser = _build_parser(out, err)
    try:
        args, extra = parser.parse_known_args(list(sys.argv[1:] if argv is None else argv))
        # `show FILE --json WORKFLOW_ID`: argparse does not give an optional positional that
        # comes after an option to its argument; take it here
        if extra and getattr(args, "command", None) == "show" and args.workflow_id is None and len(extra) == 1:
            if not extra[0].startswith("-"):
                args.workflow_id, extra = extra[0], []
        if extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except Exit as exit_:
        if exit_.message:
            err.write(exit_.message)
            _run_json_usage_error(argv, exit_.message, out)
        return exit_.code
    if args.command is None:
        parser.print_help(out)
        return 2
    if args.verbose:
        import logging

        # our own loggers only: the HTTP libraries' debug output would drown them
        handler = logging.StreamHandler(err)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        package_logger = logging.getLogger("arazzo_runner")
        package_logger.addHandler(handler)
        package_logger.setLevel(logging.DEBUG)
    try:
        module = import_module(f".{COMMANDS[args.command]}", __package__)
        return int(module.command(args, out, err, Style(out), Style(err)))
    except ArazzoError as exc:
        err.write(Style(err).red("error") + f": {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug of ours: say so plainly; -v shows the traceback
        if getattr(args, "verbose", False):
            raise
        err.write(
            Style(err).red("internal error")
            + f": {type(exc).__name__}: {exc} (this is a bug in arazzo_runner; run with -v for the details)\n"
        )
        return 70
