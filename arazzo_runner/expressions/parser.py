"""Parsing runtime expressions and ``{$...}`` templates (Arazzo 1.0.1 ABNF and 1.1 grammar).

One scanner serves three places, which differ only in where an expression ends:

* a whole value (``$response.body#/id``): the expression must take the whole string;
* inside ``{...}`` in a template: it ends at ``}``;
* inside a simple condition: it ends at white space or an operator.

Beyond the ABNF, two forms seen in real documents are read: dotted navigation after a body or
a name (``$response.body.data.id``, ``$steps.s.outputs.user.id``) and ``[index]`` steps.  A
name whose parts are separated by dots is resolved at evaluation time: an output actually
named ``user.id`` wins over output ``user`` navigated to ``id`` (docs/decisions.md #14).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..errors import ExpressionError
from .ast import ROOTS, RuntimeExpression, Segment, Template

__all__ = [
    "parse_expression",
    "parse_template",
    "parse_value",
    "scan_expression",
    "looks_like_expression",
    "WHOLE",
    "EMBEDDED",
    "CONDITION",
    "MAX_LENGTH",
]

WHOLE, EMBEDDED, CONDITION = "whole", "embedded", "condition"
MAX_LENGTH = 65536

# Characters that end a name (or a header, query or path name) in each mode.
_WHITESPACE = " \t\r\n"
_STOPS = {
    WHOLE: frozenset(_WHITESPACE + "{}"),
    EMBEDDED: frozenset(_WHITESPACE + "{}"),
    CONDITION: frozenset(_WHITESPACE + "{}()<>=!&|,'\""),
}
# Inside a name, these also end a part: the structure of the expression.
_STRUCTURE = frozenset(".#[]")
_POINTER_STOPS = {
    WHOLE: frozenset(),
    EMBEDDED: frozenset("{}"),
    CONDITION: frozenset(_WHITESPACE + "(){}<>=!&|,'\""),
}
_STRICT_ID = re.compile(r"[A-Za-z0-9_\-]+")
_HEADER = re.compile(r"[A-Za-z0-9$%*+\-.^_`~]+")
_WORD = re.compile(r"[A-Za-z]*")
_HAS_SPACE = re.compile(r"\s")
_FIELD = re.compile(r"inputs|outputs")
_BRACKET = re.compile(r"([0-9]+)\]|'((?:[^']|'')*)'\]")  # ASCII digits: \d also takes '١'
_MAX_INDEX_DIGITS = 18
_SOURCES = ("header", "query", "path", "body", "payload")
_COMPONENT_TYPES = ("parameters", "successActions", "failureActions", "inputs")
_SIMPLE_ROOTS = ("url", "method", "statusCode", "self")
# A string meant as an expression: '$' and a root word, then the end or what follows a root.
_MEANT = re.compile(r"\$(" + "|".join(sorted(ROOTS, key=len, reverse=True)) + r")(?=$|[.#\[\s{}()=!<>&|])")


class _Scanner:
    __slots__ = ("text", "pos", "mode", "start")

    def __init__(self, text: str, pos: int, mode: str) -> None:
        self.text = text
        self.pos = pos
        self.mode = mode
        self.start = pos

    def error(self, message: str, at: int | None = None) -> ExpressionError:
        offset = self.pos if at is None else at
        return ExpressionError(f"{message} (column {offset + 1})", offset=offset)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, literal: str, what: str) -> None:
        if not self.text.startswith(literal, self.pos):
            raise self.error(f"expected {what} after {self.text[self.start : self.pos]!r}")
        self.pos += len(literal)

    def word(self, pattern: re.Pattern[str], what: str) -> str:
        match = pattern.match(self.text, self.pos)
        if match is None:
            raise self.error(f"expected {what} after {self.text[self.start : self.pos]!r}")
        self.pos = match.end()
        return match.group()

    def part(self, what: str, *, dots: bool = False, brackets: bool = False) -> str:
        """A name part: everything up to a stop character (or structure, unless ``dots``).

        The ABNF's ``name = *( CHAR )`` allows brackets in a name: ``page[size]`` and
        ``with[]`` (JSON:API and PHP style parameter names) are one name.  Only a bracket
        holding an index or a quoted name (``[0]``, ``['a b']``) is a navigation step.
        ``brackets`` is set for the names the ABNF defines (not for ``.member`` navigation
        after a body, an extension where ``[-1]`` stays a mistake).
        """
        stops = _STOPS[self.mode]
        text, pos = self.text, self.pos
        end = pos
        while end < len(text):
            char = text[end]
            if char == "[" and brackets:
                close = self._bracketed_name(end)
                if close == -1:
                    break
                end = close + 1
                continue
            if char in stops or (char in _STRUCTURE and not (dots and char in ".[]")):
                break
            end += 1
        if end == pos:
            raise self.error(f"expected {what} after {text[self.start : pos]!r}")
        self.pos = end
        return text[pos:end]

    def _bracketed_name(self, open_at: int) -> int:
        """Where the ``]`` of a bracket that belongs to a name closes, or -1 when the bracket
        at ``open_at`` is a navigation step (or not closed before the expression ends)."""
        text = self.text
        if _BRACKET.match(text, open_at + 1) is not None:
            return -1
        stops = _STOPS[self.mode]
        close = open_at + 1
        while close < len(text):
            char = text[close]
            if char == "]":
                return close
            if char in stops or char in "[#":
                return -1
            close += 1
        return -1

    def names(self, what: str) -> tuple[str, ...]:
        parts = [self.part(what, brackets=True)]
        while self.peek() == "." and self.pos + 1 < len(self.text):
            self.pos += 1
            parts.append(self.part(what, brackets=True))
        return tuple(parts)

    def pointer(self) -> str | None:
        if self.peek() != "#":
            return None
        self.pos += 1
        stops = _POINTER_STOPS[self.mode]
        text, start = self.text, self.pos
        end = start
        while end < len(text) and text[end] not in stops:
            end += 1
        pointer = text[start:end]
        if pointer and not pointer.startswith("/"):
            raise self.error("a JSON pointer must be empty or start with '/'", start)
        tilde = pointer.find("~")
        while tilde != -1:
            if pointer[tilde + 1 : tilde + 2] not in ("0", "1"):
                raise self.error("in a JSON pointer '~' must be followed by 0 or 1", start + tilde)
            tilde = pointer.find("~", tilde + 1)
        self.pos = end
        return pointer

    def navigation(self) -> tuple[Segment, ...]:
        segments: list[Segment] = []
        while True:
            char = self.peek()
            if char == "." and self.pos + 1 < len(self.text):
                self.pos += 1
                segments.append(self.part("a member name"))
            elif char == "[":
                segments.append(self.bracket())
            else:
                return tuple(segments)

    def tail(self, what: str) -> tuple[tuple[str, ...], str | None, tuple[Segment, ...]]:
        """Dotted name parts, then an optional ``#pointer``, then ``.name``/``[index]`` steps."""
        names = self.names(what)
        return names, self.pointer(), self.navigation()

    def bracket(self) -> Segment:
        open_at = self.pos
        self.pos += 1
        text = self.text
        match = _BRACKET.match(text, self.pos)
        if match is None:
            raise self.error("expected a number or a quoted name and ']' after '['", open_at)
        if match.group(1) is not None:
            if len(match.group(1)) > _MAX_INDEX_DIGITS:  # int() refuses thousands of digits
                raise self.error("the index is too long", open_at + 1)
            self.pos = match.end()
            return int(match.group(1))
        self.pos = match.end()
        return match.group(2).replace("''", "'")


