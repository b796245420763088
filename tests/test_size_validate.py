"""Size: validating a workflow of 10,000 steps is linear: seconds, and well under 300 MB."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Runs the command given as arguments; prints its exit code, wall time and peak RSS (bytes).
# A fresh process, so that RUSAGE_CHILDREN covers that one command and nothing else.
MEASURE = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
print(json.dumps({"code": code, "seconds": seconds, "peak": peak}))
"""


def _big_workflow(steps: int) -> str:
    spec = importlib.util.spec_from_file_location("benchmark_validate", ROOT / "benchmarks" / "validate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text: str = module.big_workflow(steps)
    return text


@pytest.mark.skipif(sys.platform == "win32", reason="peak RSS is read with the resource module")
def test_ten_thousand_steps_validate_in_seconds_and_little_memory(tmp_path: Path) -> None:
    document = tmp_path / "big.arazzo.yaml"
    document.write_text(_big_workflow(10_000))
    env = dict(os.environ, ARAZZO_CACHE_DIR=str(tmp_path / "cache"))  # empty: the slower, first run
    env.pop("ARAZZO_NO_CACHE", None)
    command = [sys.executable, "-m", "arazzo_runner", "validate", str(document)]
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout)
    assert figures["code"] == 0  # the generated document is valid
    # measured 4 s and 180 MB; the bounds are generous for a slow machine
    assert figures["seconds"] < 10, figures
    assert figures["peak"] < 300 * 1024 * 1024, figures
