"""Where the boxes and arrows of a flow go: a layered layout for :mod:`.svg`.

Every node has its own row, in the flow's order (start, the steps in execution order, the
ends, then goto targets), all centred on one column, so the steps read top to bottom as they
run.  A ``next`` edge between consecutive rows is a straight line down the column.  Every
other edge leaves its node from the side (success and ``dependsOn`` on the left, failure
and retry on the right), runs along a vertical lane beside the column and turns into its
target with rounded corners; a self-loop (retry, a goto to the same step) is a small curve
on its side.  Edges into the same end share one lane.

Lanes are packed like intervals: shorter edges take the lanes nearest the column, and two
edges share a lane only when their rows do not overlap.  The ports of a node side are ordered
so that the horizontal stubs do not cross their own node's lanes: loops first, then edges
going up (inner lanes first), then edges going down (outer lanes first).  Everything is
computed from the flow alone, so the same flow always gives the same picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .flow import STEP_KINDS, Edge, Flow, Node
from .text import shorten, text_width

__all__ = ["Box", "Layout", "Route", "layout", "LABEL_SIZE", "DETAIL_SIZE", "NAME_SIZE"]

NAME_SIZE, DETAIL_SIZE, LABEL_SIZE = 13.0, 11.0, 10.5
_MAX_NODE_WIDTH, _MIN_STEP_WIDTH = 300.0, 150.0
_ROW_GAP, _PORT_GAP, _LANE_GAP, _CORNER = 38.0, 19.0, 14.0, 9.0
_LOOP, _MARGIN, _EDGE_LABEL_CHARS = 30.0, 16.0, 64
_HEADER = 46.0


@dataclass
class Box:
    """A node's rectangle (top-left corner, size) and the text lines drawn in it."""

    node: Node
    x: float
    y: float
    width: float
    height: float
    name: str
    detail: str

    @property
    def centre_x(self) -> float:
        return self.x + self.width / 2


@dataclass
class Route:
    """An edge as an SVG path, with its label's centre (no label when ``label`` is empty)."""

    edge: Edge
    path: str
    label: str
    label_x: float = 0.0
    label_y: float = 0.0
    anchor: str = "middle"  # where label_x is on the label: start, middle or end (SVG text-anchor)


@dataclass
class Layout:
    boxes: list[Box]
    routes: list[Route]
    width: float
    height: float


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _box_texts(node: Node) -> tuple[str, str]:
    if node.kind == "goto_workflow":
        return shorten(node.label, 40), "goto workflow"
    return shorten(node.label, 40), shorten(node.detail, 50)


def _natural_width(name: str, detail: str) -> float:
    return max(text_width(name, NAME_SIZE, bold=True), text_width(detail, DETAIL_SIZE)) + 28


def _side_of(edge: Edge) -> str:
    return "right" if edge.kind in ("failure", "retry") else "left"


@dataclass
class _Plan:
    """How each edge is drawn: straight down, as a self-loop, or along a lane (edges into the
    same end from the same side form one group, a bus sharing one lane)."""

    row: dict[str, int]
    straight: set[int] = field(default_factory=set)
    loops: set[int] = field(default_factory=set)
    group_of: dict[int, str] = field(default_factory=dict)
    lanes: dict[str, int] = field(default_factory=dict)
    ports: dict[tuple[str, str], list[str]] = field(default_factory=dict)


