"""Bytes to JSON-compatible data, with a way back from any JSON pointer to line and column.

YAML is read as YAML 1.2 JSON-compatible data whatever the file's age: ``yes``/``on`` and
unquoted dates stay strings, mapping keys are read as text (the failsafe schema the Arazzo
specification asks for, so ``200:`` is the key ``"200"``), duplicate keys and collection keys
are errors with their position, and alias bombs, over-deep nesting and oversized files are
refused.  Files named ``*.json`` are read with the JSON parser.

Positions are not recorded while parsing: :meth:`ParsedFile.position` finds them on demand
(from the YAML node tree, kept for small files and rebuilt for large ones, or by walking the
JSON text), so that a 4 MB OpenAPI file parses at the speed of a bare parse.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import DocumentError, Location

__all__ = ["ParsedFile", "parse", "MAX_BYTES", "MAX_DEPTH", "MAX_EXPANDED_NODES"]

MAX_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 400
# Nodes the data would have with every alias expanded: what a consumer walking it would visit.
MAX_EXPANDED_NODES = 10_000_000
# Below this size the YAML node tree is kept after parsing, so locating needs no second parse.
KEEP_NODES_BELOW = 1024 * 1024

Position = tuple[int, int]

_TAG = "tag:yaml.org,2002:"
_PLAIN = "?plain"  # our tag for a plain scalar whose type the 1.2 core schema decides

_CParser: Any
try:
    from yaml import cyaml as _cyaml

    _CParser = _cyaml.CParser  # type: ignore[attr-defined]  # libyaml's parser and composer, in C
except (ImportError, AttributeError):  # pragma: no cover - PyYAML built without libyaml
    _CParser = None


class _Resolver(yaml.resolver.BaseResolver):
    """Marks plain scalars for our own YAML 1.2 resolution instead of PyYAML's YAML 1.1 one."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:  # noqa: D401
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _TAG + "str"
        if kind is SequenceNode:
            return _TAG + "seq"
        return _TAG + "map"


if _CParser is not None:

    class _Composer(_CParser, _Resolver):  # type: ignore[misc]
        def __init__(self, stream: Any) -> None:
            _CParser.__init__(self, stream)
            _Resolver.__init__(self)

else:  # pragma: no cover - PyYAML without libyaml

    class _Composer(  # type: ignore[no-redef]
        yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer, _Resolver
    ):
        def __init__(self, stream: Any) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            _Resolver.__init__(self)


_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_WORDS: dict[str, Any] = {
    "": None, "~": None, "null": None, "Null": None, "NULL": None,
    "true": True, "True": True, "TRUE": True,
    "false": False, "False": False, "FALSE": False,
    ".inf": float("inf"), ".Inf": float("inf"), ".INF": float("inf"),
    "+.inf": float("inf"), "+.Inf": float("inf"), "+.INF": float("inf"),
    "-.inf": float("-inf"), "-.Inf": float("-inf"), "-.INF": float("-inf"),
    ".nan": float("nan"), ".NaN": float("nan"), ".NAN": float("nan"),
}  # fmt: skip
_NUMBER_START = frozenset("-+.0123456789")


def _plain_scalar(text: str) -> Any:
    """A plain scalar by the YAML 1.2 core schema."""
    if text in _WORDS:
        return _WORDS[text]
    if text[0] in _NUMBER_START:
        if _INT.match(text):
            return int(text)
        if text.startswith(("0o", "0x")):
            try:
                return int(text[2:], 8 if text[1] == "o" else 16)
            except ValueError:
                return text
        if _FLOAT.match(text):
            return float(text)
    return text


