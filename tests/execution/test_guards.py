"""Run guards (max_steps, max_time) and the 1.1 step ``timeout``, on the fake clock."""

from __future__ import annotations

from .conftest import FakeClock, Reply, trail

DOC = "guards.arazzo.yaml"


def advancing(clock: FakeClock, seconds: float, reply: Reply) -> object:
    """A responder that takes ``seconds`` of the fake clock to answer."""

    def respond(_request: object) -> Reply:
        clock.advance(seconds)
        return reply

    return respond


def test_goto_loop_is_stopped_by_max_steps(server, make_runner) -> None:
    server.on("GET", "/ping", Reply(200, {}))
    result = make_runner(DOC, max_steps=5).run("loop", {})
    assert result.status == "failed"
    assert result.error is not None
    assert result.error.type == "max-steps"
    assert result.error.step_id == "spin"
    assert len(result.steps) == 5
    assert len(server.received("/ping")) == 5
    assert all(s.attempt == 1 and s.status == "succeeded" for s in result.steps)
    assert result.to_dict()["error"]["type"] == "max-steps"


def test_goto_loop_is_stopped_by_max_time(server, make_runner, clock) -> None:
    server.on("GET", "/slow", advancing(clock, 10, Reply(200, {})))
    result = make_runner(DOC, max_time=25).run("slow-loop", {})
    assert result.status == "failed"
    assert result.error is not None and result.error.type == "max-time"
    # started at t, steps start at t, t+10, t+20; at t+30 the guard stops the run
    assert len(server.received("/slow")) == 3
    assert len(result.steps) == 3


def test_retry_delays_count_towards_max_time(server, make_runner, clock) -> None:
    server.on("GET", "/flaky", Reply(503, {}))
    result = make_runner(DOC, max_time=35).run("retry-forever", {})
    assert result.status == "failed"
    assert result.error is not None and result.error.type == "max-time"
    # attempts at t, t+10, t+20, t+30; the last wait is cut to the 5 s left, then the guard stops
    assert clock.sleeps == [10.0, 10.0, 10.0, 5.0]
    assert [s.attempt for s in result.steps] == [1, 2, 3, 4]


def test_step_timeout_fails_the_step_and_the_workflow(server, make_runner, clock) -> None:
    server.on("GET", "/slow", advancing(clock, 2, Reply(200, {})))
    result = make_runner(DOC).run("step-timeout", {})
    assert result.status == "failed"
    assert trail(result) == [("step-timeout", "wait", 1, "failed")]
    assert result.error is not None and result.error.type == "timeout"
    assert "500 ms" in (result.steps[0].error or "")
    assert server.received("/ping") == []


def test_step_within_its_timeout_succeeds(server, make_runner, clock) -> None:
    server.on("GET", "/slow", advancing(clock, 0.2, Reply(200, {})))
    server.on("GET", "/ping", Reply(200, {}))
    result = make_runner(DOC).run("step-timeout", {})
    assert result.status == "succeeded"
    assert [s.step_id for s in result.steps] == ["wait", "after"]


def test_step_timeout_goes_through_on_failure(server, make_runner, clock) -> None:
    server.on("GET", "/slow", advancing(clock, 2, Reply(200, {})))
    server.on("GET", "/fallback", Reply(200, {}))
    result = make_runner(DOC).run("step-timeout-handled", {})
    assert result.status == "succeeded"
    assert trail(result) == [
        ("step-timeout-handled", "wait", 1, "failed"),
        ("step-timeout-handled", "fb", 1, "succeeded"),
    ]


def test_step_timeout_applies_to_a_workflow_step(server, make_runner, clock) -> None:
    server.on("GET", "/flaky", Reply(503, {}))
    result = make_runner(DOC).run("workflow-step-timeout", {})
    assert result.status == "failed"
    assert result.error is not None and result.error.type == "timeout"
    assert result.error.step_id == "sub"
    # the sub-workflow retries every 10 s; the wait after its third attempt is cut to the 5 s
    # left before the step's 25 s deadline, which then fails the step
    assert clock.sleeps == [10.0, 10.0, 5.0]
    assert [(s.workflow_id, s.step_id, s.attempt) for s in result.steps] == [
        ("retry-forever", "call", 1),
        ("retry-forever", "call", 2),
        ("retry-forever", "call", 3),
        ("workflow-step-timeout", "sub", 1),
    ]
    assert server.received("/ping") == []
