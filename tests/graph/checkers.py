"""Small checkers of the text the graph renderers emit: the Mermaid flowchart subset we
write, DOT's quoting and nesting, and the SVG document's structure and geometry."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

SVG = "{http://www.w3.org/2000/svg}"
_ID = r"[A-Za-z][A-Za-z0-9_]*"
_QUOTED = r'"([^"]*)"'
_NODE = re.compile(rf"^(?P<id>{_ID})(?:\(\[{_QUOTED}\]\)|\[\[{_QUOTED}\]\]|\{{\{{{_QUOTED}\}}\}}|\[{_QUOTED}\])$")
_EDGE = re.compile(rf'^(?P<a>{_ID}) (?P<arrow>-->|-\.->)(?:\|"(?P<label>[^"]*)"\|)? (?P<b>{_ID})$')
_CLASSDEF = re.compile(r"^classDef (?P<name>[A-Za-z_]+) [a-z-]+:[^,\s]+(?:,[a-z-]+:[^,]+)*$")
_CLASS = re.compile(rf"^class (?P<ids>{_ID}(?:,{_ID})*) (?P<name>[A-Za-z_]+)$")
_LINKSTYLE = re.compile(r"^linkStyle (?P<numbers>\d+(?:,\d+)*) stroke:#[0-9a-f]{6},color:#[0-9a-f]{6}$")
_ENTITY = re.compile(r"#(\w+);")
_NAMED = {"quot": '"', "lt": "<", "gt": ">", "amp": "&"}
# words Mermaid's flowchart grammar reserves: never usable as a node id
_KEYWORDS = {"end", "graph", "flowchart", "subgraph", "style", "class", "classDef", "linkStyle", "click", "direction"}


def mermaid_text(text: str) -> str:
    """A Mermaid label with its entity codes decoded (what a reader sees)."""

    def decode(match: re.Match[str]) -> str:
        name = match.group(1)
        return chr(int(name)) if name.isdigit() else _NAMED[name]

    return _ENTITY.sub(decode, text)


@dataclass
class Mermaid:
    nodes: dict[str, str] = field(default_factory=dict)  # id -> decoded label
    edges: list[tuple[str, str, str, str]] = field(default_factory=list)  # (a, arrow, decoded label, b)
    classes: dict[str, str] = field(default_factory=dict)  # id -> class name


def check_mermaid(text: str) -> Mermaid:
    """Parse the flowchart we emit, failing on any line outside its grammar."""
    lines = text.splitlines()
    assert lines[0] == "flowchart TD", lines[0]
    assert text.endswith("\n")
    found = Mermaid()
    defined: set[str] = set()
    styled: list[int] = []
    for line in (line.strip() for line in lines[1:]):
        if line.startswith("%% "):
            continue
        for quoted in re.findall(r'"([^"]*)"', line):
            raw = _ENTITY.sub("", quoted).replace("<br/>", "")
            assert not set(raw) & set('"[]{}<>|#&`'), f"unescaped character in {quoted!r}"
        if match := _NODE.match(line):
            assert match["id"] not in found.nodes and match["id"] not in _KEYWORDS, line
            label = next(group for group in match.groups()[1:] if group is not None)
            found.nodes[match["id"]] = mermaid_text(label.replace("<br/>", "\n"))
        elif match := _EDGE.match(line):
            found.edges.append((match["a"], match["arrow"], mermaid_text(match["label"] or ""), match["b"]))
        elif match := _CLASSDEF.match(line):
            defined.add(match["name"])
        elif match := _CLASS.match(line):
            assert match["name"] in defined, line
            found.classes.update(dict.fromkeys(match["ids"].split(","), match["name"]))
        elif match := _LINKSTYLE.match(line):
            styled.extend(int(n) for n in match["numbers"].split(","))
        else:
            raise AssertionError(f"not a flowchart line: {line!r}")
    for a, _, _, b in found.edges:
        assert a in found.nodes and b in found.nodes, (a, b)
    assert set(found.classes) <= set(found.nodes)
    assert sorted(styled) == list(range(len(found.edges)))
    return found


def dot_strings(text: str) -> list[str]:
    """Check DOT nesting and quoting; return the quoted strings, unescaped, in order."""
    strings: list[str] = []
    depth: list[str] = []
    index = 0
    pairs = {"}": "{", "]": "["}
    while index < len(text):
        char = text[index]
        if char == '"':
            end, value = index + 1, []
            while text[end] != '"':
                if text[end] == "\\":
                    end += 1
                    value.append(text[end] if text[end] in '"\\' else "\\" + text[end])
                else:
                    assert text[end] != "\n", "a newline inside a DOT string"
                    value.append(text[end])
                end += 1
            strings.append("".join(value))
            index = end + 1
            continue
        if char in "{[":
            depth.append(char)
        elif char in "}]":
            assert depth and depth.pop() == pairs[char], f"unbalanced {char!r} at {index}"
        index += 1
    assert not depth, "unclosed brackets"
    return strings


@dataclass
class Drawing:
    root: ET.Element
    width: float
    height: float
    texts: list[str]
    node_boxes: dict[str, tuple[float, float, float, float]]
    label_boxes: list[tuple[float, float, float, float]]


def check_svg(text: str) -> Drawing:
    """Parse an SVG document and check the structure every drawing must have."""
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    assert root.get("version") == "1.1"
    width, height = float(root.get("width", "0")), float(root.get("height", "0"))
    assert width > 0 and height > 0
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert root[0].tag == f"{SVG}title" and root[0].text
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for element in root.iter():
        assert element.tag not in (f"{SVG}script", f"{SVG}foreignObject", f"{SVG}image", f"{SVG}style")
        for name, value in element.attrib.items():
            assert "href" not in name, "no links"
            for target in re.findall(r"url\(#([^)]+)\)", value):
                assert target in ids, f"dangling reference #{target}"
    texts = ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]
    boxes: dict[str, tuple[float, float, float, float]] = {}
    labels: list[tuple[float, float, float, float]] = []
    for group in root.iter(f"{SVG}g"):
        rect = group.find(f"{SVG}rect")
        if rect is None:
            continue
        box = tuple(float(rect.get(key, "0")) for key in ("x", "y", "width", "height"))
        if group.get("data-node"):
            boxes[str(group.get("data-node"))] = box  # type: ignore[assignment]
        else:
            labels.append(box)  # type: ignore[arg-type]
    for x, y, w, h in [*boxes.values(), *labels]:
        assert 0 <= x and x + w <= width + 0.5 and 0 <= y and y + h <= height + 0.5, (x, y, w, h, width, height)
    return Drawing(root, width, height, texts, boxes, labels)


def overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]
