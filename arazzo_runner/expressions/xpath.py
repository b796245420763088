"""XPath conditions and selectors, XPath 1.0 to 3.1, on ``elementpath``.

The context is XML text (str or bytes), parsed with ``xml.etree.ElementTree`` keeping comments
and processing instructions, or an already parsed ``Element``/``ElementTree``.  A document
with a DTD (``<!DOCTYPE``) is refused before its internal subset is read, so no entity is ever
declared or expanded (undeclared entities are a parse error).

**Namespaces.**  XML APIs put their elements in namespaces, and an XPath name test only matches
a namespaced element through a prefix the expression knows.  The namespace declarations of the
document are therefore made available to the expression:

- every prefix declared anywhere in the document is usable as declared
  (``/soap:Envelope/soap:Body``); when one prefix is declared with several URIs, the first
  declaration in document order wins;
- for XPath 2.0, 3.0 and 3.1, the default namespace declared on the document element
  (``<Invoice xmlns="urn:...">``) becomes the default element namespace of the static
  context, so ``/Invoice/Header`` matches it, as the Arazzo examples are written.  A default
  namespace declared only below the document element is not used that way: applying it to
  the whole expression would stop unprefixed names from matching the no-namespace elements
  above it;
- XPath 1.0 has no default element namespace: an unprefixed name always means "no
  namespace"; use a prefix the document declares, or ``*[local-name()='Invoice']``;
- ``namespaces=`` adds or overrides bindings (the empty prefix sets the default element
  namespace for 2.0+).  A parsed ``Element`` carries no prefixes, so only these are known.

**Results.**  :func:`xpath_items` and :func:`xpath_evaluate` return plain Python data: a node
becomes its string value (the atomized value of an untyped node), ``xs:decimal`` a float,
dates and other atomic types their lexical form, maps and arrays dicts and lists.
:func:`xpath_items` gives the sequence as a list; :func:`xpath_evaluate` gives a sequence of
one item as that item, any other (the empty one included) as a list.  :func:`xpath_ebv`
applies the Effective Boolean Value rules of the version to the raw result instead.

**Known library limit.**  With ``xpath-10``, elementpath 5.1 compares a node-set with a number
through ``=``/``!=`` as strings (``//price = 12`` is false for ``<price>12</price>``; XPath 1.0
says true).  Write ``number(price) = 12`` there; ``<``, ``>`` and the 2.0+ versions are right.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from contextlib import nullcontext
from decimal import Decimal
from functools import lru_cache
from typing import Any

import elementpath
from elementpath import XPath1Parser, XPath2Parser, XPathContext, XPathNode, XPathToken
from elementpath.datatypes import AnyURI, UntypedAtomic
from elementpath.xpath30 import XPath30Parser
from elementpath.xpath31 import XPath31Parser
from elementpath.xpath_tokens import XPathArray, XPathMap

from ..errors import ExpressionError
from ..missing import MISSING
from .limits import QUERY_TIME_CAP, LimitExceeded, active, budget
from .messages import leaks_python, plain_text, type_word
from .xpath_limits import bounded_parser

__all__ = ["XPATH_VERSIONS", "compile_xpath", "parse_xml", "xpath_ebv", "xpath_evaluate", "xpath_items"]

XPATH_VERSIONS = ("xpath-31", "xpath-30", "xpath-20", "xpath-10")
_PARSERS_2: dict[str, type[XPath2Parser]] = {  # 2.0 and later share the static context options
    "xpath-20": XPath2Parser,
    "xpath-30": XPath30Parser,
    "xpath-31": XPath31Parser,
}
# Deterministic string comparison: elementpath would otherwise take the collation from the
# process locale.
_CODEPOINT_COLLATION = "http://www.w3.org/2005/xpath-functions/collation/codepoint"

Namespaces = tuple[tuple[str, str], ...]


# ---------------------------------------------------------------- XML documents
class _DocumentBuilder(ElementTree.TreeBuilder):
    """A tree builder that records namespace declarations and refuses DTDs."""

    def __init__(self) -> None:
        super().__init__(insert_comments=True, insert_pis=True)
        self.declarations: list[tuple[str, str]] = []
        self.root_defaults: list[str] = []  # xmlns="..." on the document element
        self._started = False

    def start_ns(self, prefix: str, uri: str) -> None:
        self.declarations.append((prefix, uri))
        if not self._started and prefix == "":
            self.root_defaults.append(uri)

    def start(self, tag: Any, attrs: dict[str, str]) -> ElementTree.Element:
        self._started = True
        return super().start(tag, attrs)

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        # Called at "<!DOCTYPE", before any entity declaration of the internal subset.
        raise ExpressionError(f"XML with a document type declaration (<!DOCTYPE {name}>) is refused")


@lru_cache(maxsize=16)
def parse_xml(text: str | bytes) -> tuple[ElementTree.ElementTree, Namespaces, str]:
    """Parse XML text: the tree, its namespace bindings, the document element's default namespace.

    Cached for a few documents: several criteria usually query the same response body.
    Callers must not modify the returned tree.
    """
    builder = _DocumentBuilder()
    parser = ElementTree.XMLParser(target=builder)
    try:
        parser.feed(text)
        root = parser.close()
    except ElementTree.ParseError as error:
        raise ExpressionError(f"XPath needs XML data; the context is not well-formed XML: {error}") from None
    bindings: dict[str, str] = {}
    for prefix, uri in builder.declarations:
        if prefix:
            bindings.setdefault(prefix, uri)
    default = builder.root_defaults[0] if builder.root_defaults else ""
    return ElementTree.ElementTree(root), tuple(bindings.items()), default


def _document(context: Any) -> tuple[Any, Namespaces, str]:
    if context is MISSING:
        raise ExpressionError("the context is missing")
    if context is None:
        raise ExpressionError("the context is null")
    if isinstance(context, (str, bytes)):
        return parse_xml(context)
    if isinstance(context, bytearray):
        return parse_xml(bytes(context))
    if isinstance(context, ElementTree.Element):
        return ElementTree.ElementTree(context), (), ""
    if isinstance(context, ElementTree.ElementTree):
        return context, (), ""
    raise ExpressionError(f"XPath needs XML data; the context is {type(context).__name__}")


# ---------------------------------------------------------------- expressions
def _check_version(version: str) -> None:
    if version != "xpath-10" and version not in _PARSERS_2:
        allowed = ", ".join(XPATH_VERSIONS)
        raise ExpressionError(f"unknown XPath version {version!r} (allowed: {allowed})")


@lru_cache(maxsize=512)
def _compile(expression: str, version: str, namespaces: Namespaces, default: str) -> XPathToken:
    """The parsed expression; namespaces are part of the static context, hence of the key."""
    _check_version(version)
    bindings = dict(namespaces)
    parser: XPath1Parser
    if version == "xpath-10":
        parser = bounded_parser(XPath1Parser)(bindings)
    else:
        parser = bounded_parser(_PARSERS_2[version])(
            bindings, default_namespace=default or None, default_collation=_CODEPOINT_COLLATION
        )
    try:
        return _parse_bounded(parser, expression)
    except elementpath.ElementPathError as error:
        raise _expression_error(expression, error) from None
    except LimitExceeded as error:
        raise _limit_error(expression, error) from None
    except (ArithmeticError, ValueError, TypeError, LookupError, AttributeError) as error:
        raise _python_error(expression, error) from None  # raised by the static evaluation


def _parse_bounded(parser: XPath1Parser, expression: str) -> XPathToken:
    """``parser.parse(expression)`` under a budget.

    The library's ``parse`` evaluates the tree without a context once it is built (for static
    errors); an expression without paths (``count(1 to 100000000) > 0``) runs completely there,
    so that run is bounded too: by the caller's budget, or by a default one when validating.
    """
    with nullcontext() if active() is not None else budget(QUERY_TIME_CAP):
        return parser.parse(expression)


_UNDECLARED_PREFIX = re.compile(r"prefix '([^']+)' is not declared")


def compile_xpath(expression: str, version: str = "xpath-31") -> XPathToken:
    """Parse ``expression`` for ``version`` without a document (for validation).

    Raises :class:`ExpressionError` for an unknown version and syntax errors.  Prefixes are
    bound by the document the expression runs on, so an undeclared prefix is not an error
    here: it is bound to a placeholder namespace.
    """
    placeholders: dict[str, str] = {}
    while True:
        try:
            return _compile(expression, version, tuple(sorted(placeholders.items())), "")
        except ExpressionError as error:
            prefix = _UNDECLARED_PREFIX.search(error.message)
            if prefix is None or prefix.group(1) in placeholders:
                raise
            placeholders[prefix.group(1)] = f"urn:arazzo-runner:prefix:{prefix.group(1)}"


def _expression_error(expression: str, error: elementpath.ElementPathError) -> ExpressionError:
    """The library error as ours: the expression, what is wrong (with the XPath error code), where.

    The offset is that of the token the library names; the text is the library's, in XPath's
    words (:func:`.messages.plain_text`), or the code's own description when the library's
    text cannot be put so.
    """
    offset = None
    where = ""
    token = error.token
    position = getattr(token, "position", None)
    if getattr(token, "symbol", None) == "(end)":
        offset = len(expression)  # elementpath places the end token on the last character
        where = " (at the end of the expression)"
    elif isinstance(position, tuple) and len(position) == 2:
        line, column = position
        lines = expression.split("\n")
        if 1 <= line <= len(lines):
            offset = sum(len(text) + 1 for text in lines[: line - 1]) + max(column - 1, 0)
        named = _token_name(token)
        at = f"line {line}, column {column}" if len(lines) > 1 else f"column {column}"
        where = f" (at {named}, {at})" if named else f" (at {at})"
    code = str(error.code or "")
    text = plain_text(str(error.message), _datatype_name)
    if text is None:
        text = _code_description(code.rpartition(":")[2]) or "the expression cannot be evaluated"
    prefix = f"[{code}] " if code else ""
    return ExpressionError(f"XPath {expression!r}: {prefix}{text}{where}", offset=offset)


def _token_name(token: Any) -> str | None:
    """The library's name of a token (``'+' operator``, ``'fn:concat' function``) if it is plain."""
    try:
        name = str(token)
    except Exception:  # a token whose description needs a context  # noqa: BLE001
        return None
    return name if name and "__" not in name and not leaks_python(name) and len(name) <= 60 else None


