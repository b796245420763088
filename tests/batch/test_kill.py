"""A batch killed half way (SIGKILL: no clean-up at all) and resumed: every id ends up in the
results exactly once, and the only runs done twice are the ones in flight at the kill. Ctrl-C
(SIGINT) stops a batch with exit 130 and a results file that resumes."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from arazzo_runner.batch import read_results
from arazzo_runner.cli import main

from ..paths import ROOT
from .conftest import FLAGSHIP, LoggedMock, customers, write_lines

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="signals to a child process")

CONCURRENCY = 4


def start_batch(server: LoggedMock, inputs: Path, results: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    argv = [sys.executable, "-m", "arazzo_runner", "run", str(FLAGSHIP), "--server", f"messagingApi={server.url}",
            "--batch", str(inputs), "--results", str(results), "--concurrency", str(CONCURRENCY)]  # fmt: skip
    return subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip


def wait_for_lines(results: Path, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if results.exists() and results.read_bytes().count(b"\n") >= count:
            return
        time.sleep(0.01)
    raise AssertionError(f"the batch did not write {count} lines in time (exit {process.poll()})")


def settle(server: LoggedMock) -> None:
    """Wait until the server has logged no new request for 0.3 s."""
    count = -1
    while count != len(server.requests):
        count = len(server.requests)
        time.sleep(0.3)


def test_a_killed_batch_resumes_running_again_only_what_was_in_flight(tmp_path: Path) -> None:
    inputs = write_lines(tmp_path / "in.jsonl", customers(100))
    results = tmp_path / "out.jsonl"
    server = LoggedMock(delay=0.01)
    with server.server:
        process = start_batch(server, inputs, results)
        try:
            wait_for_lines(results, 40, process)
        finally:
            process.kill()
            process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL
        settle(server)  # requests the batch sent just before it died are still being answered
        done_at_kill = set(read_results(str(results)).done)
        created_at_kill = Counter(server.created())
        assert 40 <= len(done_at_kill) < 100
        assert max(created_at_kill.values()) == 1  # nothing ran twice in one batch

        out, err = io.StringIO(), io.StringIO()
        argv = ["run", str(FLAGSHIP), "--server", f"messagingApi={server.url}", "--batch", str(inputs),
                "--results", str(results), "--resume", "--concurrency", str(CONCURRENCY)]  # fmt: skip
        assert main(argv, stdout=out, stderr=err) == 0, err.getvalue()

    ids = Counter(json.loads(line)["id"] for line in results.read_text().splitlines())
    assert sorted(ids) == sorted(f"cust-{n}" for n in range(1, 101)) and set(ids.values()) == {1}
    created = Counter(server.created())
    assert sorted(created) == sorted(f"Customer {n}" for n in range(1, 101))  # every run happened
    twice = {name for name, count in created.items() if count > 1}
    # exactly the runs that had started (created their service) and had no result line at the kill
    in_flight = {name for name in created_at_kill if "cust-" + name.split()[1] not in done_at_kill}
    assert twice == in_flight and len(twice) <= CONCURRENCY
    assert max(created.values()) <= 2


def test_ctrl_c_stops_with_130_and_the_results_resume(tmp_path: Path) -> None:
    inputs = write_lines(tmp_path / "in.jsonl", customers(60))
    results = tmp_path / "out.jsonl"
    server = LoggedMock(delay=0.01)
    with server.server:
        process = start_batch(server, inputs, results)
        try:
            wait_for_lines(results, 10, process)
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=30)
        finally:
            process.kill()
        assert process.returncode == 130, err
        assert "Traceback" not in err and out == ""
        assert err.splitlines()[-1] == (
            f"interrupted: the runs in flight have no result line; --resume --results {results} runs them"
        )
        assert " runs: " in err.splitlines()[-2]
        done = read_results(str(results))
        assert done.dropped is None and 10 <= len(done.done) < 60
        code = main(["run", str(FLAGSHIP), "--server", f"messagingApi={server.url}", "--batch", str(inputs),
                     "--results", str(results), "--resume"], stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
        assert code == 0
    assert len(read_results(str(results)).done) == 60
