"""``arazzo run`` end to end: ``cli.main`` in-process (and twice as a real subprocess) against a
tiny Twilio-compatible HTTP server on 127.0.0.1 that the tests start and stop.

Nothing here touches the internet: every run that would send a request names the local
server with ``--server``; the only run without it is a ``--dry-run``, which sends nothing.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from arazzo_runner.cli import main

from .paths import FLAGSHIP, ROOT

DATA = Path(__file__).parent / "data" / "cli_run"
EXTRA = DATA / "extra.arazzo.yaml"
BROKEN = DATA / "broken.arazzo.yaml"
WORKFLOW_ID = "provision-messaging-service-add-number"
PHONE = "PN0123456789abcdef0123456789abcdef"
SID = re.compile(r"MG[0-9a-f]{32}")
USERNAME = "ARAZZO_MESSAGINGAPI_ACCOUNTSID_AUTHTOKEN_USERNAME"
PASSWORD = "ARAZZO_MESSAGINGAPI_ACCOUNTSID_AUTHTOKEN_PASSWORD"

# ---------------------------------------------------------------- the local server


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: str


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins every handler thread: nothing outlives a test

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that gave up (the --timeout test) makes the late answer fail: expected
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeApi:
    """A Twilio-compatible Messaging v1 subset under /v1, and test routes under /api."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.services: dict[str, str] = {}
        self.add_number_status = 201
        self.forget_after_add = False  # the service vanishes once its number is added (-> 404)
        self.released = threading.Event()  # ends /api/slow early when the test is over
        self.lock = threading.Lock()
        self.httpd = _Server(("127.0.0.1", 0), self._handler())
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeApi:
        self.thread.start()
        return self

    def close(self) -> None:
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()  # joins the handler threads
        self.thread.join()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                with api.lock:
                    api.requests.append(Recorded(self.command, self.path, dict(self.headers.items()), body))
                status, headers, payload = api.route(self.command, urlsplit(self.path).path, body)
                data = b"" if payload is None else json.dumps(payload).encode("utf-8")
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if payload is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _serve  # noqa: N815 - http.server's names

        return Handler

    def route(self, method: str, path: str, body: str) -> tuple[int, dict[str, str], Any]:
        parts = path.strip("/").split("/")
        if parts[:2] == ["v1", "Services"]:
            return self.twilio(method, parts[2:], body)
        if method == "POST" and path == "/api/echo":
            return 200, {}, {"received": json.loads(body)}
        if method == "GET" and path == "/api/ping":
            return 200, {}, {"pong": True}
        if method == "GET" and path == "/api/redirect":
            return 302, {"Location": "/api/target"}, {"where": "redirect"}
        if method == "GET" and path == "/api/target":
            return 200, {}, {"where": "target"}
        if method == "GET" and path == "/api/slow":
            self.released.wait(1.0)
            return 200, {}, {"slow": True}
        return 404, {}, {"error": f"no route {method} {path}"}

    def twilio(self, method: str, rest: list[str], body: str) -> tuple[int, dict[str, str], Any]:
        form = {name: values[-1] for name, values in parse_qs(body, keep_blank_values=True).items()}
        if method == "POST" and rest == []:
            sid = "MG" + uuid.uuid4().hex
            with self.lock:
                self.services[sid] = form.get("FriendlyName", "")
            return 201, {}, self.service(sid, form.get("InboundRequestUrl"))
        sid = rest[0] if rest else ""
        if sid not in self.services:
            return 404, {}, _not_found(f"/Services/{sid}")
        if method == "POST" and rest[1:] == ["PhoneNumbers"]:
            if self.add_number_status >= 400:
                return self.add_number_status, {}, {"code": 20500, "message": "Internal Server Error", "status": 500}
            phone = form.get("PhoneNumberSid", "")
            if self.forget_after_add:
                with self.lock:
                    del self.services[sid]
                return self.add_number_status, {}, {"sid": phone, "service_sid": sid}
            return self.add_number_status, {}, {"sid": phone, "service_sid": sid, "phone_number": "+15005550006"}
        if method == "GET" and rest[1:] == []:
            return 200, {}, self.service(sid, None)
        return 404, {}, _not_found("/Services/" + "/".join(rest))

    def service(self, sid: str, inbound: str | None) -> dict[str, Any]:
        return {
            "sid": sid,
            "account_sid": "AC" + "0" * 32,
            "friendly_name": self.services[sid],
            "inbound_request_url": inbound,
            "url": f"{self.url}/v1/Services/{sid}",
        }


def _not_found(resource: str) -> dict[str, Any]:
    return {
        "code": 20404,
        "message": f"The requested resource {resource} was not found",
        "more_info": "https://www.twilio.com/docs/errors/20404",
        "status": 404,
    }


@pytest.fixture
def api() -> Iterator[FakeApi]:
    server = FakeApi().start()
    try:
        yield server
    finally:
        server.close()


# ---------------------------------------------------------------- helpers


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def flagship(api: FakeApi, *extra: str, name: str = "Acme Alerts") -> list[str]:
    return [
        "run",
        str(FLAGSHIP),
        "--server",
        f"messagingApi={api.url}/v1",
        "-i",
        f"friendlyName={name}",
        "-i",
        f"phoneNumberSid={PHONE}",
        *extra,
    ]


def extra_run(api: FakeApi, workflow: str, *extra: str) -> list[str]:
    return ["run", str(EXTRA), "-w", workflow, "--server", f"testApi={api.url}/api", *extra]


