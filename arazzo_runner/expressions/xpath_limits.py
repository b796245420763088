"""CPU and memory limits for XPath on ``elementpath``, checked while the expression is evaluated.

``elementpath`` evaluates a parsed expression as a tree of tokens, each one calling its
operands' ``evaluate``/``select``.  :func:`bounded_parser` makes a parser whose symbol table
holds, for each of the library's token classes, a subclass of its own (same layout, only the
two methods wrapped), so that every token the parser makes, wherever the library keeps it (an
operand, the body of an inline function called by ``fold-left``, a function made by
``concat#3`` or ``function-lookup``), does this while a :class:`~.limits.Budget` is active:

- counts a step at each evaluation and each item a ``select`` yields, so the deadline is seen
  within a few hundred steps wherever the time goes (a path over a large document, a ``for``,
  a higher-order function);
- checks the size of every value a token returns, and of the items a ``select`` has yielded
  so far: :data:`~.limits.MAX_ITEMS` items and :data:`~.limits.MAX_CHARACTERS` characters,
  counting what sequences, arrays and maps hold (``for $i in 1 to 100 return [1 to 999999]``
  is 99,999,900 items), and integers up to :data:`~.limits.MAX_INTEGER_BITS` bits.
  Each value is built from operands already within the limits, so memory stays bounded by a
  small multiple of them;
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
from typing import Any, TypeVar

from elementpath.xpath_tokens import XPathArray, XPathMap

from .bounded import regex_flags, regex_timeout, slow_regex
from .limits import MAX_INTEGER_BITS, MAX_ITEMS, LimitExceeded, active, check_measure

__all__ = ["bounded_parser"]

_CONTAINERS = (list, XPathArray, XPathMap)

_REGEX_FUNCTIONS = frozenset({"matches", "replace", "tokenize", "analyze-string"})


def _measure(value: Any) -> tuple[int, int]:
    """(items, characters) a value holds: sequences, arrays and maps count what they contain."""
    if value.__class__ is str:
        return 1, len(value)
    if isinstance(value, list):
        items = len(value)
        characters = 0
        for item in value:
            kind = item.__class__
            if kind is str:
                characters += len(item)
            elif kind is not int and kind is not float and kind is not bool and isinstance(item, _CONTAINERS):
                inner, text = _measure(item)
                items += inner - 1
                characters += text
        return items, characters
    if isinstance(value, XPathArray):
        return _measure(list(value.items()))
    if isinstance(value, XPathMap):
        _, key_text = _measure(list(value.keys()))  # one key per entry: the values count the entries
        values, value_text = _measure(list(value.values()))
        return max(values, len(value)), key_text + value_text
    if isinstance(value, str):
        return 1, len(value)
    return 1, 0


def _check_size(value: Any) -> None:
    """Fail when ``value`` is larger than the limits (see module doc)."""
    if value.__class__ is int:
        if value.bit_length() > MAX_INTEGER_BITS:
            raise LimitExceeded("an integer of more than 300,000 digits is more than a criterion may build")
        return
    if isinstance(value, _CONTAINERS) or isinstance(value, str):
        check_measure(*_measure(value), "a value" if isinstance(value, str) else "a sequence")


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
    if getattr(cls, "_arazzo_bounded", False):
        return cls
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
        items = characters = 0
        for item in select(self, context):
            current.step("the XPath expression")
            if item.__class__ is str:
                items += 1
                characters += len(item)
            elif item.__class__ is int:
                items += 1
                if item.bit_length() > MAX_INTEGER_BITS:
                    _check_size(item)
            else:
                inner, text = _measure(item)
                items += inner
                characters += text
            check_measure(items, characters, "a sequence")
            yield item

    namespace: dict[str, Any] = {
        "__slots__": (),
        "__module__": cls.__module__,
        "_arazzo_bounded": True,
        "evaluate": bounded_evaluate,
        "select": bounded_select,
    }
    if checks_range:  # the library's select of a range calls evaluate; the check is there
        namespace.pop("select")
    return type(cls.__name__, (cls,), namespace)


Parser = TypeVar("Parser", bound=type)


@cache
def bounded_parser(cls: Parser) -> Parser:
    """A subclass of the parser class ``cls`` that makes only budget-checking tokens.

    Its symbol table maps every symbol to the bounded subclass of the library's token class,
    so every token the parser makes is bounded wherever the library keeps it: the tree of
    operands, the body of an inline function, a function made by a reference (``concat#3``)
    or by ``function-lookup``, a constructor made while casting.
    """
    table = {name: _bounded_class(token_class) for name, token_class in cls.symbol_table.items()}  # type: ignore[attr-defined]
    # Not kept in this module's namespace: elementpath allows one parser class per module.
    return type(f"Bounded{cls.__name__}", (cls,), {"symbol_table": table, "__module__": __name__})  # type: ignore[return-value]
