"""The objects of an OpenAPI description the engine works with: servers, parameters, request
bodies and operations (each with what it inherits from its path item and root already merged).

They are built by :class:`.index.OpenAPIIndex` (see :mod:`.assembly`), never by hand in the
engine; they are frozen and hashable so that plans and caches can key on them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from ..errors import Location

__all__ = [
    "DEFAULT_SERVER",
    "HTTP_METHODS",
    "Operation",
    "Parameter",
    "RequestBody",
    "Server",
    "ServerVariable",
    "expand_server",
    "join_url",
]

HTTP_METHODS: tuple[str, ...] = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")
"""The path item keys that hold operations (``query`` is OpenAPI 3.2's)."""

_VARIABLE = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True, slots=True)
class ServerVariable:
    """A Server Variable Object: its ``default``, allowed values (``enum``) and description."""

    default: str | None
    enum: tuple[str, ...] | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Server:
    """A Server Object: ``url`` as written (``{variables}`` unexpanded), description, variables."""

    url: str
    description: str | None = None
    variables: Mapping[str, ServerVariable] = field(default_factory=dict)
    name: str | None = None  # OpenAPI 3.2

    def __hash__(self) -> int:
        """Hash of the identifying fields (the mapping fields are not hashable)."""
        return hash((self.url, self.description, tuple(self.variables.items()), self.name))

    def expand(self, overrides: Mapping[str, str] | None = None) -> str:
        """The URL with its variables substituted (see :func:`expand_server`)."""
        return expand_server(self, overrides or {})


DEFAULT_SERVER = Server("/")
"""What OpenAPI says applies when no ``servers`` are given at any level."""


def expand_server(server: Server, overrides: Mapping[str, str]) -> str:
    """``server.url`` with each ``{name}`` replaced: value in ``overrides`` > the variable's default.

    A placeholder with neither (an undeclared variable without override, or one without a
    default) is left as written.
    """

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in overrides:
            return str(overrides[name])
        variable = server.variables.get(name)
        if variable is not None and variable.default is not None:
            return variable.default
        return match.group(0)

    if "{" not in server.url:
        return server.url
    return _VARIABLE.sub(substitute, server.url)


@dataclass(frozen=True, slots=True)
class Parameter:
    """A Parameter Object with the defaults OpenAPI gives (``$ref`` already followed).

    ``raw`` is the object as written; ``base_uri`` the document it was read from (to resolve
    ``$ref`` s inside ``schema`` and ``content``) and ``location`` where it sits.
    """

    name: str
    in_: str
    required: bool
    style: str | None
    explode: bool
    allow_reserved: bool
    schema: Any | None
    content: Mapping[str, Any] | None
    deprecated: bool
    raw: Mapping[str, Any]
    base_uri: str = ""
    location: Location | None = field(default=None, compare=False)

    def __hash__(self) -> int:
        """Hash of the identifying fields (the mapping fields are not hashable)."""
        return hash((self.name, self.in_, self.base_uri))

    @property
    def key(self) -> tuple[str, str]:
        """``(name, in)``: what identifies a parameter within an operation."""
        return (self.name, self.in_)


@dataclass(frozen=True, slots=True)
class RequestBody:
    """A Request Body Object (``$ref`` followed): ``content`` maps media type to media object."""

    required: bool
    content: Mapping[str, Any]
    description: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)
    base_uri: str = ""

    def __hash__(self) -> int:
        """Hash of the identifying fields (the mapping fields are not hashable)."""
        return hash((self.required, tuple(self.content), self.base_uri))


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the description, with everything inherited from its path item and root.

    ``servers`` is the effective list (operation > path item > root, else ``DEFAULT_SERVER``);
    ``parameters`` merges the path item's with the operation's (the operation wins by
    ``(name, in)``); ``security`` is the operation's ``security`` when present (even ``[]``,
    which means "no authentication"), else the root's.  ``pointer`` is the JSON pointer of the
    operation in the root document (``/paths/~1pets/get``), ``location`` where the operation
    object is written (another file when its path item is a ``$ref`` to one).
    """

    operation_id: str | None
    method: str
    path: str
    pointer: str
    servers: tuple[Server, ...]
    parameters: tuple[Parameter, ...]
    request_body: RequestBody | None
    responses: Mapping[str, Any]
    security: list[dict[str, list[str]]]
    location: Location = field(compare=False)
    summary: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    deprecated: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)
    base_uri: str = ""

    def __hash__(self) -> int:
        """Hash of the identifying fields (the mapping fields are not hashable)."""
        return hash((self.base_uri, self.pointer, self.operation_id))

    def parameter(self, name: str, in_: str) -> Parameter | None:
        """The parameter ``name`` in ``in_`` (``path``, ``query``, ``header``, ``cookie``)."""
        for parameter in self.parameters:
            if parameter.name == name and parameter.in_ == in_:
                return parameter
        return None

    def server_url(self, overrides: Mapping[str, str] | None = None) -> str:
        """The first effective server's URL, variables expanded (``overrides`` > defaults).

        A relative server URL is resolved against the document's URI when that is http(s);
        for a local file it stays relative (``/v1``), as there is no host to take.
        """
        server = self.servers[0] if self.servers else DEFAULT_SERVER
        return _absolute_server(expand_server(server, overrides or {}), self.base_uri)

    def url_template(self, server_url: str | None = None) -> str:
        """Server URL joined with the path template: ``https://host/v1/Services/{ServiceSid}``.

        ``server_url`` replaces the effective server (an override from the caller); by default
        the first effective server is used with its variables at their defaults.
        """
        base = self.server_url() if server_url is None else _absolute_server(server_url, self.base_uri)
        return join_url(base, self.path)


def join_url(server_url: str, path: str) -> str:
    """``server_url`` and a path template joined with exactly one ``/`` between them."""
    if not path.startswith("/"):
        path = "/" + path
    return server_url.rstrip("/") + path


def _absolute_server(url: str, base_uri: str) -> str:
    """``url`` resolved against an http(s) ``base_uri``; left as it is for other documents."""
    if "://" in url or not base_uri.startswith(("http://", "https://")):
        return url
    return urljoin(base_uri, url or ".")
