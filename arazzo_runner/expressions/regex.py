"""Regex conditions: ECMA-262 patterns run on Python's ``re``.

Arazzo regex conditions are written for ECMA-262 (JavaScript) regular expressions.  Python's
``re`` shares most of the syntax but not all of the meaning, so :func:`compile_ecma` translates
a pattern token by token instead of handing it to ``re`` as written:

- ``\\d \\w \\b`` (and their negations) are ASCII-only in ECMA: the pattern is compiled with
  ``re.ASCII``, which gives exactly those sets.  ``\\s`` is Unicode in ECMA (a fixed list of
  space characters, U+FEFF included) and is spelled out, because ``re.ASCII`` would shrink it.
- ``.`` excludes the four ECMA line terminators (``\\n \\r \\u2028 \\u2029``), not just ``\\n``.
- ``$`` is the end of the input only (Python's ``$`` also matches before a final newline).
- ``(?<name>...)`` and ``\\k<name>`` become ``(?P<name>...)`` and ``(?P=name)``.
- ``\\uXXXX`` (a surrogate pair of them is joined into one code point), ``\\u{...}``, ``\\xHH``,
  ``\\cX``, ``\\0``, ``[^]`` (any character), ``[]`` (nothing), ``\\/`` and other escaped
  punctuation, a ``{`` that does not start a quantifier (a literal in ECMA).

What has no faithful mapping is refused with an :class:`~arazzo_runner.errors.ExpressionError`
whose ``offset`` points into the pattern as written: ``\\p{...}`` property escapes, modifier
groups ``(?i:...)``, Python-only syntax (``(?P...)``, ``(?#...)``, ``\\A``, ``\\Z``, possessive
quantifiers), octal escapes, escaped letters that ECMA does not define, and whatever ``re``
itself rejects (a variable-width lookbehind; a backreference placed before or inside its own
group, which ECMA matches as empty).

A backreference to a group that did not take part in the match matches the empty string, as
in ECMA (through a conditional group).  One difference remains and cannot be detected: ECMA
clears the captures of a quantified group at each repetition, ``re`` keeps the last ones, so
``(?:(a)|b\\1)+`` matches all of ``"ab"`` in ECMA but only ``"a"`` here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..errors import ExpressionError
from ..missing import MISSING
from .bounded import bounded_search

__all__ = ["compile_ecma", "to_text", "regex_search"]

# ECMA-262 WhiteSpace and LineTerminator code points: what \s means there.
_ECMA_SPACE = "\\t\\n\\x0b\\x0c\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
_ANY_CHAR = "[\\s\\S]"  # with re.ASCII, still every character: \s and \S are complements
_NOT_LINE_TERMINATOR = "[^\\n\\r\\u2028\\u2029]"
_CONTROL_ESCAPES = {"t": 0x09, "n": 0x0A, "v": 0x0B, "f": 0x0C, "r": 0x0D}
_SHORTHAND_CLASSES = "dDwW"  # identical to re's under re.ASCII
_QUANTIFIER = re.compile(r"\{(\d+)(,(\d*))?\}")
_GROUP_NAME = re.compile(r"<([^>]*)>")
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
_HEX2 = re.compile(r"[0-9A-Fa-f]{2}")
_BRACED_HEX = re.compile(r"\{([0-9A-Fa-f]+)\}")


def _literal(code_point: int) -> str:
    """``code_point`` as an escape that is a plain literal anywhere in a ``re`` pattern."""
    if code_point < 0x100:
        return f"\\x{code_point:02x}"
    if code_point < 0x10000:
        return f"\\u{code_point:04x}"
    return f"\\U{code_point:08x}"


@dataclass
class _ClassItem:
    """One member of a character class: a code point, or a set spelled for ``re``."""

    offset: int
    code_point: int | None = None
    positive: str | None = None  # members to place inside [...], e.g. "\\d" or the \s list
    negated: str | None = None  # members of a set that is only expressible as [^...]


@dataclass
class _Translation:
    """The translated pattern as pieces, each remembering where it came from in the source."""

    source: str
    pieces: list[str] = field(default_factory=list)
    origins: list[int] = field(default_factory=list)

    def emit(self, text: str, origin: int) -> None:
        self.pieces.append(text)
        self.origins.append(origin)

    def text(self) -> str:
        return "".join(self.pieces)

    def origin_of(self, position: int | None) -> int | None:
        """The source offset of the piece that holds ``position`` of the translated text."""
        if position is None:
            return None
        end = 0
        for piece, origin in zip(self.pieces, self.origins, strict=True):
            end += len(piece)
            if position < end:
                return origin
        return len(self.source)


class _Translator:
    """A single left-to-right pass over an ECMA-262 pattern (no flags; ``\\u{...}`` as in u mode)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.pos = 0
        self.out = _Translation(pattern)
        self.group_count, self.group_names = _count_groups(pattern)
        # What the previous token was: after a quantifier only a "?" (lazy) may follow, and
        # after that nothing.  "a*+" is an ECMA syntax error but possessive in Python 3.11+.
        self.last: str = "atom"  # "atom", "quantifier" or "lazy"

    def fail(self, message: str, offset: int) -> ExpressionError:
        return ExpressionError(f"regex {self.pattern!r}: {message} (at offset {offset})", offset=offset)

    def translate(self) -> _Translation:
        pattern = self.pattern
        while self.pos < len(pattern):
            start = self.pos
            char = pattern[start]
            last, self.last = self.last, "atom"
            if char == "\\":
                self._escape()
            elif char == "[":
                self._class()
            elif char == "(":
                self._group_open()
            elif char == ".":
                self.out.emit(_NOT_LINE_TERMINATOR, start)
                self.pos += 1
            elif char == "$":
                self.out.emit("\\Z", start)  # end of input only, as in ECMA without the m flag
                self.pos += 1
            elif char in "*+?":
                if last == "lazy" or last == "quantifier" and char != "?":
                    raise self.fail(f"nothing to repeat before {char!r}", start)
                self.out.emit(char, start)
                self.pos += 1
                self.last = "lazy" if last == "quantifier" else "quantifier"
            elif char == "{":
                quantifier = _QUANTIFIER.match(pattern, start)
                if quantifier:  # a quantifier; otherwise "{" is a literal in ECMA (Annex B)
                    if last != "atom":
                        raise self.fail("nothing to repeat before '{'", start)
                    self.out.emit(quantifier.group(), start)
                    self.pos = quantifier.end()
                    self.last = "quantifier"
                else:
                    self.out.emit("\\{", start)
                    self.pos += 1
            elif char == "}":
                self.out.emit("\\}", start)
                self.pos += 1
            else:  # ^ | ) ] and ordinary characters mean the same in re
                self.out.emit(char if char in "^|)]" else re.escape(char), start)
                self.pos += 1
        return self.out

    # ------------------------------------------------------------------ escapes
    def _escape(self) -> None:
        start = self.pos
        pattern = self.pattern
        if start + 1 >= len(pattern):
            raise self.fail("the pattern ends with a lone backslash", start)
        char = pattern[start + 1]
        if char in _SHORTHAND_CLASSES or char in "bB":
            self.out.emit("\\" + char, start)  # ASCII semantics through re.ASCII
            self.pos = start + 2
        elif char == "s":
            self.out.emit(f"[{_ECMA_SPACE}]", start)
            self.pos = start + 2
        elif char == "S":
            self.out.emit(f"[^{_ECMA_SPACE}]", start)
            self.pos = start + 2
        elif char == "k":
            self._named_backreference()
        elif char.isdigit() and char != "0":
            self._backreference()
        else:
            self.out.emit(_literal(self._character_escape(in_class=False)), start)

    def _backreference(self) -> None:
        start = self.pos
        number = re.match(r"\d+", self.pattern[start + 1 :])
        assert number is not None  # the caller saw a digit
        group = int(number.group())
        if group > self.group_count:
            raise self.fail(f"\\{group} refers to a group that does not exist (octal escapes are not supported)", start)
        # ECMA: a backreference to a group that did not take part matches the empty string;
        # in re it fails, unless guarded by a conditional group.  (?(n)...) also keeps a
        # following digit out of the group number.
        self.out.emit(f"(?({group})\\{group})", start)
        self.pos = start + 1 + len(number.group())

    def _named_backreference(self) -> None:
        start = self.pos
        name = _GROUP_NAME.match(self.pattern, start + 2)
        if name is None or name.group(1) not in self.group_names:
            raise self.fail("\\k must name a group of the pattern, as in \\k<name>", start)
        self.out.emit(f"(?({name.group(1)})(?P={name.group(1)}))", start)  # see _backreference
        self.pos = name.end()

    def _character_escape(self, *, in_class: bool) -> int:
        """Consume a CharacterEscape at ``self.pos`` (a backslash) and return its code point."""
        start = self.pos
        pattern = self.pattern
        char = pattern[start + 1]
        self.pos = start + 2
        if char in _CONTROL_ESCAPES:
            return _CONTROL_ESCAPES[char]
        if char == "b" and in_class:
            return 0x08  # [\b] is backspace
        if char == "0":
            if self.pos < len(pattern) and pattern[self.pos].isdigit():
                raise self.fail("octal escapes are not supported", start)
            return 0
        if char == "c":
            if self.pos < len(pattern) and pattern[self.pos].isascii() and pattern[self.pos].isalpha():
                self.pos += 1
                return ord(pattern[self.pos - 1]) % 32
            raise self.fail("\\c must be followed by a letter A-Z or a-z", start)
        if char == "x":
            digits = _HEX2.match(pattern, self.pos)
            if digits is None:
                raise self.fail("\\x must be followed by two hexadecimal digits", start)
            self.pos = digits.end()
            return int(digits.group(), 16)
        if char == "u":
            return self._unicode_escape(start)
        if char in "pP":
            raise self.fail("Unicode property escapes (\\p{...}, \\P{...}) are not supported", start)
        if char.isdigit():
            raise self.fail("octal escapes and backreferences are not supported in a character class", start)
        if char.isascii() and char.isalnum():
            raise self.fail(f"\\{char} is not an ECMA-262 escape", start)
        return ord(char)  # an identity escape: \/ \. \- \\ \$ ...

    def _unicode_escape(self, start: int) -> int:
        pattern = self.pattern
        braced = _BRACED_HEX.match(pattern, self.pos)
        if braced:
            code_point = int(braced.group(1), 16)
            if code_point > 0x10FFFF:
                raise self.fail("\\u{...} is beyond U+10FFFF", start)
            self.pos = braced.end()
            return code_point
        digits = _HEX4.match(pattern, self.pos)
        if digits is None:
            raise self.fail("\\u must be followed by four hexadecimal digits or {hex}", start)
        self.pos = digits.end()
        code_point = int(digits.group(), 16)
        # ECMA strings are UTF-16: a high surrogate escape followed by a low one is one
        # character, which Python strings hold as a single code point.
        if 0xD800 <= code_point <= 0xDBFF and pattern.startswith("\\u", self.pos):
            low = _HEX4.match(pattern, self.pos + 2)
            if low and 0xDC00 <= int(low.group(), 16) <= 0xDFFF:
                self.pos = low.end()
                return 0x10000 + ((code_point - 0xD800) << 10) + (int(low.group(), 16) - 0xDC00)
        return code_point

    # ------------------------------------------------------------------ groups
    def _group_open(self) -> None:
        start = self.pos
        pattern = self.pattern
        if not pattern.startswith("(?", start):
            self.out.emit("(", start)
            self.pos += 1
            return
        for prefix in ("(?:", "(?=", "(?!", "(?<=", "(?<!"):
            if pattern.startswith(prefix, start):
                self.out.emit(prefix, start)
                self.pos += len(prefix)
                return
        name = _GROUP_NAME.match(pattern, start + 2)
        if name:
            self.out.emit(f"(?P<{name.group(1)}>", start)
            self.pos = name.end()
            return
        if re.match(r"\(\?[imsx-]*[:)]", pattern[start:]):
            raise self.fail("modifier groups such as (?i:...) are not supported", start)
        raise self.fail("invalid group: '(?' must start (?:, (?=, (?!, (?<=, (?<! or (?<name>", start)

    # ------------------------------------------------------------------ classes
    def _class(self) -> None:
        start = self.pos
        pattern = self.pattern
        self.pos += 1
        negated = pattern.startswith("^", self.pos)
        if negated:
            self.pos += 1
        items: list[_ClassItem | str] = []  # "-" stands for a dash that may form a range
        while True:
            if self.pos >= len(pattern):
                raise self.fail("the character class is not closed", start)
            char = pattern[self.pos]
            if char == "]":
                self.pos += 1
                break
            if char == "-":
                items.append("-")
                self.pos += 1
            elif char == "\\":
                items.append(self._class_escape())
            else:
                items.append(_ClassItem(self.pos, code_point=ord(char)))
                self.pos += 1
        self.out.emit(self._class_text(_ranges(items, self), negated), start)

    def _class_escape(self) -> _ClassItem:
        start = self.pos
        pattern = self.pattern
        if start + 1 >= len(pattern):
            raise self.fail("the pattern ends with a lone backslash", start)
        char = pattern[start + 1]
        if char in _SHORTHAND_CLASSES:
            self.pos = start + 2
            return _ClassItem(start, positive="\\" + char)
        if char == "s":
            self.pos = start + 2
            return _ClassItem(start, positive=_ECMA_SPACE)
        if char == "S":
            self.pos = start + 2
            return _ClassItem(start, negated=_ECMA_SPACE)
        if char == "k":
            raise self.fail("\\k is not allowed in a character class", start)
        return _ClassItem(start, code_point=self._character_escape(in_class=True))

    @staticmethod
    def _class_text(members: list[tuple[str, str | None]], negated: bool) -> str:
        """The ``re`` text of a class; ``members`` are (inside-[...] text, [^...] text) pairs."""
        inside = "".join(text for text, _ in members if text)
        complements = [f"[^{text}]" for _, text in members if text is not None]
        if not complements:
            if not inside:
                return _ANY_CHAR if negated else "(?!)"  # [^] is any character, [] is nothing
            return f"[^{inside}]" if negated else f"[{inside}]"
        # \S inside a class: re has no way to put a complemented set in a class under
        # re.ASCII that means the ECMA set, so build the union from alternatives.
        union = "|".join(([f"[{inside}]"] if inside else []) + complements)
        return f"(?:(?!{union}){_ANY_CHAR})" if negated else f"(?:{union})"


