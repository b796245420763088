"""Run benchmarks (issue: execution engine).  Run: ``.venv/bin/python benchmarks/run.py [--runs N]``.

Prints, in one run of this script:
(a) the flagship 3-step workflow run N times (default 5000) by one reused Runner on
    ``httpx.MockTransport``, next to a plain httpx loop sending the same three requests
    through the same transport (target: at least 1/3 of the plain loop's rate);
(b) the same against a local HTTP server in another process (target: at least 0.8);
    for (a) and (b): the last 500 runs against the first 500 (target: no slower than 1.2x)
    and the resident memory after the last run against after run 500 (target: 1.1x);
(c) one cold ``arazzo run`` process against the local server next to ``python -c pass``
    (median of 5; target: within 10x).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "workflows" / "twilio-provision-messaging-service-add-number-workflow.yml"
MG = "MG" + "a" * 32
PN = "PN" + "b" * 32
INPUTS = {"friendlyName": "Demo messaging service", "phoneNumberSid": PN}

SERVER = r"""
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
MG = "MG" + "a" * 32
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *args): pass
    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.endswith("/PhoneNumbers"):
            self.reply(201, {"sid": "PN" + "b" * 32, "service_sid": MG})
        else:
            self.reply(201, {"sid": MG, "friendly_name": "Demo messaging service"})
    def do_GET(self):
        self.reply(200, {"sid": MG, "friendly_name": "Demo messaging service"})
server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
print("ready", flush=True)
server.serve_forever()
"""


def mock_handler(request: httpx.Request) -> httpx.Response:
    if request.method == "POST" and request.url.path.endswith("/PhoneNumbers"):
        return httpx.Response(201, json={"sid": PN, "service_sid": MG})
    if request.method == "POST":
        return httpx.Response(201, json={"sid": MG, "friendly_name": INPUTS["friendlyName"]})
    return httpx.Response(200, json={"sid": MG, "friendly_name": INPUTS["friendlyName"]})


def plain_loop(client: httpx.Client, base: str, runs: int) -> float:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    started = time.perf_counter()
    for _ in range(runs):
        created = client.post(f"{base}/Services", content=b"FriendlyName=Demo+messaging+service", headers=form).json()
        sid = created["sid"]
        client.post(f"{base}/Services/{sid}/PhoneNumbers", content=f"PhoneNumberSid={PN}".encode(), headers=form).json()
        client.get(f"{base}/Services/{sid}").json()
    return time.perf_counter() - started


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def engine_loop(runner: Any, runs: int) -> tuple[float, list[float], float, float]:
    """Total seconds, per-run seconds, RSS after run 500 and after the last run."""
    times: list[float] = []
    rss_500 = 0.0
    started = time.perf_counter()
    for number in range(1, runs + 1):
        t0 = time.perf_counter()
        result = runner.run(None, INPUTS)
        times.append(time.perf_counter() - t0)
        if result.status != "succeeded":
            raise SystemExit(f"run {number} failed: {json.dumps(result.to_dict())[:500]}")
        if number == min(500, runs):
            rss_500 = rss_mb()
    return time.perf_counter() - started, times, rss_500, rss_mb()


def report(
    name: str, runs: int, engine: float, plain: float, times: list[float], rss_500: float, rss_end: float, target: float
) -> None:
    window = min(500, runs // 2)
    first, last = sum(times[:window]), sum(times[-window:])
    print(f"{name}")
    print(f"  engine     {runs / engine:8.0f} runs/s")
    print(f"  plain loop {runs / plain:8.0f} runs/s   ratio {plain / engine:5.2f}  (target >= {target:g})")
    print(f"  last {window} runs vs first {window}: {last / first:5.2f}x  (target <= 1.2x)")
    print(
        f"  RSS after run {runs}: {rss_end:.1f} MB vs after run 500: {rss_500:.1f} MB  ({rss_end / rss_500:.3f}x, target <= 1.1x)"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Cold processes as a user has them: with compiled bytecode cached (some shells set
# PYTHONDONTWRITEBYTECODE, which makes every start compile the sources again).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def median_process(argv: list[str], runs: int = 5) -> float:
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=CHILD_ENV, check=False)  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=CHILD_ENV, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5000)
    runs = parser.parse_args().runs
    from arazzo_runner import Runner

    transport = httpx.MockTransport(mock_handler)
    with httpx.Client(transport=transport) as client:
        runner = Runner(FLAGSHIP, client=client)
        runner.run(None, INPUTS)  # warm-up: parse caches
        engine, times, rss_500, rss_end = engine_loop(runner, runs)
        plain = plain_loop(client, "https://messaging.twilio.com/v1", runs)
    report(f"(a) httpx.MockTransport, {runs} runs", runs, engine, plain, times, rss_500, rss_end, 1 / 3)

    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        base = f"http://127.0.0.1:{port}/v1"
        with httpx.Client() as client:
            runner = Runner(FLAGSHIP, client=client, servers={"messagingApi": base})
            runner.run(None, INPUTS)
            engine, times, rss_500, rss_end = engine_loop(runner, runs)
            plain = plain_loop(client, base, runs)
        report(f"(b) local HTTP server, {runs} runs", runs, engine, plain, times, rss_500, rss_end, 0.8)

        python_pass = median_process([sys.executable, "-c", "pass"])
        arazzo = str(Path(sys.executable).with_name("arazzo"))
        argv = [arazzo, "run", str(FLAGSHIP), "--server", f"messagingApi={base}", "--inputs", json.dumps(INPUTS)]
        check = subprocess.run(argv, capture_output=True, text=True)
        if check.returncode != 0:
            print(check.stderr)
        cli = median_process(argv)
        print("(c) one CLI run, median of 5")
        print(f"  python -c pass {python_pass * 1000:7.1f} ms")
        print(f"  arazzo run     {cli * 1000:7.1f} ms   ratio {cli / python_pass:5.2f}x  (target <= 10x)")
    finally:
        server.terminate()
        server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
