"""Simple conditions (cases/conditions.yaml): grammar, precedence, comparisons, errors."""

from __future__ import annotations

from typing import Any

import pytest

from arazzo_runner.errors import ExpressionError
from arazzo_runner.expressions import (
    MISSING,
    ExpressionContext,
    HttpMessage,
    compare,
    compile_condition,
    evaluate_condition,
    evaluate_criterion,
    parse_condition,
)
from arazzo_runner.expressions.ast import And, Compare, Literal, Navigate, Not, Or, Reference
from arazzo_runner.expressions.conditions import MAX_DEPTH
from arazzo_runner.expressions.parser import MAX_LENGTH

from .test_runtime_expressions import SHARED_CONTEXT, check_error, check_message, context_for, load_cases

CASES = load_cases("conditions.yaml")


@pytest.mark.parametrize("case", CASES)
def test_condition(case: dict[str, Any]) -> None:
    context = context_for(case)
    if "error" in case:
        with pytest.raises(ExpressionError) as caught:
            evaluate_condition(case["condition"], context)
        check_error(caught.value, case)
    else:
        assert evaluate_condition(case["condition"], context) is case["expected"]


@pytest.mark.parametrize("case", CASES)
def test_condition_as_criterion(case: dict[str, Any]) -> None:
    # the same conditions through the Criterion Object: never raises, errors come back as data
    result = evaluate_criterion(case["condition"], context_for(case))
    if "error" in case:
        assert result.passed is False
        assert result.error is not None
        check_message(result.error, case)
    else:
        assert result.passed is case["expected"]
        assert result.error is None


# ---------------------------------------------------------------- the syntax tree


def test_precedence_tree() -> None:
    node = parse_condition("!$inputs.a == 1 && $inputs.b < 2 || $inputs.c")
    assert isinstance(node, Or)
    first, second = node.operands
    assert isinstance(second, Reference) and second.expression.text == "$inputs.c"
    assert isinstance(first, And)
    left, right = first.operands
    assert isinstance(left, Compare) and left.operator == "=="
    assert isinstance(left.left, Not) and isinstance(left.left.operand, Reference)
    assert isinstance(left.right, Literal) and left.right.value == 1
    assert isinstance(right, Compare) and right.operator == "<"


def test_and_or_are_flat() -> None:
    node = parse_condition("true && false && true")
    assert isinstance(node, And) and len(node.operands) == 3
    node = parse_condition("true || (false || true)")
    assert isinstance(node, Or) and len(node.operands) == 2 and isinstance(node.operands[1], Or)


def test_literals() -> None:
    values = [parse_condition(text) for text in ("1", "-2.5", "1e3", "'a''b'", '"a\\nb"', "true", "false", "null")]
    assert all(isinstance(node, Literal) for node in values)
    assert [node.value for node in values] == [1, -2.5, 1000.0, "a'b", "a\nb", True, False, None]  # type: ignore[union-attr]
    assert type(values[0].value) is int and type(values[2].value) is float  # type: ignore[union-attr]


def test_navigation_node() -> None:
    node = parse_condition("($response.body).items[0]['a b'].length")
    assert isinstance(node, Navigate)
    assert node.segments == ("items", 0, "a b", "length")
    assert isinstance(node.operand, Reference)


def test_offsets_of_nodes() -> None:
    node = parse_condition("$statusCode == 201 && $method == 'POST'")
    assert isinstance(node, And)
    second = node.operands[1]
    assert isinstance(second, Compare)
    assert second.offset == 22
    assert isinstance(second.left, Reference) and second.left.offset == 22
    assert second.left.expression.offset == 22
    assert isinstance(second.right, Literal) and second.right.offset == 33


@pytest.mark.parametrize("bad", [None, 200, 1.5, b"$statusCode == 200"])
def test_condition_must_be_text(bad: Any) -> None:
    with pytest.raises(ExpressionError, match="must be a string"):
        parse_condition(bad)


