"""JSONPath: RFC 9535 and draft-goessner-dispatch-jsonpath-00, side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_runner.errors import ExpressionError
from arazzo_runner.expressions.jsonpath import GOESSNER, RFC9535, compile_jsonpath, json_data, jsonpath_nodes
from arazzo_runner.missing import MISSING

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "jsonpath.yaml").read_text(encoding="utf-8"))
VERSIONS = {"rfc9535": RFC9535, "goessner": GOESSNER}


def cases(section: str) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("case", CASES[section], ids=[case["id"] for case in CASES[section]])


def context_of(case: dict[str, Any]) -> Any:
    return CASES["documents"][case["doc"]] if "doc" in case else case["data"]


@cases("queries")
def test_rfc9535_queries(case: dict[str, Any]) -> None:
    assert jsonpath_nodes(context_of(case), case["query"]) == case["expected"]


@cases("versions")
@pytest.mark.parametrize("version", ["rfc9535", "goessner"])
def test_rfc9535_and_goessner(case: dict[str, Any], version: str) -> None:
    expected = case[version]
    if isinstance(expected, dict):
        with pytest.raises(ExpressionError) as raised:
            jsonpath_nodes(context_of(case), case["query"], VERSIONS[version])
        assert expected["error"] in raised.value.message
    else:
        assert jsonpath_nodes(context_of(case), case["query"], VERSIONS[version]) == expected


@cases("errors")
def test_syntax_errors_carry_offsets(case: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError) as raised:
        compile_jsonpath(case["query"], VERSIONS[case.get("version", "rfc9535")])
    assert case["words"] in raised.value.message
    assert raised.value.offset == case["offset"]


def test_unknown_version_lists_the_allowed_ones() -> None:
    with pytest.raises(ExpressionError) as raised:
        compile_jsonpath("$", "jsonpath-2")
    assert raised.value.message == (
        "unknown JSONPath version 'jsonpath-2' (allowed: rfc9535, draft-goessner-dispatch-jsonpath-00)"
    )


@pytest.mark.parametrize(("value", "words"), [(None, "the context is null"), (MISSING, "the context is missing")])
def test_null_or_missing_context_raises(value: Any, words: str) -> None:
    with pytest.raises(ExpressionError, match=words):
        jsonpath_nodes(value, "$")


def test_text_that_is_not_json_raises() -> None:
    with pytest.raises(ExpressionError, match="JSONPath needs JSON data"):
        jsonpath_nodes("<a/>", "$")


def test_json_bytes_are_parsed() -> None:
    assert jsonpath_nodes(b'{"pets": [{"id": 1}]}', "$.pets[?@.id == 1].id") == [1]


def test_compiled_queries_are_cached() -> None:
    assert compile_jsonpath("$.a", RFC9535) is compile_jsonpath("$.a", RFC9535)
    assert compile_jsonpath("$.a", GOESSNER) is not compile_jsonpath("$.a", RFC9535)


def test_json_data_keeps_structured_values() -> None:
    value = {"a": [1]}
    assert json_data(value) is value
