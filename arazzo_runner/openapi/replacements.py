"""Payload replacements: a value set in a payload by JSON pointer, JSONPath or XPath."""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from ..errors import ExpressionError
from .media import is_json_media, is_xml_media
from .values import StepError, kind_of, template_text
from .xml_schema import xml_escape


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
        return _xpath_replace(payload, target, value, version or "xpath-31")
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


# -- XPath on XML text, written back with the document's own prefixes


class _XmlBuilder(ElementTree.TreeBuilder):
    """Keeps comments and PIs, records each element's namespace declarations, refuses DTDs."""

    def __init__(self) -> None:
        super().__init__(insert_comments=True, insert_pis=True)
        self.pending: list[tuple[str, str]] = []
        self.declarations: dict[ElementTree.Element, list[tuple[str, str]]] = {}
        self.root_default = ""
        self.started = False

    def start_ns(self, prefix: str, uri: str) -> None:
        self.pending.append((prefix, uri))

    def start(self, tag: Any, attrs: dict[str, str]) -> ElementTree.Element:
        element = super().start(tag, attrs)
        if self.pending:
            self.declarations[element] = self.pending
            if not self.started:
                self.root_default = next((uri for prefix, uri in self.pending if prefix == ""), "")
            self.pending = []
        self.started = True
        return element

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise StepError(f"XML with a document type declaration (<!DOCTYPE {name}>) is refused")


# comments and PIs around the document element (a comment holds no "--", a PI no "?>")
_MISC = r"(?:\s|<\?(?:(?!\?>).)*\?>|<!--(?:(?!--).)*-->)*"
_PROLOG = re.compile(r"\A" + _MISC, re.DOTALL)
_EPILOG = re.compile(_MISC + r"\Z", re.DOTALL)


def _xpath_replace(payload: Any, target: str, value: Any, version: str) -> Any:
    import elementpath
    from elementpath import AttributeNode, DocumentNode, ElementNode, TextNode, XPathContext

    if isinstance(payload, (bytes, bytearray)):
        try:
            payload = bytes(payload).decode("utf-8")
        except UnicodeDecodeError:
            raise StepError("XPath replacements need XML text in UTF-8") from None
    if not isinstance(payload, str):
        raise StepError(f"replacement target {target!r} is XPath, and the payload is {kind_of(payload)}, not XML text")
    if isinstance(value, (Mapping, list, tuple)):
        raise StepError(f"replacement target {target!r}: XML takes text, not {kind_of(value)}, as the value")
    builder = _XmlBuilder()
    parser = ElementTree.XMLParser(target=builder)
    try:
        parser.feed(payload)
        root = parser.close()
    except ElementTree.ParseError as error:
        raise StepError(f"replacement target {target!r}: the payload is not well-formed XML: {error}") from None
    bindings: dict[str, str] = {}
    for declarations in builder.declarations.values():
        for prefix, uri in declarations:
            if prefix:
                bindings.setdefault(prefix, uri)
    try:
        if version == "xpath-10":
            xpath_parser: Any = elementpath.XPath1Parser(bindings)
        else:
            from elementpath.xpath30 import XPath30Parser
            from elementpath.xpath31 import XPath31Parser

            parsers = {"xpath-20": elementpath.XPath2Parser, "xpath-30": XPath30Parser, "xpath-31": XPath31Parser}
            if version not in parsers:
                raise StepError(f"unknown XPath version {version!r}")
            xpath_parser = parsers[version](bindings, default_namespace=builder.root_default or None)
        token = xpath_parser.parse(target)
        context_namespaces = {**bindings, "": builder.root_default} if builder.root_default else dict(bindings)
        result = token.evaluate(XPathContext(ElementTree.ElementTree(root), namespaces=context_namespaces))
    except elementpath.ElementPathError as error:
        raise StepError(f"replacement target {target!r}: {error}") from None
    nodes = result if isinstance(result, list) else [result]
    text = template_text(value) if value is not None else ""
    changed = False
    for node in nodes:
        if isinstance(node, DocumentNode):
            return text
        if isinstance(node, ElementNode):
            element = node.obj
            for child in list(element):
                element.remove(child)
            element.text = text
        elif isinstance(node, AttributeNode):
            owner = node.parent.obj if node.parent is not None else None
            if owner is None:
                continue
            owner.set(node.name, text)
        elif isinstance(node, TextNode):
            owner_node = node.parent
            if owner_node is None:
                continue
            siblings = owner_node.children
            index = next(i for i, child in enumerate(siblings) if child is node)
            if index == 0:
                owner_node.obj.text = text
            else:
                siblings[index - 1].obj.tail = text
        else:
            continue
        changed = True
    if not changed:
        raise StepError(f"replacement target {target!r} selects no element, attribute or text node in the payload")
    prolog = _PROLOG.match(payload)
    epilog = _EPILOG.search(payload)
    out: list[str] = [prolog.group(0) if prolog else ""]
    _write_xml(root, [{"": ""}], builder.declarations, out)
    out.append(epilog.group(0) if epilog else "")
    return "".join(out)


def _write_xml(
    element: ElementTree.Element,
    scopes: list[dict[str, str]],
    declarations: Mapping[ElementTree.Element, list[tuple[str, str]]],
    out: list[str],
) -> None:
    if element.tag is ElementTree.Comment:  # type: ignore[comparison-overlap]
        out.append(f"<!--{element.text or ''}-->")
        out.append(xml_escape(element.tail or ""))
        return
    if element.tag is ElementTree.ProcessingInstruction:  # type: ignore[comparison-overlap]
        out.append(f"<?{element.text or ''}?>")
        out.append(xml_escape(element.tail or ""))
        return
    scope = dict(scopes[-1])
    attributes: list[str] = []
    for prefix, uri in declarations.get(element, []):
        scope[prefix] = uri
        attributes.append(f' xmlns{":" + prefix if prefix else ""}="{xml_escape(uri, True)}"')

    def name_of(qualified: str, is_attribute: bool) -> str:
        if not qualified.startswith("{"):
            if not is_attribute and scope.get("", "") != "":
                scope[""] = ""
                attributes.append(' xmlns=""')
            return qualified
        uri, local = qualified[1:].split("}", 1)
        if uri == "http://www.w3.org/XML/1998/namespace":
            return f"xml:{local}"
        candidates = [p for p, u in scope.items() if u == uri and (p or not is_attribute)]
        if candidates:
            prefix = "" if "" in candidates else candidates[0]
        else:
            prefix = f"ns{len(scope)}"
            scope[prefix] = uri
            attributes.append(f' xmlns:{prefix}="{xml_escape(uri, True)}"')
        return f"{prefix}:{local}" if prefix else local

    tag = name_of(str(element.tag), False)
    for key, attribute_value in element.attrib.items():
        attributes.append(f' {name_of(key, True)}="{xml_escape(attribute_value, True)}"')
    out.append(f"<{tag}{''.join(attributes)}")
    if element.text is None and len(element) == 0:
        out.append("/>")
    else:
        out.append(">")
        out.append(xml_escape(element.text or ""))
        scopes.append(scope)
        for child in element:
            _write_xml(child, scopes, declarations, out)
        scopes.pop()
        out.append(f"</{tag}>")
    out.append(xml_escape(element.tail or ""))
