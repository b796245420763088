"""The mock itself: one OpenAPI description answering requests, with state.

:class:`MockApp` turns a :class:`MockRequest` into a :class:`MockResponse`; the httpx
transport and the HTTP server are thin adapters around it.  In order, a request is:

1. answered by an OAuth2 token endpoint, when it is a POST to the ``tokenUrl`` of an OAuth2
   client-credentials (or password) flow the description declares;
2. routed (:mod:`.routes`): no matching path → 404, a path without the method → 405 with
   ``Allow``;
3. with ``require_auth``, checked for credentials of one of the operation's security
   requirements → 401 (with ``WWW-Authenticate``);
4. failed on purpose while the operation's ``x-mock-fail-first`` budget lasts;
5. validated with openapi-core (:mod:`.validate`) → 400 listing each problem;
6. answered: statefully for collections and their items (see below), else with the
   documented example or a body generated from the response schema.

State.  A path whose last segment is a single variable (``/Services/{ServiceSid}``) is the
*item* route of the *collection* above it (``/Services``).  A collection with a POST keeps
the resources created through it: POST stores a resource built from the item's response
schema (documented example first, else generated) under a new id, with the request's fields
copied into the properties of the same name (``FriendlyName`` fills ``friendly_name``); GET
of the item returns it, POST/PUT/PATCH to the item update it, DELETE removes it, and an id
the collection does not hold answers 404 (also below it: ``/Services/{unknown}/PhoneNumbers``).
GET of the collection lists the stored resources, paged (:mod:`.pagination`).  Collections
without a POST are not stateful: their items are generated on demand, from the id.

Errors use the description's own error shape: the response documented for that status (by
the operation, else by any operation), its example or schema, with its message field set to
the mock's message; without one, an RFC 9457 problem object.

Everything generated comes from a :class:`random.Random` seeded with the mock's seed and
what identifies the value (the operation and path, the collection and a counter), so a seed
gives the same answers to the same requests.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime as _dt
import json
import logging
import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, parse_qsl, quote, urljoin, urlsplit

from ..errors import ArazzoError
from ..openapi.index import OpenAPIIndex, Operation
from .generate import BASE_TIME, OMIT, Generator
from .pagination import (
    FIRST_URL,
    HAS_MORE,
    NESTED,
    NEXT_TOKEN,
    NEXT_URL,
    PAGE_NUMBER,
    PAGE_SIZE,
    PREVIOUS_URL,
    TOTAL,
    PageResult,
    Paging,
    page_of,
    paging_for,
    with_query,
)
from .routes import Base, Route, RouteMatch, RouteTable, base_from_url, structural
from .schemas import Schemas, normalize_name
from .validate import RequestValidator

__all__ = ["MockApp", "MockRequest", "MockResponse"]

logger = logging.getLogger(__name__)

_ID_NAMES = ("id", "sid", "uuid", "guid")
_CREATED = frozenset({"datecreated", "createdat", "created", "creationdate", "createdon", "createtime",
                      "creationtime", "createddate", "createdtime"})  # fmt: skip
_UPDATED = frozenset({"dateupdated", "updatedat", "updated", "lastmodified", "modifiedat", "lastupdated",
                      "modified", "updatetime", "updatedon", "lastmodifiedat", "updateddate"})  # fmt: skip
_MESSAGE = ("message", "detail", "errormessage", "errordescription", "description", "msg", "reason", "details")
_STATUS = ("status", "statuscode", "httpstatus", "httpstatuscode", "httpcode")
_ITEM_ARRAYS = ("items", "data", "results", "records", "values", "content", "entries", "elements", "list", "rows")


@dataclass
class MockRequest:
    """A request as the mock sees it: method, absolute or relative URL, headers, body."""

    method: str
    url: str
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


@dataclass
class MockResponse:
    """The mock's answer; ``operation`` names the operation that answered (for logs)."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    operation: str | None = None

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _Collection:
    key: str  # structural template of the collection path
    create: Route | None = None
    listing: Route | None = None
    item_routes: dict[str, Route] = field(default_factory=dict)  # method -> route
    item_param: str | None = None
    seed_items: int = 0
    _schema: Any = None
    _id: Any = OMIT

    @property
    def stateful(self) -> bool:
        return self.create is not None or self.seed_items > 0


@dataclass
class _Store:
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    created: int = 0
    seeded: bool = False
    gone: set[str] = field(default_factory=set)  # deleted ids of a collection that is not stateful