def _datatype_name(class_name: str) -> str | None:
    """The XML Schema name of an elementpath datatype class (``Date10`` → ``date``)."""
    import elementpath.datatypes as datatypes

    datatype = getattr(datatypes, class_name, None)
    name = getattr(datatype, "name", None) if isinstance(datatype, type) else None
    return name if isinstance(name, str) else None


def _code_description(code: str) -> str | None:
    """The library's description of an XPath error code (``XPTY0004`` → "type is not appropriate ...")."""
    from elementpath.exceptions import XPATH_ERROR_CODES

    entry = XPATH_ERROR_CODES.get(code)
    return str(entry[1]) if entry is not None else None


def _python_error(expression: str, error: Exception) -> ExpressionError:
    """An error the library raised without its own class (``ValueError``, ``OverflowError``...)."""
    text = plain_text(str(error), _datatype_name)
    if text is None or not text.strip():
        if isinstance(error, ZeroDivisionError):
            text = "division by zero"
        elif isinstance(error, ArithmeticError):
            text = "a number is out of range"
        else:
            text = "it uses values of types that cannot be used together"
    return ExpressionError(f"XPath {expression!r}: {text}")


def _limit_error(expression: str, error: LimitExceeded) -> LimitExceeded:
    return LimitExceeded(f"XPath {expression!r}: {error.message}")


