"""Credentials on one request: where each goes, what is recorded as ``***``, and redirect guards."""

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

    def apply(self, url: str, headers: Iterable[tuple[str, str]], cookies: Mapping[str, str]) -> Applied:
        """``url``, ``headers`` and ``cookies`` (as the step built them) with the credentials
        added; a header, query parameter or cookie the step sets itself is left as it is."""
        headers = list(headers)
        cookies = dict(cookies)
        taken_headers = {name.lower() for name, _ in headers}
        query_names = {unquote_plus(p.partition("=")[0]) for p in urlsplit(url).query.split("&") if p}
        added_headers, added_query, added_cookies, used = set(), set(), [], []
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
