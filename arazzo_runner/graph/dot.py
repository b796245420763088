"""A :class:`~.flow.Flow` as Graphviz DOT text (``dot -Tsvg`` or ``-Tpng`` draws it).

Every id and label is a quoted DOT string with backslashes and quotes escaped; text from a
document is kept on one line, so it cannot add statements.  Edges that go back up (a goto
to an earlier step, a retry) do not constrain the ranks, which keeps the steps top to bottom
in execution order.
"""

from __future__ import annotations

from .flow import Edge, Flow, Node
from .palette import EDGE_COLOURS, NODE_STYLES, node_style_name

__all__ = ["quote", "to_dot"]

_FONT = "Helvetica,Arial,sans-serif"
_SHAPES = {
    "start": "oval",
    "end": "oval",
    "workflow": "component",
    "goto_workflow": "component",
    "missing": "hexagon",
}


def quote(text: str) -> str:
    """``text`` as a quoted DOT string (one line: whitespace runs become a space)."""
    flat = " ".join(text.split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _attributes(pairs: dict[str, str]) -> str:
    return "[" + ", ".join(f"{key}={value}" for key, value in pairs.items()) + "]"


def _node_line(node: Node) -> str:
    style = NODE_STYLES[node_style_name(node.kind, node.id)]
    label = quote(node.label)
    if node.kind == "goto_workflow":
        label = quote("goto workflow " + node.label)
    elif node.detail:
        # "\n" here is DOT's own line break, written after the user text was quoted
        label = quote(node.label)[:-1] + "\\n" + quote(node.detail)[1:]
    pairs = {
        "label": label,
        "shape": _SHAPES.get(node.kind, "box"),
        "style": '"rounded,filled,dashed"' if style.dashed else '"rounded,filled"',
        "fillcolor": quote(style.fill),
        "color": quote(style.stroke),
        "fontcolor": quote(style.text),
    }
    if node.tooltip:
        pairs["tooltip"] = quote(node.tooltip)
    return f"  {quote(node.id)} {_attributes(pairs)};"


def _edge_line(edge: Edge, rank: dict[str, int]) -> str:
    colour = quote(EDGE_COLOURS[edge.kind])
    pairs = {"color": colour, "fontcolor": colour}
    if edge.label:
        pairs["label"] = quote(edge.label)
    if edge.kind == "depends":
        pairs["style"] = "dashed"
    if edge.kind != "next" and rank.get(edge.target, 1 << 30) <= rank.get(edge.source, 0):
        pairs["constraint"] = "false"
    return f"  {quote(edge.source)} -> {quote(edge.target)} {_attributes(pairs)};"


def to_dot(flow: Flow) -> str:
    """The flow as a DOT ``digraph``, ending with a newline; the same flow gives the same
    text."""
    rank = {node.id: number for number, node in enumerate(flow.nodes)}
    title = f"workflow {flow.workflow_id}"
    lines = [
        f"digraph {quote(flow.workflow_id)} {{",
        f"  graph {_attributes({'rankdir': 'TB', 'label': quote(title), 'labelloc': 't', 'fontname': quote(_FONT)})};",
        f"  node {_attributes({'fontname': quote(_FONT), 'fontsize': '11', 'margin': quote('0.15,0.06')})};",
        f"  edge {_attributes({'fontname': quote(_FONT), 'fontsize': '9', 'arrowsize': '0.7'})};",
    ]
    lines.extend(_node_line(node) for node in flow.nodes)
    ends = [quote(node.id) for node in flow.nodes if node.kind == "end"]
    if ends:
        lines.append(f"  {{ rank=sink; {'; '.join(ends)}; }}")
    lines.extend(_edge_line(edge, rank) for edge in flow.edges)
    lines.append("}")
    return "\n".join(lines) + "\n"
