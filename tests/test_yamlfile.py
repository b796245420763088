"""The YAML/JSON reader: YAML 1.2 data, located errors, positions of pointers, bombs refused."""

from __future__ import annotations

import math

import pytest

from arazzo_runner.errors import ArazzoError, DocumentError
from arazzo_runner.loading import yamlfile
from arazzo_runner.loading.yamlfile import parse

# (id, YAML text, expected data): YAML 1.1 surprises read as YAML 1.2 JSON-compatible data
DATA_CASES = [
    (
        "yes-no-on-off-are-strings",
        "a: yes\nb: no\nc: on\nd: off\ne: y\n",
        {"a": "yes", "b": "no", "c": "on", "d": "off", "e": "y"},
    ),
    ("booleans", "a: true\nb: False\nc: TRUE\n", {"a": True, "b": False, "c": True}),
    ("nulls", "a: ~\nb: null\nc:\nd: NULL\n", {"a": None, "b": None, "c": None, "d": None}),
    (
        "dates-stay-strings",
        "a: 2001-12-14\nb: 2001-12-14t21:59:43.10-05:00\n",
        {"a": "2001-12-14", "b": "2001-12-14t21:59:43.10-05:00"},
    ),
    ("version-like-strings", "a: 1.0.1\nb: 1.0\n", {"a": "1.0.1", "b": 1.0}),
    ("integers", "a: 10\nb: -3\nc: 0o17\nd: 0x1F\ne: 010\n", {"a": 10, "b": -3, "c": 15, "d": 31, "e": 10}),
    ("yaml11-only-numbers-are-strings", "a: 1_000\nb: 0b101\nc: 1:20\n", {"a": "1_000", "b": "0b101", "c": "1:20"}),
    ("floats", "a: 1.5\nb: -2e3\nc: .5\n", {"a": 1.5, "b": -2000.0, "c": 0.5}),
    ("keys-are-text", "200: ok\n1.0: x\ntrue: y\nnull: z\n", {"200": "ok", "1.0": "x", "true": "y", "null": "z"}),
    ("quoted-stay-strings", "a: 'true'\nb: \"10\"\nc: '~'\n", {"a": "true", "b": "10", "c": "~"}),
    (
        "explicit-tags",
        "a: !!str yes\nb: !!int '5'\nc: !!float 3\nd: !!bool true\n",
        {"a": "yes", "b": 5, "c": 3.0, "d": True},
    ),
    (
        "merge-key",
        "base: &b {x: 1, y: 1}\nchild:\n  <<: *b\n  y: 2\n",
        {"base": {"x": 1, "y": 1}, "child": {"x": 1, "y": 2}},
    ),
    ("alias-shares", "a: &x [1, 2]\nb: *x\n", {"a": [1, 2], "b": [1, 2]}),
    ("unicode", "name: caf\u00e9 \u2713\n", {"name": "caf\u00e9 \u2713"}),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in DATA_CASES], ids=[c[0] for c in DATA_CASES])
def test_yaml_reads_as_json_compatible_data(text: str, expected: object) -> None:
    assert parse(text.encode(), "case.yaml").data == expected


def test_special_floats() -> None:
    data = parse(b"a: .inf\nb: -.Inf\nc: .nan\n", "f.yaml").data
    assert data["a"] == math.inf and data["b"] == -math.inf and math.isnan(data["c"])


# (id, file name, content, line, column, words the message must contain)
ERROR_CASES = [
    ("yaml-duplicate-key", "d.yaml", "a: 1\nb: 2\na: 3\n", 3, 1, ["duplicate key 'a'", "line 1"]),
    ("yaml-duplicate-nested", "d.yaml", "top:\n  x: 1\n  y: 2\n  x: 3\n", 4, 3, ["duplicate key 'x'"]),
    ("yaml-duplicate-quoted-vs-plain", "d.yaml", "200: a\n'200': b\n", 2, 1, ["duplicate key '200'"]),
    ("yaml-collection-key", "k.yaml", "ok: 1\n? [a, b]\n: 2\n", 2, 3, ["keys must be strings"]),
    ("yaml-int-tagged-key", "k.yaml", "a: 1\n!!int 3: x\n", 2, 1, ["keys must be strings"]),
    ("yaml-custom-tag", "t.yaml", "a:\n  b: !Ref foo\n", 2, 6, ["tag '!Ref' is not allowed"]),
    ("yaml-syntax", "s.yaml", "a: [1, 2\nb: 3\n", 2, 2, ["YAML syntax error"]),
    ("yaml-bad-indent", "s.yaml", "a:\n  b: 1\n c: 2\n", 3, 2, ["YAML syntax error"]),
    ("yaml-tab", "s.yaml", "a:\n\tb: 1\n", 2, 1, ["YAML syntax error"]),
    ("yaml-empty", "e.yaml", "", 1, 1, ["empty"]),
    ("yaml-two-documents", "m.yaml", "a: 1\n---\nb: 2\n", 2, 1, ["single document"]),
    ("yaml-bad-int-tag", "i.yaml", "a: !!int abc\n", 1, 4, ["not a valid !!int"]),
    ("json-duplicate", "d.json", '{"a": 1,\n  "b": {"c": 1, "c": 2}}', 2, 17, ["duplicate key 'c'"]),
    ("json-syntax", "s.json", '{"a": 1,\n "b": }', 2, 7, ["JSON syntax error"]),
    ("json-trailing-comma", "s.json", '{"a": [1, 2,]}', 1, 13, ["JSON syntax error"]),
    ("json-deep", "deep.json", "[" * 100_000 + "]" * 100_000, 1, 1, ["nests too deeply"]),
    ("yaml-deep", "deep.yaml", "- " * 600 + "x\n", 1, 801, ["nests deeper than"]),
]


