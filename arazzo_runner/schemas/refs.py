"""``$ref`` s of the JSON Schemas in an Arazzo document: JSON Pointers, ``$anchor`` s and ``$id`` s.

Arazzo 1.1 (Resolving URI Fragments): references in workflow ``inputs`` and
``components.inputs`` MUST support JSON Pointer fragments (``#/components/inputs/pet``) and
plain-name fragments defined by ``$anchor`` (``#pet``); and, as in any JSON Schema 2020-12,
a ``$ref`` may name a schema by the ``$id`` it declares (``https://example.com/pet``, or a
relative ``$id`` resolved against the document's base URI: its ``$self``, else the URI it
was read from).

The document is parsed whole before any reference resolves (every inputs schema is a
resource of the document, so an ``$anchor`` in ``components.inputs`` is found from a
workflow's ``inputs``).  Nothing is ever fetched: a reference to a URI the document does not
declare is an error that says where the ``$ref`` is.

The common case (only ``#/...`` pointers and no ``$id``) never imports ``referencing``;
anything else is looked up with it (the library jsonschema itself resolves with).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

__all__ = [
    "DEFAULT_BASE",
    "NOTHING",
    "SchemaIndex",
    "UnresolvedRef",
    "base_uri",
    "escape_token",
    "follow_pointer",
    "resolve_schema",
    "schema_index",
    "schema_places",
    "unresolved_refs",
]

# The base URI of a document that has no ``$self`` and whose address is not known; relative
# ``$id`` s and ``$ref`` s resolve against it the same way, so they still meet.
DEFAULT_BASE = "file:///arazzo-description"
_MAX_DEPTH = 64
_MAX_HOPS = 16

# JSON Schema 2020-12 keywords whose values are schemas (with the older names jsonschema
# still accepts), so an ``$id`` or ``$anchor`` inside ``enum`` or ``default`` is data.
_ONE = ("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
        "unevaluatedItems", "unevaluatedProperties", "additionalItems", "contentSchema")  # fmt: skip
_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_LIST = ("allOf", "anyOf", "oneOf", "prefixItems", "items")


@dataclass(frozen=True)
class UnresolvedRef:
    """A ``$ref`` that leads nowhere: where it is (a JSON Pointer in the document), what it
    says, and why it does not resolve (in words a user can act on)."""

    pointer: str
    ref: str
    reason: str


def base_uri(document: Mapping[str, Any] | None, retrieval_uri: str | None = None) -> str:
    """The base URI of the document's references: ``$self`` (resolved against the retrieval
    URI when relative), else the retrieval URI, else :data:`DEFAULT_BASE`."""
    fallback = retrieval_uri or DEFAULT_BASE
    declared = document.get("$self") if isinstance(document, Mapping) else None
    base = urljoin(fallback, declared) if isinstance(declared, str) and declared else fallback
    return urldefrag(base)[0]


def schema_places(document: Mapping[str, Any] | None) -> Iterator[tuple[str, Any]]:
    """(JSON Pointer, schema) of every JSON Schema the document holds at its top: each
    workflow's ``inputs`` and each ``components.inputs`` entry."""
    if not isinstance(document, Mapping):
        return
    workflows = document.get("workflows")
    for number, workflow in enumerate(workflows if isinstance(workflows, list) else []):
        if isinstance(workflow, Mapping) and "inputs" in workflow:
            yield f"/workflows/{number}/inputs", workflow["inputs"]
    components = document.get("components")
    inputs = components.get("inputs") if isinstance(components, Mapping) else None
    for name, schema in inputs.items() if isinstance(inputs, Mapping) else ():
        yield f"/components/inputs/{escape_token(name)}", schema


@dataclass
class SchemaIndex:
    """The schemas of one document: each schema object's base URI where it is not the
    document's (under an ``$id``), every ``$ref`` with its place, and (built on first need)
    the ``referencing`` registry that resolves anchors and ``$id`` s."""

    document: Mapping[str, Any]
    base: str
    bases: dict[int, str] = field(default_factory=dict)
    pointers: dict[int, str] = field(default_factory=dict)
    refs: list[tuple[str, str, str]] = field(default_factory=list)  # (pointer, ref, base)
    _registry: Any = None

    def base_of(self, node: Any) -> str:
        """The base URI ``node`` 's references resolve against."""
        return self.bases.get(id(node), self.base)

    def pointer_of(self, node: Any) -> str | None:
        """Where ``node`` sits in the document (a JSON Pointer), when it is one of its schemas."""
        return self.pointers.get(id(node))

    def registry(self) -> Any:
        """A ``referencing.Registry`` of the document and its schemas (never retrieves)."""
        if self._registry is None:
            self._registry = _build_registry(self)
        return self._registry

    def lookup(self, ref: str, base: str | None = None) -> tuple[bool, Any]:
        """(True, target) for a reference that resolves, else (False, why not)."""
        base = self.base if base is None else base
        if ref.startswith("#/") and base == self.base:
            found = follow_pointer(self.document, unquote(ref[1:]))
            return (True, found) if found is not NOTHING else (False, "it points to nothing in this document")
        from referencing.exceptions import NoSuchAnchor, PointerToNowhere, Unresolvable

        try:
            resolved = self.registry().resolver(base).lookup(ref)
        except NoSuchAnchor as error:
            return False, f"no schema declares $anchor {error.anchor!r} there"
        except PointerToNowhere:
            return False, "it points to nothing in this document"
        except Unresolvable:
            return False, "no schema of this document declares that $id (references are never fetched)"
        return True, resolved.contents


