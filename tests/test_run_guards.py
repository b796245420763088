"""Guards of `arazzo run` that no server or typo may get past (issue 10, points 4 to 6).

A response nested 1,000 levels, NaN in a body, a stdout that cannot encode the output, Ctrl-C
under --json, a broken Retry-After, and misspelled names in the Python API.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import arazzo_runner
from arazzo_runner.cli import main
from arazzo_runner.execution.actions import retry_delay
from arazzo_runner.model import FailureAction

from .paths import FLAGSHIP, ROOT

PHONE = "PN" + "0123456789abcdef" * 2
SERVICE = {"sid": "MG" + "a" * 32, "friendly_name": "x"}


class Server:
    """A loopback server answering every request with ``body`` (bytes), with ``status`` to
    a POST and 200 to a GET (as the flagship expects)."""

    def __init__(self, body: bytes, status: int = 201, delay: float = 0.0, media: str = "application/json") -> None:
        self.body, self.status, self.delay, self.media = body, status, delay, media
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                owner.requests += 1
                time.sleep(owner.delay)
                self.send_response(200 if self.command == "GET" else owner.status)
                self.send_header("Content-Type", owner.media)
                self.send_header("Content-Length", str(len(owner.body)))
                self.end_headers()
                self.wfile.write(owner.body)

            do_GET = do_POST = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def flagship(url: str, *extra: str) -> list[str]:
    return [
        "run", str(FLAGSHIP), "--server", f"messagingApi={url}/v1", "--no-validate",
        "-i", "friendlyName=Guards", "-i", f"phoneNumberSid={PHONE}", *extra,
    ]  # fmt: skip


def run(*argv: str, out: Any = None, err: Any = None) -> tuple[int, str, str]:
    out = out if out is not None else io.StringIO()
    err = err if err is not None else io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    if isinstance(out, io.StringIO):
        return code, out.getvalue(), err.getvalue()
    out.flush(), err.flush()
    return code, out.buffer.getvalue().decode("ascii"), err.buffer.getvalue().decode("ascii")


def strict_json(text: str) -> Any:
    """Exactly one JSON value, and RFC 8259 JSON: no NaN or Infinity."""

    def refuse(name: str) -> Any:
        raise AssertionError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


# ------------------------------------------------------------ deep and odd responses


@pytest.mark.parametrize("depth", [1000, 5000, 100_000])
def test_a_deeply_nested_response_fails_its_step_cleanly(depth: int) -> None:
    body = ('{"sid": ' + "[" * depth + "]" * depth + "}").encode()
    with Server(body) as server:
        code, out, err = run(*flagship(server.url, "--json"))
    assert code == 1
    data = strict_json(out)
    assert data["status"] == "failed"
    assert data["error"]["type"] == "network"
    assert data["steps"][0]["stepId"] == "createService"
    assert "512 levels" in data["steps"][0]["error"]
    assert "internal error" not in err and "Traceback" not in err


def test_a_response_nested_within_the_limit_is_used() -> None:
    body = json.dumps({**SERVICE, "deep": json.loads("[" * 400 + "]" * 400)}).encode()
    with Server(body) as server:
        code, out, _ = run(*flagship(server.url, "--json"))
    assert code == 0, out
    assert strict_json(out)["outputs"]["serviceSid"] == SERVICE["sid"]


def test_nan_and_infinity_in_a_response_keep_json_output_valid(tmp_path: Any) -> None:
    body = b'{"sid": "MG' + b"a" * 32 + b'", "rate": NaN, "max": Infinity, "min": -Infinity}'
    trace = tmp_path / "trace.jsonl"
    with Server(body) as server:
        code, out, _ = run(*flagship(server.url, "--json", "--trace", str(trace)))
    assert code == 0
    data = strict_json(out)
    assert data["steps"][0]["response"]["body"]["rate"] == "NaN"
    assert data["steps"][0]["response"]["body"]["max"] == "Infinity"
    assert data["steps"][0]["response"]["body"]["min"] == "-Infinity"
    for line in trace.read_text(encoding="utf-8").splitlines():
        strict_json(line)


@pytest.mark.parametrize("json_flag", [True, False])
def test_output_that_stdout_cannot_encode_is_escaped_not_a_crash(json_flag: bool) -> None:
    body = json.dumps({**SERVICE, "friendly_name": "Café ☕ 🚀"}, ensure_ascii=False).encode()
    out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    err = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    with Server(body) as server:
        args = flagship(server.url, *(["--json"] if json_flag else []))
        args[args.index("friendlyName=Guards")] = "friendlyName=Café ☕"
        code, text, errors = run(*args, out=out, err=err)
    assert code == 0, errors
    if json_flag:
        data = strict_json(text)
        assert data["steps"][0]["response"]["body"]["friendly_name"] == "Café ☕ 🚀"
    else:
        assert "serviceSid: MG" in text
        assert "\\u2713" in errors or "\\u2714" in errors  # the step mark, escaped


# ------------------------------------------------------------ criteria that would hang

CRITERIA = ROOT / "tests" / "data" / "guards" / "criteria.arazzo.yaml"


@pytest.mark.parametrize(
    ("workflow", "body", "media", "reason"),
    [
        ("catastrophic-regex", json.dumps({"text": "a" * 50_000 + "!"}).encode(), "application/json", ""),
        ("huge-xpath", b"<doc/>", "application/xml", "1,000,000"),
    ],
)
def test_criteria_that_would_hang_or_exhaust_memory_fail_fast(workflow: str, body: bytes, media: str, reason: str):
    with Server(body, media=media) as server:
        started = time.monotonic()
        args = ["run", str(CRITERIA), "-w", workflow, "--server", f"echo={server.url}/api", "--json"]
        code, out, err = run(*args)
        elapsed = time.monotonic() - started
    assert elapsed < 1.5, f"took {elapsed:.2f} s"
    data = strict_json(out)
    if workflow == "catastrophic-regex":  # a linear engine answers at once: no match
        assert code == 1 and data["error"]["type"] == "criteria"
    else:
        assert code == 1 and data["error"]["type"] == "criteria", data
        assert reason in data["steps"][0]["error"]
    assert "Traceback" not in err


def test_a_criterion_gets_no_more_than_the_runs_max_time() -> None:
    # a backreference needs the backtracking engine: only the run's time bounds it
    from arazzo_runner.expressions import ExpressionContext, evaluate_criterion

    started = time.monotonic()
    result = evaluate_criterion(
        r"^(a+)+\1$", ExpressionContext(), criterion_context="a" * 50_000 + "!", type_="regex", time_limit=0.1
    )
    assert time.monotonic() - started < 0.5
    assert not result.passed and result.message


# ------------------------------------------------------------ Ctrl-C


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_ctrl_c_under_json_prints_one_object_and_exits_130() -> None:
    with Server(json.dumps(SERVICE).encode(), delay=30) as server:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
        process = subprocess.Popen(
            [sys.executable, "-m", "arazzo_runner", *flagship(server.url, "--json")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
            # a child of a shell job that ignores SIGINT would inherit that: restore it
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            while server.requests == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert server.requests == 1, "the run never reached the server"
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=15)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert process.returncode == 130, err
    data = strict_json(out)
    assert data["status"] == "error"
    assert data["error"]["type"] == "interrupted"
    assert data["outputs"] == {}
    assert isinstance(data["steps"], list)
    assert "Traceback" not in err


# ------------------------------------------------------------ Retry-After


def _action(retry_after: float | None) -> FailureAction:
    return FailureAction(name="again", type="retry", retry_after=retry_after)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("header", "own", "expected"),
    [
        ("5", 2, 5.0),
        ("-5", 2, 2.0),  # negative: the action's own retryAfter
        ("soon", 2, 2.0),  # unparseable
        ("nan", 3, 3.0),
        ("inf", 3, 3.0),
        ("-inf", 3, 3.0),
        ("", 4, 4.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 2, 0.0),  # a date in the past: now
        ("1000", 2, 60.0),  # capped
        ("-1", None, 0.0),
    ],
)
def test_retry_after_header(header: str, own: float | None, expected: float) -> None:
    assert retry_delay(_action(own), header, 60.0, now=lambda: 1_700_000_000.0) == expected


# ------------------------------------------------------------ names in the Python API


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"servers": {"nope": "http://127.0.0.1:1"}}, "no source description named 'nope'"),
        ({"servers": {"messagingAPI": "http://127.0.0.1:1"}}, "did you mean 'messagingApi'"),
        ({"server_variables": {"nope": "1"}}, "no server declares a variable 'nope'"),
        ({"credentials": {"nope": {"basicAuth": {"username": "u", "password": "p"}}}}, "named 'nope'"),
        ({"credentials": {"messagingApi": {"nope": {"username": "u", "password": "p"}}}}, "no security scheme"),
        ({"sources": {"nope": "x.yaml"}}, "no source description named 'nope'"),
        ({"mock": ["nope"]}, "no OpenAPI source description named 'nope'"),
    ],
)
def test_python_api_refuses_unknown_names(options: dict[str, Any], message: str) -> None:
    with pytest.raises(arazzo_runner.UsageError, match=message):
        arazzo_runner.run(str(FLAGSHIP), inputs={"friendlyName": "x", "phoneNumberSid": PHONE}, **options)


def test_python_api_refuses_unknown_names_before_any_request() -> None:
    with Server(json.dumps(SERVICE).encode()) as server:
        with pytest.raises(arazzo_runner.UsageError):
            arazzo_runner.run(
                str(FLAGSHIP),
                inputs={"friendlyName": "x", "phoneNumberSid": PHONE},
                servers={"messagingApi": f"{server.url}/v1", "messaging": f"{server.url}/v1"},
            )
        assert server.requests == 0
