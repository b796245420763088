"""What the tests that start real components (Temporal, brokers, Chromium) share: the skip or
fail rule, finding a program, free ports, and stopping a process group."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest


def unavailable(reason: str, variable: str) -> NoReturn:
    """Skip the test with ``reason``, or fail it when the environment ``variable`` (CI's
    ``ARAZZO_REQUIRE_<THING>``) is ``1``."""
    if os.environ.get(variable) == "1":
        pytest.fail(f"{reason} ({variable}=1 requires it)", pytrace=False)
    pytest.skip(reason)


def executable(name: str, *places: str) -> str | None:
    """``name`` in the first of ``places`` that has it, else on PATH (Debian puts daemons in
    /usr/sbin, which is not on a normal user's PATH)."""
    for candidate in (*(str(Path(place) / name) for place in places), shutil.which(name)):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def free_ports(count: int) -> list[int]:
    """``count`` distinct free TCP ports of 127.0.0.1 (held open together so that they differ;
    another process may still take one first, which the starters survive by trying again)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def accepts(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def stop_process(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """SIGTERM to the process and its group (it was started in a session of its own), then
    SIGKILL after ``grace`` seconds; always waited for, so no zombie is left."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
