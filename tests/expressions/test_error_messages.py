"""Criterion errors are sentences about the expression, never Python's own text (issue 10, point 9)."""

from __future__ import annotations

from typing import Any

import pytest

from arazzo_runner.expressions import ExpressionContext, HttpMessage, evaluate_criterion
from arazzo_runner.expressions.messages import plain_text

XML = ExpressionContext(response=HttpMessage(headers={}, body="<r><a>x</a><d>2024-01-01</d></r>"))
JSON = ExpressionContext(response=HttpMessage(headers={}, body={"a": [1, "x", {"b": 2}], "s": "abc", "n": None}))
GOESSNER = {"type": "jsonpath", "version": "draft-goessner-dispatch-jsonpath-00"}
LEAKS = ("<class", "Error:", "object at 0x", "could not convert", "not supported between", "Date10", "ValueType")

# (id, context, condition, type, words the message must hold)
CASES: list[tuple[str, ExpressionContext, str, Any, list[str]]] = [
    ("xpath-cast-float", XML, "xs:float('x') > 1", "xpath", ["FORG0001", "'x' is not a number", "column 15"]),
    ("xpath-node-plus-number", XML, "/r/a + 1 > 0", "xpath", ["FORG0001", "'x' is not a number"]),
    ("xpath-date-vs-integer", XML, "xs:date('2020-01-01') > 1", "xpath", ["XPTY0004", "xs:integer", "'>' operator"]),
    ("xpath-argument-type", XML, "matches(1, 'a')", "xpath", ["XPTY0004", "xs:integer instead of xs:string"]),
    ("xpath-compare-types", XML, "1 = 'a'", "xpath", ["XPTY0004", "cannot compare xs:integer and xs:string"]),
    ("xpath-unknown-function", XML, "foo(1)", "xpath", ["XPST0017", "unknown function 'foo'"]),
    ("xpath-cast-integer", XML, "xs:integer('1e5') = 1", "xpath", ["FORG0001", "'1e5' cannot be cast to xs:integer"]),
    ("xpath-ebv-of-date", XML, "xs:date(/r/d)", "xpath", ["FORG0006", "an xs:date value"]),
    ("xpath-round-date", XML, "round(xs:date('2020-01-01')) = 1", "xpath", ["FORG0006", "xs:date cannot be converted"]),
    ("xpath-constructor-type", XML, "xs:date(1) = 1", "xpath", ["FORG0006", "xs:integer"]),
    ("xpath-abs-string", XML, "abs('a') = 1", "xpath", ["XPTY0004", "xs:string"]),
    ("xpath-division", XML, "1 div 0 = 1", "xpath", ["FOAR0001", "Division by zero"]),
    ("xpath-syntax", XML, "1 +", "xpath", ["XPST0003", "at the end of the expression"]),
    ("xpath-string-of-map", XML, "string(map{1: 2}) = ''", "xpath", ["FOTY0014", "has no string value"]),
    ("xpath-limit-names-expression", XML, "count(1 to 100000000) > 0", "xpath", ["XPath 'count(1 to 100000000) > 0'"]),
    ("jsonpath-argument-type", JSON, "$[?length(@.*) > 1]", "jsonpath", ["argument 1 of length() must be a value"]),
    ("jsonpath-unknown-function", JSON, "$[?foo(@)]", "jsonpath", ["function 'foo' is not defined"]),
    ("jsonpath-syntax", JSON, "$[?@.a < {}]", "jsonpath", ["JSONPath '$[?@.a < {}]'", "offset 9"]),
    ("goessner-bad-regex-literal", JSON, "$.a[?@ =~ /(/]", GOESSNER, ["the regex is not valid", "missing )"]),
    ("goessner-syntax", JSON, "$.a[?@ > 1 + 1]", GOESSNER, ["unexpected token '+'"]),
    ("regex-bad-pattern", JSON, "(", "regex", ["regex '('", "missing )"]),
    ("simple-bad-literal", JSON, "$response.body#/a == {}", None, ["unexpected character '{'"]),
]


@pytest.mark.parametrize(
    ("context", "condition", "type_", "words"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_error_messages_are_user_level(
    context: ExpressionContext, condition: str, type_: Any, words: list[str]
) -> None:
    result = evaluate_criterion(condition, context, criterion_context="$response.body", type_=type_)
    assert result.passed is False
    assert result.error is not None, result
    for leak in LEAKS:
        assert leak not in result.error, result.error
    for word in words:
        assert word in result.error, result.error


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("could not convert string to float: 'x'", "'x' is not a number"),
        ("invalid literal for int() with base 10: 'y'", "'y' is not an integer"),
        ("could not convert '1e5' to xs:integer", "'1e5' cannot be cast to xs:integer"),
        ("wrong type <class 'int'> for operand 1", "wrong type xs:integer for operand 1"),
        (
            "'<' not supported between instances of 'str' and 'int'",
            "xs:string and xs:integer cannot be compared with <",
        ),
        ("unsupported operand type(s) for +: 'int' and 'str'", "+ cannot be applied to xs:integer and xs:string"),
        ("count() argument 0 must be of NodesType", "argument 1 of count() must be a query"),
        ("expected one of ['RBRACKET', 'COMMA'], found 'EOF'", "expected ']' or ',', found the end of the query"),
        ("cannot apply <XPathFunction fn:concat#2 at 0x7f00> here", "cannot apply a function here"),
        ("'NoneType' object is not subscriptable", None),
        ("ZeroDivisionError: division by zero", None),
    ],
)
def test_plain_text(text: str, expected: str | None) -> None:
    assert plain_text(text) == expected