def scan_expression(text: str, pos: int, mode: str) -> tuple[RuntimeExpression, int]:
    """Read one runtime expression starting at ``text[pos] == '$'``; return it and its end."""
    scanner = _Scanner(text, pos, mode)
    scanner.expect("$", "'$'")
    root = _WORD.match(text, scanner.pos).group()  # type: ignore[union-attr]
    if root not in ROOTS:
        known = ", ".join("$" + name for name in ROOTS)
        raise scanner.error(f"unknown runtime expression '${root}' (expected one of {known})", pos)
    scanner.pos += len(root)
    qualifier = field = pointer = None
    names: tuple[str, ...] = ()
    navigation: tuple[Segment, ...] = ()
    if root in _SIMPLE_ROOTS:
        pass
    elif root in ("request", "response", "message"):
        scanner.expect(".", f"'.' and one of {', '.join(_SOURCES)}")
        qualifier = _WORD.match(text, scanner.pos).group()  # type: ignore[union-attr]
        if qualifier not in _SOURCES:
            raise scanner.error(
                f"${root}.{qualifier} is not a source: expected ${root}.header, .query, .path, .body or .payload"
            )
        scanner.pos += len(qualifier)
        if qualifier in ("body", "payload"):
            pointer = scanner.pointer()
            navigation = scanner.navigation()
        else:
            scanner.expect(".", f"'.' and a {qualifier} name")
            if qualifier == "header":
                names = (scanner.word(_HEADER, "a header name"),)
            else:
                names = (scanner.part(f"a {qualifier} parameter name", dots=True),)
    elif root in ("inputs", "outputs"):
        scanner.expect(".", f"'.' and the name of an {root[:-1]}")
        names, pointer, navigation = scanner.tail(f"an {root[:-1]} name")
    elif root == "steps":
        scanner.expect(".", "'.' and a step id")
        qualifier = scanner.word(_STRICT_ID, "a step id")
        scanner.expect(".outputs.", "'.outputs.' and an output name")
        names, pointer, navigation = scanner.tail("an output name")
    elif root == "workflows":
        scanner.expect(".", "'.' and a workflow id")
        qualifier = scanner.word(_STRICT_ID, "a workflow id")
        scanner.expect(".", "'.inputs.' or '.outputs.'")
        field = scanner.word(_FIELD, "'inputs' or 'outputs'")
        scanner.expect(".", f"'.' and the name of an {field[:-1]}")
        names, pointer, navigation = scanner.tail(f"an {field[:-1]} name")
    elif root == "sourceDescriptions":
        scanner.expect(".", "'.' and a source description name")
        qualifier = scanner.word(_STRICT_ID, "a source description name")
        scanner.expect(".", "'.' and an operationId, workflowId or field name")
        names = (scanner.part("an operationId, workflowId or field name", dots=True),)
    else:  # components
        scanner.expect(".", f"'.' and one of {', '.join(_COMPONENT_TYPES)}")
        qualifier = _WORD.match(text, scanner.pos).group()  # type: ignore[union-attr]
        if qualifier not in _COMPONENT_TYPES:
            raise scanner.error(
                f"$components.{qualifier} is not a component type: expected {', '.join(_COMPONENT_TYPES)}"
            )
        scanner.pos += len(qualifier)
        scanner.expect(".", "'.' and a component name")
        names = (scanner.part("a component name", dots=True),)
    end = scanner.pos
    expression = RuntimeExpression(text[pos:end], root, qualifier, field, names, pointer, navigation, pos)
    return expression, end


