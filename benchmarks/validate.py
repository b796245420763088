"""Validation benchmarks (issue: validate).  Run: ``.venv/bin/python benchmarks/validate.py [--runs N]``.

Prints, medians of N runs (default 5) in one run of this script:
(a) one cold ``arazzo validate`` process on the flagship workflow, its OpenAPI source read and
    checked, next to ``python3 -c pass`` (target: within 12x).  Child processes run with the
    bytecode cache (PYTHONDONTWRITEBYTECODE unset) and it is warmed first.
(b) validating every Arazzo document of ../shared/corpus in one process, next to only loading
    the same documents in one process (target: within 3x).  "Loading" reads what validation
    reads: each document and its source descriptions (the OpenAPI files parsed and indexed);
    loading the Arazzo documents alone is printed too, for reference.  Each figure is one fresh
    process, with the same warmed parse cache for both.
"""

from __future__ import annotations

import argparse
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
FLAGSHIP = ROOT / "workflows" / "twilio-provision-messaging-service-add-number-workflow.yml"
CORPUS = ROOT.parent / "shared" / "corpus"

# Cold processes as a user has them: with compiled bytecode cached.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

CHILD = r"""
import json, re, sys, time
from pathlib import Path
kind, corpus = sys.argv[1], Path(sys.argv[2])
key = re.compile(rb'(^|[{,\s])"?arazzo"?\s*:', re.MULTILINE)
files = [str(p) for p in sorted(corpus.rglob("*"))
         if p.suffix.lower() in (".yaml", ".yml", ".json") and p.is_file() and key.search(p.read_bytes()[:8192])]
import arazzo_runner
from arazzo_runner.errors import ArazzoError
from arazzo_runner.validation import validate
start = time.perf_counter()
findings = 0
for path in files:
    if kind == "validate":
        try:
            findings += len(validate(path).diagnostics)
        except ArazzoError:
            pass
        continue
    try:
        description = arazzo_runner.load(path)
    except ArazzoError:
        continue
    if kind == "documents":
        continue
    for source in description.document.source_descriptions:
        if not isinstance(source.name, str):
            continue
        try:
            if description.source(source.name).type == "openapi":
                description.openapi(source.name)
        except ArazzoError:
            pass
print(json.dumps({"seconds": time.perf_counter() - start, "files": len(files), "findings": findings}))
"""


OPENAPI = ROOT / "openapi" / "twilio-messaging-openapi.yml"


def big_workflow(steps: int, openapi: Path = OPENAPI) -> str:
    """An Arazzo document of one workflow of ``steps`` steps calling the flagship's operations.

    Steps cycle through creating a Messaging Service, fetching it and adding a phone number;
    each has parameters or a request body, successCriteria (also on ``$steps.<previous>``
    outputs) and outputs.
    """
    lines = [
        "arazzo: 1.0.1",
        "info: {title: Size test, version: 1.0.0}",
        "sourceDescriptions:",
        f"- {{name: messagingApi, url: '{openapi.as_uri()}', type: openapi}}",
        "workflows:",
        "- workflowId: big",
        "  inputs:",
        "    type: object",
        "    properties:",
        "      friendlyName: {type: string}",
        "      phoneNumberSid: {type: string}",
        "  steps:",
    ]
    for number in range(steps):
        previous = f"$steps.s{number - 1}.outputs.x"
        kind = number % 3
        lines.append(f"  - stepId: s{number}")
        if kind == 0:
            lines += [
                "    operationId: createMessagingService",
                "    requestBody:",
                "      contentType: application/x-www-form-urlencoded",
                "      payload: {FriendlyName: $inputs.friendlyName}",
                "    successCriteria:",
                "    - condition: $statusCode == 201",
            ]
        else:
            lines += [
                f"    operationId: {'fetchMessagingService' if kind == 1 else 'addPhoneNumber'}",
                "    parameters:",
                f"    - {{name: ServiceSid, in: path, value: {previous}}}",
            ]
            if kind == 2:
                lines += [
                    "    requestBody:",
                    "      contentType: application/x-www-form-urlencoded",
                    "      payload: {PhoneNumberSid: $inputs.phoneNumberSid}",
                ]
            lines += [
                "    successCriteria:",
                f"    - condition: $statusCode == {200 if kind == 1 else 201}",
                f"    - condition: {previous} != null",
            ]
        lines += ["    outputs:", "      x: $response.body#/sid"]
    lines += ["  outputs:", f"    last: $steps.s{steps - 1}.outputs.x", ""]
    return "\n".join(lines)


