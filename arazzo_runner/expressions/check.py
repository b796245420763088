"""The static checker: parse expressions, templates and conditions without evaluating them.

It returns the syntax errors (each with its offset in the text) and the runtime expressions
the text refers to, so that validation rules can check that ``$steps.s.outputs.o`` names a
step that exists and declares ``o``, that ``$inputs.x`` is declared, and so on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import ExpressionError
from .ast import And, Compare, Condition, Navigate, Not, Or, Reference, RuntimeExpression, Template
from .conditions import parse_condition
from .parser import looks_like_expression, parse_expression, parse_template, parse_value, template_problems

__all__ = ["CheckResult", "check_expression", "check_value", "check_condition", "check_criterion"]

# Stands in for an embedded {$...} while the surrounding regex/JSONPath/XPath is checked.
_PLACEHOLDER = "0"


@dataclass(frozen=True)
class CheckResult:
    """Syntax errors (ExpressionError with ``offset``) and the expressions referred to."""

    errors: tuple[ExpressionError, ...] = ()
    references: tuple[RuntimeExpression, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.errors


def _walk(node: Condition, found: list[RuntimeExpression]) -> None:
    if isinstance(node, Reference):
        found.append(node.expression)
    elif isinstance(node, (Not, Navigate)):
        _walk(node.operand, found)
    elif isinstance(node, (And, Or)):
        for operand in node.operands:
            _walk(operand, found)
    elif isinstance(node, Compare):
        _walk(node.left, found)
        _walk(node.right, found)


def check_expression(text: Any) -> CheckResult:
    """A field that must hold one runtime expression (``context``, an output, ...)."""
    if not isinstance(text, str):
        return CheckResult((ExpressionError(f"expected a runtime expression, found {type(text).__name__}", offset=0),))
    try:
        return CheckResult(references=(parse_expression(text),))
    except ExpressionError as error:
        return CheckResult((error,))


def check_value(value: Any) -> CheckResult:
    """A value that may hold expressions: a string (whole expression, template or text), or
    objects and lists of them (payloads), checked deeply."""
    errors: list[ExpressionError] = []
    references: list[RuntimeExpression] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "$" not in item:
                continue
            try:
                parsed = parse_value(item)
            except ExpressionError as error:
                errors.append(error)
                continue
            if isinstance(parsed, RuntimeExpression):
                references.append(parsed)
            elif isinstance(parsed, Template):
                references.extend(parsed.expressions)
            errors.extend(template_problems(item))
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return CheckResult(tuple(errors), tuple(references))


def check_condition(text: Any) -> CheckResult:
    """A simple condition."""
    if not isinstance(text, str):  # parse_condition's cache cannot even hash a list or a dict
        return CheckResult((ExpressionError(f"a condition must be a string, not {type(text).__name__}", offset=0),))
    try:
        node = parse_condition(text)
    except ExpressionError as error:
        return CheckResult((error,))
    found: list[RuntimeExpression] = []
    _walk(node, found)
    return CheckResult(references=tuple(found))


def _embedded(text: str) -> tuple[str, list[RuntimeExpression], list[ExpressionError]]:
    """``text`` with each {$...} replaced by a placeholder, the expressions, and near misses."""
    template = parse_template(text)
    pieces = [part if isinstance(part, str) else _PLACEHOLDER for part in template.parts]
    return "".join(pieces), list(template.expressions), template_problems(text)


def check_criterion(condition: Any, *, context: Any = None, type_: Any = None) -> CheckResult:
    """A whole Criterion Object: its type and version, its context, and its condition."""
    from .criteria import criterion_kind

    try:
        kind, version = criterion_kind(type_)
    except ExpressionError as error:
        return CheckResult((error,))
    if kind == "simple":
        return check_condition(condition)
    errors: list[ExpressionError] = []
    references: list[RuntimeExpression] = []
    if context is None:
        errors.append(ExpressionError(f"a {kind} criterion needs a context (e.g. context: $response.body)", offset=0))
    else:
        result = check_expression(context)
        errors.extend(result.errors)
        references.extend(result.references)
    if not isinstance(condition, str):
        errors.append(ExpressionError("the criterion has no condition", offset=0))
        return CheckResult(tuple(errors), tuple(references))
    expression, embedded, near_misses = _embedded(condition)
    references.extend(embedded)
    errors.extend(near_misses)
    try:
        if kind == "regex":
            from .regex import compile_ecma

            compile_ecma(expression)
        elif kind == "jsonpath":
            from .jsonpath import compile_jsonpath

            compile_jsonpath(expression, version or "rfc9535")
        elif kind == "xpath":
            from .xpath import compile_xpath

            compile_xpath(expression, version or "xpath-31")
        elif kind == "jsonpointer" and expression and not expression.startswith("/"):
            raise ExpressionError("a JSON pointer must be empty or start with '/'", offset=0)
    except ExpressionError as error:
        errors.append(error)
    return CheckResult(tuple(errors), tuple(references))


def meant_as_expression(text: str) -> bool:
    """Whether a string is meant as a runtime expression (``$`` and a root word)."""
    return looks_like_expression(text)
