"""A :class:`~.flow.Flow` as Mermaid ``flowchart TD`` text (GitHub and GitLab render it).

Every label is quoted, and the characters that could end a quote, open a shape or be taken
for markup are written as Mermaid entity codes (``#quot;``, ``#91;``, ...), so no text from
a document can break the syntax.  Node ids are the flow's own (``start``, ``s0``, ...),
which are never Mermaid keywords.  Colours are ``classDef`` and ``linkStyle`` lines.
"""

from __future__ import annotations

import re

from .flow import Edge, Flow, Node
from .palette import EDGE_COLOURS, NODE_STYLES, node_style_name

__all__ = ["to_mermaid"]

_ENTITIES = {
    '"': "#quot;",
    "#": "#35;",
    "&": "#amp;",
    "<": "#lt;",
    ">": "#gt;",
    "[": "#91;",
    "]": "#93;",
    "{": "#123;",
    "}": "#125;",
    "|": "#124;",
    "`": "#96;",
}
_SPECIAL = re.compile("[" + re.escape("".join(_ENTITIES)) + "]")
# Mermaid strips the last ";" of a line holding "style...:...#...;" before reading entities
_STYLE_WORDS = re.compile("style|classDef")

_SHAPES = {
    "start": ('(["', '"])'),
    "end": ('(["', '"])'),
    "workflow": ('[["', '"]]'),
    "goto_workflow": ('[["', '"]]'),
    "missing": ('{{"', '"}}'),
}
_PLAIN = ('["', '"]')


def escape(text: str) -> str:
    """``text`` safe inside a quoted Mermaid label (one line)."""
    flat = " ".join(text.split())
    escaped = _SPECIAL.sub(lambda match: _ENTITIES[match.group(0)], flat)
    if _STYLE_WORDS.search(escaped):
        escaped = escaped.replace(":", "#58;")
    return escaped


def _node_line(node: Node) -> str:
    opening, closing = _SHAPES.get(node.kind, _PLAIN)
    text = escape(node.label)
    if node.kind == "goto_workflow":
        text = "goto workflow " + text
    elif node.detail:
        text += "<br/>" + escape(node.detail)
    return f"    {node.id}{opening}{text}{closing}"


def _edge_line(edge: Edge) -> str:
    arrow = "-.->" if edge.kind == "depends" else "-->"
    label = f'|"{escape(edge.label)}"|' if edge.label else ""
    return f"    {edge.source} {arrow}{label} {edge.target}"


def to_mermaid(flow: Flow) -> str:
    """The flow as Mermaid flowchart text, ending with a newline; the same flow gives the
    same text."""
    lines = ["flowchart TD", f"    %% workflow {escape(flow.workflow_id)}"]
    lines.extend(_node_line(node) for node in flow.nodes)
    lines.extend(_edge_line(edge) for edge in flow.edges)
    used: dict[str, list[str]] = {}
    for node in flow.nodes:
        used.setdefault(node_style_name(node.kind, node.id), []).append(node.id)
    for name, ids in used.items():
        style = NODE_STYLES[name]
        extra = ",stroke-dasharray:4 3" if style.dashed else ""
        lines.append(f"    classDef {name} fill:{style.fill},stroke:{style.stroke},color:{style.text}{extra}")
        lines.append(f"    class {','.join(ids)} {name}")
    by_colour: dict[str, list[str]] = {}
    for number, edge in enumerate(flow.edges):
        by_colour.setdefault(EDGE_COLOURS[edge.kind], []).append(str(number))
    for colour, numbers in by_colour.items():
        lines.append(f"    linkStyle {','.join(numbers)} stroke:{colour},color:{colour}")
    return "\n".join(lines) + "\n"
