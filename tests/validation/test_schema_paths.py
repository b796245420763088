"""The schema walk behind `message-pointer`: it reports a pointer only when the schema clearly
cannot have it, and says where and what the schema lists there."""

from __future__ import annotations

from typing import Any, Optional

import pytest

from arazzo_runner.validation.schema_paths import SchemaPaths

DEFINITIONS: dict[str, Any] = {
    "#/Closed": {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": False},
    "#/Tree": {"type": "object", "properties": {"child": {"$ref": "#/Tree"}, "name": {"type": "string"}}},
}


def _follow(schema: Any, uri: Optional[str]) -> tuple[Any, Optional[str]]:
    return DEFINITIONS[schema["$ref"]], uri


WALK = SchemaPaths(_follow)
OBJECT = {"type": "object", "properties": {"p": {"type": "integer"}}}

CASES = [
    # (schema, pointer tokens, None when admitted else (token number, names listed there))
    (OBJECT, ["p"], None),
    (OBJECT, ["q"], (0, ["p"])),
    (OBJECT, ["p", "x"], (1, [])),  # a member of an integer
    ({"type": "object"}, ["anything", "deep"], None),  # open: cannot tell
    ({}, ["anything"], None),
    ({**OBJECT, "additionalProperties": {"type": "string"}}, ["q"], None),
    ({**OBJECT, "additionalProperties": True}, ["q"], None),
    ({**OBJECT, "patternProperties": {"^x-": {"type": "string"}}}, ["x-a"], None),
    ({**OBJECT, "patternProperties": {"^x-": {"type": "string"}}}, ["y"], (0, ["p"])),
    ({"type": "array", "items": OBJECT}, ["0", "p"], None),
    ({"type": "array", "items": OBJECT}, ["first"], (0, [])),
    ({"type": "array", "prefixItems": [{"type": "string"}], "items": False}, ["1"], (0, [])),
    ({"type": "array", "items": [{"type": "string"}], "additionalItems": False}, ["1"], (0, [])),  # draft-07
    ({"$ref": "#/Closed"}, ["b"], (0, ["a"])),
    ({"$ref": "#/Closed", "properties": {"b": {}}}, ["b"], None),  # $ref beside keywords: both apply
    ({"$ref": "#/Closed", "description": "d"}, ["b"], (0, ["a"])),
    ({"$ref": "#/Missing"}, ["b"], None),  # cannot follow: cannot tell
    ({"$ref": "#/Tree"}, ["child", "child", "name"], None),
    ({"$ref": "#/Tree"}, ["child", "nam"], (1, ["child", "name"])),
    ({"oneOf": [{"properties": {"a": {}}}, {"properties": {"b": {}}}]}, ["b"], None),
    ({"oneOf": [{"properties": {"a": {}}}, {"properties": {"b": {}}}]}, ["c"], (0, ["a", "b"])),
    ({"allOf": [{"$ref": "#/Closed"}, {"properties": {"n": {}}}]}, ["n"], None),
    ({"if": {"properties": {"a": {}}}, "then": OBJECT}, ["zzz"], None),  # not followed: cannot tell
    (False, ["a"], (0, [])),
]


@pytest.mark.parametrize(("schema", "tokens", "expected"), CASES)
def test_the_walk(schema: Any, tokens: list[str], expected: Optional[tuple[int, list[str]]]) -> None:
    miss = WALK.miss(schema, None, tokens)
    assert (None if miss is None else (miss.at, sorted(miss.names))) == expected


def test_header_names_are_compared_without_case() -> None:
    headers = {"type": "object", "properties": {"Correlation-Id": {"type": "string"}}}
    assert WALK.miss(headers, None, ["correlation-id"], fold_case=True) is None
    miss = WALK.miss(headers, None, ["correlation-id"])
    assert miss is not None and miss.at == 0
