"""Criterion Objects: simple, regex, JSONPath and XPath conditions, and why one failed.

:func:`evaluate_criterion` never raises: a syntax error, a null or missing context, or any
evaluation error makes the criterion fail, and the message is returned with the result so
the step can report it (Arazzo 1.1 "Evaluation Errors").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ExpressionError
from ..missing import MISSING
from .ast import And, Compare, Condition, Literal, Navigate, Not, Or, Reference
from .conditions import parse_condition
from .evaluate import ExpressionContext, compile_condition, compile_expression, compile_template, navigate
from .limits import QUERY_TIME_CAP, LimitExceeded, budget

__all__ = ["CriterionResult", "evaluate_criterion", "criterion_kind", "DEFAULT_VERSIONS", "ALLOWED_VERSIONS"]

DEFAULT_VERSIONS = {"jsonpath": "rfc9535", "xpath": "xpath-31", "jsonpointer": "rfc6901"}
ALLOWED_VERSIONS = {
    "jsonpath": ("rfc9535", "draft-goessner-dispatch-jsonpath-00"),
    "xpath": ("xpath-31", "xpath-30", "xpath-20", "xpath-10"),
    "jsonpointer": ("rfc6901",),
}
_KINDS = ("simple", "regex", "jsonpath", "xpath", "jsonpointer")


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """Whether a criterion passed; ``error`` when it could not be evaluated; ``detail``
    saying what was compared when it failed."""

    passed: bool
    error: str | None = None
    detail: str | None = None

    @property
    def message(self) -> str | None:
        return self.error or self.detail


def criterion_kind(type_: Any) -> tuple[str, str | None]:
    """(kind, version) of a criterion ``type``: a string, an Expression Type Object or None."""
    if type_ is None:
        return "simple", None
    kind: Any
    version: Any
    if isinstance(type_, str):
        kind, version = type_, None
    else:
        kind = getattr(type_, "type", None) if not isinstance(type_, Mapping) else type_.get("type")
        version = getattr(type_, "version", None) if not isinstance(type_, Mapping) else type_.get("version")
    if kind not in _KINDS:
        raise ExpressionError(
            f"unknown criterion type {kind!r} (expected simple, regex, jsonpath, xpath or jsonpointer)"
        )
    if kind in ALLOWED_VERSIONS:
        version = version or DEFAULT_VERSIONS[kind]
        if version not in ALLOWED_VERSIONS[kind]:
            allowed = ", ".join(ALLOWED_VERSIONS[kind])
            raise ExpressionError(f"{kind} version {version!r} is not known (expected {allowed})")
    return kind, version


def _show(value: Any) -> str:
    if value is MISSING:
        return "missing"
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 120 else text[:117] + "..."


def _value_of(node: Condition, context: ExpressionContext) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Reference):
        return compile_expression(node.expression.text)(context)
    if isinstance(node, Navigate):
        return navigate(_value_of(node.operand, context), node.segments)
    return MISSING


def _describe(node: Condition) -> str:
    if isinstance(node, Reference):
        return node.expression.text
    if isinstance(node, Literal):
        return _show(node.value)
    return "the operand"


def _explain(node: Condition, context: ExpressionContext) -> str | None:
    """What made a condition false, in terms of the values it compared."""
    if isinstance(node, Compare):
        parts = []
        for side in (node.left, node.right):
            if not isinstance(side, Literal):
                parts.append(f"{_describe(side)} is {_show(_value_of(side, context))}")
        return "; ".join(parts) or None
    if isinstance(node, And):
        for operand in node.operands:
            if not _holds(operand, context):
                return _explain(operand, context)
        return None
    if isinstance(node, Or):
        reasons = [_explain(operand, context) for operand in node.operands]
        return "; ".join(reason for reason in reasons if reason) or None
    if isinstance(node, (Reference, Navigate)):
        return f"{_describe(node)} is {_show(_value_of(node, context))}, not true"
    if isinstance(node, Not):
        return None
    return None


def _holds(node: Condition, context: ExpressionContext) -> bool:
    from .evaluate import _compile_node  # the compiled node, cached per expression text

    return _compile_node(node)(context) is True


def _simple(condition: str, context: ExpressionContext) -> CriterionResult:
    if compile_condition(condition)(context):
        return CriterionResult(True)
    return CriterionResult(False, detail=_explain(parse_condition(condition), context))


def _context_value(criterion_context: Any, kind: str, context: ExpressionContext) -> Any:
    if not isinstance(criterion_context, str) or not criterion_context:
        raise ExpressionError(f"a {kind} criterion needs a context (e.g. context: $response.body)")
    value = compile_expression(criterion_context)(context)
    if value is MISSING:
        raise ExpressionError(f"the context {criterion_context} has no value")
    if value is None:
        raise ExpressionError(f"the context {criterion_context} is null")
    return value


def _substitute(condition: str, context: ExpressionContext) -> str:
    if "{$" not in condition:
        return condition
    rendered = compile_template(condition)(context)
    if rendered is MISSING:
        raise ExpressionError(f"an expression embedded in {condition!r} has no value")
    return str(rendered)


def evaluate_criterion(
    condition: Any,
    context: ExpressionContext,
    *,
    criterion_context: Any = None,
    type_: Any = None,
    time_limit: float | None = None,
) -> CriterionResult:
    """Evaluate one Criterion Object; never raises.

    ``time_limit`` is the wall time, in seconds, the evaluation may use at most (what is left
    of the run's or the step's time).  Regex, JSONPath and XPath criteria are also bounded by a
    default cap each (:mod:`.limits`) and by size limits; running out of either makes the
    criterion fail with a message that says which limit.
    """
    try:
        if time_limit is not None and time_limit <= 0:
            raise LimitExceeded("no time was left to evaluate the criterion")
        if not isinstance(condition, str):
            raise ExpressionError("the criterion has no condition")
        kind, version = criterion_kind(type_)
        if kind == "simple":
            return _simple(condition, context)
        value = _context_value(criterion_context, kind, context)
        expression = _substitute(condition, context)
        if kind == "regex":
            from .regex import regex_search

            passed = regex_search(value, expression, time_limit=time_limit)
        elif kind == "jsonpath":
            from .jsonpath import jsonpath_nodes

            with budget(QUERY_TIME_CAP, time_limit):
                passed = bool(jsonpath_nodes(value, expression, version or DEFAULT_VERSIONS["jsonpath"]))
        elif kind == "xpath":
            from .xpath import xpath_ebv

            with budget(QUERY_TIME_CAP, time_limit):
                passed = xpath_ebv(value, expression, version or DEFAULT_VERSIONS["xpath"])
        else:
            from .selectors import select

            selected = select(value, expression, "jsonpointer")
            passed = selected is not MISSING and selected is not None
        if passed:
            return CriterionResult(True)
        return CriterionResult(False, detail=f"{kind} {expression!r} did not match {criterion_context}")
    except ExpressionError as error:
        return CriterionResult(False, error=error.message)
    except RecursionError:
        return CriterionResult(False, error="the criterion nests too deeply to be evaluated")
    except MemoryError:
        return CriterionResult(False, error="the criterion needed more memory than the runner has")
    except Exception as error:  # an evaluation error of a library or a callback is a failed criterion
        return CriterionResult(False, error=_unexpected(error))


def _unexpected(error: Exception) -> str:
    """A user-level sentence for an error no evaluator turned into an :class:`ExpressionError`.

    The text of an error raised by the embedder's own objects (a resolver, a context) is theirs
    and is kept; Python's own wording (``'<' not supported between instances of ...``) is not.
    """
    from .messages import leaks_python  # its patterns are compiled only when an error needs them

    text = str(error).strip()
    if (
        not text
        or leaks_python(text)
        or type(error).__module__ == "builtins"
        and isinstance(error, (TypeError, AttributeError, KeyError, IndexError, LookupError, ArithmeticError))
    ):
        return "the criterion could not be evaluated: it uses values of types that cannot be used together"
    return f"the criterion could not be evaluated: {text}"
