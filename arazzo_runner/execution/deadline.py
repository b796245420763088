"""One deadline for a whole HTTP exchange, from connecting to the last byte of the body.

httpx's timeouts bound each socket operation: a server that sends one byte a second never
trips a 3 s read timeout, and holds a run for as long as it likes.  The drivers set the
exchange's deadline here (a context variable, so concurrent asyncio runs and threads each have
their own), and the network streams of the Runner's own transports cut every connect, read
and write to the time that is left (:func:`time_left`); when none is left they raise the
timeout it is (httpcore's in the sync transport, which httpx reports as its own; httpx's in
the async one, :mod:`.asyncio_transport`).

A transport given by an embedder has its own streams: for those the drivers still check the
deadline between body chunks, which bounds the body but not the headers.
"""

from __future__ import annotations

import contextvars
import inspect
import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["exchange_deadline", "expired", "guard_transport", "time_left"]

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("arazzo_exchange_deadline", default=None)


@contextmanager
def exchange_deadline(seconds: float) -> Iterator[float]:
    """Bound the network I/O done inside the block to ``seconds`` in all; yields the deadline
    (a ``time.monotonic()`` time)."""
    deadline = time.monotonic() + seconds
    token = _DEADLINE.set(deadline)
    try:
        yield deadline
    finally:
        _DEADLINE.reset(token)


def expired(deadline: float) -> bool:
    return time.monotonic() >= deadline


def time_left(timeout: float | None) -> float | None:
    """The timeout for one socket operation: the operation's own (None: unbounded), cut to
    what the exchange has left; zero or less when the exchange's deadline has passed."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    return left if timeout is None or left < timeout else timeout


def _left(timeout: float | None, error: str) -> float | None:
    """:func:`time_left` for httpcore's streams: raises httpcore's ``error`` (a timeout class
    name) when the exchange has nothing left."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        import httpcore  # only here: this module is imported before httpx needs httpcore

        raise getattr(httpcore, error)("the exchange took longer than its timeout")
    return left if timeout is None else min(timeout, left)


class _Stream:
    """A network stream (httpcore's interface) whose operations share the exchange deadline."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = self._stream.read(max_bytes, _left(timeout, "ReadTimeout"))
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout, "WriteTimeout"))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> Any:
        tls = self._stream.start_tls(ssl_context, server_hostname, _left(timeout, "ConnectTimeout"))
        return _Stream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _Backend:
    def __init__(self, backend: Any) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> Any:
        stream = self._backend.connect_tcp(host, port, _left(timeout, "ConnectTimeout"), local_address, socket_options)
        return _Stream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> Any:
        return _Stream(self._backend.connect_unix_socket(path, _left(timeout, "ConnectTimeout"), socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def guard_transport(transport: Any) -> Any:
    """``transport`` (httpx's own sync one) with its streams bound by the exchange deadline.
    httpx does not take a network backend, so it goes into its connection pool.  (The async
    transport of the Runner is its own, :mod:`.asyncio_transport`, which reads the deadline
    with :func:`time_left`.)"""
    pool: Any = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if backend is None or isinstance(backend, _Backend) or inspect.iscoroutinefunction(backend.connect_tcp):
        return transport
    pool._network_backend = _Backend(backend)
    return transport
