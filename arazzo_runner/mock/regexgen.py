"""Strings that match a JSON Schema ``pattern`` (an ECMA-262 regular expression).

:func:`generate_matching` parses the pattern into a small tree (literals, classes, groups,
alternation, quantifiers, anchors, backreferences) and walks it with a seeded
:class:`random.Random`.  Lookarounds and ``\\b`` add nothing to the string; the result is
checked with the project's ECMA translation (:func:`~arazzo_runner.expressions.regex.compile_ecma`)
and generation is retried a few times, so a pattern this generator only approximates still
yields a matching value or, when it cannot, ``None``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Union

from ..errors import ArazzoError
from ..expressions.regex import compile_ecma

__all__ = ["generate_matching"]

_PRINTABLE = [(0x20, 0x7E)]
_DIGITS = [(0x30, 0x39)]
_WORD = [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)]
_SPACE = [(0x20, 0x20)]
_LETTERS = [(0x41, 0x5A), (0x61, 0x7A)]


@dataclass
class _Chars:
    """One character from ``ranges`` (or, when ``negated``, a printable one outside them)."""

    ranges: list[tuple[int, int]]
    negated: bool = False


@dataclass
class _Repeat:
    node: _Node
    low: int
    high: int | None


@dataclass
class _Group:
    alternatives: list[list[_Node]]
    index: int | None  # capture number, None for (?:...) and lookarounds
    silent: bool = False  # a lookaround: generates nothing


@dataclass
class _Backref:
    index: int | None
    name: str | None = None


@dataclass
class _Empty:
    """An anchor (``^ $ \\b \\B``): matches without consuming."""


_Node = Union[str, _Chars, _Repeat, _Group, _Backref, _Empty]


@dataclass
class _Parser:
    pattern: str
    pos: int = 0
    groups: int = 0
    names: dict[str, int] = field(default_factory=dict)

    def peek(self) -> str | None:
        return self.pattern[self.pos] if self.pos < len(self.pattern) else None

    def take(self) -> str:
        char = self.pattern[self.pos]
        self.pos += 1
        return char

    def parse(self) -> list[list[_Node]]:
        alternatives = self.alternatives()
        if self.pos < len(self.pattern):
            raise ValueError(f"unbalanced ')' at {self.pos}")
        return alternatives

    def alternatives(self) -> list[list[_Node]]:
        result = [self.sequence()]
        while self.peek() == "|":
            self.take()
            result.append(self.sequence())
        return result

    def sequence(self) -> list[_Node]:
        items: list[_Node] = []
        while True:
            char = self.peek()
            if char is None or char in "|)":
                return items
            atom = self.atom()
            items.append(self.quantified(atom))

    def quantified(self, atom: _Node) -> _Node:
        char = self.peek()
        low: int
        high: int | None
        if char == "*":
            low, high = 0, None
        elif char == "+":
            low, high = 1, None
        elif char == "?":
            low, high = 0, 1
        elif char == "{":
            bounds = self.braces()
            if bounds is None:
                return atom
            low, high = bounds
            if self.peek() == "?":
                self.take()
            return _Repeat(atom, low, high)
        else:
            return atom
        self.take()
        if self.peek() == "?":  # lazy: same strings
            self.take()
        return _Repeat(atom, low, high)

    def braces(self) -> tuple[int, int | None] | None:
        end = self.pattern.find("}", self.pos)
        if end < 0:
            return None
        body = self.pattern[self.pos + 1 : end]
        low_text, comma, high_text = body.partition(",")
        if not low_text.isdigit() or (high_text and not high_text.isdigit()):
            return None  # a literal '{' in ECMA
        self.pos = end + 1
        low = int(low_text)
        high = int(high_text) if high_text else (None if comma else low)
        return low, high

    def atom(self) -> _Node:
        char = self.take()
        if char == "(":
            return self.group()
        if char == "[":
            return self.char_class()
        if char == ".":
            return _Chars([(0x0A, 0x0A), (0x0D, 0x0D)], negated=True)
        if char in "^$":
            return _Empty()
        if char == "\\":
            return self.escape(in_class=False)
        if char == "{":
            return "{"
        return char

    def group(self) -> _Node:
        index: int | None = None
        silent = False
        if self.pattern.startswith("?:", self.pos):
            self.pos += 2
        elif self.pattern.startswith(("?=", "?!"), self.pos):
            self.pos += 2
            silent = True
        elif self.pattern.startswith(("?<=", "?<!"), self.pos):
            self.pos += 3
            silent = True
        elif self.pattern.startswith("?<", self.pos):
            end = self.pattern.index(">", self.pos)
            name = self.pattern[self.pos + 2 : end]
            self.pos = end + 1
            self.groups += 1
            index = self.groups
            self.names[name] = index
        else:
            self.groups += 1
            index = self.groups
        alternatives = self.alternatives()
        if self.peek() != ")":
            raise ValueError("unclosed group")
        self.take()
        return _Group(alternatives, index, silent)

    def char_class(self) -> _Chars:
        negated = False
        if self.peek() == "^":
            self.take()
            negated = True
        ranges: list[tuple[int, int]] = []
        first = True
        while True:
            char = self.peek()
            if char is None:
                raise ValueError("unclosed character class")
            if char == "]" and not first:
                self.take()
                break
            if char == "]" and first:  # [] matches nothing, [^] anything
                self.take()
                return _Chars([] if not negated else [(0x20, 0x7E)])
            first = False
            low = self.class_atom()
            if isinstance(low, list):
                ranges.extend(low)
                continue
            if self.peek() == "-" and self.pos + 1 < len(self.pattern) and self.pattern[self.pos + 1] != "]":
                self.take()
                high = self.class_atom()
                if isinstance(high, list):
                    ranges.append((low, low))
                    ranges.append((ord("-"), ord("-")))
                    ranges.extend(high)
                else:
                    ranges.append((low, max(low, high)))
            else:
                ranges.append((low, low))
        return _Chars(ranges, negated)

    def class_atom(self) -> int | list[tuple[int, int]]:
        char = self.take()
        if char != "\\":
            return ord(char)
        escaped = self.escape(in_class=True)
        if isinstance(escaped, _Chars):
            if escaped.negated:  # \D \W \S inside a class: approximate with printable ASCII
                return [r for r in _complement(escaped.ranges)]
            return escaped.ranges
        if isinstance(escaped, str):
            return ord(escaped)
        return []

    def escape(self, in_class: bool) -> _Node:
        if self.pos >= len(self.pattern):
            return "\\"
        char = self.take()
        simple = {"d": (_DIGITS, False), "D": (_DIGITS, True), "w": (_WORD, False), "W": (_WORD, True),
                  "s": (_SPACE, False), "S": (_SPACE, True)}  # fmt: skip
        if char in simple:
            ranges, negated = simple[char]
            return _Chars(list(ranges), negated)
        controls = {"t": "\t", "n": "\n", "r": "\r", "f": "\f", "v": "\v", "0": "\0"}
        if char in controls:
            return controls[char]
        if char == "b":
            return "\b" if in_class else _Empty()
        if char == "B":
            return _Empty()
        if char == "x" and self.pattern[self.pos : self.pos + 2].isalnum():
            text = self.pattern[self.pos : self.pos + 2]
            self.pos += 2
            return chr(int(text, 16))
        if char == "u":
            if self.peek() == "{":
                end = self.pattern.index("}", self.pos)
                text = self.pattern[self.pos + 1 : end]
                self.pos = end + 1
                return chr(int(text, 16))
            text = self.pattern[self.pos : self.pos + 4]
            self.pos += 4
            return chr(int(text, 16))
        if char == "c" and self.peek() is not None:
            return chr(ord(self.take()) % 32)
        if char in "pP" and self.peek() == "{":
            self.pos = self.pattern.index("}", self.pos) + 1
            return _Chars(list(_LETTERS), char == "P")
        if char.isdigit() and not in_class:
            digits = char
            while (nxt := self.peek()) is not None and nxt.isdigit():
                digits += self.take()
            return _Backref(int(digits))
        if char == "k" and self.peek() == "<":
            end = self.pattern.index(">", self.pos)
            name = self.pattern[self.pos + 1 : end]
            self.pos = end + 1
            return _Backref(None, name)
        return char


def _complement(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The printable ASCII characters outside ``ranges``."""
    result = []
    for code in range(0x20, 0x7F):
        if not any(low <= code <= high for low, high in ranges):
            result.append((code, code))
    return result