# Runs one command and prints its exit code, wall time and peak RSS (of the child) as JSON.
MEASURE = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
print(json.dumps({"code": code, "seconds": seconds, "peak": peak}))
"""


def measure(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    """Exit code, wall time and peak RSS in bytes of one process running ``argv``."""
    out = subprocess.run([sys.executable, "-c", MEASURE, *argv], env=env, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(out.stdout)
    return result


def size_figures() -> None:
    arazzo = str(Path(sys.executable).with_name("arazzo"))
    print("\n(c) size: one `arazzo validate` process on a generated workflow")
    with tempfile.TemporaryDirectory(prefix="arazzo-bench-size-") as directory:
        env = dict(CHILD_ENV, ARAZZO_CACHE_DIR=str(Path(directory) / "cache"))
        env.pop("ARAZZO_NO_CACHE", None)
        for steps in (10_000, 100_000):
            path = Path(directory) / f"steps-{steps}.arazzo.yaml"
            path.write_text(big_workflow(steps))
            size = path.stat().st_size / 1e6
            for label in ("empty parse cache", "warm parse cache"):
                figure = measure([arazzo, "validate", str(path)], env)
                print(
                    f"  {steps:>7,} steps ({size:5.1f} MB), {label}: exit {int(figure['code'])}"
                    f"  {figure['seconds']:7.2f} s  peak RSS {figure['peak'] / 1e6:7.1f} MB"
                    + ("  (target < 10 s, < 300 MB)" if steps == 10_000 else "  (target: finishes)")
                )


def median_process(argv: list[str], runs: int) -> float:
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=CHILD_ENV, check=False)  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=CHILD_ENV, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def corpus_child(kind: str, env: dict[str, str]) -> dict[str, float]:
    argv = [sys.executable, "-c", CHILD, kind, str(CORPUS)]
    result: dict[str, float] = json.loads(
        subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout
    )
    return result


def median_child(kind: str, env: dict[str, str], runs: int) -> dict[str, float]:
    results = [corpus_child(kind, env) for _ in range(runs)]
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size-only", action="store_true", help="print only the size figures (c)")
    options = parser.parse_args()
    runs = options.runs
    if options.size_only:
        size_figures()
        return 0

    arazzo = str(Path(sys.executable).with_name("arazzo"))
    argv = [arazzo, "validate", str(FLAGSHIP)]
    check = subprocess.run(argv, capture_output=True, text=True, env=CHILD_ENV)
    if check.returncode != 0:
        print(check.stdout + check.stderr)
        return 1
    python_pass = median_process([sys.executable, "-c", "pass"], runs)
    validate_time = median_process(argv, runs)
    print(f"(a) one cold process, median of {runs}")
    print(f"  python -c pass            {python_pass * 1000:7.1f} ms")
    print(
        f"  arazzo validate flagship  {validate_time * 1000:7.1f} ms   ratio {validate_time / python_pass:5.2f}x"
        "  (target <= 12x)"
    )

    if not CORPUS.exists():
        print(f"\n{CORPUS} is absent: no corpus figures")
        size_figures()
        return 0
    cache = tempfile.mkdtemp(prefix="arazzo-bench-cache-")
    try:
        env = dict(CHILD_ENV, ARAZZO_CACHE_DIR=cache)
        env.pop("ARAZZO_NO_CACHE", None)
        corpus_child("validate", env)  # fills the parse cache and the bytecode cache
        documents = median_child("documents", env, runs)
        loading = median_child("load", env, runs)
        validating = median_child("validate", env, runs)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    files = int(validating["files"])
    print(f"\n(b) the {files} Arazzo documents of {CORPUS}, one process each, median of {runs}")
    print(f"  load the documents only            {documents['seconds'] * 1000:8.1f} ms   (for reference)")
    print(f"  load the documents and sources     {loading['seconds'] * 1000:8.1f} ms")
    print(
        f"  validate ({int(validating['findings'])} findings)        {validating['seconds'] * 1000:8.1f} ms"
        f"   ratio {validating['seconds'] / loading['seconds']:5.2f}x  (target <= 3x)"
    )
    size_figures()
    return 0


if __name__ == "__main__":
    sys.exit(main())
