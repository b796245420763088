"""Credentials on one request: where each goes, what is recorded as ``***``, and redirect guards.

The headers the user gives for every request (``-H``, ``headers=``) travel with the
credentials: recorded as ``***``, stripped from a redirect hop to another origin.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

import httpx

from .engine import Send
from .results import REDACTED

__all__ = [
    "Credential",
    "Applied",
    "Authorization",
    "CredentialedSend",
    "basic_credentials",
    "guard_redirect",
    "host_of",
    "hostname_of",
    "is_loopback",
]


def basic_credentials(username: str, password: str) -> str:
    """``base64(username:password)``: what follows ``Basic`` in an Authorization header."""
    return base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def _cookie_header(cookies: Iterable[tuple[str, str]]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies)


@dataclass(frozen=True, slots=True)
class Credential:
    """One piece of a credential: ``value`` goes into header/query/cookie ``name``."""

    source: str
    scheme: str
    type: str
    where: str  # header | query | cookie
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Applied:
    """A request with its credentials: what to send, and what to record and guard."""

    url: str
    shown_url: str  # the URL as recorded: credential query values are ***
    headers: list[tuple[str, str]]  # with the Cookie header
    secret_headers: frozenset[str]  # lower-case names whose values are recorded as ***
    used: tuple[tuple[str, str, str], ...]  # (source, scheme, type) of each credential sent
    credential_headers: frozenset[str] = frozenset()
    credential_query: frozenset[str] = frozenset()
    credential_cookies: tuple[tuple[str, str], ...] = ()


def _redact_query(url: str, names: frozenset[str]) -> str:
    if not names or "?" not in url:
        return url
    parts = urlsplit(url)
    pieces = []
    for piece in parts.query.split("&"):
        name, sep, _ = piece.partition("=")
        pieces.append(f"{name}={REDACTED}" if sep and unquote_plus(name) in names else piece)
    return urlunsplit(parts._replace(query="&".join(pieces)))


@dataclass(frozen=True, slots=True)
class Authorization:
    """The credentials chosen for one request, and the names under which the source's
    schemes carry secrets (redacted in records even when a step set them itself)."""

    credentials: tuple[Credential, ...] = ()
    redact_headers: frozenset[str] = frozenset()
    redact_query: frozenset[str] = frozenset()
    headers: tuple[tuple[str, str], ...] = ()  # the user's own (-H): on every request, secret

    def apply(self, url: str, headers: Iterable[tuple[str, str]], cookies: Mapping[str, str]) -> Applied:
        """``url``, ``headers`` and ``cookies`` (as the step built them) with the user's headers
        and the credentials added.  A user's header replaces the step's of that name (as curl's
        ``-H`` does); a credential the step or the user sets itself is left as they set it."""
        own = {name.lower() for name, _ in self.headers}
        headers = [(name, value) for name, value in headers if name.lower() not in own]
        headers.extend(self.headers)
        cookies = dict(cookies)
        taken_headers = {name.lower() for name, _ in headers}
        query_names = {unquote_plus(p.partition("=")[0]) for p in urlsplit(url).query.split("&") if p}
        added_headers: set[str] = set(own)
        added_query: set[str] = set()
        added_cookies: list[tuple[str, str]] = []
        used: list[tuple[str, str, str]] = []
        query: list[tuple[str, str]] = []
        for credential in self.credentials:
            if credential.where == "header" and credential.name.lower() not in taken_headers:
                headers.append((credential.name, credential.value))
                taken_headers.add(credential.name.lower())
                added_headers.add(credential.name.lower())
            elif credential.where == "query" and credential.name not in query_names:
                query.append((credential.name, credential.value))
                query_names.add(credential.name)
                added_query.add(credential.name)
            elif credential.where == "cookie" and credential.name not in cookies:
                cookies[credential.name] = credential.value
                added_cookies.append((credential.name, credential.value))
            else:
                continue
            use = (credential.source, credential.scheme, credential.type)
            if use not in used:
                used.append(use)
        if query:
            text = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query)
            url = f"{url}{'&' if '?' in url else '?'}{text}"
        if cookies:
            headers.append(("Cookie", _cookie_header(cookies.items())))
        secret_query = self.redact_query | added_query
        return Applied(
            url,
            _redact_query(url, secret_query),
            headers,
            self.redact_headers | added_headers,
            tuple(used),
            frozenset(added_headers),
            frozenset(added_query),
            tuple(added_cookies),
        )


@dataclass(frozen=True, slots=True)
class CredentialedSend(Send):
    """A :class:`~.engine.Send` carrying credentials: the driver strips them from redirect
    hops to another origin (:func:`guard_redirect`)."""

    credential_headers: frozenset[str] = frozenset()
    credential_query: frozenset[str] = frozenset()
    credential_cookies: tuple[tuple[str, str], ...] = ()


def host_of(url: str) -> str:
    """``host`` or ``host:port`` (a port written in the URL) of ``url``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port is not None else host


def hostname_of(url: str) -> str:
    """The host of ``url`` alone (no port, no brackets round an IPv6 address), lower-cased."""
    return (urlsplit(url).hostname or "").rstrip(".")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine: ``localhost`` (and ``*.localhost``, RFC 6761),
    127.0.0.0/8 or ``::1`` (also written as an IPv4-mapped address)."""
    from ipaddress import IPv6Address, ip_address

    host = host.lower().rstrip(".").removeprefix("[").removesuffix("]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ip_address(host)
    except ValueError:
        return False
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _origin(url: str | httpx.URL) -> tuple[str, str, int | None]:
    parsed = httpx.URL(url)
    return parsed.scheme, parsed.host, parsed.port or {"http": 80, "https": 443}.get(parsed.scheme)


_ALWAYS_STRIPPED = ("authorization", "proxy-authorization")


def guard_redirect(request: httpx.Request, send: Send) -> None:
    """Make an httpx redirect hop of ``send`` safe: to another origin (scheme, host, port),
    no Authorization, Proxy-Authorization nor any credential header or query parameter goes;
    to the same origin, the credential cookies (dropped with the step's Cookie header) come back."""
    if _origin(request.url) != _origin(send.url):
        for name in (*_ALWAYS_STRIPPED, *getattr(send, "credential_headers", ())):
            if name in request.headers:
                del request.headers[name]
        for name in getattr(send, "credential_query", ()):
            if name in request.url.params:
                request.url = request.url.copy_remove_param(name)
        return
    cookies = getattr(send, "credential_cookies", ())
    if cookies:
        own = _cookie_header(cookies)
        stored = request.headers.get("cookie")
        request.headers["cookie"] = f"{own}; {stored}" if stored else own
