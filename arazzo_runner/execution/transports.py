"""The Runner's own httpx transports: made lazily, bound by the exchange deadline.

Loading the CA bundle takes longer than a whole run against a local http server, so the TLS
transport is made only when an https URL is first sent to; every transport made here has its
streams bound by :mod:`.deadline`.  The async one is :mod:`.asyncio_transport`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from .deadline import guard_transport

__all__ = ["Fallback", "LazyTransport", "environment_proxies"]


class Fallback(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The network, sync or async, for sources that a partial ``--mock`` leaves real."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self._options = dict(options)
        self._sync = LazyTransport(options)
        self._async: httpx.AsyncBaseTransport | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._sync.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._async is None:
            from .asyncio_transport import AsyncioTransport  # asyncio and h11: only when needed

            self._async = AsyncioTransport(self._options)
        return await self._async.handle_async_request(request)

    def close(self) -> None:
        self._sync.close()

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.aclose()


def environment_proxies() -> bool:
    from httpx._utils import get_environment_proxies

    return bool(get_environment_proxies())


class LazyTransport(httpx.BaseTransport):
    """httpx's transport, with the TLS one made only when an https URL is first sent to.

    Loading the CA bundle takes longer than a whole run against a local http server.
    """

    def __init__(self, options: Mapping[str, Any]) -> None:
        self._options = dict(options)
        self._plain: httpx.HTTPTransport | None = None
        self._tls: httpx.HTTPTransport | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https":
            if self._tls is None:
                self._tls = guard_transport(httpx.HTTPTransport(**self._options))
            return self._tls.handle_request(request)
        if self._plain is None:
            self._plain = guard_transport(httpx.HTTPTransport(verify=False))  # plain http: no certificate
        return self._plain.handle_request(request)

    def close(self) -> None:
        for transport in (self._plain, self._tls):
            if transport is not None:
                transport.close()
