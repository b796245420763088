"""Telling a file's kind from its first bytes.  Run: ``.venv/bin/python benchmarks/validate_detect.py``.

Prints, medians of N runs (default 5):
(a) :func:`~arazzo_runner.loading.detect.sniff` on a generated 3 MB OpenAPI file whose
    ``openapi`` key comes first (target: under 50 ms), and on the same file with the key last
    (the top-level lines are scanned to the end), as YAML and as JSON, next to a full parse;
(b) one cold ``arazzo validate`` process on the 3 MB file (which says it is an OpenAPI
    description, not an Arazzo document), next to ``python3 -c pass``;
(c) ``find_documents`` on ../shared/corpus, when present.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def openapi_text(at_end: bool, size: int = 3_000_000) -> str:
    parts = ["info: {title: big, version: '1'}\n", "paths:\n"]
    written = number = 0
    while written < size:
        item = (
            f"  /things/{number}:\n    get:\n      operationId: getThing{number}\n"
            f"      description: {'lorem ipsum ' * 20}\n      responses:\n        '200': {{description: ok}}\n"
        )
        parts.append(item)
        written += len(item)
        number += 1
    key = "openapi: 3.1.0\n"
    return "".join(parts) + key if at_end else key + "".join(parts)


def median(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs

    import yaml

    from arazzo_runner.loading.detect import detect_file, find_documents
    from arazzo_runner.loading.yamlfile import parse

    with tempfile.TemporaryDirectory(prefix="arazzo-bench-detect-") as directory:
        files = {}
        for at_end in (False, True):
            text = openapi_text(at_end)
            where = "last" if at_end else "first"
            files[f"YAML, openapi {where}"] = Path(directory, f"{where}.yaml")
            files[f"YAML, openapi {where}"].write_text(text)
            files[f"JSON, openapi {where}"] = Path(directory, f"{where}.json")
            files[f"JSON, openapi {where}"].write_text(json.dumps(yaml.safe_load(text), indent=2))
        print("(a) detect_file on a 3 MB OpenAPI file")
        for label, path in files.items():
            seconds = median(lambda path=path: detect_file(str(path)), runs)
            target = "  (target < 50 ms)" if label == "YAML, openapi first" else ""
            print(f"  {label:<20} {path.stat().st_size / 1e6:4.1f} MB  {seconds * 1000:8.2f} ms{target}")
        first = files["YAML, openapi first"]
        raw = first.read_bytes()
        print(
            f"  full parse (YAML)         {median(lambda: parse(raw, first.name), 1) * 1000:8.0f} ms  (for comparison)"
        )

        arazzo = str(Path(sys.executable).with_name("arazzo"))
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["ARAZZO_NO_CACHE"] = "1"

        def process(argv: list[str]) -> None:
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)

        process([arazzo, "validate", str(first)])  # warm the bytecode cache
        validate = median(lambda: process([arazzo, "validate", str(first)]), runs)
        bare = median(lambda: process([sys.executable, "-c", "pass"]), runs)
        print("(b) one `arazzo validate` process on the 3 MB OpenAPI file")
        print(f"  arazzo validate  {validate * 1000:8.0f} ms   python -c pass  {bare * 1000:6.0f} ms")

    if CORPUS.is_dir():
        found = find_documents(str(CORPUS))
        seconds = median(lambda: find_documents(str(CORPUS)), runs)
        print(f"(c) find_documents on {CORPUS}")
        print(f"  {len(found.documents)} Arazzo documents, {len(found.skipped)} other files:  {seconds * 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