class _Constructor:
    """Builds data from a node tree; shares aliased collections and counts their expansion."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.memo: dict[int, tuple[Any, int]] = {}

    def error(self, message: str, node: Node) -> DocumentError:
        mark = node.start_mark
        return DocumentError(message, Location(self.name, "", mark.line + 1, mark.column + 1))

    def scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        value = node.value
        if tag == _PLAIN:
            return _plain_scalar(value)
        if tag == _TAG + "str":
            return value
        kind = tag[len(_TAG) :] if tag.startswith(_TAG) else None
        if kind == "null":
            return None
        if kind == "bool" and value in ("true", "True", "TRUE", "false", "False", "FALSE"):
            return value in ("true", "True", "TRUE")
        if kind in ("int", "float"):
            number = _plain_scalar(value)
            if isinstance(number, (int, float)) and not isinstance(number, bool):
                return float(number) if kind == "float" else number
            raise self.error(f"{value!r} is not a valid !!{kind}", node)
        raise self.error(
            f"tag {tag!r} is not allowed: JSON-compatible documents may use only the "
            "str, int, float, bool, null, seq and map tags",
            node,
        )

    def build(self, node: Node, depth: int = 0) -> tuple[Any, int]:
        """Return the value of ``node`` and its node count with aliases expanded."""
        if isinstance(node, ScalarNode):
            return self.scalar(node), 1
        key = id(node)
        seen = self.memo.get(key)
        if seen is not None:
            return seen
        if depth >= MAX_DEPTH:
            raise self.error(f"the document nests deeper than {MAX_DEPTH} levels", node)
        if isinstance(node, SequenceNode):
            if node.tag != _TAG + "seq":
                raise self.error(f"tag {node.tag!r} is not allowed on a sequence", node)
            items: list[Any] = []
            weight = 1
            for child in node.value:
                value, child_weight = self.build(child, depth + 1)
                items.append(value)
                weight += child_weight
            result: tuple[Any, int] = (items, weight)
        else:
            assert isinstance(node, MappingNode)
            result = self.mapping(node, depth)
        if result[1] > MAX_EXPANDED_NODES:
            raise self.error(
                f"aliases expand this document beyond {MAX_EXPANDED_NODES:,} values "
                "(an alias bomb?); refusing to read it",
                node,
            )
        self.memo[key] = result
        return result

    def mapping(self, node: MappingNode, depth: int) -> tuple[Any, int]:
        if node.tag != _TAG + "map":
            raise self.error(f"tag {node.tag!r} is not allowed on a mapping", node)
        data: dict[str, Any] = {}
        first_seen: dict[str, Node] = {}
        merged: dict[str, Any] = {}
        weight = 1
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise self.error("mapping keys must be strings, not a collection", key_node)
            if key_node.tag == _PLAIN:
                key = key_node.value
                if key == "<<":  # YAML 1.1 merge key: still common in real files
                    weight += self.merge(value_node, merged, depth)
                    continue
            elif key_node.tag == _TAG + "str":
                key = key_node.value
            else:
                raise self.error(f"mapping keys must be strings; this key has tag {key_node.tag!r}", key_node)
            if key in first_seen:
                raise self.error(
                    f"duplicate key {key!r} (first defined at line {first_seen[key].start_mark.line + 1})",
                    key_node,
                )
            first_seen[key] = key_node
            value, child_weight = self.build(value_node, depth + 1)
            data[key] = value
            weight += child_weight
        if merged:
            for key, value in merged.items():
                data.setdefault(key, value)
        return data, weight

    def merge(self, node: Node, into: dict[str, Any], depth: int) -> int:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        weight = 0
        for source in sources:
            value, source_weight = self.build(source, depth + 1)
            if not isinstance(value, dict):
                raise self.error("a merge key '<<' must refer to a mapping or a list of mappings", source)
            for key, item in value.items():
                into.setdefault(key, item)
            weight += source_weight
        return weight


class ParsedFile:
    """The data of one parsed file, and the way from a JSON pointer back to its position."""

    __slots__ = ("data", "name", "is_json", "_raw", "_root")

    def __init__(self, data: Any, name: str, is_json: bool, raw: bytes, root: Optional[Node] = None):
        self.data = data
        self.name = name
        self.is_json = is_json
        self._raw = raw
        self._root = root

    @property
    def raw(self) -> bytes:
        """The bytes the file was parsed from."""
        return self._raw

    def position(self, pointer: str, *, key: bool = False) -> Optional[Position]:
        """1-based (line, column) of the value at ``pointer`` (of its key with ``key=True``).

        Where the pointer reaches no value, the position of the deepest value it reaches.
        """
        tokens = _split_pointer(pointer)
        if self.is_json:
            return _json_position(self._raw, tokens, key)
        if self._root is None:
            self._root = _compose(self._raw, self.name)
        return _yaml_position(self._root, tokens, key)

    def location(self, pointer: str = "") -> Location:
        """A :class:`Location` whose line and column are found when first asked for."""
        return Location(self.name, pointer, resolver=self.position)


def _split_pointer(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer.lstrip("#").split("/")[1:]]


def _yaml_position(node: Node, tokens: list[str], key: bool) -> Position:
    key_node: Optional[Node] = None
    for token in tokens:
        if isinstance(node, MappingNode):
            for k, v in node.value:
                if isinstance(k, ScalarNode) and k.value == token:
                    key_node, node = k, v
                    break
            else:
                break
        elif isinstance(node, SequenceNode) and token.isdigit() and int(token) < len(node.value):
            key_node, node = None, node.value[int(token)]
        else:
            break
    mark = (key_node if key and key_node is not None else node).start_mark
    return mark.line + 1, mark.column + 1


_decoder = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")


def _json_position(raw: bytes, tokens: list[str], key: bool) -> Position:
    text = _decode_text(raw)
    index = _WS.match(text, 0).end()  # type: ignore[union-attr]
    key_index = index
    for token in tokens:
        found = _json_child(text, index, token)
        if found is None:
            break
        key_index, index = found
    index = key_index if key else index
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _json_child(text: str, index: int, token: str) -> Optional[tuple[int, int]]:
    """(key index, value index) of member ``token`` of the container starting at ``index``."""
    opener = text[index : index + 1]
    if opener not in ("{", "["):
        return None
    closer = "}" if opener == "{" else "]"
    target = int(token) if opener == "[" and token.isdigit() else None
    if opener == "[" and target is None:
        return None
    position = 0
    index = _WS.match(text, index + 1).end()  # type: ignore[union-attr]
    while index < len(text) and text[index] != closer:
        key_index = index
        if opener == "{":
            name, index = _decoder.raw_decode(text, index)
            index = _WS.match(text, index).end() + 1  # type: ignore[union-attr]  # past ':'
            index = _WS.match(text, index).end()  # type: ignore[union-attr]
            if name == token:
                return key_index, index
        elif position == target:
            return key_index, index
        _, index = _decoder.raw_decode(text, index)
        index = _WS.match(text, index).end()  # type: ignore[union-attr]
        if text[index : index + 1] == ",":
            index = _WS.match(text, index + 1).end()  # type: ignore[union-attr]
        position += 1
    return None


def _decode_text(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode(json.detect_encoding(raw), "replace")


def _compose(raw: bytes, name: str) -> Node:
    composer = _Composer(raw)
    try:
        root: Optional[Node] = composer.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.problem} ({exc.context})"
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise DocumentError(f"YAML syntax error: {problem}", Location(name, "", line, column)) from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"YAML error: {exc}", Location(name, "", 1, 1)) from None
    except RecursionError:
        raise DocumentError("the document nests too deeply", Location(name, "", 1, 1)) from None
    finally:
        dispose = getattr(composer, "dispose", None)
        if dispose is not None:
            dispose()
    if root is None:
        raise DocumentError("the file is empty", Location(name, "", 1, 1))
    return root


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise _DuplicateKey
    return data


def _find_json_duplicate(text: str) -> tuple[str, int, int]:
    """Walk the JSON text (known to be valid) to the first duplicate key: (key, first, dup)."""
    stack: list[tuple[str, dict[str, int]]] = []
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "{":
            stack.append(("{", {}))
            index += 1
        elif char == "[":
            stack.append(("[", {}))
            index += 1
        elif char in "}]":
            stack.pop()
            index += 1
        elif char == '"':
            value, end = _decoder.raw_decode(text, index)
            after = _WS.match(text, end).end()  # type: ignore[union-attr]
            if stack and stack[-1][0] == "{" and text[after : after + 1] == ":":
                keys = stack[-1][1]
                if value in keys:
                    return value, keys[value], index
                keys[value] = index
            index = end
        elif char in " \t\r\n,:":
            index += 1
        else:
            _, index = _decoder.raw_decode(text, index)
    raise AssertionError("no duplicate key found")  # pragma: no cover


def _line_column(text: str, index: int) -> Position:
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def parse(raw: bytes, name: str, *, is_json: Optional[bool] = None) -> ParsedFile:
    """Parse ``raw`` (JSON when ``is_json``, else YAML; guessed from ``name`` when None)."""
    if len(raw) > MAX_BYTES:
        raise DocumentError(
            f"the file is {len(raw):,} bytes, over the {MAX_BYTES:,}-byte limit for a document",
            Location(name, "", 1, 1),
        )
    if is_json is None:
        is_json = name.lower().endswith(".json")
    if is_json:
        return _parse_json(raw, name)
    root = _compose(raw, name)
    data, _ = _Constructor(name).build(root)
    return ParsedFile(data, name, False, raw, root if len(raw) < KEEP_NODES_BELOW else None)


def _parse_json(raw: bytes, name: str) -> ParsedFile:
    try:
        data = json.loads(raw, object_pairs_hook=_no_duplicates)
    except _DuplicateKey:
        text = _decode_text(raw)
        key, first, duplicate = _find_json_duplicate(text)
        line, column = _line_column(text, duplicate)
        raise DocumentError(
            f"duplicate key {key!r} (first defined at line {_line_column(text, first)[0]})",
            Location(name, "", line, column),
        ) from None
    except json.JSONDecodeError as exc:
        raise DocumentError(f"JSON syntax error: {exc.msg}", Location(name, "", exc.lineno, exc.colno)) from None
    except UnicodeDecodeError as exc:
        raise DocumentError(f"the file is not valid text: {exc.reason}", Location(name, "", 1, 1)) from None
    except RecursionError:
        raise DocumentError("the document nests too deeply", Location(name, "", 1, 1)) from None
    return ParsedFile(data, name, True, raw)
