"""INPUTS.jsonl, line by line: ids, inputs, skipped blank lines, and the lines that cannot
be a run (each an error item at its line, the others unaffected)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from arazzo_runner.batch import BatchItem, check_ids, item_from_value, read_inputs
from arazzo_runner.errors import UsageError


def items(tmp_path: Path, text: bytes) -> list[BatchItem]:
    path = tmp_path / "in.jsonl"
    path.write_bytes(text)
    return list(read_inputs(str(path)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # (id, inputs, line) of each item, in file order
        (b'{"a": 1}\n{"a": 2}\n', [("1", {"a": 1}, 1), ("2", {"a": 2}, 2)]),
        (b'{"id": "acme", "a": 1}\n{"a": 2, "id": "zeta"}\n', [("acme", {"a": 1}, 1), ("zeta", {"a": 2}, 2)]),
        # blank lines are skipped and still counted
        (b'\n{"a": 1}\n   \n\n{"a": 2}\n', [("2", {"a": 1}, 2), ("5", {"a": 2}, 5)]),
        # no newline at the end, CRLF line ends, a UTF-8 BOM
        (b'{"a": 1}\r\n{"a": "\xc3\xa9"}', [("1", {"a": 1}, 1), ("2", {"a": "é"}, 2)]),
        (b'\xef\xbb\xbf{"id": "x"}\n', [("x", {}, 1)]),
        # an id mixed with line numbers, and nested values kept as they are
        (b'{"id": "7"}\n{"n": null, "o": {"id": 1}}\n', [("7", {}, 1), ("2", {"n": None, "o": {"id": 1}}, 2)]),
    ],
)
def test_ids_inputs_and_line_numbers(tmp_path: Path, text: bytes, expected: list[tuple[str, Any, int]]) -> None:
    found = items(tmp_path, text)
    assert [(item.id, dict(item.inputs), item.line) for item in found] == expected
    assert all(item.error is None for item in found)


@pytest.mark.parametrize(
    ("line", "message", "column"),
    [
        (b"{bad", "line 2 is not JSON: Expecting property name enclosed in double quotes", 2),
        (b'{"a": 1', "line 2 is not JSON: Expecting ',' delimiter", 8),
        (b"[1, 2]", "line 2 is not a JSON object but an array", 1),
        (b'"text"', "line 2 is not a JSON object but a string", 1),
        (b"3", "line 2 is not a JSON object but a number", 1),
        (b"null", "line 2 is not a JSON object but null", 1),
        (b'{"id": 5}', "line 2: the id must be a non-empty string, not 5", 1),
        (b'{"id": ""}', 'line 2: the id must be a non-empty string, not ""', 1),
        (b'{"id": null, "a": 1}', "line 2: the id must be a non-empty string, not null", 1),
        (b'{"a": NaN}', "line 2 is not JSON: NaN is not a JSON value", 1),
        (b'{"a": "\xff"}', "line 2 is not UTF-8 (invalid start byte)", 8),
    ],
)
def test_a_line_that_cannot_be_a_run_is_an_error_item(tmp_path: Path, line: bytes, message: str, column: int) -> None:
    first, bad, last = items(tmp_path, b'{"id": "a"}\n' + line + b'\n{"id": "c"}\n')
    assert (first.id, first.error, last.id, last.error) == ("a", None, "c", None)
    assert (bad.id, bad.line, dict(bad.inputs)) == ("2", 2, {})
    assert bad.error is not None
    assert bad.error.to_dict() == {
        "type": "inputs",
        "message": message,
        "stepId": None,
        "file": str(tmp_path / "in.jsonl"),
        "line": 2,
        "column": column,
    }


def test_reading_is_lazy(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"a": 1}\n' * 3)
    lines = read_inputs(str(path))
    assert next(lines).id == "1"
    with path.open("a") as handle:  # what is appended after the first line was read still comes
        handle.write('{"id": "late"}\n')
    assert [item.id for item in lines] == ["2", "3", "late"]


def test_a_missing_file_raises_oserror_on_first_read(tmp_path: Path) -> None:
    lines = read_inputs(str(tmp_path / "nope.jsonl"))  # nothing is opened yet
    with pytest.raises(FileNotFoundError):
        next(lines)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"a": 1}, ("3", {"a": 1}, None)),
        ({"id": "x", "a": 1}, ("x", {"a": 1}, None)),
        ([1], ("3", {}, "item 3 is not a JSON object but an array")),
        ({"id": 1}, ("3", {}, "item 3: the id must be a non-empty string, not 1")),
    ],
)
def test_values_given_in_python_follow_the_same_rule(value: Any, expected: tuple[str, Any, str | None]) -> None:
    item = item_from_value(value, 3)
    assert (item.id, dict(item.inputs), item.error.message if item.error else None) == expected
    assert item.line is None and (item.error is None or item.error.location is None)


def test_check_ids_counts_and_skips(tmp_path: Path) -> None:
    found = items(tmp_path, b'{"id": "a"}\n{"b": 1}\n[1]\n{"id": "d"}\n')
    scan = check_ids(found, {"a": "succeeded", "x": "failed"})
    assert (scan.total, scan.skipped, scan.skipped_ids) == (3, 1, frozenset({"a"}))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b'{"id": "a"}\n{}\n{"id": "a"}\n', "--batch in.jsonl: the id 'a' is on lines 1 and 3"),
        # an explicit id that is another line's number
        (b'{}\n{"id": "1"}\n', "--batch in.jsonl: the id '1' is on lines 1 and 2"),
        # a line that is an error item has its line number as id
        (b'{"id": "2"}\n[1]\n', "--batch in.jsonl: the id '2' is on lines 1 and 2"),
    ],
)
def test_a_duplicate_id_is_a_usage_error(tmp_path: Path, text: bytes, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        check_ids(items(tmp_path, text), option="--batch in.jsonl")
    assert str(raised.value) == message + "; ids must be unique (resume finds runs by id)"
