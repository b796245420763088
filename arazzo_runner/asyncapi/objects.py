"""The AsyncAPI objects the engine needs, the same for AsyncAPI 2.x and 3.x documents.

Every object is read with its ``$ref`` s followed at the top level only (a message, its
payload and headers schemas, a parameter); schemas are kept as written, with the URI of the
document they come from in ``base_uri`` so their inner ``$ref`` s can be resolved later.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import Location
from ..openapi.objects import ServerVariable

__all__ = [
    "Action",
    "AsyncOperation",
    "AsyncServer",
    "Channel",
    "ChannelParameter",
    "Message",
    "SecurityRequirement",
    "ServerVariable",
    "expand_template",
]

Action = Literal["send", "receive"]
"""What the application does, as AsyncAPI 3 says it: ``send`` or ``receive`` a message."""

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def expand_template(template: str, values: Mapping[str, Any], defaults: Mapping[str, str | None]) -> str:
    """``template`` with each ``{name}`` replaced: ``values[name]`` > ``defaults[name]``.

    A placeholder with neither is left as written, so the caller can tell what is missing.
    """

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values:
            return str(values[name])
        default = defaults.get(name)
        return default if default is not None else match.group(0)

    return _PLACEHOLDER.sub(substitute, template) if "{" in template else template


def placeholders(template: str) -> tuple[str, ...]:
    """The ``{names}`` of a template, in order of appearance, each once."""
    return tuple(dict.fromkeys(_PLACEHOLDER.findall(template)))


@dataclass(frozen=True, slots=True)
class SecurityRequirement:
    """One security scheme a connection must satisfy, with the scopes asked for.

    ``scheme_name`` is the key under ``components.securitySchemes`` when known (always in
    AsyncAPI 2, where requirements name schemes; in 3 when the scheme is a ``$ref`` there).
    ``scheme`` is the Security Scheme Object, ``$ref`` followed (empty when unknown).
    """

    scheme_name: str | None
    scheme: Mapping[str, Any]
    scopes: tuple[str, ...] = ()

    @property
    def type(self) -> str | None:
        """The scheme's ``type`` (``userPassword``, ``plain``, ``scramSha256``...), or None."""
        kind = self.scheme.get("type")
        return kind if isinstance(kind, str) else None


Security = tuple[tuple[SecurityRequirement, ...], ...]
"""Alternatives (any one suffices), each a conjunction of requirements (all must be met)."""


@dataclass(frozen=True, slots=True, eq=False)
class AsyncServer:
    """A Server Object: a broker the application may connect to.

    AsyncAPI 3 writes ``host`` (port included) and ``pathname``; AsyncAPI 2 writes one
    ``url``, split here into the same two (``scheme`` keeps a scheme written in that url).
    Both keep their ``{variables}`` unexpanded; :meth:`url` expands them.
    """

    name: str
    protocol: str
    host: str
    pathname: str = ""
    protocol_version: str | None = None
    description: str | None = None
    variables: Mapping[str, ServerVariable] = field(default_factory=dict)
    security: Security = ()
    bindings: Mapping[str, Any] = field(default_factory=dict)
    scheme: str | None = None
    location: Location | None = None

    def url(self, variables: Mapping[str, Any] | None = None) -> str:
        """``protocol://host/pathname`` with variables substituted (given > default)."""
        defaults = {name: variable.default for name, variable in self.variables.items()}
        host = expand_template(self.host, variables or {}, defaults)
        pathname = expand_template(self.pathname, variables or {}, defaults)
        if pathname and not pathname.startswith("/"):
            pathname = "/" + pathname
        return f"{self.scheme or self.protocol}://{host}{pathname}"


@dataclass(frozen=True, slots=True, eq=False)
class ChannelParameter:
    """A Parameter Object of a channel address (``schema`` is AsyncAPI 2's, ``enum`` and
    ``default`` AsyncAPI 3's); ``location`` is a runtime expression into the message."""

    name: str
    description: str | None = None
    schema: Any = None
    enum: tuple[str, ...] | None = None
    default: str | None = None
    examples: tuple[Any, ...] = ()
    location: str | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Message:
    """A Message Object, traits applied.

    ``payload`` and ``headers`` are the schemas with their top-level ``$ref`` followed (None
    when absent; a Multi Format Schema Object is unwrapped, its format in ``schema_format``);
    the ``$ref`` s inside them resolve against ``payload_uri`` / ``headers_uri``, the
    documents they were read from (``base_uri`` is the message's own).  ``correlation_id`` is the runtime expression of the Correlation ID
    Object's ``location`` (``$message.header#/id``), or None.  ``content_type`` is the
    message's own, else the document's ``defaultContentType``, else None.
    """

    name: str | None
    payload: Any = None
    headers: Any = None
    correlation_id: str | None = None
    content_type: str | None = None
    schema_format: str | None = None
    bindings: Mapping[str, Any] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)
    base_uri: str = ""
    payload_uri: str = ""
    headers_uri: str = ""
    pointer: str = ""
    location: Location | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Channel:
    """A channel: AsyncAPI 3's Channel Object, or AsyncAPI 2's Channel Item Object.

    ``name`` is the key under ``channels`` (a channel id in 3, the address itself in 2).
    ``address`` may hold ``{parameter}`` expressions (None: unknown until run time).
    ``servers`` names the servers it is on (empty: all of them).  ``messages`` are every
    message that may travel on it (in 2: those of its publish and subscribe operations).
    """

    name: str
    address: str | None
    parameters: Mapping[str, ChannelParameter] = field(default_factory=dict)
    servers: tuple[str, ...] = ()
    messages: tuple[Message, ...] = ()
    bindings: Mapping[str, Any] = field(default_factory=dict)
    description: str | None = None
    pointer: str = ""
    location: Location | None = None

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """The ``{names}`` of the address, in order (empty when the address is unknown)."""
        return placeholders(self.address) if self.address else ()

    def expand(self, values: Mapping[str, Any] | None = None) -> str | None:
        """The address with its parameters substituted (given > the parameter's default);
        a parameter with neither stays ``{name}``.  None when the address is unknown."""
        if self.address is None:
            return None
        defaults = {name: parameter.default for name, parameter in self.parameters.items()}
        return expand_template(self.address, values or {}, defaults)


@dataclass(frozen=True, slots=True, eq=False)
class AsyncOperation:
    """An operation of the application: send or receive messages on one channel.

    ``action`` is the application's view: AsyncAPI 3's ``action``; in AsyncAPI 2 a
    ``subscribe`` operation is ``send`` (messages the application produces) and ``publish``
    is ``receive`` (messages it consumes), as the 2.6 Channel Item Object defines them.
    ``declared`` is the word as written (``send``, ``receive``, ``publish``, ``subscribe``),
    ``""`` for an operation made from a bare channel (a ``channelPath`` that names no
    operation), whose ``action`` is the one asked for, or None.  ``servers`` are those it
    may use (the channel's, else all); ``security`` the operation's own requirements.
    """

    operation_id: str | None
    action: Action | None
    channel: Channel
    messages: tuple[Message, ...]
    servers: tuple[AsyncServer, ...] = ()
    security: Security = ()
    bindings: Mapping[str, Any] = field(default_factory=dict)
    declared: str = ""
    summary: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)
    pointer: str = ""
    location: Location | None = None

    @property
    def correlation_ids(self) -> tuple[str, ...]:
        """The distinct correlation id locations of its messages, in order."""
        return tuple(dict.fromkeys(m.correlation_id for m in self.messages if m.correlation_id))
