"""An OpenAPI-driven stateful mock: in-process (an httpx transport) or as an HTTP server.

Built from one OpenAPI description, the mock

* routes by server base path, path template and method: an unknown path answers 404, a
  known path with another method 405, both with the description's own error body shape;
* validates each request against its operation with openapi-core (parameters, required
  fields, patterns, content type) and answers 400 with a precise message; credentials are
  checked only with ``require_auth`` (a missing one answers 401);
* serves the token URL of every OAuth2 client-credentials flow the description declares;
* answers with the documented success status (201 for a POST to a collection when
  documented, else the lowest 2xx) and a body from the response: its ``example`` /
  ``examples``, else generated from the schema (type, format, enum, pattern, bounds,
  required properties);
* keeps state as a REST client expects: POST to a collection stores a resource under a new
  id, GET/POST/PUT/PATCH/DELETE of the item read, update and remove it, an unknown id
  answers 404, GET of the collection lists (and pages) what is stored;
* keeps at most ``max_items`` resources in each collection (1,000 unless the mock is made
  with another ``max_items=N``; never fewer than it was seeded with): one more evicts the
  oldest (first created), and an evicted resource answers 404 as a deleted one does, with
  everything below it (``/Services/{evicted}/PhoneNumbers``), so a batch of thousands of
  runs on one mock keeps flat memory (see :mod:`.stores`);
* with ``items=N`` (``arazzo mock --mock-items N``, ``arazzo run --mock-items N``) starts
  every collection that can be listed with N generated resources, so list-then-get works;
* reads a discriminator as OpenAPI defines it (a ``mapping`` key or, without one, the
  schema's own name selects the branch), in what it validates and what it generates;
* routes a path key with a fixed query (``/{Bucket}?list-type=2``) by that query;
* is deterministic for a given seed.

Extensions read from the description (all optional):

``x-mock-fail-first: N`` or ``{count: N, status: 503, retryAfter: 1}`` (operation)
    The first N calls answer ``status`` (503) with a ``Retry-After`` header (1 second; null
    leaves it out): a deterministic way to exercise retries.
``x-mock-items: N`` (list or create operation of a collection)
    The collection starts with N generated resources (to page through).
``x-mock-page-size: N`` (list operation)
    Page size when the request names none and the size parameter has no default.
``x-mock-status: CODE`` (operation)
    The success status to answer with, instead of the documented one the mock would pick.
``x-mock-id: NAME`` (create, item or list operation)
    The property that holds a resource's id, when the mock's guess (the item route's path
    parameter, then ``id``/``sid``/``uuid``) is wrong.

Use::

    from arazzo_runner.mock import MockTransport
    transport = MockTransport("openapi/twilio-messaging-openapi.yml", seed=0, max_items=1_000)
    result = arazzo_runner.run("workflows/flow.yml", inputs={...}, transport=transport)

or ``arazzo mock OPENAPI_FILE --port 8080`` for a server (:class:`MockServer`).
"""

from __future__ import annotations

from .app import MockApp, MockRequest, MockResponse
from .server import MockServer
from .transport import MockRouter, MockSetup, MockTransport, mock_description

__all__ = [
    "MockApp",
    "MockRequest",
    "MockResponse",
    "MockRouter",
    "MockServer",
    "MockSetup",
    "MockTransport",
    "mock_description",
]