def one_json_object(out: str) -> dict[str, Any]:
    """stdout holds exactly one JSON object and nothing else."""
    data, end = json.JSONDecoder().raw_decode(out)
    assert out[end:].strip() == "", f"more than one JSON value on stdout: {out[end:]!r}"
    assert isinstance(data, dict)
    return data


STEP_KEYS = ["stepId", "workflowId", "status", "attempt", "request", "response", "outputs", "error"]
ERROR_KEYS = ["type", "message", "stepId", "file", "line", "column"]
ERROR_TYPES = {
    "usage", "document", "inputs", "auth", "criteria", "network", "timeout", "max-steps", "max-time",
    "expression", "response-check", "request-check", "unsupported", "interrupted",
}  # fmt: skip


def check_contract(data: dict[str, Any], code: int) -> None:
    """The ``run --json`` object of docs/json.md: exact keys, nesting and types."""
    assert list(data) == ["workflowId", "status", "outputs", "steps", "error"]
    assert data["workflowId"] is None or isinstance(data["workflowId"], str)
    statuses = {0: ("succeeded", "dry-run"), 1: ("failed",), 2: ("error",), 130: ("error",)}[code]
    assert data["status"] in statuses
    dry_run = data["status"] == "dry-run"
    assert isinstance(data["outputs"], dict)
    assert isinstance(data["steps"], list)
    for step in data["steps"]:
        assert list(step) == STEP_KEYS
        assert isinstance(step["stepId"], str) and isinstance(step["workflowId"], str)
        assert step["status"] in (("dry-run", "failed") if dry_run else ("succeeded", "failed"))
        if step["status"] == "dry-run":
            assert step["response"] is None
        assert isinstance(step["attempt"], int) and step["attempt"] >= 1
        if step["request"] is not None:
            assert list(step["request"]) == ["method", "url", "headers", "body"]
            assert isinstance(step["request"]["headers"], dict)
            assert step["request"]["body"] is None or isinstance(step["request"]["body"], str)
        if step["response"] is not None:
            assert list(step["response"]) == ["statusCode", "headers", "body"]
            assert isinstance(step["response"]["statusCode"], int)
            assert isinstance(step["response"]["headers"], dict)
        assert isinstance(step["outputs"], dict)
        assert step["error"] is None or isinstance(step["error"], str)
        assert (step["error"] is None) == (step["status"] != "failed")
    error = data["error"]
    if code == 0:
        assert error is None
    else:
        assert isinstance(error, dict) and list(error) == ERROR_KEYS
        assert error["type"] in ERROR_TYPES
        assert (code == 130) == (error["type"] == "interrupted")
        assert isinstance(error["message"], str) and error["message"]
        assert error["stepId"] is None or isinstance(error["stepId"], str)
        assert error["file"] is None or isinstance(error["file"], str)
        for key in ("line", "column"):
            assert error[key] is None or (isinstance(error[key], int) and error[key] >= 1)


def run_json(*argv: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run(*argv, "--json")
    data = one_json_object(out)
    check_contract(data, code)
    return code, data, err


def step_position(file: Path, step_id: str) -> tuple[int, int]:
    """Line and column (1-based) of ``- stepId: <step_id>`` in a workflow file: where the step starts."""
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        match = re.match(rf"^(\s*)- stepId: {re.escape(step_id)}\s*$", line)
        if match:
            return number, len(match.group(1)) + 3
    raise AssertionError(f"no step {step_id} in {file}")


def no_traceback(text: str) -> None:
    assert "Traceback" not in text and 'File "' not in text, text


def sent(api: FakeApi) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in api.requests]


# ---------------------------------------------------------------- the flagship, succeeding


def test_json_of_a_succeeded_run(api: FakeApi) -> None:
    code, data, err = run_json(*flagship(api))
    assert code == 0, err
    assert data["workflowId"] == WORKFLOW_ID and data["status"] == "succeeded" and data["error"] is None
    assert list(data["outputs"]) == ["serviceSid", "friendlyName"]
    sid = data["outputs"]["serviceSid"]
    assert SID.fullmatch(sid) and data["outputs"]["friendlyName"] == "Acme Alerts"
    assert sent(api) == [
        ("POST", "/v1/Services"),
        ("POST", f"/v1/Services/{sid}/PhoneNumbers"),
        ("GET", f"/v1/Services/{sid}"),
    ]
    steps = data["steps"]
    assert [(s["stepId"], s["workflowId"], s["status"], s["attempt"]) for s in steps] == [
        ("createService", WORKFLOW_ID, "succeeded", 1),
        ("addNumber", WORKFLOW_ID, "succeeded", 1),
        ("confirmService", WORKFLOW_ID, "succeeded", 1),
    ]
    create, add, confirm = steps
    assert create["request"] == {
        "method": "POST",
        "url": f"{api.url}/v1/Services",
        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        "body": "FriendlyName=Acme+Alerts",
    }
    assert create["response"]["statusCode"] == 201
    assert create["response"]["headers"]["content-type"] == "application/json"
    assert create["response"]["body"]["sid"] == sid  # parsed JSON, not text
    assert create["outputs"] == {"serviceSid": sid}
    assert add["request"]["url"] == f"{api.url}/v1/Services/{sid}/PhoneNumbers"
    assert add["request"]["body"] == f"PhoneNumberSid={PHONE}"
    assert add["response"]["statusCode"] == 201 and add["outputs"] == {}
    assert confirm["request"] == {"method": "GET", "url": f"{api.url}/v1/Services/{sid}", "headers": {}, "body": None}
    assert confirm["response"]["statusCode"] == 200
    assert confirm["outputs"] == {"friendlyName": "Acme Alerts"}
    # --json: the human step lines still go to stderr, nothing else reaches stdout
    assert len([line for line in err.splitlines() if line.startswith("✓ ")]) == 3


