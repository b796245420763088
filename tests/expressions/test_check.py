"""The static checker: syntax errors with their offsets, and the references found."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from arazzo_runner.errors import ExpressionError
from arazzo_runner.expressions import (
    CheckResult,
    check_condition,
    check_criterion,
    check_expression,
    check_value,
)


def refs(result: CheckResult) -> list[tuple[str, ...]]:
    return [expression.reference for expression in result.references]


def errors(result: CheckResult) -> list[tuple[str, int | None]]:
    return [(error.message, error.offset) for error in result.errors]


def needs(module: str) -> None:
    try:
        importlib.import_module(f"arazzo_runner.expressions.{module}")
    except Exception as error:  # written separately; may not be importable yet
        pytest.skip(f"arazzo_runner.expressions.{module} cannot be imported yet ({type(error).__name__}: {error})")


# ---------------------------------------------------------------- check_expression


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("$url", ("url",)),
        ("$method", ("method",)),
        ("$statusCode", ("statusCode",)),
        ("$self", ("self",)),
        ("$request.header.X-Api-Key", ("request", "header", "X-Api-Key")),
        ("$request.query.page", ("request", "query", "page")),
        ("$request.path.id", ("request", "path", "id")),
        ("$request.body#/user/uuid", ("request", "body")),
        ("$response.body", ("response", "body")),
        ("$response.header.Location", ("response", "header", "Location")),
        ("$message.payload#/a", ("message", "payload")),
        ("$inputs.username", ("inputs", "username")),
        ("$inputs.user.name#/x", ("inputs", "user.name")),
        ("$outputs.result", ("outputs", "result")),
        ("$steps.X.outputs.Y", ("steps", "X", "outputs", "Y")),
        ("$steps.create.outputs.a.b#/0", ("steps", "create", "outputs", "a.b")),
        ("$workflows.w.inputs.i", ("workflows", "w", "inputs", "i")),
        ("$workflows.w.outputs.o#/p", ("workflows", "w", "outputs", "o")),
        ("$sourceDescriptions.petstore.getPetById", ("sourceDescriptions", "petstore", "getPetById")),
        ("$components.parameters.page", ("components", "parameters", "page")),
        ("$components.successActions.done", ("components", "successActions", "done")),
        ("$components.failureActions.retry", ("components", "failureActions", "retry")),
    ],
)
def test_check_expression_references(text: str, reference: tuple[str, ...]) -> None:
    result = check_expression(text)
    assert result.ok and result.errors == ()
    assert refs(result) == [reference]
    assert result.references[0].text == text


@pytest.mark.parametrize(
    ("text", "words", "offset"),
    [
        ("$steps.X.output.Y", "'.outputs.'", 8),
        ("$foo", "unknown runtime expression", 0),
        ("$inputs", "the name of an input", 7),
        ("$request.cookie.a", "not a source", 9),
        ("$response.body#x", "start with '/'", 15),
        ("$statusCode == 200", "unexpected", 11),
        ("response.body", "expected '$'", 0),
        ("{$inputs.a}", "expected '$'", 0),
    ],
)
def test_check_expression_errors(text: str, words: str, offset: int) -> None:
    result = check_expression(text)
    assert not result.ok
    ((message, found_offset),) = errors(result)
    assert words in message
    assert found_offset == offset
    assert f"(column {offset + 1})" in message
    assert result.references == ()


@pytest.mark.parametrize("value", [None, 5, ["$url"], {"a": "$url"}])
def test_check_expression_needs_text(value: Any) -> None:
    result = check_expression(value)
    assert not result.ok
    assert "expected a runtime expression" in result.errors[0].message


# ---------------------------------------------------------------- check_value


def test_check_value_finds_references_in_nested_payloads() -> None:
    payload = {
        "user": {"id": "$steps.X.outputs.Y", "name": "{$inputs.first} {$inputs.last}"},
        "items": [{"sku": "$inputs.sku#/0"}, "literal", 5, None, True],
        "note": "price $5.00 and $.items[*]",
        "url": "https://{$inputs.host}/x/{$steps.create.outputs.a.b}",
    }
    result = check_value(payload)
    assert result.ok
    assert sorted(refs(result)) == sorted(
        [
            ("steps", "X", "outputs", "Y"),
            ("inputs", "first"),
            ("inputs", "last"),
            ("inputs", "sku"),
            ("inputs", "host"),
            ("steps", "create", "outputs", "a.b"),
        ]
    )


def test_check_value_visits_in_document_order() -> None:
    result = check_value({"a": "$inputs.a", "b": ["$inputs.b", {"c": "$inputs.c"}], "d": "{$inputs.d}"})
    assert refs(result) == [("inputs", "a"), ("inputs", "b"), ("inputs", "c"), ("inputs", "d")]


@pytest.mark.parametrize(
    ("value", "words", "offset"),
    [
        ("$steps.X.output.Y", "'.outputs.'", 8),
        ({"deep": [{"deeper": "$steps.X.output.Y"}]}, "'.outputs.'", 8),
        ("text {$steps.X.output.Y} more", "'.outputs.'", 14),
        ({"a": "id={$inputs.a"}, "expected '}'", 13),
        ("{$request.cookie.x}", "not a source", 10),
        ("$inputs.a}b", "unexpected '}b'", 9),
        (["ok", "{$response.body#/a~2}"], "'~' must be followed by 0 or 1", 18),
    ],
)
def test_check_value_errors_with_offsets(value: Any, words: str, offset: int) -> None:
    result = check_value(value)
    assert not result.ok
    ((message, found_offset),) = errors(result)
    assert words in message
    assert found_offset == offset


def test_check_value_reports_every_error_and_keeps_good_references() -> None:
    result = check_value({"a": "$steps.X.output.Y", "b": "$inputs.good", "c": "x {$inputs.a b} {$statusCode}"})
    assert len(result.errors) == 2
    assert refs(result) == [("inputs", "good"), ("statusCode",)]


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "$.items[*]",
        "$5.00",
        "$foo",
        "{$foo}",
        '{"json": {"a": 1}}',
        "^\\d{2,3}$",
        "${inputs.x}",
        "{ $inputs.x }",
        5,
        None,
        {"k": ["no", "expressions"]},
        [],
        {},
    ],
)
def test_check_value_without_expressions(value: Any) -> None:
    result = check_value(value)
    assert result.ok
    assert result.references == ()


def test_check_value_does_not_look_at_keys() -> None:
    result = check_value({"$steps.X.output.Y": "x", "{$inputs.a}": 1})
    assert result.ok and result.references == ()


# ---------------------------------------------------------------- check_condition


def test_check_condition_references() -> None:
    result = check_condition(
        "$statusCode == 200 && ($steps.X.outputs.Y == 'a' || !$inputs.z) && $response.body#/n > $workflows.w.outputs.o"
    )
    assert result.ok
    assert refs(result) == [
        ("statusCode",),
        ("steps", "X", "outputs", "Y"),
        ("inputs", "z"),
        ("response", "body"),
        ("workflows", "w", "outputs", "o"),
    ]


def test_check_condition_references_inside_navigation() -> None:
    result = check_condition("($response.body).items[0].id == $steps.s.outputs.list[1]")
    assert refs(result) == [("response", "body"), ("steps", "s", "outputs", "list")]
    assert result.references[1].navigation == (1,)


def test_check_condition_references_have_offsets() -> None:
    result = check_condition("true && $inputs.a == $inputs.b")
    assert [expression.offset for expression in result.references] == [8, 21]


@pytest.mark.parametrize(
    ("text", "words", "offset"),
    [
        ("$statusCode == 200 &&", "expected a value", 21),
        ("1 < 2 < 3", "cannot be chained", 6),
        ("$statusCode == ok", "unquoted text 'ok'", 15),
        ("$statusCode == 200 && $steps.X.output.Y == 1", "'.outputs.'", 30),
        ("'unterminated", "unterminated string", 0),
        ("", "empty", 0),
        ("(true", "expected ')'", 5),
    ],
)
def test_check_condition_errors(text: str, words: str, offset: int) -> None:
    result = check_condition(text)
    assert not result.ok
    ((message, found_offset),) = errors(result)
    assert words in message
    assert found_offset == offset
    assert result.references == ()


@pytest.mark.parametrize("value", [None, 200, 1.5, ["$statusCode == 200"], {"condition": "x"}, b"true"])
def test_check_condition_needs_text(value: Any) -> None:
    result = check_condition(value)
    assert not result.ok
    assert "must be a string" in result.errors[0].message
    assert isinstance(result.errors[0], ExpressionError)


# ---------------------------------------------------------------- check_criterion


def test_check_criterion_simple() -> None:
    result = check_criterion("$statusCode == 201 && $steps.X.outputs.Y != null")
    assert result.ok
    assert refs(result) == [("statusCode",), ("steps", "X", "outputs", "Y")]
    assert refs(check_criterion("$statusCode == 201", type_="simple")) == [("statusCode",)]
    assert not check_criterion("$statusCode ==", type_={"type": "simple"}).ok


@pytest.mark.parametrize(
    ("type_", "words"),
    [
        ("regexp", "unknown criterion type"),
        ({"type": "jsonpath", "version": "rfc1"}, "is not known"),
        ({"type": "xpath", "version": "xpath-40"}, "is not known"),
    ],
)
def test_check_criterion_bad_type(type_: Any, words: str) -> None:
    result = check_criterion("x", context="$response.body", type_=type_)
    assert not result.ok
    assert words in result.errors[0].message


def test_check_criterion_non_string_condition() -> None:
    assert "must be a string" in check_criterion(["$statusCode"]).errors[0].message
    assert "must be a string" in check_criterion({"a": 1}).errors[0].message
    result = check_criterion(None, context="$response.body", type_="jsonpointer")
    assert [error.message for error in result.errors] == ["the criterion has no condition"]
    assert refs(result) == [("response", "body")]


def test_check_criterion_context_problems() -> None:
    result = check_criterion("/a", type_="jsonpointer")
    assert "needs a context" in result.errors[0].message
    result = check_criterion("/a", context="$response.bod", type_="jsonpointer")
    assert "not a source" in result.errors[0].message
    result = check_criterion("/a", context=5, type_="jsonpointer")
    assert "expected a runtime expression" in result.errors[0].message


def test_check_criterion_jsonpointer() -> None:
    result = check_criterion("/items/{$inputs.index}", context="$response.body", type_="jsonpointer")
    assert result.ok
    assert refs(result) == [("response", "body"), ("inputs", "index")]
    result = check_criterion("items", context="$response.body", type_="jsonpointer")
    assert "start with '/'" in result.errors[0].message


def test_check_criterion_regex() -> None:
    needs("regex")
    result = check_criterion("^{$inputs.prefix}-\\d{2}$", context="$response.body#/code", type_="regex")
    assert result.ok, errors(result)
    assert refs(result) == [("response", "body"), ("inputs", "prefix")]
    result = check_criterion("([a-z]", context="$statusCode", type_="regex")
    assert not result.ok
    assert refs(result) == [("statusCode",)]


def test_check_criterion_near_miss_in_embedded_expression() -> None:
    needs("regex")
    result = check_criterion("^{$steps.X.output.Y}$", context="$statusCode", type_="regex")
    assert any("'.outputs.'" in message for message, _ in errors(result))


def test_check_criterion_jsonpath() -> None:
    needs("jsonpath")
    result = check_criterion("$.items[?@.id == {$steps.create.outputs.id}]", context="$response.body", type_="jsonpath")
    assert result.ok, errors(result)
    assert refs(result) == [("response", "body"), ("steps", "create", "outputs", "id")]
    assert not check_criterion("$.items[?", context="$response.body", type_="jsonpath").ok


def test_check_criterion_xpath() -> None:
    needs("xpath")
    result = check_criterion(
        "/root/items[price > {$steps.getPricing.outputs.minPrice}]", context="$response.body", type_="xpath"
    )
    assert result.ok, errors(result)
    assert refs(result) == [("response", "body"), ("steps", "getPricing", "outputs", "minPrice")]
    assert not check_criterion("/root/[", context="$response.body", type_="xpath").ok
