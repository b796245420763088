"""Start-up benchmark (issue 11, point 8).  Run: ``python3 benchmarks/startup.py [--runs N]``.

Times one cold ``arazzo run`` of the flagship workflow against a loopback server next to
Jentic's ``arazzo-runner execute-workflow`` (PyPI ``arazzo-runner`` 0.9.6) on the same server,
and prints the medians and their ratio (target of the issue: at most 0.5x). Figures only.

Jentic's runner lives in its own venv, made once under ``--cache`` (default: a folder in the
system temp dir) with pip from the package index; only this script downloads anything. It
also installs a module named ``arazzo_runner``, which is why it cannot share our venv.

Jentic's runner takes the server from the OpenAPI description's ``servers`` (it has no
override, only server variables, and 0.9.6 doubles the base path when the host has a variable),
so both runners read copies of the flagship and its OpenAPI description whose server URL is
the loopback server's; ours also gets that URL with ``--server``. Every timed run is
checked against the server's request log (the three requests of the flagship, in order),
so a runner that failed to reach the server is reported, not timed.

Rows for ours:
- ``as installed``: ``.venv/bin/arazzo`` as ``make install`` left the checkout;
- ``no .pyc``: a copy of the package without bytecode, on ``PYTHONPATH``, with
  ``PYTHONDONTWRITEBYTECODE=1`` (an editable install where no step compiled it);
- ``with .pyc``: the same copy, compiled first.
Jentic's venv is as pip installed it (pip compiles bytecode). Its package without bytecode is
printed too, for symmetry.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "workflows" / "twilio-provision-messaging-service-add-number-workflow.yml"
OPENAPI = ROOT / "openapi" / "twilio-messaging-openapi.yml"
SERVER_LINE = "- url: https://messaging.twilio.com/v1\n"
WORKFLOW_ID = "provision-messaging-service-add-number"
JENTIC = "arazzo-runner==0.9.6"
MG = "MG" + "a" * 32
PN = "PN" + "b" * 32
INPUTS = {"friendlyName": "Demo messaging service", "phoneNumberSid": PN}
EXPECTED = [("POST", "/v1/Services"), ("POST", f"/v1/Services/{MG}/PhoneNumbers"), ("GET", f"/v1/Services/{MG}")]


class Handler(BaseHTTPRequestHandler):
    """Answers the flagship's three Twilio requests and logs each (method, path)."""

    protocol_version = "HTTP/1.1"
    # The body goes out right after the headers: with Nagle's algorithm it would wait for the
    # client's delayed ACK (40 ms on Linux), which would swamp what is measured.
    disable_nagle_algorithm = True
    log: list[tuple[str, str]] = []
    lock = threading.Lock()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def reply(self, status: int, body: dict[str, str]) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.lock:
            self.log.append((self.command, self.path))
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        if self.path.endswith("/PhoneNumbers"):
            self.reply(201, {"sid": PN, "service_sid": MG})
        else:
            self.reply(201, {"sid": MG, "friendly_name": INPUTS["friendlyName"]})

    def do_GET(self) -> None:
        self.reply(200, {"sid": MG, "friendly_name": INPUTS["friendlyName"]})


@contextmanager
def loopback_server() -> Iterator[int]:
    """A ThreadingHTTPServer on a free loopback port, in a thread of this process."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def stage_documents(folder: Path, base: str) -> Path:
    """Copies of the flagship and its OpenAPI description, whose server URL is ``base``."""
    text = OPENAPI.read_text(encoding="utf-8")
    if SERVER_LINE not in text:
        raise SystemExit(f"{OPENAPI}: expected the line {SERVER_LINE.strip()!r}")
    templated = f"- url: {base}\n"
    (folder / "openapi").mkdir(parents=True)
    (folder / "workflows").mkdir()
    (folder / "openapi" / OPENAPI.name).write_text(text.replace(SERVER_LINE, templated, 1), encoding="utf-8")
    shutil.copy(FLAGSHIP, folder / "workflows" / FLAGSHIP.name)
    return folder / "workflows" / FLAGSHIP.name


def jentic_venv(cache: Path) -> Path:
    """The venv with Jentic's runner, made on first use; returns its ``bin`` folder."""
    venv = cache / "jentic-arazzo-runner-0.9.6"
    marker = venv / ".installed"
    if not marker.exists():
        print(f"installing {JENTIC} into {venv} ...", file=sys.stderr, flush=True)
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, JENTIC], check=True)
        marker.touch()
    return venv / "bin"


def package_copy(python: Path, folder: Path, *, compiled: bool) -> Path:
    """A copy of the ``arazzo_runner`` package that ``python`` imports, without its bytecode.

    The copy goes on ``PYTHONPATH`` ahead of the installed package; ``compiled`` compiles it.
    """
    probe = "import importlib.util as u; print(u.find_spec('arazzo_runner').submodule_search_locations[0])"
    found = subprocess.run([str(python), "-c", probe], cwd=folder.parent, capture_output=True, text=True, check=True)
    source = Path(found.stdout.strip())
    shutil.copytree(source, folder / "arazzo_runner", ignore=shutil.ignore_patterns("__pycache__"))
    if compiled and not compileall.compile_dir(str(folder / "arazzo_runner"), quiet=1):
        raise SystemExit(f"could not compile the copy of {source}")
    return folder