def test_human_output_of_a_succeeded_run(api: FakeApi) -> None:
    code, out, err = run(*flagship(api))
    assert code == 0, err
    (sid,) = api.services
    assert out == f"serviceSid: {sid}\nfriendlyName: Acme Alerts\n"
    # credential lines (a warning when none are set) are tested in test_auth.py
    lines = [line for line in err.splitlines() if not line.startswith(("warning: no credentials", "credentials: "))]
    base = re.escape(api.url)
    assert re.fullmatch(rf"✓ createService  POST {base}/v1/Services  201  \d+ ms", lines[0]), lines[0]
    assert re.fullmatch(rf"✓ addNumber  POST {base}/v1/Services/{sid}/PhoneNumbers  201  \d+ ms", lines[1]), lines[1]
    assert re.fullmatch(rf"✓ confirmService  GET {base}/v1/Services/{sid}  200  \d+ ms", lines[2]), lines[2]
    assert lines[3:] == [f"workflow succeeded: {WORKFLOW_ID}"]
    assert "\033[" not in out + err  # not a terminal: no colour


@pytest.mark.parametrize("where", ["after", "before"])
def test_quiet_drops_the_step_lines(api: FakeApi, where: str) -> None:
    argv = flagship(api, "-q") if where == "after" else ["-q", *flagship(api)]
    code, out, err = run(*argv)
    assert code == 0
    assert err == ""
    assert out.splitlines()[1] == "friendlyName: Acme Alerts" and SID.fullmatch(out.split()[1])


def test_quiet_still_reports_a_failure(api: FakeApi) -> None:
    api.add_number_status = 500
    code, out, err = run(*flagship(api, "-q"))
    assert code == 1
    assert not any(line.startswith(("✓", "✗")) for line in err.splitlines())
    assert err.startswith("workflow failed at step addNumber: ") and "$statusCode is 500" in err


def test_form_body_without_and_with_the_optional_input(api: FakeApi) -> None:
    code, _, err = run(*flagship(api, name="Acme  Alerts & Co"))
    assert code == 0, err
    assert api.requests[0].body == "FriendlyName=Acme++Alerts+%26+Co"  # only the field given, spaces as +
    assert api.requests[0].headers["Content-Type"] == "application/x-www-form-urlencoded"
    api.requests.clear()
    code, _, err = run(*flagship(api, "-i", "inboundRequestUrl=https://example.com/in?x=1 2"))
    assert code == 0, err
    assert api.requests[0].body == "FriendlyName=Acme+Alerts&InboundRequestUrl=https%3A%2F%2Fexample.com%2Fin%3Fx%3D1+2"


def test_workflow_id_is_optional_with_one_workflow(api: FakeApi) -> None:
    code, data, _ = run_json(*flagship(api, "-w", WORKFLOW_ID))
    assert code == 0 and data["workflowId"] == WORKFLOW_ID


def test_workflow_id_is_required_with_several(api: FakeApi) -> None:
    code, out, err = run("run", str(EXTRA), "--server", f"testApi={api.url}/api", "-i", "count=1")
    assert code == 2 and out == ""
    assert "4 workflows" in err and "typed, loop, redirected, slow" in err and "-w" in err
    code, data, err = run_json("run", str(EXTRA), "--server", f"testApi={api.url}/api")
    assert (
        code == 2 and data["error"]["type"] == "usage" and "typed, loop, redirected, slow" in data["error"]["message"]
    )
    assert api.requests == []


# ---------------------------------------------------------------- the flagship, failing


def test_json_of_a_failed_run(api: FakeApi) -> None:
    api.add_number_status = 500
    code, data, err = run_json(*flagship(api))
    assert code == 1, err
    assert data["status"] == "failed" and data["workflowId"] == WORKFLOW_ID
    sid = next(iter(api.services))
    assert data["outputs"] == {"serviceSid": sid}  # outputs are evaluated either way; the missing one left out
    assert [(s["stepId"], s["status"]) for s in data["steps"]] == [
        ("createService", "succeeded"),
        ("addNumber", "failed"),
    ]
    failed = data["steps"][1]
    assert failed["response"]["statusCode"] == 500
    assert failed["response"]["body"] == {"code": 20500, "message": "Internal Server Error", "status": 500}
    assert "`$statusCode == 201`" in failed["error"] and "$statusCode is 500" in failed["error"]
    error = data["error"]
    assert error["type"] == "criteria" and error["stepId"] == "addNumber"
    assert error["message"] == failed["error"]
    assert Path(error["file"]).resolve() == FLAGSHIP.resolve()
    assert (error["line"], error["column"]) == step_position(FLAGSHIP, "addNumber")
    assert sent(api) == [("POST", "/v1/Services"), ("POST", f"/v1/Services/{sid}/PhoneNumbers")]  # stopped there


def test_human_output_of_a_failed_run(api: FakeApi) -> None:
    api.add_number_status = 500
    code, out, err = run(*flagship(api))
    assert code == 1
    sid = next(iter(api.services))
    assert out == f"serviceSid: {sid}\n"
    # credential lines (a warning when none are set) are tested in test_auth.py
    lines = [line for line in err.splitlines() if not line.startswith(("warning: no credentials", "credentials: "))]
    assert lines[0].startswith("✓ createService  POST ")
    assert re.fullmatch(
        rf"✗ addNumber  POST {re.escape(api.url)}/v1/Services/{sid}/PhoneNumbers  500  \d+ ms  "
        r"successCriteria not met: `\$statusCode == 201`: \$statusCode is 500 \(the server said: Internal Server Error\)",
        lines[1],
    ), lines[1]
    # the reason is on the step's line; the summary names the step without repeating it
    assert lines[-1] == "workflow failed at step addNumber"


