"""``run_async``: concurrent runs on one Runner, each with its own cookie jar."""

from __future__ import annotations

import asyncio

import arazzo_runner

from .conftest import Recorded, Reply, doc, trail

DOC = "session.arazzo.yaml"


def script_session(server) -> None:
    def login(request: Recorded) -> Reply:
        user = request.query["user"][0]
        return Reply(200, {"user": user}, headers={"Set-Cookie": f"session={user}; Path=/"})

    def whoami(request: Recorded) -> Reply:
        return Reply(200, {"cookie": request.headers.get("cookie")})

    server.on("POST", "/login", login)
    server.on("GET", "/me", whoami)


def test_concurrent_runs_keep_their_cookies_apart(server, clock) -> None:
    script_session(server)

    async def main() -> list[arazzo_runner.RunResult]:
        async with arazzo_runner.Runner(
            doc(DOC), servers={"api": server.url}, clock=clock, async_sleep=clock.async_sleep
        ) as runner:
            runs = [runner.run_async("session", {"user": name}) for name in ("alice", "bob", "carol")]
            runs.append(runner.run_async("anonymous", {}))
            runs.append(runner.run_async("session", {"user": "dave"}))
            return list(await asyncio.gather(*runs))

    results = asyncio.run(main())
    assert [r.status for r in results] == ["succeeded"] * 5
    for result, user in zip(results[:3] + results[4:], ("alice", "bob", "carol", "dave"), strict=True):
        # no cookie before this run's login, then this run's cookie and nobody else's
        assert result.outputs == {"before": None, "first": f"session={user}", "second": f"session={user}"}
        assert [s.step_id for s in result.steps] == ["before", "login", "me1", "me2"]
    assert results[3].outputs == {"first": None, "second": None}
    assert len(server.received("/me")) == 4 * 3 + 2
    assert len(server.received("/login")) == 4


def test_sequential_runs_do_not_share_cookies(server, make_runner) -> None:
    script_session(server)
    runner = make_runner(DOC)
    first = runner.run("session", {"user": "alice"})
    second = runner.run("anonymous", {})
    assert first.outputs["second"] == "session=alice"
    assert second.outputs == {"first": None, "second": None}
    # the cookie is redacted in the recorded request
    me1 = first.steps[2]
    assert me1.request is not None and me1.request.headers.get("Cookie", "***") == "***"


def test_run_async_retries_with_async_sleep(server, clock) -> None:
    server.on("GET", "/flaky", Reply(503, {}), Reply(503, {}), Reply(200, {}))
    result = asyncio.run(
        arazzo_runner.run_async(
            doc(DOC), "slow-retry", {}, servers={"api": server.url}, clock=clock, async_sleep=clock.async_sleep
        )
    )
    assert result.status == "succeeded"
    assert trail(result) == [
        ("slow-retry", "call", 1, "failed"),
        ("slow-retry", "call", 2, "failed"),
        ("slow-retry", "call", 3, "succeeded"),
    ]
    assert clock.sleeps == [2.0, 2.0]


def test_run_async_and_run_agree(server, make_runner) -> None:
    script_session(server)
    runner = make_runner(DOC)
    sync = runner.run("session", {"user": "erin"}).to_dict()

    async def main() -> dict:
        try:
            return (await runner.run_async("session", {"user": "erin"})).to_dict()
        finally:
            await runner.aclose()

    async_ = asyncio.run(main())
    for data in (sync, async_):
        for step in data["steps"]:
            step["response"]["headers"].pop("date", None)
    assert async_ == sync


def test_cookie_parameter_and_session_cookie_are_both_sent(server, make_runner) -> None:
    script_session(server)
    result = make_runner(DOC).run("session-with-cookie-parameter", {})
    assert result.status == "succeeded", result.error
    assert sorted(result.outputs["cookie"].split("; ")) == ["session=zoe", "theme=dark"]
