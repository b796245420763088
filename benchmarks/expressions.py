"""Expression benchmarks.  Run: ``.venv/bin/python benchmarks/expressions.py [--quick]``.

Prints, each figure the median of several timeit repetitions in one run:

* parse throughput: distinct runtime expressions, templates and simple conditions parsed per
  second, every parse and compile cache cleared before each repetition (so nothing is reused);
* evaluation throughput: already-compiled conditions evaluated per second against one context;
* the time of one already-compiled ``$statusCode == 201 && $response.body#/status == 'active'``
  next to the equivalent hand-written Python on the same data,
  ``status == 201 and body["status"].lower() == "active"`` (target: within 10x), and next to
  the same hand-written test as a function of the context, called like the compiled one.
"""

from __future__ import annotations

import statistics
import sys
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from arazzo_runner.expressions import (  # noqa: E402 - after the path is set
    ExpressionContext,
    HttpMessage,
    compile_condition,
    compile_expression,
    compile_template,
    compile_value,
    parse_condition,
    parse_expression,
    parse_template,
)
from arazzo_runner.expressions import evaluate as evaluate_module  # noqa: E402

QUICK = "--quick" in sys.argv
REPEAT = 5 if QUICK else 9
TARGET_RATIO = 10.0
HEADLINE = "$statusCode == 201 && $response.body#/status == 'active'"


def clear_caches() -> None:
    for cached in (
        parse_expression,
        parse_template,
        parse_condition,
        compile_condition,
        compile_template,
        compile_value,
        evaluate_module._compile_runtime,
    ):
        cached.cache_clear()


def distinct_texts(count: int) -> dict[str, list[str]]:
    """``count`` distinct strings of each kind, shaped like the ones real documents hold."""
    expressions, templates, conditions = [], [], []
    for i in range(count):
        expressions.append(
            (
                f"$steps.step{i}.outputs.value{i % 7}",
                f"$response.body#/items/{i % 50}/id",
                f"$inputs.field{i}",
                f"$request.header.X-Header-{i}",
                f"$workflows.flow{i}.outputs.result#/data/{i % 3}",
            )[i % 5]
        )
        templates.append(
            (
                f"https://{{$inputs.host{i}}}/api/{{$steps.create.outputs.id}}/items/{i}",
                f"Bearer {{$steps.login{i}.outputs.token}}",
                f'{{"id": {{$inputs.id{i}}}, "name": "{{$inputs.name}}"}}',
            )[i % 3]
        )
        conditions.append(
            (
                f"$statusCode == {200 + i % 100} && $response.body#/status{i} == 'active'",
                f"$response.body.items.length > {i} || $inputs.flag{i} == true",
                f"!($steps.s{i}.outputs.count < 3) && $response.header.X-Rate-{i} != null",
                f"($response.body#/total >= {i}.5 && $inputs.limit{i} <= '10') || $method == 'POST'",
            )[i % 4]
        )
    return {"expression": expressions, "template": templates, "condition": conditions}


def median_seconds(statement: Callable[[], Any], number: int, repeat: int = REPEAT) -> float:
    """Median over ``repeat`` runs of the time of one call (``number`` calls per run)."""
    runs = timeit.repeat(statement, number=number, repeat=repeat)
    return statistics.median(runs) / number


def median_statement(statement: str, namespace: dict[str, Any], repeat: int = REPEAT) -> float:
    """Median time of one execution of ``statement`` (timed with timeit's own loop)."""
    timer = timeit.Timer(statement, globals=namespace)
    number, _ = timer.autorange()  # enough calls for 0.2 s: far above the clock's resolution
    runs = timer.repeat(number=number, repeat=repeat)
    return statistics.median(runs) / number


def bench_parse() -> None:
    count = 2_000 if QUICK else 10_000
    texts = distinct_texts(count)
    parsers: dict[str, Callable[[str], Any]] = {
        "expression": parse_expression,
        "template": parse_template,
        "condition": parse_condition,
    }
    print(f"parse throughput ({count} distinct strings of each kind, caches cleared, median of {REPEAT}):")
    for kind, parse in parsers.items():
        strings = texts[kind]

        def run(strings: list[str] = strings, parse: Callable[[str], Any] = parse) -> None:
            clear_caches()
            for text in strings:
                parse(text)

        seconds = median_seconds(run, number=1)
        print(f"  {kind:<11} {len(strings) / seconds:>12,.0f} strings/s   ({seconds * 1e6 / len(strings):.2f} us each)")

    compilers: dict[str, Callable[[str], Any]] = {
        "expression": compile_expression,
        "template": compile_template,
        "condition": compile_condition,
    }
    print("parse + compile throughput (same strings):")
    for kind, compile_ in compilers.items():
        strings = texts[kind]

        def run_compile(strings: list[str] = strings, compile_: Callable[[str], Any] = compile_) -> None:
            clear_caches()
            for text in strings:
                compile_(text)

        seconds = median_seconds(run_compile, number=1)
        print(f"  {kind:<11} {len(strings) / seconds:>12,.0f} strings/s   ({seconds * 1e6 / len(strings):.2f} us each)")


