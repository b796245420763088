"""One HTTP/1.1 connection on an asyncio protocol, framed by h11.

The protocol keeps what the socket delivers until h11 asks for it (pausing the socket past
``_HIGH_WATER`` bytes), and every wait is one future with a loop timer for its timeout: no task
and no cancel scope per read, which is where httpx's async stack (httpcore on anyio) spends
about half of its time against a local server.  Every wait is also cut to what the exchange
has left (:func:`.deadline.time_left`).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import h11
import httpx

from .deadline import time_left

__all__ = ["Http11Connection"]

_HIGH_WATER = 256 * 1024  # bytes received and not yet read: the socket pauses past this
_MAX_HEAD = 100 * 1024  # a response head larger than this is a protocol error (as in httpcore)
_TIMED_OUT = object()


class Http11Connection(asyncio.Protocol):
    """A client connection: send one request, receive its response, then maybe another."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=_MAX_HEAD)
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._incoming: list[bytes] = []
        self._buffered = 0
        self._eof = False  # the peer closed its side (or the connection is lost)
        self._eof_fed = False
        self._error: Exception | None = None
        self._reading_paused = False
        self._writable = True
        self._waiter: asyncio.Future[Any] | None = None

    # ------------------------------------------------------------ asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self._incoming.append(data)
        self._buffered += len(data)
        if self._buffered > _HIGH_WATER and not self._reading_paused and self.transport is not None:
            self._reading_paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self._eof = True
        self._wake()
        return False  # let the transport close

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = self._eof = True
        self._error = exc
        self._writable = True
        self._wake()

    def pause_writing(self) -> None:
        self._writable = False

    def resume_writing(self) -> None:
        self._writable = True
        self._wake()

    # ------------------------------------------------------------ state

    def reusable(self) -> bool:
        """Idle, open, and nothing received since its last response (a server that closed it
        or sent something unasked makes it unusable)."""
        return (
            not self.closed
            and not self._eof
            and not self._incoming
            and self.h11.our_state is h11.IDLE
            and self.h11.their_state is h11.IDLE
        )

    def finish(self) -> bool:
        """After a whole response: get ready for the next request; False when it cannot be."""
        if self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE and not self.closed:
            self.h11.start_next_cycle()
            self.idle_since = time.monotonic()
            return self.reusable()
        return False

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    # ------------------------------------------------------------ the exchange

    async def send_request(self, request: httpx.Request, timeout: float | None) -> None:
        """Write the request head and body; the body is streamed when it is not in memory."""
        event = h11.Request(method=request.method, target=request.url.raw_path, headers=request.headers.raw)
        try:
            head = self.h11.send(event) or b""
            if isinstance(request.stream, httpx.ByteStream):
                # in memory (a Send's content is): one write for the whole request
                body = self._framed(request.content) + self._end()
                await self._write(head + body, timeout, request)
                return
            await self._write(head, timeout, request)
            async for chunk in request.stream:  # type: ignore[union-attr]
                if chunk:
                    await self._write(self._framed(chunk), timeout, request)
            await self._write(self._end(), timeout, request)
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc), request=request) from exc

    def _framed(self, chunk: bytes) -> bytes:
        return (self.h11.send(h11.Data(data=chunk)) or b"") if chunk else b""

    def _end(self) -> bytes:
        return self.h11.send(h11.EndOfMessage()) or b""

    async def receive_head(self, timeout: float | None, request: httpx.Request) -> h11.Response:
        """The response's status line and headers (1xx interim responses skipped)."""
        while True:
            event = await self.next_event(timeout, request)
            if isinstance(event, h11.Response):
                return event
            if isinstance(event, h11.ConnectionClosed):
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)

    async def next_event(self, timeout: float | None, request: httpx.Request) -> Any:
        """h11's next event, reading from the socket while it needs data."""
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(str(exc), request=request) from exc
            if event is not h11.NEED_DATA:
                return event
            if self._incoming:
                data = self._incoming[0] if len(self._incoming) == 1 else b"".join(self._incoming)
                self._incoming.clear()
                self._buffered = 0
                if self._reading_paused and self.transport is not None:
                    self._reading_paused = False
                    self.transport.resume_reading()
                self.h11.receive_data(data)
            elif self._eof and not self._eof_fed:
                if self._error is not None:
                    raise httpx.ReadError(str(self._error) or type(self._error).__name__, request=request)
                if self.h11.their_state is h11.SEND_RESPONSE:
                    raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
                self._eof_fed = True
                self.h11.receive_data(b"")
            elif self._eof:
                raise httpx.ReadError("the connection was closed", request=request)
            else:
                await self._wait(timeout, httpx.ReadTimeout, request)

    async def _write(self, data: bytes, timeout: float | None, request: httpx.Request) -> None:
        if self.closed or self.transport is None or self.transport.is_closing():
            detail = f" ({self._error})" if self._error else ""
            raise httpx.WriteError(f"the connection was closed{detail}", request=request)
        left = time_left(timeout)
        if left is not None and left <= 0:
            raise httpx.WriteTimeout("the exchange took longer than its timeout", request=request)
        self.transport.write(data)
        while not self._writable and not self.closed:  # the socket's buffer is full: wait for it
            await self._wait(timeout, httpx.WriteTimeout, request)

    async def _wait(self, timeout: float | None, error: type[httpx.TimeoutException], request: httpx.Request) -> None:
        """Until the protocol hears something, or ``timeout`` (cut to the exchange's deadline)."""
        left = time_left(timeout)
        if left is not None and left <= 0:
            raise error("the exchange took longer than its timeout", request=request)
        waiter = self._waiter = self.loop.create_future()
        timer = None if left is None else self.loop.call_later(left, _expire, waiter)
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()
        if waiter.result() is _TIMED_OUT:
            raise error("timed out", request=request)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


def _expire(waiter: asyncio.Future[Any]) -> None:
    if not waiter.done():
        waiter.set_result(_TIMED_OUT)
