"""run_many and arun_many on one Runner: results as runs finish, at most `concurrency` runs
at once, inputs pulled only as slots free up, one run's failure never another's."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from arazzo_runner import Runner
from arazzo_runner.batch import BatchItem, BatchResult, arun_many, run_many
from arazzo_runner.errors import UsageError

from .conftest import FLAGSHIP, PN, SID, customers, fake_twilio


def runner(transport: httpx.MockTransport) -> Runner:
    return Runner(str(FLAGSHIP), transport=transport)


def test_every_item_gets_one_result_and_failures_stay_their_own() -> None:
    log: list[str] = []
    items: list[Any] = customers(6)
    items[2] = {"id": "bad-inputs", "friendlyName": 3}
    items.append([1, 2])  # not an object: reported, never run
    items.append(BatchItem("typed", {"friendlyName": "Typed", "phoneNumberSid": PN}))
    results = {r.id: r for r in run_many(runner(fake_twilio(log, fail={"Customer 4"})), items, concurrency=3)}
    assert sorted(results) == sorted(["cust-1", "cust-2", "bad-inputs", "cust-4", "cust-5", "cust-6", "7", "typed"])
    assert {run_id: r.status for run_id, r in results.items()} == {
        "cust-1": "succeeded", "cust-2": "succeeded", "bad-inputs": "error", "cust-4": "failed",
        "cust-5": "succeeded", "cust-6": "succeeded", "7": "error", "typed": "succeeded",
    }  # fmt: skip
    for run_id in ("cust-1", "cust-2", "cust-5", "cust-6", "typed"):
        assert re.match(SID, results[run_id].outputs["serviceSid"])
        assert results[run_id].step_count == 3 and results[run_id].error is None
    assert results["cust-5"].outputs["friendlyName"] == "Customer 5"
    failed = results["cust-4"]
    assert (failed.step_count, failed.error and failed.error.type, failed.error and failed.error.step_id) == (
        2, "criteria", "addNumber",
    )  # fmt: skip
    assert results["bad-inputs"].error is not None and results["bad-inputs"].error.type == "inputs"
    assert "missing required input 'phoneNumberSid'" in results["bad-inputs"].error.message
    assert results["7"].error is not None and results["7"].error.message == "item 7 is not a JSON object but an array"
    assert sorted(log) == sorted(["Customer 1", "Customer 2", "Customer 4", "Customer 5", "Customer 6", "Typed"])


@pytest.mark.parametrize("concurrency", [1, 3, 8])
def test_at_most_concurrency_runs_at_once_and_inputs_pulled_as_slots_free(concurrency: int) -> None:
    in_flight = {"now": 0, "most": 0}
    pulled: list[int] = []
    seen_when_yielding: list[int] = []
    base = fake_twilio(delay=0.002)

    async def counting(request: httpx.Request) -> httpx.Response:
        in_flight["now"] += 1
        in_flight["most"] = max(in_flight["most"], in_flight["now"])
        try:
            return await base.handle_async_request(request)
        finally:
            in_flight["now"] -= 1

    def lines() -> Iterator[dict[str, Any]]:
        for number, line in enumerate(customers(20), 1):
            pulled.append(number)
            yield line

    results = []
    for result in run_many(runner(httpx.MockTransport(counting)), lines(), concurrency=concurrency):
        seen_when_yielding.append(len(pulled))
        results.append(result)
    assert len(results) == 20 and all(r.succeeded for r in results)
    assert in_flight["most"] == concurrency  # requests of different runs overlapped, never more
    # when the first result came, no more than one run per slot (and the one being read) was pulled
    assert seen_when_yielding[0] <= concurrency + 1


def test_concurrency_one_runs_in_input_order() -> None:
    log: list[str] = []
    results = list(run_many(runner(fake_twilio(log, delay=0.001)), customers(5), concurrency=1))
    assert [r.id for r in results] == [f"cust-{n}" for n in range(1, 6)]
    assert log == [f"Customer {n}" for n in range(1, 6)]


def test_results_come_in_completion_order() -> None:
    slow = {"Customer 1"}
    base = fake_twilio()

    async def handle(request: httpx.Request) -> httpx.Response:
        if b"Customer+1" in request.content:
            await asyncio.sleep(0.2)
        return await base.handle_async_request(request)

    results = list(run_many(runner(httpx.MockTransport(handle)), customers(4), concurrency=4))
    assert [r.id for r in results][-1] == "cust-1" and len(slow) == 1
    assert results[-1].elapsed >= 0.2


def test_leaving_early_cancels_the_runs_in_flight_and_the_runner_stays_usable() -> None:
    log: list[str] = []
    the_runner = runner(fake_twilio(log, delay=0.05))
    results = run_many(the_runner, customers(50), concurrency=4)
    first = next(results)
    results.close()
    started = len(log)
    time.sleep(0.2)
    assert len(log) == started <= 5  # the first run and at most 4 in flight; nothing started since
    assert first.succeeded
    assert [r.status for r in run_many(the_runner, customers(2))] == ["succeeded", "succeeded"]


def test_a_bug_in_one_run_is_that_runs_error() -> None:
    class Flaky(Runner):
        async def run_async(self, workflow_id: str | None = None, inputs: Any = None) -> Any:
            if inputs and inputs.get("friendlyName") == "Customer 2":
                raise RuntimeError("boom")
            return await super().run_async(workflow_id, inputs)

    results = {r.id: r for r in run_many(Flaky(str(FLAGSHIP), transport=fake_twilio()), customers(3))}
    assert [results[f"cust-{n}"].status for n in (1, 2, 3)] == ["succeeded", "error", "succeeded"]
    error = results["cust-2"].error
    assert error is not None and (error.type, error.message) == (
        "internal", "RuntimeError: boom (this is a bug in arazzo_runner)",
    )  # fmt: skip


def test_an_error_of_the_inputs_iterable_reaches_the_caller() -> None:
    def lines() -> Iterator[dict[str, Any]]:
        yield customers(1)[0]
        raise OSError("disk gone")

    results = run_many(runner(fake_twilio()), lines())
    with pytest.raises(OSError, match="disk gone"):
        list(results)


@pytest.mark.parametrize("concurrency", [0, -1, 257, 2.5, True])
def test_concurrency_must_be_a_whole_number_from_1_to_256(concurrency: Any) -> None:
    with pytest.raises(UsageError, match="concurrency must be a whole number from 1 to 256"):
        run_many(runner(fake_twilio()), [], concurrency=concurrency)


def test_arun_many_in_the_callers_loop_with_an_async_iterable() -> None:
    log: list[str] = []

    async def lines() -> AsyncIterator[dict[str, Any]]:
        for line in customers(10):
            await asyncio.sleep(0)
            yield line

    async def main() -> list[BatchResult]:
        async with runner(fake_twilio(log, delay=0.001)) as the_runner:
            return [result async for result in arun_many(the_runner, lines(), concurrency=4)]

    results = asyncio.run(main())
    assert sorted(r.id for r in results) == sorted(f"cust-{n}" for n in range(1, 11))
    assert all(r.succeeded for r in results) and len(log) == 10


def test_run_many_works_inside_a_running_loop() -> None:
    async def main() -> list[str]:
        # a notebook's loop: run_many's own loop runs in its thread
        return [r.status for r in run_many(runner(fake_twilio()), customers(3))]

    assert asyncio.run(main()) == ["succeeded"] * 3


def test_no_result_keeps_the_run() -> None:
    (result,) = run_many(runner(fake_twilio()), customers(1))
    assert not hasattr(result, "steps") and not hasattr(result, "__dict__")  # slots: nothing else is kept
