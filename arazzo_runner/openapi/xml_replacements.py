"""XPath payload replacements: XML text parsed, changed at the selected nodes, written back.

Kept apart from :mod:`.replacements` so that ``xml.etree`` and ``elementpath`` are imported
only by a workflow that replaces by XPath.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from typing import Any

from .values import StepError, kind_of, template_text
from .xml_schema import xml_escape

__all__ = ["xpath_replace"]


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


def xpath_replace(payload: Any, target: str, value: Any, version: str) -> Any:
    """``payload`` (XML text) with ``value`` set at the nodes the XPath ``target`` selects.

    Raises :class:`StepError` when the payload is not well-formed XML text (or declares a
    DTD), the value is not text, or the XPath expression or its version is invalid.
    """
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