def test_too_long_condition_is_refused() -> None:
    with pytest.raises(ExpressionError, match="longer than"):
        parse_condition("true && " * (MAX_LENGTH // 8) + "true")


@pytest.mark.parametrize("prefix", ["!", "(", "!("])
def test_nesting_limit(prefix: str) -> None:
    depth = MAX_DEPTH // len(prefix)
    closing = ")" * prefix.count("(")
    assert parse_condition(prefix * depth + "true" + closing * depth) is not None
    with pytest.raises(ExpressionError, match=f"deeper than {MAX_DEPTH}"):
        parse_condition(prefix * (depth + 1) + "true" + closing * (depth + 1))


def test_huge_number_literal_is_an_expression_error() -> None:
    with pytest.raises(ExpressionError, match="too long"):
        parse_condition("1" * 5000 + " == 1")


# ---------------------------------------------------------------- evaluation


def test_parsing_is_cached() -> None:
    text = "$steps.probe.outputs.value == 'cached' && $statusCode == 201"
    parse_condition.cache_clear()
    compile_condition.cache_clear()
    for _ in range(100):
        evaluate_condition(text, SHARED_CONTEXT)
        evaluate_criterion(text, SHARED_CONTEXT)
    assert parse_condition.cache_info().misses == 1
    assert compile_condition.cache_info().misses == 1
    assert parse_condition(text) is parse_condition(text)


def test_compiled_condition_reads_the_context_each_time() -> None:
    holds = compile_condition("$statusCode == 201 && $response.body#/status == 'active'")
    assert holds(SHARED_CONTEXT) is True
    assert holds(ExpressionContext(status_code=201, response=HttpMessage(body={"status": "ACTIVE"}))) is True
    assert holds(ExpressionContext(status_code=201, response=HttpMessage(body={"status": "gone"}))) is False
    assert holds(ExpressionContext(status_code=200, response=HttpMessage(body={"status": "active"}))) is False
    assert holds(ExpressionContext(status_code=201, response=HttpMessage(body=["active"]))) is False
    assert holds(ExpressionContext(status_code=201, response=HttpMessage(body="active"))) is False
    assert holds(ExpressionContext()) is False


def test_results_are_booleans() -> None:
    for text in ("$statusCode", "$inputs.limit", "!$inputs.limit", "$inputs.nope || $inputs.limit", "1 && 2"):
        assert evaluate_condition(text, SHARED_CONTEXT) in (True, False)
        assert type(evaluate_condition(text, SHARED_CONTEXT)) is bool


def test_status_code_fast_path_agrees_with_compare() -> None:
    # `$statusCode == 200` has a fast path for ints: every other type takes the general rules
    holds = compile_condition("$statusCode == 200")
    for value, expected in [
        (200, True),
        (201, False),
        ("200", True),
        (200.0, True),
        (True, False),
        (None, False),
        (MISSING, False),
    ]:
        assert holds(ExpressionContext(status_code=value)) is expected, value
        assert compare("==", value, 200) is expected


def test_text_fast_path_agrees_with_compare() -> None:
    holds = compile_condition("$inputs.v == 'Active'")
    for value in ["active", "ACTIVE", "other", "10", 10, True, None, MISSING, ["active"], {"a": 1}]:
        assert holds(ExpressionContext(inputs={"v": value})) is compare("==", value, "Active"), value
    numeric = compile_condition("$inputs.v == '10'")
    for value in ["10", "10.0", 10, 10.0, "ten", None]:
        assert numeric(ExpressionContext(inputs={"v": value})) is compare("==", value, "10"), value


@pytest.mark.parametrize(
    ("operator", "left", "right", "expected"),
    [
        ("==", MISSING, MISSING, False),
        ("!=", MISSING, MISSING, False),
        ("!=", MISSING, None, False),
        ("<", MISSING, 1, False),
        ("==", None, None, True),
        ("!=", None, 0, True),
        ("==", None, 0, False),
        ("<", None, None, False),
        ("==", "A", "a", True),
        ("<", "a", "B", True),
        (">", "b", "A", True),
        ("==", "9007199254740993", 9007199254740993, True),
        ("==", "9007199254740993", 9007199254740992, False),
        ("==", "1" * 5000, float("inf"), True),
        ("==", " 42 ", 42, True),
        ("==", [1, "A"], [1, "a"], True),
        ("==", {"k": "A"}, {"k": "a"}, True),
        ("==", {"K": 1}, {"k": 1}, False),
        ("<", [1], [2], False),
        ("==", True, "true", True),
        ("==", False, "FALSE", True),
        ("!=", True, "yes", True),
        ("==", 1, True, False),
        ("==", 1, 1.0, True),
        (">=", 2, 1.5, True),
    ],
)
def test_compare(operator: str, left: Any, right: Any, expected: bool) -> None:
    assert compare(operator, left, right) is expected


def test_deep_values_do_not_break_a_criterion() -> None:
    deep: Any = "x"
    for _ in range(5000):
        deep = [deep]
    context = ExpressionContext(inputs={"deep": deep})
    result = evaluate_criterion("$inputs.deep == $inputs.deep", context)
    assert isinstance(result.passed, bool)