def context() -> ExpressionContext:
    body = {
        "status": "Active",
        "id": 42,
        "total": 99.5,
        "items": [{"id": i, "name": f"item{i}"} for i in range(10)],
        "nested": {"deep": {"value": 7}},
    }
    return ExpressionContext(
        url="https://api.example.com/v1/items",
        method="POST",
        status_code=201,
        request=HttpMessage(headers={"Content-Type": "application/json"}, body={"name": "x"}),
        response=HttpMessage(headers={"Location": "/items/42", "X-Rate-Limit": "99"}, body=body),
        inputs={"limit": 10, "flag": True, "name": "Ann"},
        steps={"create": {"id": 42, "token": "t"}},
    )


CONDITIONS = [
    "$statusCode == 201",
    "$statusCode >= 200 && $statusCode < 300",
    "$response.body#/status == 'active'",
    HEADLINE,
    "$response.body.items.length > 0",
    "$response.body#/total > $inputs.limit",
    "$response.header.location != null",
    "!($response.body#/missing == 1) || $inputs.flag",
    "$steps.create.outputs.id == $response.body#/id",
    "($response.body).nested.deep.value == 7 && $method == 'post'",
]


def bench_evaluate() -> None:
    ctx = context()
    compiled = [compile_condition(text) for text in CONDITIONS]
    assert all(holds(ctx) for holds in compiled), [t for t, h in zip(CONDITIONS, compiled, strict=True) if not h(ctx)]

    def run_all() -> None:
        for holds in compiled:
            holds(ctx)

    number = 2_000 if QUICK else 20_000
    seconds = median_seconds(run_all, number=number)
    per = seconds / len(compiled)
    print(f"evaluation throughput ({len(compiled)} compiled conditions, median of {REPEAT}):")
    print(f"  {1 / per:>12,.0f} conditions/s   ({per * 1e9:.0f} ns each)")
    for text, holds in zip(CONDITIONS, compiled, strict=True):
        one = median_statement("holds(ctx)", {"holds": holds, "ctx": ctx}, repeat=3)
        print(f"  {one * 1e9:8.0f} ns  {text}")


def bench_headline() -> float:
    ctx = context()
    holds = compile_condition(HEADLINE)
    status = ctx.status_code
    body = ctx.response.body  # type: ignore[union-attr]
    assert holds(ctx) is True
    assert (status == 201 and body["status"].lower() == "active") is True

    def hand_written(ctx: ExpressionContext) -> bool:
        return bool(ctx.status_code == 201 and ctx.response.body["status"].lower() == "active")  # type: ignore[union-attr]

    compiled = median_statement("holds(ctx)", {"holds": holds, "ctx": ctx})
    inline = median_statement('status == 201 and body["status"].lower() == "active"', {"status": status, "body": body})
    function = median_statement("hand_written(ctx)", {"hand_written": hand_written, "ctx": ctx})
    ratio = compiled / inline
    print(f"compiled condition vs hand-written Python (median of {REPEAT}):")
    print(f"  {HEADLINE}")
    print(f"  compiled closure                         {compiled * 1e9:8.0f} ns")
    print('  status == 201 and body["status"].lower() == "active"')
    print(f"    inline on the same data                {inline * 1e9:8.0f} ns   ratio {ratio:5.1f}x")
    print(f"    as a function of the context           {function * 1e9:8.0f} ns   ratio {compiled / function:5.1f}x")
    verdict = "within" if ratio <= TARGET_RATIO else "ABOVE"
    print(f"  target: within {TARGET_RATIO:.0f}x of the inline hand-written test: {verdict} ({ratio:.1f}x)")
    return ratio


def main() -> int:
    print(f"python {sys.version.split()[0]}{' (quick)' if QUICK else ''}")
    bench_parse()
    print()
    bench_evaluate()
    print()
    ratio = bench_headline()
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
