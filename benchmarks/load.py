"""Load benchmarks (issue: foundation).  Run: ``.venv/bin/python benchmarks/load.py``.

Prints, medians of 5 in one run:
* the cold-process time of ``arazzo --help`` next to ``python3 -c pass``  (target: within 4x);
* for each OpenAPI file in ../shared/corpus/_bench: ``load_openapi()`` next to a bare parse
  (``json.load``, or PyYAML's C loader) in time (target 2x) and peak traced memory (target 3x),
  each measured in a fresh process with an empty parse cache;
* the second load of the same unchanged file, (a) in the same process and (b) in a new
  process with the parse cache filled by the first (target: within 0.1x of the first).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "corpus" / "_bench"
RUNS = 5

CHILD = r"""
import json, sys, time, tracemalloc
kind, path = sys.argv[1], sys.argv[2]
trace = len(sys.argv) > 3
# imports happen before the clock starts: the figures compare parsing, not start-up
if kind == "bare":
    import yaml
else:
    from arazzo_runner import load_openapi
if trace:
    tracemalloc.start()
start = time.perf_counter()
if kind == "bare":
    if path.endswith(".json"):
        with open(path, "rb") as f:
            data = json.load(f)
    else:
        with open(path, "rb") as f:
            data = yaml.load(f, Loader=yaml.CSafeLoader)
elif kind == "ours":
    index = load_openapi(path)
elif kind == "twice":
    load_openapi(path)
    start = time.perf_counter()
    load_openapi(path)
elapsed = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1] if trace else 0
print(json.dumps({"seconds": elapsed, "peak": peak}))
"""


def _median_process(argv: list, env: dict) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _child(kind: str, path: Path, env: dict, trace: bool = False) -> dict:
    argv = [sys.executable, "-c", CHILD, kind, str(path)] + (["trace"] if trace else [])
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def _median_child(kind: str, path: Path, env: dict, fresh_cache: bool, trace: bool = False) -> dict:
    results = []
    for _ in range(RUNS):
        if fresh_cache:
            shutil.rmtree(env["ARAZZO_CACHE_DIR"], ignore_errors=True)
        results.append(_child(kind, path, env, trace))
    return {key: statistics.median(r[key] for r in results) for key in ("seconds", "peak")}


def main() -> int:
    cache = tempfile.mkdtemp(prefix="arazzo-bench-cache-")
    env = dict(os.environ, ARAZZO_CACHE_DIR=cache)
    # cold processes as a user has them: with compiled bytecode cached
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("ARAZZO_NO_CACHE", None)
    subprocess.run([str(Path(sys.executable).with_name("arazzo")), "--help"], env=env, capture_output=True)
    arazzo = Path(sys.executable).with_name("arazzo")
    python_pass = _median_process([sys.executable, "-c", "pass"], env)
    help_time = _median_process([str(arazzo), "--help"], env)
    print(f"cold process, median of {RUNS}:")
    print(f"  python -c pass   {python_pass * 1000:8.1f} ms")
    print(f"  arazzo --help    {help_time * 1000:8.1f} ms   ratio {help_time / python_pass:5.2f}x  (target <= 4x)")

    files = sorted(p for p in BENCH.rglob("*") if p.suffix in (".json", ".yaml", ".yml")) if BENCH.exists() else []
    if not files:
        print(f"\n{BENCH} is absent: no OpenAPI load figures")
        return 0
    print(f"\nload_openapi() vs bare parse, fresh process and empty parse cache, median of {RUNS}:")
    for path in files:
        size = path.stat().st_size / 1e6
        bare = _median_child("bare", path, env, fresh_cache=True)
        ours = _median_child("ours", path, env, fresh_cache=True)
        bare_mem = _median_child("bare", path, env, fresh_cache=True, trace=True)
        ours_mem = _median_child("ours", path, env, fresh_cache=True, trace=True)
        same_process = _median_child("twice", path, env, fresh_cache=True)
        # the cache is now filled by the runs above: a new process reads it
        _child("ours", path, env)
        new_process = _median_child("ours", path, env, fresh_cache=False)
        name = str(path.relative_to(BENCH))
        print(f"  {name} ({size:.1f} MB)")
        print(
            f"    time    bare {bare['seconds'] * 1000:8.1f} ms   load_openapi {ours['seconds'] * 1000:8.1f} ms"
            f"   ratio {ours['seconds'] / bare['seconds']:5.2f}x  (target <= 2x)"
        )
        print(
            f"    memory  bare {bare_mem['peak'] / 1e6:8.1f} MB   load_openapi {ours_mem['peak'] / 1e6:8.1f} MB"
            f"   ratio {ours_mem['peak'] / bare_mem['peak']:5.2f}x  (target <= 3x)"
        )
        print(
            f"    second load: same process {same_process['seconds'] * 1000:8.2f} ms"
            f" ({same_process['seconds'] / ours['seconds']:.3f}x);"
            f" new process, cache warm {new_process['seconds'] * 1000:8.1f} ms"
            f" ({new_process['seconds'] / ours['seconds']:.3f}x)  (target <= 0.1x)"
        )
    shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