def test_a_404_with_a_twilio_error_body_fails_the_last_step(api: FakeApi) -> None:
    api.forget_after_add = True
    code, data, _ = run_json(*flagship(api))
    assert code == 1
    confirm = data["steps"][-1]
    assert confirm["stepId"] == "confirmService" and confirm["status"] == "failed"
    assert confirm["response"]["statusCode"] == 404 and confirm["response"]["body"]["code"] == 20404
    assert "$statusCode is 404" in confirm["error"]
    assert data["error"]["stepId"] == "confirmService" and data["error"]["type"] == "criteria"
    assert (data["error"]["line"], data["error"]["column"]) == step_position(FLAGSHIP, "confirmService")


def test_a_server_that_refuses_connections_is_a_network_failure() -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = ["run", str(FLAGSHIP), "--server", f"messagingApi=http://127.0.0.1:{port}/v1"]
    code, data, err = run_json(*argv, "-i", "friendlyName=x", "-i", f"phoneNumberSid={PHONE}")
    assert code == 1
    assert data["error"]["type"] == "network" and data["error"]["stepId"] == "createService"
    assert data["steps"][0]["response"] is None and data["steps"][0]["request"] is not None
    no_traceback(err)


# ---------------------------------------------------------------- runs that cannot start (exit 2)


def _cannot_start(argv: list[str], error_type: str) -> dict[str, Any]:
    code, data, err = run_json(*argv)
    assert code == 2, err
    assert data["status"] == "error" and data["steps"] == [] and data["outputs"] == {}
    assert data["error"]["type"] == error_type and data["error"]["stepId"] is None
    assert err.startswith("error: ") and err.count("\n") == 1
    no_traceback(err)
    code, out, err = run(*argv)  # without --json: nothing on stdout, the same error on stderr
    assert (code, out) == (2, "") and err.startswith("error: ")
    return data


def test_missing_required_input(api: FakeApi) -> None:
    argv = ["run", str(FLAGSHIP), "--server", f"messagingApi={api.url}/v1", "-i", "friendlyName=x"]
    data = _cannot_start(argv, "inputs")
    assert data["workflowId"] == WORKFLOW_ID
    assert "missing required input 'phoneNumberSid'" in data["error"]["message"]
    assert api.requests == []


def test_every_input_problem_is_listed(api: FakeApi) -> None:
    data = _cannot_start(extra_run(api, "typed", "-i", "count=many", "-i", "tags={}"), "inputs")
    message = data["error"]["message"]
    assert "inputs.count" in message and "inputs.tags" in message
    assert api.requests == []


def test_unknown_workflow(api: FakeApi) -> None:
    data = _cannot_start(flagship(api, "-w", "nope"), "usage")
    assert "'nope'" in data["error"]["message"] and WORKFLOW_ID in data["error"]["message"]
    assert api.requests == []


def test_a_document_that_fails_to_load() -> None:
    data = _cannot_start(["run", str(BROKEN)], "document")
    error = data["error"]
    assert data["workflowId"] is None
    assert "YAML" in error["message"]
    assert Path(error["file"]).resolve() == BROKEN.resolve()
    assert (error["line"], error["column"]) == (5, 10)  # where libyaml gave up on the unclosed `[`


@pytest.mark.parametrize("path", ["missing", "directory"])
def test_an_unreadable_file(tmp_path: Path, path: str) -> None:
    target = tmp_path / "nowhere.arazzo.yaml" if path == "missing" else tmp_path
    data = _cannot_start(["run", str(target)], "document")
    assert data["error"]["file"] is not None and Path(data["error"]["file"]).resolve() == target.resolve()


def test_a_missing_source_description(tmp_path: Path) -> None:
    copy = tmp_path / "flagship.yml"
    copy.write_text(FLAGSHIP.read_text(encoding="utf-8"), encoding="utf-8")  # ../openapi/ is not next to it
    argv = ["run", str(copy), "-i", "friendlyName=x", "-i", f"phoneNumberSid={PHONE}"]
    data = _cannot_start(argv, "document")
    assert "twilio-messaging-openapi.yml" in data["error"]["message"]


# ---------------------------------------------------------------- inputs from the command line


def test_inputs_are_typed_by_the_schema(api: FakeApi) -> None:
    argv = extra_run(
        api, "typed",
        "-i", "count=3", "-i", "ratio=2.5", "-i", "enabled=true",
        "-i", 'tags=["a", "b"]', "-i", 'meta={"k": 1, "n": null}', "-i", "name=007",
    )  # fmt: skip
    code, data, err = run_json(*argv)
    assert code == 0, err
    received = json.loads(api.requests[0].body)
    assert received == {
        "count": 3,
        "ratio": 2.5,
        "enabled": True,
        "tags": ["a", "b"],
        "meta": {"k": 1, "n": None},
        "name": "007",
    }
    assert type(received["count"]) is int and type(received["ratio"]) is float
    assert api.requests[0].headers["Content-Type"] == "application/json"
    assert data["outputs"] == {"echoed": {"received": received}}


