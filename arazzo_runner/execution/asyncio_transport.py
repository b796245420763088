"""The Runner's own async transport: HTTP/1.1 on asyncio and h11, with a keep-alive pool.

httpx's own async transport (httpcore on anyio) spends about twice the time of its sync one
per request against a local server (benchmarks/async_throughput.py); this one does what the
Runner needs at the speed of the sync path: HTTP and HTTPS (an ``ssl`` context made on the
first https URL, as httpx makes it), keep-alive connections per origin, at most
``max_connections`` at once, every operation bound by its httpx timeout and by the exchange's
deadline (:mod:`.deadline`).  Proxies are httpx's business: with proxies in the environment
the Runner lets httpx build its own transports (:func:`.transports.environment_proxies`).

Connections belong to the event loop that made them: a Runner used from a new loop (a second
``asyncio.run``) starts a new pool rather than touch sockets of a loop that is gone.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import h11
import httpx

from .deadline import time_left
from .http11_connection import Http11Connection

__all__ = ["AsyncioTransport"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
Origin = tuple[str, str, int]


class AsyncioTransport(httpx.AsyncBaseTransport):
    """An ``httpx.AsyncBaseTransport`` for HTTP/1.1 (``verify`` and ``cert`` as httpx takes them)."""

    def __init__(
        self,
        options: Mapping[str, Any] | None = None,
        *,
        max_connections: int = 100,
        keepalive_expiry: float = 5.0,
    ) -> None:
        self._options = dict(options or {})
        self._ssl: ssl.SSLContext | None = None
        self.max_connections = max_connections
        self.keepalive_expiry = keepalive_expiry
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: dict[Origin, list[Http11Connection]] = {}
        self._slots = asyncio.Semaphore(max_connections)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._rebind(loop)
        url = request.url
        scheme = url.scheme
        if scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol '{scheme}://'.", request=request)
        host = url.raw_host.decode("ascii")  # IDNA-encoded, as the resolver and SNI take it
        if not host:
            raise httpx.UnsupportedProtocol("Request URL is missing a host.", request=request)
        origin = (scheme, host, url.port or _DEFAULT_PORTS[scheme])
        timeouts: Mapping[str, float | None] = request.extensions.get("timeout") or {}
        await self._acquire_slot(timeouts.get("pool"), request)
        try:
            connection = self._idle_connection(origin) or await self._connect(loop, origin, timeouts, request)
        except BaseException:
            self._slots.release()
            raise
        try:
            await connection.send_request(request, timeouts.get("write"))
            head = await connection.receive_head(timeouts.get("read"), request)
        except BaseException:
            connection.close()
            self._slots.release()
            raise
        return httpx.Response(
            head.status_code,
            headers=head.headers.raw_items(),
            stream=_ResponseBody(self, connection, origin, timeouts.get("read"), request, self._slots),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": head.reason},
        )

    async def aclose(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()

    # ------------------------------------------------------------ the pool

    def _rebind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Forget the connections of another loop (closing them if it still runs)."""
        for connections in self._idle.values():
            for connection in connections:
                if not connection.loop.is_closed():
                    connection.close()
        self._idle.clear()
        self._slots = asyncio.Semaphore(self.max_connections)
        self._loop = loop

    async def _acquire_slot(self, timeout: float | None, request: httpx.Request) -> None:
        if not self._slots.locked():
            await self._slots.acquire()  # free: returns at once
            return
        left = time_left(timeout)
        if left is not None and left <= 0:
            raise httpx.PoolTimeout("the exchange took longer than its timeout", request=request)
        try:
            await asyncio.wait_for(self._slots.acquire(), left)
        except asyncio.TimeoutError:
            raise httpx.PoolTimeout("timed out waiting for a connection", request=request) from None

    def _idle_connection(self, origin: Origin) -> Http11Connection | None:
        """The most recently used idle connection to ``origin`` that is still usable."""
        connections = self._idle.get(origin)
        oldest = time.monotonic() - self.keepalive_expiry
        while connections:
            connection = connections.pop()
            if connection.reusable() and connection.idle_since >= oldest:
                return connection
            connection.close()
        return None

    def _release(self, connection: Http11Connection, origin: Origin, reusable: bool, slots: asyncio.Semaphore) -> None:
        """A response is over: its slot is free, its connection goes back to the pool or is closed."""
        slots.release()
        if reusable and connection.loop is self._loop and connection.finish():
            idle = self._idle.setdefault(origin, [])
            # the oldest are first: those past keepalive_expiry go now, not when next reached
            expired = connection.idle_since - self.keepalive_expiry
            while idle and idle[0].idle_since < expired:
                idle.pop(0).close()
            idle.append(connection)
        else:
            connection.close()

    async def _connect(
        self,
        loop: asyncio.AbstractEventLoop,
        origin: Origin,
        timeouts: Mapping[str, float | None],
        request: httpx.Request,
    ) -> Http11Connection:
        scheme, host, port = origin
        context = self._ssl_context() if scheme == "https" else None
        left = time_left(timeouts.get("connect"))
        if left is not None and left <= 0:
            raise httpx.ConnectTimeout("the exchange took longer than its timeout", request=request)
        connection = Http11Connection(loop)
        opening = loop.create_connection(
            lambda: connection, host, port, ssl=context, server_hostname=host if context else None
        )
        try:
            await asyncio.wait_for(opening, left)
        except asyncio.TimeoutError:
            raise httpx.ConnectTimeout("timed out", request=request) from None
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        return connection

    def _ssl_context(self) -> ssl.SSLContext:
        """httpx's context for ``verify`` and ``cert`` (made once: loading the CA bundle takes
        longer than a whole run against a local server), offering HTTP/1.1 alone."""
        if self._ssl is None:
            context = httpx.create_ssl_context(**self._options)
            context.set_alpn_protocols(["http/1.1"])
            self._ssl = context
        return self._ssl


class _ResponseBody(httpx.AsyncByteStream):
    """A response's body, read from its connection; closing it gives the connection back."""

    def __init__(
        self,
        transport: AsyncioTransport,
        connection: Http11Connection,
        origin: Origin,
        timeout: float | None,
        request: httpx.Request,
        slots: asyncio.Semaphore,
    ) -> None:
        self._transport = transport
        self._slots = slots
        self._connection = connection
        self._origin = origin
        self._timeout = timeout
        self._request = request
        self._complete = False
        self._released = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        connection = self._connection
        try:
            while not self._complete:
                event = await connection.next_event(self._timeout, self._request)
                if isinstance(event, h11.Data):
                    yield bytes(event.data)
                elif isinstance(event, h11.EndOfMessage):
                    self._complete = True
                elif isinstance(event, h11.ConnectionClosed):
                    raise httpx.RemoteProtocolError(
                        "the server closed the connection mid-response", request=self._request
                    )
        except BaseException:
            self._finish(False)
            raise

    async def aclose(self) -> None:
        self._finish(self._complete)

    def _finish(self, reusable: bool) -> None:
        if not self._released:
            self._released = True
            self._transport._release(self._connection, self._origin, reusable, self._slots)
