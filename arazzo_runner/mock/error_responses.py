"""Error responses in the description's own error shape (else RFC 9457), and planned failures."""

from __future__ import annotations

import json
from typing import Any

from .generate import OMIT
from .messages import MockResponse, reason
from .responses import Responses, render
from .routes import RouteMatch, RouteTable
from .schemas import has_type, normalize_name, properties

__all__ = ["Errors", "error_body", "problem"]

_MESSAGE = ("message", "detail", "errormessage", "errordescription", "description", "msg", "reason", "details")
_STATUS = ("status", "statuscode", "httpstatus", "httpstatuscode", "httpcode")


def problem(status: int, message: str) -> MockResponse:
    """An RFC 9457 problem object for ``status`` with ``message`` as its detail."""
    body = {"type": "about:blank", "title": reason(status), "status": status, "detail": message}
    return MockResponse(status, [("Content-Type", "application/problem+json")], json.dumps(body).encode(), None)


class Errors:
    """Answers errors as the description documents them, and fails on purpose (``x-mock-fail-first``)."""

    def __init__(self, responses: Responses, routes: RouteTable) -> None:
        self.responses = responses
        self.routes = routes
        self.failures: dict[str, int] = {}

    def reset(self) -> None:
        """Forget the x-mock-fail-first counts."""
        self.failures = {}

    def _error_response(self, status: int, match: RouteMatch | None) -> tuple[dict[str, Any], bool]:
        """The response documented for ``status`` (by the operation, else by any operation),
        and True; else the API's error shape (another 4xx/5xx or a ``default`` response) and
        False; else ``({}, False)``."""
        wanted = (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx")
        operations = [match.route.operation] if match is not None else []
        operations += [route.operation for route in self.routes.routes]
        for operation in operations:
            for key in wanted:
                response = self.responses.response_object(operation, key)
                if isinstance(response.get("content"), dict) and response["content"]:
                    return response, True
        for operation in operations:
            for key in sorted(operation.responses):
                if key[:1] in ("4", "5") or key == "default":
                    response = self.responses.response_object(operation, key)
                    if isinstance(response.get("content"), dict) and response["content"]:
                        return response, False
        return {}, False

    def error(self, status: int, message: str, match: RouteMatch | None) -> MockResponse:
        """The error response for ``status`` carrying ``message``."""
        responses = self.responses
        response, exact = self._error_response(status, match)
        label = match.route.label if match is not None else None
        if not response:
            answer = problem(status, message)
            answer.operation = label
            return answer
        media_type, media = responses.media(response, "application/json")
        schema = responses.schema_of(media)
        example = responses.media_example(media) if exact else OMIT
        if example is OMIT and isinstance(schema, dict) and exact:
            example = responses.generator.documented(schema)
        documented = example is not OMIT
        if example is OMIT:
            example = responses.generator.generate(schema, responses.rng("error", status), use_examples=False)
        body = error_body(example, schema, status, message, borrowed=not exact)
        if isinstance(body, dict) and not documented and {"type", "title"} <= set(body):
            body["type"] = "about:blank"  # a generated RFC 9457 problem: no made-up type URI or instance
            if "instance" in body and "instance" not in (schema or {}).get("required", []):
                del body["instance"]
        headers = responses.documented_headers(response, responses.rng("error-headers", status)) if exact else []
        return render(status, media_type, body, headers, label)

    def planned_failure(self, match: RouteMatch) -> MockResponse | None:
        """The failure ``x-mock-fail-first`` plans for this call of the operation, if any."""
        raw = match.route.operation.raw.get("x-mock-fail-first")
        if raw is None or raw is False:
            return None
        spec: dict[str, Any] = {"count": raw} if isinstance(raw, int) else dict(raw) if isinstance(raw, dict) else {}
        count = spec.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count <= 0:
            return None
        key = match.route.label
        seen = self.failures.get(key, 0)
        if seen >= count:
            return None
        self.failures[key] = seen + 1
        status = spec.get("status", 503)
        status = status if isinstance(status, int) and 400 <= status < 600 else 503
        message = f"{reason(status)}: failing on purpose (x-mock-fail-first: call {seen + 1} of {count})"
        response = self.error(status, message, match)
        retry_after = spec.get("retryAfter", 1)
        if retry_after is not None:
            response.headers = [h for h in response.headers if h[0].lower() != "retry-after"]
            response.headers.append(("Retry-After", str(retry_after)))
        return response


def error_body(example: Any, schema: Any, status: int, message: str, borrowed: bool = False) -> Any:
    """The documented error example (or generated value) carrying ``message`` and ``status``;
    ``borrowed``: the shape is another status's, so an integer ``code`` is set to ``status``."""
    if isinstance(example, str) or (example is None and not properties(schema)):
        return message
    if not isinstance(example, dict):
        return example
    body = dict(example)
    declared = properties(schema)
    names = list(dict.fromkeys([*body, *declared]))
    normalized = {normalize_name(name): name for name in names}
    placed = False
    for candidate in _MESSAGE:
        name = normalized.get(candidate)
        if name is not None and (isinstance(body.get(name), str) or has_type(declared.get(name), "string")):
            body[name] = message
            placed = True
            break
    for candidate in _STATUS:
        name = normalized.get(candidate)
        if name is not None:
            current = body.get(name)
            if isinstance(current, int) or has_type(declared.get(name), "integer", "number"):
                body[name] = status
            elif isinstance(current, str):
                body[name] = str(status)
    code = normalized.get("code")
    if borrowed and code is not None and isinstance(body.get(code), int) and not isinstance(body.get(code), bool):
        body[code] = status
    title = normalized.get("title")
    if title is not None and isinstance(body.get(title), str):
        body[title] = reason(status)
    error = normalized.get("error")
    if error is not None:
        if isinstance(body.get(error), dict):
            body[error] = error_body(body[error], declared.get(error), status, message, borrowed)
            placed = True
        elif isinstance(body.get(error), str):
            body[error] = message if not placed else reason(status)
            placed = True
    errors = normalized.get("errors")
    if not placed and errors is not None and isinstance(body.get(errors), list) and body[errors]:
        item_schema = declared.get(errors, {}).get("items") if isinstance(declared.get(errors), dict) else None
        body[errors] = [error_body(body[errors][0], item_schema, status, message, borrowed)]
    return body
