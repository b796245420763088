"""``arazzo show``: one workflow's inputs, steps (method and URL), outputs and credentials."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import IO, Any

from ..errors import UsageError
from .common import Style, input_lines, load

__all__ = ["add_parser", "command"]


def add_parser(commands: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    show = commands.add_parser(
        "show",
        help="show a workflow's inputs, steps and outputs",
        description="Show a workflow: inputs, each step's operation (method and URL), outputs, credentials.",
    )
    show.add_argument("file", metavar="FILE")
    show.add_argument("workflow_id", metavar="WORKFLOW_ID", nargs="?")
    show.add_argument("--json", action="store_true", help="print JSON")
    common(show)


def command(args: argparse.Namespace, out: IO[str], err: IO[str], style: Style, err_style: Style) -> int:
    from ..summary import list_workflows, show_workflow

    description = load(args)
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
    for line in input_lines(schema, required if isinstance(required, list) else [], style):
        out.write(f"{line}\n")
    out.write("steps:\n")
    width = max((len(str(step["stepId"])) for step in data["steps"]), default=0)
    for number, step in enumerate(data["steps"], 1):
        name = str(step["stepId"]).ljust(width)
        if step["kind"] == "asyncapi":
            target = f"{step['method']} {step['url']}" + style.dim(f"  ({step['operationId'] or step['channel']})")
        elif step["kind"] == "operation":
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
