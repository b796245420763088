"""Where credentials come from: ``credentials=`` checked, ``ARAZZO_*`` variables and ``.env``.

A credential's ``hosts`` (``"hosts": [...]`` in Python, ``ARAZZO_<SOURCE>_<SCHEME>_HOSTS``) is
kept with its fields as one normalized comma-separated string: :func:`pinned_hosts` reads it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..credentials import FIELDS, HOSTS_FIELD, accepted_fields, env_variable, parse_hosts
from ..errors import ArazzoError, UsageError

__all__ = [
    "Credentials",
    "DEFAULT_ENV_FILE",
    "normalize_credentials",
    "pinned_hosts",
    "read_dotenv",
    "environment_credentials",
]

Credentials = dict[str, dict[str, dict[str, str]]]
"""``{SOURCE: {SCHEME: {field: value}}}``, fields lower-cased (``username``, ``token``, ...;
``hosts``: the patterns it is pinned to, comma-separated)."""

_HOSTS = HOSTS_FIELD.lower()
_FIELD_NAMES = frozenset(f.lower() for f in FIELDS) | {_HOSTS}


class _DefaultEnvFile(str):
    """The default env file, ``./.env``: read when it exists, no error when it does not."""


DEFAULT_ENV_FILE: str = _DefaultEnvFile(".env")
"""``environment_credentials``' default ``env_file``: ``./.env`` if there is one."""


def pinned_hosts(given: Mapping[str, str]) -> tuple[str, ...] | None:
    """The host patterns a (normalized) credential is pinned to; None: not pinned."""
    hosts = given.get(_HOSTS)
    return None if hosts is None else tuple(hosts.split(","))


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
                if key == _HOSTS:
                    try:
                        values[key] = ",".join(parse_hosts(value))
                    except ValueError as error:
                        raise UsageError(f"credentials {source}/{scheme}: {error}") from None
                    continue
                if not isinstance(value, str):
                    raise UsageError(f"credentials {source}/{scheme}: {key} must be a string")
                values[key] = value
            checked.setdefault(source, {})[scheme] = values
    return checked


def read_dotenv(path: str = ".env", *, required: bool = False) -> dict[str, str]:
    """``NAME=VALUE`` lines of a ``.env`` file: ``export``, ``#`` comments (whole lines, and
    after an unquoted value) and quotes allowed; a file that cannot be read gives nothing,
    or, when it is ``required``, a UsageError."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError as error:
        if required:
            raise UsageError(f"env file {path}: {error.strerror or 'cannot be read'}") from None
        return {}
    except UnicodeDecodeError:
        if required:
            raise UsageError(f"env file {path}: not UTF-8 text") from None
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
    description: Any, environ: Mapping[str, str] | None = None, env_file: str | None = DEFAULT_ENV_FILE
) -> Credentials:
    """Credentials from ``ARAZZO_<SOURCE>_<SCHEME>_<FIELD>`` variables (docs/credentials.md) for
    every security scheme of the OpenAPI sources of ``description`` (nested Arazzo documents
    included), with the hosts each is pinned to (``..._HOSTS``): ``environ`` (default
    ``os.environ``) wins over ``env_file`` (``--env-file``; by default ``./.env`` when it
    exists; None: none).  Raises UsageError for an ``env_file`` given that cannot be read, or
    a ``..._HOSTS`` value that is not a list of hosts."""
    dotenv = {}
    if env_file is not None:
        dotenv = read_dotenv(env_file, required=not isinstance(env_file, _DefaultEnvFile))
    environment = {**dotenv, **(os.environ if environ is None else environ)}
    found: Credentials = {}
    for name, schemes in _source_schemes(description):
        for scheme_name, scheme in schemes.items():
            if not isinstance(scheme, Mapping):
                continue
            for field_name in (*accepted_fields(scheme), HOSTS_FIELD):
                variable = env_variable(name, scheme_name, field_name)
                if variable not in environment:
                    continue
                value = environment[variable]
                if field_name == HOSTS_FIELD:
                    try:
                        value = ",".join(parse_hosts(value))
                    except ValueError as error:
                        raise UsageError(f"{variable}: {error}") from None
                found.setdefault(name, {}).setdefault(scheme_name, {})[field_name.lower()] = value
    return found


def _source_schemes(description: Any) -> Iterable[tuple[str, Mapping[str, Any]]]:
    """(source name, securitySchemes) of each OpenAPI and AsyncAPI source, nested Arazzo sources included."""
    from ..loading.sources import sources_of

    for owner, name, kind in sources_of(description, ("openapi", "asyncapi")):
        try:
            index = owner.openapi(name) if kind == "openapi" else owner.asyncapi(name)
            yield name, index.security_schemes
        except ArazzoError:
            continue  # the run reports it where the source is used
