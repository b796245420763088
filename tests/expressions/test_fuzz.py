"""Property tests: the parsers only ever return a result or raise ExpressionError, criteria
never raise, work stays bounded on large inputs, and a few algebraic properties hold.

Settings are modest (the whole file runs in seconds) and nothing is written to a
hypothesis database.
"""

from __future__ import annotations

import json
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arazzo_runner.errors import ExpressionError
from arazzo_runner.expressions import (
    MISSING,
    CriterionResult,
    ExpressionContext,
    HttpMessage,
    check_condition,
    check_value,
    compare,
    evaluate_condition,
    evaluate_criterion,
    evaluate_expression,
    evaluate_template,
    evaluate_value,
    parse_condition,
    parse_expression,
    parse_template,
    parse_value,
    to_template_text,
)

from .test_runtime_expressions import SHARED_CONTEXT

FUZZ = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=100, deadline=None, database=None)

# The pieces of the grammars: roots, separators, pointers, operators, literals, and troublemakers.
# fmt: off
PIECES = [
    "$url", "$method", "$statusCode", "$self", "$request", "$response", "$message", "$inputs", "$outputs",
    "$steps", "$workflows", "$sourceDescriptions", "$components", "$", "$foo",
    ".header", ".query", ".path", ".body", ".payload", ".outputs", ".inputs", ".parameters",
    ".successActions", ".failureActions", ".", "..", "#", "#/", "/", "~", "~0", "~1", "~01", "~2",
    "a", "b", "a.b", "id", "X-Api-Key", "create", "length", "0", "01", "-1", "9" * 30, "1.5e3", "-",
    "[", "]", "[0]", "['a']", "'", "''", '"', '\\"', "\\", "(", ")", "!", "&&", "||", "&", "|",
    "==", "!=", "<", "<=", ">", ">=", "=", "true", "false", "null", "True", "and",
    " ", "\t", "\n", "{", "}", "{$", ",", ";", "é", "²", "١", "\x00", "\ud7ff", "\U0001f600",
]
# fmt: on
grammar_text = st.lists(st.sampled_from(PIECES), max_size=25).map("".join)
any_text = st.text(max_size=200)
texts = st.one_of(any_text, grammar_text)

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

CONTEXT = ExpressionContext(
    url="https://x.test/a",
    method="GET",
    status_code=200,
    request=HttpMessage(headers={"A": "1"}, query={"a": "b"}, path={"id": "1"}, body={"a": [1, {"b": None}]}),
    response=HttpMessage(headers={"Location": "/x"}, body={"a": [1, 2], "b": "text", "c": None, "": {"~": 1}}),
    inputs={"a": 1, "a.b": "dotted", "b": [1, "x"], "c": None},
    steps={"create": {"a": {"b": 1}, "a.b": 2}},
    workflows={"w": {"inputs": {"a": 1}, "outputs": {"b": [1]}}},
    components={"parameters": {"a": {"value": 1}}},
    source_descriptions={"s": {"url": "u"}},
)


def _only_expression_errors(function: Any, text: str) -> None:
    try:
        function(text)
    except ExpressionError as error:
        assert isinstance(error.message, str)
        assert error.offset is None or 0 <= error.offset <= len(text)


# ---------------------------------------------------------------- parsers: a result or ExpressionError


@FUZZ
@given(texts)
def test_parse_expression_total(text: str) -> None:
    _only_expression_errors(parse_expression, text)


@FUZZ
@given(texts)
def test_parse_template_total(text: str) -> None:
    _only_expression_errors(parse_template, text)


@FUZZ
@given(texts)
def test_parse_value_total(text: str) -> None:
    _only_expression_errors(parse_value, text)


@FUZZ
@given(texts)
def test_parse_condition_total(text: str) -> None:
    _only_expression_errors(parse_condition, text)


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("$.#/~01a[]'(){}!&|=<> ")), max_size=60))
def test_parsers_total_on_dense_syntax(text: str) -> None:
    for function in (parse_expression, parse_template, parse_value, parse_condition):
        _only_expression_errors(function, text)


@FUZZ
@given(st.sampled_from(["$", "{$", "", "$response.body", "("]), texts)
def test_parsers_total_after_a_prefix(prefix: str, text: str) -> None:
    for function in (parse_expression, parse_template, parse_value, parse_condition):
        _only_expression_errors(function, prefix + text)


# ---------------------------------------------------------------- evaluation never raises anything else