def test_schema_defaults_and_other_spellings(api: FakeApi) -> None:
    code, _, err = run(*extra_run(api, "typed", "-i", "count=-4", "-i", "ratio=2", "-i", "enabled=false"))
    assert code == 0, err
    received = json.loads(api.requests[0].body)
    assert received == {"count": -4, "ratio": 2, "enabled": False, "name": "anonymous"}  # absent ones left out


def test_a_string_input_stays_a_string(api: FakeApi) -> None:
    code, _, err = run(*flagship(api, name='{"not": "json"}'))
    assert code == 0, err
    assert api.requests[0].body == "FriendlyName=%7B%22not%22%3A+%22json%22%7D"


def test_inputs_as_json_and_as_a_file(api: FakeApi) -> None:
    code, _, err = run(*extra_run(api, "typed", "--inputs", '{"count": 1, "tags": ["x"], "name": "json"}'))
    assert code == 0, err
    assert json.loads(api.requests[-1].body) == {"count": 1, "tags": ["x"], "name": "json"}
    argv = [
        "run",
        str(FLAGSHIP),
        "--server",
        f"messagingApi={api.url}/v1",
        "--inputs",
        f"@{DATA / 'flagship-inputs.json'}",
    ]
    code, out, err = run(*argv)
    assert code == 0, err
    assert api.requests[-3].body == "FriendlyName=From+File"
    assert api.requests[-2].body == "PhoneNumberSid=PN00000000000000000000000000000001"
    assert out.endswith("friendlyName: From File\n")


def test_dash_i_overrides_inputs(api: FakeApi) -> None:
    argv = extra_run(api, "typed", "--inputs", '{"count": 1, "name": "json"}', "-i", "name=cli", "-i", "count=2")
    code, _, err = run(*argv)
    assert code == 0, err
    assert json.loads(api.requests[0].body) == {"count": 2, "name": "cli"}


# ---------------------------------------------------------------- --dry-run


def test_dry_run_prints_the_requests_and_sends_nothing(api: FakeApi) -> None:
    argv = ["run", str(FLAGSHIP), "--dry-run", "-i", "friendlyName=Acme Alerts", "-i", f"phoneNumberSid={PHONE}"]
    code, out, err = run(*argv)  # no --server: the OpenAPI server, and nothing may leave the machine
    assert code == 0
    # the plan is the result of a dry run: it goes to stdout, the count to stderr
    requests = [line for line in out.splitlines() if re.match(r"^(GET|POST) ", line)]
    assert requests == [
        "POST https://messaging.twilio.com/v1/Services",
        "POST https://messaging.twilio.com/v1/Services/{ServiceSid}/PhoneNumbers",
        "GET https://messaging.twilio.com/v1/Services/{ServiceSid}",
    ]
    assert "  FriendlyName=Acme+Alerts" in out.splitlines()
    assert err.splitlines()[-1] == "dry run: 3 request(s) not sent"
    code, out, err = run(*flagship(api, "--dry-run"))
    assert code == 0 and f"POST {api.url}/v1/Services" in out.splitlines()
    assert api.requests == []


def test_dry_run_json(api: FakeApi) -> None:
    code, data, _ = run_json(*flagship(api, "--dry-run"))
    assert code == 0
    assert data["status"] == "dry-run" and data["error"] is None
    assert [s["status"] for s in data["steps"]] == ["dry-run"] * 3
    assert [(s["request"]["method"], s["request"]["url"]) for s in data["steps"]] == [
        ("POST", f"{api.url}/v1/Services"),
        ("POST", f"{api.url}/v1/Services/{{ServiceSid}}/PhoneNumbers"),
        ("GET", f"{api.url}/v1/Services/{{ServiceSid}}"),
    ]
    assert all(s["response"] is None for s in data["steps"])
    assert api.requests == []


# ---------------------------------------------------------------- --trace


def test_trace_writes_one_event_per_line(api: FakeApi, tmp_path: Path) -> None:
    trace = tmp_path / "run.jsonl"
    code, out, err = run(*flagship(api, "--trace", str(trace)))
    assert code == 0, err
    lines = trace.read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines]
    assert all(isinstance(e, dict) and isinstance(e.get("event"), str) for e in events)
    names = [e["event"] for e in events]
    assert names[0] == "WorkflowStarted" and names[-1] == "RunFinished"
    assert names.count("RequestSent") == 3 and names.count("StepFinished") == 3 and names.count("RunFinished") == 1
    assert events[-1]["result"]["status"] == "succeeded"
    assert events[-1]["result"]["outputs"]["friendlyName"] == "Acme Alerts"
    assert "serviceSid: MG" in out  # the trace changes nothing else
    # every line: the event, when it happened (ISO 8601 UTC, milliseconds), then its fields in
    # the camelCase of --json
    assert all(list(e)[:2] == ["event", "timestamp"] for e in events)
    stamps = [e["timestamp"] for e in events]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", t) for t in stamps), stamps
    assert stamps == sorted(stamps)
    assert not [key for e in events for key in e if "_" in key]
    started = next(e for e in events if e["event"] == "StepStarted")
    assert started == {
        "event": "StepStarted", "timestamp": started["timestamp"],
        "workflowId": WORKFLOW_ID, "stepId": "createService", "attempt": 1,
    }  # fmt: skip
    received = next(e for e in events if e["event"] == "ResponseReceived")
    assert received["statusCode"] == 201 and received["stepId"] == "createService"


