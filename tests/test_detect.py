"""Telling an Arazzo document from an OpenAPI file by its first bytes (loading/detect.py)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Optional

import pytest

from arazzo_runner.loading import detect
from arazzo_runner.loading.detect import detect_file, find_documents, sniff

# (name, content, kind; None: undecided, the caller parses)
CASES: list[tuple[str, bytes, Optional[str]]] = [
    ("block-arazzo-first", b"arazzo: 1.0.1\ninfo: {title: t, version: '1'}\n", "arazzo"),
    ("block-openapi", b"openapi: 3.1.0\ninfo: {title: t}\npaths: {}\n", "openapi"),
    ("swagger-is-openapi", b"swagger: '2.0'\ninfo: {title: t}\n", "openapi"),
    ("asyncapi-quoted-key", b'"asyncapi" : 2.6.0\nchannels: {}\n', "asyncapi"),
    ("single-quoted-key", b"'arazzo': 1.1.0\n", "arazzo"),
    (
        "bom-comments-directive-marker",
        b"\xef\xbb\xbf# a comment\n%YAML 1.2\n---\n\ninfo:\n  title: t\narazzo: 1.0.0\n",
        "arazzo",
    ),
    ("crlf", b"info:\r\n  title: t\r\nopenapi: 3.0.3\r\n", "openapi"),
    ("nested-key-does-not-count", b"info:\n  arazzo: 1.0.0\n  openapi: 3\npaths: {}\n", "unknown"),
    ("block-scalar-text-does-not-count", b"info:\n  description: |\n    arazzo: 1.0.0\nopenapi: 3.1.0\n", "openapi"),
    ("commented-out-key", b"# arazzo: 1.0.0\ninfo: {}\n#openapi: 3\n", "unknown"),
    ("indented-top-level", b"  info: {}\n  arazzo: 1.0.1\n", "arazzo"),
    ("first-document-only", b"info: {}\n---\narazzo: 1.0.0\n", "unknown"),
    ("last-line-without-newline", b"info: {}\narazzo: 1.0.0", "arazzo"),
    ("json-arazzo-after-info", b'{"info": {"title": "a,}\\"b", "x": [1, {"arazzo": 2}]}, "arazzo": "1.0.1"}', "arazzo"),
    ("json-openapi", b'{\n  "openapi": "3.0.0",\n  "paths": {}\n}\n', "openapi"),
    ("json-arazzo-key-last", b'{"name": "pkg", "version": "1.0.0", "arazzo": null}', "arazzo"),
    ("json-other", b'{"name": "pkg", "dependencies": {"openapi": "1"}}', "unknown"),
    ("flow-yaml", b"--- {info: {title: don't}, 'arazzo': 1.0.0}", "arazzo"),
    ("flow-yaml-plain-keys", b"{info: {}, openapi: 3.1.0}", "openapi"),
    ("block-sequence", b"- arazzo: 1.0.0\n", "unknown"),
    ("flow-sequence", b'[{"arazzo": "1.0.0"}]', "unknown"),
    ("empty", b"", "unknown"),
    ("only-comments", b"# nothing\n\n", "unknown"),
    ("scalar", b"just some text\n", None),
    ("explicit-key", b"? arazzo\n: 1.0.0\n", None),
    ("anchor-on-key", b"&a arazzo: 1.0.0\n", None),
    ("unfinished-json", b'{"info": {}', None),
    ("utf-16", "arazzo: 1.0.0\n".encode("utf-16"), None),
]


class Counting(io.RawIOBase):
    """A binary stream that counts the bytes it hands out, at most ``step`` per read."""

    def __init__(self, data: bytes, step: Optional[int] = None) -> None:
        self.data = data
        self.offset = 0
        self.step = step
        self.reads = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            size = len(self.data)
        if self.step is not None:
            size = min(size, self.step)
        chunk = self.data[self.offset : self.offset + size]
        self.offset += len(chunk)
        self.reads += 1
        return chunk


@pytest.mark.parametrize(("content", "kind"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_sniff(content: bytes, kind: Optional[str]) -> None:
    assert sniff(io.BytesIO(content)) == kind


@pytest.mark.parametrize(("content", "kind"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_sniff_does_not_depend_on_where_reads_end(content: bytes, kind: Optional[str]) -> None:
    # a pipe or a slow disk hands out a few bytes at a time: every boundary falls mid-token
    assert sniff(Counting(content, step=3)) == kind


def test_a_string_across_the_first_chunk_is_read_whole() -> None:
    # the '{' and the '"arazzo"' inside the description must not count, wherever the read ends
    padding = "x" * (detect.FIRST_CHUNK - 30)
    content = json.dumps({"info": {"description": f'{padding} {{"arazzo": 1'}, "openapi": "3.1.0"})
    assert sniff(io.BytesIO(content.encode())) == "openapi"


def big_openapi(at_end: bool = False, size: int = 3_000_000) -> bytes:
    """A block-YAML OpenAPI description of about ``size`` bytes, its ``openapi`` key first (or last)."""
    parts = ["info: {title: big, version: '1'}\n", "paths:\n"]
    written = 0
    number = 0
    while written < size:
        item = (
            f"  /things/{number}:\n    get:\n      operationId: getThing{number}\n"
            f"      description: {'lorem ipsum ' * 20}\n      responses:\n        '200': {{description: ok}}\n"
        )
        parts.append(item)
        written += len(item)
        number += 1
    key = "openapi: 3.1.0\n"
    return ("".join(parts) + key if at_end else key + "".join(parts)).encode()


def test_a_large_openapi_file_is_told_from_its_first_bytes() -> None:
    content = big_openapi()
    assert len(content) > 3_000_000
    stream = Counting(content)
    assert sniff(stream) == "openapi"
    assert stream.offset == detect.FIRST_CHUNK  # one small read of 3 MB
    assert stream.reads == 1


def test_a_spec_key_after_a_large_value_is_still_found() -> None:
    stream = Counting(big_openapi(at_end=True))
    assert sniff(stream) == "openapi"
    assert stream.offset == len(stream.data)


def test_a_large_json_document_is_walked_key_by_key() -> None:
    paths = {f"/things/{n}": {"get": {"operationId": f"get{n}", "description": "{[" * 10}} for n in range(5000)}
    content = json.dumps({"info": {"title": "big"}, "paths": paths, "asyncapi": "3.0.0"}).encode()
    assert sniff(io.BytesIO(content)) == "asyncapi"


def test_detect_file_parses_what_sniff_cannot_decide(tmp_path: Path) -> None:
    explicit = tmp_path / "explicit.yaml"
    explicit.write_text("? arazzo\n: 1.0.0\ninfo: {title: t}\n")
    broken = tmp_path / "broken.yaml"
    broken.write_text("just: [text\n")
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just some text\n")
    assert [detect_file(str(p)) for p in (explicit, broken, scalar)] == ["arazzo", "unknown", "unknown"]
    with pytest.raises(OSError):
        detect_file(str(tmp_path / "missing.yaml"))


def test_find_documents_walks_by_content(tmp_path: Path) -> None:
    files = {
        "b/second.yml": "arazzo: 1.0.1\n",
        "a/first.json": '{"info": {}, "arazzo": "1.0.1"}',
        "a/api.yaml": "openapi: 3.1.0\n",
        "a/config.yaml": "name: x\n",
        "top.YAML": "arazzo: 1.1.0\n",
        "notes.txt": "arazzo: 1.0.1\n",
        ".hidden/w.yaml": "arazzo: 1.0.1\n",
        "node_modules/pkg/w.yaml": "arazzo: 1.0.1\n",
        "__pycache__/w.yaml": "arazzo: 1.0.1\n",
        ".venv/lib/w.yaml": "arazzo: 1.0.1\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    found = find_documents(str(tmp_path))
    relative = [[str(Path(p).relative_to(tmp_path)) for p in group] for group in (found.documents, found.skipped)]
    assert relative == [["top.YAML", "a/first.json", "b/second.yml"], ["a/api.yaml", "a/config.yaml"]]
