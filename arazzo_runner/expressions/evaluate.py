"""Evaluating runtime expressions, templates and simple conditions against a context.

Each distinct expression string is parsed once and compiled into a small tree of closures
(no ``eval``: the closures are ordinary functions chosen per node), so evaluating an
already-seen condition costs a few function calls.  An unresolvable reference evaluates to
:data:`MISSING`, never to ``None`` (JSON null).  The context and the ways into values are in
:mod:`.context`, the comparison rules in :mod:`.comparison` (both re-exported here).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from operator import attrgetter, eq, ge, gt, le, lt, ne
from typing import Any

from ..missing import MISSING
from .ast import And, Compare, Condition, Literal, Navigate, Not, Or, Reference, RuntimeExpression, Template
from .comparison import as_number, compare
from .conditions import parse_condition
from .context import ExpressionContext, Getter, HttpMessage, named, navigate, pointer_tokens, walk_pointer
from .parser import parse_expression, parse_template, parse_value

__all__ = [
    "ExpressionContext",
    "HttpMessage",
    "compile_expression",
    "compile_template",
    "compile_condition",
    "compile_value",
    "evaluate_expression",
    "evaluate_template",
    "evaluate_condition",
    "evaluate_value",
    "compare",
    "to_template_text",
    "walk_pointer",
    "navigate",
]


# ---------------------------------------------------------------- compiling expressions


def _finish(getter: Getter, expression: RuntimeExpression) -> Getter:
    """Add the pointer and navigation steps of ``expression`` after ``getter``."""
    tokens = pointer_tokens(expression.pointer) if expression.pointer is not None else ()
    navigation = expression.navigation
    if not tokens and not navigation:
        return getter
    if not navigation:
        if len(tokens) == 1:
            (token,) = tokens

            def one_token(ctx: ExpressionContext) -> Any:
                value = getter(ctx)
                if type(value) is dict:
                    return value.get(token, MISSING)
                return walk_pointer(value, tokens) if value is not MISSING else MISSING

            return one_token

        def pointer_only(ctx: ExpressionContext) -> Any:
            value = getter(ctx)
            return walk_pointer(value, tokens) if value is not MISSING else MISSING

        return pointer_only

    def pointer_and_navigation(ctx: ExpressionContext) -> Any:
        value = getter(ctx)
        if value is MISSING:
            return MISSING
        value = walk_pointer(value, tokens)
        return navigate(value, navigation) if value is not MISSING else MISSING

    return pointer_and_navigation


def _message_getter(expression: RuntimeExpression) -> Getter:
    # attrgetter is a C call: cheaper than getattr(ctx, name) in the hot path of criteria
    message_of = attrgetter(expression.root)  # request, response, message
    part = expression.qualifier or ""  # always set for these roots
    if part in ("body", "payload"):
        part_of = attrgetter(part)

        def body(ctx: ExpressionContext) -> Any:
            message = message_of(ctx)
            return part_of(message) if message is not None else MISSING

        return body
    name = expression.names[0]
    if part == "header":
        name = name.lower()
    entries_of = attrgetter("headers" if part == "header" else part)

    def parameter(ctx: ExpressionContext) -> Any:
        message = message_of(ctx)
        if message is None:
            return MISSING
        return entries_of(message).get(name, MISSING)

    return parameter


def _source_getter(name: str, reference: str) -> Getter:
    def source(ctx: ExpressionContext) -> Any:
        sources = ctx.source_descriptions
        if callable(sources):
            return sources(name, reference)
        entry = sources.get(name, MISSING)
        return entry.get(reference, MISSING) if isinstance(entry, Mapping) else MISSING

    return source


def _root_getter(expression: RuntimeExpression) -> Getter:
    root, names = expression.root, expression.names
    if root == "statusCode":
        return lambda ctx: ctx.status_code
    if root == "url":
        return lambda ctx: ctx.url
    if root == "method":
        return lambda ctx: ctx.method
    if root == "self":
        return lambda ctx: ctx.self_uri
    if root in ("request", "response", "message"):
        return _message_getter(expression)
    if root == "inputs":
        return lambda ctx: named(ctx.inputs, names)
    if root == "outputs":
        return lambda ctx: named(ctx.outputs, names)
    if root == "steps":
        step = expression.qualifier
        return lambda ctx: named(ctx.steps.get(step, MISSING), names)  # type: ignore[arg-type]
    if root == "workflows":
        workflow, field = expression.qualifier, expression.field

        def workflow_field(ctx: ExpressionContext) -> Any:
            entry = ctx.workflows.get(workflow, MISSING)  # type: ignore[arg-type]
            return named(entry.get(field or "", MISSING), names) if isinstance(entry, Mapping) else MISSING

        return workflow_field
    if root == "sourceDescriptions":
        return _source_getter(expression.qualifier or "", names[0])
    kind = expression.qualifier
    return lambda ctx: named(ctx.components.get(kind, MISSING), names)  # type: ignore[arg-type]


@lru_cache(maxsize=8192)
def _compile_runtime(expression: RuntimeExpression) -> Getter:
    return _finish(_root_getter(expression), expression)


def compile_expression(text: str) -> Getter:
    """A function of the context giving the value of the runtime expression ``text``."""
    return _compile_runtime(parse_expression(text))


# ---------------------------------------------------------------- templates


def to_template_text(value: Any) -> str:
    """A value as it reads inside a template: JSON form, strings as themselves."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return json.dumps(value) if math.isfinite(value) else str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _compile_template_node(template: Template) -> Getter:
    pieces: list[str | Getter] = [part if isinstance(part, str) else _compile_runtime(part) for part in template.parts]
    if len(pieces) == 1 and isinstance(pieces[0], str):
        text = pieces[0]
        return lambda ctx: text

    def render(ctx: ExpressionContext) -> Any:
        out = []
        for piece in pieces:
            if isinstance(piece, str):
                out.append(piece)
            else:
                value = piece(ctx)
                if value is MISSING:
                    return MISSING
                out.append(to_template_text(value))
        return "".join(out)

    return render