def _run(context: Any, expression: str, version: str, namespaces: Mapping[str, str] | None) -> tuple[list[Any], bool]:
    """The result sequence of ``expression``, and whether it is a node-set/sequence at all."""
    _check_version(version)
    document, declared, default = _document(context)
    bindings = dict(declared)
    if namespaces:
        bindings.update(namespaces)
        default = bindings.pop("", default)
    token = _compile(expression, version, tuple(sorted(bindings.items())), default)
    # The context also needs the bindings: name() looks prefixes up there (this does not
    # change how XPath 1.0 reads unprefixed names: that is the parser's static context).
    context_namespaces = {**bindings, "": default} if default else bindings
    try:
        result = token.evaluate(XPathContext(document, namespaces=context_namespaces))
    except elementpath.ElementPathError as error:
        raise _expression_error(expression, error) from None
    except LimitExceeded as error:
        raise _limit_error(expression, error) from None
    except (ArithmeticError, ValueError, TypeError, LookupError, AttributeError) as error:
        raise _python_error(expression, error) from None  # raised by the library unwrapped
    if isinstance(result, list) and not isinstance(result, XPathArray):
        return list(result), True
    if isinstance(result, XPathNode):  # "." and the like give the node itself, not a list
        return [result], True
    return [result], False


# ---------------------------------------------------------------- conversions
def _plain(item: Any) -> Any:
    """One XPath item as plain Python data (see module doc)."""
    if isinstance(item, XPathNode):
        return item.string_value
    if isinstance(item, (bool, int, float)):
        return item
    if isinstance(item, Decimal):
        return float(item)
    if isinstance(item, XPathMap):
        return {str(_plain(key)): _plain_value(value) for key, value in item.items()}
    if isinstance(item, XPathArray):
        return [_plain_value(value) for value in item.items()]
    return str(item)  # strings, untypedAtomic, anyURI, QName, dates and durations


