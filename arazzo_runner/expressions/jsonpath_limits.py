"""CPU, memory and regex limits for JSONPath on ``jsonpath-rfc9535`` and ``python-jsonpath``.

Both libraries parse every query, the top-level one and each query embedded in a filter
(``@.price``, ``$..*`` in ``count(...)``), through their parser's ``parse_query``, which yields
the query's segments, each holding its selectors.  :func:`bounded_segments` gives every
segment and selector a subclass of its own class (same layout, only ``resolve`` wrapped: the
libraries' ``isinstance`` tests, such as the one telling a singular query, still hold) that,
while a :class:`~.limits.Budget` is active,

- counts a step each time a selector is applied to a node and each time a node is produced,
  so the deadline is seen within a few hundred steps wherever the time goes (a recursive
  descent over a large document, a filter over a long array, ``$..*..*..*``);
- fails when one segment produces more than :data:`~.limits.MAX_ITEMS` nodes: the node list
  a query holds in memory never grows past that.

The regex functions run through :func:`.bounded.bounded_search` (RE2, or ``regex`` with a
timeout): ``match()``/``search()`` of both dialects (:func:`iregexp_function`), with the
libraries' own I-Regexp check and mapping to Python syntax, and python-jsonpath's ``=~``
(:func:`bounded_fullmatch`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache, lru_cache
from typing import Any

from .limits import MAX_ITEMS, active, too_many

__all__ = ["bounded_fullmatch", "bounded_segments", "iregexp_function"]


@cache
def _bounded_segment_class(cls: type) -> type:
    """``cls`` (a segment class) with ``resolve(nodes)`` counting steps and nodes."""
    if getattr(cls, "_arazzo_bounded", False):
        return cls
    resolve: Callable[..., Iterable[Any]] = cls.resolve  # type: ignore[attr-defined]

    def bounded_resolve(self: Any, nodes: Iterable[Any]) -> Iterator[Any]:
        current = active()
        if current is None:
            yield from resolve(self, nodes)
            return
        count = 0
        for node in resolve(self, nodes):
            count += 1
            current.step("the JSONPath query")
            if count > MAX_ITEMS:
                raise too_many(count, "nodes", "a node list")
            yield node

    namespace = {"__slots__": (), "__module__": cls.__module__, "_arazzo_bounded": True, "resolve": bounded_resolve}
    return type(cls.__name__, (cls,), namespace)


@cache
def _bounded_selector_class(cls: type) -> type:
    """``cls`` (a selector class) with ``resolve(node)`` counting a step per call and per node."""
    if getattr(cls, "_arazzo_bounded", False):
        return cls
    resolve: Callable[..., Iterable[Any]] = cls.resolve  # type: ignore[attr-defined]

    def bounded_resolve(self: Any, node: Any) -> Iterator[Any]:
        current = active()
        if current is None:
            yield from resolve(self, node)
            return
        current.step("the JSONPath query")
        for child in resolve(self, node):
            current.step("the JSONPath query")
            yield child

    namespace = {"__slots__": (), "__module__": cls.__module__, "_arazzo_bounded": True, "resolve": bounded_resolve}
    return type(cls.__name__, (cls,), namespace)


def bounded_segments(segments: Iterable[Any]) -> Iterator[Any]:
    """The segments a parser's ``parse_query`` yields, each (with its selectors) made bounded."""
    for segment in segments:
        segment_class: type = segment.__class__
        segment.__class__ = _bounded_segment_class(segment_class)
        for selector in segment.selectors:
            selector_class: type = selector.__class__
            selector.__class__ = _bounded_selector_class(selector_class)
        yield segment


def iregexp_function(base: type, arg_types: list[Any], return_type: Any, *, whole: bool) -> Any:
    """A ``match()`` (``whole``) or ``search()`` filter function of the library whose
    ``FilterFunction`` class is ``base``, running bounded.

    The pattern is checked with ``iregexp_check`` and mapped to Python syntax as the libraries
    do (``map_re``), then run by :func:`.bounded.bounded_search`.  A value or pattern that is
    not a string, or a pattern that is not valid I-Regexp, gives false (RFC 9535).
    """

    def call(self: Any, value: object, pattern: object) -> bool:
        from .bounded import bounded_search

        if not isinstance(pattern, str) or not isinstance(value, str):
            return False
        text = _python_pattern(pattern, whole)
        if text is None:
            return False
        import regex

        try:
            return bounded_search(text, 0, value)
        except regex.error:
            return False

    namespace = {"arg_types": arg_types, "return_type": return_type, "__call__": call, "__module__": __name__}
    return type("Match" if whole else "Search", (base,), namespace)()


@lru_cache(maxsize=512)
def _python_pattern(pattern: str, whole: bool) -> str | None:
    """The I-Regexp ``pattern`` in Python syntax (anchored when ``whole``); None when not valid."""
    from iregexp_check import check
    from jsonpath_rfc9535.function_extensions._pattern import map_re

    if not check(pattern):
        return None
    mapped = map_re(pattern)
    return f"\\A(?:{mapped})\\Z" if whole else mapped


def bounded_fullmatch(pattern: re.Pattern[str], subject: str) -> bool:
    """Whether the compiled ``re`` ``pattern`` matches the whole of ``subject``, bounded."""
    from .bounded import bounded_search

    flags = pattern.flags & ~re.UNICODE  # the default of a str pattern; RE2 reads Unicode too
    return bounded_search(f"\\A(?:{pattern.pattern})\\Z", flags, subject)
