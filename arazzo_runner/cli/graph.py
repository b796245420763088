"""``arazzo graph``: the flow of one workflow as Mermaid, Graphviz DOT or SVG.

The drawing is made from the document alone (source descriptions are read only to show each
operation's method and path, and a source that does not load does not stop it), so it works
offline and before a workflow can run.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import IO, Any

from ..errors import UsageError
from .common import Style, load

__all__ = ["add_parser", "command"]

_FORMATS = ("mermaid", "dot", "svg")


def add_parser(commands: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    graph = commands.add_parser(
        "graph",
        help="draw a workflow's flow as Mermaid, DOT or SVG",
        description=(
            "Draw the flow of a workflow: its steps in execution order, success and failure edges with "
            "their action names, goto targets, retry loops, ends, sub-workflow calls and step dependsOn. "
            "mermaid and dot are text; svg is a picture drawn without a browser or network."
        ),
    )
    graph.add_argument("file", metavar="FILE")
    graph.add_argument(
        "-w", "--workflow", dest="workflow_id", metavar="WORKFLOW_ID", help="the workflow (optional when there is one)"
    )
    graph.add_argument("--format", choices=_FORMATS, default="mermaid", help="output format (default: mermaid)")
    graph.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    common(graph)


def command(args: argparse.Namespace, out: IO[str], err: IO[str], style: Style, err_style: Style) -> int:
    from ..graph import flow_of, render

    description = load(args)
    workflow_id = args.workflow_id
    if workflow_id is None:
        ids = [str(w.workflow_id) for w in description.document.workflows]
        if len(ids) != 1:
            listed = ", ".join(ids) or "none"
            raise UsageError(f"{args.file} has {len(ids)} workflows; name one with -w: {listed}")
        workflow_id = ids[0]
    text = render(flow_of(description, workflow_id), args.format)
    if args.output is None or args.output == "-":
        out.write(text)
        return 0
    try:
        with open(args.output, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"--output {args.output}: {exc.strerror or exc}") from None
    return 0
