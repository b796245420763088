"""Assembling an :class:`.objects.Operation` from the operation object and its path item.

The index finds operations with a cheap scan; this part turns one into an Operation the first
time it is asked for: servers (operation > path item > root > ``/``), parameters (path item
and operation merged by ``(name, in)``, referenced components built once), request body,
responses (top-level ``$ref`` s followed) and security.  A malformed piece is noted as a
problem of the index, with its location, and left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .objects import DEFAULT_SERVER, Operation, Parameter, RequestBody, Server, ServerVariable
from .refs import RefResolver, escape_token

if TYPE_CHECKING:
    from .index import _Entry

__all__ = ["OperationAssembly"]

# Default style of a parameter by its location (OpenAPI "style" table).
_DEFAULT_STYLE = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}


class OperationAssembly:
    """The part of :class:`.index.OpenAPIIndex` that builds Operations (a mixin: it uses the
    index's resolver, root servers and caches, declared here for the type checker)."""

    __slots__ = ()

    data: dict[str, Any]
    servers: tuple[Server, ...]
    _resolver: RefResolver
    _operations: dict[int, Operation]
    _parameters: dict[tuple[str, str], Parameter | None]

    def _problem(self, message: str, uri: str, pointer: str) -> None:
        raise NotImplementedError  # the index records problems

    def _operation(self, entry: _Entry) -> Operation:
        """The Operation of ``entry``, assembled on first use (its top-level ``$ref`` s followed)."""
        cached = self._operations.get(id(entry))
        if cached is not None:
            return cached
        op, uri = entry.op, entry.op_uri
        servers = (
            self._servers(op.get("servers"), uri, entry.op_pointer + "/servers")
            or self._servers(entry.item.get("servers"), entry.item_uri, entry.item_pointer + "/servers")
            or self.servers
            or (DEFAULT_SERVER,)
        )
        parameters: dict[tuple[str, str], Parameter] = {}
        for parameter in self._parameter_list(entry.item.get("parameters"), entry.item_uri, entry.item_pointer):
            parameters[parameter.key] = parameter
        for parameter in self._parameter_list(op.get("parameters"), uri, entry.op_pointer):
            parameters[parameter.key] = parameter
        security_source = op if "security" in op else self.data
        security = _security(security_source.get("security"))
        tags = op.get("tags")
        operation_id = op.get("operationId")
        operation = Operation(
            operation_id=operation_id if isinstance(operation_id, str) else None,
            method=entry.method,
            path=entry.path,
            pointer=entry.pointer,
            servers=servers,
            parameters=tuple(parameters.values()),
            request_body=self._request_body(op.get("requestBody"), uri, entry.op_pointer + "/requestBody"),
            responses=self._responses(op.get("responses"), uri, entry.op_pointer + "/responses"),
            security=security,
            location=self._resolver.location(uri, entry.op_pointer),
            summary=_text(op.get("summary")),
            description=_text(op.get("description")),
            tags=tuple(tag for tag in tags if isinstance(tag, str)) if isinstance(tags, list) else (),
            deprecated=op.get("deprecated") is True,
            raw=op,
            base_uri=self._resolver.base_uri,
        )
        self._operations[id(entry)] = operation
        return operation

    def _servers(self, raw: Any, uri: str, pointer: str) -> tuple[Server, ...]:
        """The Server objects of a ``servers`` list (empty when absent; bad entries noted)."""
        if not isinstance(raw, list):
            if raw is not None:
                self._problem("'servers' must be a list", uri, pointer)
            return ()
        servers = []
        for position, server in enumerate(raw):
            if not isinstance(server, dict) or not isinstance(server.get("url"), str):
                self._problem("a server must be a mapping with a string 'url'", uri, f"{pointer}/{position}")
                continue
            variables: dict[str, ServerVariable] = {}
            raw_variables = server.get("variables")
            if isinstance(raw_variables, dict):
                for name, variable in raw_variables.items():
                    if not isinstance(variable, dict):
                        continue
                    enum = variable.get("enum")
                    default = variable.get("default")
                    variables[name] = ServerVariable(
                        default=None if default is None else _scalar_text(default),
                        enum=tuple(_scalar_text(value) for value in enum) if isinstance(enum, list) else None,
                        description=_text(variable.get("description")),
                    )
            servers.append(
                Server(server["url"], _text(server.get("description")), variables, _text(server.get("name")))
            )
        return tuple(servers)

    def _parameter_list(self, raw: Any, uri: str, owner_pointer: str) -> list[Parameter]:
        """The parameters of a path item or operation at ``owner_pointer``."""
        if raw is None:
            return []
        if not isinstance(raw, list):
            self._problem("'parameters' must be a list", uri, owner_pointer + "/parameters")
            return []
        result = []
        for position, value in enumerate(raw):
            pointer = f"{owner_pointer}/parameters/{position}"
            parameter = self._parameter(value, uri, pointer)
            if parameter is not None:
                result.append(parameter)
        return result

    def _parameter(self, value: Any, uri: str, pointer: str) -> Parameter | None:
        """One parameter (``$ref`` followed; referenced components are built once)."""
        is_ref = isinstance(value, dict) and "$ref" in value
        if is_ref:
            value, uri, pointer = self._resolver.follow(value, uri, pointer)
            cache_key = (uri, pointer)
            if cache_key in self._parameters:  # a shared component: built once
                return self._parameters[cache_key]
        parameter = self._make_parameter(value, uri, pointer)
        if is_ref:
            self._parameters[(uri, pointer)] = parameter
        return parameter

    def _make_parameter(self, value: Any, uri: str, pointer: str) -> Parameter | None:
        """A Parameter from a Parameter Object, with OpenAPI's defaults; None (noted) if malformed."""
        if not isinstance(value, dict):
            self._problem("a parameter must be a mapping", uri, pointer)
            return None
        name, in_ = value.get("name"), value.get("in")
        if not isinstance(name, str) or not isinstance(in_, str):
            self._problem("a parameter needs a string 'name' and 'in'", uri, pointer)
            return None
        style = value.get("style")
        if not isinstance(style, str):
            style = _DEFAULT_STYLE.get(in_)
        explode = value.get("explode")
        content = value.get("content")
        return Parameter(
            name=name,
            in_=in_,
            required=True if in_ == "path" else value.get("required") is True,
            style=style,
            explode=explode if isinstance(explode, bool) else style == "form",
            allow_reserved=value.get("allowReserved") is True,
            schema=value.get("schema"),
            content=content if isinstance(content, dict) else None,
            deprecated=value.get("deprecated") is True,
            raw=value,
            base_uri=uri,
            location=self._resolver.location(uri, pointer),
        )

    def _request_body(self, raw: Any, uri: str, pointer: str) -> RequestBody | None:
        """The request body (``$ref`` followed, and each media type object's ``$ref``)."""
        if raw is None:
            return None
        value, uri, pointer = self._resolver.follow(raw, uri, pointer)
        if not isinstance(value, dict):
            self._problem("a request body must be a mapping", uri, pointer)
            return None
        content: dict[str, Any] = {}
        raw_content = value.get("content")
        if isinstance(raw_content, dict):
            for media_type, media in raw_content.items():
                # OpenAPI 3.2 lets media type objects be references.
                content[media_type] = self._resolver.follow(
                    media, uri, f"{pointer}/content/{escape_token(media_type)}"
                ).value
        return RequestBody(
            required=value.get("required") is True,
            content=content,
            description=_text(value.get("description")),
            raw=value,
            base_uri=uri,
        )

    def _responses(self, raw: Any, uri: str, pointer: str) -> dict[str, Any]:
        """Status code -> response object, each top-level ``$ref`` followed, extensions left out."""
        if not isinstance(raw, dict):
            return {}
        responses = {}
        for status, response in raw.items():
            status = str(status)
            if status.startswith("x-"):
                continue
            if isinstance(response, dict) and "$ref" in response:
                response = self._resolver.follow(response, uri, f"{pointer}/{escape_token(status)}").value
            responses[status] = response
        return responses


def _security(raw: Any) -> list[dict[str, list[str]]]:
    """Security requirements as a list of ``{scheme: [scopes]}`` (malformed entries dropped)."""
    if not isinstance(raw, list):
        return []
    requirements = []
    for requirement in raw:
        if isinstance(requirement, dict):
            requirements.append(
                {
                    str(name): [str(scope) for scope in scopes] if isinstance(scopes, list) else []
                    for name, scopes in requirement.items()
                }
            )
    return requirements


def _text(value: Any) -> str | None:
    """``value`` when it is a string, else None."""
    return value if isinstance(value, str) else None


def _scalar_text(value: Any) -> str:
    """A scalar as text (a server variable written as a number or boolean in YAML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
