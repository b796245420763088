"""Where a credential may go: never over plain http to another machine, and, when it is
pinned to hosts (``hosts``, ``ARAZZO_<SOURCE>_<SCHEME>_HOSTS``), only to those hosts.

Both look at every URL a credential goes to for one request (:func:`destinations`): the
operation's server, and for an OAuth2 client credentials flow its token endpoint, so a document
cannot draw a client secret to a ``tokenUrl`` of its own either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..credentials import HOSTS_FIELD, env_variable, host_matches, scheme_type
from .credentials_source import pinned_hosts
from .request_credentials import hostname_of, is_loopback
from .tokens import TokenError, token_url

__all__ = ["CredentialRefused", "destinations", "split_pinned", "pinned_message", "refuse_plain_http"]


class CredentialRefused(TokenError):
    """A credential that would go over plain http to another machine: the step fails
    (``error.type`` ``auth``) before anything is sent."""

    def __init__(self, message: str) -> None:
        super().__init__("auth", message)


def destinations(scheme: Any, given: Mapping[str, str], server: str) -> list[str]:
    """The URLs a credential of ``scheme`` goes to for a request on ``server``: the server,
    and the token endpoint of an OAuth2 client credentials flow given no token."""
    urls = [server]
    if isinstance(scheme, Mapping) and scheme.get("type") == "oauth2" and "token" not in given:
        url = token_url(scheme)
        if url is not None:
            urls.append(urljoin(server, url))  # a relative tokenUrl is the server's
    return urls


def split_pinned(
    given: Mapping[str, Mapping[str, str]], schemes: Mapping[str, Any], server: str
) -> tuple[dict[str, Mapping[str, str]], dict[str, str]]:
    """(the credentials that may go where a request on ``server`` takes them; the others,
    each with the first host it may not go to)."""
    allowed: dict[str, Mapping[str, str]] = {}
    refused: dict[str, str] = {}
    for name, fields in given.items():
        patterns = pinned_hosts(fields)
        hosts = [hostname_of(url) for url in destinations(schemes.get(name), fields, server)]
        away = None if patterns is None else next((h for h in hosts if not host_matches(h, patterns)), None)
        if away is None:
            allowed[name] = fields
        else:
            refused[name] = away
    return allowed, refused


def pinned_message(source: str, name: str, scheme: Any, given: Mapping[str, str], host: str) -> tuple[str, str]:
    """(what to say about a credential not pinned to ``host``, its ``..._HOSTS`` variable)."""
    variable = env_variable(source, name, HOSTS_FIELD)
    label = scheme_type(scheme) if isinstance(scheme, Mapping) else "credential"
    pinned = ",".join(pinned_hosts(given) or ())
    message = (
        f"the credential for {source}/{name} ({label}) is pinned to {pinned} ({variable}), not to {host}: "
        f"it is not sent there; add {host} to {variable} (hosts in Python) if it should be"
    )
    return message, variable


def refuse_plain_http(
    source: str,
    chosen: Mapping[str, Any],
    schemes: Mapping[str, Any],
    given: Mapping[str, Mapping[str, str]],
    server: str,
) -> None:
    """Raise CredentialRefused when a credential of ``chosen`` would go over plain http
    (to the server or a token endpoint) to a host that is not this machine."""
    for name in chosen:
        scheme = schemes[name]
        if scheme.get("type") == "mutualTLS":
            continue  # its credential is the TLS client certificate: nothing goes over http
        for number, url in enumerate(destinations(scheme, given.get(name, {}), server)):
            host = hostname_of(url)
            if urlsplit(url).scheme.lower() == "https" or is_loopback(host):
                continue
            if number:
                what, where, fix = "the client secret", f"its token endpoint {url}", "an https:// tokenUrl"
            else:
                what, where, fix = "the credential", host, f"an https:// server (--server {source}=https://...)"
            raise CredentialRefused(
                f"refusing to send {what} of {source}/{name} ({scheme_type(scheme)}) over plain http to "
                f"{where}, which is not this machine (anyone on the way could read it): use {fix}, or pass "
                "--allow-insecure-credentials (allow_insecure_credentials=True in Python) to send it anyway"
            )