@lru_cache(maxsize=8192)
def compile_template(text: str) -> Getter:
    """A function of the context rendering the template ``text`` (MISSING if a part is)."""
    return _compile_template_node(parse_template(text))


@lru_cache(maxsize=8192)
def compile_value(text: str) -> Getter:
    """A string value of a document: a whole expression (type kept), a template, or text."""
    parsed = parse_value(text)
    if isinstance(parsed, RuntimeExpression):
        return _compile_runtime(parsed)
    if isinstance(parsed, Template):
        return _compile_template_node(parsed)
    return lambda ctx: parsed


# ---------------------------------------------------------------- conditions


def _compile_node(node: Condition) -> Getter:
    if isinstance(node, Literal):
        value = node.value
        return lambda ctx: value
    if isinstance(node, Reference):
        return _compile_runtime(node.expression)
    if isinstance(node, Navigate):
        inner, segments = _compile_node(node.operand), node.segments
        return lambda ctx: navigate(inner(ctx), segments)
    if isinstance(node, Not):
        operand = _compile_node(node.operand)
        return lambda ctx: operand(ctx) is not True
    if isinstance(node, And):
        return _compile_and(tuple(_compile_node(item) for item in node.operands))
    if isinstance(node, Or):
        return _compile_or(tuple(_compile_node(item) for item in node.operands))
    assert isinstance(node, Compare)
    return _compile_compare(node)


def _compile_and(operands: tuple[Getter, ...]) -> Getter:
    # Two operands is the common case: one expression, no loop.  (A generator in all() would
    # cost more than the comparisons themselves.)  Each operand holds only when it is True.
    if len(operands) == 2:
        first, second = operands
        return lambda ctx: first(ctx) is True and second(ctx) is True

    def all_true(ctx: ExpressionContext) -> bool:
        for operand in operands:
            if operand(ctx) is not True:
                return False
        return True

    return all_true


def _compile_or(operands: tuple[Getter, ...]) -> Getter:
    if len(operands) == 2:
        first, second = operands
        return lambda ctx: first(ctx) is True or second(ctx) is True

    def any_true(ctx: ExpressionContext) -> bool:
        for operand in operands:
            if operand(ctx) is True:
                return True
        return False

    return any_true


# Between two plain numbers (bool is not one) the rules of compare() are Python's operators.
_NUMBER_TESTS: dict[str, Callable[[Any, Any], bool]] = {"==": eq, "!=": ne, "<": lt, "<=": le, ">": gt, ">=": ge}


def _compile_compare(node: Compare) -> Getter:
    operator = node.operator
    left, right = _compile_node(node.left), _compile_node(node.right)
    literal = node.right.value if isinstance(node.right, Literal) else MISSING
    test = _NUMBER_TESTS[operator]
    if type(literal) is int or type(literal) is float:
        # the common `$statusCode == 200`, `$statusCode < 300`: plain numbers skip the general rules
        def with_number(ctx: ExpressionContext) -> bool:
            value = left(ctx)
            kind = type(value)
            if kind is int or kind is float:
                return test(value, literal)
            return compare(operator, value, literal)

        return with_number
    if operator == "==" and type(literal) is str:
        folded = literal.casefold()
        numeric = as_number(literal) is not None

        def equals_text(ctx: ExpressionContext) -> bool:
            value = left(ctx)
            if type(value) is str and not numeric:
                return value.casefold() == folded
            return compare("==", value, literal)

        return equals_text

    def general(ctx: ExpressionContext) -> bool:
        a, b = left(ctx), right(ctx)
        kind_a, kind_b = type(a), type(b)
        if (kind_a is int or kind_a is float) and (kind_b is int or kind_b is float):
            return test(a, b)
        return compare(operator, a, b)

    return general


@lru_cache(maxsize=8192)
def compile_condition(text: str) -> Callable[[ExpressionContext], bool]:
    """A function of the context telling whether the simple condition ``text`` holds."""
    node = parse_condition(text)
    getter = _compile_node(node)
    if isinstance(node, (Compare, Not, And, Or)):
        return getter
    # a bare operand holds only when it is true
    return lambda ctx: getter(ctx) is True


# ---------------------------------------------------------------- conveniences


def evaluate_expression(text: str, context: ExpressionContext) -> Any:
    """The value of the runtime expression ``text`` (MISSING when it reaches nothing)."""
    return compile_expression(text)(context)


def evaluate_template(text: str, context: ExpressionContext) -> Any:
    """The template ``text`` rendered (MISSING when one of its expressions is)."""
    return compile_template(text)(context)


def evaluate_value(value: Any, context: ExpressionContext) -> Any:
    """A document value with every expression in it resolved (objects and lists deeply).

    Members whose value is MISSING are left out of objects and lists.
    """
    if isinstance(value, str):
        return compile_value(value)(context)
    if isinstance(value, Mapping):
        resolved = {}
        for key, item in value.items():
            item = evaluate_value(item, context)
            if item is not MISSING:
                resolved[key] = item
        return resolved
    if isinstance(value, list):
        return [item for item in (evaluate_value(entry, context) for entry in value) if item is not MISSING]
    return value


def evaluate_condition(text: str, context: ExpressionContext) -> bool:
    """Whether the simple condition ``text`` holds (raises ExpressionError on bad syntax)."""
    return compile_condition(text)(context)