def test_trace_of_a_failed_run_ends_with_the_run(api: FakeApi, tmp_path: Path) -> None:
    api.add_number_status = 500
    trace = tmp_path / "run.jsonl"
    code, _, _ = run(*flagship(api, "--trace", str(trace), "--json"))
    assert code == 1
    events = [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines()]
    assert events[-1]["event"] == "RunFinished" and events[-1]["result"]["status"] == "failed"
    checked = [e for e in events if e["event"] == "CriterionChecked"]
    assert [(e["stepId"], e["passed"]) for e in checked] == [("createService", True), ("addNumber", False)]


# ---------------------------------------------------------------- guards: --max-steps, --timeout, redirects


def test_max_steps_stops_a_goto_loop(api: FakeApi) -> None:
    code, data, err = run_json(*extra_run(api, "loop", "--max-steps", "5"))
    assert code == 1, err
    assert data["status"] == "failed"
    assert data["error"]["type"] == "max-steps" and data["error"]["stepId"] == "ping"
    assert "--max-steps 5" in data["error"]["message"]
    assert (data["error"]["line"], data["error"]["column"]) == step_position(EXTRA, "ping")
    assert len(data["steps"]) == 5 and sent(api) == [("GET", "/api/ping")] * 5


def test_timeout_fails_the_step(api: FakeApi) -> None:
    import time

    started = time.monotonic()
    code, data, err = run_json(*extra_run(api, "slow", "--timeout", "0.2"))
    assert time.monotonic() - started < 0.9  # did not wait for the server's answer
    assert code == 1, err
    assert data["error"]["type"] == "timeout" and data["error"]["stepId"] == "wait"
    (step,) = data["steps"]
    assert step["status"] == "failed" and step["response"] is None and "0.2 s" in step["error"]
    assert re.match(rf"✗ wait  GET {re.escape(api.url)}/api/slow  \d+ ms  ", err.splitlines()[0])


def test_redirects_are_not_followed_by_default(api: FakeApi) -> None:
    code, data, _ = run_json(*extra_run(api, "redirected"))
    assert code == 1
    (step,) = data["steps"]
    assert step["response"]["statusCode"] == 302
    assert step["response"]["headers"]["location"] == "/api/target"
    assert data["error"]["type"] == "criteria" and "302" in data["error"]["message"]
    assert sent(api) == [("GET", "/api/redirect")]


def test_follow_redirects(api: FakeApi) -> None:
    code, data, err = run_json(*extra_run(api, "redirected", "--follow-redirects"))
    assert code == 0, err
    assert data["steps"][0]["response"]["statusCode"] == 200
    assert data["outputs"] == {"where": "target"}
    assert sent(api) == [("GET", "/api/redirect"), ("GET", "/api/target")]


# ---------------------------------------------------------------- user mistakes: exit 2, never a traceback


MISTAKES = {
    "server-without-equals": (["--server", "messagingApi"], "SOURCE=URL"),
    "server-unknown-source": (["--server", "messagingAPI=http://127.0.0.1:9/v1"], "messagingApi"),
    "server-not-http": (["--server", "messagingApi=127.0.0.1:9/v1"], "http://"),
    "inputs-not-json": (["--inputs", "{friendlyName: x}"], "--inputs is not valid JSON"),
    "inputs-not-an-object": (["--inputs", "[1, 2]"], "JSON object"),
    "inputs-file-missing": (["--inputs", "@/nonexistent/inputs.json"], "/nonexistent/inputs.json"),
    "input-without-equals": (["-i", "friendlyName"], "NAME=VALUE"),
    "timeout-not-a-number": (["--timeout", "soon"], "--timeout"),
    "timeout-negative": (["--timeout", "-1"], "--timeout"),
    "timeout-zero": (["--timeout", "0"], "--timeout"),
    "max-steps-zero": (["--max-steps", "0"], "--max-steps"),
    "trace-in-missing-dir": (["--trace", "/nonexistent/dir/t.jsonl"], "--trace /nonexistent/dir/t.jsonl"),
    "ca-bundle-missing": (["--ca-bundle", "/nonexistent/ca.pem"], "--ca-bundle /nonexistent/ca.pem"),
    "ca-bundle-not-pem": (["--ca-bundle", str(FLAGSHIP)], "--ca-bundle"),
    "client-cert-missing": (["--client-cert", "/nonexistent/me.pem"], "--client-cert /nonexistent/me.pem"),
    "unknown-option": (["--bogus"], "--bogus"),
}


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_user_mistakes_exit_2_with_a_message(mistake: str) -> None:
    options, expected = MISTAKES[mistake]
    argv = ["run", str(FLAGSHIP), "-i", "friendlyName=x", "-i", f"phoneNumberSid={PHONE}", *options]
    code, out, err = run(*argv)
    assert code == 2 and out == ""
    assert expected in err, err
    no_traceback(err)
    code, data, err = run_json(*argv)  # the JSON object also for a command-line mistake
    assert code == 2 and data["error"]["type"] == "usage" and expected in data["error"]["message"] + err


def test_a_valid_ca_bundle_is_accepted(api: FakeApi) -> None:
    import certifi

    code, _, err = run(*flagship(api, "--ca-bundle", certifi.where()))
    assert code == 0, err


# ---------------------------------------------------------------- a real process


def _subprocess(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "arazzo_runner", *argv],
        cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", timeout=60, check=False,
    )  # fmt: skip


def test_subprocess_run_json(api: FakeApi) -> None:
    process = _subprocess(*flagship(api, "--json"))
    assert process.returncode == 0, process.stderr
    data = one_json_object(process.stdout)
    check_contract(data, 0)
    assert SID.fullmatch(data["outputs"]["serviceSid"])
    no_traceback(process.stderr)
    assert len(api.requests) == 3


