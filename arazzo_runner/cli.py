"""The ``arazzo`` command: a thin layer over the public API.

``main(argv, stdout, stderr)`` returns the exit code and never lets a user's mistake end in
a traceback.  Only argparse is imported at start-up; each command imports what it needs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from importlib import import_module
from typing import IO, Any, Optional

from . import __version__
from .errors import ArazzoError, UsageError

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """argparse that writes to our streams and raises instead of exiting."""

    stdout: IO[str] = sys.stdout
    stderr: IO[str] = sys.stderr

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            (self.stderr if file is sys.stderr else self.stdout).write(message)

    def exit(self, status: int = 0, message: Optional[str] = None) -> Any:
        if message:
            self.stderr.write(message)
        raise _Exit(status)

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        raise _Exit(2, f"{self.prog}: error: {message}\n")


class _Exit(Exception):
    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.message = message


class _Style:
    """ANSI colour only on a terminal, and never with NO_COLOR set."""

    def __init__(self, stream: IO[str]) -> None:
        isatty = getattr(stream, "isatty", None)
        self.enabled = bool(isatty and isatty()) and "NO_COLOR" not in os.environ

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.enabled else text

    def bold(self, text: str) -> str:
        return self(text, "1")

    def dim(self, text: str) -> str:
        return self(text, "2")

    def red(self, text: str) -> str:
        return self(text, "31")


def _add_common_options(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS keeps a subcommand from resetting -q/-v given before the command name
    parser.add_argument(
        "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print only results and errors"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="print debugging details"
    )
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="NAME=PATH|URL",
        help="read source description NAME from PATH or URL instead of its url",
    )
    parser.add_argument("--allow-remote", action="store_true", help="allow fetching http(s) source descriptions")


def _build_parser(stdout: IO[str], stderr: IO[str]) -> _Parser:
    _Parser.stdout, _Parser.stderr = stdout, stderr
    parser = _Parser(
        prog="arazzo",
        description="Run, validate and inspect Arazzo workflow documents.",
    )
    parser.add_argument("--version", action="version", version=f"arazzo {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only results and errors")
    parser.add_argument("-v", "--verbose", action="store_true", help="print debugging details")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    listing = commands.add_parser(
        "list", help="list the workflows of a document", description="List the workflows of an Arazzo document."
    )
    listing.add_argument("file", metavar="FILE")
    listing.add_argument("--json", action="store_true", help="print JSON")
    _add_common_options(listing)

    show = commands.add_parser(
        "show",
        help="show a workflow's inputs, steps and outputs",
        description="Show a workflow: inputs, each step's operation (method and URL), outputs, credentials.",
    )
    show.add_argument("file", metavar="FILE")
    show.add_argument("workflow_id", metavar="WORKFLOW_ID", nargs="?")
    show.add_argument("--json", action="store_true", help="print JSON")
    _add_common_options(show)

    # argparse set-up only: each command imports what it needs when it runs
    from . import cli_run

    cli_run.add_parser(commands, _add_common_options)
    for name in ("cli_validate", "cli_mock"):
        import_module(f".{name}", __package__).add_parser(commands, _add_common_options)
    return parser


def _redirects(pairs: Sequence[str]) -> dict[str, str]:
    redirects: dict[str, str] = {}
    for pair in pairs:
        name, sep, target = pair.partition("=")
        if not sep or not name or not target:
            raise UsageError(f"--source takes NAME=PATH or NAME=URL, not {pair!r}")
        redirects[name] = target
    return redirects


def _load(args: argparse.Namespace) -> Any:
    from .loading.sources import load

    return load(args.file, sources=_redirects(args.source), allow_remote=args.allow_remote)


def _schema_type(schema: Any) -> str:
    if not isinstance(schema, dict):
        return "any"
    kind = schema.get("type")
    if isinstance(kind, list):
        return "|".join(str(k) for k in kind)
    return str(kind) if kind else ("object" if "properties" in schema else "any")


def _input_lines(schema: Any, required: list[str], style: _Style) -> list[str]:
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict) or not properties:
        return ["  (none)"]
    width = max(len(name) for name in properties)
    flags = {name: _schema_type(prop) + (", required" if name in required else "") for name, prop in properties.items()}
    flags_width = max(len(text) for text in flags.values())
    lines = []
    for name, prop in properties.items():
        text = prop.get("description") if isinstance(prop, dict) else None
        line = f"  {name.ljust(width)}  {flags[name].ljust(flags_width)}"
        if isinstance(text, str) and text.strip():
            line += style.dim(f"  {' '.join(text.split())}")
        lines.append(line.rstrip())
    return lines


def _cmd_list(args: argparse.Namespace, out: IO[str], style: _Style) -> int:
    from .summary import list_workflows

    data = list_workflows(_load(args))
    if args.json:
        out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return 0
    for number, workflow in enumerate(data["workflows"]):
        if number:
            out.write("\n")
        out.write(style.bold(str(workflow["workflowId"])) + "\n")
        if workflow["summary"]:
            out.write(f"  {' '.join(str(workflow['summary']).split())}\n")
        out.write("inputs:\n")
        for line in _input_lines(workflow["inputs"], workflow["required"], style):
            out.write(f"{line}\n")
        out.write(f"outputs: {', '.join(workflow['outputs']) or '(none)'}\n")
    return 0


def _cmd_show(args: argparse.Namespace, out: IO[str], style: _Style) -> int:
    from .summary import list_workflows, show_workflow

    description = _load(args)
    workflow_id = args.workflow_id
    if workflow_id is None:
        ids = [w["workflowId"] for w in list_workflows(description)["workflows"]]
        if len(ids) != 1:
            raise UsageError(f"{args.file} has {len(ids)} workflows; name one: {', '.join(map(str, ids))}")
        workflow_id = ids[0]
    data = show_workflow(description, workflow_id)
    if args.json:
        out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return 0
    out.write(style.bold(f"workflow {data['workflowId']}") + "\n")
    if data["summary"]:
        out.write(f"  {' '.join(str(data['summary']).split())}\n")
    schema = data["inputs"]
    required = schema.get("required", []) if isinstance(schema, dict) else []
    out.write("inputs:\n")
    for line in _input_lines(schema, required if isinstance(required, list) else [], style):
        out.write(f"{line}\n")
    out.write("steps:\n")
    width = max((len(str(step["stepId"])) for step in data["steps"]), default=0)
    for number, step in enumerate(data["steps"], 1):
        name = str(step["stepId"]).ljust(width)
        if step["kind"] == "operation":
            target = f"{step['method']} {step['url']}" + style.dim(f"  ({step['operationId']})")
        elif step["kind"] == "workflow":
            target = f"workflow {step['workflowId']}"
        else:
            target = str(step["kind"] or "unknown target")
        out.write(f"  {number}. {name}  {target}\n")
    out.write(f"outputs: {', '.join(data['outputs']) or '(none)'}\n")
    if data["credentials"]:
        out.write("credentials (environment variables):\n")
        for need in data["credentials"]:
            out.write(f"  {need['source']} / {need['scheme']} ({need['type']}): {', '.join(need['variables'])}\n")
            if need["variables"]:  # optional: pins the credential to the hosts it may go to
                out.write(
                    style.dim(f"    only to these hosts (optional): {need['hostsVariable']}=HOST,*.DOMAIN") + "\n"
                )
    return 0


def _cmd_run(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from . import cli_run

    return cli_run.command(args, out, err, _Style(err))


def _delegate(name: str) -> Callable[[argparse.Namespace, IO[str], IO[str]], int]:
    def command(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
        module = import_module(f".{name}", __package__)
        return int(module.command(args, out, err, _Style(out), _Style(err)))

    return command


_COMMANDS: dict[str, Callable[[argparse.Namespace, IO[str], IO[str]], int]] = {
    "list": lambda args, out, err: _cmd_list(args, out, _Style(out)),
    "show": lambda args, out, err: _cmd_show(args, out, _Style(out)),
    "run": _cmd_run,
    "validate": _delegate("cli_validate"),
    "mock": _delegate("cli_mock"),
}


def _run_json_usage_error(argv: Optional[Sequence[str]], message: str, out: IO[str]) -> None:
    """``run --json`` prints its JSON object also when the command line itself is wrong."""
    words = list(sys.argv[1:] if argv is None else argv)
    if "run" not in words or "--json" not in words[words.index("run") :]:
        return
    from .execution.results import RunError, RunResult

    text = message.strip().split(": error: ", 1)[-1]
    out.write(json.dumps(RunResult(None, "error", error=RunError("usage", text)).to_dict(), ensure_ascii=False) + "\n")


_UTF8 = ("utf-8", "utf8", "utf_8")


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
    except _Exit as exit_:
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
        return _COMMANDS[args.command](args, out, err)
    except ArazzoError as exc:
        err.write(_Style(err).red("error") + f": {exc}\n")
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
            _Style(err).red("internal error")
            + f": {type(exc).__name__}: {exc} (this is a bug in arazzo_runner; run with -v for the details)\n"
        )
        return 70