def schema_index(document: Mapping[str, Any], retrieval_uri: str | None = None) -> SchemaIndex:
    """The :class:`SchemaIndex` of ``document`` (kept for the last few documents asked about)."""
    key = (id(document), retrieval_uri)
    cached = _CACHE.get(key)
    if cached is not None and cached.document is document:
        return cached
    index = SchemaIndex(document, base_uri(document, retrieval_uri))
    for pointer, schema in schema_places(document):
        _walk(index, schema, pointer, index.base, 0)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = index
    return index


_CACHE: dict[tuple[int, str | None], SchemaIndex] = {}
_CACHE_SIZE = 8


def resolve_schema(schema: Any, document: Mapping[str, Any] | None, retrieval_uri: str | None = None) -> Any:
    """Follow ``schema`` 's top-level ``$ref`` (a few hops at most) to the schema it names:
    a JSON Pointer, an ``$anchor`` or an ``$id`` of the document.  A reference that does not
    resolve is left as it is (the caller sees the ``$ref``; :func:`unresolved_refs` says why)."""
    if document is None or not isinstance(schema, Mapping) or not isinstance(schema.get("$ref"), str):
        return schema
    index = schema_index(document, retrieval_uri)
    for _ in range(_MAX_HOPS):
        ref = schema.get("$ref") if isinstance(schema, Mapping) else None
        if not isinstance(ref, str):
            break
        found, target = index.lookup(ref, index.base_of(schema))
        if not found or target is None:
            break
        schema = target
    return schema


def unresolved_refs(document: Mapping[str, Any], retrieval_uri: str | None = None) -> list[UnresolvedRef]:
    """Every ``$ref`` of the document's inputs schemas that leads nowhere, in document order."""
    index = schema_index(document, retrieval_uri)
    found = []
    for pointer, ref, base in index.refs:
        ok, why = index.lookup(ref, base)
        if not ok:
            found.append(UnresolvedRef(pointer + "/$ref", ref, str(why)))
    return found


def _walk(index: SchemaIndex, node: Any, pointer: str, base: str, depth: int) -> None:
    if not isinstance(node, Mapping) or depth > _MAX_DEPTH:
        return
    declared = node.get("$id")
    if isinstance(declared, str):
        base = urldefrag(urljoin(base, declared))[0]
    if base != index.base:
        index.bases[id(node)] = base
    index.pointers[id(node)] = pointer
    ref = node.get("$ref")
    if isinstance(ref, str):
        index.refs.append((pointer, ref, base))
    for keyword, child in _children(node):
        _walk(index, child, f"{pointer}/{keyword}", base, depth + 1)


def _children(node: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(relative pointer, subschema) of the schemas directly inside ``node``."""
    for keyword in _ONE:
        if isinstance(node.get(keyword), Mapping):
            yield escape_token(keyword), node[keyword]
    for keyword in _MAP:
        value = node.get(keyword)
        for name, child in value.items() if isinstance(value, Mapping) else ():
            yield f"{escape_token(keyword)}/{escape_token(name)}", child
    for keyword in _LIST:
        value = node.get(keyword)
        for number, child in enumerate(value if isinstance(value, list) else []):
            yield f"{keyword}/{number}", child


def _build_registry(index: SchemaIndex) -> Any:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    # Each inputs schema is crawled as a resource at the document's base URI, so its anchors
    # (outside any $id) belong to the document and its $ids are registered; the document
    # itself then takes the base URI, for JSON Pointers into it.
    registry: Any = Registry()
    for _, schema in schema_places(index.document):
        if isinstance(schema, (Mapping, bool)):
            resource = Resource.from_contents(schema, default_specification=DRAFT202012)
            registry = registry.combine(Registry().with_resource(index.base, resource).crawl())
    document = _arazzo_specification().create_resource(index.document)
    return registry.with_resource(index.base, document).crawl()


def _arazzo_specification() -> Any:
    """How ``referencing`` sees an Arazzo document: no identifiers of its own, and a JSON
    Pointer that enters an inputs schema continues by JSON Schema 2020-12's rules (so an
    ``$id`` on the way changes the base URI)."""
    from referencing import Specification
    from referencing.jsonschema import DRAFT202012

    def in_subresource(segments: Any, resolver: Any, subresource: Any) -> Any:
        path = list(segments)
        at_schema = len(path) >= 3 and (
            (path[0] == "workflows" and path[2] == "inputs") or (path[0] == "components" and path[1] == "inputs")
        )
        rest = path[3:] if at_schema else path
        schema = DRAFT202012.create_resource(subresource.contents)
        if at_schema and not rest:
            return resolver.in_subresource(schema)
        return DRAFT202012.maybe_in_subresource(segments=rest, resolver=resolver, subresource=schema)

    # attrs builds Specification's keyword arguments (the aliases mypy does not see)
    make: Any = Specification
    return make(
        name="arazzo",
        id_of=lambda contents: None,
        subresources_of=lambda contents: [],
        anchors_in=lambda specification, contents: [],
        maybe_in_subresource=in_subresource,
    )


NOTHING = object()  # what follow_pointer answers for a pointer to nothing (None is JSON null)


def escape_token(token: object) -> str:
    """A JSON Pointer reference token for ``token`` (RFC 6901 escaping)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def follow_pointer(data: Any, pointer: str) -> Any:
    """The value at JSON Pointer ``pointer`` in ``data``, or :data:`NOTHING`."""
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(data, Mapping) and token in data:
            data = data[token]
        elif isinstance(data, list) and token.isdigit() and int(token) < len(data):
            data = data[int(token)]
        else:
            return NOTHING
    return data
