"""``arazzo run -v``: each request and response on stderr, credentials masked as in every other
output, bodies cut at 2 KB (saying how much was cut); ``-vv``: whole bodies."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from urllib.parse import quote_plus

import pytest

from arazzo_runner.cli.output import BODY_LIMIT, exchange_lines

from .test_cli_run import PASSWORD, USERNAME, FakeApi, flagship, run

ACCOUNT = "AC" + "1" * 32
TOKEN = "verbose-s3cret-token"
HOOK = "https://hooks.example.com/in?pad=" + "x" * 3000  # makes both bodies longer than 2 KB


@pytest.fixture
def api() -> Iterator[FakeApi]:
    server = FakeApi().start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(USERNAME, ACCOUNT)
    monkeypatch.setenv(PASSWORD, TOKEN)


def _exchanges(err: str, mark: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith(mark)]


def test_v_shows_requests_and_responses_masked_and_cut(api: FakeApi, credentials: None) -> None:
    code, out, err = run(*flagship(api, "-i", f"inboundRequestUrl={HOOK}", "-v"))
    assert code == 0, err
    sent = _exchanges(err, ">")
    assert sent[0] == f"> POST {api.url}/v1/Services"
    assert sent.count("> Authorization: ***") == 3  # one per request
    (sid,) = api.services
    assert f"> GET {api.url}/v1/Services/{sid}" in sent
    body = f"FriendlyName=Acme+Alerts&InboundRequestUrl={quote_plus(HOOK)}"
    assert len(body) > BODY_LIMIT
    assert f"> {body[:BODY_LIMIT]}" in sent
    assert f"> [{len(body) - BODY_LIMIT} of {len(body)} bytes not shown; -vv shows whole bodies]" in sent
    received = _exchanges(err, "<")
    assert received[0] == "< 201" and "< content-type: application/json" in received
    notes = [
        line for line in received if re.fullmatch(r"< \[\d+ of \d+ bytes not shown; -vv shows whole bodies\]", line)
    ]
    assert len(notes) == 1  # the created service carries the long URL
    # the step lines follow their exchange; the result on stdout is unchanged
    assert err.index("< 201") < err.index("✓ createService")
    assert out.startswith("serviceSid: MG")
    basic = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    assert TOKEN not in err and basic not in err
    assert all(r.headers["Authorization"] == f"Basic {basic}" for r in api.requests)  # sent, not shown


def test_vv_shows_whole_bodies(api: FakeApi, credentials: None) -> None:
    code, _, err = run(*flagship(api, "-i", f"inboundRequestUrl={HOOK}", "-vv"))
    assert code == 0, err
    assert f"> FriendlyName=Acme+Alerts&InboundRequestUrl={quote_plus(HOOK)}" in err.splitlines()
    assert "bytes not shown" not in err
    assert f'"inbound_request_url": "{HOOK}"' in err  # the whole response body
    assert TOKEN not in err


@pytest.mark.parametrize("argv", [[], ["--json"], ["-q"]], ids=["plain", "json", "quiet"])
def test_without_v_nothing_of_the_exchanges_is_shown(api: FakeApi, argv: list[str]) -> None:
    code, _, err = run(*flagship(api, *argv))
    assert code == 0, err
    assert not _exchanges(err, ">") and not _exchanges(err, "<")


def test_v_before_the_command_counts_too(api: FakeApi) -> None:
    code, _, err = run("-vv", *flagship(api, "-i", f"inboundRequestUrl={HOOK}"))
    assert code == 0, err
    assert "bytes not shown" not in err and f'"inbound_request_url": "{HOOK}"' in err


def test_v_under_json_keeps_stdout_one_object(api: FakeApi) -> None:
    code, out, err = run(*flagship(api, "-v", "--json"))
    assert code == 0, err
    assert out.count("\n") == 1 and out.startswith("{")
    assert f"> POST {api.url}/v1/Services" in err.splitlines()


@pytest.mark.parametrize(
    "body, whole, shown, note",
    [
        (None, False, [], None),
        ("", False, [""], None),
        ("a\nb", False, ["a", "b"], None),
        ({"k": [1, 2]}, False, ['{"k": [1, 2]}'], None),
        ("x" * BODY_LIMIT, False, ["x" * BODY_LIMIT], None),
        ("x" * (BODY_LIMIT + 5), False, ["x" * BODY_LIMIT], f"[5 of {BODY_LIMIT + 5} bytes not shown; -vv shows whole bodies]"),
        ("x" * (BODY_LIMIT + 5), True, ["x" * (BODY_LIMIT + 5)], None),
        # never half a character: the cut falls before the 2-byte é that crosses the limit
        ("x" * (BODY_LIMIT - 1) + "é", False, ["x" * (BODY_LIMIT - 1)], f"[2 of {BODY_LIMIT + 1} bytes not shown; -vv shows whole bodies]"),
    ],
    ids=["none", "empty", "lines", "json", "at-limit", "over-limit", "whole", "utf-8-boundary"],
)  # fmt: skip
def test_exchange_lines(body: object, whole: bool, shown: list[str], note: str | None) -> None:
    text = exchange_lines("<", ["200", "a: b"], body, whole)
    expected = ["< 200", "< a: b"]
    if body is not None:
        expected += ["<", *(f"< {line}" for line in shown)]
    if note is not None:
        expected.append(f"< {note}")
    assert text == "\n".join(expected) + "\n"
