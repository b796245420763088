"""JSON pointers (RFC 6901) and ``$ref`` resolution across the files of one OpenAPI description.

A :class:`RefResolver` knows the root document, its absolute URI, and a ``fetch`` function that
returns the parsed form of any other document by absolute URI (the caller decides what may be
fetched).  It follows a value's ``$ref`` chain, into other files when needed, and nothing more:
it never walks a schema, so resolving is as cheap as a few dictionary lookups.

Errors carry the :class:`~arazzo_runner.errors.Location` of the ``$ref`` value that failed:
a target that does not exist, a file that cannot be read, a cycle.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import unquote, urldefrag, urljoin

from ..errors import DocumentError, Location, SourceError
from ..loading.uris import file_uri, uri_path
from ..loading.yamlfile import ParsedFile

__all__ = [
    "LocatedProblems",
    "DATA_KEYS",
    "Fetch",
    "RefResolver",
    "Resolved",
    "escape_token",
    "join_pointer",
    "path_to_uri",
    "split_pointer",
    "unescape_token",
    "uri_to_path",
]

Fetch = Callable[[str], ParsedFile]
"""``fetch(absolute_uri_without_fragment) -> ParsedFile``: reads another document."""

_MISSING: Any = object()

# Keys whose values are data, not objects of the description: a ``$ref`` inside them is text.
DATA_KEYS = frozenset({"example", "default", "const", "enum", "value"})
# Keys whose values map names to schemas: there, any name (``value``, ``default``) is a schema.
_NAMED_SCHEMAS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
_KINDS = {str: "a string", int: "a number", float: "a number", bool: "a boolean", list: "a list", type(None): "null"}


def escape_token(token: str) -> str:
    """One JSON pointer reference token, escaped (``~`` → ``~0`` first, then ``/`` → ``~1``)."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    """One reference token, unescaped (``~1`` → ``/`` first, then ``~0`` → ``~``, per RFC 6901)."""
    return token.replace("~1", "/").replace("~0", "~")


def split_pointer(pointer: str) -> list[str]:
    """The unescaped reference tokens of ``pointer``.

    Accepts the plain form (``/paths/~1pets/get``) and the URI fragment form
    (``#/paths/~1pets/get``, percent-decoded as RFC 6901 section 6 says).  Raises
    :class:`ValueError` for text that is not a pointer (it must be empty or start with ``/``).
    """
    if pointer.startswith("#"):
        pointer = unquote(pointer[1:])
    if not pointer:
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"{pointer!r} is not a JSON pointer (it must start with '/')")
    return [unescape_token(token) for token in pointer.split("/")[1:]]


def join_pointer(tokens: list[str]) -> str:
    """The JSON pointer (plain form) made of ``tokens``."""
    return "".join("/" + escape_token(token) for token in tokens)


def path_to_uri(path: str | os.PathLike[str]) -> str:
    """The absolute ``file:`` URI of a local path."""
    return file_uri(path)


def uri_to_path(uri: str) -> str:
    """The local path of a ``file:`` URI."""
    return uri_path(uri)


class Resolved(NamedTuple):
    """A value at the end of a ``$ref`` chain, and where it sits (document URI and pointer)."""

    value: Any
    uri: str
    pointer: str


class RefResolver:
    """Follows ``$ref`` chains within one document and into the documents it refers to."""

    __slots__ = ("root", "base_uri", "_fetch", "_documents", "_values", "_chains")

    def __init__(self, root: ParsedFile, base_uri: str, fetch: Fetch) -> None:
        """Resolve within ``root`` (at absolute ``base_uri``), reading other documents with ``fetch``."""
        self.root = root
        self.base_uri = urldefrag(base_uri)[0]
        self._fetch = fetch
        self._documents: dict[str, ParsedFile] = {self.base_uri: root}
        self._values: dict[tuple[str, str], Any] = {}
        # (document URI, $ref text) -> the end of the chain: shared components are resolved once.
        self._chains: dict[tuple[str, str], Resolved] = {}

    def location(self, uri: str, pointer: str) -> Location:
        """The Location of ``pointer`` in the (already read) document at ``uri``."""
        document = self._documents.get(uri)
        if document is None:
            return Location(uri, pointer)
        return document.location(pointer)

    def document(self, uri: str, where: Location | None = None, ref: str | None = None) -> ParsedFile:
        """The parsed document at ``uri`` (read once); ``ref`` is the reference to it, at ``where``."""
        document = self._documents.get(uri)
        if document is not None:
            return document
        try:
            document = self._fetch(uri)
        except SourceError as exc:
            # Not found / not fetchable: the useful place to point at is the reference.
            prefix = f"$ref {ref!r}: " if ref is not None else ""
            raise SourceError(f"{prefix}{exc.message}", where or exc.location) from None
        self._documents[uri] = document
        return document

    def target(self, ref: str, uri: str) -> tuple[str, str]:
        """(absolute document URI, fragment) that ``ref``, written in document ``uri``, names."""
        if ref.startswith("#"):
            return uri, ref[1:]
        absolute, fragment = urldefrag(urljoin(uri, ref))
        return absolute, fragment

    def follow(self, value: Any, uri: str | None = None, pointer: str = "") -> Resolved:
        """Follow ``value``'s ``$ref`` chain to a value that is not a reference.

        ``uri`` is the document ``value`` was read from (default: the root document) and
        ``pointer`` where it sits there; both matter for relative references and messages.
        Sibling keys of a ``$ref`` are ignored, as OpenAPI 3.0 says.
        """
        uri = self.base_uri if uri is None else uri
        if not (isinstance(value, dict) and "$ref" in value):
            return Resolved(value, uri, pointer)
        first = value["$ref"]
        chain_key = (uri, first) if isinstance(first, str) else None
        if chain_key is not None:
            known = self._chains.get(chain_key)
            if known is not None:
                return known
        seen: list[tuple[str, str]] = []
        refs: list[str] = []
        while isinstance(value, dict) and "$ref" in value:
            ref = value["$ref"]
            ref_pointer = pointer + "/$ref"
            if not isinstance(ref, str):
                raise DocumentError(f"$ref must be a string, not {type(ref).__name__}", self.location(uri, ref_pointer))
            target_uri, fragment = self.target(ref, uri)
            key = (target_uri, fragment)
            refs.append(ref)
            if key in seen:
                raise DocumentError(
                    f"$ref cycle: {ref!r} leads back to itself ({' -> '.join(refs)})",
                    self.location(uri, ref_pointer),
                )
            seen.append(key)
            value = self.value_at(target_uri, fragment, ref, uri, ref_pointer)
            uri, pointer = target_uri, _plain_pointer(fragment)
        resolved = Resolved(value, uri, pointer)
        if chain_key is not None:
            self._chains[chain_key] = resolved
        return resolved

    def check(
        self,
        value: Any,
        uri: str,
        pointer: str,
        *,
        booleans: bool = False,
        local_only: bool = False,
        missing: bool = True,
        seen: set[tuple[str, str]] | None = None,
    ) -> list[tuple[str, Location]]:
        """Every ``$ref`` under ``value`` (and under what they lead to) that is broken.

        A reference is broken when its target does not exist (or cannot be read, or loops) or
        is not an object: a string, number, list or null where an object (a schema, a
        parameter, a response...) belongs; ``booleans`` accepts ``true``/``false`` targets
        (JSON Schema 2020-12 boolean schemas).  Returns (message, location of the ``$ref``)
        pairs.  Each place is visited once (``seen`` carries that across calls); data
        (examples, defaults, enums, extensions) and schemas with their own ``$id`` (whose
        references resolve against it) are not entered.  Remote targets that may not be
        fetched are not reported; with ``local_only``, references to other documents are not
        followed at all; with ``missing=False``, targets that do not exist are not reported.
        """
        visited = set() if seen is None else seen
        problems: list[tuple[str, Location]] = []
        work: list[tuple[Any, str, str, bool]] = [(value, uri, pointer, False)]
        while work:
            node, node_uri, node_pointer, named = work.pop()
            if isinstance(node, list):
                work.extend((item, node_uri, f"{node_pointer}/{number}", False) for number, item in enumerate(node))
                continue
            if not isinstance(node, dict) or (node_uri, node_pointer) in visited:
                continue
            visited.add((node_uri, node_pointer))
            if isinstance(node.get("$id"), str) and node_pointer != pointer:
                continue
            ref = node.get("$ref")
            if isinstance(ref, str):
                local = ref.startswith("#") or not local_only
                target = (
                    self._checked_target(ref, node_uri, node_pointer, booleans, missing, problems) if local else None
                )
                if target is not None:
                    work.append(target)
            for key, child in node.items():
                if not isinstance(key, str) or key == "$ref" or key.startswith("x-"):
                    continue
                if (not named and key in DATA_KEYS) or (key == "examples" and isinstance(child, list)):
                    continue
                work.append((child, node_uri, f"{node_pointer}/{escape_token(key)}", key in _NAMED_SCHEMAS))
        return problems

    def _checked_target(
        self, ref: str, uri: str, pointer: str, booleans: bool, missing: bool, problems: list[tuple[str, Location]]
    ) -> tuple[Any, str, str, bool] | None:
        """The target of the ``$ref`` at ``pointer`` to walk next, or None (a problem noted)."""
        fragment = self.target(ref, uri)[1]
        if fragment and not fragment.startswith("/") and not unquote(fragment).startswith("/"):
            return None  # an anchor ("#name"): resolved by JSON Schema tools, not here
        where = self.location(uri, pointer + "/$ref")
        try:
            value, target_uri, target_pointer = self.follow({"$ref": ref}, uri, pointer)
        except SourceError as error:
            if missing and "remote" not in error.message:
                problems.append((error.message, error.location or where))
            return None
        except DocumentError as error:
            if missing:
                problems.append((error.message, error.location or where))
            return None
        if isinstance(value, dict) or (booleans and isinstance(value, bool)):
            return value, target_uri, target_pointer, False
        kind = _KINDS.get(type(value), type(value).__name__)
        problems.append((f"$ref {ref!r} points at {kind}, not an object", where))
        return None

    def value_at(self, uri: str, fragment: str, ref: str, ref_uri: str, ref_pointer: str) -> Any:
        """The value at ``fragment`` in the document at ``uri``.

        ``ref`` is the reference that names it, written at ``ref_pointer`` in ``ref_uri``.
        """
        cached = self._values.get((uri, fragment), _MISSING)
        if cached is not _MISSING:
            return cached
        where = self.location(ref_uri, ref_pointer)
        document = self.document(uri, where, ref)
        try:
            tokens = split_pointer("#" + fragment)
        except ValueError:
            raise DocumentError(
                f"$ref {ref!r}: only JSON pointer fragments (#/...) are supported here", where
            ) from None
        value = document.data
        for depth, token in enumerate(tokens):
            if isinstance(value, dict) and token in value:
                value = value[token]
            elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
                value = value[int(token)]
            else:
                reached = join_pointer(tokens[:depth]) or "the document root"
                raise DocumentError(
                    f"$ref {ref!r} points at nothing: no {token!r} in {reached} of {document.name}", where
                )
        self._values[(uri, fragment)] = value
        return value


def _plain_pointer(fragment: str) -> str:
    """A ``$ref`` fragment as a plain JSON pointer (percent-decoded)."""
    return unquote(fragment) if "%" in fragment else fragment


class LocatedProblems:
    """What an index of a described document notes without stopping its use: each problem once,
    with its location (a base of the OpenAPI and AsyncAPI indexes, which hold the attributes)."""

    __slots__ = ()
    parsed: ParsedFile
    _resolver: RefResolver
    _problems: list[tuple[str, Location]]
    _problem_keys: set[tuple[str, str, str]]

    def _problem(self, message: str, uri: str, pointer: str) -> None:
        """Note a problem at ``pointer`` of document ``uri`` (once, however often it is met)."""
        key = (message, uri, pointer)
        if key not in self._problem_keys:
            self._problem_keys.add(key)
            self._problems.append((message, self._resolver.location(uri, pointer)))

    @property
    def name(self) -> str:
        """How the document is named in messages."""
        return self.parsed.name

    @property
    def problems(self) -> tuple[tuple[str, Location], ...]:
        """What is wrong in the document without stopping its use: (message, Location) pairs."""
        return tuple(self._problems)
