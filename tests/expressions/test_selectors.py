"""Selector Objects (JSONPath, XPath, JSON Pointer) and the JSON pointer walk."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_runner.errors import ExpressionError
from arazzo_runner.expressions.selectors import expression_type, resolve_pointer, select
from arazzo_runner.missing import MISSING
from arazzo_runner.model import CriterionExpressionType

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "selectors.yaml").read_text(encoding="utf-8"))
DOCUMENTS = CASES["documents"]


def cases(section: str) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("case", CASES[section], ids=[case["id"] for case in CASES[section]])


def context_of(case: dict[str, Any]) -> Any:
    if "doc" in case:
        return DOCUMENTS[case["doc"]]
    return case.get("context", case.get("data", DOCUMENTS["json"]))


def expected_of(case: dict[str, Any]) -> Any:
    return MISSING if case.get("missing") else case["expected"]


@cases("pointers")
def test_resolve_pointer(case: dict[str, Any]) -> None:
    result = resolve_pointer(context_of(case), case["pointer"])
    expected = expected_of(case)
    assert result is expected if expected is MISSING or expected is None else result == expected


@cases("pointer_errors")
def test_malformed_pointers_raise(case: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError) as raised:
        resolve_pointer(DOCUMENTS["json"], case["pointer"])
    assert case["words"] in raised.value.message


@cases("select")
def test_select(case: dict[str, Any]) -> None:
    result = select(context_of(case), case["selector"], case["type"])
    expected = expected_of(case)
    assert result is expected if expected is MISSING or expected is None else result == expected


@cases("select_errors")
def test_select_errors(case: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError) as raised:
        select(context_of(case), case["selector"], case["type"])
    assert case["words"] in raised.value.message


def test_resolve_pointer_walks_other_mappings_and_sequences() -> None:
    value = OrderedDict(a=(1, OrderedDict(b="x")))
    assert resolve_pointer(value, "/a/1/b") == "x"
    assert resolve_pointer({"s": "text"}, "/s/0") is MISSING  # strings are not arrays
    assert resolve_pointer([1, 2], "/\u0661") is MISSING  # only ASCII digits index


def test_model_expression_type_object_is_accepted() -> None:
    kind = CriterionExpressionType(type="xpath", version="xpath-10")
    assert expression_type(kind) == ("xpath", "xpath-10")
    assert select(DOCUMENTS["xml"], "count(//item)", kind) == 2


def test_default_versions_apply_to_type_names() -> None:
    goessner = "draft-goessner-dispatch-jsonpath-00"
    assert expression_type("jsonpath") == ("jsonpath", "rfc9535")
    assert expression_type("jsonpath", jsonpath_version=goessner) == ("jsonpath", goessner)
    assert expression_type("xpath", xpath_version="xpath-20") == ("xpath", "xpath-20")
    assert select(DOCUMENTS["json"], "$.list.length", "jsonpath", jsonpath_version=goessner) == 3


@pytest.mark.parametrize(("value", "words"), [(None, "the context is null"), (MISSING, "the context is missing")])
@pytest.mark.parametrize("kind", ["jsonpath", "xpath", "jsonpointer"])
def test_null_or_missing_context_raises(kind: str, value: Any, words: str) -> None:
    with pytest.raises(ExpressionError, match=words):
        select(value, "$" if kind == "jsonpath" else "/a", kind)
