"""Routing: which operation of the description a request URL and method name.

Every operation is served at each of its effective servers (operation > path item > root >
``/``) and at any extra base URL the mock is given (``--server`` overrides).  A server URL is
turned into a *base*: a host pattern (None for a relative server, which any host may use) and
a path prefix pattern; ``{variables}`` match their ``enum`` values, or any text.

:meth:`RouteTable.match` finds the path templates that match the request path below a base,
most concrete first (fewer variables, more literal characters), then the method:

* ``host`` mode "strict": an absolute base must match scheme-less host and port;
* "lenient": strict first, then any host with the same path prefix (a standalone transport);
* "path": the host is ignored (the HTTP server, which is reached at its own address).

A path key may carry a fixed query, as some descriptions write operations that share a path
(``/{Bucket}?list-type=2`` beside ``/{Bucket}``): such a route matches only a request whose
query holds those pairs (any others beside them), and is preferred to the plain path for its
method.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ..openapi.index import Operation, Server

__all__ = ["Base", "Route", "RouteMatch", "RouteTable", "base_from_url", "fixed_query", "structural"]

_VARIABLE = re.compile(r"\{([^{}]*)\}")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def fixed_query(text: str) -> tuple[tuple[str, str | None], ...]:
    """The pairs of the fixed query of a path key (``list-type=2&x`` → list-type "2", x any)."""
    pairs: list[tuple[str, str | None]] = []
    for piece in text.split("&"):
        if not piece:
            continue
        name, sep, value = piece.partition("=")
        pairs.append((unquote(name.replace("+", " ")), unquote(value.replace("+", " ")) if sep else None))
    return tuple(pairs)


def _has_pairs(fixed: tuple[tuple[str, str | None], ...], query: str) -> bool:
    """Whether the request ``query`` holds every pair of a route's fixed query."""
    if not fixed:
        return True
    given = parse_qsl(query, keep_blank_values=True)
    names = {name for name, _ in given}
    return all(name in names if value is None else (name, value) in given for name, value in fixed)


def structural(template: str) -> str:
    """A path template with its variable names erased: ``/a/{x}/b`` and ``/a/{y}/b`` are one."""
    return _VARIABLE.sub("{}", template)


@dataclass(frozen=True)
class Base:
    """Where operations are served: an optional host (and port) and a path prefix."""

    url: str  # as written (variables unexpanded), or the override
    host: re.Pattern[str] | None  # None: relative server, any host
    port: int | None
    path: re.Pattern[str]  # matches the prefix of a request path
    path_text: str  # the prefix with variables at their defaults, for messages and URLs
    exact_host: bool = False  # the host has no {variable}

    def match(self, host: str, port: int | None, path: str, mode: str) -> int | None:
        """The length of the path prefix this base takes from ``path``, or None."""
        if self.host is not None and mode != "path":
            if not self.host.fullmatch(host.lower()):
                return None
            if self.port is not None and port is not None and self.port != port:
                return None
        found = self.path.match(path)
        if found is None:
            return None
        end = found.end()
        if end < len(path) and path[end] != "/":
            return None
        return end


def _pattern(text: str, variables: dict[str, Any], host: bool) -> tuple[str, str]:
    """A regex for server URL part ``text`` (variables → their enum or any text) and the
    text with defaults filled in."""
    pieces, defaults = [], []
    position = 0
    for found in _VARIABLE.finditer(text):
        pieces.append(re.escape(text[position : found.start()]))
        defaults.append(text[position : found.start()])
        variable = variables.get(found.group(1))
        enum = getattr(variable, "enum", None)
        default = getattr(variable, "default", None)
        if enum:
            pieces.append("(?:" + "|".join(re.escape(v) for v in enum) + ")")
        else:
            pieces.append("[^/]+" if host else "[^/]*")
        defaults.append(default if default is not None else (enum[0] if enum else ""))
        position = found.end()
    pieces.append(re.escape(text[position:]))
    defaults.append(text[position:])
    return "".join(pieces), "".join(defaults)


_ABSOLUTE = re.compile(r"^(?P<scheme>[A-Za-z{][^:/?#]*)://(?P<netloc>[^/?#]*)(?P<path>[^?#]*)")


def base_from_url(url: str, variables: dict[str, Any] | None = None) -> Base:
    """The Base of a server URL (absolute or relative, possibly with ``{variables}``)."""
    variables = variables or {}
    text = url.strip()
    found = _ABSOLUTE.match(text)
    if found is None:
        path = urlsplit(text).path if "{" not in text else text.split("?", 1)[0].split("#", 1)[0]
        path_regex, path_text = _pattern(path.rstrip("/"), variables, host=False)
        return Base(url, None, None, re.compile(path_regex), path_text)
    scheme, netloc = found.group("scheme"), found.group("netloc").lower()
    path_regex, path_text = _pattern(found.group("path").rstrip("/"), variables, host=False)
    netloc = netloc.rsplit("@", 1)[-1]
    host_text, port_text = netloc, ""
    masked = _VARIABLE.sub(lambda m: "v" * len(m.group(0)), netloc)  # colons inside {variables} do not count
    colon = masked.rfind(":")
    if colon > masked.rfind("]"):
        host_text, port_text = netloc[:colon], netloc[colon + 1 :]
    if host_text.startswith("[") and host_text.endswith("]"):
        host_text = host_text[1:-1]  # an IPv6 address: httpx gives the host without brackets
    if port_text.isdigit():
        port: int | None = int(port_text)
    elif port_text:  # a {variable} port: any
        port = None
    else:
        port = _DEFAULT_PORTS.get(scheme.lower())
    host_regex, _ = _pattern(host_text, variables, host=True)
    return Base(url, re.compile(host_regex, re.IGNORECASE), port, re.compile(path_regex), path_text,
                "{" not in host_text)  # fmt: skip


