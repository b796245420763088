"""The mock itself: one OpenAPI description answering requests, with state.

:class:`MockApp` turns a :class:`MockRequest` into a :class:`MockResponse`; the httpx
transport and the HTTP server are thin adapters around it.  In order, a request is:

1. answered by an OAuth2 token endpoint (:mod:`.auth`), when it is a POST to the ``tokenUrl``
   of an OAuth2 client-credentials (or password) flow the description declares;
2. routed (:mod:`.routes`): no matching path → 404, a path without the method → 405 with
   ``Allow``;
3. with ``require_auth``, checked for credentials of one of the operation's security
   requirements → 401 (with ``WWW-Authenticate``);
4. failed on purpose while the operation's ``x-mock-fail-first`` budget lasts
   (:mod:`.error_responses`);
5. validated with openapi-core (:mod:`.validate`) → 400 listing each problem;
6. answered: statefully for collections and their items (see below, :mod:`.resources`),
   else with the documented example or a body generated from the response schema
   (:mod:`.responses`).

State.  A path whose last segment is a single variable (``/Services/{ServiceSid}``) is the
*item* route of the *collection* above it (``/Services``).  A collection with a POST keeps
the resources created through it: POST stores a resource built from the item's response
schema (documented example first, else generated) under a new id, with the request's fields
copied into the properties of the same name (``FriendlyName`` fills ``friendly_name``); GET
of the item returns it, POST/PUT/PATCH to the item update it, DELETE removes it, and an id
the collection does not hold answers 404 (also below it: ``/Services/{unknown}/PhoneNumbers``).
GET of the collection lists the stored resources, paged (:mod:`.pagination`).  Collections
without a POST are not stateful: their items are generated on demand, from the id.  Each
collection keeps at most ``max_items`` resources, the oldest evicted first (:mod:`.stores`).

Errors use the description's own error shape (:mod:`.error_responses`): the response
documented for that status (by the operation, else by any operation), its example or schema,
with its message field set to the mock's message; without one, an RFC 9457 problem object.

Everything generated comes from a :class:`random.Random` seeded with the mock's seed and
what identifies the value (the operation and path, the collection and a counter), so a seed
gives the same answers to the same requests.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from ..errors import ArazzoError, UsageError
from ..openapi.index import OpenAPIIndex, Operation
from .auth import Auth
from .discriminator import chosen
from .error_responses import Errors, problem
from .fields import body_required_fields, copy_fields, request_fields
from .generate import OMIT, Generator
from .messages import MockRequest, MockResponse, first_values, origin, segments, split_url
from .pagination import Paging, fill_paging, items_location, page_of, paging_for, with_query
from .resources import Collection, Resources, collection_path, find_collections, fits_resource
from .responses import Responses, render
from .routes import Base, RouteMatch, RouteTable, base_from_url, structural
from .schemas import Schemas, properties
from .stores import MAX_ITEMS
from .validate import RequestValidator

__all__ = ["MockApp", "MockRequest", "MockResponse"]

logger = logging.getLogger(__name__)


class MockApp:
    """An OpenAPI description served as a stateful mock.  Thread-safe (one lock).

    ``items``: every collection that has a list operation starts with that many generated
    resources (deterministic for ``seed``), so a workflow can list, then read the first.
    ``max_items``: the most resources a collection keeps (1,000); creating one more evicts the
    oldest, which then answers 404 as a deleted one does (see :mod:`.stores`)."""

    def __init__(
        self,
        index: OpenAPIIndex,
        *,
        seed: int = 0,
        require_auth: bool = False,
        base_urls: Sequence[str] = (),
        host_mode: str = "lenient",
        items: int = 0,
        max_items: int = MAX_ITEMS,
    ) -> None:
        if isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 1:
            raise UsageError(f"mock max_items: a whole number of 1 or more, not {max_items!r}")
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
        self._responses = Responses(index, self.schemas, self.generator, seed)
        self._errors = Errors(self._responses, self.routes)
        self.items = items
        self.max_items = max_items
        self._resources = Resources(find_collections(self.routes.routes, items), self._responses, max_items)
        self._auth = Auth(index, self._errors, self._responses.rng, host_mode)
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

    def reset(self) -> None:
        """Forget every stored resource, issued token and x-mock-fail-first count."""
        with self._lock:
            self._resources.reset()
            self._auth.reset()
            self._errors.reset()

    # ------------------------------------------------------------------ what the mock serves

    @property
    def token_urls(self) -> list[str]:
        return [base.url for base, *_ in self._auth.routes]

    @property
    def token_bases(self) -> list[Base]:
        return [base for base, *_ in self._auth.routes]

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
                return problem(500, f"the mock failed on this request: {type(error).__name__}: {error}")

    def _handle(self, request: MockRequest) -> MockResponse:
        method = request.method.upper()
        scheme, host, port, path, query = split_url(request.url)
        token = self._auth.token_endpoint(method, host, port, path)
        if token is not None:
            return self._auth.issue_token(request, *token)
        lookup = self.routes.match(method, host, port, path, self.host_mode, query)
        if lookup.match is None and method == "HEAD" and "GET" in lookup.allowed:
            response = self._handle(MockRequest("GET", request.url, request.headers, request.body))
            response.body = b""
            return response
        if lookup.match is None:
            shown = lookup.rest if lookup.matched_base else path
            if lookup.allowed:
                if method == "OPTIONS":
                    return MockResponse(204, [("Allow", ", ".join(lookup.allowed))])
                error = self._errors.error(405, f"Method {method} is not allowed on {shown} (allowed: "
                                           f"{', '.join(lookup.allowed)})", None)  # fmt: skip
                error.headers.append(("Allow", ", ".join(lookup.allowed)))
                return error
            return self._errors.error(404, f"The requested resource {shown} was not found", None)
        match = lookup.match
        operation = match.route.operation
        if self.require_auth:
            unauthorised = self._auth.problem(match, request, query)
            if unauthorised is not None:
                return unauthorised
        failure = self._errors.planned_failure(match)
        if failure is not None:
            return failure
        content_type = request.header("content-type") or ""
        body = request.body or None
        required_fields = body_required_fields(self.schemas, operation, content_type)
        problems = self._validator.errors(match, method, query, request.headers, body, content_type, required_fields)
        if problems:
            return self._errors.error(400, "; ".join(problems), match)
        fields, body_value = request_fields(content_type, request.body)
        query_values = parse_qs(query, keep_blank_values=True)
        return self._answer(match, method, request, query_values, fields, body_value)

    # ------------------------------------------------------------------ answering

    def _answer(self, match: RouteMatch, method: str, request: MockRequest, query: dict[str, list[str]],
                fields: dict[str, Any], body_value: Any) -> MockResponse:  # fmt: skip
        key = structural(match.route.path_template.rstrip("/") or "/")
        collections = self._resources.collections
        collection = collections.get(key)
        missing = self._resources.missing_parent(key, segments(match.rest))
        if missing is not None:
            return self._errors.error(404, f"The requested resource {missing} was not found", match)
        if match.route.query:  # an operation of its own on that path (/{Bucket}?list-type=2)
            return self._generic(match, method, request, query, fields)
        if key.endswith("/{}"):
            parent = collections.get(key[: -len("/{}")] or "/")
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

    def _respond_with_resource(self, match: RouteMatch, request: MockRequest, resource: dict[str, Any] | None,
                               create: bool = False, location: str | None = None) -> MockResponse:  # fmt: skip
        operation = match.route.operation
        success = self._responses.success(operation, create, request.header("accept"))
        rng = self._responses.rng(operation.method, match.rest)
        headers = self._responses.documented_headers(success.response, rng)
        if location is not None and success.status == 201 and not any(h[0].lower() == "location" for h in headers):
            headers.append(("Location", location))
        if success.media_type is None:
            return MockResponse(success.status, headers, b"", match.route.label)
        schema = success.schema
        if resource is not None and (not properties(schema) or fits_resource(schema, resource)):
            value = self._resources.project(resource, schema, rng)
        else:
            value = self._responses.generated(success.media, schema, rng)
        return render(success.status, success.media_type, value, headers, match.route.label)

    def _create(self, collection: Collection, match: RouteMatch, request: MockRequest,
                query: dict[str, list[str]], fields: dict[str, Any]) -> MockResponse:  # fmt: skip
        parts = segments(match.rest)
        path = collection_path(parts, len(parts))
        store = self._resources.store(collection, path)
        given = {**first_values(query), **match.params, **fields}
        key, resource = self._resources.new_resource(collection, store, path, given)
        location = None
        if collection.item_routes:
            location = origin(request.url) + match.base_path + path.rstrip("/") + "/" + quote(key, safe="")
        return self._respond_with_resource(match, request, resource, create=True, location=location)

    def _item(self, collection: Collection, match: RouteMatch, method: str, request: MockRequest,
              query: dict[str, list[str]], fields: dict[str, Any]) -> MockResponse:  # fmt: skip
        parts = segments(match.rest)
        path = collection_path(parts, len(parts) - 1)
        item_id = parts[-1] if parts else ""
        store = self._resources.store(collection, path)
        resource = store.items.get(item_id)
        if resource is None and (collection.stateful or item_id in store.gone):
            return self._errors.error(404, f"The requested resource {match.rest} was not found", match)
        if resource is None:
            resource = self._resources.materialise(collection, store, path, item_id)
        if method == "DELETE":
            self._resources.stores.remove(store, path, item_id, remember=not collection.stateful)
        elif method in ("POST", "PUT", "PATCH"):
            self._resources.update(collection, resource, {**first_values(query), **fields})
        return self._respond_with_resource(match, request, resource)

    def _update_from_body(self, collection: Collection, match: RouteMatch, request: MockRequest,
                          query: dict[str, list[str]], fields: dict[str, Any]) -> MockResponse:  # fmt: skip
        """PUT/PATCH on the collection path with the id in the body (``PUT /pet {"id": 1}``)."""
        id_prop = self._resources.id_property(collection)
        given = fields.get(id_prop) if id_prop else None
        parts = segments(match.rest)
        path = collection_path(parts, len(parts))
        store = self._resources.store(collection, path)
        if given is None:
            return self._generic(match, match.route.method, request, query, fields)
        resource = store.items.get(str(given))
        if resource is None:
            return self._errors.error(404, f"The requested resource {path.rstrip('/')}/{given} was not found", match)
        self._resources.update(collection, resource, fields)
        return self._respond_with_resource(match, request, resource)

    def _list(self, collection: Collection, match: RouteMatch, request: MockRequest,
              query: dict[str, list[str]]) -> MockResponse:  # fmt: skip
        operation = match.route.operation
        parts = segments(match.rest)
        store = self._resources.store(collection, collection_path(parts, len(parts)))
        paging = self._paging.get(id(match.route))
        if paging is None:
            paging = self._paging[id(match.route)] = paging_for(
                operation, lambda schema, uri: self.index.resolve(schema, base_uri=uri or None)
            )
        keys = list(store.items)
        page = page_of(keys, paging, query)
        if isinstance(page, str):
            return self._errors.error(400, page, match)
        success = self._responses.success(operation, False, request.header("accept"))
        media_type, schema = success.media_type, success.schema
        rng = self._responses.rng("list", match.rest)
        headers = self._responses.documented_headers(success.response, rng)
        url = origin(request.url) + urlsplit(request.url).path
        located = items_location(schema, collection.key) if isinstance(schema, dict) else None
        if located is None:
            value = self._responses.generated(success.media, schema, rng)
            return render(success.status, media_type, value, headers, match.route.label)
        prop, item_schema = located
        items = [self._resources.project(store.items[key], item_schema, rng) for key in keys[page.start : page.end]]
        next_url = with_query(url, page.next_query)
        if prop is None:
            if next_url is not None:
                headers.append(("Link", f'<{next_url}>; rel="next"'))
            return render(success.status, media_type, items, headers, match.route.label)
        envelope = self._responses.generated(success.media, schema, rng)
        if not isinstance(envelope, dict):
            envelope = {}
        envelope[prop] = items
        fill_paging(envelope, schema, page, url, request.url, prop, self.schemas.conforms)
        return render(success.status, media_type, envelope, headers, match.route.label)

    def _generic(self, match: RouteMatch, method: str, request: MockRequest, query: dict[str, list[str]],
                 fields: dict[str, Any]) -> MockResponse:  # fmt: skip
        success = self._responses.success(match.route.operation, False, request.header("accept"))
        given = first_values(query)
        if method not in ("GET", "DELETE", "HEAD"):
            given.update(fields)
        given.update(match.params)
        schema = chosen(success.schema, given)  # a Dog sent, a Dog answered
        rng = self._responses.rng(method, match.rest, urlsplit(request.url).query)
        headers = self._responses.documented_headers(success.response, rng)
        value = self._responses.generated(success.media, schema, rng)
        if given and value is not OMIT:
            if isinstance(value, dict):
                value = dict(value)
                copy_fields(self.schemas, value, schema, given)
            elif isinstance(value, list) and isinstance(schema, dict):
                item_schema = schema.get("items")
                value = [dict(item) if isinstance(item, dict) else item for item in value]
                for item in value:
                    if isinstance(item, dict):
                        copy_fields(self.schemas, item, item_schema, given)
        return render(success.status, success.media_type, value, headers, match.route.label)
