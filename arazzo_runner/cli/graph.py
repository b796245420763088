"""``arazzo graph``: placeholder while the command is being written (issue 12)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import IO, Any

__all__ = ["add_parser", "command"]


def add_parser(commands: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    commands.add_parser("graph", help="(not yet available)")


def command(args: argparse.Namespace, out: IO[str], err: IO[str], style: Any, err_style: Any) -> int:
    err.write("arazzo graph: not yet available\n")
    return 2
