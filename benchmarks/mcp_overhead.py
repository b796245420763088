"""MCP per-call overhead benchmark (issue 16).  Run: ``.venv/bin/python benchmarks/mcp_overhead.py``.

Runs the flagship workflow (create a messaging service, add a number, fetch the service) on
the built-in mock, with the same inputs, two ways, one call at a time:

* in process: ``Runner(FLAGSHIP, mock=True).run_async`` (the mock answers inside the Runner);
* over MCP: ``arazzo mcp FLAGSHIP --mock`` spawned as a subprocess, called through the ``mcp``
  SDK's own stdio client (``ClientSession.call_tool``), without and with a progress callback
  (with one the server also sends a notification per finished step, three per call).

Each way is warmed up first (parse caches, imports, the mock's first answers), then timed over
``--calls`` (200) calls.  Prints the mean per-call time of each, in milliseconds, and the
difference of each MCP figure from the in-process one: the per-call overhead of MCP over stdio
(the issue's target: at most 5 ms).  Every call must succeed with an ``MG`` + 32 hex service
SID, else the script stops and says why.  A few seconds on two cores.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "workflows" / "twilio-provision-messaging-service-add-number-workflow.yml"
TOOL = "provision-messaging-service-add-number"
INPUTS = {"friendlyName": "Demo messaging service", "phoneNumberSid": "PN" + "b" * 32}
SID = re.compile(r"^MG[0-9a-fA-F]{32}$")


async def timed(calls: int, warm_up: int, one: Callable[[], Awaitable[None]]) -> list[float]:
    """Seconds of each of ``calls`` calls of ``one``, one after another, after ``warm_up`` untimed."""
    for _ in range(warm_up):
        await one()
    seconds = []
    for _ in range(calls):
        started = time.perf_counter()
        await one()
        seconds.append(time.perf_counter() - started)
    return seconds


async def in_process(calls: int, warm_up: int) -> list[float]:
    from arazzo_runner import Runner

    async with Runner(FLAGSHIP, mock=True) as runner:

        async def one() -> None:
            result = await runner.run_async(TOOL, INPUTS)
            if result.status != "succeeded" or not SID.match(str(result.outputs.get("serviceSid"))):
                raise SystemExit(f"an in-process run did not succeed: {json.dumps(result.to_dict())[:600]}")

        return await timed(calls, warm_up, one)


async def over_stdio(calls: int, warm_up: int) -> tuple[list[float], list[float]]:
    from mcp import ClientSession, StdioServerParameters, stdio_client

    params = StdioServerParameters(
        command=sys.executable, args=["-m", "arazzo_runner", "mcp", str(FLAGSHIP), "--mock", "--quiet"], cwd=str(ROOT)
    )
    notified: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        notified.append(progress)

    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, read_timeout_seconds=60) as session:
            await session.initialize()

            def call(with_progress: bool) -> Callable[[], Awaitable[None]]:
                async def one() -> None:
                    callback = on_progress if with_progress else None
                    result = await session.call_tool(TOOL, INPUTS, progress_callback=callback)
                    content: Any = result.structured_content or {}
                    if result.is_error or not SID.match(str(content.get("serviceSid"))):
                        raise SystemExit(f"an MCP call did not succeed: {result.model_dump_json()[:600]}")

                return one

            plain = await timed(calls, warm_up, call(False))
            with_progress = await timed(calls, warm_up, call(True))
    if len(notified) != 3 * (calls + warm_up):
        raise SystemExit(f"{len(notified)} progress notifications, not {3 * (calls + warm_up)}")
    return plain, with_progress


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200, help="timed calls of each way")
    parser.add_argument("--warm-up", type=int, default=20, help="untimed calls of each way first")
    args = parser.parse_args()
    try:
        import mcp  # noqa: F401
    except ImportError:
        raise SystemExit("needs the MCP SDK: pip install 'arazzo-interpreter[mcp]'") from None

    local = anyio.run(in_process, args.calls, args.warm_up)
    plain, with_progress = anyio.run(over_stdio, args.calls, args.warm_up)
    base = statistics.fmean(local) * 1000

    def line(name: str, seconds: list[float], note: str = "") -> None:
        mean, median = statistics.fmean(seconds) * 1000, statistics.median(seconds) * 1000
        print(f"  {name:<40}mean {mean:7.2f} ms   median {median:7.2f} ms{note}")

    print(f"the flagship on the mock, {args.calls} calls each, one at a time (after {args.warm_up} untimed)")
    line("in process: Runner.run_async", local)
    for name, seconds in (("MCP over stdio: call_tool", plain), ("MCP over stdio, with progress", with_progress)):
        overhead = statistics.fmean(seconds) * 1000 - base
        verdict = "within" if overhead <= 5.0 else "OVER"
        line(name, seconds, f"   overhead {overhead:+6.2f} ms per call ({verdict} the 5 ms target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