@FUZZ
@given(texts)
def test_evaluate_criterion_never_raises(text: str) -> None:
    result = evaluate_criterion(text, CONTEXT)
    assert isinstance(result, CriterionResult)
    assert isinstance(result.passed, bool)
    if result.error is not None:
        assert result.passed is False


@FUZZ
@given(
    texts,
    st.sampled_from([None, "simple", "regex", "jsonpath", "xpath", "jsonpointer", "nope"]),
    st.sampled_from([None, "$response.body", "$inputs.c", "$inputs.x", "$bad"]),
)
def test_evaluate_criterion_never_raises_any_type(text: str, type_: Any, context: Any) -> None:
    result = evaluate_criterion(text, CONTEXT, criterion_context=context, type_=type_)
    assert isinstance(result, CriterionResult)
    assert isinstance(result.passed, bool)


@FUZZ
@given(texts)
def test_evaluate_condition_is_boolean_or_syntax_error(text: str) -> None:
    try:
        value = evaluate_condition(text, CONTEXT)
    except ExpressionError:
        return
    assert type(value) is bool
    assert evaluate_criterion(text, CONTEXT).passed is value


@FUZZ
@given(texts)
def test_evaluate_value_and_template_total(text: str) -> None:
    for function in (evaluate_value, evaluate_template):
        try:
            function(text, CONTEXT)
        except ExpressionError:
            pass


@FUZZ
@given(texts)
def test_checkers_never_raise(text: str) -> None:
    check_condition(text)
    check_value({"a": [text, {"b": text}]})


# ---------------------------------------------------------------- properties


@FUZZ
@given(st.text(max_size=40))
def test_quoted_string_equals_itself(text: str) -> None:
    literal = "'" + text.replace("'", "''") + "'"
    assert evaluate_condition(f"{literal} == {literal}", CONTEXT) is True
    assert evaluate_condition(f"{literal} != {literal}", CONTEXT) is False
    assert parse_condition(literal).value == text  # type: ignore[union-attr]


@FUZZ
@given(st.text(max_size=40))
def test_string_equality_ignores_case(text: str) -> None:
    context = ExpressionContext(inputs={"a": text, "b": text.casefold(), "c": text.upper()})
    assert evaluate_condition("$inputs.a == $inputs.b", context) is True
    if text.upper().casefold() == text.casefold():
        assert evaluate_condition("$inputs.a == $inputs.c", context) is True


@FUZZ
@given(
    st.integers(-(10**20), 10**20), st.integers(-(10**20), 10**20), st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
)
def test_numbers_and_numeric_strings_compare_as_numbers(a: int, b: int, operator: str) -> None:
    expected = {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[operator]
    assert evaluate_condition(f"{a} {operator} {b}", CONTEXT) is expected
    assert evaluate_condition(f"'{a}' {operator} {b}", CONTEXT) is expected
    context = ExpressionContext(inputs={"a": str(a), "b": b})
    assert evaluate_condition(f"$inputs.a {operator} $inputs.b", context) is expected


@FUZZ
@given(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), json_values)
def test_missing_compares_false(operator: str, value: Any) -> None:
    context = ExpressionContext(inputs={"v": value})
    assert evaluate_condition(f"$inputs.nope {operator} $inputs.v", context) is False
    assert evaluate_condition(f"$inputs.v {operator} $inputs.nope", context) is False


@FUZZ
@given(st.dictionaries(st.text(max_size=12), json_values, min_size=1, max_size=5))
def test_pointer_reaches_every_key(body: dict[str, Any]) -> None:
    context = ExpressionContext(response=HttpMessage(body=body))
    for key, value in body.items():
        pointer = "/" + key.replace("~", "~0").replace("/", "~1")
        assert evaluate_expression("$response.body#" + pointer, context) == value


@FUZZ
@given(json_values, st.text(max_size=10), st.text(max_size=10))
def test_template_interpolation(value: Any, before: str, after: str) -> None:
    before, after = before.replace("{", "("), after.replace("{", "(")
    context = ExpressionContext(inputs={"v": value})
    rendered = evaluate_template(before + "{$inputs.v}" + after, context)
    assert rendered == before + to_template_text(value) + after
    if isinstance(value, (dict, list)):
        assert json.loads(to_template_text(value)) == value


@FUZZ
@given(st.text(max_size=40))
def test_resolved_text_is_never_scanned_again(text: str) -> None:
    context = ExpressionContext(inputs={"v": text + "{$inputs.w}", "w": "EXPANDED"})
    assert evaluate_template("{$inputs.v}", context) == text + "{$inputs.w}"
    assert evaluate_value("$inputs.v", context) == text + "{$inputs.w}"


