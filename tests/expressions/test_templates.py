"""Templates ({$...} embedded in strings) and document values (cases/templates.yaml)."""

from __future__ import annotations

from typing import Any

import pytest

from arazzo_runner.expressions import (
    MISSING,
    ExpressionContext,
    RuntimeExpression,
    Template,
    compile_template,
    compile_value,
    evaluate_template,
    evaluate_value,
    parse_template,
    parse_value,
    to_template_text,
)
from arazzo_runner.expressions.parser import MAX_LENGTH, template_problems

from .test_runtime_expressions import SHARED_CONTEXT, check_outcome, context_for, load_cases


@pytest.mark.parametrize("case", load_cases("templates.yaml"))
def test_template(case: dict[str, Any]) -> None:
    if "template" in case:
        check_outcome(case, lambda: evaluate_template(case["template"], context_for(case)))
    else:
        assert "value" in case, case["id"]
        check_outcome(case, lambda: evaluate_value(case["value"], context_for(case)))


def test_parts_in_order() -> None:
    template = parse_template("a{$inputs.x}b{$statusCode}{$url}")
    assert isinstance(template, Template)
    kinds = [part if isinstance(part, str) else part.text for part in template.parts]
    assert kinds == ["a", "$inputs.x", "b", "$statusCode", "$url"]
    assert [e.reference for e in template.expressions] == [("inputs", "x"), ("statusCode",), ("url",)]


def test_expression_offsets_are_in_the_whole_text() -> None:
    template = parse_template("xx{$inputs.a}yy{$inputs.b}")
    assert [e.offset for e in template.expressions] == [3, 16]


def test_text_without_expressions_is_one_part() -> None:
    assert parse_template("no {braces} here").parts == ("no {braces} here",)
    assert parse_template("").parts == ("",)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("$inputs.x", RuntimeExpression),
        ("{$inputs.x}", Template),
        ("a {$inputs.x}", Template),
        ("$.items[*]", str),
        ("$5.00", str),
        ("{$foo}", str),
        ("{not an expression}", str),
        ("plain", str),
    ],
)
def test_parse_value_kind(text: str, kind: type) -> None:
    assert isinstance(parse_value(text), kind)


def test_a_resolved_value_is_never_scanned_again() -> None:
    # whatever an input holds, even text that looks like an expression, is inserted as is
    context = ExpressionContext(inputs={"a": "{$inputs.b}", "b": "secret", "c": "$inputs.b"})
    assert evaluate_template("<{$inputs.a}>", context) == "<{$inputs.b}>"
    assert evaluate_value("$inputs.a", context) == "{$inputs.b}"
    assert evaluate_value("$inputs.c", context) == "$inputs.b"
    assert evaluate_value({"x": "$inputs.c"}, context) == {"x": "$inputs.b"}


def test_missing_members_are_left_out_of_payloads() -> None:
    payload = {"keep": "$inputs.limit", "drop": "$inputs.nope", "list": ["$inputs.nope", "{$inputs.nope}"]}
    assert evaluate_value(payload, SHARED_CONTEXT) == {"keep": 10, "list": []}


def test_evaluate_value_does_not_change_its_argument() -> None:
    payload = {"a": ["$inputs.limit", {"b": "$inputs.nope"}]}
    evaluate_value(payload, SHARED_CONTEXT)
    assert payload == {"a": ["$inputs.limit", {"b": "$inputs.nope"}]}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("text", "text"),
        ("", ""),
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (-12, "-12"),
        (2.5, "2.5"),
        (1e20, "1e+20"),
        (10**30, "1000000000000000000000000000000"),
        ([1, "a", None], '[1,"a",null]'),
        ({"k": {"n": [True]}}, '{"k":{"n":[true]}}'),
        ({"é": "ü"}, '{"é":"ü"}'),
    ],
)
def test_to_template_text(value: Any, text: str) -> None:
    assert to_template_text(value) == text


def test_compiled_templates_are_cached_and_reusable() -> None:
    text = "id={$steps.create.outputs.id}"
    assert compile_template(text) is compile_template(text)
    assert compile_value(text) is compile_value(text)
    render = compile_template(text)
    assert render(SHARED_CONTEXT) == "id=42"
    assert render(ExpressionContext(steps={"create": {"id": "x"}})) == "id=x"
    assert render(ExpressionContext()) is MISSING


def test_parse_template_is_cached() -> None:
    text = "cache {$inputs.template-probe} probe"
    parse_template.cache_clear()
    first = parse_template(text)
    for _ in range(20):
        assert parse_template(text) is first
        evaluate_template(text, SHARED_CONTEXT)
    assert parse_template.cache_info().misses == 1


@pytest.mark.parametrize(
    ("text", "words", "offset"),
    [
        ("{$inputs.a", "expected '}'", 10),
        ("x {$steps.s.output.y}", "'.outputs.'", 11),
        ("{$request.cookie.a}", "not a source", 10),
        ("{$inputs.a b}", "expected '}'", 10),
        ("{$response.body#x}", "start with '/'", 16),
    ],
)
def test_near_misses_are_problems(text: str, words: str, offset: int) -> None:
    # parsing keeps them as literal text; the checker reports them
    assert parse_template(text).expressions == ()
    (problem,) = template_problems(text)
    assert words in problem.message
    assert problem.offset == offset


@pytest.mark.parametrize("text", ["{$foo}", "{$}", "{ $inputs.a }", '{"a": 1}', "^\\d{2}$", "{$inputs.a}"])
def test_not_near_misses(text: str) -> None:
    assert template_problems(text) == []


def test_too_long_template_is_refused() -> None:
    from arazzo_runner.errors import ExpressionError

    with pytest.raises(ExpressionError, match="longer than"):
        parse_template("x" * (MAX_LENGTH + 1))
