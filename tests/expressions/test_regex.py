"""ECMA-262 regex conditions on Python's re: translation, text form, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_runner.errors import ExpressionError
from arazzo_runner.expressions.regex import compile_ecma, regex_search, to_text
from arazzo_runner.missing import MISSING

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "regex.yaml").read_text(encoding="utf-8"))


def cases(section: str) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("case", CASES[section], ids=[case["id"] for case in CASES[section]])


@cases("search")
def test_search(case: dict[str, Any]) -> None:
    assert regex_search(case["value"], case["pattern"]) is case["expected"]


@cases("errors")
def test_untranslatable_patterns_raise_with_offset(case: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError) as raised:
        compile_ecma(case["pattern"])
    assert case["words"] in raised.value.message
    assert raised.value.offset == case["offset"]


@cases("text")
def test_to_text(case: dict[str, Any]) -> None:
    assert to_text(case["value"]) == case["expected"]


def test_bytes_are_decoded_as_utf8() -> None:
    assert to_text("é".encode()) == "é"
    assert regex_search(b"HTTP/1.1 200", r"\b200$")


def test_bytes_that_are_not_utf8_raise() -> None:
    with pytest.raises(ExpressionError, match="not UTF-8"):
        to_text(b"\xff\xfe")


@pytest.mark.parametrize(("value", "words"), [(None, "the context is null"), (MISSING, "the context is missing")])
def test_null_or_missing_context_raises(value: Any, words: str) -> None:
    with pytest.raises(ExpressionError, match=words):
        regex_search(value, ".*")


def test_compiled_patterns_are_cached() -> None:
    assert compile_ecma(r"^\d+$") is compile_ecma(r"^\d+$")


def test_translation_spells_ecma_meanings() -> None:
    """The translated text shows the choices: end of input, line terminators, named groups."""
    assert compile_ecma("^a.$").pattern == "^a[^\\n\\r\\u2028\\u2029]\\Z"
    assert compile_ecma(r"(?<n>x)\k<n>").pattern == "(?P<n>x)(?(n)(?P=n))"


def test_backreference_inside_repeated_group_keeps_python_meaning() -> None:
    """The documented difference: ECMA clears captures at each repetition, re keeps them."""
    match = compile_ecma(r"(?:(a)|b\1)+").search("ab")
    assert match is not None and match.group() == "a"  # ECMA would match "ab"