@pytest.mark.parametrize(
    "name, content, line, column, words", [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
def test_errors_are_located(name: str, content: str, line: int, column: int, words: list) -> None:
    with pytest.raises(DocumentError) as caught:
        parse(content.encode(), name)
    error = caught.value
    assert (error.location.file, error.location.line, error.location.column) == (name, line, column)
    for word in words:
        assert word in error.message
    assert str(error).startswith(f"{name}:{line}:{column}: ")


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    with pytest.raises(DocumentError, match="alias bomb"):
        parse("\n".join(lines).encode(), "bomb.yaml")


def test_oversized_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlfile, "MAX_BYTES", 100)
    with pytest.raises(DocumentError, match="over the 100-byte limit"):
        parse(b"a: " + b"x" * 200, "big.yaml")


POSITION_YAML = b"""\
openapi: 3.1.0
paths:
  /pets/{id}:
    get:
      operationId: getPet
      tags: [a, b]
  "a~b":
    x: 1
list:
  - first
  - name: second
    value: 2
"""

POSITION_CASES = [
    ("", False, (1, 1)),
    ("/openapi", False, (1, 10)),
    ("/openapi", True, (1, 1)),
    ("/paths/~1pets~1{id}/get/operationId", False, (5, 20)),
    ("/paths/~1pets~1{id}/get/operationId", True, (5, 7)),
    ("/paths/~1pets~1{id}/get/tags/1", False, (6, 17)),
    ("/paths/a~0b/x", False, (8, 8)),
    ("/list/1/value", False, (12, 12)),
    ("/list/0", False, (10, 5)),
    ("/list/7", False, (10, 3)),  # nothing there: the deepest value reached
    ("/paths/missing/deeper", False, (3, 3)),
]


@pytest.mark.parametrize(
    "pointer, key, expected", POSITION_CASES, ids=[f"{c[0] or 'root'}-{c[1]}" for c in POSITION_CASES]
)
def test_yaml_positions(pointer: str, key: bool, expected: tuple) -> None:
    assert parse(POSITION_YAML, "p.yaml").position(pointer, key=key) == expected


def test_yaml_positions_after_the_node_tree_was_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlfile, "KEEP_NODES_BELOW", 0)
    parsed = parse(POSITION_YAML, "p.yaml")
    assert parsed.position("/list/1/value") == (12, 12)


POSITION_JSON = b"""{
  "openapi": "3.1.0",
  "paths": {"/pets/{id}": {"get": {"operationId": "getPet", "tags": ["a", "b"]}}},
  "list": [
    "first",
    {"name": "second, \\"tricky\\" {", "value": 2}
  ]
}"""

JSON_POSITION_CASES = [
    ("", False, (1, 1)),
    ("/openapi", False, (2, 14)),
    ("/openapi", True, (2, 3)),
    ("/paths/~1pets~1{id}/get/operationId", False, (3, 51)),
    ("/paths/~1pets~1{id}/get/tags/1", False, (3, 75)),
    ("/list/1/value", False, (6, 47)),
    ("/list/1/value", True, (6, 38)),
    ("/list/9", False, (4, 11)),
]


@pytest.mark.parametrize(
    "pointer, key, expected", JSON_POSITION_CASES, ids=[f"{c[0] or 'root'}-{c[1]}" for c in JSON_POSITION_CASES]
)
def test_json_positions(pointer: str, key: bool, expected: tuple) -> None:
    assert parse(POSITION_JSON, "p.json").position(pointer, key=key) == expected


def test_location_resolves_lazily() -> None:
    parsed = parse(POSITION_YAML, "p.yaml")
    location = parsed.location("/paths/~1pets~1{id}/get")
    assert (location.file, location.line, location.column, location.pointer) == (
        "p.yaml",
        5,
        7,
        "/paths/~1pets~1{id}/get",
    )
    child = location.child("tags", 0)
    assert child.pointer == "/paths/~1pets~1{id}/get/tags/0"
    assert (child.line, child.column) == (6, 14)
    assert str(child) == "p.yaml:6:14"


def test_json_escapes_a_yaml_parser_rejects() -> None:
    # "\/" is a valid JSON escape; some real files use it and YAML parsers refuse it
    assert parse(b'{"a": "x\\/y", "b": "\\ud83d\\ude00"}', "e.json").data == {"a": "x/y", "b": "\U0001f600"}


def test_every_error_is_an_arazzo_error() -> None:
    with pytest.raises(ArazzoError):
        parse(b"\xff\xfe\x00garbage\x00", "bin.json")
