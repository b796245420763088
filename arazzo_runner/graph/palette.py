"""The colours of a flow drawing, the same in every output format.

Edges: ``next`` grey, ``success`` green, ``failure`` and ``retry`` red, ``depends`` blue
(drawn dashed).  Nodes are tinted by what they are; the two ends by their outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EDGE_COLOURS", "NODE_STYLES", "NodeStyle", "node_style_name"]

EDGE_COLOURS = {
    "next": "#7a7a7a",
    "success": "#2e7d32",
    "failure": "#c62828",
    "retry": "#c62828",
    "depends": "#1e64c8",
}


@dataclass(frozen=True, slots=True)
class NodeStyle:
    fill: str
    stroke: str
    text: str
    dashed: bool = False


NODE_STYLES = {
    "start": NodeStyle("#eceff3", "#5f6b7a", "#1f2933"),
    "operation": NodeStyle("#f3f7fc", "#4a6fa5", "#1f2933"),
    "workflow": NodeStyle("#f6f1fc", "#7d5ba6", "#1f2933"),
    "goto_workflow": NodeStyle("#f6f1fc", "#7d5ba6", "#1f2933"),
    "missing": NodeStyle("#fff6e6", "#b26a00", "#5c3700", dashed=True),
    "succeeded": NodeStyle("#e7f5ea", "#2e7d32", "#1b4d1f"),
    "failed": NodeStyle("#fdecec", "#c62828", "#7a1616"),
}


def node_style_name(kind: str, node_id: str) -> str:
    """The key of :data:`NODE_STYLES` for a node of this kind (an end by its id)."""
    if kind == "end":
        return node_id if node_id in NODE_STYLES else "succeeded"
    return kind if kind in NODE_STYLES else "operation"
