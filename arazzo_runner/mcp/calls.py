"""One tool call: the arguments checked as ``arazzo run`` checks inputs, the workflow run on
the async engine with a progress notification per finished step, and the result.

A call that cannot start (a missing or invalid argument, a password input the server was
not given) and a workflow that fails are both tool results with ``isError`` whose text says
what and where; the structured content of a success is the workflow's outputs.  Events and
results leave the Runner redacted (credentials, password inputs), so nothing here shows a
secret; the arguments the model sent are its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..errors import ArazzoError
from .tools import WorkflowTool

__all__ = ["call_tool"]


def _result(text: str, *, error: bool, structured: dict[str, Any] | None = None) -> Any:
    import mcp_types as types

    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)], structured_content=structured, is_error=error
    )


async def call_tool(tools: Mapping[str, WorkflowTool], ctx: Any, name: str, arguments: Any) -> Any:
    """Run tool ``name`` with ``arguments``; a CallToolResult, whatever happens in the run."""
    from ..cli.output import step_text
    from ..execution.results import RunFinished, StepFinished
    from .server import input_variable

    tool = tools.get(name)
    if tool is None:
        return _result(f"no tool named {name!r} (tools: {', '.join(tools)})", error=True)
    given = dict(arguments or {})
    overridden = sorted(key for key in given if key in tool.fixed or key in tool.secret)
    if overridden:
        return _result(
            f"input(s) {', '.join(overridden)} are set by the server, not by the caller: leave them out", error=True
        )
    missing = [key for key in tool.secret if key not in tool.fixed]
    if missing:
        wanted = ", ".join(f"{key} ({input_variable(key)} in the server's environment, or -i {key}=...)"
                           for key in missing)  # fmt: skip
        return _result(f"the server has no value for the password input(s) {wanted}", error=True)
    inputs = {**given, **tool.fixed}
    lines: list[str] = []
    result = None
    try:
        async for event in tool.runner.aiter_events(tool.workflow_id, inputs):
            if isinstance(event, StepFinished):
                lines.append(step_text(event.result))
                await ctx.session.report_progress(len(lines), None, lines[-1])
            elif isinstance(event, RunFinished):
                result = event.result
    except ArazzoError as error:  # the run could not start: inputs, credentials, the document
        return _result(f"{tool.workflow_id}: {error.message}", error=True)
    assert result is not None
    outputs = json.loads(json.dumps(result.outputs, default=str))  # plain JSON for the client
    head = f"workflow {tool.workflow_id} {result.status}"
    if result.status in ("succeeded", "dry-run"):
        text = "\n".join([head, *lines, "outputs: " + json.dumps(outputs, ensure_ascii=False)])
        return _result(text, error=False, structured=outputs)
    problem = result.error
    where = f" at step {problem.step_id}" if problem is not None and problem.step_id else ""
    reason = f" ({problem.type}): {problem.message}" if problem is not None else ""
    return _result("\n".join([f"{head}{where}{reason}", *lines]), error=True)
