"""XML from a schema: an object payload serialized by the OpenAPI XML Object hints."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

from ..missing import MISSING
from .media import resolved
from .values import StepError, is_list, kind_of, present_items, present_members, primitive_text

_XML_NAME = re.compile(r"[A-Za-z_][\w.\-]*\Z")


def _ref_name(node: Any) -> str | None:
    if isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        last = node["$ref"].rsplit("/", 1)[-1]
        return unquote(last).replace("~1", "/").replace("~0", "~") or None
    return None


def _xml_hints(schema: Any) -> Mapping[str, Any]:
    hints = schema.get("xml") if isinstance(schema, Mapping) else None
    return hints if isinstance(hints, Mapping) else {}


def xml_escape(text: str, attribute: bool = False) -> str:
    """``text`` escaped for XML content (``attribute``: for a double-quoted attribute value)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attribute:
        text = text.replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    return text


def _node_type(hints: Mapping[str, Any], is_array: bool) -> str:
    node_type = hints.get("nodeType")  # OpenAPI 3.2
    if isinstance(node_type, str):
        return node_type
    if hints.get("attribute") is True:
        return "attribute"
    if is_array:
        return "element" if hints.get("wrapped") is True else "none"
    return "element"


def _qualified(name: str, hints: Mapping[str, Any]) -> tuple[str, str]:
    """``(prefixed name, namespace declaration)`` of an element or attribute."""
    if not _XML_NAME.match(name):
        raise StepError(f"{name!r} is not a valid XML name (set xml.name in the schema)")
    prefix = hints.get("prefix") if isinstance(hints.get("prefix"), str) else ""
    namespace = hints.get("namespace") if isinstance(hints.get("namespace"), str) else None
    qualified = f"{prefix}:{name}" if prefix else name
    declaration = ""
    if namespace is not None:
        declaration = f' xmlns{":" + prefix if prefix else ""}="{xml_escape(namespace, True)}"'
    return qualified, declaration


def to_xml(value: Any, schema: Any, resolve: Callable[[Any], Any] | None = None) -> str:
    """``value`` as XML, following the OpenAPI XML Object hints of ``schema``.

    The root element is named by the schema's ``xml.name``, else by the name of the
    component a ``$ref`` schema points to (``#/components/schemas/Pet`` → ``<Pet>``).
    Properties become child elements named by their ``xml.name`` or their property name
    (``xml.attribute: true`` or 3.2 ``nodeType: attribute`` → an attribute, ``nodeType:
    text``/``cdata`` → the parent's text); array items repeat the element (``items.xml.name``
    or the property name), inside a wrapper element named by the array's ``xml.name`` (or
    property name) when ``xml.wrapped`` is true (3.2: ``nodeType: element``).
    ``xml.namespace``/``xml.prefix`` declare the namespace on the element.  ``null`` members
    are left out.  Raises :class:`StepError` when there is no schema to name the root, or a
    name is not a valid XML name.
    """
    if schema is None:
        raise StepError(
            "an object payload for an XML media type needs the operation's schema (with an xml name) "
            "to be serialized; give the payload as XML text instead"
        )
    root_name = _xml_hints(schema).get("name") or _ref_name(schema)
    root_schema = resolved(schema, resolve)
    root_name = _xml_hints(root_schema).get("name") or root_name
    if not isinstance(root_name, str):
        raise StepError(
            "cannot name the root XML element: the request body schema has no xml.name and is not a "
            "$ref to a named component; give the payload as XML text instead"
        )
    out: list[str] = []
    _xml_value(root_name, value, root_schema, resolve, out, top=True)
    return "".join(out)


def _xml_value(
    name: str, value: Any, schema: Any, resolve: Callable[[Any], Any] | None, out: list[str], top: bool = False
) -> None:
    schema = resolved(schema, resolve)
    hints = _xml_hints(schema)
    if value is None or value is MISSING:
        return
    if is_list(value):
        items_schema = resolved(schema.get("items") if isinstance(schema, Mapping) else None, resolve)
        item_name = _xml_hints(items_schema).get("name") or name
        wrapped = top or _node_type(hints, True) == "element"
        if wrapped:
            qualified, declaration = _qualified(str(hints.get("name") or name), hints)
            out.append(f"<{qualified}{declaration}>")
        for item in present_items(value):
            _xml_value(str(item_name), item, items_schema, resolve, out)
        if wrapped:
            out.append(f"</{qualified}>")
        return
    qualified, declaration = _qualified(str(hints.get("name") or name), hints)
    if not isinstance(value, Mapping):
        out.append(f"<{qualified}{declaration}>{xml_escape(primitive_text(value))}</{qualified}>")
        return
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    properties = properties if isinstance(properties, Mapping) else {}
    extra = schema.get("additionalProperties") if isinstance(schema, Mapping) else None
    attributes: list[str] = []
    children: list[str] = []
    for key, item in present_members(value):
        member_schema = resolved(properties.get(key, extra if isinstance(extra, Mapping) else None), resolve)
        member_hints = _xml_hints(member_schema)
        node_type = _node_type(member_hints, is_list(item))
        member_name = str(member_hints.get("name") or key)
        if item is None:
            continue
        if node_type == "attribute":
            if isinstance(item, (Mapping, list, tuple)):
                raise StepError(f"XML attribute {member_name!r} needs a primitive value, not {kind_of(item)}")
            attribute, attribute_declaration = _qualified(member_name, member_hints)
            attributes.append(f'{attribute_declaration} {attribute}="{xml_escape(primitive_text(item), True)}"')
        elif node_type == "text":
            children.append(xml_escape(primitive_text(item)))
        elif node_type == "cdata":
            children.append("<![CDATA[" + primitive_text(item).replace("]]>", "]]]]><![CDATA[>") + "]]>")
        else:
            _xml_value(key, item, member_schema, resolve, children)
    out.append(f"<{qualified}{declaration}{''.join(attributes)}>{''.join(children)}</{qualified}>")
