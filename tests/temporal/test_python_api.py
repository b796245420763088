"""``arazzo_runner.temporal`` for embedders: a worker and a run in this very process."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ..paths import FLAGSHIP
from .servers import LoopbackTwilio, TemporalServer
from .test_cli_temporal import PHONE, SID


def test_make_worker_and_start_run_provision_the_flagship(
    temporal_server: TemporalServer, task_queue: str, loopback_twilio: LoopbackTwilio
) -> None:
    from arazzo_runner import Runner
    from arazzo_runner.temporal import RunRequest, connect, make_worker, start_run

    servers = {LoopbackTwilio.SOURCE: loopback_twilio.url}
    inputs = {"friendlyName": "Embedded Alerts", "phoneNumberSid": PHONE}
    run_id = f"api-{task_queue}"

    async def scenario() -> tuple[Any, Any, Any, Any]:
        client = await connect(temporal_server.address, key=None)
        async with make_worker(client, task_queue=task_queue, concurrency=4):
            runner = Runner(str(FLAGSHIP), servers=servers)
            request = RunRequest(runner, None, inputs, keywords={"servers": servers})
            run = await start_run(client, request, task_queue=task_queue, run_id=run_id)
            result = await asyncio.wait_for(run.result(), 60)
            again = await start_run(client, request, task_queue=task_queue, run_id=run_id)
            repeated = await asyncio.wait_for(again.result(), 60)
            return run, result, again, repeated

    run, result, again, repeated = asyncio.run(scenario())
    assert run.id == f"{run_id}/" and run.attached is False
    assert result.status == "succeeded", result.error
    assert result.outputs["friendlyName"] == "Embedded Alerts"
    assert SID.fullmatch(result.outputs["serviceSid"])
    assert [step.step_id for step in result.steps] == ["createService", "addNumber", "confirmService"]
    # the same id again: attached to the run that completed, nothing sent again
    assert again.attached is True and again.id == run.id
    assert repeated.outputs == result.outputs
    assert loopback_twilio.count == 3


def test_a_run_request_checks_its_inputs_where_it_is_made(loopback_twilio: LoopbackTwilio) -> None:
    from arazzo_runner import ArazzoError, Runner
    from arazzo_runner.temporal import RunRequest

    runner = Runner(str(FLAGSHIP), servers={LoopbackTwilio.SOURCE: loopback_twilio.url})
    with pytest.raises(ArazzoError, match="phoneNumberSid"):
        RunRequest(runner, None, {"friendlyName": "No Number"})
    request = RunRequest(runner, None, {"friendlyName": "A", "phoneNumberSid": PHONE})
    # the default prefix is a digest: the same run asked twice has one id, another run another
    same = RunRequest(runner, None, {"friendlyName": "A", "phoneNumberSid": PHONE})
    other = RunRequest(runner, None, {"friendlyName": "B", "phoneNumberSid": PHONE})
    assert request.digest() == same.digest() != other.digest()
    assert request.digest().startswith("arazzo-")
    assert request.options["servers"] == {LoopbackTwilio.SOURCE: loopback_twilio.url}
    assert loopback_twilio.count == 0
