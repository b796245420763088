"""A :class:`~.flow.Flow` drawn as a standalone SVG 1.1 document, by our own code.

No browser, network or Graphviz is needed, and nothing outside the document is referenced,
so the text can be saved as a ``.svg`` file or put inline in an HTML page (it has no XML
declaration, which UTF-8 XML does not need and HTML would not want).  Styling is done
with presentation attributes (no ``<style>`` element that would leak into a host page), and
the ids of the arrow markers carry a prefix, so several drawings can share one page.  All
text from the document is XML-escaped; long labels are shortened, with the full text in a
``<title>`` tooltip.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from .flow import Flow
from .layout import DETAIL_SIZE, LABEL_SIZE, NAME_SIZE, Box, Route, layout
from .palette import EDGE_COLOURS, NODE_STYLES, node_style_name
from .text import shorten, text_width

__all__ = ["to_svg"]

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_FONT = "Helvetica, Arial, 'DejaVu Sans', sans-serif"
_TITLE_SIZE, _SUMMARY_SIZE = 14.0, 11.0
# characters XML 1.0 does not allow at all, even escaped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("\ufffd", value))


def _attr(value: str) -> str:
    return quoteattr(_NOT_XML.sub("\ufffd", value))


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _prefix_for(flow: Flow) -> str:
    return "arazzo-" + (re.sub(r"[^A-Za-z0-9_-]", "_", flow.workflow_id)[:40] or "flow") + "-"


def to_svg(flow: Flow, *, id_prefix: str | None = None) -> str:
    """The flow as an SVG document (text ending with a newline).

    ``id_prefix`` starts every ``id`` in the drawing (default: derived from the workflow id),
    so that drawings inlined in one HTML page do not share marker ids.
    """
    prefix = id_prefix if id_prefix is not None else _prefix_for(flow)
    title = flow.workflow_id
    summary = shorten(flow.summary or "", 110)
    header = max(text_width(title, _TITLE_SIZE, bold=True), text_width(summary, _SUMMARY_SIZE))
    drawn = layout(flow, header)
    width, height = _num(drawn.width), _num(drawn.height)
    parts = [
        f'<svg xmlns="{SVG_NAMESPACE}" version="1.1" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{prefix}title" '
        f'font-family="{_FONT}">',
        f"<title id={_attr(prefix + 'title')}>{_text('Flow of workflow ' + flow.workflow_id)}</title>",
        _markers(prefix),
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="16" y="22" font-size="{_num(_TITLE_SIZE)}" font-weight="bold" fill="#1f2933">{_text(title)}</text>',
    ]
    if summary:
        parts.append(f'<text x="16" y="38" font-size="{_num(_SUMMARY_SIZE)}" fill="#52606d">{_text(summary)}</text>')
    parts.append('<g fill="none" stroke-width="1.6">')
    parts.extend(_edge(route, prefix) for route in drawn.routes)
    parts.append("</g>")
    parts.extend(_node(box) for box in drawn.boxes)
    parts.extend(_label(route) for route in drawn.routes if route.label)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _markers(prefix: str) -> str:
    lines = ["<defs>"]
    for kind in ("next", "success", "failure", "depends"):
        lines.append(
            f'<marker id="{prefix}arrow-{kind}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
            f'markerHeight="8" markerUnits="userSpaceOnUse" orient="auto">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{EDGE_COLOURS[kind]}"/></marker>'
        )
    lines.append("</defs>")
    return "\n".join(lines)


def _edge(route: Route, prefix: str) -> str:
    kind = route.edge.kind
    marker = "failure" if kind == "retry" else kind
    dashed = ' stroke-dasharray="5 4"' if kind == "depends" else ""
    tooltip = f"<title>{_text(route.edge.label)}</title>" if route.edge.label else ""
    return (
        f'<path d="{route.path}" stroke="{EDGE_COLOURS[kind]}"{dashed} '
        f'marker-end="url(#{prefix}arrow-{marker})" data-kind="{kind}">{tooltip}</path>'
    )


def _label(route: Route) -> str:
    colour = EDGE_COLOURS[route.edge.kind]
    width = text_width(route.label, LABEL_SIZE) + 10
    x, y = route.label_x, route.label_y
    left = {"start": x - 5, "middle": x - width / 2, "end": x - width + 5}[route.anchor]
    return (
        f"<g>{'<title>' + _text(route.edge.label) + '</title>' if route.label != route.edge.label else ''}"
        f'<rect x="{_num(left)}" y="{_num(y - 8)}" width="{_num(width)}" height="16" rx="3" '
        f'fill="#ffffff" fill-opacity="0.92"/>'
        f'<text x="{_num(x)}" y="{_num(y + 3.5)}" font-size="{_num(LABEL_SIZE)}" text-anchor="{route.anchor}" '
        f'fill="{colour}">{_text(route.label)}</text></g>'
    )


def _node(box: Box) -> str:
    node = box.node
    style = NODE_STYLES[node_style_name(node.kind, node.id)]
    x, y, w, h = _num(box.x), _num(box.y), _num(box.width), _num(box.height)
    rounded = box.height / 2 if node.kind in ("start", "end") else 7.0
    dashed = ' stroke-dasharray="4 3"' if style.dashed else ""
    stroke_width = "2.2" if node.kind == "end" else "1.4"
    parts = [f'<g data-node="{node.id}" data-kind="{node.kind}">']
    tooltip = " · ".join(part for part in (node.label, node.detail, node.tooltip) if part)
    parts.append(f"<title>{_text(tooltip)}</title>")
    parts.append(
        f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{_num(rounded)}" fill="{style.fill}" '
        f'stroke="{style.stroke}" stroke-width="{stroke_width}"{dashed}/>'
    )
    if node.kind in ("workflow", "goto_workflow"):  # the subroutine shape: inner side bars
        for inner in (box.x + 7, box.x + box.width - 7):
            parts.append(
                f'<line x1="{_num(inner)}" y1="{y}" x2="{_num(inner)}" y2="{_num(box.y + box.height)}" '
                f'stroke="{style.stroke}" stroke-width="1.2"/>'
            )
    centre, middle = _num(box.centre_x), box.y + box.height / 2
    if box.detail:
        parts.append(_centred(centre, middle - 3, box.name, NAME_SIZE, style.text, bold=True))
        parts.append(_centred(centre, middle + 13, box.detail, DETAIL_SIZE, "#52606d"))
    else:
        parts.append(_centred(centre, middle + 4.5, box.name, NAME_SIZE, style.text, bold=True))
    parts.append("</g>")
    return "".join(parts)


def _centred(x: str, y: float, text: str, size: float, colour: str, *, bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x}" y="{_num(y)}" font-size="{_num(size)}"{weight} text-anchor="middle" '
        f'fill="{colour}">{_text(text)}</text>'
    )
