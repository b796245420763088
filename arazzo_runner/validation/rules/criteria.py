"""Regex, JSONPath, XPath and JSON Pointer texts (criteria, selectors, replacement targets) parse."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Optional

from ...errors import ExpressionError, Location
from ...expressions.limits import LimitExceeded
from ...expressions.parser import parse_template
from . import ERROR, Finding, rule

if TYPE_CHECKING:  # pragma: no cover
    from ..context import Context

_COLUMN = re.compile(r" \(column \d+\)$")
_DEFAULTS = {"jsonpath": "rfc9535", "xpath": "xpath-31", "jsonpointer": "rfc6901"}
_VERSIONS = {
    "jsonpath": ("rfc9535", "draft-goessner-dispatch-jsonpath-00"),
    "xpath": ("xpath-31", "xpath-30", "xpath-20", "xpath-10"),
    "jsonpointer": ("rfc6901",),
}


def _kind(type_: Any) -> tuple[Optional[str], Optional[str]]:
    """(kind, version) of a type given as a string or an Expression Type object."""
    if isinstance(type_, str):
        return type_, _DEFAULTS.get(type_)
    kind, version = getattr(type_, "type", None), getattr(type_, "version", None)
    if not isinstance(kind, str):
        return None, None
    return kind, version or _DEFAULTS.get(kind)


def _substituted(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with each embedded {$...} replaced by ``0``, and (new start, old start) marks."""
    try:
        template = parse_template(text)
    except ExpressionError:
        return text, []
    pieces: list[str] = []
    marks: list[tuple[int, int]] = []
    new = old = 0
    for part in template.parts:
        marks.append((new, old))
        if isinstance(part, str):
            pieces.append(part)
            new, old = new + len(part), old + len(part)
        else:
            pieces.append("0")
            new, old = new + 1, old + len(part.text) + 2
    return "".join(pieces), marks


def _original(offset: int, marks: list[tuple[int, int]]) -> int:
    for new, old in reversed(marks):
        if offset >= new:
            return old + (offset - new)
    return offset


def _compile(kind: str, version: Optional[str], text: str) -> None:
    """Raise ExpressionError when ``text`` is not a valid ``kind`` expression."""
    if kind == "regex":
        from ...expressions.regex import compile_ecma

        compile_ecma(text)
    elif kind == "jsonpath":
        from ...expressions.jsonpath import compile_jsonpath

        compile_jsonpath(text, version or "rfc9535")
    elif kind == "xpath":
        from ...expressions.xpath import compile_xpath

        compile_xpath(text, version or "xpath-31")
    elif kind == "jsonpointer":
        if text and not text.startswith("/"):
            raise ExpressionError("a JSON pointer must be empty or start with '/'", offset=0)
        tilde = text.find("~")
        while tilde != -1:
            if text[tilde + 1 : tilde + 2] not in ("0", "1"):
                raise ExpressionError("in a JSON pointer '~' must be followed by 0 or 1", offset=tilde)
            tilde = text.find("~", tilde + 1)


def _check(
    context: Context, kind: Optional[str], version: Optional[str], text: Any, location: Location, what: str
) -> Iterator[Finding]:
    if not isinstance(text, str) or kind not in ("regex", "jsonpath", "xpath", "jsonpointer"):
        return
    if kind in _VERSIONS and version not in _VERSIONS[kind]:
        return  # an unknown version: the expression-type rule reports it
    expression, marks = _substituted(text)
    try:
        _compile(kind, version, expression)
    except LimitExceeded:
        return  # valid syntax that builds too much when evaluated: the criterion fails at run time, saying why
    except ExpressionError as error:
        offset = _original(error.offset or 0, marks)
        label = {"regex": "regular expression", "jsonpath": "JSONPath", "xpath": "XPath", "jsonpointer": "JSON Pointer"}
        message = _COLUMN.sub("", error.message)
        yield Finding(context.at_offset(location, offset), f"{what} is not a valid {label[kind]}: {message}")


@rule("query-syntax", ERROR, "a regex, JSONPath, XPath or JSON Pointer (criterion, selector, target) does not parse")
def query_syntax(context: Context) -> Iterator[Finding]:
    values = context.values()
    for use in values.criteria:
        criterion = use.criterion
        if criterion.type is None:
            continue
        kind, version = _kind(criterion.type)
        yield from _check(
            context, kind, version, criterion.condition, criterion.location.child("condition"), "the condition"
        )
    for selector_use in values.selectors:
        selector = selector_use.selector
        kind, version = _kind(selector.type)
        yield from _check(
            context, kind, version, selector.selector, selector.location.child("selector"), "the selector"
        )
    for replacement_use in values.replacements:
        replacement = replacement_use.replacement
        if replacement.target_selector_type is not None:
            kind, version = _kind(replacement.target_selector_type)
        elif "xml" in (replacement_use.content_type or "").lower():
            kind, version = "xpath", "xpath-31"
        else:
            kind, version = "jsonpointer", "rfc6901"
        yield from _check(
            context, kind, version, replacement.target, replacement.location.child("target"), "the target"
        )