def layout(flow: Flow, header_width: float = 0.0) -> Layout:
    """The positions of every node and the route of every edge of ``flow``; the drawing is
    at least ``header_width`` wide (the title above it)."""
    plan = _plan(flow)
    texts = [_box_texts(node) for node in flow.nodes]
    widest = max((_natural_width(*texts[plan.row[n.id]]) for n in flow.steps), default=_MIN_STEP_WIDTH)
    step_width = min(max(widest, _MIN_STEP_WIDTH), _MAX_NODE_WIDTH)
    boxes, bottom = _boxes(flow, plan, texts, step_width)

    # the gap beside the column holds the labels of the stubs and of the loops
    gap = {"left": 26.0, "right": 26.0}
    for number, edge in enumerate(flow.edges):
        if number not in plan.straight and edge.label:
            label_width = text_width(shorten(edge.label, _EDGE_LABEL_CHARS), LABEL_SIZE) + 10
            need = _LOOP + 12 + label_width if number in plan.loops else label_width + 24
            gap[_side_of(edge)] = max(gap[_side_of(edge)], need)
    outer = {side: max((n for key, n in plan.lanes.items() if key.startswith(side)), default=0) for side in gap}
    left_extent = step_width / 2 + gap["left"] + outer["left"] * _LANE_GAP + _MARGIN
    right_extent = step_width / 2 + gap["right"] + outer["right"] * _LANE_GAP + _MARGIN
    for box in boxes:
        box.x += left_extent  # the column's centre
    column = {"left": left_extent - step_width / 2, "right": left_extent + step_width / 2}

    port_y: dict[tuple[str, str], float] = {}
    for (node_id, _), names in plan.ports.items():
        box = boxes[plan.row[node_id]]
        first = box.y + (box.height - (len(names) - 1) * _PORT_GAP) / 2
        for index, name in enumerate(names):
            port_y[(node_id, name)] = first + index * _PORT_GAP

    routes: list[Route] = []
    for number, edge in enumerate(flow.edges):
        source, target = boxes[plan.row[edge.source]], boxes[plan.row[edge.target]]
        label, side = shorten(edge.label, _EDGE_LABEL_CHARS), _side_of(edge)
        sign = -1.0 if side == "left" else 1.0
        if number in plan.straight:
            x, y = source.centre_x, source.y + source.height
            path = f"M{_num(x)},{_num(y)} V{_num(target.y)}"
            routes.append(Route(edge, path, label, x + 6, y + _ROW_GAP / 2, "start"))
        elif number in plan.loops:
            x = source.x if side == "left" else source.x + source.width
            y1, y2 = port_y[(edge.source, f"loop-out{number}")], port_y[(edge.source, f"loop-in{number}")]
            bulge = x + sign * _LOOP
            path = f"M{_num(x)},{_num(y1)} C{_num(bulge)},{_num(y1 - 5)} {_num(bulge)},{_num(y2 + 5)} "
            anchor = "end" if side == "left" else "start"
            routes.append(Route(edge, path + f"{_num(x)},{_num(y2)}", label, bulge + sign * 6, (y1 + y2) / 2, anchor))
        else:
            x1 = source.x if side == "left" else source.x + source.width
            x2 = target.x if side == "left" else target.x + target.width
            y1 = port_y[(edge.source, f"out{number}")]
            y2 = port_y[(edge.target, f"in:{plan.group_of[number]}")]
            lane = column[side] + sign * (gap[side] + plan.lanes[plan.group_of[number]] * _LANE_GAP)
            routes.append(Route(edge, _elbow(x1, y1, lane, y2, x2), label, column[side] + sign * gap[side] / 2, y1))
    width = max(left_extent + right_extent, header_width + 2 * _MARGIN)
    return Layout(boxes, routes, width, bottom + _MARGIN)


def _plan(flow: Flow) -> _Plan:
    plan = _Plan({node.id: number for number, node in enumerate(flow.nodes)})
    row = plan.row
    last_step_row = max((row[node.id] for node in flow.steps), default=0)
    groups: dict[str, list[int]] = {}
    for number, edge in enumerate(flow.edges):
        if edge.source == edge.target:
            plan.loops.add(number)
        elif edge.kind == "next" and row[edge.target] == row[edge.source] + 1:
            plan.straight.add(number)
        else:
            bus = row[edge.target] > last_step_row
            key = f"{_side_of(edge)}:{edge.target}" if bus else f"{_side_of(edge)}#{number}"
            plan.group_of[number] = key
            groups.setdefault(key, []).append(number)
    plan.lanes = _pack_lanes(flow, row, groups)
    plan.ports = _ports(flow, row, plan.loops, plan.group_of, plan.lanes)
    return plan