def _ranges(items: list[_ClassItem | str], translator: _Translator) -> list[tuple[str, str | None]]:
    """Join ``a-z`` into ranges; a dash next to a set (``[\\d-z]``) is a literal (Annex B)."""
    members: list[tuple[str, str | None]] = []
    index = 0
    while index < len(items):
        item = items[index]
        if (
            isinstance(item, _ClassItem)
            and item.code_point is not None
            and index + 2 < len(items)
            and items[index + 1] == "-"
            and isinstance(items[index + 2], _ClassItem)
            and items[index + 2].code_point is not None  # type: ignore[union-attr]
        ):
            high = items[index + 2]
            assert isinstance(high, _ClassItem) and high.code_point is not None
            if high.code_point < item.code_point:
                raise translator.fail("the character class range is out of order", item.offset)
            members.append((f"{_literal(item.code_point)}-{_literal(high.code_point)}", None))
            index += 3
            continue
        if item == "-":
            members.append(("\\-", None))
        elif isinstance(item, _ClassItem):
            if item.code_point is not None:
                members.append((_literal(item.code_point), None))
            elif item.positive is not None:
                members.append((item.positive, None))
            else:
                members.append(("", item.negated))
        index += 1
    return members


def _count_groups(pattern: str) -> tuple[int, frozenset[str]]:
    """The number of capturing groups and their names (for backreference checks)."""
    count = 0
    names: set[str] = set()
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            if not pattern.startswith("(?", index):
                count += 1
            else:
                name = _GROUP_NAME.match(pattern, index + 2)
                if name and not pattern.startswith(("(?<=", "(?<!"), index):
                    count += 1
                    names.add(name.group(1))
        index += 1
    return count, frozenset(names)


