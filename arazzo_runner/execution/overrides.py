"""The names a run's overrides refer to must exist in the documents.

A misspelled name in ``servers=`` (``--server``) would otherwise be ignored silently, and the
run would go to the source's real, production, servers; a misspelled credential source would
send the run without its credentials.  So an override for a source, scheme or server variable
that no document declares is a :class:`~arazzo_runner.errors.UsageError`, in the CLI and in
the Python API alike (they differ only in how they name the option).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ArazzoError, UsageError

__all__ = ["check_overrides", "source_names", "PYTHON_NAMES", "CLI_NAMES"]

# how each option is spelled in a message: the Python keyword, or the CLI option
PYTHON_NAMES = {
    "servers": "servers={{{name!r}: ...}}",
    "server_variables": "server_variables={{{name!r}: ...}}",
    "credentials": "credentials={{{name!r}: ...}}",
    "sources": "sources={{{name!r}: ...}}",
}
CLI_NAMES = {
    "servers": "--server {name}=...",
    "server_variables": "--server-var {name}=...",
    "credentials": "credentials for {name}",
    "sources": "--source {name}=...",
}


def source_names(description: Any, seen: set[int] | None = None) -> set[str]:
    """The source description names of ``description`` and of the Arazzo documents it uses."""
    seen = set() if seen is None else seen
    if id(description) in seen:
        return set()
    seen.add(id(description))
    names = {s.name for s in description.document.source_descriptions if isinstance(s.name, str)}
    for name in sorted(names):
        try:
            nested = description.arazzo(name) if description.source(name).type == "arazzo" else None
        except ArazzoError:
            continue  # the run reports it where the source is used
        if nested is not None:
            names |= source_names(nested, seen)
    return names


def _unknown(label: str, what: str, known: set[str], listed_as: str, name: str) -> UsageError:
    """``label: <what> (<listed_as>: known, ...); did you mean ...?``"""
    from difflib import get_close_matches  # only for an error message

    close = get_close_matches(name, sorted(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listed = ", ".join(sorted(known)) or "none"
    return UsageError(f"{label}: {what} ({listed_as}: {listed}){hint}")


def _server_variables(description: Any) -> dict[str, set[str] | None]:
    """Every server variable of the OpenAPI and AsyncAPI sources, with the values its enums allow
    (None: any)."""
    variables: dict[str, set[str] | None] = {}
    for source in description.document.source_descriptions:
        try:
            if not isinstance(source.name, str):
                continue
            kind = description.source(source.name).type
            if kind == "asyncapi":
                servers = list(description.asyncapi(source.name).servers.values())
            elif kind == "openapi":
                servers = [server for operation in description.openapi(source.name).operations
                           for server in operation.servers]  # fmt: skip
            else:
                continue
        except ArazzoError:
            continue  # the run reports it where the source is used
        for server in servers:
            for name, variable in server.variables.items():
                allowed = set(variable.enum) if variable.enum else None
                known = variables.get(name, set())
                variables[name] = None if allowed is None or known is None else known | allowed
    return variables


def _schemes(description: Any, source: str) -> set[str] | None:
    """The security scheme names of an OpenAPI or AsyncAPI source (None: not one we can read)."""
    try:
        kind = description.source(source).type
        if kind == "asyncapi":
            return set(description.asyncapi(source).security_schemes)
        if kind != "openapi":
            return None
        return set(description.openapi(source).security_schemes)
    except (ArazzoError, KeyError):
        return None  # a source of a nested document, or one that does not load: the run says


def _is_asyncapi(description: Any, source: str) -> bool:
    try:
        return bool(description.source(source).type == "asyncapi")
    except (ArazzoError, KeyError):
        return False


def check_overrides(
    description: Any,
    *,
    servers: Mapping[str, str] | None = None,
    server_variables: Mapping[str, str] | None = None,
    credentials: Mapping[str, Any] | None = None,
    sources: Mapping[str, str] | None = None,
    names: Mapping[str, str] = PYTHON_NAMES,
) -> None:
    """Raise UsageError for an override naming a source, scheme or server variable that the
    documents do not declare, or a server URL that is not absolute."""
    if not (servers or server_variables or credentials or sources):
        return
    known = source_names(description)
    for option, given in (("servers", servers), ("credentials", credentials), ("sources", sources)):
        for name in given or {}:
            if name not in known:
                label = names[option].format(name=name)
                raise _unknown(label, f"no source description named {name!r}", known, "sources", name)
    for name, url in (servers or {}).items():
        if _is_asyncapi(description, name):
            from ..asyncapi.brokers import PROTOCOLS

            scheme = url.split("://", 1)[0].lower() if isinstance(url, str) and "://" in url else ""
            if scheme not in PROTOCOLS and scheme != "mock":
                schemes = "://, ".join(sorted(PROTOCOLS)) + "://"
                raise UsageError(
                    f"{names['servers'].format(name=name)}: source {name!r} is AsyncAPI: the URL must start with "
                    f"one of {schemes}"
                )
        elif not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise UsageError(f"{names['servers'].format(name=name)}: the URL must start with http:// or https://")
    for source, schemes in (credentials or {}).items():
        declared = _schemes(description, source)
        if declared is None or not isinstance(schemes, Mapping):
            continue
        for scheme in schemes:
            if scheme not in declared:
                label = names["credentials"].format(name=source)
                what = f"source {source!r} has no security scheme named {scheme!r}"
                raise _unknown(label, what, declared, "schemes", str(scheme))
    if server_variables:
        variables = _server_variables(description)
        for name, value in server_variables.items():
            label = names["server_variables"].format(name=name)
            if name not in variables:
                raise _unknown(label, f"no server declares a variable {name!r}", set(variables), "variables", name)
            allowed = variables[name]
            if allowed is not None and value not in allowed:
                raise UsageError(f"{label}: allowed values are {', '.join(sorted(allowed))}")
