"""Simple conditions: ``$statusCode == 200 && $response.body#/status == 'active'``.

Grammar (docs/decisions.md #19), loosest first::

    or      := and ( '||' and )*
    and     := compare ( '&&' compare )*
    compare := unary ( ( '==' | '!=' | '<' | '<=' | '>' | '>=' ) unary )?   -- not chained
    unary   := '!' unary | postfix
    postfix := primary ( '.' name | '[' number ']' | '[' string ']' )*
    primary := runtime-expression | number | string | 'true' | 'false' | 'null' | '(' or ')'

Strings are single-quoted with ``''`` for a quote; double-quoted strings (JSON escapes), seen
in many real documents, are read too.  Every syntax error names its column.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from ..errors import ExpressionError
from .ast import And, Compare, Condition, Literal, Navigate, Not, Or, Reference, Segment
from .parser import CONDITION, MAX_LENGTH, scan_expression

__all__ = ["parse_condition", "MAX_DEPTH"]

MAX_DEPTH = 100

_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_SINGLE = re.compile(r"'((?:[^']|'')*)'")
_DOUBLE = re.compile(r'"((?:[^"\\]|\\.)*)"')
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_OPERATORS = ("==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "(", ")", "[", "]", ".")
_KEYWORDS = {"true": True, "false": False, "null": None}
_DIGITS = frozenset("0123456789")


class _Token:
    __slots__ = ("kind", "value", "offset")

    def __init__(self, kind: str, value: object, offset: int) -> None:
        self.kind = kind  # op, number, string, word, expr, end
        self.value = value
        self.offset = offset


def _error(message: str, offset: int) -> ExpressionError:
    return ExpressionError(f"{message} (column {offset + 1})", offset=offset)


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos, length = 0, len(text)
    while pos < length:
        char = text[pos]
        if char in " \t\r\n":
            pos += 1
            continue
        if char == "$":
            expression, end = scan_expression(text, pos, CONDITION)
            tokens.append(_Token("expr", expression, pos))
            pos = end
            continue
        if char == "'":
            match = _SINGLE.match(text, pos)
            if match is None:
                raise _error("unterminated string: a quote inside a string is written ''", pos)
            tokens.append(_Token("string", match.group(1).replace("''", "'"), pos))
            pos = match.end()
            continue
        if char == '"':
            match = _DOUBLE.match(text, pos)
            if match is None:
                raise _error("unterminated string (strings are written in single quotes)", pos)
            try:
                value = json.loads(match.group())
            except ValueError:
                raise _error("invalid escape in a double-quoted string", pos) from None
            tokens.append(_Token("string", value, pos))
            pos = match.end()
            continue
        # ASCII digits only: str.isdigit() also holds for '²' and '١', which _NUMBER does not read
        if char in _DIGITS or (char == "-" and text[pos + 1 : pos + 2] in _DIGITS):
            match = _NUMBER.match(text, pos)
            assert match is not None
            number = match.group()
            try:
                value = float(number) if any(c in number for c in ".eE") else int(number)
            except ValueError:  # int() refuses more than sys.get_int_max_str_digits() digits
                raise _error(f"the number is too long ({len(number)} characters)", pos) from None
            tokens.append(_Token("number", value, pos))
            pos = match.end()
            if pos < length and (text[pos].isalnum() or text[pos] in "_%$"):
                raise _error(f"unexpected {text[pos]!r} after the number {number}", pos)
            continue
        for operator in _OPERATORS:
            if text.startswith(operator, pos):
                tokens.append(_Token("op", operator, pos))
                pos += len(operator)
                break
        else:
            match = _WORD.match(text, pos)
            if match is None:
                raise _error(f"unexpected character {char!r}", pos)
            word = match.group()
            if word in _KEYWORDS:
                tokens.append(_Token("literal", _KEYWORDS[word], pos))
            else:
                tokens.append(_Token("word", word, pos))
            pos = match.end()
    tokens.append(_Token("end", None, length))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def take(self, kind: str, value: object = None) -> _Token | None:
        token = self.tokens[self.index]
        if token.kind == kind and (value is None or token.value == value):
            self.index += 1
            return token
        return None

    def describe(self, token: _Token) -> str:
        if token.kind == "end":
            return "the end of the condition"
        return repr(self.text[token.offset : token.offset + 20].split()[0] if token.kind != "string" else token.value)

    def parse(self) -> Condition:
        if self.token.kind == "end":
            raise _error("the condition is empty", 0)
        node = self.or_()
        if self.token.kind != "end":
            token = self.token
            if token.kind == "op" and token.value in ("==", "!=", "<", "<=", ">", ">="):
                raise _error(
                    f"comparisons cannot be chained: use && between them, or parentheses ({token.value!r})",
                    token.offset,
                )
            raise _error(f"unexpected {self.describe(token)}: expected && or || or the end", token.offset)
        return node

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _error(f"the condition nests deeper than {MAX_DEPTH} levels", self.token.offset)

    def or_(self) -> Condition:
        offset = self.token.offset
        operands = [self.and_()]
        while self.take("op", "||"):
            operands.append(self.and_())
        return operands[0] if len(operands) == 1 else Or(tuple(operands), offset)

    def and_(self) -> Condition:
        offset = self.token.offset
        operands = [self.compare()]
        while self.take("op", "&&"):
            operands.append(self.compare())
        return operands[0] if len(operands) == 1 else And(tuple(operands), offset)

    def compare(self) -> Condition:
        offset = self.token.offset
        left = self.unary()
        token = self.token
        if token.kind == "op" and token.value in ("==", "!=", "<", "<=", ">", ">="):
            self.index += 1
            right = self.unary()
            return Compare(str(token.value), left, right, offset)
        return left

    def unary(self) -> Condition:
        token = self.take("op", "!")
        if token is not None:
            self.nested()
            operand = self.unary()
            self.depth -= 1
            return Not(operand, token.offset)
        return self.postfix()

    def postfix(self) -> Condition:
        offset = self.token.offset
        node = self.primary()
        segments: list[Segment] = []
        while True:
            if self.take("op", "."):
                word = self.take("word")
                if word is None:
                    raise _error("expected a member name after '.'", self.token.offset)
                segments.append(str(word.value))
            elif self.take("op", "["):
                token = self.token
                if token.kind == "number" and isinstance(token.value, int) and token.value >= 0:
                    segments.append(token.value)
                elif token.kind == "string":
                    segments.append(str(token.value))
                else:
                    raise _error("expected an index or a quoted name after '['", token.offset)
                self.index += 1
                if not self.take("op", "]"):
                    raise _error("expected ']'", self.token.offset)
            else:
                break
        return Navigate(node, tuple(segments), offset) if segments else node

    def primary(self) -> Condition:
        token = self.token
        if token.kind == "expr":
            self.index += 1
            return Reference(token.value, token.offset)  # type: ignore[arg-type]
        if token.kind in ("number", "string", "literal"):
            self.index += 1
            return Literal(token.value, token.offset)
        if self.take("op", "("):
            self.nested()
            node = self.or_()
            self.depth -= 1
            if not self.take("op", ")"):
                raise _error(f"expected ')' but found {self.describe(self.token)}", self.token.offset)
            return node
        if token.kind == "word":
            raise _error(
                f"unquoted text {token.value!r}: strings are written in single quotes, e.g. '{token.value}'",
                token.offset,
            )
        raise _error(f"expected a value but found {self.describe(token)}", token.offset)


@lru_cache(maxsize=8192)
def parse_condition(text: str) -> Condition:
    """Parse a simple condition (raises ExpressionError naming the column)."""
    if not isinstance(text, str):
        raise ExpressionError(f"a condition must be a string, not {type(text).__name__}", offset=0)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the condition is longer than {MAX_LENGTH} characters", offset=0)
    return _Parser(text).parse()
