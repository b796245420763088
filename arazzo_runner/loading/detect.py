"""What kind of document a file is, from its first bytes: Arazzo, OpenAPI, AsyncAPI or other.

Parsing a 3 MB OpenAPI file takes seconds; telling that it is not an Arazzo document should
not.  :func:`sniff` reads the top-level keys of a YAML or JSON document as a stream, a chunk
at a time, and stops at the first key that names a specification (``arazzo``, ``openapi``,
``swagger``, ``asyncapi``): an OpenAPI file whose ``openapi:`` key comes first is recognised
from its first few kilobytes, and an Arazzo document whose ``arazzo`` key comes after
``info`` is still found.  It follows the shapes documents have in practice: block YAML
(comments, a BOM, directives, ``---``, any indentation of the top level) and flow YAML/JSON.
When the first bytes use YAML it does not follow (explicit ``?`` keys, anchors or tags on the
top level, UTF-16 text), it answers None and the caller parses the file: a guess is never
taken for an answer.

The first specification key decides: a document that starts with ``openapi:`` and declares
``arazzo:`` further down is taken for an OpenAPI description (as an Arazzo document it would
be invalid anyway: ``openapi`` is no field of an Arazzo root).

:func:`find_documents` walks a directory for the Arazzo documents below it (``validate DIR``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import BinaryIO, Literal, Optional

__all__ = ["Kind", "sniff", "detect_file", "find_documents", "Found", "SUFFIXES", "SKIPPED_DIRECTORIES"]

Kind = Literal["arazzo", "openapi", "asyncapi", "unknown"]

SUFFIXES = (".yaml", ".yml", ".json")
# besides every hidden directory (a name starting with a dot)
SKIPPED_DIRECTORIES = frozenset({"node_modules", "__pycache__", "venv"})

_KINDS: dict[bytes, Kind] = {b"arazzo": "arazzo", b"openapi": "openapi", b"swagger": "openapi", b"asyncapi": "asyncapi"}
FIRST_CHUNK = 4096
CHUNK = 64 * 1024

_BOM = b"\xef\xbb\xbf"
# a top-level key of block YAML: plain, double- or single-quoted, then ':' and a space or the end
_KEY_LINE = re.compile(
    rb"""(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[^\s"'#?&!*|>%@`{}\[\],][^\n]*?)[ \t]*:(?:[ \t\r]|$)""", re.M
)
_SPEC_KEY = rb"""(["']?)(arazzo|openapi|swagger|asyncapi)\1[ \t]*:(?:[ \t\r]|$)"""
_SPEC_KEY_AT = re.compile(_SPEC_KEY)
_DOCUMENT_END = rb"(?:---|\.\.\.)(?:[ \t\r]|$)"
_DOCUMENT_MARK = re.compile(_DOCUMENT_END)
_FLOW_STOP = re.compile(rb"""["'{}\[\],]""")
_DOUBLE = re.compile(rb'"((?:[^"\\]|\\.)*)"', re.S)
_SINGLE = re.compile(rb"'((?:[^']|'')*)'")
_PLAIN_KEY = re.compile(rb"[^:,{}\[\]\n#]*")


class _Undecided(Exception):
    """The first bytes use YAML this reader does not follow: the file has to be parsed."""


class _Stream:
    """The bytes read so far from ``stream``, from the current position on."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.data = b""
        self.pos = 0
        self.eof = False
        self.size = FIRST_CHUNK
        self.line_start = 0  # where the last line returned by line() starts in data

    def more(self) -> bool:
        """Read the next chunk (dropping what lies before ``pos``); False at the end."""
        if self.eof:
            return False
        chunk = self.stream.read(self.size)
        self.size = CHUNK
        if not chunk:
            self.eof = True
            return False
        self.data = self.data[self.pos :] + chunk
        self.pos = 0
        return True

    def line(self) -> Optional[bytes]:
        """The next whole line (without its newline), or None at the end of the stream."""
        while True:
            end = self.data.find(b"\n", self.pos)
            if end >= 0:
                self.line_start = self.pos
                text = self.data[self.pos : end]
                self.pos = end + 1
                return text
            if not self.more():
                if self.pos >= len(self.data):
                    return None
                self.line_start = self.pos
                text = self.data[self.pos :]
                self.pos = len(self.data)
                return text


def sniff(stream: BinaryIO) -> Optional[Kind]:
    """The kind of the YAML/JSON document read from the binary ``stream``, reading no more than
    it needs; None when undecided (the caller then parses the whole document).

    "unknown" means the top level was read and names no specification (or is not a mapping).
    """
    reader = _Stream(stream)
    if not reader.more():
        return "unknown"
    if reader.data.startswith(_BOM):
        reader.pos = len(_BOM)
    elif b"\x00" in reader.data[:4]:  # UTF-16 or UTF-32 text
        return None
    try:
        return _sniff(reader)
    except _Undecided:
        return None


def _sniff(reader: _Stream) -> Kind:
    while True:
        line = reader.line()
        if line is None:
            return "unknown"  # an empty document
        content = line.lstrip(b" ")
        indent = len(line) - len(content)
        if not content.strip() or content.startswith(b"#") or (indent == 0 and content.startswith(b"%")):
            continue  # blank, comment, directive
        if indent == 0 and _DOCUMENT_MARK.match(content):
            rest = content[3:].lstrip()
            if not rest.strip() or rest.startswith(b"#"):
                continue
            if content.startswith(b"...") or not rest.startswith(b"{"):
                raise _Undecided  # `--- !tag`, `--- text`: rare enough to leave to the parser
            content, indent = rest, len(line) - len(rest)
        if content.startswith(b"{"):
            reader.pos = reader.line_start + indent + 1
            return _flow_mapping(reader)
        if content.startswith((b"[", b"- ", b"-\t")) or content.rstrip() == b"-":
            return "unknown"  # a sequence
        if not _KEY_LINE.match(content):
            raise _Undecided  # a scalar, a multi-line key, an anchor or tag...
        found = _SPEC_KEY_AT.match(content)
        if found:
            return _KINDS[found.group(2)]
        return _block_mapping(reader, indent)


def _block_mapping(reader: _Stream, indent: int) -> Kind:
    """The rest of a block mapping whose keys sit at ``indent``: lines with that indentation."""
    pattern = re.compile(rb"^(?:" + b" " * indent + _SPEC_KEY + rb"|" + _DOCUMENT_END + rb")", re.M)
    while True:
        end = len(reader.data) if reader.eof else reader.data.rfind(b"\n") + 1
        found = pattern.search(reader.data, reader.pos, end) if end > reader.pos else None
        if found:
            return _KINDS[found.group(2)] if found.group(2) else "unknown"
        reader.pos = max(reader.pos, end)
        if not reader.more():
            if reader.pos < len(reader.data):
                continue  # the last line, without a newline
            return "unknown"


def _flow_mapping(reader: _Stream) -> Kind:
    """The keys of a flow mapping (JSON, or YAML ``{...}``) whose ``{`` is just before ``pos``."""
    while True:
        byte = _skip_space(reader)
        if byte == b"}":
            return "unknown"
        if byte == b",":
            reader.pos += 1
            continue
        key = _flow_key(reader, byte)
        kind = _KINDS.get(key)
        if kind is not None:
            return kind
        if _skip_space(reader) == b":":
            reader.pos += 1
            _skip_value(reader)


def _skip_space(reader: _Stream) -> bytes:
    """The next byte that is not white space (raises _Undecided at the end of the stream)."""
    while True:
        data = reader.data
        while reader.pos < len(data) and data[reader.pos] in b" \t\r\n":
            reader.pos += 1
        if reader.pos < len(data):
            return data[reader.pos : reader.pos + 1]
        if not reader.more():
            raise _Undecided  # an unfinished mapping: the parser will say where


def _match(reader: _Stream, pattern: re.Pattern[bytes]) -> re.Match[bytes]:
    """``pattern`` at ``pos``, reading more while the match could run past what is read."""
    while True:
        found = pattern.match(reader.data, reader.pos)
        if found is not None and (found.end() < len(reader.data) or reader.eof):
            return found
        if not reader.more():
            if found is None:
                raise _Undecided
            return found


def _flow_key(reader: _Stream, byte: bytes) -> bytes:
    if byte == b'"':
        found = _match(reader, _DOUBLE)
    elif byte == b"'":
        found = _match(reader, _SINGLE)
    elif byte in b"?&!*[{":
        raise _Undecided
    else:
        found = _match(reader, _PLAIN_KEY)
        reader.pos = found.end()
        key = found.group().strip()
        if not key:
            raise _Undecided  # not a key at all: let the parser say what is wrong
        return key
    reader.pos = found.end()
    return found.group(1)


def _skip_value(reader: _Stream) -> None:
    """Move past one flow value: to the ``,`` or ``}`` that ends it at depth 0."""
    depth = 0
    while True:
        found = _FLOW_STOP.search(reader.data, reader.pos)
        if found is None:
            reader.pos = len(reader.data)
            if not reader.more():
                raise _Undecided
            continue
        byte = found.group()
        reader.pos = found.start()
        if byte == b'"' or (byte == b"'" and _starts_scalar(reader.data, reader.pos)):
            quoted = _match(reader, _DOUBLE if byte == b'"' else _SINGLE)
            reader.pos = quoted.end()
        elif byte in b"{[":
            depth += 1
            reader.pos += 1
        elif byte in b"}]" and depth:
            depth -= 1
            reader.pos += 1
        elif byte == b"'":
            reader.pos += 1  # an apostrophe inside a plain scalar
        else:  # ',' or the '}' closing the mapping, at depth 0
            if depth and byte == b",":
                reader.pos += 1
                continue
            return


def _starts_scalar(data: bytes, index: int) -> bool:
    """Whether the quote at ``index`` opens a quoted scalar (follows an indicator, not text)."""
    index -= 1
    while index >= 0 and data[index] in b" \t\r\n":
        index -= 1
    return index < 0 or data[index : index + 1] in (b"{", b"[", b",", b":")


def detect_file(path: str) -> Kind:
    """The kind of the file at ``path``: :func:`sniff`, or a full parse when it is undecided
    (a file that does not parse is "unknown").  Raises OSError when the file cannot be read."""
    with open(path, "rb") as handle:
        kind = sniff(handle)
    if kind is not None:
        return kind
    from ..errors import ArazzoError
    from .files import read_file

    try:
        data = read_file(path).data
    except ArazzoError:
        return "unknown"
    if not isinstance(data, dict):
        return "unknown"
    return next((kind for key, kind in _KINDS.items() if key.decode() in data), "unknown")


@dataclass(frozen=True)
class Found:
    """What a directory walk found: the Arazzo documents, and the other YAML/JSON files."""

    documents: tuple[str, ...]
    skipped: tuple[str, ...]

    def none_found(self) -> str:
        """Why a walk that found no document found none, for the message that says so."""
        looked = len(self.skipped)
        if not looked:
            return "no .yaml, .yml or .json file"
        return f"{looked} YAML/JSON file{'s' if looked != 1 else ''} looked at, none of them an Arazzo document"


def find_documents(directory: str) -> Found:
    """The Arazzo documents below ``directory`` (recursively, in name order), by their content.

    Looks at ``*.yaml``, ``*.yml`` and ``*.json`` files; skips hidden directories and
    ``node_modules``, ``__pycache__`` and ``venv``.  Files that cannot be read, and YAML/JSON
    files of another kind (OpenAPI descriptions, configuration), are listed as skipped.
    """
    documents: list[str] = []
    skipped: list[str] = []
    for root, directories, files in os.walk(directory):
        directories[:] = sorted(d for d in directories if not d.startswith(".") and d not in SKIPPED_DIRECTORIES)
        for name in sorted(files):
            if not name.lower().endswith(SUFFIXES):
                continue
            path = os.path.join(root, name)
            try:
                kind = detect_file(path) if os.path.isfile(path) else "unknown"
            except OSError:
                kind = "unknown"
            (documents if kind == "arazzo" else skipped).append(path)
    return Found(tuple(documents), tuple(skipped))
