"""Arazzo workflows served over the Model Context Protocol, one tool per workflow.

:func:`build` loads and (unless told not to) validates the documents, makes a Runner per
document and a :class:`~.tools.WorkflowTool` per workflow, and registers the handlers of an
``mcp`` SDK low-level :class:`~mcp.server.lowlevel.Server`: list and call tools (a call runs
the workflow on the async engine and reports a progress notification per finished step),
list and read resources (each document, and each workflow's flow as Mermaid).  A failed
workflow and a bad argument are tool results with ``isError``, never protocol errors; what
is returned is redacted as ``arazzo run --json`` is.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import quote, unquote

from ..errors import ArazzoError, UsageError
from .tools import (
    WorkflowTool,
    declared_names,
    description_of,
    inline_refs,
    input_schema,
    is_valid_name,
    output_schema,
    password_names,
    property_schema,
    tool_name,
)

__all__ = ["Served", "build", "build_server", "input_variable"]


def input_variable(name: str) -> str:
    """The environment variable that gives input ``name`` on the server side."""
    from ..credentials import arazzo_variable

    return arazzo_variable("INPUT", name)


@dataclass
class Served:
    """What :func:`build` made: the SDK server, the tools by name, the resources by URI
    (name, MIME type, text) and the warnings worth showing at start-up."""

    server: Any
    tools: dict[str, WorkflowTool]
    resources: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _documents(paths: Sequence[str]) -> dict[str, bool]:
    """The documents to serve, each with whether it was named itself (not found in a folder)."""
    from ..loading.detect import find_documents

    found: dict[str, bool] = {}
    for path in paths:
        if os.path.isdir(path):
            below = find_documents(path)
            if not below.documents:
                raise UsageError(f"arazzo mcp: no Arazzo document below {path} ({below.none_found()})")
            for document in below.documents:
                found.setdefault(document, False)
        elif os.path.exists(path):
            found[path] = True
        else:
            raise UsageError(f"arazzo mcp: {path}: no such file or directory")
    return found


def build(
    paths: Sequence[str],
    *,
    workflows: Sequence[str] | None = None,
    inputs: Mapping[str, str] | None = None,
    validate: bool = True,
    environ: Mapping[str, str] | None = None,
    env_file: str | None = None,
    name: str = "arazzo",
    diagnostics: IO[str] | None = None,
    **runner_options: Any,
) -> Served:
    """Tools for the workflows of the Arazzo documents at ``paths`` (files or directories).

    ``workflows`` keeps only those workflowIds; ``inputs`` (``-i NAME=VALUE``, as text) fixes
    inputs for every call; ``environ`` (default ``os.environ``) gives credentials
    (``ARAZZO_<SOURCE>_<SCHEME>_<FIELD>``) and password inputs (``ARAZZO_INPUT_<NAME>``);
    ``runner_options`` are :class:`~arazzo_runner.Runner` keywords (``mock``, ``servers``...).
    Raises ValidationError (a document with errors, unless ``validate`` is False; each error
    is listed on ``diagnostics`` when given) or UsageError (nothing to serve, an unknown
    workflowId).
    """
    from ..execution.credentials_source import environment_credentials
    from ..execution.inputs import coerce_cli_value
    from ..execution.runner import Runner
    from ..loading.sources import load

    if isinstance(paths, (str, os.PathLike)):
        paths = [os.fspath(paths)]
    environment = dict(os.environ if environ is None else environ)
    tools: dict[str, WorkflowTool] = {}
    taken: set[str] = set()
    resources: dict[str, tuple[str, str, str]] = {}
    wanted = set(workflows or ())
    seen_ids: set[str] = set()
    declared_anywhere: set[str] = set()
    pending: list[WorkflowTool] = []
    skipped: list[str] = []
    for number, (path, named) in enumerate(_documents(paths).items(), 1):
        try:
            description = load(path)
        except ArazzoError as error:
            if validate or named:
                raise
            # --no-validate over a folder: serve what loads, say what does not
            skipped.append(f"{path} is not served: {error}")
            continue
        if validate:
            from ..validation import refuse_invalid

            listing = diagnostics if diagnostics is not None else io.StringIO()
            refuse_invalid(description, dict(runner_options.get("servers") or {}), listing, "serves it anyway")
        options: dict[str, Any] = {"env_file": env_file} if env_file is not None else {}
        credentials = environment_credentials(description, environment, **options) or None
        runner = Runner(description, credentials=credentials, **runner_options)
        text = _read(path)
        resources[f"arazzo://documents/{number}/{quote(os.path.basename(path))}"] = (path, "application/yaml", text)
        data = description.parsed.data if isinstance(description.parsed.data, Mapping) else None
        for workflow in description.document.workflows:
            workflow_id = str(workflow.workflow_id)
            seen_ids.add(workflow_id)
            if wanted and workflow_id not in wanted:
                continue
            schema = inline_refs(workflow.inputs, data, description.base_uri)
            secret = password_names(schema)
            declared = declared_names(schema)
            declared_anywhere |= declared
            given = {key: value for key, value in (inputs or {}).items() if key in declared}
            for key in secret:
                if key not in given and input_variable(key) in environment:
                    given[key] = environment[input_variable(key)]
            # typed as -i values are for `arazzo run`, by the input's own schema (in any part)
            fixed = {
                key: coerce_cli_value(key, value, {"properties": {key: property_schema(schema, key) or {}}})
                for key, value in given.items()
            }
            _check_fixed(workflow, fixed, data, secret)
            tool = WorkflowTool(
                name="",  # named below: ids that are valid names keep them, whatever the order
                workflow_id=workflow_id,
                runner=runner,
                description=description_of(workflow, path),
                input_schema=input_schema(schema, set(fixed) | set(secret)),
                output_schema=output_schema(workflow),
                fixed=fixed,
                secret=secret,
                document=path,
            )
            pending.append(tool)
    for tool in pending:
        if is_valid_name(tool.workflow_id) and tool.workflow_id not in taken:
            tool.name = tool.workflow_id
            taken.add(tool.name)
    for tool in pending:
        if not tool.name:
            tool.name = tool_name(tool.workflow_id, taken)
    for tool in pending:
        tools[tool.name] = tool
        resources[f"arazzo://workflows/{quote(tool.name)}/flow"] = (f"{tool.name} flow", "text/vnd.mermaid", "")
    misspelled = sorted(set(inputs or {}) - declared_anywhere)
    if misspelled:
        raise UsageError(
            f"arazzo mcp: -i {misspelled[0]}: no workflow served declares an input {misspelled[0]!r} "
            f"(inputs: {', '.join(sorted(declared_anywhere)) or 'none'})"
        )
    unknown = sorted(wanted - seen_ids)
    if unknown:
        raise UsageError(f"arazzo mcp: -w {unknown[0]}: no such workflow (workflows: {', '.join(sorted(seen_ids))})")
    if not tools:
        raise UsageError("arazzo mcp: no workflow to serve")
    served = Served(None, tools, resources, list(skipped))
    for tool in tools.values():
        missing = [key for key in tool.secret if key not in tool.fixed]
        if missing:
            names = ", ".join(f"{key} ({input_variable(key)} or -i {key}=...)" for key in missing)
            served.warnings.append(f"tool {tool.name}: password input(s) not set on the server: {names}")
    served.server = _server(served, name)
    return served


def build_server(paths: Sequence[str], **options: Any) -> Any:
    """The ``mcp`` SDK low-level Server of :func:`build`, to run or mount in an application
    (``server.streamable_http_app()``, ``await server.run(read, write, options)``)."""
    return build(paths, **options).server


def _check_fixed(workflow: Any, fixed: Mapping[str, Any], data: Any, secret: Sequence[str]) -> None:
    """The values the server fixes (``-i``, ``ARAZZO_INPUT_<NAME>``) must fit the inputs schema
    now: a call could never correct them (the model does not see them)."""
    from ..execution.inputs import InputsError, validate_inputs

    if not fixed:
        return
    try:
        validate_inputs(
            workflow.inputs, dict(fixed), document=data, schema_pointer=workflow.location.pointer + "/inputs",
            workflow_id=workflow.workflow_id,
        )  # fmt: skip
    except InputsError as error:
        problems = [p for p in error.problems if not p.startswith("missing required input")]
        if problems:
            text = "; ".join(problems)
            for key in secret:  # the server's own secret, still not for a log
                if key in fixed:
                    text = text.replace(str(fixed[key]), "***")
            raise UsageError(
                f"arazzo mcp: the inputs fixed for workflow {workflow.workflow_id!r} do not fit: {text}"
            ) from None


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return ""


def _server(served: Served, name: str) -> Any:
    import mcp_types as types
    from mcp.server.lowlevel import Server

    from .. import __version__
    from .calls import call_tool

    async def list_tools(ctx: Any, params: Any) -> Any:
        return types.ListToolsResult(
            tools=[
                types.Tool(
                    name=tool.name,
                    title=tool.workflow_id,
                    description=tool.description,
                    input_schema=tool.input_schema,
                    output_schema=tool.output_schema,
                )
                for tool in served.tools.values()
            ]
        )

    async def on_call_tool(ctx: Any, params: Any) -> Any:
        return await call_tool(served.tools, ctx, params.name, params.arguments)

    async def list_resources(ctx: Any, params: Any) -> Any:
        return types.ListResourcesResult(
            resources=[
                types.Resource(name=title, uri=uri, mime_type=mime)
                for uri, (title, mime, _) in served.resources.items()
            ]
        )

    async def read_resource(ctx: Any, params: Any) -> Any:
        uri = str(params.uri)
        entry = served.resources.get(uri)
        if entry is None:
            from mcp.shared.exceptions import MCPError

            known = ", ".join(served.resources)
            raise MCPError(types.INVALID_PARAMS, f"no resource {uri} (resources: {known})")
        _, mime, text = entry
        if uri.endswith("/flow"):
            text = _flow(served.tools[unquote(uri.split("/")[3])])
        return types.ReadResourceResult(contents=[types.TextResourceContents(uri=uri, mime_type=mime, text=text)])

    return Server(
        name,
        version=__version__,
        instructions="Each tool runs one Arazzo workflow (a sequence of API calls) and returns its outputs.",
        on_list_tools=list_tools,
        on_call_tool=on_call_tool,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
    )


def _flow(tool: WorkflowTool) -> str:
    from ..graph import flow_of, to_mermaid

    try:
        return str(to_mermaid(flow_of(tool.runner.description, tool.workflow_id)))
    except ArazzoError as error:
        return json.dumps({"error": error.message})