def _split(url: str) -> tuple[str, str, int | None, str, str]:
    """scheme, host, port, raw path, raw query of ``url`` (which may be relative)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.scheme, (parts.hostname or ""), port, parts.path or "/", parts.query


def _singular(word: str) -> str:
    lowered = word.lower()
    if lowered.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if lowered.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if lowered.endswith("s") and not lowered.endswith("ss"):
        return word[:-1]
    return word


def _media_kind(content_type: str | None) -> str:
    media = (content_type or "").split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json") or media == "text/json":
        return "json"
    if media == "application/x-www-form-urlencoded":
        return "form"
    if media.startswith("multipart/"):
        return "multipart"
    if media.endswith("/xml") or media.endswith("+xml"):
        return "xml"
    if media.startswith("text/"):
        return "text"
    return "other"


class MockApp:
    """An OpenAPI description served as a stateful mock.  Thread-safe (one lock)."""

    def __init__(
        self,
        index: OpenAPIIndex,
        *,
        seed: int = 0,
        require_auth: bool = False,
        base_urls: Sequence[str] = (),
        host_mode: str = "lenient",
    ) -> None:
        self.index = index
        self.seed = seed
        self.require_auth = require_auth
        self.host_mode = host_mode
        self._lock = threading.RLock()
        self.schemas = Schemas(lambda node, uri: tuple(index.follow(node, base_uri=uri)), index.base_uri,
                               index.version or "3.1.0")  # fmt: skip
        self.generator = Generator(self.schemas)
        self.routes = RouteTable.build(self._operations(), [base_from_url(url) for url in base_urls])
        self.extra_bases = tuple(base_from_url(url) for url in base_urls)
        self._collections = self._analyse()
        self._token_routes = self._token_endpoints()
        self._validator = RequestValidator(index.data, index.base_uri, index.version or "3.1.0", self._read_document)
        self._paging: dict[int, Paging] = {}
        self.reset()

    # ------------------------------------------------------------------ set-up

    def _operations(self) -> list[Operation]:
        try:
            return list(self.index.operations)
        except ArazzoError:
            operations = []
            for operation_id in self.index.operation_ids:
                try:
                    operation = self.index.operation(operation_id)
                except ArazzoError as error:
                    logger.warning("mock: operation %s is left out: %s", operation_id, error)
                    continue
                if operation is not None:
                    operations.append(operation)
            return operations

    def _read_document(self, uri: str) -> Any:
        return self.index.resolve({"$ref": uri.split("#", 1)[0] + "#"})

    def _analyse(self) -> dict[str, _Collection]:
        by_template: dict[str, dict[str, Route]] = {}
        for route in self.routes.routes:
            key = structural(route.template.rstrip("/") or "/")
            by_template.setdefault(key, {}).setdefault(route.method, route)
        collections: dict[str, _Collection] = {}
        for key, methods in by_template.items():
            if key.endswith("/{}"):
                parent = key[: -len("/{}")] or "/"
                collection = collections.setdefault(parent, _Collection(parent))
                collection.item_routes.update(methods)
                collection.item_param = next(iter(methods.values())).names[-1]
                get = methods.get("GET")
                if get is not None:
                    collection.item_param = get.names[-1]
        for key, methods in by_template.items():
            if key.endswith("/{}"):
                continue  # an item path: its POST/PUT/PATCH update the item (see _answer)
            if key in collections or ("POST" in methods and "GET" in methods):
                collection = collections.setdefault(key, _Collection(key))
                collection.create = methods.get("POST")
                collection.listing = methods.get("GET")
                for candidate in (collection.listing, collection.create):
                    items = candidate.operation.raw.get("x-mock-items") if candidate is not None else None
                    if isinstance(items, int) and not isinstance(items, bool) and items > 0:
                        collection.seed_items = max(collection.seed_items, items)
        return collections

    def _token_endpoints(self) -> list[tuple[Base, str, tuple[str, ...], list[str]]]:
        """(base, scheme name, grant types, scopes) of each OAuth2 token URL declared."""
        endpoints: list[tuple[Base, str, tuple[str, ...], list[str]]] = []
        root = self.index.servers[0].expand() if self.index.servers else "/"
        by_url: dict[str, tuple[str, list[str], list[str]]] = {}
        for name, scheme in self.index.security_schemes.items():
            if not isinstance(scheme, dict) or scheme.get("type") != "oauth2":
                continue
            flows = scheme.get("flows")
            if not isinstance(flows, dict):
                continue
            for flow_name, grant in (("clientCredentials", "client_credentials"), ("password", "password")):
                flow = flows.get(flow_name)
                if not isinstance(flow, dict) or not isinstance(flow.get("tokenUrl"), str):
                    continue
                url = flow["tokenUrl"]
                if "://" not in url:
                    url = urljoin(root.rstrip("/") + "/", url) if "://" in root else url
                scopes = list(flow.get("scopes") or {}) if isinstance(flow.get("scopes"), dict) else []
                entry = by_url.setdefault(url, (name, [], []))
                entry[1].append(grant)
                entry[2].extend(s for s in scopes if s not in entry[2])
        for url, (name, grants, scopes) in by_url.items():
            endpoints.append((base_from_url(url), name, tuple(grants), scopes))
        return endpoints

    def reset(self) -> None:
        """Forget every stored resource, issued token and x-mock-fail-first count."""
        with self._lock:
            self._stores: dict[str, _Store] = {}
            self._tokens: dict[str, list[str]] = {}
            self._token_count = 0
            self._failures: dict[str, int] = {}
            self._ticks = 0

    # ------------------------------------------------------------------ what the mock serves

    @property
    def token_urls(self) -> list[str]:
        return [base.url for base, *_ in self._token_routes]

    @property
    def token_bases(self) -> list[Base]:
        return [base for base, *_ in self._token_routes]

    def base_paths(self) -> list[str]:
        """The path prefixes the operations are served under (``/v1``), one per server."""
        return list(dict.fromkeys(base.path_text or "/" for base in self.routes.bases()))

    # ------------------------------------------------------------------ handling

    def handle(self, request: MockRequest) -> MockResponse:
        """The response to ``request``; never raises (an internal error answers 500)."""
        with self._lock:
            try:
                return self._handle(request)
            except Exception as error:  # the mock must not take its client down with it
                logger.exception("mock: internal error on %s %s", request.method, request.url)
                return self._problem(500, f"the mock failed on this request: {type(error).__name__}: {error}")

    def _rng(self, *parts: object) -> random.Random:
        return random.Random("|".join([str(self.seed), *(str(p) for p in parts)]))

    def _now(self) -> str:
        self._ticks += 1
        moment = BASE_TIME + _dt.timedelta(days=366, seconds=self._ticks)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _handle(self, request: MockRequest) -> MockResponse:
        method = request.method.upper()
        scheme, host, port, path, query = _split(request.url)
        token = self._token_endpoint(method, host, port, path)
        if token is not None:
            return self._issue_token(request, *token)
        lookup = self.routes.match(method, host, port, path, self.host_mode)
        if lookup.match is None and method == "HEAD" and "GET" in lookup.allowed:
            response = self._handle(MockRequest("GET", request.url, request.headers, request.body))
            response.body = b""
            return response
        if lookup.match is None:
            shown = lookup.rest if lookup.matched_base else path
            if lookup.allowed:
                if method == "OPTIONS":
                    return MockResponse(204, [("Allow", ", ".join(lookup.allowed))])
                error = self._error(405, f"Method {method} is not allowed on {shown} (allowed: "
                                    f"{', '.join(lookup.allowed)})", None)  # fmt: skip
                error.headers.append(("Allow", ", ".join(lookup.allowed)))
                return error
            return self._error(404, f"The requested resource {shown} was not found", None)
        match = lookup.match
        operation = match.route.operation
        if self.require_auth:
            problem = self._auth_problem(match, request, query)
            if problem is not None:
                return problem
        failure = self._planned_failure(match)
        if failure is not None:
            return failure
        content_type = request.header("content-type") or ""
        body = request.body or None
        required_fields = self._body_required_fields(operation, content_type)
        problems = self._validator.errors(match, method, query, request.headers, body, content_type, required_fields)
        if problems:
            return self._error(400, "; ".join(problems), match)
        fields, body_value = self._request_fields(operation, content_type, request.body)
        query_values = parse_qs(query, keep_blank_values=True)
        return self._answer(match, method, request, path, query_values, fields, body_value)

    # ------------------------------------------------------------------ responses

    def _success_status(self, operation: Operation, create: bool) -> str:
        forced = operation.raw.get("x-mock-status")
        if isinstance(forced, str) and forced.isdigit():
            forced = int(forced)
        if isinstance(forced, int) and not isinstance(forced, bool) and 100 <= forced < 600:
            return str(forced)
        codes = sorted(
            code for code in operation.responses if len(code) == 3 and code.startswith("2") and code.isdigit()
        )
        if create and "201" in codes:
            return "201"
        if codes:
            return codes[0]
        if "2XX" in operation.responses or "2xx" in operation.responses:
            return "2XX"
        return "default" if "default" in operation.responses else ""

    def _response_object(self, operation: Operation, status: str) -> dict[str, Any]:
        response = operation.responses.get(status)
        if isinstance(response, dict) and "$ref" in response:
            response = self.index.resolve(response)
        return response if isinstance(response, dict) else {}

    def _media(self, response: Mapping[str, Any], accept: str | None) -> tuple[str | None, dict[str, Any]]:
        """The media type to answer with (Accept, then JSON first) and its media type object."""
        content = response.get("content")
        if not isinstance(content, dict) or not content:
            return None, {}
        types = list(content)
        chosen = None
        if accept:
            wanted = [part.split(";")[0].strip().lower() for part in accept.split(",")]
            for want in wanted:
                if want in ("*/*", ""):
                    continue
                for media in types:
                    lowered = media.lower()
                    if lowered == want or (want.endswith("/*") and lowered.startswith(want[:-1])):
                        chosen = media
                        break
                if chosen:
                    break
        if chosen is None:
            chosen = next((m for m in types if _media_kind(m) == "json"), types[0])
        media_object = content.get(chosen)
        if isinstance(media_object, dict) and "$ref" in media_object:
            media_object = self.index.resolve(media_object)
        return chosen, media_object if isinstance(media_object, dict) else {}

    def _media_example(self, media: Mapping[str, Any]) -> Any:
        """A copy of the media type's ``example`` or first ``examples`` value, else OMIT."""
        if "example" in media:
            return copy.deepcopy(media["example"])
        examples = media.get("examples")
        if isinstance(examples, dict):
            for example in examples.values():
                if isinstance(example, dict) and "$ref" in example:
                    example = self.index.resolve(example)
                if isinstance(example, dict) and "value" in example:
                    return copy.deepcopy(example["value"])
        return OMIT

    def _schema_of(self, media: Mapping[str, Any]) -> Any:
        schema = media.get("schema")
        return self.schemas.inline(schema) if schema is not None else None

    def _render(self, status: int, media_type: str | None, value: Any, headers: list[tuple[str, str]],
                label: str | None) -> MockResponse:  # fmt: skip
        if value is OMIT or media_type is None or status in (204, 304):
            return MockResponse(status, headers, b"", label)
        kind = _media_kind(media_type)
        if kind == "json" or (kind == "other" and not isinstance(value, (str, bytes))):
            body = json.dumps(value, ensure_ascii=False).encode("utf-8")
        elif kind == "xml":
            body = _xml(value).encode("utf-8")
        elif isinstance(value, bytes):
            body = value
        else:
            body = (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)).encode("utf-8")
        return MockResponse(status, [("Content-Type", media_type), *headers], body, label)

    def _documented_headers(self, response: Mapping[str, Any], rng: random.Random) -> list[tuple[str, str]]:
        headers = []
        raw = response.get("headers")
        for name, header in raw.items() if isinstance(raw, dict) else []:
            if isinstance(header, dict) and "$ref" in header:
                header = self.index.resolve(header)
            if not isinstance(header, dict) or name.lower() in ("content-type", "content-length"):
                continue
            schema = self.schemas.inline(header.get("schema", {}))
            example = header.get("example", OMIT)
            if example is OMIT and isinstance(schema, dict):
                example = self.generator.documented(schema)
            if example is OMIT and header.get("required") is True:
                example = self.generator.generate(schema, rng, name=name)
            if example is not OMIT and example is not None:
                headers.append((name, example if isinstance(example, str) else json.dumps(example)))
        return headers

    # ------------------------------------------------------------------ errors

    def _problem(self, status: int, message: str) -> MockResponse:
        reason = _reason(status)
        body = {"type": "about:blank", "title": reason, "status": status, "detail": message}
        return MockResponse(status, [("Content-Type", "application/problem+json")], json.dumps(body).encode(), None)

    def _error_response(self, status: int, match: RouteMatch | None) -> tuple[dict[str, Any], bool]:
        """The response documented for ``status`` (by the operation, else by any operation),
        and True; else the API's error shape (another 4xx/5xx or a ``default`` response) and
        False; else ``({}, False)``."""
        wanted = (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx")
        operations = [match.route.operation] if match is not None else []
        operations += [route.operation for route in self.routes.routes]
        for operation in operations:
            for key in wanted:
                response = self._response_object(operation, key)
                if isinstance(response.get("content"), dict) and response["content"]:
                    return response, True
        for operation in operations:
            for key in sorted(operation.responses):
                if key[:1] in ("4", "5") or key == "default":
                    response = self._response_object(operation, key)
                    if isinstance(response.get("content"), dict) and response["content"]:
                        return response, False
        return {}, False

    def _error(self, status: int, message: str, match: RouteMatch | None) -> MockResponse:
        response, exact = self._error_response(status, match)
        label = match.route.label if match is not None else None
        if not response:
            problem = self._problem(status, message)
            problem.operation = label
            return problem
        media_type, media = self._media(response, "application/json")
        schema = self._schema_of(media)
        example = self._media_example(media) if exact else OMIT
        if example is OMIT and isinstance(schema, dict) and exact:
            example = self.generator.documented(schema)
        documented = example is not OMIT
        if example is OMIT:
            example = self.generator.generate(schema, self._rng("error", status), use_examples=False)
        body = _error_body(example, schema, status, message, borrowed=not exact)
        if isinstance(body, dict) and not documented and {"type", "title"} <= set(body):
            body["type"] = "about:blank"  # a generated RFC 9457 problem: no made-up type URI or instance
            if "instance" in body and "instance" not in (schema or {}).get("required", []):
                del body["instance"]
        headers = self._documented_headers(response, self._rng("error-headers", status)) if exact else []
        return self._render(status, media_type, body, headers, label)

    # ------------------------------------------------------------------ auth

    def _credential_present(self, name: str, request: MockRequest, query: str) -> bool:
        scheme = self.index.security_schemes.get(name)
        if not isinstance(scheme, dict):
            return True
        kind = scheme.get("type")
        authorization = (request.header("authorization") or "").strip()
        word, _, value = authorization.partition(" ")
        if kind == "http":
            expected = str(scheme.get("scheme", "")).lower()
            if word.lower() != expected or not value.strip():
                return False
            if expected == "basic":
                try:
                    user, sep, _ = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
                except (binascii.Error, UnicodeDecodeError):
                    return False
                return bool(sep and user)
            return True
        if kind == "apiKey":
            key_name, where = str(scheme.get("name", "")), scheme.get("in")
            if where == "header":
                return bool(request.header(key_name))
            if where == "query":
                return bool(parse_qs(query).get(key_name))
            if where == "cookie":
                cookie = request.header("cookie") or ""
                return any(part.strip().startswith(key_name + "=") for part in cookie.split(";"))
            return True
        if kind in ("oauth2", "openIdConnect"):
            if word.lower() != "bearer" or not value.strip():
                return False
            served = any(scheme_name == name for _, scheme_name, _, _ in self._token_routes)
            return not served or value.strip() in self._tokens
        return True

    def _auth_problem(self, match: RouteMatch, request: MockRequest, query: str) -> MockResponse | None:
        operation = match.route.operation
        requirements = operation.security
        if not requirements or any(not requirement for requirement in requirements):
            return None
        for requirement in requirements:
            if all(self._credential_present(name, request, query) for name in requirement):
                return None
        names = [" + ".join(requirement) for requirement in requirements]
        message = f"Authentication required: send credentials for {' or '.join(names)}"
        first = self.index.security_schemes.get(next(iter(requirements[0])))
        error = self._error(401, message, match)
        if not any(name.lower() == "www-authenticate" for name, _ in error.headers):
            title = self.index.title or "mock"
            kind = (
                first.get("scheme", "bearer") if isinstance(first, dict) and first.get("type") == "http" else "Bearer"
            )
            if isinstance(first, dict) and first.get("type") == "apiKey":
                kind = "ApiKey"
            error.headers.append(("WWW-Authenticate", f'{str(kind).capitalize()} realm="{title}"'))
        return error

    def _token_endpoint(self, method: str, host: str, port: int | None, path: str) -> Any:
        if method != "POST":
            return None
        for mode in ("strict", "path") if self.host_mode == "lenient" else (self.host_mode,):
            for base, name, grants, scopes in self._token_routes:
                end = base.match(host, port, path, mode)
                if end is not None and path[end:].strip("/") == "":
                    return name, grants, scopes
        return None

    def _issue_token(self, request: MockRequest, name: str, grants: tuple[str, ...], scopes: list[str]) -> MockResponse:
        fields: dict[str, str] = {}
        kind = _media_kind(request.header("content-type"))
        if kind == "json":
            try:
                loaded = json.loads(request.body or b"{}")
                fields = {k: str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
            except ValueError:
                fields = {}
        else:
            fields = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        headers = [("Cache-Control", "no-store")]

        def oauth_error(status: int, code: str, description: str) -> MockResponse:
            extra = [("WWW-Authenticate", 'Basic realm="token"')] if status == 401 else []
            body = json.dumps({"error": code, "error_description": description}).encode()
            return MockResponse(status, [("Content-Type", "application/json"), *headers, *extra], body, "oauth2 token")

        grant = fields.get("grant_type")
        if not grant:
            return oauth_error(400, "invalid_request", "grant_type is required")
        if grant not in grants:
            return oauth_error(400, "unsupported_grant_type", f"grant_type must be {' or '.join(grants)}")
        client = fields.get("client_id")
        authorization = request.header("authorization") or ""
        if authorization.lower().startswith("basic "):
            try:
                user, sep, _ = base64.b64decode(authorization[6:].strip()).decode("utf-8").partition(":")
                client = user if sep and user else client
            except (binascii.Error, UnicodeDecodeError):
                pass
        if not client:
            return oauth_error(401, "invalid_client", "client authentication failed: send client_id and client_secret")
        self._token_count += 1
        rng = self._rng("token", self._token_count)
        token = f"mock-{rng.getrandbits(128):032x}"
        granted = fields.get("scope", "").split() or scopes
        self._tokens[token] = granted
        body: dict[str, Any] = {"access_token": token, "token_type": "Bearer", "expires_in": 3600}
        if granted:
            body["scope"] = " ".join(granted)
        return MockResponse(200, [("Content-Type", "application/json"), *headers], json.dumps(body).encode(),
                            "oauth2 token")  # fmt: skip

    # ------------------------------------------------------------------ planned failures

    def _planned_failure(self, match: RouteMatch) -> MockResponse | None:
        raw = match.route.operation.raw.get("x-mock-fail-first")
        if raw is None or raw is False:
            return None
        spec: dict[str, Any] = {"count": raw} if isinstance(raw, int) else dict(raw) if isinstance(raw, dict) else {}
        count = spec.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count <= 0:
            return None
        key = match.route.label
        seen = self._failures.get(key, 0)
        if seen >= count:
            return None
        self._failures[key] = seen + 1
        status = spec.get("status", 503)
        status = status if isinstance(status, int) and 400 <= status < 600 else 503
        message = f"{_reason(status)}: failing on purpose (x-mock-fail-first: call {seen + 1} of {count})"
        response = self._error(status, message, match)
        retry_after = spec.get("retryAfter", 1)
        if retry_after is not None:
            response.headers = [h for h in response.headers if h[0].lower() != "retry-after"]
            response.headers.append(("Retry-After", str(retry_after)))
        return response

    # ------------------------------------------------------------------ request fields

    def _body_required_fields(self, operation: Operation, content_type: str) -> list[str]:
        body = operation.request_body
        if body is None:
            return []
        media = next(iter(body.content.values()), None)
        for name, value in body.content.items():
            if name.split(";")[0].strip().lower() == content_type.split(";")[0].strip().lower():
                media = value
        schema = self.schemas.inline(media.get("schema"), body.base_uri or None) if isinstance(media, dict) else None
        required = schema.get("required") if isinstance(schema, dict) else None
        return [r for r in required if isinstance(r, str)] if isinstance(required, list) else []

    def _request_fields(self, operation: Operation, content_type: str, body: bytes) -> tuple[dict[str, Any], Any]:
        """The request body as named fields (JSON object or form), and the decoded body."""
        if not body:
            return {}, OMIT
        kind = _media_kind(content_type)
        if kind == "json":
            try:
                value = json.loads(body)
            except ValueError:
                return {}, OMIT
            return (dict(value) if isinstance(value, dict) else {}), value
        if kind == "form":
            fields: dict[str, Any] = {}
            for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
                if key in fields:
                    previous = fields[key]
                    fields[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
                else:
                    fields[key] = value
            return fields, fields
        if kind == "text":
            return {}, body.decode("utf-8", "replace")
        return {}, OMIT

    def _coerce(self, value: Any, schema: Any) -> Any:
        """A request value (form values are text) shaped for a response property's schema."""
        if not isinstance(schema, dict):
            return value
        kind = schema.get("type")
        kinds = kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []
        if isinstance(value, list) and "array" not in kinds and len(value) == 1:
            value = value[0]
        if not isinstance(value, str):
            if "string" in kinds and isinstance(value, (int, float)) and not isinstance(value, bool):
                return str(value)
            if "array" in kinds and not isinstance(value, list):
                return [value]
            return value
        if "array" in kinds:
            return [value]
        if "integer" in kinds:
            try:
                return int(value)
            except ValueError:
                return value
        if "number" in kinds:
            try:
                number = float(value)
                return int(number) if number.is_integer() and "." not in value else number
            except ValueError:
                return value
        if "boolean" in kinds and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if "null" in kinds and value == "" and "string" not in kinds:
            return None
        if not kinds and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return value

    def _copy_fields(self, target: dict[str, Any], schema: Any, fields: Mapping[str, Any],
                     skip: frozenset[str] = frozenset()) -> None:  # fmt: skip
        """Copy ``fields`` into ``target``'s properties of the same (loosely compared) name,
        each only when it is valid for that property's schema."""
        properties = _properties(schema)
        names = {normalize_name(name): name for name in target}
        names.update({normalize_name(name): name for name in properties})
        for field_name, value in fields.items():
            prop = names.get(normalize_name(field_name))
            if prop is None or prop in skip:
                continue
            sub = properties.get(prop, {})
            coerced = self._coerce(value, sub)
            if self.schemas.conforms(coerced, sub):
                target[prop] = coerced

    # ------------------------------------------------------------------ answering

    def _answer(
        self,
        match: RouteMatch,
        method: str,
        request: MockRequest,
        path: str,
        query: dict[str, list[str]],
        fields: dict[str, Any],
        body_value: Any,
    ) -> MockResponse:
        route = match.route
        key = structural(route.template.rstrip("/") or "/")
        segments = _segments(match.rest)
        collection = self._collections.get(key)
        missing = self._missing_parent(key, segments, match)
        if missing is not None:
            return missing
        if key.endswith("/{}"):
            parent = self._collections.get(key[: -len("/{}")] or "/")
            if parent is not None:
                return self._item(parent, match, method, request, query, fields)
        if collection is not None and collection.stateful:
            if method == "POST":
                return self._create(collection, match, request, query, fields)
            if method == "GET":
                return self._list(collection, match, request, query)
            if method in ("PUT", "PATCH") and body_value is not OMIT:
                return self._update_from_body(collection, match, request, query, fields)
        return self._generic(match, method, request, query, fields)

    def _collection_path(self, segments: list[str], length: int) -> str:
        return "/" + "/".join(segments[:length])

    def _store(self, collection: _Collection, path: str) -> _Store:
        store = self._stores.get(path)
        if store is None:
            store = self._stores[path] = _Store()
        if not store.seeded:
            store.seeded = True
            for _ in range(collection.seed_items):
                self._new_resource(collection, store, path, {}, None)
        return store

    def _missing_parent(self, key: str, segments: list[str], match: RouteMatch) -> MockResponse | None:
        """404 when an item above the requested path is not in its stateful collection."""
        parts = key.strip("/").split("/") if key != "/" else []
        for length in range(1, len(parts)):
            if parts[length] != "{}" or length + 1 >= len(parts):
                continue
            parent_key = "/" + "/".join(parts[:length])
            collection = self._collections.get(parent_key)
            if collection is None or not collection.stateful or not collection.item_routes:
                continue
            store = self._store(collection, self._collection_path(segments, length))
            if segments[length] not in store.items:
                shown = self._collection_path(segments, length + 1)
                return self._error(404, f"The requested resource {shown} was not found", match)
        return None

    # -- schemas of a collection's resources

    def _success_schema(self, route: Route | None, create: bool = False) -> Any:
        if route is None:
            return None
        status = self._success_status(route.operation, create)
        response = self._response_object(route.operation, status)
        _, media = self._media(response, "application/json")
        schema = self._schema_of(media)
        return schema if isinstance(schema, dict) else None

    def _resource_schema(self, collection: _Collection) -> Any:
        if collection._schema is None:
            schema: Any = None
            get = collection.item_routes.get("GET")
            for candidate in (self._success_schema(get), self._success_schema(collection.create, True)):
                if isinstance(candidate, dict) and _properties(candidate):
                    schema = candidate
                    break
            if schema is None and collection.listing is not None:
                listed = self._success_schema(collection.listing)
                located = _items_location(listed, collection.key) if listed is not None else None
                schema = located[1] if located is not None else None
            collection._schema = schema if isinstance(schema, dict) else {"type": "object"}
        return collection._schema

    def _id_property(self, collection: _Collection) -> str | None:
        if collection._id is OMIT:
            properties = _properties(self._resource_schema(collection))
            normalized = {normalize_name(name): name for name in properties}
            found = None
            for route in (collection.create, collection.item_routes.get("GET"), collection.listing):
                explicit = route.operation.raw.get("x-mock-id") if route is not None else None
                if isinstance(explicit, str) and explicit in properties:
                    found = explicit
                    break
            if found is None and collection.item_param:
                found = normalized.get(normalize_name(collection.item_param))
            if found is None:
                found = next((normalized[n] for n in _ID_NAMES if n in normalized), None)
            if found is None:
                last = collection.key.rstrip("/").rsplit("/", 1)[-1]
                singular = normalize_name(_singular(last))
                found = next((normalized[singular + n] for n in _ID_NAMES if singular + n in normalized), None)
            collection._id = found
        return collection._id  # type: ignore[no-any-return]

    # -- create, read, update, delete

    def _new_resource(self, collection: _Collection, store: _Store, path: str, fields: Mapping[str, Any],
                      match: RouteMatch | None) -> tuple[str, dict[str, Any]]:  # fmt: skip
        schema = self._resource_schema(collection)
        store.created += 1
        rng = self._rng("create", path, store.created)
        value = self.generator.generate(schema, rng)
        resource = value if isinstance(value, dict) else {}
        id_prop = self._id_property(collection)
        old_id = resource.get(id_prop) if id_prop else None
        skip = frozenset({id_prop}) if id_prop else frozenset()
        before = dict(resource)
        self._copy_fields(resource, schema, fields, skip)
        new_id: Any = OMIT
        if id_prop is not None:
            sub = _properties(schema).get(id_prop, {})
            last = collection.key.rstrip("/").rsplit("/", 1)[-1]
            wanted = {normalize_name(id_prop), normalize_name(_singular(last)) + normalize_name(id_prop)}
            for name, given in fields.items():
                if normalize_name(name) in wanted:
                    coerced = self._coerce(given, sub)
                    if self.schemas.conforms(coerced, sub):
                        new_id = coerced
                        break
            if new_id is OMIT:
                new_id = self._fresh_id(sub, store, rng)
            resource[id_prop] = new_id
            key = str(new_id) if not isinstance(new_id, bool) else json.dumps(new_id)
        else:
            key = f"{rng.getrandbits(64):016x}"
        if isinstance(old_id, str) and len(old_id) >= 4 and old_id != key:
            resource = _replace_text(resource, old_id, key)
        for name, old in before.items():
            # an example's identifiers also sit in its URLs: keep them consistent with the copies
            new = resource.get(name)
            if name != id_prop and isinstance(old, str) and isinstance(new, str) and old != new and len(old) >= 8 \
                    and not any(char.isspace() for char in old):  # fmt: skip
                resource = _replace_text(resource, old, new)
        self._stamp(resource, schema, created=True)
        store.items[key] = resource
        store.gone.discard(key)
        return key, resource

    def _fresh_id(self, schema: Any, store: _Store, rng: random.Random) -> Any:
        kind = schema.get("type") if isinstance(schema, dict) else None
        kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
        if kind == "integer" and isinstance(schema, dict) and "enum" not in schema and "pattern" not in schema:
            minimum = schema.get("minimum")
            low = minimum if isinstance(minimum, int) and not isinstance(minimum, bool) else 1
            candidate = max(low, 1) + len(store.items)
            while str(candidate) in store.items:
                candidate += 1
            if self.schemas.conforms(candidate, schema):
                return candidate
        for _ in range(50):
            value = self.generator.generate(schema or {"type": "string"}, rng, name="id", use_examples=False)
            if value is not OMIT and str(value) not in store.items:
                return value
        return f"{rng.getrandbits(64):016x}"

    def _stamp(self, resource: dict[str, Any], schema: Any, created: bool) -> None:
        now = self._now()
        for name, sub in _properties(schema).items():
            normalized = normalize_name(name)
            if (created and normalized in _CREATED) or normalized in _UPDATED:
                value = now if not (isinstance(sub, dict) and sub.get("format") == "date") else now[:10]
                if self.schemas.conforms(value, sub):
                    resource[name] = value

    def _project(self, resource: dict[str, Any], schema: Any, rng: random.Random) -> Any:
        """``resource`` as ``schema`` shows it: its properties only, missing required ones
        generated (and kept in the resource, so they stay the same)."""
        properties = _properties(schema)
        if not properties:
            return dict(resource)
        result = {name: value for name, value in resource.items() if name in properties}
        required = schema.get("required") if isinstance(schema, dict) else None
        for name in required if isinstance(required, list) else []:
            if name not in result and name in properties:
                value = self.generator.generate(properties[name], rng, name=name)
                if value is not OMIT:
                    result[name] = resource[name] = value
        return result

    def _respond_with_resource(self, match: RouteMatch, request: MockRequest, resource: dict[str, Any] | None,
                               create: bool = False, location: str | None = None) -> MockResponse:  # fmt: skip
        operation = match.route.operation
        status_key = self._success_status(operation, create)
        status = _status_number(status_key)
        response = self._response_object(operation, status_key)
        media_type, media = self._media(response, request.header("accept"))
        schema = self._schema_of(media)
        rng = self._rng(operation.method, match.rest)
        headers = self._documented_headers(response, rng)
        if location is not None and status == 201 and not any(h[0].lower() == "location" for h in headers):
            headers.append(("Location", location))
        if media_type is None:
            return MockResponse(status, headers, b"", match.route.label)
        if resource is not None and (not _properties(schema) or _fits_resource(schema, resource)):
            value = self._project(resource, schema, rng)
        else:
            value = self._generated(media, schema, rng)
        return self._render(status, media_type, value, headers, match.route.label)

    def _create(self, collection: _Collection, match: RouteMatch, request: MockRequest,
                query: dict[str, list[str]], fields: dict[str, Any]) -> MockResponse:  # fmt: skip
        segments = _segments(match.rest)
        path = self._collection_path(segments, len(segments))
        store = self._store(collection, path)
        path_fields = {name: value for name, value in match.params.items()}
        query_fields = {name: values[0] for name, values in query.items() if values}
        key, resource = self._new_resource(collection, store, path, {**query_fields, **path_fields, **fields}, match)
        location = None
        if collection.item_routes:
            location = _origin(request.url) + match.base_path + path.rstrip("/") + "/" + quote(key, safe="")
        return self._respond_with_resource(match, request, resource, create=True, location=location)

    def _item(self, collection: _Collection, match: RouteMatch, method: str, request: MockRequest,
              query: dict[str, list[str]], fields: dict[str, Any]) -> MockResponse:  # fmt: skip
        segments = _segments(match.rest)
        path = self._collection_path(segments, len(segments) - 1)
        item_id = segments[-1] if segments else ""
        store = self._store(collection, path)
        resource = store.items.get(item_id)
        if resource is None and collection.stateful:
            return self._error(404, f"The requested resource {match.rest} was not found", match)
        if resource is None:
            if item_id in store.gone:
                return self._error(404, f"The requested resource {match.rest} was not found", match)
            resource = self._materialise(collection, store, path, item_id)
        schema = self._resource_schema(collection)
        if method == "DELETE":
            del store.items[item_id]
            if not collection.stateful:
                store.gone.add(item_id)
            return self._respond_with_resource(match, request, resource)
        if method in ("POST", "PUT", "PATCH"):
            id_prop = self._id_property(collection)
            query_fields = {name: values[0] for name, values in query.items() if values}
            self._copy_fields(
                resource, schema, {**query_fields, **fields}, frozenset({id_prop}) if id_prop else frozenset()
            )
            self._stamp(resource, schema, created=False)
        return self._respond_with_resource(match, request, resource)

    def _materialise(self, collection: _Collection, store: _Store, path: str, item_id: str) -> dict[str, Any]:
        """An item of a collection that is not stateful, generated from its id."""
        schema = self._resource_schema(collection)
        value = self.generator.generate(schema, self._rng("item", path, item_id))
        resource = value if isinstance(value, dict) else {}
        id_prop = self._id_property(collection)
        if id_prop is not None:
            sub = _properties(schema).get(id_prop, {})
            coerced = self._coerce(item_id, sub)
            if self.schemas.conforms(coerced, sub):
                old = resource.get(id_prop)
                resource[id_prop] = coerced
                if isinstance(old, str) and len(old) >= 4:
                    resource = _replace_text(resource, old, item_id)
        store.items[item_id] = resource
        return resource

    def _update_from_body(self, collection: _Collection, match: RouteMatch, request: MockRequest,
                          query: dict[str, list[str]], fields: dict[str, Any]) -> MockResponse:  # fmt: skip
        """PUT/PATCH on the collection path with the id in the body (``PUT /pet {"id": 1}``)."""
        id_prop = self._id_property(collection)
        given = fields.get(id_prop) if id_prop else None
        segments = _segments(match.rest)
        path = self._collection_path(segments, len(segments))
        store = self._store(collection, path)
        if given is None:
            return self._generic(match, match.route.method, request, query, fields)
        resource = store.items.get(str(given))
        if resource is None:
            return self._error(404, f"The requested resource {path.rstrip('/')}/{given} was not found", match)
        schema = self._resource_schema(collection)
        self._copy_fields(resource, schema, fields, frozenset({id_prop}) if id_prop else frozenset())
        self._stamp(resource, schema, created=False)
        return self._respond_with_resource(match, request, resource)

    def _list(self, collection: _Collection, match: RouteMatch, request: MockRequest,
              query: dict[str, list[str]]) -> MockResponse:  # fmt: skip
        operation = match.route.operation
        segments = _segments(match.rest)
        path = self._collection_path(segments, len(segments))
        store = self._store(collection, path)
        paging = self._paging.get(id(match.route))
        if paging is None:
            paging = self._paging[id(match.route)] = paging_for(
                operation, lambda schema, uri: self.index.resolve(schema, base_uri=uri or None)
            )
        keys = list(store.items)
        page = page_of(keys, paging, query)
        if isinstance(page, str):
            return self._error(400, page, match)
        status_key = self._success_status(operation, False)
        status = _status_number(status_key)
        response = self._response_object(operation, status_key)
        media_type, media = self._media(response, request.header("accept"))
        schema = self._schema_of(media)
        rng = self._rng("list", match.rest)
        headers = self._documented_headers(response, rng)
        url = _origin(request.url) + urlsplit(request.url).path
        located = _items_location(schema, collection.key) if isinstance(schema, dict) else None
        if located is None:
            return self._render(status, media_type, self._generated(media, schema, rng), headers, match.route.label)
        prop, item_schema = located
        items = [self._project(store.items[key], item_schema, rng) for key in keys[page.start : page.end]]
        next_url = with_query(url, page.next_query)
        if prop is None:
            if next_url is not None:
                headers.append(("Link", f'<{next_url}>; rel="next"'))
            return self._render(status, media_type, items, headers, match.route.label)
        envelope = self._generated(media, schema, rng)
        if not isinstance(envelope, dict):
            envelope = {}
        envelope[prop] = items
        _fill_paging(envelope, schema, page, url, request.url, prop, self.schemas.conforms)
        return self._render(status, media_type, envelope, headers, match.route.label)

    def _generated(self, media: Mapping[str, Any], schema: Any, rng: random.Random) -> Any:
        example = self._media_example(media)
        if example is not OMIT and (schema is None or self.schemas.conforms(example, schema)):
            return example
        if schema is None:
            return OMIT if example is OMIT else example
        value = self.generator.generate(schema, rng)
        return None if value is OMIT else value

    def _generic(self, match: RouteMatch, method: str, request: MockRequest, query: dict[str, list[str]],
                 fields: dict[str, Any]) -> MockResponse:  # fmt: skip
        operation = match.route.operation
        status_key = self._success_status(operation, False)
        status = _status_number(status_key)
        response = self._response_object(operation, status_key)
        media_type, media = self._media(response, request.header("accept"))
        schema = self._schema_of(media)
        raw_query = urlsplit(request.url).query
        rng = self._rng(method, match.rest, raw_query)
        headers = self._documented_headers(response, rng)
        value = self._generated(media, schema, rng)
        given = {name: values[0] for name, values in query.items() if values}
        if method not in ("GET", "DELETE", "HEAD"):
            given.update(fields)
        given.update(match.params)
        if given and value is not OMIT:
            if isinstance(value, dict):
                value = dict(value)
                self._copy_fields(value, schema, given)
            elif isinstance(value, list) and isinstance(schema, dict):
                item_schema = schema.get("items")
                value = [dict(item) if isinstance(item, dict) else item for item in value]
                for item in value:
                    if isinstance(item, dict):
                        self._copy_fields(item, item_schema, given)
        return self._render(status, media_type, value, headers, match.route.label)


# ---------------------------------------------------------------------- helpers


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _status_number(key: str) -> int:
    if key.isdigit():
        return int(key)
    if key[:1].isdigit():
        return int(key[0]) * 100
    return 200


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _segments(path: str) -> list[str]:
    from urllib.parse import unquote

    return [unquote(part) for part in path.strip("/").split("/") if part] if path.strip("/") else []


def _properties(schema: Any) -> dict[str, Any]:
    """The properties of an object schema, ``allOf`` parts included."""
    if not isinstance(schema, dict):
        return {}
    result: dict[str, Any] = {}
    for part in schema.get("allOf") or []:
        result.update(_properties(part))
    properties = schema.get("properties")
    if isinstance(properties, dict):
        result.update(properties)
    return result


def _fits_resource(schema: Any, resource: Mapping[str, Any]) -> bool:
    """Whether a response schema shows the resource (shares at least half of its properties)."""
    properties = _properties(schema)
    if not properties:
        return True
    shared = sum(1 for name in properties if name in resource)
    return shared * 2 >= len(properties) or shared >= 3


def _items_location(schema: Any, collection_key: str) -> tuple[str | None, Any] | None:
    """Where a list response holds its items: (None, items schema) for an array body, or
    (property name, items schema) for an envelope; None when it cannot be told."""
    if not isinstance(schema, dict):
        return None
    kind = schema.get("type")
    if kind == "array" or (isinstance(kind, list) and "array" in kind) or "items" in schema and not _properties(schema):
        return None, schema.get("items", {})
    properties = _properties(schema)
    arrays = {name: sub for name, sub in properties.items() if isinstance(sub, dict) and (
        sub.get("type") == "array" or (isinstance(sub.get("type"), list) and "array" in sub["type"]) or "items" in sub)}  # fmt: skip
    if not arrays:
        return None
    last = collection_key.rstrip("/").rsplit("/", 1)[-1]
    wanted = [normalize_name(last), *_ITEM_ARRAYS]
    by_name = {normalize_name(name): name for name in arrays}
    for name in wanted:
        if name in by_name:
            return by_name[name], arrays[by_name[name]].get("items", {})
    if len(arrays) == 1:
        name = next(iter(arrays))
        return name, arrays[name].get("items", {})
    return None


def _fill_paging(envelope: dict[str, Any], schema: Any, page: PageResult, url: str, current: str, items_prop: str,
                 conforms: Any) -> None:  # fmt: skip
    """Set the paging fields ``schema`` declares, at the top level and one object below."""
    values = {
        "next_token": page.next_token,
        "next_url": with_query(url, page.next_query),
        "previous_url": with_query(url, page.previous_query),
        "first_url": with_query(url, page.first_query),
        "has_more": page.next_query is not None,
        "total": page.total,
        "page": page.number,
        "page_size": page.size if page.size is not None else page.end - page.start,
        "current_url": current,
    }

    def fill(target: dict[str, Any], target_schema: Any, nested: bool) -> None:
        properties = _properties(target_schema)
        for name, sub in properties.items():
            if name == items_prop:
                continue
            key = normalize_name(name)
            value: Any = OMIT
            if key in NESTED and isinstance(target.get(name), dict):
                fill(target[name], sub, True)
                continue
            if key in NEXT_TOKEN:
                value = values["next_token"]
            elif key in NEXT_URL:
                value = values["next_url"] if page.size is not None else None
            elif key in PREVIOUS_URL:
                value = values["previous_url"]
            elif key in FIRST_URL:
                value = values["first_url"]
            elif key in HAS_MORE:
                value = values["has_more"]
            elif key in TOTAL:
                value = values["total"]
            elif key in PAGE_NUMBER:
                value = values["page"]
            elif key in PAGE_SIZE:
                value = values["page_size"]
            elif nested and key == "key":
                value = items_prop
            elif nested and key in ("url", "self", "currentpageurl"):
                value = values["current_url"]
            if value is OMIT:
                continue
            if value is None and name in target and not conforms(None, sub):
                required = target_schema.get("required", []) if isinstance(target_schema, dict) else []
                if name not in required:
                    del target[name]
                continue
            if conforms(value, sub):
                target[name] = value

    fill(envelope, schema, False)


def _replace_text(value: Any, old: str, new: str) -> Any:
    """``value`` with ``old`` replaced by ``new`` in every string (an example's id in its URLs)."""
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_replace_text(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: _replace_text(item, old, new) for key, item in value.items()}
    return value


def _error_body(example: Any, schema: Any, status: int, message: str, borrowed: bool = False) -> Any:
    """The documented error example (or generated value) carrying ``message`` and ``status``;
    ``borrowed``: the shape is another status's, so an integer ``code`` is set to ``status``."""
    if isinstance(example, str) or (example is None and not _properties(schema)):
        return message
    if not isinstance(example, dict):
        return example
    body = dict(example)
    properties = _properties(schema)
    names = list(dict.fromkeys([*body, *properties]))
    normalized = {normalize_name(name): name for name in names}
    placed = False
    for candidate in _MESSAGE:
        name = normalized.get(candidate)
        if name is not None and (isinstance(body.get(name), str) or _is_string_schema(properties.get(name))):
            body[name] = message
            placed = True
            break
    for candidate in _STATUS:
        name = normalized.get(candidate)
        if name is not None:
            current = body.get(name)
            if isinstance(current, int) or _is_integer_schema(properties.get(name)):
                body[name] = status
            elif isinstance(current, str):
                body[name] = str(status)
    code = normalized.get("code")
    if borrowed and code is not None and isinstance(body.get(code), int) and not isinstance(body.get(code), bool):
        body[code] = status
    title = normalized.get("title")
    if title is not None and isinstance(body.get(title), str):
        body[title] = _reason(status)
    error = normalized.get("error")
    if error is not None:
        if isinstance(body.get(error), dict):
            body[error] = _error_body(body[error], properties.get(error), status, message, borrowed)
            placed = True
        elif isinstance(body.get(error), str):
            body[error] = message if not placed else _reason(status)
            placed = True
    errors = normalized.get("errors")
    if not placed and errors is not None and isinstance(body.get(errors), list) and body[errors]:
        item_schema = properties.get(errors, {}).get("items") if isinstance(properties.get(errors), dict) else None
        body[errors] = [_error_body(body[errors][0], item_schema, status, message, borrowed)]
    return body


def _is_string_schema(schema: Any) -> bool:
    kind = schema.get("type") if isinstance(schema, dict) else None
    return kind == "string" or (isinstance(kind, list) and "string" in kind)


def _is_integer_schema(schema: Any) -> bool:
    kind = schema.get("type") if isinstance(schema, dict) else None
    return kind in ("integer", "number") or (isinstance(kind, list) and ("integer" in kind or "number" in kind))


def _xml(value: Any, name: str = "root") -> str:
    from xml.sax.saxutils import escape

    def element(tag: str, item: Any) -> str:
        tag = "".join(c if c.isalnum() or c in "_-." else "_" for c in tag) or "item"
        if isinstance(item, dict):
            return f"<{tag}>" + "".join(element(k, v) for k, v in item.items()) + f"</{tag}>"
        if isinstance(item, list):
            return "".join(element(tag, v) for v in item)
        if item is None:
            return f"<{tag}/>"
        text = json.dumps(item) if isinstance(item, bool) else str(item)
        return f"<{tag}>{escape(text)}</{tag}>"

    return '<?xml version="1.0" encoding="UTF-8"?>' + element(name, value)
