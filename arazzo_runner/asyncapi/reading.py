"""Reading AsyncAPI objects (servers, channels, messages, security) into :mod:`.objects`.

A :class:`Reader` turns the raw mappings of one document into the objects the engine uses,
following top-level ``$ref`` s (into other files too) with the index's
:class:`~arazzo_runner.openapi.refs.RefResolver`, applying traits, and noting what is wrong
but not fatal through the ``problem`` callback.  AsyncAPI 2 and 3 differ in a few places
(server url vs host/pathname, named vs inline security, trait precedence): ``major`` says
which rules apply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ..openapi.refs import RefResolver, Resolved, escape_token, split_pointer
from .objects import AsyncServer, ChannelParameter, Message, Security, SecurityRequirement, ServerVariable

__all__ = ["Problem", "Reader", "merge_patch"]

Problem = Callable[[str, str, str], None]
"""``problem(message, document uri, pointer)``: notes something wrong that is not fatal."""


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch: ``patch`` applied to ``target`` (neither is changed)."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def last_token(pointer: str) -> str:
    """The last reference token of a plain JSON pointer ("" for the root)."""
    try:
        tokens = split_pointer(pointer)
    except ValueError:
        return ""
    return tokens[-1] if tokens else ""


class Reader:
    """Reads the objects of one AsyncAPI document (``major`` 2 or 3)."""

    __slots__ = ("resolver", "major", "version", "default_content_type", "problem", "_schemes")

    def __init__(self, resolver: RefResolver, major: int, version: str, data: Mapping[str, Any], problem: Problem):
        """Read with ``resolver``; ``data`` is the root document (for defaultContentType)."""
        self.resolver = resolver
        self.major = major
        self.version = version
        content_type = data.get("defaultContentType")
        self.default_content_type = content_type if isinstance(content_type, str) else None
        self.problem = problem
        components = _mapping(data.get("components"))
        self._schemes: dict[str, Any] = _mapping(components.get("securitySchemes"))

    def follow(self, value: Any, uri: str, pointer: str) -> Resolved:
        """``value``'s ``$ref`` chain followed (raises DocumentError / SourceError, located)."""
        return self.resolver.follow(value, uri, pointer)

    # ------------------------------------------------------------------------------ servers

    def server(self, name: str, value: Any, uri: str, pointer: str) -> AsyncServer | None:
        """The Server Object ``name`` (None, a problem noted, when it is not one)."""
        raw, uri, pointer = self.follow(value, uri, pointer)
        if not isinstance(raw, dict):
            self.problem(f"the server {name!r} must be a mapping", uri, pointer)
            return None
        protocol = raw.get("protocol")
        if not isinstance(protocol, str) or not protocol:
            self.problem(f"the server {name!r} has no 'protocol'", uri, pointer)
            protocol = ""
        scheme: str | None = None
        if self.major == 2:
            url = raw.get("url")
            if not isinstance(url, str):
                self.problem(f"the server {name!r} has no 'url'", uri, pointer)
                url = ""
            scheme, host, pathname = _split_url(url)
        else:
            written = raw.get("host")
            if not isinstance(written, str):
                self.problem(f"the server {name!r} has no 'host'", uri, pointer)
            host = written if isinstance(written, str) else ""
            pathname = _text(raw.get("pathname")) or ""
        variables: dict[str, ServerVariable] = {}
        for var_name, var in _mapping(raw.get("variables")).items():
            var_pointer = f"{pointer}/variables/{escape_token(var_name)}"
            var = self.follow(var, uri, var_pointer).value
            if not isinstance(var, dict):
                self.problem(f"the server variable {var_name!r} must be a mapping", uri, var_pointer)
                continue
            default = var.get("default")
            enum = var.get("enum")
            variables[var_name] = ServerVariable(
                default=None if default is None else str(default),
                enum=tuple(str(item) for item in enum) if isinstance(enum, list) else None,
                description=_text(var.get("description")),
            )
        return AsyncServer(
            name=name,
            protocol=protocol,
            host=host,
            pathname=pathname,
            protocol_version=None if raw.get("protocolVersion") is None else str(raw["protocolVersion"]),
            description=_text(raw.get("description")),
            variables=variables,
            security=self.security(raw.get("security"), uri, pointer + "/security"),
            bindings=self.bindings(raw.get("bindings"), uri, pointer + "/bindings"),
            scheme=scheme,
            location=self.resolver.location(uri, pointer),
        )

    def security(self, value: Any, uri: str, pointer: str) -> Security:
        """A ``security`` list as alternatives of requirements (see :data:`.objects.Security`)."""
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem("'security' must be a list", uri, pointer)
            return ()
        alternatives: list[tuple[SecurityRequirement, ...]] = []
        for number, item in enumerate(value):
            item_pointer = f"{pointer}/{number}"
            if self.major == 2:
                alternatives.append(self._requirement(item, uri, item_pointer))
                continue
            # AsyncAPI 3: each item is a Security Scheme Object (or a $ref to one).
            ref = item.get("$ref") if isinstance(item, dict) else None
            scheme, scheme_uri, scheme_pointer = self.follow(item, uri, item_pointer)
            if not isinstance(scheme, dict):
                self.problem("a security scheme must be a mapping", uri, item_pointer)
                continue
            name = None
            if isinstance(ref, str) and "/securitySchemes/" in scheme_pointer:
                name = last_token(scheme_pointer)
            scopes = scheme.get("scopes")
            alternatives.append(
                (SecurityRequirement(name, scheme, tuple(str(s) for s in scopes) if isinstance(scopes, list) else ()),)
            )
        return tuple(alternatives)

    def _requirement(self, item: Any, uri: str, pointer: str) -> tuple[SecurityRequirement, ...]:
        """An AsyncAPI 2 Security Requirement Object: scheme names to scopes."""
        if not isinstance(item, dict):
            self.problem("a security requirement must be a mapping", uri, pointer)
            return ()
        requirements = []
        for name, scopes in item.items():
            raw = self._schemes.get(name)
            if raw is None:
                self.problem(f"unknown security scheme {name!r} (not in components.securitySchemes)", uri, pointer)
                scheme: Any = {}
            else:
                scheme = self.follow(raw, self.resolver.base_uri, "/components/securitySchemes/" + escape_token(name))
                scheme = scheme.value if isinstance(scheme.value, dict) else {}
            listed = tuple(str(s) for s in scopes) if isinstance(scopes, list) else ()
            requirements.append(SecurityRequirement(name, scheme, listed))
        return tuple(requirements)

    def bindings(self, value: Any, uri: str, pointer: str) -> Mapping[str, Any]:
        """A bindings object, ``$ref`` followed (each protocol's binding as written)."""
        found = self.follow(value, uri, pointer).value
        return found if isinstance(found, dict) else {}

    # ------------------------------------------------------------------ channels, messages

    def parameters(self, value: Any, uri: str, pointer: str) -> dict[str, ChannelParameter]:
        """A channel's Parameters Object."""
        found: dict[str, ChannelParameter] = {}
        for name, raw in _mapping(value).items():
            item_pointer = f"{pointer}/{escape_token(name)}"
            raw, raw_uri, raw_pointer = self.follow(raw, uri, item_pointer)
            if not isinstance(raw, dict):
                self.problem(f"the channel parameter {name!r} must be a mapping", uri, item_pointer)
                continue
            enum = raw.get("enum")
            examples = raw.get("examples")
            default = raw.get("default")
            found[name] = ChannelParameter(
                name=name,
                description=_text(raw.get("description")),
                schema=raw.get("schema"),
                enum=tuple(str(item) for item in enum) if isinstance(enum, list) else None,
                default=None if default is None else str(default),
                examples=tuple(examples) if isinstance(examples, list) else (),
                location=_text(raw.get("location")),
            )
        return found

    def message(self, value: Any, uri: str, pointer: str, name: str | None = None) -> Message | None:
        """The Message Object at ``pointer`` (``$ref`` and traits followed); ``name`` is its
        key in a Messages Object, when it has one."""
        ref = value.get("$ref") if isinstance(value, dict) else None
        raw, uri, pointer = self.follow(value, uri, pointer)
        if not isinstance(raw, dict):
            self.problem("a message must be a mapping", uri, pointer)
            return None
        raw = self.with_traits(raw, uri, pointer)
        if name is None:
            name = _text(raw.get("messageId")) or _text(raw.get("name"))
            if name is None and isinstance(ref, str):
                name = last_token(pointer) or None
        payload, payload_uri, schema_format = self._schema(raw.get("payload"), uri, pointer + "/payload")
        headers, headers_uri, _ = self._schema(raw.get("headers"), uri, pointer + "/headers")
        if schema_format is None:
            schema_format = _text(raw.get("schemaFormat"))  # AsyncAPI 2: on the message
        return Message(
            name=name,
            payload=payload,
            headers=headers,
            correlation_id=self._correlation(raw.get("correlationId"), uri, pointer + "/correlationId"),
            content_type=_text(raw.get("contentType")) or self.default_content_type,
            schema_format=schema_format,
            bindings=self.bindings(raw.get("bindings"), uri, pointer + "/bindings"),
            raw=raw,
            base_uri=uri,
            payload_uri=payload_uri,
            headers_uri=headers_uri,
            pointer=pointer,
            location=self.resolver.location(uri, pointer),
        )

    def with_traits(self, raw: dict[str, Any], uri: str, pointer: str) -> dict[str, Any]:
        """``raw`` with its ``traits`` merged: over it in AsyncAPI 2 (JSON Merge Patch, in
        order), under it in AsyncAPI 3 (a trait never overrides the object's own field)."""
        traits = raw.get("traits")
        if not isinstance(traits, list) or not traits:
            return raw
        own = {key: value for key, value in raw.items() if key != "traits"}
        merged: Any = own if self.major == 2 else {}
        for number, trait in enumerate(traits):
            trait = self.follow(trait, uri, f"{pointer}/traits/{number}").value
            if isinstance(trait, dict):
                merged = merge_patch(merged, trait)
            else:
                self.problem("a trait must be a mapping", uri, f"{pointer}/traits/{number}")
        result: dict[str, Any] = merged if self.major == 2 else merge_patch(merged, own)
        return result

    def _schema(self, value: Any, uri: str, pointer: str) -> tuple[Any, str, str | None]:
        """(schema, document it was read from, schemaFormat) of a payload or headers field."""
        if value is None:
            return None, uri, None
        schema, schema_uri, schema_pointer = self.follow(value, uri, pointer)
        if self.major >= 3 and isinstance(schema, dict) and "schemaFormat" in schema and "schema" in schema:
            inner, inner_uri, _ = self.follow(schema["schema"], schema_uri, schema_pointer + "/schema")
            return inner, inner_uri, _text(schema.get("schemaFormat"))
        return schema, schema_uri, None

    def _correlation(self, value: Any, uri: str, pointer: str) -> str | None:
        """The ``location`` of a Correlation ID Object, or None."""
        if value is None:
            return None
        found, found_uri, found_pointer = self.follow(value, uri, pointer)
        location = found.get("location") if isinstance(found, dict) else None
        if not isinstance(location, str) or not location:
            self.problem("the correlationId has no 'location'", found_uri, found_pointer)
            return None
        return location


def _split_url(url: str) -> tuple[str | None, str, str]:
    """(scheme or None, host, pathname) of an AsyncAPI 2 server url, which may omit the scheme
    (``broker.example.com:1883``) and hold ``{variables}`` anywhere."""
    scheme = None
    rest = url
    if "://" in url:
        scheme, rest = url.split("://", 1)
        if not scheme or "{" in scheme:
            scheme = None
        elif urlsplit(url).scheme == "":
            scheme = None
    slash = rest.find("/")
    if slash < 0:
        return scheme, rest, ""
    return scheme, rest[:slash], rest[slash:]
