"""Credential names: which fields each OpenAPI security scheme needs, and their variables.

The CLI reads credentials from environment variables named
``ARAZZO_<SOURCE>_<SCHEME>_<FIELD>`` (docs/credentials.md): SOURCE and SCHEME upper-cased, every
character outside ``A-Z0-9`` replaced by ``_``.

A credential can be pinned to hosts (``ARAZZO_<SOURCE>_<SCHEME>_HOSTS=api.example.com,*.example.org``,
``"hosts": [...]`` in Python): it then goes to those hosts only, so a document from elsewhere
that reuses a source and scheme name cannot draw it to its own server.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FIELDS",
    "SECRET_FIELDS",
    "HOSTS_FIELD",
    "parse_hosts",
    "host_matches",
    "CredentialNeed",
    "env_variable",
    "arazzo_variable",
    "scheme_fields",
    "accepted_fields",
    "scheme_type",
]

FIELDS = ("USERNAME", "PASSWORD", "TOKEN", "KEY", "CLIENT_ID", "CLIENT_SECRET")
"""Every credential field; the Python shapes use them lower-cased (``{"username", ...}``)."""

SECRET_FIELDS = frozenset({"password", "token", "key", "client_secret"})
"""The fields whose values are redacted wherever they appear (a username or client id is not)."""

BROKER_LOGINS = frozenset({"userPassword", "plain", "scramSha256", "scramSha512"})
"""AsyncAPI security scheme types that log in to a broker with a user name and password."""

HOSTS_FIELD = "HOSTS"
"""The field that pins a credential to hosts (not a credential itself, never secret)."""

_NOT_NAME = re.compile(r"[^A-Z0-9]")
# a host name or IP address, or ``*.`` and a domain: no scheme, port, path or other wildcard
_HOST_PATTERN = re.compile(r"(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*")


def env_variable(source: str, scheme: str, field: str) -> str:
    """The environment variable that holds ``field`` of ``scheme`` for ``source``."""
    return arazzo_variable(source, scheme, field)


def arazzo_variable(*parts: str) -> str:
    """``ARAZZO_`` and ``parts`` upper-cased, joined by ``_``, every character outside
    ``A-Z0-9`` replaced by ``_``: how every ``ARAZZO_*`` variable is named."""
    return "_".join(("ARAZZO", *(_NOT_NAME.sub("_", part.upper()) for part in parts)))


_HOSTS_SHAPE = (
    "hosts must be a list of host names or a comma-separated string of them, e.g. api.example.com,*.example.org"
)


def parse_hosts(value: str | Sequence[str]) -> tuple[str, ...]:
    """Host patterns (a comma-separated string or a list): each a host name or IP address
    (``api.example.com``, ``127.0.0.1``, ``::1``) or ``*.`` and a domain (``*.example.org``:
    its subdomains, not the domain itself), lower-cased.  Raises ValueError saying why not."""
    items = value.split(",") if isinstance(value, str) else value
    if isinstance(items, (bytes, Mapping)) or not isinstance(items, Iterable):
        raise ValueError(_HOSTS_SHAPE)
    patterns: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError(_HOSTS_SHAPE)
        pattern = item.strip().lower().rstrip(".")
        if pattern.startswith("[") and pattern.endswith("]"):
            pattern = pattern[1:-1]  # [::1] as written in a URL
        if not pattern:
            continue  # a trailing comma
        if not (_HOST_PATTERN.fullmatch(pattern) or _ipv6(pattern)):
            raise ValueError(
                f"hosts: {item.strip()!r} is not a host name: write a host or *.domain only "
                "(no scheme, port, path or other wildcard), e.g. api.example.com,*.example.org"
            )
        if pattern not in patterns:
            patterns.append(pattern)
    if not patterns:
        raise ValueError("hosts is empty: name the hosts the credential may go to, e.g. api.example.com")
    return tuple(patterns)


def _ipv6(text: str) -> bool:
    from ipaddress import IPv6Address

    try:
        IPv6Address(text)
    except ValueError:
        return False
    return True


def host_matches(host: str, patterns: Iterable[str]) -> bool:
    """Whether ``host`` (a URL's host, no port) is one of ``patterns`` (see :func:`parse_hosts`)."""
    host = host.lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    for pattern in patterns:
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


def scheme_type(scheme: Mapping[str, Any]) -> str:
    """A short description of a security scheme: ``http basic``, ``apiKey header``, ..."""
    kind = scheme.get("type")
    if kind == "http":
        return f"http {str(scheme.get('scheme', '')).lower()}".strip()
    if kind == "apiKey":
        return f"apiKey {scheme.get('in', '')}".strip()
    if kind == "oauth2":
        flows = scheme.get("flows")
        if isinstance(flows, dict) and "clientCredentials" in flows:
            return "oauth2 clientCredentials"
        return "oauth2"
    return str(kind)


def scheme_fields(scheme: Mapping[str, Any]) -> tuple[str, ...]:
    """The credential fields a scheme takes (docs/credentials.md)."""
    kind = scheme.get("type")
    if kind == "http":
        if str(scheme.get("scheme", "")).lower() == "basic":
            return ("USERNAME", "PASSWORD")
        return ("TOKEN",)
    if kind == "apiKey":
        return ("KEY",)
    if kind == "oauth2":
        flows = scheme.get("flows")
        if isinstance(flows, dict) and "clientCredentials" in flows:
            return ("CLIENT_ID", "CLIENT_SECRET")
        return ("TOKEN",)
    if kind == "openIdConnect":
        return ("TOKEN",)
    if kind in BROKER_LOGINS:
        return ("USERNAME", "PASSWORD")
    return ()


def accepted_fields(scheme: Mapping[str, Any]) -> tuple[str, ...]:
    """The fields a scheme can be given: :func:`scheme_fields`, and for an OAuth2 client
    credentials flow also a token obtained beforehand (``TOKEN``)."""
    fields = scheme_fields(scheme)
    if scheme.get("type") == "oauth2" and "TOKEN" not in fields:
        fields = (*fields, "TOKEN")
    return fields


@dataclass(frozen=True)
class CredentialNeed:
    """One security scheme a workflow's operations use, and the variables that supply it."""

    source: str
    scheme: str
    type: str
    variables: tuple[str, ...]

    @property
    def hosts_variable(self) -> str:
        """The variable that pins the credential to hosts (optional)."""
        return env_variable(self.source, self.scheme, HOSTS_FIELD)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "scheme": self.scheme,
            "type": self.type,
            "variables": list(self.variables),
            "hostsVariable": self.hosts_variable,
        }
