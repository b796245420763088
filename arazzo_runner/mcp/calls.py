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
                await ctx.session.report_progress(len(lines), None, _cut(lines[-1]))
            elif isinstance(event, RunFinished):
                result = event.result
    except ArazzoError as error:  # the run could not start: inputs, credentials, the document
        return _result(f"{tool.workflow_id}: {error.message}", error=True)
    assert result is not None
    outputs = json.loads(json.dumps(result.outputs, default=str))  # plain JSON for the client
    head = f"workflow {tool.workflow_id} {result.status}"
    shown = _step_lines(lines)
    if result.status in ("succeeded", "dry-run"):
        text = json.dumps(outputs, ensure_ascii=False)
        if len(text) > MAX_TEXT_OUTPUTS:
            text = f"{len(text):,} characters of JSON: see the structured content"
        return _result("\n".join([head, *shown, "outputs: " + text]), error=False, structured=outputs)
    problem = result.error
    where = f" at step {problem.step_id}" if problem is not None and problem.step_id else ""
    reason = f" ({problem.type}): {_cut(problem.message)}" if problem is not None else ""
    return _result("\n".join([f"{head}{where}{reason}", *shown]), error=True)


MAX_LINES = 30  # step lines in a result's text: a goto loop of 1,000 steps must not flood a context
MAX_TEXT_OUTPUTS = 8_000  # characters of outputs repeated in the text (all of them are structured)
MAX_MESSAGE = 2_000


def _step_lines(lines: list[str]) -> list[str]:
    """The step lines, the first and last ones only when there are many; each one cut."""
    lines = [_cut(line) for line in lines]
    if len(lines) <= MAX_LINES:
        return lines
    head, tail = lines[: MAX_LINES - 5], lines[-5:]
    return [*head, f"... {len(lines) - len(head) - len(tail)} more steps ...", *tail]


def _cut(text: str) -> str:
    return (
        text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + f"... ({len(text) - MAX_MESSAGE:,} more characters)"
    )
