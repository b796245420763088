"""Runtime expressions, templates, simple conditions and criteria (pure: no I/O, no httpx).

Parsing is cached per distinct string; evaluation runs compiled closures against an
:class:`ExpressionContext`.  An unresolvable reference is :data:`MISSING`, never ``None``.
"""

from __future__ import annotations

from ..missing import MISSING, Missing
from .ast import RuntimeExpression, Template
from .check import CheckResult, check_condition, check_criterion, check_expression, check_value
from .conditions import parse_condition
from .criteria import CriterionResult, criterion_kind, evaluate_criterion
from .evaluate import (
    ExpressionContext,
    HttpMessage,
    compare,
    compile_condition,
    compile_expression,
    compile_template,
    compile_value,
    evaluate_condition,
    evaluate_expression,
    evaluate_template,
    evaluate_value,
    to_template_text,
)
from .parser import looks_like_expression, parse_expression, parse_template, parse_value

__all__ = [
    "MISSING",
    "Missing",
    "RuntimeExpression",
    "Template",
    "CheckResult",
    "check_condition",
    "check_criterion",
    "check_expression",
    "check_value",
    "parse_condition",
    "CriterionResult",
    "criterion_kind",
    "evaluate_criterion",
    "ExpressionContext",
    "HttpMessage",
    "compare",
    "compile_condition",
    "compile_expression",
    "compile_template",
    "compile_value",
    "evaluate_condition",
    "evaluate_expression",
    "evaluate_template",
    "evaluate_value",
    "to_template_text",
    "looks_like_expression",
    "parse_expression",
    "parse_template",
    "parse_value",
]
