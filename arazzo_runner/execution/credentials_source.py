"""Where credentials come from: ``credentials=`` checked, ``ARAZZO_*`` variables and ``.env``."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..credentials import FIELDS, accepted_fields, env_variable
from ..errors import ArazzoError, UsageError

__all__ = ["Credentials", "normalize_credentials", "read_dotenv", "environment_credentials"]

Credentials = dict[str, dict[str, dict[str, str]]]
"""``{SOURCE: {SCHEME: {field: value}}}``, fields lower-cased (``username``, ``token``, ...)."""

_FIELD_NAMES = frozenset(f.lower() for f in FIELDS)


def normalize_credentials(credentials: Mapping[str, Any] | None) -> Credentials:
    """``credentials=`` checked and copied: field names lower-cased, values strings.

    Raises UsageError for a shape other than ``{SOURCE: {SCHEME: {field: value}}}`` or an
    unknown field (the message never shows a value).
    """
    if credentials is None:
        return {}
    shape = "credentials must be {SOURCE: {SCHEME: {field: value}}}"
    if not isinstance(credentials, Mapping):
        raise UsageError(f"{shape}, not {type(credentials).__name__}")
    checked: Credentials = {}
    for source, schemes in credentials.items():
        if not isinstance(source, str) or not isinstance(schemes, Mapping):
            raise UsageError(f"{shape}: the entry for {source!r} is not a mapping of schemes")
        for scheme, given in schemes.items():
            if not isinstance(scheme, str) or not isinstance(given, Mapping):
                raise UsageError(f"{shape}: {source}/{scheme} is not a mapping of fields")
            values: dict[str, str] = {}
            for name, value in given.items():
                key = str(name).lower()
                if key not in _FIELD_NAMES:
                    known = ", ".join(sorted(_FIELD_NAMES))
                    raise UsageError(f"credentials {source}/{scheme}: unknown field {name!r} (fields: {known})")
                if not isinstance(value, str):
                    raise UsageError(f"credentials {source}/{scheme}: {key} must be a string")
                values[key] = value
            checked.setdefault(source, {})[scheme] = values
    return checked


def read_dotenv(path: str = ".env") -> dict[str, str]:
    """``NAME=VALUE`` lines of a ``.env`` file: ``export``, ``#`` comments (whole lines, and
    after an unquoted value) and quotes allowed; a file that cannot be read gives nothing."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    values: dict[str, str] = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        name, sep, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name:
            continue
        if len(value) >= 2 and value[0] in "'\"" and value[-1] == value[0]:
            value = value[1:-1]
        else:
            value = re.sub(r"\s+#.*$", "", value)
        values[name] = value
    return values


def environment_credentials(
    description: Any, environ: Mapping[str, str] | None = None, dotenv: str | None = ".env"
) -> Credentials:
    """Credentials from ``ARAZZO_<SOURCE>_<SCHEME>_<FIELD>`` variables (design.md §2.3) for
    every security scheme of the OpenAPI sources of ``description`` (nested Arazzo documents
    included): ``environ`` (default ``os.environ``) wins over the ``dotenv`` file."""
    environment = {**(read_dotenv(dotenv) if dotenv else {}), **(os.environ if environ is None else environ)}
    found: Credentials = {}
    for name, schemes in _source_schemes(description, set()):
        for scheme_name, scheme in schemes.items():
            if not isinstance(scheme, Mapping):
                continue
            for field_name in accepted_fields(scheme):
                variable = env_variable(name, scheme_name, field_name)
                if variable in environment:
                    found.setdefault(name, {}).setdefault(scheme_name, {})[field_name.lower()] = environment[variable]
    return found


def _source_schemes(description: Any, seen: set[int]) -> Iterable[tuple[str, Mapping[str, Any]]]:
    """(source name, securitySchemes) of each OpenAPI source, nested Arazzo sources included."""
    if id(description) in seen:
        return
    seen.add(id(description))
    for source in description.document.source_descriptions:
        name = source.name
        if not isinstance(name, str):
            continue
        try:
            kind = description.source(name).type
            if kind == "openapi":
                yield name, description.openapi(name).security_schemes
            elif kind == "arazzo":
                yield from _source_schemes(description.arazzo(name), seen)
        except ArazzoError:
            continue  # the run reports it where the source is used
