"""The inputs-schema fast path gives jsonschema's own verdicts, or steps aside."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from arazzo_runner.execution.schema import simple_errors

SCHEMA = {
    "type": "object",
    "required": ["name", "count"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 2, "maxLength": 8, "pattern": "^[a-z]+$", "description": "x"},
        "count": {"type": "integer", "minimum": 1, "maximum": 10},
        "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "flag": {"type": "boolean"},
        "mode": {"enum": ["a", "b", 1]},
        "fixed": {"const": 3},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3},
        "nested": {"type": "object", "properties": {"x": {"type": ["string", "null"]}}, "minProperties": 1},
        "password": {"type": "string", "format": "password"},
    },
}

CASES = [
    ("valid", {"name": "abc", "count": 3}),
    ("integer-as-float", {"name": "abc", "count": 3.0}),
    ("missing-both", {}),
    ("wrong-types", {"name": 5, "count": "3"}),
    ("bool-is-not-integer", {"name": "ab", "count": True}),
    ("too-short", {"name": "a", "count": 1}),
    ("pattern", {"name": "AB", "count": 1}),
    ("bounds", {"name": "ab", "count": 11, "ratio": 1}),
    ("enum", {"name": "ab", "count": 1, "mode": "c"}),
    ("enum-number", {"name": "ab", "count": 1, "mode": 1.0}),
    ("enum-bool-not-1", {"name": "ab", "count": 1, "mode": True}),
    ("const", {"name": "ab", "count": 1, "fixed": 4}),
    ("array-items", {"name": "ab", "count": 1, "tags": ["a", 2]}),
    ("array-empty", {"name": "ab", "count": 1, "tags": []}),
    ("array-long", {"name": "ab", "count": 1, "tags": ["a", "b", "c", "d"]}),
    ("nested-null-ok", {"name": "ab", "count": 1, "nested": {"x": None}}),
    ("nested-empty", {"name": "ab", "count": 1, "nested": {}}),
    ("additional", {"name": "ab", "count": 1, "extra": 1}),
    ("format-is-annotation", {"name": "ab", "count": 1, "password": "not checked"}),
    ("not-an-object", ["name"]),
]


def _jsonschema(schema: Any, value: Any) -> set[tuple[tuple[Any, ...], str]]:
    return {(tuple(e.absolute_path), str(e.validator)) for e in Draft202012Validator(schema).iter_errors(value)}


@pytest.mark.parametrize("value", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_same_verdicts_as_jsonschema(value: Any) -> None:
    ours = simple_errors(SCHEMA, value)
    assert ours is not None
    assert {(path, keyword) for path, keyword, _ in ours} == _jsonschema(SCHEMA, value)


def test_same_messages_as_jsonschema_for_the_common_problems() -> None:
    value = {"name": 5, "extra": 1}
    ours = sorted(message for _, _, message in simple_errors(SCHEMA, value) or [])
    theirs = sorted(e.message for e in Draft202012Validator(SCHEMA).iter_errors(value))
    assert ours == theirs


@pytest.mark.parametrize(
    "schema",
    [
        {"$ref": "#/components/inputs/x"},
        {"type": "object", "allOf": [{"required": ["a"]}]},
        {"properties": {"a": {"oneOf": [{"type": "string"}]}}},
        {"type": "object", "patternProperties": {"^x": {}}},
        {"type": "weird"},
    ],
    ids=["ref", "allOf", "nested-oneOf", "patternProperties", "unknown-type"],
)
def test_other_keywords_step_aside(schema: Any) -> None:
    assert simple_errors(schema, {}) is None


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-20, 20) | st.floats(-20, 20, allow_nan=False) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(list(SCHEMA["properties"]) + ["zz"]), children, max_size=5)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, database=None)
@given(_json)
def test_random_values_agree_with_jsonschema(value: Any) -> None:
    ours = simple_errors(SCHEMA, value)
    assert ours is not None
    assert {(path, keyword) for path, keyword, _ in ours} == _jsonschema(SCHEMA, value)