_GROUP_OPENERS = frozenset({"(", "(?:", "(?=", "(?!", "(?<=", "(?<!"})


def _lookbehind_at_fault(translation: _Translation) -> int | None:
    """The source offset of the first lookbehind ``re`` cannot compile on its own.

    ``re`` reports "look-behind requires fixed-width pattern" without a position.
    """
    pieces = translation.pieces
    for index, piece in enumerate(pieces):
        if piece not in ("(?<=", "(?<!"):
            continue
        depth = 0
        for end in range(index, len(pieces)):
            opened = pieces[end] in _GROUP_OPENERS or pieces[end].startswith("(?P<")
            depth += 1 if opened else -1 if pieces[end] == ")" else 0
            if depth == 0:
                try:
                    re.compile("".join(pieces[index : end + 1]), re.ASCII)
                except re.error as error:
                    if "look-behind" in error.msg:
                        return translation.origins[index]
                break
    return None


@lru_cache(maxsize=512)
def compile_ecma(pattern: str) -> re.Pattern[str]:
    """Compile an ECMA-262 regular expression (no flags) to an equivalent ``re`` pattern.

    Raises :class:`ExpressionError` (with ``offset`` into ``pattern``) for syntax that has no
    faithful ``re`` equivalent and for patterns ``re`` rejects.
    """
    translation = _Translator(pattern).translate()
    try:
        return re.compile(translation.text(), re.ASCII)
    except OverflowError as error:  # a repetition count too large for re
        raise ExpressionError(f"regex {pattern!r}: {error}") from None
    except re.error as error:
        offset = translation.origin_of(error.pos) if error.pos is not None else _lookbehind_at_fault(translation)
        where = f" (at offset {offset})" if offset is not None else ""
        raise ExpressionError(f"regex {pattern!r}: {error.msg}{where}", offset=offset) from None


