"""The mock as httpx transports: in-process, no sockets.

* :class:`MockTransport`: one OpenAPI description, answering at its own server URLs (and at
  any ``base_urls`` given, such as a ``--server`` override); sync and async.
* :class:`MockRouter`: several mocks (one per source description) in one transport, each
  request going to the mock that serves its host and base path; what no mock serves goes to
  ``fallback`` (a real transport, for sources that are not mocked) or fails as a connection
  error.
* :func:`mock_description`: the router for every OpenAPI source of a loaded Arazzo
  description (``only`` some of them), with the server overrides a run needs for sources
  whose servers are relative.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..errors import ArazzoError, UsageError
from ..openapi.index import OpenAPIIndex
from .app import MockApp, MockRequest, MockResponse
from .stores import MAX_ITEMS

__all__ = ["MockTransport", "MockRouter", "MockSetup", "mock_description"]


def _to_mock_request(request: httpx.Request, body: bytes) -> MockRequest:
    return MockRequest(
        request.method,
        str(request.url),
        [(name, value) for name, value in request.headers.multi_items()],
        body,
    )


def _to_httpx(response: MockResponse, request: httpx.Request) -> httpx.Response:
    return httpx.Response(response.status, headers=response.headers, content=response.body, request=request)


class MockTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """An OpenAPI description served in-process, statefully (see :mod:`arazzo_runner.mock`).

    ``index_or_path`` is an :class:`~arazzo_runner.OpenAPIIndex` or the path of an OpenAPI
    file.  ``seed`` makes generated values reproducible; with ``require_auth`` a request
    without the credentials its operation's security requires answers 401.  ``base_urls``
    are extra URLs to serve every operation at, besides the description's own servers.
    ``items``: every collection that can be listed starts with that many generated resources;
    ``max_items``: each collection keeps at most that many (1,000), the oldest evicted first
    (an evicted resource answers 404 as a deleted one does).
    """

    def __init__(
        self,
        index_or_path: OpenAPIIndex | str | os.PathLike[str],
        *,
        seed: int = 0,
        require_auth: bool = False,
        base_urls: Sequence[str] = (),
        name: str | None = None,
        items: int = 0,
        max_items: int = MAX_ITEMS,
    ) -> None:
        if isinstance(index_or_path, OpenAPIIndex):
            index = index_or_path
        else:
            from ..openapi.index import load_openapi

            index = load_openapi(index_or_path)
        self.name = name or index.title or index.name
        if isinstance(items, bool) or not isinstance(items, int) or items < 0:
            raise UsageError(f"mock items: a whole number of 0 or more, not {items!r}")
        self.app = MockApp(
            index, seed=seed, require_auth=require_auth, base_urls=base_urls, items=items, max_items=max_items
        )

    @property
    def index(self) -> OpenAPIIndex:
        return self.app.index

    @property
    def base_urls(self) -> list[str]:
        """The absolute base URLs served (servers as written, overrides first, token URLs)."""
        urls = [base.url for base in self.app.routes.bases() if base.host is not None]
        return list(dict.fromkeys([*urls, *self.app.token_urls]))

    @property
    def relative(self) -> bool:
        """Whether some operation has only a relative server (served on any host)."""
        return any(all(base.host is None for base in route.bases) for route in self.app.routes.routes)

    def serves(self, url: httpx.URL | str, *, any_host: bool = False) -> int | None:
        """How well this mock serves ``url``: the length of the matching base path (None: not
        served).  Relative servers serve any host; so do all with ``any_host``."""
        url = httpx.URL(str(url))
        path = url.raw_path.decode("ascii").split("?", 1)[0]
        host, port = url.host, url.port
        best: int | None = None
        mode = "path" if any_host else "strict"
        for base in [*self.app.routes.bases(), *self.app.token_bases]:
            end = base.match(host, port, path, mode)
            if end is not None:
                # a base naming this very host beats a relative or {variable} one
                score = end + (10_000 if base.exact_host and not any_host else 0)
                best = score if best is None else max(best, score)
        return best

    def reset(self) -> None:
        """Forget all state (stored resources, issued tokens, planned-failure counts)."""
        self.app.reset()

    def handle(self, request: MockRequest) -> MockResponse:
        """Answer a request given in the mock's own terms."""
        return self.app.handle(request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        return _to_httpx(self.app.handle(_to_mock_request(request, body)), request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        return _to_httpx(self.app.handle(_to_mock_request(request, body)), request)

    def __repr__(self) -> str:
        return f"<MockTransport {self.name!r} {', '.join(self.base_urls) or 'relative servers'}>"


class MockRouter(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Several mocks in one transport: each request goes to the mock serving its URL best
    (absolute servers by host and base path, then relative ones by path); otherwise to
    ``fallback`` (sync or async transport), or it fails with ``httpx.ConnectError``."""

    def __init__(self, mocks: Iterable[MockTransport] | Mapping[str, MockTransport], fallback: Any = None) -> None:
        self.mocks: list[MockTransport] = list(mocks.values() if isinstance(mocks, Mapping) else mocks)
        self.fallback = fallback

    def route(self, url: httpx.URL | str) -> MockTransport | None:
        """The mock that serves ``url``, or None."""
        best: tuple[int, MockTransport] | None = None
        for mock in self.mocks:
            score = mock.serves(url)
            if score is not None and (best is None or score > best[0]):
                best = (score, mock)
        return best[1] if best is not None else None

    def _unserved(self, request: httpx.Request) -> httpx.ConnectError:
        return httpx.ConnectError(f"no mock serves {request.url} and no real transport was given", request=request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        mock = self.route(request.url)
        if mock is not None:
            return mock.handle_request(request)
        if self.fallback is not None and hasattr(self.fallback, "handle_request"):
            return self.fallback.handle_request(request)  # type: ignore[no-any-return]
        raise self._unserved(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        mock = self.route(request.url)
        if mock is not None:
            return await mock.handle_async_request(request)
        if self.fallback is not None and hasattr(self.fallback, "handle_async_request"):
            return await self.fallback.handle_async_request(request)  # type: ignore[no-any-return]
        raise self._unserved(request)

    def close(self) -> None:
        if self.fallback is not None and hasattr(self.fallback, "close"):
            self.fallback.close()

    async def aclose(self) -> None:
        if self.fallback is not None and hasattr(self.fallback, "aclose"):
            await self.fallback.aclose()


@dataclass
class MockSetup:
    """What :func:`mock_description` made: the transport to run with, the server overrides
    to pass to the run (``servers=``), and the mock of each source."""

    transport: MockRouter
    servers: dict[str, str] = field(default_factory=dict)
    mocks: dict[str, MockTransport] = field(default_factory=dict)


_NOT_HOST = re.compile(r"[^a-z0-9-]+")


def _openapi_sources(description: Any) -> list[tuple[str, Any]]:
    """(name, OpenAPIIndex) of every OpenAPI source of ``description`` and its nested Arazzo
    sources; sources that cannot be loaded are left out (the run reports them)."""
    from ..loading.sources import sources_of

    found: list[tuple[str, Any]] = []
    for owner, name, _ in sources_of(description, ("openapi",)):
        try:
            found.append((name, owner.openapi(name)))
        except ArazzoError:
            continue
    return found


def _relative_base(index: Any) -> str | None:
    """The base path of the first operation served only at a relative server (``/api/v3``,
    ``""`` for the default ``/``), or None when every operation has an absolute server."""
    from ..openapi.index import DEFAULT_SERVER

    try:
        operations = index.operations
    except ArazzoError:
        return None
    for operation in operations:
        servers = operation.servers or (DEFAULT_SERVER,)
        if all("://" not in server.url for server in servers):
            return servers[0].expand().rstrip("/")
    return None


def _asyncapi_names(description: Any) -> set[str]:
    """The names of the AsyncAPI sources (mocked by :mod:`.broker`, not here)."""
    from ..loading.sources import sources_of

    return {name for _, name, _ in sources_of(description, ("asyncapi",), nested=False)}


def mock_description(
    description: Any,
    *,
    only: Sequence[str] | None = None,
    seed: int = 0,
    require_auth: bool = False,
    servers: Mapping[str, str] | None = None,
    fallback: Any = None,
    items: int = 0,
    max_items: int = MAX_ITEMS,
) -> MockSetup:
    """Mocks for the OpenAPI sources of a loaded Arazzo ``description`` (all, or ``only``
    those names), routed by one :class:`MockRouter`.

    ``servers`` are the run's own server overrides: a mocked source serves at its override
    too.  A mocked source whose servers are relative gets an override of its own
    (``http://<name>.mock.invalid/<base path>``), returned in :attr:`MockSetup.servers` to
    pass to the run.  ``fallback`` receives the requests of sources that are not mocked.
    ``items``: every collection that can be listed starts with that many generated resources;
    ``max_items``: each keeps at most that many, the oldest evicted first (1,000).
    """
    servers = dict(servers or {})
    sources = _openapi_sources(description)
    asyncapi = _asyncapi_names(description)
    known = {name for name, _ in sources} | asyncapi
    if only:
        unknown = [name for name in only if name not in known]
        if unknown:
            kinds = "OpenAPI or AsyncAPI" if asyncapi else "OpenAPI"
            raise UsageError(
                f"--mock {unknown[0]}: no {kinds} source description named {unknown[0]!r} "
                f"({kinds} sources: {', '.join(sorted(known)) or 'none'})"
            )
    setup = MockSetup(MockRouter([], fallback))
    done: dict[str, MockTransport] = {}
    for name, index in sources:
        if only and name not in only:
            continue
        if name in setup.mocks:
            continue
        key = f"{index.base_uri}|{servers.get(name, '')}"
        mock = done.get(key)
        relative = _relative_base(index) if name not in servers else None
        if mock is None:
            extra = [servers[name]] if name in servers else []
            if relative is not None:
                host = _NOT_HOST.sub("-", name.lower()).strip("-") or "source"
                extra = [f"http://{host}.mock.invalid{relative}"]
            mock = MockTransport(index, seed=seed, require_auth=require_auth, base_urls=extra, name=name, items=items,
                                 max_items=max_items)  # fmt: skip
            done[key] = mock
            setup.transport.mocks.append(mock)
        if relative is not None:
            setup.servers[name] = mock.base_urls[0]
        setup.mocks[name] = mock
    return setup