def test_subprocess_user_mistakes_have_no_traceback(tmp_path: Path) -> None:
    process = _subprocess("run", str(FLAGSHIP), "--inputs", "not json", "--json")
    assert process.returncode == 2
    check_contract(one_json_object(process.stdout), 2)
    assert process.stderr.startswith("error: --inputs is not valid JSON")
    no_traceback(process.stderr)
    process = _subprocess("run", str(tmp_path / "missing.yml"), "--server", "nope")
    assert process.returncode == 2 and process.stdout == ""
    no_traceback(process.stderr)


def test_credentials_are_read_from_the_environment_and_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # what `run` hands the engine (docs/credentials.md): the environment wins over ./.env
    from arazzo_runner.cli.run import _credentials
    from arazzo_runner.loading.sources import load

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        f"# test\nexport {USERNAME}='from-dotenv'\n{PASSWORD}=\"dotenv secret\"\nNOT_OURS=1\n", encoding="utf-8"
    )
    monkeypatch.setenv(USERNAME, "from-environment")
    monkeypatch.delenv(PASSWORD, raising=False)
    credentials = _credentials(load(str(FLAGSHIP)))
    assert credentials == {
        "messagingApi": {"accountSid_authToken": {"username": "from-environment", "password": "dotenv secret"}}
    }
    monkeypatch.delenv(USERNAME)
    (tmp_path / ".env").unlink()
    assert _credentials(load(str(FLAGSHIP))) == {}


# ---------------------------------------------------------------- engine gaps (xfail until execution/ is fixed)


