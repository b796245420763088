"""The Runner's own async transport (asyncio + h11): keep-alive, limits, timeouts, TLS, errors.

Each test starts a real server on 127.0.0.1 (asyncio streams, in the test's own loop) whose
behaviour the test scripts, and counts the connections it accepts.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from arazzo_runner import Runner
from arazzo_runner.execution.asyncio_transport import AsyncioTransport
from arazzo_runner.execution.deadline import exchange_deadline

from ..paths import FLAGSHIP

DATA = Path(__file__).parent / "data"
CERT, KEY = DATA / "localhost-cert.pem", DATA / "localhost-key.pem"
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, "Server"], Awaitable[None]]


class Server:
    """A scripted HTTP server: ``handler`` serves each connection; counts what it sees."""

    def __init__(self, handler: Handler, tls: bool = False) -> None:
        self.handler, self.tls = handler, tls
        self.connections = 0
        self.open = self.most_open = 0
        self.requests: list[tuple[str, str, bytes]] = []

    async def __aenter__(self) -> Server:
        context = None
        if self.tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(CERT, KEY)
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=context)
        port = self.server.sockets[0].getsockname()[1]
        self.url = f"{'https' if self.tls else 'http'}://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        try:
            await self.handler(reader, writer, self)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            self.open -= 1
            writer.close()

    async def request(self, reader: asyncio.StreamReader) -> tuple[str, str, bytes] | None:
        """The next request on a connection (None at its end); chunked bodies are decoded."""
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        except asyncio.IncompleteReadError:
            return None
        method, target, _ = head[0].split(" ")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while size := int((await reader.readline()).strip(), 16):
                body += await reader.readexactly(size)
                await reader.readline()
            await reader.readline()
        else:
            body = await reader.readexactly(int(headers.get("content-length", 0)))
        self.requests.append((method, target, body))
        return method, target, body


def reply(body: bytes, status: str = "200 OK", extra: str = "") -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, server: Server) -> None:
    """Keep-alive: answers each request with its method, target and body."""
    while (request := await server.request(reader)) is not None:
        method, target, body = request
        writer.write(reply(f"{method} {target} ".encode() + body))
        await writer.drain()


def client(**options: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=AsyncioTransport(**options), timeout=5)


def test_sequential_requests_share_one_connection() -> None:
    async def main() -> list[str]:
        async with Server(echo) as server, client() as http:
            texts = [(await http.post(f"{server.url}/a?n={n}", content=f"body{n}")).text for n in range(5)]
            assert server.connections == 1
            return texts

    assert asyncio.run(main()) == [f"POST /a?n={n} body{n}" for n in range(5)]


def test_concurrent_requests_open_connections_that_are_then_reused() -> None:
    async def main() -> None:
        async with Server(echo) as server, client() as http:
            answers = await asyncio.gather(*(http.get(f"{server.url}/{n}") for n in range(10)))
            assert [a.text for a in answers] == [f"GET /{n} " for n in range(10)]
            opened = server.connections
            assert 1 <= opened <= 10
            for n in range(10):
                assert (await http.get(f"{server.url}/again{n}")).status_code == 200
            assert server.connections == opened  # the idle ones were reused

    asyncio.run(main())


def test_an_idle_connection_past_keepalive_expiry_is_not_reused() -> None:
    async def main() -> None:
        async with Server(echo) as server, client(keepalive_expiry=0.1) as http:
            await http.get(server.url)
            await http.get(server.url)
            assert server.connections == 1
            await asyncio.sleep(0.2)
            await http.get(server.url)
            assert server.connections == 2

    asyncio.run(main())


def test_max_connections_bounds_the_connections_in_use() -> None:
    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, server: Server) -> None:
        while await server.request(reader) is not None:
            await asyncio.sleep(0.05)
            writer.write(reply(b"ok"))

    async def main() -> None:
        async with Server(slow) as server, client(max_connections=2) as http:
            answers = await asyncio.gather(*(http.get(server.url) for _ in range(6)))
            assert [a.text for a in answers] == ["ok"] * 6
            assert server.most_open == 2

    asyncio.run(main())


def test_a_silent_server_is_a_read_timeout_and_its_connection_is_not_reused() -> None:
    async def silent_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, server: Server) -> None:
        await server.request(reader)
        if server.connections == 1:
            await asyncio.sleep(10)
        writer.write(reply(b"late"))
        await echo(reader, writer, server)

    async def main() -> None:
        async with Server(silent_once) as server, client() as http:
            started = time.monotonic()
            with pytest.raises(httpx.ReadTimeout):
                await http.get(server.url, timeout=0.3)
            assert 0.25 < time.monotonic() - started < 2
            assert (await http.get(server.url)).text == "late"
            assert server.connections == 2

    asyncio.run(main())


def test_the_exchange_deadline_cuts_a_drip_fed_body() -> None:
    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, server: Server) -> None:
        await server.request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(100):
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(0.05)

    async def main() -> None:
        async with Server(drip) as server, client() as http:
            started = time.monotonic()
            with exchange_deadline(0.4), pytest.raises(httpx.ReadTimeout):
                await http.get(server.url, timeout=1)  # no single read waits 1 s
            assert time.monotonic() - started < 1.5
            with exchange_deadline(-1), pytest.raises(httpx.ConnectTimeout):
                await http.get(server.url)  # nothing left: no connection is even tried
            assert server.connections == 1

    asyncio.run(main())


def test_a_server_that_does_not_read_is_a_write_timeout() -> None:
    async def deaf(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, server: Server) -> None:
        await asyncio.sleep(10)

    async def endless() -> AsyncIterator[bytes]:
        for _ in range(256):  # far more than the socket buffers hold
            yield b"x" * 1_048_576

    async def main() -> None:
        async with Server(deaf) as server, client() as http:
            started = time.monotonic()
            with pytest.raises(httpx.WriteTimeout):
                await http.post(server.url, content=endless(), timeout=httpx.Timeout(5, write=0.3))
            assert time.monotonic() - started < 3

    asyncio.run(main())


def test_chunked_and_streamed_bodies_and_a_large_response() -> None:
    big = bytes(range(256)) * 8192  # 2 MiB: the protocol pauses the socket and resumes it

    async def chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, server: Server) -> None:
        while (request := await server.request(reader)) is not None:
            if request[1] == "/big":
                writer.write(reply(big))
                continue
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for part in (b"abc", request[2], b"xyz"):
                writer.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            writer.write(b"0\r\n\r\n")

    async def parts() -> AsyncIterator[bytes]:
        for part in (b"one-", b"two-", b"three"):
            yield part

    async def main() -> None:
        async with Server(chunked) as server, client() as http:
            assert (await http.post(f"{server.url}/c", content=parts())).content == b"abcone-two-threexyz"
            async with http.stream("GET", f"{server.url}/big") as response:
                received = b""
                async for chunk in response.aiter_bytes():
                    received += chunk
                    await asyncio.sleep(0)  # a slow reader
            assert received == big
            assert (await http.post(f"{server.url}/c", content=b"!")).content == b"abc!xyz"
            assert server.connections == 1

    asyncio.run(main())


def test_a_closed_keep_alive_connection_is_not_reused() -> None:
    async def close_after_one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, server: Server) -> None:
        await server.request(reader)
        writer.write(reply(b"once"))
        await writer.drain()  # then closes, without saying so in the response

    async def main() -> None:
        async with Server(close_after_one) as server, client() as http:
            for _ in range(3):
                assert (await http.get(server.url)).text == "once"
                await asyncio.sleep(0.05)  # the close reaches the client's idle connection
            assert server.connections == 3

    asyncio.run(main())


def test_protocol_and_connection_errors_are_httpx_errors() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, server: Server) -> None:
        request = await server.request(reader)
        if request and request[1] == "/short":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")

    async def main() -> None:
        async with Server(hang_up) as server, client() as http:
            with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
                await http.get(f"{server.url}/none")
            with pytest.raises(httpx.RemoteProtocolError):
                await http.get(f"{server.url}/short")
            url = server.url
        with pytest.raises(httpx.ConnectError):
            async with client() as http:
                await http.get(url)  # the server is closed
        with pytest.raises(httpx.UnsupportedProtocol):
            async with client() as http:
                await http.get("ftp://127.0.0.1/x")

    asyncio.run(main())


def test_tls_with_the_given_context_and_refused_without_it() -> None:
    async def main() -> None:
        async with Server(echo, tls=True) as server:
            async with client(options={"verify": ssl.create_default_context(cafile=str(CERT))}) as http:
                assert (await http.get(f"{server.url}/secure")).text == "GET /secure "
                assert (await http.get(f"{server.url}/again")).status_code == 200
            async with client() as http:  # httpx's default context: the CA bundle does not know it
                with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                    await http.get(server.url)
            assert server.connections == 1  # the refused handshake never reached the handler

    asyncio.run(main())


def test_a_transport_serves_one_loop_after_another() -> None:
    transport = AsyncioTransport()

    async def main() -> str:
        async with Server(echo) as server:
            http = httpx.AsyncClient(transport=transport)
            return (await http.get(f"{server.url}/x")).text

    assert asyncio.run(main()) == "GET /x "
    assert asyncio.run(main()) == "GET /x "  # the first loop's connection is left behind


def test_the_runner_uses_it_unless_proxies_are_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert isinstance(Runner(FLAGSHIP).async_client._transport, AsyncioTransport)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    assert not isinstance(Runner(FLAGSHIP).async_client._transport, AsyncioTransport)