def base_from_server(server: Server) -> Base:
    return base_from_url(server.url, dict(server.variables))


@dataclass
class Route:
    """One operation, its compiled path template, and the bases it is served at."""

    operation: Operation
    template: str  # the path key as written, fixed query included
    regex: re.Pattern[str]
    names: tuple[str, ...]  # path parameter names, in group order
    bases: tuple[Base, ...]
    literal: int  # literal characters in the template: more is more concrete
    query: tuple[tuple[str, str | None], ...] = ()  # the path key's fixed query pairs

    @property
    def path_template(self) -> str:
        """The path key without its fixed query."""
        return self.template.split("?", 1)[0]

    @property
    def method(self) -> str:
        return self.operation.method.upper()

    @property
    def label(self) -> str:
        return self.operation.operation_id or f"{self.method} {self.template}"


@dataclass
class RouteMatch:
    """A request matched to a route: its base, and the decoded path parameters."""

    route: Route
    base: Base
    base_path: str  # the part of the request path the base took
    rest: str  # the request path below the base
    params: dict[str, str]


@dataclass
class Lookup:
    """What :meth:`RouteTable.match` found: a match, or the methods the path allows (405), or
    nothing (404, with the base path that fits the request best)."""

    match: RouteMatch | None = None
    allowed: tuple[str, ...] = ()
    base_path: str = ""
    rest: str = ""
    matched_base: bool = False


def _compile(template: str) -> tuple[re.Pattern[str], tuple[str, ...], int]:
    pieces, names = [], []
    position = 0
    literal = 0
    for number, found in enumerate(_VARIABLE.finditer(template)):
        text = template[position : found.start()]
        pieces.append(re.escape(text))
        literal += len(text)
        pieces.append(f"(?P<g{number}>[^/]+)")
        names.append(found.group(1))
        position = found.end()
    text = template[position:]
    pieces.append(re.escape(text))
    literal += len(text)
    return re.compile("".join(pieces)), tuple(names), literal


@dataclass
class RouteTable:
    """The routes of one description."""

    routes: list[Route] = field(default_factory=list)

    @classmethod
    def build(cls, operations: Iterable[Operation], extra_bases: Sequence[Base] = ()) -> RouteTable:
        table = cls()
        compiled: dict[str, tuple[re.Pattern[str], tuple[str, ...], int]] = {}
        for operation in operations:
            template = operation.path if operation.path.startswith("/") else "/" + operation.path
            path, _, query = template.partition("?")
            if path not in compiled:
                compiled[path] = _compile(path.rstrip("/") or "/")
            regex, names, literal = compiled[path]
            bases = tuple(extra_bases) + tuple(base_from_server(server) for server in operation.servers)
            table.routes.append(Route(operation, template, regex, names, bases, literal, fixed_query(query)))
        return table

    def add_bases(self, bases: Sequence[Base]) -> None:
        for route in self.routes:
            route.bases = tuple(bases) + route.bases

    def bases(self) -> list[Base]:
        """Every distinct base, in the order first met."""
        seen: dict[str, Base] = {}
        for route in self.routes:
            for base in route.bases:
                seen.setdefault(base.url, base)
        return list(seen.values())

    def match(
        self, method: str, host: str, port: int | None, path: str, mode: str = "lenient", query: str = ""
    ) -> Lookup:
        """The route for ``method`` on ``path`` with ``query`` (see the module docstring for
        ``mode`` and fixed queries)."""
        if mode == "lenient":
            found = self._match(method, host, port, path, "strict", query)
            if found.match is not None or found.allowed or found.matched_base:
                return found
            return self._match(method, host, port, path, "path", query)
        return self._match(method, host, port, path, mode, query)

    def _match(self, method: str, host: str, port: int | None, path: str, mode: str, query: str) -> Lookup:
        method = method.upper()
        path = path or "/"
        candidates: list[tuple[tuple[int, int, int], Route, Base, int, re.Match[str]]] = []
        best_base: tuple[int, str, str] | None = None
        for route in self.routes:
            for base in route.bases:
                end = base.match(host, port, path, mode)
                if end is None:
                    continue
                rest = path[end:] or "/"
                if best_base is None or end > best_base[0]:
                    best_base = (end, path[:end], rest)
                found = route.regex.fullmatch(rest)
                if found is None and len(rest) > 1 and rest.endswith("/"):
                    found = route.regex.fullmatch(rest.rstrip("/"))
                if found is None or not _has_pairs(route.query, query):
                    continue
                score = (route.literal, -len(route.names), end)
                candidates.append((score, route, base, end, found))
                break
        lookup = Lookup()
        if best_base is not None:
            lookup.matched_base = True
            lookup.base_path, lookup.rest = best_base[1], best_base[2]
        else:
            lookup.rest = path
        if not candidates:
            return lookup
        # OpenAPI: the most concrete template wins (/pets/mine before /pets/{id}); then the method
        candidates.sort(key=lambda c: c[0], reverse=True)
        top = candidates[0][0][:2]
        best = [c for c in candidates if c[0][:2] == top]
        # of the routes for this method, the one whose fixed query says most (stable: sorted)
        same = sorted((c for c in best if c[1].method == method), key=lambda c: len(c[1].query), reverse=True)
        for _score, route, base, end, found in same[:1]:
            if route.method == method:
                params = {name: unquote(found.group(f"g{n}")) for n, name in enumerate(route.names)}
                lookup.match = RouteMatch(route, base, path[:end], path[end:] or "/", params)
                return lookup
        lookup.allowed = tuple(sorted({c[1].method for c in best}))
        return lookup
