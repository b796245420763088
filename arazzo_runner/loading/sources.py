"""Loading an Arazzo Description: the entry document and the source descriptions it names.

Source descriptions resolve lazily (``arazzo list`` needs none of them, ``arazzo show`` needs
the operations), relative to the document's base URI (its ``$self`` in 1.1 documents, else
its own location).  ``http(s)`` sources are fetched only with ``allow_remote=True``; any
source can be redirected to another file or URL by name.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator, Mapping
from typing import Any, Optional
from urllib.parse import urldefrag, urljoin

from ..errors import ArazzoError, DocumentError, Location, SourceError, UsageError
from ..model import ArazzoDocument, SourceDescription
from ..model_build import build_document
from .files import display_path, parse_cached, read_file, read_url
from .uris import file_uri as _file_uri
from .uris import is_remote as _is_remote
from .uris import uri_path as _uri_path
from .yamlfile import ParsedFile

__all__ = [
    "Description",
    "Source",
    "load",
    "load_contents",
    "reject_other_kind",
    "sources_of",
    "SUPPORTED_VERSIONS",
]

SUPPORTED_VERSIONS = ("1.0.x", "1.1.x")
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?$")
_KNOWN_TYPES = ("openapi", "arazzo", "asyncapi")


class Source:
    """One resolved source description: its type and its loaded content."""

    __slots__ = ("description", "name", "type", "uri", "shown", "parsed", "_openapi", "_asyncapi", "_arazzo")

    def __init__(self, description: SourceDescription, type_: str, uri: str, shown: str, parsed: ParsedFile):
        self.description = description
        self.name: str = description.name or ""
        self.type = type_
        self.uri = uri
        self.shown = shown
        self.parsed = parsed
        self._openapi: Any = None
        self._asyncapi: Any = None
        self._arazzo: Optional[Description] = None

    @property
    def data(self) -> Any:
        return self.parsed.data

    def __repr__(self) -> str:
        return f"Source({self.name!r}, type={self.type!r}, uri={self.uri!r})"


class _Session:
    """What the documents of one load share: options, and every file read once by URI.

    ``contents`` (URI -> (name shown, bytes)) serves the files from memory, and nothing else:
    a Temporal worker runs a document sent as content (:mod:`arazzo_runner.temporal.bundle`),
    whose URIs name files of the machine that sent it.
    """

    def __init__(
        self,
        redirects: Mapping[str, str],
        allow_remote: bool,
        contents: Optional[Mapping[str, tuple[str, bytes]]] = None,
    ) -> None:
        self.redirects = dict(redirects)
        self.allow_remote = allow_remote
        self.contents = contents
        self.files: dict[str, ParsedFile] = {}
        self.descriptions: dict[str, Description] = {}
        self.lock = threading.RLock()

    def is_file(self, uri: str) -> bool:
        if self.contents is not None:
            return uri in self.contents
        return os.path.isfile(_uri_path(uri))

    def read(self, uri: str, shown: str, location: Optional[Location]) -> ParsedFile:
        with self.lock:
            parsed = self.files.get(uri)
            if parsed is None and self.contents is not None:
                entry = self.contents.get(uri)
                if entry is None:
                    raise SourceError(f"{shown} was not sent with the document (it was not read before)", location)
                parsed = self.files[uri] = parse_cached(entry[1], entry[0])
            if parsed is None:
                if _is_remote(uri):
                    parsed = read_url(uri, location=location)
                else:
                    parsed = read_file(_uri_path(uri), name=shown, location=location)
                self.files[uri] = parsed
            return parsed


class Description:
    """An Arazzo Description: the entry document, its model, and its source descriptions."""

    def __init__(self, parsed: ParsedFile, uri: str, session: _Session, chain: tuple[str, ...] = ()) -> None:
        self.parsed = parsed
        self.uri = uri
        self.file = parsed.name
        self._session = session
        self._chain = chain + (uri,)
        self._sources: dict[str, Source] = {}
        data = parsed.data
        minor = _check_version(data, parsed)
        self.document: ArazzoDocument = build_document(data, file=parsed.name, locate=parsed.location, minor=minor)
        self.base_uri = uri
        self_uri = self.document.self_uri if minor >= (1, 1) else None
        if isinstance(self_uri, str) and self_uri:
            self.base_uri = urljoin(uri, self_uri)
        session.descriptions.setdefault(self.base_uri, self)

    @property
    def minor(self) -> tuple[int, int]:
        return self.document.minor

    def source(self, name: str) -> Source:
        """The source description ``name``, loaded on first use (raises SourceError)."""
        with self._session.lock:
            found = self._sources.get(name)
            if found is not None:
                return found
            for index, description in enumerate(self.document.source_descriptions):
                if description.name == name:
                    found = self._resolve(description, index)
                    self._sources[name] = found
                    return found
        names = ", ".join(repr(s.name) for s in self.document.source_descriptions) or "none"
        raise SourceError(f"no source description named {name!r} (declared: {names})", self.parsed.location())

    def sources(self) -> list[Source]:
        """Every source description, loaded (raises the first SourceError met)."""
        return [self.source(s.name) for s in self.document.source_descriptions if isinstance(s.name, str)]

    def files(self) -> dict[str, tuple[str, bytes]]:
        """Every file this Description reads, its sources' and theirs loaded first: URI ->
        (name shown, bytes), what :func:`load_contents` takes to load it elsewhere.  Files an
        OpenAPI description references are read when its index is built: build them first."""
        pending = [self]
        seen: set[str] = set()
        while pending:
            description = pending.pop()
            if description.uri in seen:
                continue
            seen.add(description.uri)
            for source in description.sources():
                if source._arazzo is not None:
                    pending.append(source._arazzo)
        with self._session.lock:
            return {uri: (parsed.name, parsed.raw) for uri, parsed in self._session.files.items()}

    def redirect_uris(self) -> dict[str, str]:
        """The ``sources`` redirects of the load, each as the URI it resolved to."""
        return {
            name: target if _is_remote(target) or self._session.contents is not None else _file_uri(target)
            for name, target in self._session.redirects.items()
        }

    def openapi(self, name: str) -> Any:
        """The OpenAPIIndex of source ``name`` (raises SourceError when it is not OpenAPI)."""
        return self._index(name, "openapi", "an OpenAPI")

    def asyncapi(self, name: str) -> Any:
        """The AsyncAPIIndex of source ``name`` (raises SourceError when it is not AsyncAPI)."""
        return self._index(name, "asyncapi", "an AsyncAPI")

    def _index(self, name: str, kind: str, shown: str) -> Any:
        """The index of source ``name`` of type ``kind``, built on first use and kept."""
        source = self.source(name)
        if source.type != kind:
            raise SourceError(f"source {name!r} is {source.type}, not {shown} description", source.description.location)
        attribute = f"_{kind}"
        index = getattr(source, attribute)
        if index is None:
            if kind == "openapi":
                from ..openapi.index import OpenAPIIndex as Index
            else:
                from ..asyncapi.index import AsyncAPIIndex as Index  # type: ignore[assignment]
            index = Index.build(source.parsed, base_uri=source.uri, fetch=self._fetch_for(source))
            setattr(source, attribute, index)
        return index

    def arazzo(self, name: str) -> Description:
        """The nested Arazzo Description of source ``name``."""
        source = self.source(name)
        if source.type != "arazzo":
            raise SourceError(f"source {name!r} is {source.type}, not an Arazzo document", source.description.location)
        assert source._arazzo is not None
        return source._arazzo

    def _fetch_for(self, source: Source) -> Any:
        def fetch(uri: str) -> ParsedFile:
            uri = urldefrag(uri)[0]
            if _is_remote(uri) and not self._session.allow_remote and not self._session.is_file(uri):
                raise SourceError(
                    f"{uri} (referenced from {source.shown}) is remote; pass --allow-remote to fetch it",
                    source.description.location,
                )
            return self._session.read(uri, uri if _is_remote(uri) else display_path(_uri_path(uri)), None)

        return fetch

    def _resolve(self, description: SourceDescription, index: int) -> Source:
        url_location = description.location.child("url")
        name = description.name or f"#{index}"
        redirect = self._session.redirects.get(name)
        if redirect is not None:
            written = redirect
            # a document sent as content carries its redirects as the URIs they resolved to
            uri = redirect if _is_remote(redirect) or self._session.contents is not None else _file_uri(redirect)
            how = f"redirected by --source {name}={redirect}"
        else:
            if not isinstance(description.url, str) or not description.url:
                raise SourceError(f"source description {name!r} has no url", description.location)
            written = description.url
            uri = urldefrag(urljoin(self.base_uri, written.strip()))[0]
            if _is_remote(uri) and not self._session.allow_remote and not _is_remote(self.uri):
                # $self made the reference remote; the same relative path next to the file is
                # the retrieval-location reading the spec allows, and needs no network.
                local = urldefrag(urljoin(self.uri, written.strip()))[0]
                if not _is_remote(local) and self._session.is_file(local):
                    uri = local
            how = f"url {written!r}"
        if _is_remote(uri) and not self._session.allow_remote and not self._session.is_file(uri):
            raise SourceError(
                f"source {name!r}: {how} is remote ({uri}); pass --allow-remote (allow_remote=True) to fetch it, "
                f"or --source {name}=PATH to use a local copy",
                url_location,
            )
        shown = uri if _is_remote(uri) else display_path(_uri_path(uri))
        if self._session.contents is not None and uri in self._session.contents:
            shown = self._session.contents[uri][0]
        if self._session.contents is not None and uri not in self._session.contents:
            raise SourceError(f"source {name!r}: {uri} was not sent with the document", url_location)
        if not _is_remote(uri) and not self._session.is_file(uri):
            raise SourceError(
                f"source {name!r}: {how} resolves to {_uri_path(uri)}, which does not exist"
                + (f" (use --source {name}=PATH to point it at a local copy)" if redirect is None else ""),
                url_location,
            )
        parsed = self._session.read(uri, shown, url_location)
        type_ = _detect_type(parsed, description, name, url_location)
        source = Source(description, type_, uri, shown, parsed)
        if type_ == "arazzo":
            source._arazzo = self._nested(parsed, uri, name, url_location)
        return source

    def _nested(self, parsed: ParsedFile, uri: str, name: str, location: Location) -> Description:
        if uri in self._chain:
            cycle = " -> ".join(display_path(_uri_path(u)) if not _is_remote(u) else u for u in self._chain + (uri,))
            raise SourceError(f"source {name!r} makes a cycle of Arazzo documents: {cycle}", location)
        existing = self._session.descriptions.get(uri)
        if existing is not None:
            return existing
        return Description(parsed, uri, self._session, self._chain)


def sources_of(
    description: Description, kinds: tuple[str, ...], *, nested: bool = True
) -> Iterator[tuple[Description, str, str]]:
    """(the description declaring it, name, type) of each source of one of ``kinds``, those of
    nested Arazzo sources too (each document once) with ``nested``; a source that cannot be
    loaded is left out: the run or the validator reports it where it is used."""
    seen: set[int] = set()

    def walk(owner: Description) -> Iterator[tuple[Description, str, str]]:
        if id(owner) in seen:
            return
        seen.add(id(owner))
        for source in owner.document.source_descriptions:
            name = source.name
            if not isinstance(name, str):
                continue
            try:
                kind = owner.source(name).type
                if kind in kinds:
                    yield owner, name, kind
                if nested and kind == "arazzo":
                    yield from walk(owner.arazzo(name))
            except ArazzoError:
                continue

    return walk(description)


def _detect_type(parsed: ParsedFile, description: SourceDescription, name: str, location: Location) -> str:
    data = parsed.data
    if not isinstance(data, dict):
        raise SourceError(f"source {name!r}: {parsed.name} is not a JSON/YAML object", location)
    found: Optional[str] = "swagger" if "swagger" in data else next((k for k in _KNOWN_TYPES if k in data), None)
    declared = description.type
    if found == "swagger":
        raise SourceError(
            f"source {name!r}: {parsed.name} is Swagger {data.get('swagger')}, which is not supported; "
            "convert it to OpenAPI 3",
            location,
        )
    if found is None:
        raise SourceError(
            f"source {name!r}: {parsed.name} is neither an OpenAPI, an AsyncAPI nor an Arazzo document "
            "(no 'openapi', 'asyncapi' or 'arazzo' field)",
            location,
        )
    if isinstance(declared, str) and declared in _KNOWN_TYPES and declared != found:
        raise SourceError(f"source {name!r} is declared as type {declared!r} but {parsed.name} is {found}", location)
    return found


_OTHER_KINDS = {"openapi": "an OpenAPI description", "asyncapi": "an AsyncAPI document"}


def _not_arazzo(kind: Optional[str], location: Location) -> DocumentError:
    hint = f" (this looks like {_OTHER_KINDS[kind]}, not an Arazzo document)" if kind in _OTHER_KINDS else ""
    return DocumentError(f"missing the 'arazzo' version field{hint}", location)


def reject_other_kind(path: str, shown: Optional[str] = None) -> None:
    """Raise the DocumentError :func:`load` would raise for a local file that is plainly an
    OpenAPI or AsyncAPI document, from its first bytes (:mod:`.detect`), before it is parsed:
    seconds saved on a large description.  Anything else (a file that cannot be read, an
    Arazzo document, an undecided one) is left to the full load."""
    from .detect import sniff

    if not os.path.isfile(path):  # never open a FIFO or a device: the load says what it is
        return
    try:
        with open(path, "rb") as handle:
            kind = sniff(handle)
    except OSError:
        return
    if kind in _OTHER_KINDS:
        raise _not_arazzo(kind, Location(shown or display_path(path), "", 1, 1))


def _check_version(data: Any, parsed: ParsedFile) -> tuple[int, int]:
    if not isinstance(data, dict):
        raise DocumentError("an Arazzo document must be a mapping at its top level", parsed.location())
    if "arazzo" not in data:
        kind = "openapi" if "openapi" in data or "swagger" in data else "asyncapi" if "asyncapi" in data else None
        raise _not_arazzo(kind, parsed.location())
    version = data["arazzo"]
    location = parsed.location("/arazzo")
    if not isinstance(version, str):
        if isinstance(version, (int, float)) and not isinstance(version, bool):
            hint = f' (YAML reads {version} as a number: write arazzo: "{version}.0" or the full version)'
            message = f"'arazzo' must be a version string such as \"1.0.1\", not the number {version}"
            raise DocumentError(message + (hint if isinstance(version, float) else ""), location)
        raise DocumentError(f"'arazzo' must be a version string such as \"1.0.1\", not {version!r}", location)
    match = _VERSION.match(version.strip())
    if match is None:
        raise DocumentError(f"'arazzo' is {version!r}: not a major.minor.patch version such as \"1.0.1\"", location)
    minor = (int(match.group(1)), int(match.group(2)))
    if minor not in ((1, 0), (1, 1)):
        raise DocumentError(
            f"Arazzo {version} is not supported: this runner reads {' and '.join(SUPPORTED_VERSIONS)} documents",
            location,
        )
    return minor


def load(
    path: str,
    *,
    sources: Optional[Mapping[str, str]] = None,
    allow_remote: bool = False,
) -> Description:
    """Load the Arazzo document at ``path`` (a file, or an http(s) URL with ``allow_remote``).

    ``sources`` redirects source descriptions by name to another file or URL.  Source
    descriptions are read when first needed; :meth:`Description.sources` reads them all.
    Every error raised derives from :class:`arazzo_runner.ArazzoError` and has a location.
    """
    session = _Session(sources or {}, allow_remote)
    if _is_remote(path):
        if not allow_remote:
            raise SourceError(f"{path} is remote; pass --allow-remote (allow_remote=True) to fetch it")
        return Description(session.read(path, path, None), path, session)
    uri = _file_uri(path)
    reject_other_kind(path)
    parsed = session.read(uri, display_path(path), None)
    description = Description(parsed, uri, session)
    _check_redirects(description, sources or {})
    return description


def load_contents(
    uri: str,
    contents: Mapping[str, tuple[str, bytes]],
    *,
    sources: Optional[Mapping[str, str]] = None,
) -> Description:
    """The Description whose entry document is ``contents[uri]``, every file it reads taken
    from ``contents`` (URI -> (name shown, bytes)) and nothing from this machine or the
    network; ``sources`` are redirects by source name, to URIs of ``contents``."""
    session = _Session(sources or {}, False, contents)
    if uri not in contents:
        raise SourceError(f"{uri} is not among the files sent")
    return Description(session.read(uri, contents[uri][0], None), uri, session)


def _check_redirects(description: Description, redirects: Mapping[str, str]) -> None:
    """A redirect for a source nobody declares is a typo: say so rather than ignore it.

    Nested Arazzo documents may declare more sources; when the entry document may have one
    (a source of type arazzo, or of no type), names cannot be checked here.
    """
    declared = description.document.source_descriptions
    if any(source.type in (None, "arazzo") for source in declared):
        return
    names = {source.name for source in declared}
    for name in redirects:
        if name not in names:
            known = ", ".join(sorted(str(n) for n in names)) or "none"
            raise UsageError(f"--source {name}=...: no source description named {name!r} (sources: {known})")
