"""Evaluating runtime expressions, templates and simple conditions against a context.

Each distinct expression string is parsed once and compiled into a small tree of closures
(no ``eval``: the closures are ordinary functions chosen per node), so evaluating an
already-seen condition costs a few function calls.  An unresolvable reference evaluates to
:data:`MISSING`, never to ``None`` (JSON null).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from operator import attrgetter, eq, ge, gt, le, lt, ne
from typing import Any

from ..missing import MISSING
from .ast import And, Compare, Condition, Literal, Navigate, Not, Or, Reference, RuntimeExpression, Segment, Template
from .conditions import parse_condition
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

Getter = Callable[["ExpressionContext"], Any]


class HttpMessage:
    """A request, response or message as expressions see it.

    Header names are matched case-insensitively (stored lower-cased); query and path
    parameter names exactly.  ``body`` is the parsed body (JSON data, or text), MISSING when
    the message has none.
    """

    __slots__ = ("headers", "query", "path", "body", "payload")

    def __init__(
        self,
        headers: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        path: Mapping[str, Any] | None = None,
        body: Any = MISSING,
        payload: Any = MISSING,
    ) -> None:
        self.headers = {str(k).lower(): v for k, v in (headers or {}).items()}
        self.query = dict(query or {})
        self.path = dict(path or {})
        self.body = body
        self.payload = payload if payload is not MISSING else body


class ExpressionContext:
    """Everything runtime expressions can reach, as the engine knows it at one moment.

    ``steps`` maps a step id to its outputs; ``workflows`` maps a workflow id to
    ``{"inputs": {...}, "outputs": {...}}``; ``components`` maps a component type
    (``parameters``, ``successActions``, ``failureActions``, ``inputs``) to its entries;
    ``source_descriptions`` maps a source name to a mapping of what
    ``$sourceDescriptions.<name>.<x>`` may name (operationIds, workflowIds, then ``url``,
    ``type`` ...), or is a function ``(name, x) -> value``.
    """

    __slots__ = (
        "url",
        "method",
        "status_code",
        "request",
        "response",
        "message",
        "inputs",
        "outputs",
        "steps",
        "workflows",
        "source_descriptions",
        "components",
        "self_uri",
    )

    def __init__(
        self,
        *,
        url: Any = MISSING,
        method: Any = MISSING,
        status_code: Any = MISSING,
        request: HttpMessage | None = None,
        response: HttpMessage | None = None,
        message: HttpMessage | None = None,
        inputs: Mapping[str, Any] | None = None,
        outputs: Mapping[str, Any] | None = None,
        steps: Mapping[str, Mapping[str, Any]] | None = None,
        workflows: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
        source_descriptions: Mapping[str, Any] | Callable[[str, str], Any] | None = None,
        components: Mapping[str, Mapping[str, Any]] | None = None,
        self_uri: Any = MISSING,
    ) -> None:
        self.url = url
        self.method = method
        self.status_code = status_code
        self.request = request
        self.response = response
        self.message = message
        self.inputs = inputs if inputs is not None else {}
        self.outputs = outputs if outputs is not None else {}
        self.steps = steps if steps is not None else {}
        self.workflows = workflows if workflows is not None else {}
        self.source_descriptions = source_descriptions if source_descriptions is not None else {}
        self.components = components if components is not None else {}
        self.self_uri = self_uri


# ---------------------------------------------------------------- navigation and pointers


def _pointer_tokens(pointer: str) -> tuple[str, ...]:
    if not pointer:
        return ()
    return tuple(t.replace("~1", "/").replace("~0", "~") if "~" in t else t for t in pointer[1:].split("/"))


# An array index: no leading zeros (RFC 6901), and short enough for int() to convert.
_INDEX = re.compile(r"0|[1-9][0-9]{0,17}")
_DIGITS = re.compile(r"[0-9]{1,18}")


def walk_pointer(value: Any, tokens: tuple[str, ...]) -> Any:
    """Follow decoded RFC 6901 tokens into ``value``; MISSING where nothing is there."""
    for token in tokens:
        if type(value) is dict or isinstance(value, Mapping):
            value = value.get(token, MISSING)
        elif isinstance(value, list):
            if _INDEX.fullmatch(token) is None or int(token) >= len(value):
                return MISSING
            value = value[int(token)]
        else:
            return MISSING
        if value is MISSING:
            return MISSING
    return value


def navigate(value: Any, segments: tuple[Segment, ...]) -> Any:
    """Apply ``.name`` / ``[index]`` steps; ``.length`` of a list or string is its length."""
    for segment in segments:
        kind = type(value)  # exact types first: isinstance() against the Mapping ABC is slow
        if kind is dict or (kind is not list and kind is not str and isinstance(value, Mapping)):
            value = value.get(segment if isinstance(segment, str) else str(segment), MISSING)
        elif kind is list or kind is str or isinstance(value, (list, str)):
            if isinstance(segment, int):
                value = value[segment] if segment < len(value) else MISSING
            elif segment == "length":
                value = len(value)
            elif isinstance(value, list) and _DIGITS.fullmatch(segment) and int(segment) < len(value):
                value = value[int(segment)]
            else:
                return MISSING
        else:
            return MISSING
        if value is MISSING:
            return MISSING
    return value


def _named(container: Any, names: tuple[str, ...]) -> Any:
    """The entry of ``container`` named by ``names``: the longest dotted name that exists wins."""
    if type(container) is not dict and not isinstance(container, Mapping):
        return MISSING
    if len(names) == 1:
        return container.get(names[0], MISSING)
    for cut in range(len(names), 0, -1):
        key = ".".join(names[:cut])
        if key in container:
            return navigate(container[key], names[cut:])
    return MISSING


# ---------------------------------------------------------------- compiling expressions


def _finish(getter: Getter, expression: RuntimeExpression) -> Getter:
    """Add the pointer and navigation steps of ``expression`` after ``getter``."""
    tokens = _pointer_tokens(expression.pointer) if expression.pointer is not None else ()
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
        return lambda ctx: _named(ctx.inputs, names)
    if root == "outputs":
        return lambda ctx: _named(ctx.outputs, names)
    if root == "steps":
        step = expression.qualifier
        return lambda ctx: _named(ctx.steps.get(step, MISSING), names)  # type: ignore[arg-type]
    if root == "workflows":
        workflow, field = expression.qualifier, expression.field

        def workflow_field(ctx: ExpressionContext) -> Any:
            entry = ctx.workflows.get(workflow, MISSING)  # type: ignore[arg-type]
            return _named(entry.get(field or "", MISSING), names) if isinstance(entry, Mapping) else MISSING

        return workflow_field
    if root == "sourceDescriptions":
        return _source_getter(expression.qualifier or "", names[0])
    kind = expression.qualifier
    return lambda ctx: _named(ctx.components.get(kind, MISSING), names)  # type: ignore[arg-type]


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


# ---------------------------------------------------------------- comparisons

# ASCII blanks only: \s would also take characters that int() and float() do not strip ('\x1f').
_NUMERIC = re.compile(r"[ \t\r\n]*-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?[ \t\r\n]*")


def _as_number(value: Any) -> int | float | None:
    if type(value) in (int, float):
        return value  # type: ignore[no-any-return]
    if isinstance(value, str) and _NUMERIC.fullmatch(value):
        if "." in value or "e" in value or "E" in value:
            return float(value)
        try:
            return int(value)  # exact: float() would round integers beyond 2**53
        except ValueError:  # more digits than int() converts: the float's magnitude will do
            return float(value)
    return None


def _as_bool(value: Any) -> bool | None:
    if value is True or value is False:
        return bool(value)
    if isinstance(value, str):
        folded = value.strip().lower()
        if folded in ("true", "false"):
            return folded == "true"
    return None


def _ordered(operator: str, left: Any, right: Any) -> bool:
    if operator == "<":
        return bool(left < right)
    if operator == "<=":
        return bool(left <= right)
    if operator == ">":
        return bool(left > right)
    return bool(left >= right)


def _fold(value: Any) -> Any:
    """Strings folded for case-insensitive equality, inside lists and objects too."""
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, list):
        return [_fold(item) for item in value]
    if isinstance(value, dict):
        return {key: _fold(item) for key, item in value.items()}
    return value


def compare(operator: str, left: Any, right: Any) -> bool:
    """A comparison of simple conditions (design.md §3).

    MISSING compares false (``!=`` included); ``null`` equals only ``null``; strings compare
    case-insensitively (ordering too); a numeric string compares as the number; a boolean
    equals ``'true'``/``'false'`` in any case.
    """
    if left is MISSING or right is MISSING:
        return False
    equality = operator in ("==", "!=")
    if left is None or right is None:
        if equality:
            return (left is None and right is None) == (operator == "==")
        return False
    left_type, right_type = type(left), type(right)
    if left_type is bool or right_type is bool:
        a, b = _as_bool(left), _as_bool(right)
        if a is None or b is None:
            return operator == "!="
        return (a == b) == (operator == "==") if equality else False
    if left_type in (int, float) or right_type in (int, float) or (left_type is str and right_type is str):
        a_num, b_num = _as_number(left), _as_number(right)
        if a_num is not None and b_num is not None:
            if equality:
                return (a_num == b_num) == (operator == "==")
            return _ordered(operator, a_num, b_num)
        if left_type is str and right_type is str:
            a_text, b_text = str(left).casefold(), str(right).casefold()
            if equality:
                return (a_text == b_text) == (operator == "==")
            return _ordered(operator, a_text, b_text)
        return operator == "!="
    if equality:
        return bool(_fold(left) == _fold(right)) == (operator == "==")
    return False


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
        numeric = _as_number(literal) is not None

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
