"""CPU and memory limits for XPath on ``elementpath``, checked while the expression is evaluated.

``elementpath`` evaluates a parsed expression as a tree of tokens, each one calling its
operands' ``evaluate``/``select``.  :func:`bound` gives every token of a parsed tree a subclass
of its own class (same layout, only the two methods wrapped) that, while a
:class:`~.limits.Budget` is active,

- counts a step at each evaluation and each item a ``select`` yields, so the deadline is seen
  within a few hundred steps wherever the time goes (a path over a large document, a ``for``);
- checks the size of every value a token returns: sequences and arrays up to
  :data:`~.limits.MAX_ITEMS` items, strings up to :data:`~.limits.MAX_CHARACTERS`, integers up
  to :data:`~.limits.MAX_INTEGER_BITS` bits.  Each value is built from operands already within
  the limits, so memory stays bounded by a small multiple of them;
- checks the bounds of a range ``a to b`` before it is built: it is the one construct whose
  result is not built from items already counted (``1 to 100000000`` would be 100 million
  integers made in a single step);
- runs the regex functions (``matches``, ``replace``, ``tokenize``, ``analyze-string``) on
  the ``regex`` package with a timeout, through the library's own code with its ``re`` module
  name bound to :class:`_BoundedRe`: the pattern translation and every rule of the functions
  stay the library's.

Without an active budget the wrappers only call through.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Iterator
from functools import cache, lru_cache
from typing import Any

from .bounded import regex_flags, regex_timeout, slow_regex
from .limits import MAX_CHARACTERS, MAX_INTEGER_BITS, MAX_ITEMS, LimitExceeded, active, too_many

__all__ = ["bound"]

_REGEX_FUNCTIONS = frozenset({"matches", "replace", "tokenize", "analyze-string"})


def _check_size(value: Any) -> None:
    if isinstance(value, list):
        if len(value) > MAX_ITEMS:
            raise too_many(len(value), "a sequence")
    elif isinstance(value, str):
        if len(value) > MAX_CHARACTERS:
            raise too_many(len(value), "a string of characters")
    elif isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INTEGER_BITS:
            raise LimitExceeded("an integer of more than 300,000 digits is more than the limit of a criterion")
    else:
        size = getattr(value, "__len__", None)
        if size is not None and type(value).__name__ in ("XPathArray", "XPathMap") and size() > MAX_ITEMS:
            raise too_many(size(), "an array or map")


def _range_check(token: Any, context: Any) -> None:
    """Refuse ``a to b`` with more items than a sequence may hold, before it is built."""
    start, stop = token.get_operands(context)
    try:
        count = int(stop) - int(start) + 1
    except (TypeError, ValueError, OverflowError):
        return  # empty operands and the like: the library reports or handles them
    if count > MAX_ITEMS:
        raise LimitExceeded(
            f"the range {int(start)} to {int(stop)} has {count:,} items, more than the {MAX_ITEMS:,} a criterion may build"
        )


class _BoundedPattern:
    """A compiled ``regex`` pattern whose matching methods take the budget's timeout."""

    def __init__(self, pattern: Any) -> None:
        self._pattern = pattern

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pattern, name)

    def _run(self, method: str, *args: Any, **kwargs: Any) -> Any:
        limit = regex_timeout()
        try:
            return getattr(self._pattern, method)(*args, timeout=limit, **kwargs)
        except TimeoutError:
            texts = [arg for arg in args if isinstance(arg, str)]  # the subject comes last (sub, split)
            raise slow_regex(limit, len(texts[-1]) if texts else None) from None

    def search(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("search", *args, **kwargs)

    def match(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("match", *args, **kwargs)

    def fullmatch(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("fullmatch", *args, **kwargs)

    def sub(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("sub", *args, **kwargs)

    def split(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("split", *args, **kwargs)

    def findall(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("findall", *args, **kwargs)

    def finditer(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        matches = self._run("finditer", *args, **kwargs)  # lazy: the timeout applies while iterating
        try:
            yield from matches
        except TimeoutError:
            subject = next((arg for arg in args if isinstance(arg, str)), None)
            raise slow_regex(regex_timeout(), len(subject) if subject is not None else None) from None


class _BoundedRe(types.ModuleType):
    """What the library's regex functions see as ``re``: ``re`` itself, compiling with ``regex``.

    The flags keep their ``re`` values (the library passes them on to its pattern translator);
    :func:`compile` maps them to ``regex``'s.
    """

    def __init__(self) -> None:
        super().__init__("re")
        import regex

        self.error = regex.error

    def __getattr__(self, name: str) -> Any:
        return getattr(re, name)

    @staticmethod
    def compile(pattern: str, flags: int = 0) -> _BoundedPattern:
        import regex

        return _BoundedPattern(regex.compile(pattern, regex_flags(int(flags))))

    def search(self, pattern: str, string: str, flags: int = 0) -> Any:
        return self.compile(pattern, flags).search(string)

    def match(self, pattern: str, string: str, flags: int = 0) -> Any:
        return self.compile(pattern, flags).match(string)

    def fullmatch(self, pattern: str, string: str, flags: int = 0) -> Any:
        return self.compile(pattern, flags).fullmatch(string)

    def sub(self, pattern: str, repl: Any, string: str, count: int = 0, flags: int = 0) -> Any:
        return self.compile(pattern, flags).sub(repl, string, count)

    def split(self, pattern: str, string: str, maxsplit: int = 0, flags: int = 0) -> Any:
        return self.compile(pattern, flags).split(string, maxsplit)


@lru_cache(maxsize=1)
def _bounded_re() -> _BoundedRe:
    return _BoundedRe()


def _with_bounded_re(function: Callable[..., Any]) -> Callable[..., Any]:
    """A copy of the library ``function`` that finds :class:`_BoundedRe` under the name ``re``."""
    names = dict(function.__globals__)
    names["re"] = _bounded_re()
    copy = types.FunctionType(function.__code__, names, function.__name__, function.__defaults__, function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    return copy


@cache
def _bounded_class(cls: type) -> type:
    """``cls`` with ``evaluate`` and ``select`` checking the active budget (see module doc)."""
    evaluate: Callable[..., Any] = cls.evaluate  # type: ignore[attr-defined]
    select: Callable[..., Any] = cls.select  # type: ignore[attr-defined]
    symbol = getattr(cls, "symbol", None)
    if symbol in _REGEX_FUNCTIONS:
        evaluate = _with_bounded_re(evaluate)
    checks_range = symbol == "to"

    def bounded_evaluate(self: Any, context: Any = None) -> Any:
        current = active()
        if current is None:
            return evaluate(self, context)
        current.step("the XPath expression")
        if checks_range:
            _range_check(self, context)
        result = evaluate(self, context)
        _check_size(result)
        return result

    def bounded_select(self: Any, context: Any = None) -> Iterator[Any]:
        current = active()
        if current is None:
            yield from select(self, context)
            return
        for item in select(self, context):
            current.step("the XPath expression")
            _check_size(item)
            yield item

    namespace = {"__slots__": (), "evaluate": bounded_evaluate, "select": bounded_select}
    if checks_range:  # the library's select of a range calls evaluate; the check is there
        namespace.pop("select")
    return type(cls.__name__, (cls,), namespace)


def bound(token: Any) -> Any:
    """Give every token of the parsed tree ``token`` its budget-checking class; returns ``token``."""
    pending = [token]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        cls: Any = type(current)
        if not getattr(cls, "_arazzo_bounded", False):
            bounded = _bounded_class(cls)
            bounded._arazzo_bounded = True  # type: ignore[attr-defined]
            current.__class__ = bounded
        pending.extend(child for child in current if child is not None)
    return token