class _Walker:
    def __init__(self, rng: random.Random, stretch: int, names: dict[str, int]) -> None:
        self.rng = rng
        self.stretch = stretch
        self.names = names
        self.captures: dict[int, str] = {}

    def alternatives(self, alternatives: list[list[_Node]]) -> str:
        return self.sequence(self.rng.choice(alternatives))

    def sequence(self, items: list[_Node]) -> str:
        return "".join(self.node(item) for item in items)

    def node(self, node: _Node) -> str:
        if isinstance(node, str):
            return node
        if isinstance(node, _Chars):
            return self.char(node)
        if isinstance(node, _Repeat):
            high = node.high if node.high is not None else node.low + self.stretch
            high = min(high, node.low + max(self.stretch, 1) * 4)
            count = self.rng.randint(node.low, max(node.low, high))
            return "".join(self.node(node.node) for _ in range(count))
        if isinstance(node, _Group):
            if node.silent:
                return ""
            text = self.alternatives(node.alternatives)
            if node.index is not None:
                self.captures[node.index] = text
            return text
        if isinstance(node, _Backref):
            index = node.index if node.name is None else self.names.get(node.name)
            return self.captures.get(index or 0, "")
        return ""

    def char(self, chars: _Chars) -> str:
        ranges = _complement(chars.ranges) if chars.negated else chars.ranges
        if (0x61, 0x66) in ranges and (0x41, 0x46) in ranges:  # hex of either case: write lower case
            ranges = [r for r in ranges if r != (0x41, 0x46)]
        if not ranges:
            return ""
        low, high = self.rng.choice(ranges)
        return chr(self.rng.randint(low, high))


def generate_matching(
    pattern: str,
    rng: random.Random,
    *,
    min_length: int = 0,
    max_length: int | None = None,
    attempts: int = 24,
) -> str | None:
    """A string ``pattern`` finds a match in (JSON Schema semantics: an unanchored search),
    within the length bounds; None when none was found in ``attempts`` tries."""
    try:
        compiled = compile_ecma(pattern)
    except ArazzoError:
        return None
    try:
        parser = _Parser(pattern)
        tree = parser.parse()
    except (ValueError, IndexError):
        return None
    for attempt in range(attempts):
        stretch = 3 + attempt // 2 + (min_length // 2 if attempt % 2 else 0)
        walker = _Walker(rng, stretch, parser.names)
        text = walker.alternatives(tree)
        if len(text) < min_length or (max_length is not None and len(text) > max_length):
            continue
        if compiled.search(text):
            return text
    return None