def to_text(value: Any) -> str:
    """The text a regex is matched against: strings as themselves, the rest in JSON form.

    ``200`` → ``"200"``, ``True`` → ``"true"``, ``None`` → ``"null"``; objects and arrays as
    compact JSON.  Bytes are decoded as UTF-8.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError as error:
            raise ExpressionError(f"the context is not UTF-8 text: {error}") from None
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=True)
    except (TypeError, ValueError):
        return str(value)  # not JSON data (a date, a custom object): its own text form


def regex_search(value: Any, pattern: str, *, time_limit: float | None = None) -> bool:
    """Whether the ECMA-262 ``pattern`` matches anywhere in ``to_text(value)``.

    A null or missing context cannot be matched: that raises :class:`ExpressionError`, which
    the criterion reports as a failure.  The match runs on a linear-time engine, or on one
    bounded by ``min(REGEX_TIME_CAP, time_limit)`` seconds (see :mod:`.bounded`); running out
    raises :class:`~.limits.LimitExceeded`.
    """
    if value is MISSING:
        raise ExpressionError("the context is missing")
    if value is None:
        raise ExpressionError("the context is null")
    compiled = compile_ecma(pattern)  # errors of the pattern, with offsets, as re reports them
    return bounded_search(compiled.pattern, compiled.flags, to_text(value), time_limit)