@lru_cache(maxsize=8192)
def parse_expression(text: str) -> RuntimeExpression:
    """Parse ``text`` as one whole runtime expression (raises ExpressionError)."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters", offset=0)
    expression, end = scan_expression(text, 0, WHOLE)
    if end != len(text):
        raise ExpressionError(
            f"unexpected {text[end : end + 20]!r} after the expression {text[:end]!r} (column {end + 1})", offset=end
        )
    return expression


def looks_like_expression(text: str) -> bool:
    """Whether a string is meant as a runtime expression: ``$`` then a root word."""
    return text.startswith("$") and _MEANT.match(text) is not None


@lru_cache(maxsize=8192)
def parse_template(text: str) -> Template:
    """Split ``text`` into literal text and embedded ``{$...}`` expressions.

    A ``{`` that does not start a well-formed ``{$expression}`` stays literal text (JSON in a
    string, regex quantifiers, JSONPath): only :func:`template_problems` reports near misses.
    """
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the text is longer than {MAX_LENGTH} characters", offset=0)
    parts: list[str | RuntimeExpression] = []
    literal_start = 0
    pos = text.find("{$")
    while pos != -1:
        try:
            expression, end = scan_expression(text, pos + 1, EMBEDDED)
        except ExpressionError:
            end = -1
        if end != -1 and end < len(text) and text[end] == "}":
            if pos > literal_start:
                parts.append(text[literal_start:pos])
            parts.append(expression)
            literal_start = end + 1
            pos = text.find("{$", literal_start)
        else:
            pos = text.find("{$", pos + 1)
    if literal_start < len(text) or not parts:
        parts.append(text[literal_start:])
    return Template(text, tuple(parts))


def template_problems(text: str) -> list[ExpressionError]:
    """``{$root...}`` parts of ``text`` meant as expressions that do not parse."""
    problems = []
    pos = text.find("{$")
    while pos != -1:
        if _MEANT.match(text, pos + 1):
            try:
                _, end = scan_expression(text, pos + 1, EMBEDDED)
                if end >= len(text) or text[end] != "}":
                    raise ExpressionError(
                        f"expected '}}' to close the embedded expression (column {end + 1})", offset=end
                    )
            except ExpressionError as error:
                problems.append(error)
        pos = text.find("{$", pos + 1)
    return problems


def parse_value(text: str) -> RuntimeExpression | Template | str:
    """What a string value of a document is: a whole expression, a template, or plain text.

    A string that is meant as an expression (``$`` and a root word, no white space) must
    parse whole: a mistake in it raises ExpressionError rather than being sent as text.  Other strings that
    start with ``$`` (``$.items[*]``, ``$5.00``) are text.
    """
    if text.startswith("$") and looks_like_expression(text):
        try:
            return parse_expression(text)
        except ExpressionError:
            # prose that starts like an expression ("$inputs.limit is ten") stays text;
            # without white space it is a mistyped expression, reported
            if not _HAS_SPACE.search(text):
                raise
    if "{$" in text:
        template = parse_template(text)
        if template.expressions:
            return template
    return text
