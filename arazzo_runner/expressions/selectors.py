"""The Arazzo 1.1 Selector Object: JSONPath, XPath or JSON Pointer applied to a context.

:func:`select` returns what the selector designates:

- ``jsonpath``: the value of the node when exactly one node matches, the list of node values
  when several do, MISSING when none does;
- ``xpath``: the atomized value (the string value of a node, an atomic value as itself), a
  list when the result has several items, MISSING when it is empty;
- ``jsonpointer`` (RFC 6901): the value the pointer reaches, MISSING when it reaches nothing.
  The pointer may also be written in URI fragment form (``#/a%20b``).

:func:`resolve_pointer` is the JSON Pointer walk on its own; the runtime-expression evaluator
uses it for ``$response.body#/...``, so it is kept lean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, Union
from urllib.parse import unquote

from ..errors import ExpressionError
from ..missing import MISSING
from .jsonpath import JSONPATH_VERSIONS, json_data, jsonpath_nodes
from .xpath import XPATH_VERSIONS, xpath_items

__all__ = ["SELECTOR_VERSIONS", "expression_type", "resolve_pointer", "select"]

SELECTOR_VERSIONS: dict[str, tuple[str, ...]] = {
    "jsonpath": JSONPATH_VERSIONS,
    "xpath": XPATH_VERSIONS,
    "jsonpointer": ("rfc6901",),
}


class ExpressionTypeLike(Protocol):
    """An Expression Type Object as the model holds it (``type`` and ``version``)."""

    @property
    def type(self) -> str | None: ...

    @property
    def version(self) -> str | None: ...


SelectorType = Union[str, Mapping[str, Any], ExpressionTypeLike]

_BAD_TILDE = re.compile(r"~(?![01])")


def resolve_pointer(value: Any, pointer: str) -> Any:
    """The value ``pointer`` (RFC 6901, without a leading ``#``) designates in ``value``.

    ``""`` is the whole document.  A pointer that reaches nothing (an absent member, an index
    out of range or not in canonical form, ``-``, a step into a scalar) gives MISSING; a
    malformed pointer (not starting with ``/``, a ``~`` not followed by ``0`` or ``1``)
    raises :class:`ExpressionError`.
    """
    if not pointer:
        return value
    if pointer[0] != "/":
        raise ExpressionError(f"invalid JSON pointer {pointer!r}: it must be empty or start with '/'")
    node = value
    for token in pointer[1:].split("/"):
        if "~" in token:
            if _BAD_TILDE.search(token):
                raise ExpressionError(f"invalid JSON pointer {pointer!r}: '~' must be followed by '0' or '1'")
            token = token.replace("~1", "/").replace("~0", "~")  # in this order: "~01" is "~1"
        if type(node) is dict:  # the common case first, without an isinstance chain
            node = node.get(token, MISSING)
        elif type(node) is list or (isinstance(node, Sequence) and not isinstance(node, (str, bytes, bytearray))):
            # an index is "0" or digits without a leading zero; anything else ("-", "01",
            # "+1", "1.0") designates no element
            if not (token.isdecimal() and token.isascii() and (token == "0" or token[0] != "0")):
                return MISSING
            index = int(token)
            if index >= len(node):
                return MISSING
            node = node[index]
        elif isinstance(node, Mapping):
            node = node.get(token, MISSING)
        else:
            return MISSING
        if node is MISSING:
            return MISSING
    return node


def expression_type(
    type_: SelectorType,
    *,
    jsonpath_version: str = "rfc9535",
    xpath_version: str = "xpath-31",
) -> tuple[str, str]:
    """``(type, version)`` of a selector type: a name, or an Expression Type Object.

    A name takes the default version of its type; an Expression Type Object without a
    version does too (validation reports the missing field).  Unknown types and versions not
    allowed for the type raise :class:`ExpressionError` naming the allowed ones.
    """
    kind: Any
    version: Any
    if isinstance(type_, str):
        kind, version = type_, None
    elif isinstance(type_, Mapping):
        kind, version = type_.get("type"), type_.get("version")
    else:
        kind, version = getattr(type_, "type", None), getattr(type_, "version", None)
    if kind not in SELECTOR_VERSIONS:
        raise ExpressionError(f"unknown selector type {kind!r} (allowed: jsonpath, xpath, jsonpointer)")
    allowed = SELECTOR_VERSIONS[kind]
    if version is None:
        version = {"jsonpath": jsonpath_version, "xpath": xpath_version}.get(kind, "rfc6901")
    if version not in allowed:
        raise ExpressionError(f"version {version!r} is not allowed for {kind} (allowed: {', '.join(allowed)})")
    return kind, version


def select(
    context: Any,
    selector: str,
    type_: SelectorType,
    *,
    jsonpath_version: str = "rfc9535",
    xpath_version: str = "xpath-31",
) -> Any:
    """Apply a Selector Object's ``selector`` of type ``type_`` to ``context``.

    ``jsonpath_version``/``xpath_version`` are the versions used when ``type_`` names no
    version.  Raises :class:`ExpressionError` for a null/missing context, a context of the
    wrong kind of data, and an invalid selector.
    """
    kind, version = expression_type(type_, jsonpath_version=jsonpath_version, xpath_version=xpath_version)
    if kind == "jsonpath":
        nodes = jsonpath_nodes(context, selector, version)
        if not nodes:
            return MISSING
        return nodes[0] if len(nodes) == 1 else nodes
    if kind == "xpath":
        items = xpath_items(context, selector, version)
        if not items:
            return MISSING
        return items[0] if len(items) == 1 else items
    pointer = selector
    if pointer.startswith("#"):  # URI fragment form: percent-encoded
        pointer = unquote(pointer[1:])
    return resolve_pointer(json_data(context, "a JSON pointer"), pointer)