def _plain_value(value: Any) -> Any:
    if isinstance(value, list) and not isinstance(value, XPathArray):
        items = [_plain(item) for item in value]
        return items[0] if len(items) == 1 else items
    return _plain(value)


def xpath_items(
    context: Any,
    expression: str,
    version: str = "xpath-31",
    *,
    namespaces: Mapping[str, str] | None = None,
) -> list[Any]:
    """The result sequence of ``expression`` on the XML ``context``, each item as plain data.

    Raises :class:`ExpressionError` for a null/missing/non-XML context, an unknown version,
    syntax errors and evaluation errors.
    """
    items, _ = _run(context, expression, version, namespaces)
    return [_plain(item) for item in items]


def xpath_evaluate(
    context: Any,
    expression: str,
    version: str = "xpath-31",
    *,
    namespaces: Mapping[str, str] | None = None,
) -> Any:
    """Evaluate ``expression`` on the XML ``context``: the single item, or a list of items.

    Like :func:`xpath_items`, with a sequence of one item given as that item.
    """
    items = xpath_items(context, expression, version, namespaces=namespaces)
    return items[0] if len(items) == 1 else items


def xpath_ebv(
    context: Any,
    expression: str,
    version: str = "xpath-31",
    *,
    namespaces: Mapping[str, str] | None = None,
) -> bool:
    """The Effective Boolean Value of ``expression`` on ``context``, by ``version``'s rules.

    XPath 2.0/3.0/3.1: an empty sequence is false; a sequence whose first item is a node is
    true; a single boolean is itself; a single string, anyURI or untypedAtomic is true when not
    empty; a single number is true when neither zero nor NaN; anything else is error FORG0006.
    XPath 1.0 (``boolean()``): a node-set is true when not empty, a number when neither zero
    nor NaN, a string when not empty.
    """
    items, is_sequence = _run(context, expression, version, namespaces)
    if version == "xpath-10":
        if is_sequence:  # XPath 1.0 sequences are node-sets
            return bool(items)
        return _atomic_ebv(items[0], expression)
    if not items:
        return False
    if isinstance(items[0], XPathNode):
        return True
    if len(items) > 1:
        raise ExpressionError(
            f"XPath {expression!r}: [err:FORG0006] effective boolean value is not defined for a "
            f"sequence of {len(items)} items that does not start with a node"
        )
    return _atomic_ebv(items[0], expression)


def _atomic_ebv(item: Any, expression: str) -> bool:
    if isinstance(item, bool):
        return item
    if isinstance(item, (str, UntypedAtomic, AnyURI)):
        return str(item) != ""
    if isinstance(item, (int, float, Decimal)):
        return not (item == 0 or isinstance(item, (float, Decimal)) and math.isnan(item))
    raise ExpressionError(
        f"XPath {expression!r}: [err:FORG0006] effective boolean value is not defined for {_type_name(item)}"
    )


def _type_name(item: Any) -> str:
    if isinstance(item, XPathMap):
        return "a map"
    if isinstance(item, XPathArray):
        return "an array"
    word = type_word(type(item).__name__, _datatype_name)
    return word if word.startswith(("a ", "an ")) else f"an {word} value"