def test_credentials_from_the_environment_are_sent_and_redacted(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    import base64

    monkeypatch.setenv(USERNAME, "AC" + "1" * 32)
    monkeypatch.setenv(PASSWORD, "s3cret-token")
    code, data, err = run_json(*flagship(api))
    assert code == 0, err
    expected = "Basic " + base64.b64encode(f"AC{'1' * 32}:s3cret-token".encode()).decode()
    assert [r.headers.get("Authorization") for r in api.requests] == [expected] * 3
    assert all(s["request"]["headers"].get("Authorization") == "***" for s in data["steps"])
    assert "s3cret-token" not in json.dumps(data) + err


def test_missing_credentials_are_warned_about(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(USERNAME, raising=False)
    monkeypatch.delenv(PASSWORD, raising=False)
    code, _, err = run(*flagship(api))
    assert code == 0, err
    assert USERNAME in err and PASSWORD in err


def test_an_undeclared_input_is_warned_about(api: FakeApi) -> None:
    code, _, err = run(*flagship(api, "-i", "phoneNumber=+15005550006"))
    assert code == 0, err
    assert "phoneNumber" in err.replace("phoneNumberSid", "")


def test_max_time_running_out_during_a_request_is_max_time(api: FakeApi) -> None:
    code, data, _ = run_json(*extra_run(api, "slow", "--max-time", "0.3"))
    assert code == 1
    assert data["error"]["type"] == "max-time" and "--max-time" in data["error"]["message"]


def test_a_goto_to_an_unknown_step_is_refused_before_any_request(api: FakeApi) -> None:
    argv = ["run", str(DATA / "goto-unknown.arazzo.yaml"), "--server", f"testApi={api.url}/api"]
    code, data, _ = run_json(*argv)
    assert code == 2 and data["error"]["type"] == "document" and "nowhere" in data["error"]["message"]
    assert api.requests == []


def test_check_responses_fails_a_step_whose_response_does_not_match(api: FakeApi) -> None:
    # the fake API answers with far fewer fields than the Twilio description requires
    code, out, err = run(*flagship(api, "--json", "--check-responses"))
    data = json.loads(out)
    assert code == 1 and data["status"] == "failed"
    assert data["error"]["type"] == "response-check" and data["error"]["stepId"] == "createService"
    assert "body: 'links' is a required property" in data["error"]["message"]


def test_check_responses_warn_only_warns(api: FakeApi) -> None:
    code, out, err = run(*flagship(api, "--check-responses=warn"))
    assert code == 0
    assert "response does not match the OpenAPI description" in err
    assert out.startswith("serviceSid: MG")


def test_several_servers_without_override_are_named_in_a_warning(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nservers:\n"
        "  - url: https://api.twilio.com/2010-04-01\n  - url: https://messaging.twilio.com/v1\n"
        "paths:\n  /Services:\n    post:\n      operationId: create\n      responses: {'201': {description: ok}}\n"
    )
    (tmp_path / "flow.yaml").write_text(
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\nsourceDescriptions: [{name: api, url: ./api.yaml}]\n"
        "workflows:\n  - workflowId: w\n    steps:\n      - stepId: s\n        operationId: create\n"
    )
    code, out, err = run("run", str(tmp_path / "flow.yaml"), "--dry-run")
    assert code == 0 and out.startswith("POST https://api.twilio.com/2010-04-01/Services")
    assert "offers 2 servers (https://api.twilio.com/2010-04-01, https://messaging.twilio.com/v1)" in err
    assert "--server api=URL" in err


def test_a_document_with_validation_errors_is_refused_before_any_request(api: FakeApi, tmp_path: Path) -> None:
    text = FLAGSHIP.read_text(encoding="utf-8").replace("$inputs.phoneNumberSid", "$inputs.phoneNumberSidd")
    text = text.replace("../openapi/", str(FLAGSHIP.parent.parent / "openapi") + "/")
    copy = tmp_path / "typo.yml"
    copy.write_text(text, encoding="utf-8")
    argv = [
        "run",
        str(copy),
        "--server",
        f"messagingApi={api.url}/v1",
        "-i",
        "friendlyName=x",
        "-i",
        f"phoneNumberSid={PHONE}",
    ]
    code, out, err = run(*argv, "--json")
    data = json.loads(out)
    assert code == 2 and data["status"] == "error" and data["error"]["type"] == "document"
    assert "phoneNumberSidd" in data["error"]["message"] and data["error"]["line"] is not None
    assert api.requests == []
    code, out, err = run(*argv, "--no-validate")
    assert code == 0 and len(api.requests) == 3


def test_mock_runs_the_flagship_offline() -> None:
    argv = [
        "run",
        str(FLAGSHIP),
        "--mock",
        "-i",
        "friendlyName=Demo messaging service",
        "-i",
        f"phoneNumberSid={PHONE}",
    ]
    code, out, err = run(*argv)
    assert code == 0, err
    lines = out.splitlines()
    assert re.fullmatch(r"serviceSid: MG[0-9a-fA-F]{32}", lines[0])
    assert lines[1] == "friendlyName: Demo messaging service"
    assert "built-in mock" in err and "warning: no credentials" not in err
    code, out, _ = run(*argv, "--json", "--mock", "messagingApi")
    assert code == 0 and json.loads(out)["outputs"]["friendlyName"] == "Demo messaging service"


def test_mock_of_an_unknown_source_is_a_usage_error() -> None:
    code, _, err = run("run", str(FLAGSHIP), "--mock", "nope", "-i", "friendlyName=x", "-i", f"phoneNumberSid={PHONE}")
    assert code == 2 and "no OpenAPI source description named 'nope'" in err


@pytest.mark.parametrize(
    "old, new, words",
    [
        ("    type: object\n", "    type: objectt\n", "'objectt' is not valid"),
        ("        description: Descriptive name for the messaging service.\n",
         "        description: Descriptive name for the messaging service.\n        pattern: '[unclosed'\n", "is not a 'regex'"),
        ("    required:\n", "    minProperties: x\n    required:\n", "'x' is not of type 'integer'"),
    ],
    ids=["unknown-type", "bad-pattern", "bad-keyword-value"],
)  # fmt: skip
def test_a_broken_inputs_schema_is_a_document_error_not_a_traceback(
    tmp_path: Path, old: str, new: str, words: str
) -> None:
    text = FLAGSHIP.read_text(encoding="utf-8").replace("../openapi/", str(FLAGSHIP.parent.parent / "openapi") + "/")
    assert old in text
    copy = tmp_path / "schema.yml"
    copy.write_text(text.replace(old, new, 1), encoding="utf-8")
    code, out, err = run(
        "run", str(copy), "--mock", "--json", "--no-validate", "-i", "friendlyName=x", "-i", f"phoneNumberSid={PHONE}"
    )
    data = json.loads(out)
    assert code == 2 and data["status"] == "error" and data["error"]["type"] == "document"
    assert "inputs schema" in data["error"]["message"] and words in data["error"]["message"]
    assert "Traceback" not in err


def test_a_relative_server_url_stops_the_run_before_any_request(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nservers: [{url: /v1}]\n"
        "paths:\n  /things:\n    get:\n      operationId: list\n      responses: {'200': {description: ok}}\n"
    )
    (tmp_path / "flow.yaml").write_text(
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\nsourceDescriptions: [{name: api, url: ./api.yaml}]\n"
        "workflows:\n  - workflowId: w\n    steps:\n      - stepId: s\n        operationId: list\n"
    )
    code, out, err = run("run", str(tmp_path / "flow.yaml"), "--json")
    data = json.loads(out)
    assert code == 2 and data["status"] == "error" and data["error"]["type"] == "usage"
    assert "'/v1', not a full URL; pass --server api=URL" in data["error"]["message"]


def test_tokens_in_response_bodies_are_redacted(tmp_path: Path) -> None:
    flow = ROOT / "workflows" / "billing-issue-invoice-with-client-credentials-workflow.yml"
    trace = tmp_path / "trace.jsonl"
    argv = ["run", str(flow), "--mock", "--json", "--trace", str(trace), "-i", "clientId=cid",
            "-i", "clientSecret=S3cretValue", "-i", "customerId=cus_12345678", "-i", "amount=12.5"]  # fmt: skip
    code, out, err = run(*argv)
    assert code == 0, err
    token_step = next(
        s
        for s in json.loads(out)["steps"]
        if isinstance(s["response"], dict)
        and isinstance(s["response"]["body"], dict)
        and "access_token" in s["response"]["body"]
    )
    assert token_step["response"]["body"]["access_token"] == "***"
    for text in (out, err, trace.read_text()):
        assert "mock-" not in text and "S3cretValue" not in text


@pytest.mark.parametrize(
    "pair, words",
    [("nope=1", "no server declares a variable 'nope' (variables: version)"), ("version=v9", "allowed values are v1")],
    ids=["unknown-variable", "outside-the-enum"],
)
def test_server_variables_are_checked(pair: str, words: str) -> None:
    flow = ROOT / "workflows" / "projects-create-project-with-tasks-workflow.yml"
    argv = ["run", str(flow), "-w", "create-project-with-tasks", "--mock", "--server-var", pair,
            "-i", "name=P", "-i", "firstTask=a", "-i", "secondTask=b"]  # fmt: skip
    code, _, err = run(*argv)
    assert code == 2 and words in err
