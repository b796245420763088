"""Payload replacements: a value set in a payload by JSON pointer, JSONPath or XPath."""

from __future__ import annotations

import copy
import json
import re
from typing import Any
from urllib.parse import unquote

from ..errors import ExpressionError
from .media import is_json_media, is_xml_media
from .values import StepError, kind_of


def apply_replacement(
    payload: Any,
    target: str,
    value: Any,
    *,
    selector_type: Any = None,
    content_type: str | None = None,
) -> Any:
    """``payload`` with ``value`` set at ``target``; the payload given is never modified.

    ``selector_type`` is the replacement's ``targetSelectorType`` (a name or an Expression
    Type Object: ``jsonpointer``, ``jsonpath`` with version ``rfc9535`` (default) or
    ``draft-goessner-dispatch-jsonpath-00``, ``xpath`` with ``xpath-10`` ... ``xpath-31``).
    Without it, the target is XPath when the media type is XML (or the payload is XML text
    and the media type is not JSON), else a JSON pointer.

    * JSON pointer (RFC 6901, also in ``#`` fragment form): absent object members on the way
      are created; an array index may be one past the end, or ``-``, to append.
    * JSONPath: every node selected is set.
    * XPath: the payload is XML text; every node selected is set: an element's content is
      replaced by the value as text, an attribute's or text node's value is set, the
      document node (``/``) replaces the whole payload.  The XML is written back with its
      prefixes, declaration and comments.

    A JSON payload given as JSON text is parsed first (the result is data).  Raises
    :class:`StepError` when the target selects nothing that can be set.
    """
    kind, version = _selector_kind(selector_type, payload, content_type)
    if kind == "xpath":
        from .xml_replacements import xpath_replace  # XML parsing only for XPath targets

        return xpath_replace(payload, target, value, version or "xpath-31")
    data = payload
    if isinstance(payload, (str, bytes, bytearray)):
        try:
            data = json.loads(payload)
        except ValueError:
            raise StepError(
                f"replacement target {target!r}: the payload is text that is not JSON, so a "
                f"{'JSON pointer' if kind == 'jsonpointer' else 'JSONPath'} cannot be applied to it"
            ) from None
    else:
        data = copy.deepcopy(payload)
    if kind == "jsonpath":
        return _jsonpath_replace(data, target, value, version)
    return _pointer_replace(data, target, value)


def _selector_kind(selector_type: Any, payload: Any, content_type: str | None) -> tuple[str, str | None]:
    if selector_type is not None:
        from ..expressions.selectors import expression_type

        try:
            return expression_type(selector_type)
        except ExpressionError as error:
            raise StepError(f"targetSelectorType: {error.message}") from None
    if is_xml_media(content_type):
        return "xpath", None
    if not is_json_media(content_type) and isinstance(payload, (str, bytes)):
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
        if text.lstrip().startswith("<"):
            return "xpath", None
    return "jsonpointer", None


_BAD_TILDE = re.compile(r"~(?![01])")


def _pointer_replace(data: Any, pointer: str, value: Any) -> Any:
    if pointer.startswith("#"):
        pointer = unquote(pointer[1:])
    if pointer == "":
        return copy.deepcopy(value)
    if not pointer.startswith("/") or _BAD_TILDE.search(pointer):
        raise StepError(f"invalid JSON pointer {pointer!r} as a replacement target")
    tokens = [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]
    node = data
    for position, token in enumerate(tokens):
        last = position == len(tokens) - 1
        if isinstance(node, dict):
            if last:
                node[token] = copy.deepcopy(value)
                return data
            if token not in node or not isinstance(node[token], (dict, list)):
                if token in node and node[token] is not None:
                    raise StepError(f"replacement target {pointer!r}: {token!r} is not an object or array")
                node[token] = {}
            node = node[token]
        elif isinstance(node, list):
            if token == "-":
                index = len(node)
            elif token.isdecimal() and token.isascii() and (token == "0" or token[0] != "0"):
                index = int(token)
            else:
                raise StepError(f"replacement target {pointer!r}: {token!r} is not an array index")
            if index > len(node) or (index == len(node) and not last):
                raise StepError(f"replacement target {pointer!r}: index {token} is past the end of the array")
            if last:
                if index == len(node):
                    node.append(copy.deepcopy(value))
                else:
                    node[index] = copy.deepcopy(value)
                return data
            node = node[index]
        else:
            raise StepError(f"replacement target {pointer!r} goes into {kind_of(node)}, which has no members")
    return data


def _jsonpath_replace(data: Any, target: str, value: Any, version: str | None) -> Any:
    locations: list[tuple[Any, ...]]
    if version in (None, "rfc9535"):
        import jsonpath_rfc9535

        try:
            query = jsonpath_rfc9535.JSONPathEnvironment().compile(target)
            locations = [tuple(node.location) for node in query.find(data)]
        except jsonpath_rfc9535.JSONPathError as error:
            raise StepError(f"replacement target {target!r}: {error}") from None
    else:
        import jsonpath

        try:
            locations = [tuple(match.parts) for match in jsonpath.finditer(target, data)]
        except jsonpath.JSONPathError as error:
            raise StepError(f"replacement target {target!r}: {error}") from None
    if not locations:
        raise StepError(f"replacement target {target!r} selects nothing in the payload")
    for location in locations:
        if not location:
            data = copy.deepcopy(value)
            continue
        node = data
        for step in location[:-1]:
            node = node[step]
        node[location[-1]] = copy.deepcopy(value)
    return data
