"""Request validation with openapi-core: parameters, body, content type → precise messages.

The mock routes requests itself (it serves at addresses the description does not name), so
openapi-core is handed a request that already points at the operation: its own server as
``host_url`` and the matched path template as ``path_pattern``, with the path parameters the
router decoded.  Security is not checked here (the mock checks credentials itself, and only
with ``require_auth``).  openapi-core is imported when the first request is validated.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .discriminator import for_validation
from .routes import RouteMatch

__all__ = ["RequestValidator"]

logger = logging.getLogger(__name__)


class _Request:
    """The openapi-core Request protocol (with ``path_pattern``) over the mock's request."""

    def __init__(
        self,
        host_url: str,
        path_pattern: str,
        method: str,
        query: str,
        headers: Sequence[tuple[str, str]],
        path_params: Mapping[str, str],
        body: bytes | None,
        content_type: str,
    ) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.host_url = host_url
        self.path = path_pattern
        self.path_pattern = path_pattern
        self.method = method.lower()
        cookies: dict[str, str] = {}
        for name, value in headers:
            if name.lower() == "cookie":
                for part in value.split(";"):
                    key, sep, text = part.strip().partition("=")
                    if sep:
                        cookies[key] = text
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(query, keep_blank_values=True)),
            header=Headers(list(headers)),
            cookie=ImmutableMultiDict(cookies),
            path=dict(path_params),
        )
        self.body = body
        self.content_type = content_type


def _schema_messages(error: Any) -> list[str]:
    errors = list(getattr(error, "schema_errors", None) or ())
    # where a pattern is broken, "too short / too long" adds nothing
    patterned = {tuple(getattr(e, "absolute_path", ())) for e in errors if getattr(e, "validator", None) == "pattern"}
    messages = []
    for schema_error in errors:
        location = tuple(getattr(schema_error, "absolute_path", ()))
        if location in patterned and getattr(schema_error, "validator", None) in ("minLength", "maxLength"):
            continue
        where = "/".join(str(part) for part in location)
        message: str = _discriminator_message(schema_error) or str(getattr(schema_error, "message", schema_error))
        if getattr(schema_error, "validator", None) == "required":
            message = message.replace(" is a required property", " is required")
        messages.append(f"{'/' + where + ': ' if where else ''}{message}")
    return messages


_UNRESOLVED = re.compile(r"reference '#/components/schemas/(?P<name>[^']*)' could not be resolved$")


def _discriminator_message(error: Any) -> str | None:
    """What openapi-schema-validator says of a discriminating value that selects no schema
    (it tried ``#/components/schemas/<value>``), in the user's terms."""
    found = _UNRESOLVED.search(str(getattr(error, "message", "")))
    if found is None:
        return None
    schema: Any = getattr(error, "schema", None)
    try:
        prop = schema["discriminator"]["propertyName"]
        mapping = schema["discriminator"].get("mapping") or {}
        keys = [str(key) for key in mapping]
    except (KeyError, TypeError, AttributeError):
        prop, keys = None, []
    what = f"{prop!r} value" if isinstance(prop, str) else "discriminating value"
    known = f" (mapping keys: {', '.join(keys)})" if keys else ""
    return f"{what} {found.group('name')!r} selects no schema: no mapping entry and no schema of that name{known}"


def _describe(error: Exception, body_required_fields: Sequence[str]) -> str:
    """One precise message for an openapi-core validation error."""
    from openapi_core.casting.schemas.exceptions import CastError
    from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
    from openapi_core.validation.request import exceptions as request_errors

    cause = error.__cause__
    if isinstance(error, request_errors.MissingRequiredParameter):
        return f"missing required {error.location} parameter {error.name!r}"
    if isinstance(error, request_errors.ParameterValidationError):
        what = f"{error.location} parameter {error.name!r}"
        if isinstance(cause, CastError):
            return f"{what}: {cause.value!r} is not a valid {cause.type}"
        messages = _schema_messages(cause)
        detail = "; ".join(messages) if messages else str(cause or error)
        return f"{what}: {detail}"
    if isinstance(error, request_errors.MissingRequiredRequestBody):
        if body_required_fields:
            return f"the request body is required (with {', '.join(repr(f) for f in body_required_fields)})"
        return "the request body is required"
    if isinstance(error, request_errors.RequestBodyValidationError):
        if isinstance(cause, MediaTypeNotFound):
            expected = ", ".join(cause.availableMimetypes)
            return f"unsupported content type {cause.mimetype!r}: this operation accepts {expected}"
        if isinstance(cause, CastError):
            return f"request body: {cause.value!r} is not a valid {cause.type}"
        messages = _schema_messages(cause)
        if messages:
            return "request body: " + "; ".join(messages)
        return f"request body: {cause or error}"
    return str(error) or type(error).__name__


class RequestValidator:
    """Validates requests for the operations of one description (built on first use)."""

    def __init__(self, data: Any, base_uri: str, version: str, resolve: Any) -> None:
        self._data = data
        self._base_uri = base_uri
        self._version = version
        self._resolve = resolve  # uri -> document (local files through the index, no network)
        self._validators: tuple[Any, Any] | None = None
        self.broken: str | None = None

    def _build(self) -> tuple[Any, Any]:
        if self._validators is None:
            from jsonschema_path import SchemaPath
            from openapi_core.validation.request import validators as v

            handlers = {scheme: self._resolve for scheme in ("file", "http", "https")}
            data = for_validation(self._data)  # what openapi-core misreads of discriminators
            spec = SchemaPath.from_dict(data, base_uri=self._base_uri, handlers=handlers)
            pair: tuple[Any, Any]
            if self._version.startswith("3.0"):
                pair = (v.V30RequestParametersValidator, v.V30RequestBodyValidator)
            elif self._version.startswith("3.2") and hasattr(v, "V32RequestParametersValidator"):
                pair = (v.V32RequestParametersValidator, v.V32RequestBodyValidator)
            else:
                pair = (v.V31RequestParametersValidator, v.V31RequestBodyValidator)
            self._validators = (pair[0](spec), pair[1](spec))
        return self._validators

    def errors(
        self,
        match: RouteMatch,
        method: str,
        query: str,
        headers: Sequence[tuple[str, str]],
        body: bytes | None,
        content_type: str,
        body_required_fields: Sequence[str] = (),
    ) -> list[str]:
        """The problems of a request routed to ``match`` (empty when it is valid)."""
        operation = match.route.operation
        server = operation.servers[0] if operation.servers else None
        server_url = server.expand() if server is not None else "/"
        parts = urlsplit(server_url)
        host_url = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "http://mock.invalid"
        pattern = parts.path.rstrip("/") + match.route.template
        request = _Request(host_url, pattern, method, query, headers, match.params, body, content_type)
        try:
            parameters, body_validator = self._build()
            messages: list[str] = []
            with warnings.catch_warnings():
                # openapi-core warns when a deprecated parameter is sent: not the client's error
                warnings.simplefilter("ignore", DeprecationWarning)
                errors = [*parameters.iter_errors(request), *body_validator.iter_errors(request)]
            for error in errors:
                if type(error).__name__ in ("PathNotFound", "OperationNotFound", "ServerNotFound"):
                    logger.debug("mock: openapi-core did not find %s %s: %s", method, pattern, error)
                    continue
                message = _describe(error, body_required_fields)
                if message not in messages:
                    messages.append(message)
            return messages
        except Exception as error:  # a description openapi-core cannot read: serve without validating
            if self.broken is None:
                self.broken = f"{type(error).__name__}: {error}"
                logger.warning("mock: requests are not validated for %s: %s", match.route.label, self.broken)
            return []
