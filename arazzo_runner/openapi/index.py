"""What the engine needs from an OpenAPI 3.0 / 3.1 / 3.2 description, found quickly.

:func:`load_openapi` reads one file and returns an :class:`OpenAPIIndex`:

* operations by ``operationId`` (:meth:`OpenAPIIndex.operation`) and by JSON pointer
  (:meth:`OpenAPIIndex.operation_by_pointer`, for Arazzo ``operationPath``);
* for each :class:`Operation`: its effective servers (operation > path item > root > the
  default ``/``), its parameters (path item and operation merged by ``(name, in)``), its
  request body, responses and effective security requirements;
* the security schemes, and :meth:`OpenAPIIndex.resolve` to follow any ``$ref``.

Building the index is cheap on purpose: it walks ``paths`` and the keys of each path item,
nothing else.  An :class:`Operation` is assembled the first time it is asked for, and only
its own top-level ``$ref`` s are followed (parameters, request body, responses), never the
schemas inside them.  This module imports neither openapi-core nor any other heavy library.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import DocumentError, Location, SourceError
from ..loading.files import read_file
from ..loading.yamlfile import ParsedFile
from .assembly import OperationAssembly
from .objects import (
    DEFAULT_SERVER,
    HTTP_METHODS,
    Operation,
    Parameter,
    RequestBody,
    Server,
    ServerVariable,
    expand_server,
    join_url,
)
from .refs import (
    Fetch,
    LocatedProblems,
    RefResolver,
    Resolved,
    escape_token,
    join_pointer,
    path_to_uri,
    split_pointer,
    uri_to_path,
)

__all__ = [
    "DEFAULT_SERVER",
    "HTTP_METHODS",
    "OpenAPIIndex",
    "Operation",
    "Parameter",
    "RequestBody",
    "Server",
    "ServerVariable",
    "expand_server",
    "join_url",
    "load_openapi",
]

_METHODS = frozenset(HTTP_METHODS)
_VERSION = re.compile(r"3\.[0-2](?:\.\d+)?(?:-[0-9A-Za-z.-]+)?\Z")


class _Entry:
    """Where one operation is: found by the cheap scan, turned into an Operation on demand."""

    __slots__ = ("path", "method", "pointer", "op", "op_uri", "op_pointer", "item", "item_uri", "item_pointer")

    def __init__(
        self,
        path: str,
        method: str,
        pointer: str,
        op: dict[str, Any],
        op_uri: str,
        op_pointer: str,
        item: dict[str, Any],
        item_uri: str,
        item_pointer: str,
    ) -> None:
        """Remember the operation object and its path item, each with its document and pointer."""
        self.path = path
        self.method = method
        self.pointer = pointer
        self.op = op
        self.op_uri = op_uri
        self.op_pointer = op_pointer
        self.item = item
        self.item_uri = item_uri
        self.item_pointer = item_pointer


class OpenAPIIndex(LocatedProblems, OperationAssembly):
    """An OpenAPI description, indexed: operations by id and by pointer, servers, schemes.

    Build it with :meth:`build` (from an already parsed file) or :func:`load_openapi`.
    ``problems`` lists what was wrong but did not stop the index from being built (a
    duplicate ``operationId``, a parameter without ``name``...), each with its Location.
    """

    __slots__ = (
        "parsed",
        "data",
        "version",
        "title",
        "base_uri",
        "servers",
        "_resolver",
        "_entries",
        "_by_id",
        "_by_pointer",
        "_operations",
        "_all",
        "_problems",
        "_problem_keys",
        "_security_schemes",
        "_parameters",
        "_ref_checked",
    )

    def __init__(self, parsed: ParsedFile, *, base_uri: str, fetch: Fetch) -> None:
        """Prefer :meth:`build`, which checks the document and scans its paths."""
        self.parsed = parsed
        self.data: dict[str, Any] = parsed.data
        self._resolver = RefResolver(parsed, base_uri, fetch)
        self.base_uri = self._resolver.base_uri
        self.version: str = ""
        self.title: str | None = None
        self.servers: tuple[Server, ...] = ()
        self._entries: list[_Entry] = []
        self._by_id: dict[str, _Entry] = {}
        self._by_pointer: dict[str, _Entry] = {}
        self._operations: dict[int, Operation] = {}
        self._all: tuple[Operation, ...] | None = None
        self._problems: list[tuple[str, Location]] = []
        self._problem_keys: set[tuple[str, str, str]] = set()
        self._security_schemes: dict[str, Any] | None = None
        self._parameters: dict[tuple[str, str], Parameter | None] = {}
        self._ref_checked: set[tuple[str, str]] = set()

    # ----------------------------------------------------------------------------- building

    @classmethod
    def build(cls, parsed: ParsedFile, *, base_uri: str, fetch: Fetch) -> OpenAPIIndex:
        """Index the OpenAPI document ``parsed``, whose absolute URI is ``base_uri``.

        ``fetch(uri)`` returns another document (absolute URI, no fragment) when a ``$ref``
        leads to one; the caller decides what may be fetched.  Raises :class:`SourceError`
        when ``parsed`` is not an OpenAPI 3.0/3.1/3.2 document (Swagger 2.0 included) and
        :class:`DocumentError` for a broken path item ``$ref``.
        """
        index = cls(parsed, base_uri=base_uri, fetch=fetch)
        index.version = _check_version(parsed)
        info = index.data.get("info")
        if isinstance(info, dict) and isinstance(info.get("title"), str):
            index.title = info["title"]
        index.servers = index._servers(index.data.get("servers"), index._resolver.base_uri, "/servers")
        index._scan_paths()
        return index

    def _scan_paths(self) -> None:
        """Find every operation under ``paths`` (following path item ``$ref`` s), building none."""
        paths = self.data.get("paths")
        root_uri = self._resolver.base_uri
        if paths is None:
            return
        if not isinstance(paths, dict):
            self._problem("'paths' must be a mapping", root_uri, "/paths")
            return
        for path, item in paths.items():
            if path.startswith("x-"):
                continue
            item_pointer = "/paths/" + escape_token(path)
            item_uri = root_uri
            if isinstance(item, dict) and "$ref" in item:
                siblings = {key: value for key, value in item.items() if key != "$ref"}
                item, item_uri, item_pointer = self._resolver.follow(item, root_uri, item_pointer)
                if siblings and isinstance(item, dict):
                    item = {**item, **siblings}
            if not isinstance(item, dict):
                self._problem(f"the path item {path!r} must be a mapping", item_uri, item_pointer)
                continue
            for key, op in item.items():
                if key in _METHODS:
                    self._add(path, key.upper(), join_pointer(["paths", path, key]), op, item, item_uri,
                              f"{item_pointer}/{key}", item_pointer)  # fmt: skip
                elif key == "additionalOperations" and isinstance(item[key], dict):
                    # OpenAPI 3.2: the key is the method exactly as it is to be sent.
                    for method, extra in item[key].items():
                        pointer = join_pointer(["paths", path, key, method])
                        self._add(path, str(method), pointer, extra, item, item_uri,
                                  f"{item_pointer}/{key}/{escape_token(method)}", item_pointer)  # fmt: skip

    def _add(
        self,
        path: str,
        method: str,
        pointer: str,
        op: Any,
        item: dict[str, Any],
        uri: str,
        op_pointer: str,
        item_pointer: str,
    ) -> None:
        """Record the operation ``op`` found at ``op_pointer`` (in document ``uri``)."""
        if not isinstance(op, dict):
            self._problem(f"the {method} operation of {path!r} must be a mapping", uri, op_pointer)
            return
        entry = _Entry(path, method, pointer, op, uri, op_pointer, item, uri, item_pointer)
        operation_id = op.get("operationId")
        if operation_id is not None:
            if not isinstance(operation_id, str):
                self._problem("operationId must be a string", uri, op_pointer + "/operationId")
            elif operation_id in self._by_id:
                first = self._by_id[operation_id]
                self._problem(
                    f"duplicate operationId {operation_id!r}: {method} {path} reuses the id of "
                    f"{first.method} {first.path}, which is kept",
                    uri,
                    op_pointer + "/operationId",
                )
            else:
                self._by_id[operation_id] = entry
        self._entries.append(entry)
        self._by_pointer[pointer] = entry

    # ------------------------------------------------------------------------------ queries

    @property
    def operations(self) -> tuple[Operation, ...]:
        """Every operation, in document order.

        Operations are assembled on first use: a broken ``$ref`` in one of them raises here
        (and in :meth:`operation` for that one), not when the index is built.
        """
        if self._all is None:
            self._all = tuple(self._operation(entry) for entry in self._entries)
        return self._all

    @property
    def operation_ids(self) -> tuple[str, ...]:
        """Every operationId, in document order (cheap: builds no Operation)."""
        return tuple(self._by_id)

    def operation(self, operation_id: str) -> Operation | None:
        """The operation with ``operation_id`` (the first, if the id is duplicated), or None."""
        entry = self._by_id.get(operation_id)
        return None if entry is None else self._operation(entry)

    def operation_by_pointer(self, pointer: str) -> Operation | None:
        """The operation at a JSON pointer such as ``#/paths/~1pets~1{id}/get`` or ``/paths/~1pets/get``.

        Both the plain and the URI fragment form (``#``, percent-encoded) are accepted.
        """
        entry = None
        for candidate in (pointer, unquote(pointer)):
            try:
                tokens = split_pointer(candidate.lstrip("#") if candidate.startswith("#") else candidate)
            except ValueError:
                continue
            entry = self._by_pointer.get(join_pointer(tokens))
            if entry is not None:
                break
        return None if entry is None else self._operation(entry)

    @property
    def security_schemes(self) -> Mapping[str, Any]:
        """``components.securitySchemes``, each ``$ref`` followed."""
        if self._security_schemes is None:
            schemes: dict[str, Any] = {}
            components = self.data.get("components")
            raw = components.get("securitySchemes") if isinstance(components, dict) else None
            if isinstance(raw, dict):
                for name, scheme in raw.items():
                    pointer = "/components/securitySchemes/" + escape_token(name)
                    schemes[name] = self._resolver.follow(scheme, None, pointer).value
            self._security_schemes = schemes
        return self._security_schemes

    def document(self, uri: str) -> Any:
        """The data of the document at ``uri`` (this one, or one its ``$ref``s lead to), read as
        the loader reads them (its rules on remote files, a document sent as content)."""
        return self._resolver.document(uri).data

    def resolve(self, value: Any, *, base_uri: str | None = None, pointer: str = "") -> Any:
        """``value`` with its ``$ref`` chain followed (within this file and into others).

        ``base_uri`` is the document ``value`` comes from (default: this one; pass
        ``Parameter.base_uri`` for what is inside a parameter read from another file) and
        ``pointer`` where it sits (for error locations).  A value that is not a reference is
        returned as it is.  Raises :class:`DocumentError` for a cycle or a missing target and
        :class:`SourceError` for a file that cannot be read, located at the failing ``$ref``.
        """
        return self._resolver.follow(value, base_uri, pointer).value

    def follow(self, value: Any, *, base_uri: str | None = None, pointer: str = "") -> Resolved:
        """Like :meth:`resolve`, also telling where the value was found: ``(value, uri, pointer)``."""
        return self._resolver.follow(value, base_uri, pointer)

    def ref_problems(self, operation: Operation) -> list[tuple[str, Location]]:
        """The broken ``$ref`` s an operation uses: (message, location of the ``$ref``) pairs.

        Broken: leading nowhere, or to something that is not an object.  What was checked for
        an earlier operation (a shared component) is not checked, nor reported, again.
        """
        entry = self._by_pointer.get(operation.pointer)
        if entry is None:
            return []
        booleans = not self.version.startswith("3.0")  # 3.1+: a schema may be true or false
        seen = self._ref_checked
        problems = self._resolver.check(entry.op, entry.op_uri, entry.op_pointer, booleans=booleans, seen=seen)
        parameters = entry.item.get("parameters")
        pointer = entry.item_pointer + "/parameters"
        problems += self._resolver.check(parameters, entry.item_uri, pointer, booleans=booleans, seen=seen)
        return problems

    def location(self, pointer: str = "", *, base_uri: str | None = None) -> Location:
        """The Location of ``pointer`` in this document (or in the already read ``base_uri``)."""
        return self._resolver.location(base_uri or self._resolver.base_uri, pointer)

    def __repr__(self) -> str:
        """A short description: name, version, number of operations."""
        return f"<OpenAPIIndex {self.name!r} openapi {self.version} ({len(self._entries)} operations)>"


def _check_version(parsed: ParsedFile) -> str:
    """The ``openapi`` version string, or a SourceError saying what the document is instead."""
    data = parsed.data
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else type(data).__name__
        raise SourceError(f"not an OpenAPI document: its root is {kind}, not a mapping", parsed.location(""))
    if "openapi" not in data:
        if "swagger" in data:
            raise SourceError("Swagger 2.0 is not supported; convert it to OpenAPI 3", parsed.location("/swagger"))
        if "arazzo" in data:
            raise SourceError("this is an Arazzo document, not an OpenAPI description", parsed.location(""))
        if "asyncapi" in data:
            raise SourceError("this is an AsyncAPI document, not an OpenAPI description", parsed.location(""))
        raise SourceError("not an OpenAPI document: the 'openapi' field is missing", parsed.location(""))
    version = data["openapi"]
    if not isinstance(version, str):
        raise DocumentError(
            f"the 'openapi' field must be a string such as \"3.1.0\", not {version!r}"
            + (" (quote it: YAML reads an unquoted 3.1 as a number)" if isinstance(version, float) else ""),
            parsed.location("/openapi"),
        )
    if not _VERSION.match(version):
        raise DocumentError(
            f"unsupported OpenAPI version {version!r}: only 3.0.x, 3.1.x and 3.2.x are supported",
            parsed.location("/openapi"),
        )
    return version


# ---------------------------------------------------------------------------------- loading


def _fetch_local(uri: str) -> ParsedFile:
    """Read another document of a local description: ``file:`` URIs only."""
    scheme = urlsplit(uri).scheme.lower()
    if scheme in ("http", "https"):
        raise SourceError(f"{uri} is remote, and load_openapi reads local files only")
    if scheme != "file":
        raise SourceError(f"cannot read {uri}: unsupported URI scheme {scheme!r}")
    return read_file(uri_to_path(uri))


def load_openapi(path: str | os.PathLike[str], *, name: str | None = None) -> OpenAPIIndex:
    """Parse and index the OpenAPI 3.0/3.1/3.2 description at ``path`` (a local file).

    ``name`` is how the file is named in messages.  ``$ref`` s to other local files are
    followed; remote ones raise :class:`SourceError` when reached.  Raises
    :class:`SourceError` for a file that cannot be read or is not an OpenAPI 3 document
    (Swagger 2.0 included) and :class:`DocumentError` for one that cannot be parsed.
    """
    parsed = read_file(os.fspath(path), name=name)
    return OpenAPIIndex.build(parsed, base_uri=path_to_uri(path), fetch=_fetch_local)
