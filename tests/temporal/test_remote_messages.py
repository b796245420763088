"""Message steps on Temporal are refused clearly (decision 75), never half-run."""

from __future__ import annotations

import pytest

from arazzo_runner.execution.operation_step import StepFailure
from arazzo_runner.model import Step
from arazzo_runner.temporal.remote_steps import RemoteSteps


def test_a_message_step_on_temporal_fails_as_unsupported_saying_what_to_do() -> None:
    step = Step(step_id="awaitConfirmation", operation_id="receiveOrderConfirmed", action="receive")
    steps = RemoteSteps.__new__(RemoteSteps)  # the refusal needs nothing of a run
    with pytest.raises(StepFailure) as raised:
        next(steps.run_message(None, None, step, None, None, None))  # type: ignore[arg-type]
    assert raised.value.kind == "unsupported"
    assert "'awaitConfirmation'" in raised.value.message and "without --temporal" in raised.value.message
    assert list(steps.subscribe_ahead(None, None, None)) == []  # type: ignore[arg-type]
