"""Arazzo workflows as tools for AI agents, over the Model Context Protocol (``arazzo mcp``).

Needs the ``mcp`` extra (``pip install arazzo-interpreter[mcp]``)::

    from arazzo_runner.mcp import build_server
    server = build_server(["workflows/"], mock=True)   # the mcp SDK's low-level Server
    app = server.streamable_http_app()                 # mount it, or run it over stdio

See docs/mcp.md.
"""

from __future__ import annotations

from .server import Served, build, build_server, input_variable
from .tools import WorkflowTool

__all__ = ["Served", "WorkflowTool", "build", "build_server", "input_variable"]
