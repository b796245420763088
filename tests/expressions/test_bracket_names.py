"""Names with brackets (ABNF ``name = *( CHAR )``): ``$inputs.page[size]`` names the input
``page[size]``; only ``[index]`` and ``['quoted']`` are navigation steps (issue 11)."""

from __future__ import annotations

from typing import Any

import pytest

from arazzo_runner.errors import ExpressionError
from arazzo_runner.expressions import MISSING, ExpressionContext, evaluate_expression, parse_expression
from arazzo_runner.expressions.conditions import parse_condition
from arazzo_runner.expressions.parser import parse_template

INPUTS = {"page[size]": 25, "with[]": "tags", "filter[status][eq]": "open", "items": [{"id": 7}], "page": {"n": 1}}
CONTEXT = ExpressionContext(
    inputs=INPUTS,
    steps={"s": {"meta[total]": 3, "list": [4, 5]}},
    workflows={"w": {"outputs": {"a[b]": "x"}}},
)

# (expression, names, navigation, value when evaluated against CONTEXT)
CASES: list[tuple[str, tuple[str, ...], tuple[Any, ...], Any]] = [
    ("$inputs.page[size]", ("page[size]",), (), 25),
    ("$inputs.with[]", ("with[]",), (), "tags"),
    ("$inputs.filter[status][eq]", ("filter[status][eq]",), (), "open"),
    ("$inputs.items[0]", ("items",), (0,), {"id": 7}),
    ("$inputs.items[0].id", ("items",), (0, "id"), 7),
    ("$inputs.page['n']", ("page",), ("n",), 1),
    ("$inputs.page.n", ("page", "n"), (), 1),
    ("$steps.s.outputs.meta[total]", ("meta[total]",), (), 3),
    ("$steps.s.outputs.list[1]", ("list",), (1,), 5),
    ("$workflows.w.outputs.a[b]", ("a[b]",), (), "x"),
    ("$inputs.nothing[here]", ("nothing[here]",), (), MISSING),
]


@pytest.mark.parametrize(("text", "names", "navigation", "value"), CASES, ids=[c[0] for c in CASES])
def test_bracket_names(text: str, names: tuple[str, ...], navigation: tuple[Any, ...], value: Any) -> None:
    expression = parse_expression(text)
    assert expression.names == names
    assert expression.navigation == navigation
    assert evaluate_expression(text, CONTEXT) == value


def test_bracket_names_in_templates_and_conditions() -> None:
    template = parse_template("/items?size={$inputs.page[size]}&with={$inputs.with[]}")
    assert [e.names for e in template.expressions] == [("page[size]",), ("with[]",)]
    condition = parse_condition("$inputs.page[size] == 25 && $inputs.with[] != ''")
    assert "page[size]" in repr(condition) and "with[]" in repr(condition)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("$inputs.page[", "a number or a quoted name"),
        ("$inputs.page[size", "a number or a quoted name"),
        ("$response.body.items[-1]", "a number or a quoted name"),  # navigation, not a name
    ],
)
def test_unclosed_or_navigation_brackets_stay_errors(text: str, words: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text)
    assert words in caught.value.message
