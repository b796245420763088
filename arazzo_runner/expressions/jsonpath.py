"""JSONPath conditions and selectors: RFC 9535, and the Goessner draft Arazzo also names.

Two libraries by the same author, one per version:

- ``rfc9535`` runs on ``jsonpath-rfc9535``, a strict implementation of RFC 9535 (its I-Regexp
  ``match()``/``search()`` included).
- ``draft-goessner-dispatch-jsonpath-00`` runs on ``python-jsonpath`` in its lenient mode,
  adjusted where Goessner's JavaScript meaning differs from what that library does:

  - ``.length`` (and ``['length']``) of an array or a string is its length, as in JavaScript
    (``$.store.book.length``, ``?(@.tags.length > 1)``); on an object it is the member.
  - ``[(@.length-N)]``, the one script expression in common use, selects the N-th element from
    the end (it is rewritten to ``[-N]``); any other script expression ``[(...)]`` is refused
    with an error, since there is no JavaScript engine to run it.
  - a filter test of a bare query (``?(@.isbn)``, ``!``, ``&&``, ``||``) uses JavaScript
    truthiness: ``false``, ``0``, ``""``, ``null`` and absent values are false.
  - a bare name in brackets (``$[store]``) is a member name, as in Goessner's implementation.

  Known limits (by design, not silently different): comparisons in filters do not apply
  JavaScript's loose coercions (``@.price == '8.95'`` is false for the number 8.95, as in
  RFC 9535); JavaScript method calls in filters (``@.title.match(/x/)``) are not available
  (``python-jsonpath``'s ``=~ /x/`` and the RFC 9535 functions are); arithmetic is not
  available; the lenient mode also accepts ``python-jsonpath`` extensions (``|``, ``&``,
  ``~``, ``#``, ``in``, ``=~``), which Goessner's draft does not define.

A context that is a string (or bytes) holding JSON text is parsed first, because response
bodies can arrive as text.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import jsonpath as goessner_lib
import jsonpath_rfc9535 as rfc9535_lib
from jsonpath.match import NodeList
from jsonpath.parse import Parser as GoessnerParser
from jsonpath.selectors import JSONPathSelector, NameSelector
from jsonpath.stream import TokenStream
from jsonpath.token import TOKEN_COMMA, TOKEN_NAME, TOKEN_RBRACKET

from ..errors import ExpressionError
from ..missing import MISSING
from .jsonpath_limits import bounded_fullmatch, bounded_segments, iregexp_function
from .limits import LimitExceeded
from .messages import plain_text

__all__ = ["JSONPATH_VERSIONS", "compile_jsonpath", "jsonpath_nodes", "json_data"]

RFC9535 = "rfc9535"
GOESSNER = "draft-goessner-dispatch-jsonpath-00"
JSONPATH_VERSIONS = (RFC9535, GOESSNER)

Query = Callable[[Any], list[Any]]


# ---------------------------------------------------------------- Goessner on python-jsonpath
class _JavaScriptNameSelector(NameSelector):
    """A name selector where ``length`` of an array or a string is its length (JavaScript)."""

    __slots__ = ()

    def resolve(self, node: Any) -> Iterable[Any]:
        value = node.obj
        if self.name == "length" and isinstance(value, (str, Sequence)) and not isinstance(value, Mapping):
            match = node.new_child(len(value), self.name)
            node.add_child(match)
            yield match
            return
        yield from super().resolve(node)


def _javascript(selector: JSONPathSelector) -> JSONPathSelector:
    if type(selector) is NameSelector:
        return _JavaScriptNameSelector(env=selector.env, token=selector.token, name=selector.name)
    return selector


class _GoessnerParser(GoessnerParser):
    """python-jsonpath's lenient parser with Goessner's JavaScript meanings (see module doc)."""

    def parse_query(self, stream: TokenStream) -> Iterable[Any]:
        return bounded_segments(super().parse_query(stream))

    def parse_shorthand_selector(self, stream: TokenStream) -> JSONPathSelector:
        return _javascript(super().parse_shorthand_selector(stream))

    def parse_bracketed_selection(self, stream: TokenStream) -> list[JSONPathSelector]:
        return [_javascript(selector) for selector in super().parse_bracketed_selection(stream)]

    def parse_singular_query_selector(self, stream: TokenStream) -> Any:
        # python-jsonpath reads ``$[store]`` as an embedded query; Goessner's implementation
        # reads a bare word in brackets as a member name.
        token = stream.current()
        if token.kind == TOKEN_NAME and stream.peek().kind in (TOKEN_RBRACKET, TOKEN_COMMA):
            stream.next()
            return NameSelector(env=self.env, token=token, name=token.value)
        return super().parse_singular_query_selector(stream)


class _GoessnerEnvironment(goessner_lib.JSONPathEnvironment):
    """Lenient python-jsonpath with JavaScript truthiness in filters, and regexes that cannot hang."""

    parser_class = _GoessnerParser

    def setup_function_extensions(self) -> None:
        super().setup_function_extensions()
        extensions = goessner_lib.function_extensions
        types = ([extensions.ExpressionType.VALUE] * 2, extensions.ExpressionType.LOGICAL)
        self.function_extensions["match"] = iregexp_function(extensions.FilterFunction, *types, whole=True)
        self.function_extensions["search"] = iregexp_function(extensions.FilterFunction, *types, whole=False)

    def compare(self, left: object, operator: str, right: object) -> bool:
        if operator == "=~" and isinstance(right, re.Pattern) and isinstance(left, str):
            return bounded_fullmatch(right, left)
        return bool(super().compare(left, operator, right))

    def is_truthy(self, obj: object) -> bool:
        if isinstance(obj, NodeList):
            if len(obj) != 1:
                return len(obj) > 1  # an empty node list is undefined, hence false
            obj = obj[0].obj
        if obj is None or obj is goessner_lib.UNDEFINED or obj is False:
            return False
        if isinstance(obj, (int, float)):
            return obj != 0 and not math.isnan(obj)
        if isinstance(obj, str):
            return obj != ""
        return True  # objects and arrays, even empty ones, are true in JavaScript


class _RfcParser(rfc9535_lib.parse.Parser):
    """The RFC 9535 parser, making every query it parses bounded (:mod:`.jsonpath_limits`)."""

    def parse_query(self, stream: Any, *, in_filter: bool = False) -> Iterable[Any]:
        return bounded_segments(super().parse_query(stream, in_filter=in_filter))


class _RfcEnvironment(rfc9535_lib.JSONPathEnvironment):
    """RFC 9535, bounded, with ``match()``/``search()`` that cannot hang."""

    parser_class = _RfcParser

    def setup_function_extensions(self) -> None:
        super().setup_function_extensions()
        extensions = rfc9535_lib.function_extensions
        types = ([extensions.ExpressionType.VALUE] * 2, extensions.ExpressionType.LOGICAL)
        self.function_extensions["match"] = iregexp_function(extensions.FilterFunction, *types, whole=True)
        self.function_extensions["search"] = iregexp_function(extensions.FilterFunction, *types, whole=False)


_GOESSNER_ENV = _GoessnerEnvironment()
_RFC_ENV = _RfcEnvironment()

# A script expression "(...)" as a whole bracketed selector; only "(@.length-N)" is supported.
_SCRIPT = re.compile(r"\[\s*\(")
_LAST_N = re.compile(r"\[\s*\(\s*@\s*\.\s*length\s*-\s*([1-9][0-9]*)\s*\)\s*\]")
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def _rewrite_scripts(expression: str) -> tuple[str, list[tuple[int, int]]]:
    """Rewrite ``[(@.length-N)]`` to ``[-N]``; refuse other script expressions.

    Returns the new text and (position in new text, characters removed so far) marks used
    to map a library error offset back into ``expression``.
    """
    parts: list[str] = []
    shifts: list[tuple[int, int]] = []
    removed = 0
    index = 0
    while index < len(expression):
        quoted = _QUOTED.match(expression, index)
        if quoted:  # brackets inside string literals are not selectors
            parts.append(quoted.group())
            index = quoted.end()
            continue
        script = _SCRIPT.match(expression, index)
        if script:
            last = _LAST_N.match(expression, index)
            if last is None:
                offset = script.end() - 1
                raise ExpressionError(
                    f"JSONPath {expression!r}: script expressions are not supported, except "
                    f"(@.length-N) (at offset {offset})",
                    offset=offset,
                )
            replacement = f"[-{last.group(1)}]"
            parts.append(replacement)
            removed += len(last.group()) - len(replacement)
            index = last.end()
            shifts.append((sum(map(len, parts)), removed))
            continue
        parts.append(expression[index])
        index += 1
    return "".join(parts), shifts


def _original_offset(offset: int, shifts: list[tuple[int, int]]) -> int:
    shift = 0
    for position, removed in shifts:
        if offset >= position:
            shift = removed
    return offset + shift


# ---------------------------------------------------------------- compiling
def _syntax_error(expression: str, error: Exception, shifts: list[tuple[int, int]] | None = None) -> ExpressionError:
    token = getattr(error, "token", None)
    offset = getattr(token, "index", None)
    if isinstance(offset, int):
        # python-jsonpath's end-of-input token has index -1: the problem is at the end
        offset = _original_offset(offset, shifts or []) if offset >= 0 else len(expression)
    message = str(error.args[0]) if error.args else str(error)
    text = plain_text(message) or "the query is not valid JSONPath"
    where = f" (at offset {offset})" if offset is not None else ""
    return ExpressionError(f"JSONPath {expression!r}: {text}{where}", offset=offset)


@lru_cache(maxsize=512)
def compile_jsonpath(expression: str, version: str = RFC9535) -> Query:
    """Compile ``expression`` for ``version``; the result maps a JSON value to node values.

    Raises :class:`ExpressionError` for an unknown version and for syntax errors (with the
    ``offset`` of the problem when the library reports one).
    """
    if version == RFC9535:
        try:
            rfc_query = _RFC_ENV.compile(expression)
        except rfc9535_lib.JSONPathError as error:
            raise _syntax_error(expression, error) from None
        return lambda value: rfc_query.find(value).values()
    if version == GOESSNER:
        text, shifts = _rewrite_scripts(expression)
        try:
            goessner_query = _GOESSNER_ENV.compile(text)
        except goessner_lib.JSONPathError as error:
            raise _syntax_error(expression, error, shifts) from None
        except re.error as error:  # a regex literal (=~ /.../) that Python cannot compile
            raise ExpressionError(f"JSONPath {expression!r}: the regex is not valid: {error.msg}") from None
        return lambda value: goessner_query.findall(value)
    allowed = ", ".join(JSONPATH_VERSIONS)
    raise ExpressionError(f"unknown JSONPath version {version!r} (allowed: {allowed})")


def json_data(value: Any, what: str = "JSONPath") -> Any:
    """``value`` as JSON data: text (str or bytes) holding JSON is parsed, the rest kept.

    ``None`` (JSON null read from a field) and MISSING are refused: a query needs a document.
    """
    if value is MISSING:
        raise ExpressionError("the context is missing")
    if value is None:
        raise ExpressionError("the context is null")
    if isinstance(value, (str, bytes, bytearray)):
        try:
            return json.loads(value)
        except ValueError:  # JSONDecodeError, and UnicodeDecodeError for bytes
            raise ExpressionError(f"{what} needs JSON data; the context is text that is not JSON") from None
    return value


def jsonpath_nodes(value: Any, expression: str, version: str = RFC9535) -> list[Any]:
    """The values of the nodes ``expression`` selects in ``value`` (in document order)."""
    query = compile_jsonpath(expression, version)
    data = json_data(value)
    try:
        return list(query(data))
    except LimitExceeded as error:
        raise LimitExceeded(f"JSONPath {expression!r}: {error.message}") from None
    except (rfc9535_lib.JSONPathError, goessner_lib.JSONPathError) as error:
        # recursion limits and the like, found while evaluating
        message = str(error.args[0]) if error.args else ""
        text = plain_text(message) or "the query could not be evaluated on this data"
        raise ExpressionError(f"JSONPath {expression!r}: {text}") from None
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as error:
        # a comparison or a function of the library meeting values it does not expect
        text = plain_text(str(error)) or "it uses values of types that cannot be used together"
        raise ExpressionError(f"JSONPath {expression!r}: {text}") from None
