"""Async throughput benchmark (issue 13, point 2).  Run: ``.venv/bin/python benchmarks/async_throughput.py``.

Runs the flagship workflow (three requests: create a messaging service, add a number, fetch
the service) against a loopback HTTP/1.1 server written on ``asyncio.Protocol`` (keep-alive,
one event loop; a thread-per-connection server collapses first).  The server runs in its own
process so that it does not share the client's event loop or its GIL.  It answers like Twilio
would, enough for the workflow to succeed: ``createService`` returns a fresh ``MG`` + 32 hex
SID, and it counts what it receives.

Prints, from one run of this script (each ratio is of two rates measured in that run):

(a) one ``run_async`` at a time next to the sync ``Runner.run``, in runs per second
    (target: at least 0.9x); for the ceiling, plain ``httpx.AsyncClient`` next to
    ``httpx.Client`` making the same requests one at a time, with httpx's own async
    transport and with the Runner's (``execution/asyncio_transport.py``);
(b) ``--concurrency`` (100) concurrent ``run_async`` on one Runner next to a plain
    ``httpx.AsyncClient`` making the same requests (methods, URLs, bodies) with the same
    concurrency (target: at least 0.8x); and next to the same client keeping 100
    connections alive rather than httpx's default 20, and on the Runner's transport.

Both Runners are made as a user makes them (no client given): the Runner's own clients.
Every run must succeed and the server must count exactly three requests per run, else the
script stops and says why.  About a minute on two cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "workflows" / "twilio-provision-messaging-service-add-number-workflow.yml"
PN = "PN" + "b" * 32
INPUTS = {"friendlyName": "Demo messaging service", "phoneNumberSid": PN}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SID = re.compile(r"^MG[0-9a-f]{32}$")

# ---------------------------------------------------------------- the server (its own process)


class _Http(asyncio.Protocol):
    """A minimal HTTP/1.1 keep-alive server of the three Twilio operations the flagship calls."""

    count = 0

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1").split("\r\n")
            length = 0
            for line in head[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            method, target, _ = head[0].split(" ", 2)
            _Http.count += 1
            self.answer(method, target, body)

    def answer(self, method: str, target: str, body: bytes) -> None:
        path = target.split("?", 1)[0]
        reply: dict[str, Any]
        if path == "/count":
            status, reply = 200, {"count": _Http.count - 1}
        elif method == "POST" and path.endswith("/Services"):
            form = parse_qs(body.decode())
            name = form.get("FriendlyName", [""])[0]
            status, reply = 201, {"sid": "MG" + os.urandom(16).hex(), "friendly_name": name}
        elif method == "POST" and path.endswith("/PhoneNumbers"):
            form = parse_qs(body.decode())
            service = path.split("/")[-2]
            status, reply = 201, {"sid": form.get("PhoneNumberSid", [""])[0], "service_sid": service}
        elif method == "GET" and "/Services/" in path:
            status, reply = 200, {"sid": path.rsplit("/", 1)[-1], "friendly_name": INPUTS["friendlyName"]}
        else:
            status, reply = 404, {"message": "not found"}
        data = json.dumps(reply).encode()
        reason = {200: "OK", 201: "Created", 404: "Not Found"}[status]
        self.transport.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n".encode()
            + data
        )


def serve() -> None:
    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_Http, "127.0.0.1", 0, backlog=1024)
        print(server.sockets[0].getsockname()[1], flush=True)
        await server.serve_forever()

    asyncio.run(main())


# ---------------------------------------------------------------- the clients


def plain_sync(client: httpx.Client, base: str) -> None:
    created = client.post(f"{base}/Services", content=b"FriendlyName=Demo+messaging+service", headers=FORM).json()
    sid = created["sid"]
    client.post(f"{base}/Services/{sid}/PhoneNumbers", content=f"PhoneNumberSid={PN}".encode(), headers=FORM).json()
    client.get(f"{base}/Services/{sid}").json()


async def plain_async(client: httpx.AsyncClient, base: str) -> None:
    created = (
        await client.post(f"{base}/Services", content=b"FriendlyName=Demo+messaging+service", headers=FORM)
    ).json()
    sid = created["sid"]
    (
        await client.post(f"{base}/Services/{sid}/PhoneNumbers", content=f"PhoneNumberSid={PN}".encode(), headers=FORM)
    ).json()
    (await client.get(f"{base}/Services/{sid}")).json()


def checked(result: Any) -> None:
    if result.status != "succeeded" or not SID.match(str(result.outputs.get("serviceSid"))):
        raise SystemExit(f"a run did not succeed: {json.dumps(result.to_dict())[:600]}")


def timed(runs: int, one: Callable[[], None]) -> float:
    """Seconds for ``runs`` calls of ``one``, one after another."""
    started = time.perf_counter()
    for _ in range(runs):
        one()
    return time.perf_counter() - started


async def atimed(runs: int, concurrency: int, one: Callable[[], Awaitable[None]]) -> float:
    """Seconds for ``runs`` calls of ``one``, ``concurrency`` of them in flight at a time."""
    left = iter(range(runs))

    async def worker() -> None:
        for _ in left:
            await one()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


def server_count(base: str) -> int:
    with httpx.Client() as client:
        return int(client.get(base.rsplit("/", 1)[0] + "/count").json()["count"])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1000, help="runs of each sequential figure")
    parser.add_argument("--concurrent-runs", type=int, default=3000, help="runs of each concurrent figure")
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return 0
    from arazzo_runner import Runner

    server = subprocess.Popen([sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        base = f"http://127.0.0.1:{int(server.stdout.readline())}/v1"
        runs, concurrent, width = args.runs, args.concurrent_runs, args.concurrency
        servers = {"messagingApi": base}
        expected = 0

        with Runner(FLAGSHIP, servers=servers) as runner:
            checked(runner.run(None, INPUTS))  # warm-up: parse caches, the connection
            sync = timed(runs, lambda: checked(runner.run(None, INPUTS)))
        with httpx.Client() as client:
            plain_sync(client, base)
            sync_plain = timed(runs, lambda: plain_sync(client, base))
        expected += 2 * (runs + 1)

        async def engine_runs(count: int, width: int) -> float:
            async with Runner(FLAGSHIP, servers=servers) as runner:
                checked(await runner.run_async(None, INPUTS))

                async def one() -> None:
                    checked(await runner.run_async(None, INPUTS))

                return await atimed(count, width, one)

        async def plain_runs(count: int, width: int, **options: Any) -> float:
            async with httpx.AsyncClient(**options) as client:
                await plain_async(client, base)
                return await atimed(count, width, lambda: plain_async(client, base))

        from arazzo_runner.execution.asyncio_transport import AsyncioTransport

        # httpx keeps 20 idle connections by default: at 100 concurrent requests it opens and
        # closes connections all the time; with room for 100 it is its async stack alone
        roomy = {"limits": httpx.Limits(max_connections=width, max_keepalive_connections=width)}
        one_async = asyncio.run(engine_runs(runs, 1))
        one_plain = asyncio.run(plain_runs(runs, 1))
        one_ours = asyncio.run(plain_runs(runs, 1, transport=AsyncioTransport()))
        many_async = asyncio.run(engine_runs(concurrent, width))
        many_plain = asyncio.run(plain_runs(concurrent, width))
        many_roomy = asyncio.run(plain_runs(concurrent, width, **roomy))
        many_ours = asyncio.run(plain_runs(concurrent, width, transport=AsyncioTransport()))
        expected += 3 * (runs + 1) + 4 * (concurrent + 1)

        received = server_count(base)
        if received != 3 * expected:
            raise SystemExit(f"the server received {received} requests, not {3 * expected}")

        def line(name: str, count: int, seconds: float, ratio: float | None = None, note: str = "") -> None:
            shown = f"   ratio {ratio:5.2f}  {note}" if ratio is not None else ""
            print(f"  {name:<38}{count / seconds:8.0f} runs/s{shown}")

        # each ratio is of two rates (runs per second) measured in this run of the script
        print(f"(a) one run at a time, {runs} runs each")
        line("Runner.run", runs, sync)
        line("Runner.run_async", runs, one_async, sync / one_async, "of Runner.run (target >= 0.9)")
        line("httpx.Client, the same requests", runs, sync_plain)
        line("httpx.AsyncClient", runs, one_plain, sync_plain / one_plain, "of httpx.Client")
        line("httpx.AsyncClient on AsyncioTransport", runs, one_ours, sync_plain / one_ours, "of httpx.Client")
        print(f"(b) {width} concurrent runs, {concurrent} runs each")
        line("Runner.run_async", concurrent, many_async)
        line("httpx.AsyncClient", concurrent, many_plain, many_plain / many_async, "Runner's of it (target >= 0.8)")
        line(
            f"httpx.AsyncClient, {width} kept alive", concurrent, many_roomy, many_roomy / many_async, "Runner's of it"
        )
        line("httpx.AsyncClient on AsyncioTransport", concurrent, many_ours, many_ours / many_async, "Runner's of it")
        print(f"  the server received {received} requests, 3 per run, as expected")
    finally:
        server.terminate()
        server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
