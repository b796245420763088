"""Message steps benchmark (issue 15).  Run: ``.venv/bin/python benchmarks/messages.py`` (or
``make bench-messages``); needs ``mosquitto`` on the PATH (Debian package) for the broker figures.

A workflow of two AsyncAPI steps (send a ping with a correlation id, then receive it back on the
same channel, filtered by that id) runs:

(a) on the built-in mock broker, one run at a time (``Runner.run``);
(b) against a real Mosquitto started here on a free port, one run at a time (each run opens its
    connection, subscribes when the workflow starts, publishes, receives, and closes);
(c) the same, ``--concurrency`` runs at once with ``Runner.run_many`` (asyncio).

Prints runs per second of each and the ratios (b)/(a) and (c)/(b), measured in this one run
(two shared cores: compare ratios, not absolute figures).  Every run must succeed.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from arazzo_runner import Runner

EVENTS = {
    "asyncapi": "3.0.0",
    "info": {"title": "pings", "version": "1"},
    "defaultContentType": "application/json",
    "servers": {"local": {"host": "127.0.0.1:1883", "protocol": "mqtt"}},
    "channels": {
        "pings": {
            "address": "bench/pings",
            "messages": {
                "Ping": {
                    "correlationId": {"location": "$message.header#/cid"},
                    "payload": {"type": "object", "properties": {"n": {"type": "integer"}}},
                }
            },
        }
    },
    "operations": {
        "sendPing": {"action": "send", "channel": {"$ref": "#/channels/pings"}},
        "receivePing": {"action": "receive", "channel": {"$ref": "#/channels/pings"}},
    },
}
WORKFLOW = {
    "arazzo": "1.1.0",
    "info": {"title": "ping", "version": "1"},
    "sourceDescriptions": [{"name": "events", "url": "./events.yaml", "type": "asyncapi"}],
    "workflows": [
        {
            "workflowId": "ping",
            "inputs": {"type": "object", "properties": {"cid": {"type": "string"}}},
            "steps": [
                {
                    "stepId": "send",
                    "operationId": "sendPing",
                    "action": "send",
                    "parameters": [{"name": "cid", "in": "header", "value": "$inputs.cid"}],
                    "requestBody": {"payload": {"n": 1}},
                },
                {
                    "stepId": "receive",
                    "operationId": "receivePing",
                    "action": "receive",
                    "correlationId": "$inputs.cid",
                    "timeout": 10000,
                    "outputs": {"n": "$message.payload#/n"},
                },
            ],
        }
    ],
}


def rate(runs: int, seconds: float) -> str:
    return f"{runs / seconds:8.1f} runs/s"


def sequential(runner: Runner, runs: int) -> float:
    started = time.perf_counter()
    for n in range(runs):
        result = runner.run(inputs={"cid": f"s{n}"})
        if result.status != "succeeded":
            sys.exit(f"run {n} failed: {result.error}")
    return time.perf_counter() - started


def concurrent(runner: Runner, runs: int, concurrency: int) -> float:
    started = time.perf_counter()
    items = ({"id": f"c{n}", "cid": f"c{n}"} for n in range(runs))
    for item in runner.run_many(items, concurrency=concurrency):
        if item.status != "succeeded":
            sys.exit(f"run {item.id} failed: {item.error}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "events.yaml").write_text(yaml.safe_dump(EVENTS))
        path = Path(folder) / "ping.arazzo.yaml"
        path.write_text(yaml.safe_dump(WORKFLOW))
        mock = sequential(Runner(path, mock=True), args.runs)
        print(f"(a) mock broker, one at a time:        {rate(args.runs, mock)}")
        program = shutil.which("mosquitto") or shutil.which("/usr/sbin/mosquitto")
        if program is None:
            print("(b), (c): mosquitto is not installed (apt-get install mosquitto)")
            return
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        config = Path(folder) / "mosquitto.conf"
        config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n")
        broker = subprocess.Popen([program, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(0.5)
            servers = {"events": f"mqtt://127.0.0.1:{port}"}
            one = sequential(Runner(path, servers=servers), args.runs)
            many = concurrent(Runner(path, servers=servers), args.runs, args.concurrency)
        finally:
            broker.terminate()
            broker.wait(10)
        print(f"(b) Mosquitto, one at a time:          {rate(args.runs, one)}   ({mock / one:.2f}x of (a))")
        print(
            f"(c) Mosquitto, {args.concurrency} at once (run_many):   {rate(args.runs, many)}   ({one / many:.2f}x of (b))"
        )


if __name__ == "__main__":
    main()