class Command:
    """One way of running the flagship: argv, environment, and the package it must import."""

    def __init__(self, name: str, argv: list[str], python: Path, pythonpath: Path | None = None) -> None:
        self.name = name
        self.argv = argv
        self.env = dict(os.environ)
        if pythonpath is not None:
            self.env["PYTHONPATH"] = str(pythonpath)
            self.env["PYTHONDONTWRITEBYTECODE"] = "1"  # the copy stays as it was made
        self.python = python
        self.pythonpath = pythonpath
        self.times: list[float] = []
        # Not the checkout: `python -c` puts the working directory first on sys.path.
        self.cwd = tempfile.gettempdir()

    def check_import(self) -> None:
        """The copy on PYTHONPATH must be the package the command imports."""
        if self.pythonpath is None:
            return
        probe = "import arazzo_runner; print(arazzo_runner.__file__)"
        found = subprocess.run(
            [str(self.python), "-c", probe], env=self.env, cwd=self.cwd, capture_output=True, text=True
        ).stdout
        if not found.startswith(str(self.pythonpath)):
            raise SystemExit(f"{self.name}: imports {found.strip()!r}, not the copy in {self.pythonpath}")

    def run_once(self) -> float:
        """One run, timed; fails unless the server saw exactly the flagship's three requests."""
        with Handler.lock:
            Handler.log.clear()
        started = time.perf_counter()
        done = subprocess.run(self.argv, env=self.env, cwd=self.cwd, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        with Handler.lock:
            seen = list(Handler.log)
        if done.returncode != 0 or seen != EXPECTED or MG not in done.stdout:
            raise SystemExit(
                f"{self.name}: exit {done.returncode}, server saw {seen}\n"
                f"stdout: {done.stdout[-1500:]}\nstderr: {done.stderr[-1500:]}"
            )
        return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each command (default 10)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "arazzo-startup-bench")
    parser.add_argument("--arazzo", type=Path, default=ROOT / ".venv" / "bin" / "arazzo", help="our CLI")
    args = parser.parse_args()
    if not args.arazzo.exists():
        raise SystemExit(f"{args.arazzo} not found: run `make install` first")
    args.cache.mkdir(parents=True, exist_ok=True)
    jentic_bin = jentic_venv(args.cache)
    ours_python = args.arazzo.with_name("python")

    with tempfile.TemporaryDirectory() as scratch, loopback_server() as port:
        work = Path(scratch)
        base = f"http://127.0.0.1:{port}/v1"
        flagship = stage_documents(work / "docs", base)
        ours_argv = [str(args.arazzo), "run", str(flagship), "--server", f"messagingApi={base}"]
        ours_argv += ["--inputs", json.dumps(INPUTS)]
        jentic_argv = [str(jentic_bin / "arazzo-runner"), "execute-workflow", str(flagship)]
        jentic_argv += ["--workflow-id", WORKFLOW_ID, "--inputs", json.dumps(INPUTS)]
        jentic_python = jentic_bin / "python"
        commands = [
            Command("ours, as installed", ours_argv, ours_python),
            Command(
                "ours, no .pyc", ours_argv, ours_python, package_copy(ours_python, work / "ours-src", compiled=False)
            ),
            Command(
                "ours, with .pyc", ours_argv, ours_python, package_copy(ours_python, work / "ours-pyc", compiled=True)
            ),
            Command("Jentic 0.9.6, as installed", jentic_argv, jentic_python),
            Command(
                "Jentic 0.9.6, no .pyc",
                jentic_argv,
                jentic_python,
                package_copy(jentic_python, work / "jentic-src", compiled=False),
            ),
        ]
        for command in commands:
            command.check_import()
            command.run_once()  # warm the OS caches; also proves the command reaches the server
        # Interleaved rounds, so that load from other processes falls on every command alike.
        for _ in range(args.runs):
            for command in commands:
                command.times.append(command.run_once())

    medians = {command.name: statistics.median(command.times) for command in commands}
    print(f"one cold run of the flagship against a loopback server, median of {args.runs} (min in brackets)")
    for command in commands:
        print(f"  {command.name:28} {medians[command.name] * 1000:7.1f} ms  ({min(command.times) * 1000:6.1f})")
    jentic = medians["Jentic 0.9.6, as installed"]
    print("ratio to Jentic 0.9.6 as installed (target of issue 11: <= 0.5x)")
    for name in ("ours, as installed", "ours, no .pyc", "ours, with .pyc"):
        print(f"  {name:28} {medians[name] / jentic:5.2f}x")
    print(f"  (both without .pyc: {medians['ours, no .pyc'] / medians['Jentic 0.9.6, no .pyc']:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
