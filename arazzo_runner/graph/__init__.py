"""The flow of a workflow as a picture: steps in execution order, success and failure edges
with their action names, goto targets, retry loops, ends, sub-workflow calls and ``dependsOn``.

:func:`flow_of` builds a :class:`Flow` (plain nodes and edges) from a loaded description;
:func:`to_mermaid`, :func:`to_dot` and :func:`to_svg` render it.  The SVG is drawn by our own
layout (no browser, network or Graphviz), so ``arazzo graph --format svg`` and the HTML
report give the same picture everywhere.
"""

from __future__ import annotations

from .dot import to_dot
from .flow import Edge, Flow, Node, flow_of
from .mermaid import to_mermaid
from .svg import to_svg

__all__ = ["FORMATS", "Edge", "Flow", "Node", "flow_of", "render", "to_dot", "to_mermaid", "to_svg"]

FORMATS = ("mermaid", "dot", "svg")


def render(flow: Flow, format: str) -> str:
    """The flow in one of :data:`FORMATS` (ValueError for another)."""
    if format == "mermaid":
        return to_mermaid(flow)
    if format == "dot":
        return to_dot(flow)
    if format == "svg":
        return to_svg(flow)
    raise ValueError(f"unknown graph format {format!r}; use one of {', '.join(FORMATS)}")
