"""Regular expressions that cannot hang: RE2 where the pattern allows it, ``regex`` with a timeout otherwise.

The dialects stay what they are (ECMA-262 translated by :mod:`.regex`, I-Regexp mapped by the
JSONPath libraries, XPath's own translated by ``elementpath``): each is first written as a
Python ``re`` pattern.  That text is then run by

- **RE2** (``google-re2``), a linear-time engine, when the pattern has no lookaround and no
  backreference: the text is rewritten to RE2's spelling (``\\uXXXX`` → ``\\x{XXXX}``, ``\\Z``
  → ``\\z``), nothing else changes, and a yes/no search has one answer whatever the engine,
  so the result is the one ``re`` would give, only without exponential backtracking;
- the ``regex`` package otherwise (lookaround, backreferences, patterns RE2 refuses such as
  repetition counts over 1000, or a text holding lone surrogates, which RE2 cannot encode):
  it reads ``re`` syntax with the same meaning and takes a ``timeout`` argument.

Both engines are imported on first use: ``arazzo run`` does not pay for them unless a regex runs.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .limits import REGEX_TIME_CAP, LimitExceeded, active, seconds

__all__ = ["bounded_search", "regex_timeout", "slow_regex", "to_re2"]

_TIMEOUT_HINT = "a pattern with nested quantifiers, such as (a+)+, can take exponential time"


def slow_regex(limit: float, text_length: int | None = None) -> LimitExceeded:
    """The error of a regex that ran out of time."""
    on = f" on {text_length:,} characters" if text_length is not None else ""
    return LimitExceeded(f"the regex took longer than {seconds(limit)}{on} ({_TIMEOUT_HINT})")


def regex_timeout(time_limit: float | None = None) -> float:
    """Seconds one regex match may take: the cap, the caller's limit, what the active budget has left."""
    limit = REGEX_TIME_CAP if time_limit is None else min(REGEX_TIME_CAP, time_limit)
    current = active()
    if current is not None:
        limit = min(limit, current.remaining())
    return max(limit, 0.0)


def to_re2(text: str) -> str | None:
    """``re`` pattern text as RE2 text with the same meaning, or None when RE2 cannot run it.

    ``text`` is the output of the translators this package uses, so only these ``re``
    spellings need care: ``\\u``/``\\U`` escapes, ``\\Z``, and ``(?`` groups, of which RE2 has
    only ``(?:`` and ``(?P<name>``.
    """
    out: list[str] = []
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "\\" and index + 1 < length:
            follower = text[index + 1]
            if follower == "u":
                out.append(f"\\x{{{text[index + 2 : index + 6]}}}")
                index += 6
            elif follower == "U":
                out.append(f"\\x{{{text[index + 2 : index + 10]}}}")
                index += 10
            elif follower == "Z":
                out.append("\\z")
                index += 2
            elif follower.isdigit() and follower != "0" or follower in "GpPN":
                return None  # backreference, or syntax whose meaning differs in RE2
            else:
                out.append(text[index : index + 2])
                index += 2
        elif char == "(" and text.startswith("(?", index):
            if text.startswith("(?:", index) or text.startswith("(?P<", index):
                out.append("(?:" if text.startswith("(?:", index) else "(?P<")
                index += 3 if text.startswith("(?:", index) else 4
            else:
                return None  # lookaround, conditional group, inline flags
        else:
            out.append(char)
            index += 1
    return "".join(out)


@lru_cache(maxsize=512)
def _re2_pattern(text: str, flags: int) -> Any:
    """The RE2 pattern for ``re`` ``text``, or None when RE2 cannot run it exactly."""
    if flags & ~_RE2_FLAGS:
        return None
    rewritten = to_re2(text)
    if rewritten is None:
        return None
    import re2

    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(rewritten, options)
    except re2.error:
        return None  # repetition counts over 1000, names RE2 refuses, patterns over max_mem


_ASCII = 256  # re.ASCII; \d \w \b are ASCII in RE2
_RE2_FLAGS = _ASCII


_SAME_FLAGS = 2 | 4 | 8 | 16 | 32 | 64  # I L M S U X: the same values in re and regex


def regex_flags(flags: int) -> int:
    """``re`` flags as ``regex`` flags (only ASCII has another value there)."""
    import regex

    return (flags & _SAME_FLAGS) | (int(regex.ASCII) if flags & _ASCII else 0)


@lru_cache(maxsize=512)
def _regex_pattern(text: str, flags: int) -> Any:
    import regex

    return regex.compile(text, regex_flags(flags))


def bounded_search(text: str, flags: int, subject: str, time_limit: float | None = None) -> bool:
    """Whether the ``re`` pattern ``text`` (with ``re`` ``flags``) matches anywhere in ``subject``.

    Raises :class:`LimitExceeded` when a backtracking match runs out of time (see
    :func:`regex_timeout`).
    """
    linear = _re2_pattern(text, flags)
    if linear is not None:
        try:
            return linear.search(subject) is not None
        except UnicodeEncodeError:
            pass  # lone surrogates: RE2 reads UTF-8
    limit = regex_timeout(time_limit)
    try:
        return _regex_pattern(text, flags).search(subject, timeout=limit) is not None
    except TimeoutError:
        raise slow_regex(limit, len(subject)) from None
