"""What every command shares: the argparse parser class, the styles, the common options."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import IO, Any, Optional

from ..errors import UsageError

__all__ = [
    "Exit",
    "Parser",
    "VERBOSE_HELP",
    "Style",
    "add_common_options",
    "add_optional_value",
    "input_lines",
    "load",
    "redirects",
]


class Parser(argparse.ArgumentParser):
    """argparse that writes to our streams and raises instead of exiting.

    It also applies the rule of :func:`add_optional_value` to the options declared with it.
    """

    stdout: IO[str] = sys.stdout
    stderr: IO[str] = sys.stderr

    def parse_known_args(  # type: ignore[override]
        self, args: Optional[Sequence[str]] = None, namespace: Optional[argparse.Namespace] = None
    ) -> tuple[argparse.Namespace, list[str]]:
        bare: dict[str, str] = getattr(self, "_bare_before_path", {})
        if bare and args is not None:
            args = _bare_before_paths(list(args), bare)
        return super().parse_known_args(args, namespace)

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            (self.stderr if file is sys.stderr else self.stdout).write(message)

    def exit(self, status: int = 0, message: Optional[str] = None) -> Any:
        if message:
            self.stderr.write(message)
        raise Exit(status)

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        raise Exit(2, f"{self.prog}: error: {message}\n")


class Exit(Exception):
    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.message = message


class Style:
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


VERBOSE_HELP = (
    "more details on stderr: debug logs, the traceback of an internal error, and with `run` each request "
    "and response (credentials masked, bodies cut at 2 KB); -vv: whole bodies"
)


def add_common_options(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS keeps a subcommand from resetting -q/-v given before the command name
    parser.add_argument(
        "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print only results and errors"
    )
    parser.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS, help=VERBOSE_HELP)
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="NAME=PATH|URL",
        help="read source description NAME from PATH or URL instead of its url",
    )
    parser.add_argument("--allow-remote", action="store_true", help="allow fetching http(s) source descriptions")


def add_optional_value(parser: argparse.ArgumentParser, *flags: str, const: str, **options: Any) -> argparse.Action:
    """Declare an option whose value is optional and that may come right before a path.

    ``--mock SOURCE`` takes SOURCE as its value, but ``--mock FILE`` (a word naming an
    existing file or directory) does not: the option then has no value (``const``) and FILE
    is left to the positionals, so ``arazzo run --mock FILE`` works.  ``--mock=VALUE``
    always takes VALUE.  ``options`` go to ``add_argument`` (``action="append"`` makes the
    option repeatable).  ``parser`` must be a :class:`Parser`, which applies the rule.
    """
    if not isinstance(parser, Parser):
        raise TypeError("add_optional_value needs a cli.common.Parser")
    action = parser.add_argument(*flags, nargs="?", const=const, **options)
    bare: dict[str, str] = parser.__dict__.setdefault("_bare_before_path", {})
    for flag in flags:
        if flag.startswith("--"):  # -X FILE stays as argparse reads it: a short flag is not abbreviated
            bare[flag] = const
    return action


def _bare_before_paths(args: list[str], bare: dict[str, str]) -> list[str]:
    """``args`` with ``--option PATH`` written ``--option=CONST PATH`` (see add_optional_value)."""
    shown: list[str] = []
    for index, word in enumerate(args):
        if word == "--":  # what follows is positionals only
            return shown + args[index:]
        following = args[index + 1] if index + 1 < len(args) else None
        if word in bare and following is not None and not following.startswith("-") and os.path.exists(following):
            word = f"{word}={bare[word]}"
        shown.append(word)
    return shown


def redirects(pairs: Sequence[str]) -> dict[str, str]:
    redirects: dict[str, str] = {}
    for pair in pairs:
        name, sep, target = pair.partition("=")
        if not sep or not name or not target:
            raise UsageError(f"--source takes NAME=PATH or NAME=URL, not {pair!r}")
        redirects[name] = target
    return redirects


def load(args: argparse.Namespace) -> Any:
    """Load ``args.file`` with the ``--source`` redirects and ``--allow-remote``."""
    from ..loading.sources import load as load_document

    return load_document(args.file, sources=redirects(args.source), allow_remote=args.allow_remote)


def _schema_type(schema: Any) -> str:
    if not isinstance(schema, dict):
        return "any"
    kind = schema.get("type")
    if isinstance(kind, list):
        return "|".join(str(k) for k in kind)
    return str(kind) if kind else ("object" if "properties" in schema else "any")


def input_lines(schema: Any, required: list[str], style: Style) -> list[str]:
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