def _boxes(flow: Flow, plan: _Plan, texts: list[tuple[str, str]], step_width: float) -> tuple[list[Box], float]:
    """One box per row, centred on x = 0, tall enough for its ports; and the bottom."""
    boxes: list[Box] = []
    top = _HEADER
    for number, node in enumerate(flow.nodes):
        name, detail = texts[number]
        natural = min(max(_natural_width(name, detail), 110.0), _MAX_NODE_WIDTH)
        width = step_width if node.kind in STEP_KINDS else natural
        name, detail = _fit(name, width, NAME_SIZE, bold=True), _fit(detail, width, DETAIL_SIZE)
        count = max(len(plan.ports.get((node.id, "left"), ())), len(plan.ports.get((node.id, "right"), ())))
        height = max(46.0 if detail else 32.0, count * _PORT_GAP + 12)
        boxes.append(Box(node, -width / 2, top, width, height, name, detail))
        top += height + _ROW_GAP
    return boxes, top - _ROW_GAP


def _pack_lanes(flow: Flow, row: dict[str, int], groups: dict[str, list[int]]) -> dict[str, int]:
    """Lane numbers per group of edges and side: shorter spans nearer the column."""
    spans = []
    for key, members in groups.items():
        rows = [row[flow.edges[m].source] for m in members] + [row[flow.edges[members[0]].target]]
        spans.append((max(rows) - min(rows), min(rows), members[0], max(rows), key))
    lanes: dict[str, int] = {}
    for side in ("left", "right"):
        taken: list[list[tuple[int, int]]] = []
        for _, low, _, high, key in sorted(s for s in spans if s[4].startswith(side)):
            free = (i for i, used in enumerate(taken) if all(high < a or low > b for a, b in used))
            lane = next(free, len(taken))
            if lane == len(taken):
                taken.append([])
            taken[lane].append((low, high))
            lanes[key] = lane
    return lanes


def _ports(
    flow: Flow, row: dict[str, int], loops: set[int], group_of: dict[int, str], lanes: dict[str, int]
) -> dict[tuple[str, str], list[str]]:
    """The port names of each (node, side), top to bottom: loops, then the stubs whose other
    end is above (inner lanes first), then those whose other end is below (outer first)."""
    ports: dict[tuple[str, str], list[str]] = {}
    for number in sorted(loops):
        edge = flow.edges[number]
        ports.setdefault((edge.source, _side_of(edge)), []).extend([f"loop-out{number}", f"loop-in{number}"])
    stubs: dict[tuple[str, str], dict[str, tuple[int, int, int]]] = {}
    for number, key in group_of.items():
        edge, lane = flow.edges[number], lanes[key]
        side = _side_of(edge)
        up = row[edge.target] < row[edge.source]
        stubs.setdefault((edge.source, side), {})[f"out{number}"] = (0, lane, number) if up else (1, -lane, number)
        arrivals = stubs.setdefault((edge.target, side), {})
        arrivals.setdefault(f"in:{key}", (1, -lane, number) if up else (0, lane, number))
    for place, named in stubs.items():
        ports.setdefault(place, []).extend(sorted(named, key=lambda name: named[name]))
    return ports


def _fit(text: str, width: float, size: float, *, bold: bool = False) -> str:
    while text and text_width(text, size, bold=bold) > width - 16:
        text = shorten(text, len(text) - 1)
    return text


def _elbow(x1: float, y1: float, lane: float, y2: float, x2: float) -> str:
    """Out horizontally to the lane, along it, and in horizontally, with rounded corners."""
    down = 1.0 if y2 > y1 else -1.0
    out = 1.0 if lane > x1 else -1.0
    back = 1.0 if x2 > lane else -1.0
    r = min(_CORNER, abs(y2 - y1) / 2, abs(lane - x1), abs(x2 - lane))
    return (
        f"M{_num(x1)},{_num(y1)} H{_num(lane - out * r)} Q{_num(lane)},{_num(y1)} {_num(lane)},{_num(y1 + down * r)} "
        f"V{_num(y2 - down * r)} Q{_num(lane)},{_num(y2)} {_num(lane + back * r)},{_num(y2)} H{_num(x2)}"
    )
