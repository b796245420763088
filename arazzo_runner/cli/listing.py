"""``arazzo list``: the workflows of a document, their inputs and outputs."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import IO, Any

from .common import Style, input_lines, load

__all__ = ["add_parser", "command"]


def add_parser(commands: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    listing = commands.add_parser(
        "list", help="list the workflows of a document", description="List the workflows of an Arazzo document."
    )
    listing.add_argument("file", metavar="FILE")
    listing.add_argument("--json", action="store_true", help="print JSON")
    common(listing)


def command(args: argparse.Namespace, out: IO[str], err: IO[str], style: Style, err_style: Style) -> int:
    from ..summary import list_workflows

    data = list_workflows(load(args))
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
        for line in input_lines(workflow["inputs"], workflow["required"], style):
            out.write(f"{line}\n")
        out.write(f"outputs: {', '.join(workflow['outputs']) or '(none)'}\n")
    return 0
