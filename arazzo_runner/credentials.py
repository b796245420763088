"""Credential names: which fields each OpenAPI security scheme needs, and their variables.

The CLI reads credentials from environment variables named
``ARAZZO_<SOURCE>_<SCHEME>_<FIELD>`` (design.md §2.3): SOURCE and SCHEME upper-cased, every
character outside ``A-Z0-9`` replaced by ``_``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FIELDS",
    "SECRET_FIELDS",
    "CredentialNeed",
    "env_variable",
    "scheme_fields",
    "accepted_fields",
    "scheme_type",
]

FIELDS = ("USERNAME", "PASSWORD", "TOKEN", "KEY", "CLIENT_ID", "CLIENT_SECRET")
"""Every credential field; the Python shapes use them lower-cased (``{"username", ...}``)."""

SECRET_FIELDS = frozenset({"password", "token", "key", "client_secret"})
"""The fields whose values are redacted wherever they appear (a username or client id is not)."""

_NOT_NAME = re.compile(r"[^A-Z0-9]")


def env_variable(source: str, scheme: str, field: str) -> str:
    """The environment variable that holds ``field`` of ``scheme`` for ``source``."""
    return "_".join(("ARAZZO", _NOT_NAME.sub("_", source.upper()), _NOT_NAME.sub("_", scheme.upper()), field))


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
    """The credential fields a scheme takes (design.md §2.3)."""
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

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "scheme": self.scheme, "type": self.type, "variables": list(self.variables)}