@FEW
@given(json_values)
def test_whole_expression_keeps_the_value(value: Any) -> None:
    context = ExpressionContext(steps={"s": {"o": value}})
    assert evaluate_value("$steps.s.outputs.o", context) is value
    assert evaluate_value("$steps.s.outputs.nope", context) is MISSING


# ---------------------------------------------------------------- bounded work


def _timed(function: Any, text: str) -> float:
    start = time.perf_counter()
    try:
        function(text)
    except ExpressionError:
        pass
    return time.perf_counter() - start


BIG = 60_000  # characters: just under the parsers' limit


def _big_inputs() -> dict[str, str]:
    return {
        "parentheses": "(" * (BIG // 2) + "true" + ")" * (BIG // 2),
        "nots": "!" * BIG + "true",
        "not-parentheses": "!(" * (BIG // 4) + "true" + ")" * (BIG // 4),
        "and-chain": " && ".join(["$statusCode == 200"] * (BIG // 22)),
        "or-chain": " || ".join(["$response.body#/a == 'x'"] * (BIG // 28)),
        "long-string": "'" + "a''" * (BIG // 3) + "' == 'a'",
        "unterminated-string": "'" + "a" * BIG,
        "unterminated-doubled-quotes": "'" * (BIG + 1),
        "double-quoted-escapes": '"' + "\\\\" * (BIG // 2) + '"',
        "navigation": "$response.body" + ".a" * (BIG // 2),
        "brackets": "(true)" + "[0]" * (BIG // 3),
        "long-number": "1" * BIG,
        "long-name": "$inputs." + "a" * BIG,
        "long-pointer": "$response.body#" + "/~0" * (BIG // 3),
        "dollars": "$" * BIG,
        "opening-braces": "{$" * (BIG // 2),
        "unclosed-templates": "{$inputs.a" * (BIG // 10),
        "templates": "{$statusCode}" * (BIG // 13),
        "operators": "== " * (BIG // 3),
    }


def test_big_inputs_finish_fast() -> None:
    slow = {}
    for name, text in _big_inputs().items():
        assert len(text) <= 65536, name
        for function in (parse_condition, parse_template, parse_value, parse_expression):
            if hasattr(function, "cache_clear"):
                function.cache_clear()
            elapsed = _timed(function, text)
            if elapsed > 1.0:
                slow[f"{name}/{function.__name__}"] = round(elapsed, 3)
        start = time.perf_counter()
        result = evaluate_criterion(text, SHARED_CONTEXT)
        assert isinstance(result, CriterionResult)
        if time.perf_counter() - start > 1.0:
            slow[f"{name}/evaluate_criterion"] = round(time.perf_counter() - start, 3)
        start = time.perf_counter()
        check_value({"a": text})
        if time.perf_counter() - start > 1.0:
            slow[f"{name}/check_value"] = round(time.perf_counter() - start, 3)
    assert not slow, slow


def test_deep_nesting_is_an_expression_error_not_a_recursion_error() -> None:
    for text in ("(" * 5000 + "true" + ")" * 5000, "!" * 5000 + "true", "!(" * 3000 + "true" + ")" * 3000):
        try:
            parse_condition(text)
        except ExpressionError as error:
            assert "deeper than" in error.message
        else:
            raise AssertionError("expected a nesting error")
        result = evaluate_criterion(text, SHARED_CONTEXT)
        assert result.passed is False and result.error is not None and "deeper than" in result.error


def test_longer_than_the_limit_is_refused_fast() -> None:
    text = "(" * 70_000
    for function in (parse_condition, parse_template, parse_expression):
        start = time.perf_counter()
        try:
            function(text)
        except ExpressionError as error:
            assert "longer than" in error.message
        else:
            raise AssertionError(function.__name__)
        assert time.perf_counter() - start < 0.5


@FUZZ
@given(json_values, json_values, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
def test_compiled_comparisons_follow_compare(a: Any, b: Any, operator: str) -> None:
    # the compiled fast paths (plain numbers, literal text) agree with the general rules
    context = ExpressionContext(inputs={"a": a, "b": b})
    assert evaluate_condition(f"$inputs.a {operator} $inputs.b", context) is compare(operator, a, b)
    for literal, value in (("201", 201), ("2.5", 2.5), ("-3", -3), ("'Active'", "Active"), ("'10'", "10")):
        assert evaluate_condition(f"$inputs.a {operator} {literal}", context) is compare(operator, a, value)
