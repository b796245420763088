"""Run risky criteria under a memory cap; used by test_limits.py in a subprocess.

Reads a JSON list of cases from stdin: ``[id, context-name, condition, type]``; prints one
JSON line per case: ``[id, passed, error, seconds]``.  The address-space limit makes a
criterion that escapes its bounds end in MemoryError (or kill this process) instead of
taking the test run down with it.
"""

from __future__ import annotations

import json
import resource
import sys
import time

MEMORY_CAP = 1_000_000_000  # bytes of address space


def contexts() -> dict[str, object]:
    from arazzo_runner.expressions import ExpressionContext, HttpMessage

    def tree(depth: int, width: int) -> object:
        return {f"k{index}": tree(depth - 1, width) for index in range(width)} if depth else 1

    return {
        "xml": ExpressionContext(response=HttpMessage(headers={}, body="<r><a>x</a></r>")),
        "json": ExpressionContext(
            response=HttpMessage(headers={}, body={"t": tree(6, 8), "arr": list(range(200_000))})
        ),
        "text": ExpressionContext(response=HttpMessage(headers={}, body={"s": "a" * 50_000 + "!"})),
    }


def main() -> None:
    from arazzo_runner.expressions import evaluate_criterion

    cases = json.load(sys.stdin)
    available = contexts()
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    for case_id, context, condition, type_ in cases:
        start = time.perf_counter()
        result = evaluate_criterion(condition, available[context], criterion_context="$response.body", type_=type_)
        elapsed = time.perf_counter() - start
        print(json.dumps([case_id, result.passed, result.error, elapsed]), flush=True)


if __name__ == "__main__":
    main()
