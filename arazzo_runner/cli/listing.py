"""``arazzo list``: the workflows of a document, their inputs and outputs."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import IO, Any

from ..errors import ArazzoError
from .common import Style, input_lines, load

__all__ = ["add_parser", "command", "error_object"]


def error_object(error: ArazzoError) -> dict[str, Any]:
    """What ``list --json`` prints for a document that does not load: no workflows, and the
    error as ``run --json`` prints it (type, message, stepId, file, line, column)."""
    from ..execution.results import RunError

    return {"workflows": [], "error": RunError(error.type, error.message, None, error.location).to_dict()}


def add_parser(commands: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    listing = commands.add_parser(
        "list", help="list the workflows of a document", description="List the workflows of an Arazzo document."
    )
    listing.add_argument("file", metavar="FILE")
    listing.add_argument("--json", action="store_true", help="print JSON")
    common(listing)


def command(args: argparse.Namespace, out: IO[str], err: IO[str], style: Style, err_style: Style) -> int:
    from ..summary import list_workflows

    try:
        data = list_workflows(load(args))
    except ArazzoError as error:
        if not args.json:
            raise
        out.write(json.dumps(error_object(error), indent=2, ensure_ascii=False) + "\n")
        err.write(err_style.red("error") + f": {error}\n")
        return error.exit_code
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
