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

__all__ = ["CredentialNeed", "env_variable", "scheme_fields", "scheme_type"]

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


@dataclass(frozen=True)
class CredentialNeed:
    """One security scheme a workflow's operations use, and the variables that supply it."""

    source: str
    scheme: str
    type: str
    variables: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "scheme": self.scheme, "type": self.type, "variables": list(self.variables)}
