"""The example workflows and the flagship, run by the engine on the mock: in-process through
``Runner(..., transport=MockTransport(...))``, and through ``arazzo mock``'s HTTP server."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
from typing import Any

import httpx
import pytest

import arazzo_runner
from arazzo_runner.cli import main
from arazzo_runner.mock import MockRouter, MockServer, MockTransport, mock_description
from arazzo_runner.mock.inputs import sample_inputs

from ..paths import FLAGSHIP, ROOT
from .conftest import OPENAPI, TWILIO, WORKFLOWS, no_sleep

PN = "PN557ce644e5ab84fa21cc21112e22c485"
FLAGSHIP_INPUTS = {"friendlyName": "Appointment reminders", "phoneNumberSid": PN}


def run(path: Any, workflow_id: str | None, inputs: dict[str, Any], transport: Any, **options: Any) -> Any:
    with arazzo_runner.Runner(
        str(path), transport=transport, sleep=options.pop("sleep", no_sleep), **options
    ) as runner:
        return runner.run(workflow_id, inputs)


def test_flagship_on_the_in_process_mock() -> None:
    result = run(FLAGSHIP, None, FLAGSHIP_INPUTS, MockTransport(TWILIO))
    assert result.status == "succeeded", result.error
    assert [(s.step_id, s.response.status_code) for s in result.steps] == [
        ("createService", 201), ("addNumber", 201), ("confirmService", 200),
    ]  # fmt: skip
    assert result.outputs["friendlyName"] == "Appointment reminders"
    assert result.steps[0].request.url == "https://messaging.twilio.com/v1/Services"  # its own server URL


def test_retry_example_retries_through_two_planned_503s() -> None:
    slept: list[float] = []
    result = run(WORKFLOWS / "inventory-reserve-stock-with-retry-workflow.yml", None, {"sku": "MUG-0042", "quantity": 3},
                 MockTransport(OPENAPI / "inventory-reservations-openapi.yml"), sleep=slept.append)  # fmt: skip
    assert result.status == "succeeded", result.error
    reserve = [s for s in result.steps if s.step_id == "reserveStock"]
    assert [(s.attempt, s.response.status_code) for s in reserve] == [(1, 503), (2, 503), (3, 201)]
    assert {k.lower(): v for k, v in reserve[0].response.headers.items()}["retry-after"] == "1"
    assert slept == [1.0, 1.0]
    assert result.outputs["status"] == "held"
    assert result.outputs["reservationId"] == reserve[-1].response.body["id"]


def test_pagination_example_loops_over_every_page() -> None:
    result = run(WORKFLOWS / "contacts-export-all-pages-workflow.yml", None, {},
                 MockTransport(OPENAPI / "contacts-openapi.yml"))  # fmt: skip
    assert result.status == "succeeded", result.error
    pages = [s for s in result.steps if s.step_id == "fetchPage"]
    assert [len(s.response.body["contacts"]) for s in pages] == [2, 2, 1]
    assert "pageToken" not in pages[0].request.url  # the first page: the token output did not exist yet
    assert pages[1].request.url.endswith(f"pageToken={pages[0].outputs['nextPageToken']}")
    assert pages[-1].outputs["nextPageToken"] is None
    assert result.outputs["lastContactName"] == pages[-1].response.body["contacts"][0]["name"]


def test_sub_workflow_example_calls_add_task_twice() -> None:
    inputs = {"name": "Launch", "firstTask": "Write the docs", "secondTask": "Ship it"}
    result = run(WORKFLOWS / "projects-create-project-with-tasks-workflow.yml", "create-project-with-tasks", inputs,
                 MockTransport(OPENAPI / "projects-openapi.yml"))  # fmt: skip
    assert result.status == "succeeded", result.error
    assert [(s.workflow_id, s.step_id) for s in result.steps] == [
        ("create-project-with-tasks", "createProject"),
        ("add-task", "createTask"), ("add-task", "readTask"),
        ("create-project-with-tasks", "addFirstTask"),
        ("add-task", "createTask"), ("add-task", "completeTask"), ("add-task", "readTask"),
        ("create-project-with-tasks", "addSecondTask"),
        ("create-project-with-tasks", "listTasks"),
    ]  # fmt: skip
    assert result.outputs["projectId"] == 1
    assert (result.outputs["firstTaskId"], result.outputs["secondTaskId"], result.outputs["secondTaskDone"]) == (
        1,
        2,
        True,
    )
    assert [(t["title"], t["done"]) for t in result.outputs["tasks"]] == [("Write the docs", False), ("Ship it", True)]


def test_oauth2_example_gets_a_token_and_uses_it() -> None:
    inputs = {"clientId": "billing-app", "clientSecret": "s3cret", "customerId": "cus_12345678", "amount": 120.5}
    mock = MockTransport(OPENAPI / "billing-invoices-openapi.yml", require_auth=True)
    result = run(WORKFLOWS / "billing-issue-invoice-with-client-credentials-workflow.yml", None, inputs, mock)
    assert result.status == "succeeded", result.error
    token = result.steps[0].response.body["access_token"]
    assert result.steps[1].request.headers["Authorization"] in ("Bearer " + token, "***")
    assert result.outputs["status"] == "draft" and result.outputs["currency"] == "EUR"


@pytest.mark.parametrize(
    ("workflow", "workflow_id"),
    [
        ("inventory-reserve-stock-with-retry-workflow.yml", None),
        ("contacts-export-all-pages-workflow.yml", None),
        ("projects-create-project-with-tasks-workflow.yml", "create-project-with-tasks"),
        ("billing-issue-invoice-with-client-credentials-workflow.yml", None),
    ],
)
def test_examples_succeed_with_generated_inputs_on_mock_description(workflow: str, workflow_id: str | None) -> None:
    description = arazzo_runner.load(str(WORKFLOWS / workflow))
    setup = mock_description(description, seed=5)
    inputs = sample_inputs(description, workflow_id, seed=5)
    with arazzo_runner.Runner(description, transport=setup.transport, servers=setup.servers, sleep=no_sleep) as runner:
        result = runner.run(workflow_id, inputs)
    assert result.status == "succeeded", (inputs, result.error)


def test_the_transport_is_async_too() -> None:
    async def main() -> Any:
        async with arazzo_runner.Runner(str(FLAGSHIP), transport=MockTransport(TWILIO)) as runner:
            return await runner.run_async(None, FLAGSHIP_INPUTS)

    result = asyncio.run(main())
    assert result.status == "succeeded", result.error


def test_flagship_through_the_mock_server_with_server_option() -> None:
    with MockServer.for_openapi(TWILIO) as server:
        out, err = io.StringIO(), io.StringIO()
        code = main(["run", str(FLAGSHIP), "--server", f"messagingApi={server.url}/v1", "--json",
                     "-i", "friendlyName=Demo", "-i", f"phoneNumberSid={PN}"], stdout=out, stderr=err)  # fmt: skip
        assert code == 0, err.getvalue()
        result = json.loads(out.getvalue())
        assert result["status"] == "succeeded"
        sid = result["outputs"]["serviceSid"]
        assert result["steps"][0]["request"]["url"] == f"{server.url}/v1/Services"
        with httpx.Client() as client:
            assert client.get(f"{server.url}/v1/Services/{sid}").json()["friendly_name"] == "Demo"
            unknown = client.get(f"{server.url}/v1/Services/MG{'a' * 32}")
            assert unknown.status_code == 404
            assert unknown.json() == {
                "code": 20404,
                "message": f"The requested resource /Services/MG{'a' * 32} was not found",
                "more_info": "https://www.twilio.com/docs/errors/20404",
                "status": 404,
            }
            created = client.post(f"{server.url}/v1/Services", data={"FriendlyName": "x"})
            # URLs the mock writes name the address it was reached at
            assert created.headers["location"].startswith(f"{server.url}/v1/Services/MG")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_arazzo_mock_command_serves_and_stops_on_ctrl_c() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "arazzo_runner", "mock", str(TWILIO), "--port", "0", "--seed", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        # a child of a shell job that ignores SIGINT would inherit that: restore it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("mock of Twilio Messaging Services API (v1) serving on http://127.0.0.1:")
        url = first.rsplit(" ", 1)[-1].strip()
        assert process.stdout.readline().strip() == f"{url}/v1  (for https://messaging.twilio.com/v1)"
        with httpx.Client() as client:
            response = client.get(f"{url}/v1/Services/MG{'0' * 32}")
        assert response.status_code == 404 and response.json()["code"] == 20404
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "Traceback" not in err
    assert f"GET /v1/Services/MG{'0' * 32} 404  (fetchMessagingService)" in err
    assert err.rstrip().endswith("stopped")


def test_router_sends_each_source_to_its_mock_and_the_rest_to_the_fallback() -> None:
    twilio = MockTransport(TWILIO)
    contacts = MockTransport(OPENAPI / "contacts-openapi.yml")
    seen: list[str] = []

    def real(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"real": True})

    router = MockRouter({"messagingApi": twilio, "contactsApi": contacts}, fallback=httpx.MockTransport(real))
    with httpx.Client(transport=router) as client:
        assert client.post("https://messaging.twilio.com/v1/Services", data={"FriendlyName": "x"}).status_code == 201
        assert "contacts" in client.get("https://api.contacts.example.com/contacts").json()
        assert client.get("https://elsewhere.example.org/x").json() == {"real": True}
    assert seen == ["https://elsewhere.example.org/x"]
    assert router.route("https://messaging.twilio.com/v1/Services") is twilio
    with httpx.Client(transport=MockRouter([twilio])) as client, pytest.raises(httpx.ConnectError):
        client.get("https://elsewhere.example.org/x")


def test_mock_description_gives_relative_servers_a_url_and_honours_overrides(tmp_path: Any) -> None:
    api = tmp_path / "api.yaml"
    api.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nservers: [{url: /api/v3}]\n"
        "paths:\n  /ping:\n    get:\n      operationId: ping\n      responses: {'200': {description: ok}}\n",
        encoding="utf-8",
    )
    doc = tmp_path / "flow.arazzo.yaml"
    doc.write_text(
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\n"
        "sourceDescriptions:\n- {name: petStore, url: api.yaml, type: openapi}\n"
        f"- {{name: messagingApi, url: {TWILIO.as_posix()}, type: openapi}}\n"
        "workflows:\n- workflowId: w\n  steps:\n  - {stepId: s, operationId: ping}\n",
        encoding="utf-8",
    )
    description = arazzo_runner.load(str(doc))
    setup = mock_description(description, servers={"messagingApi": "http://localhost:8999/v1"})
    assert setup.servers == {"petStore": "http://petstore.mock.invalid/api/v3"}
    assert set(setup.mocks) == {"petStore", "messagingApi"}
    assert "http://localhost:8999/v1" in setup.mocks["messagingApi"].base_urls
    with arazzo_runner.Runner(description, transport=setup.transport, servers=setup.servers) as runner:
        assert runner.run("w").status == "succeeded"
    only = mock_description(description, only=["petStore"])
    assert list(only.mocks) == ["petStore"]
    with pytest.raises(arazzo_runner.UsageError, match="no OpenAPI source description named 'nope'"):
        mock_description(description, only=["nope"])


EXAMPLES = [
    "inventory-reserve-stock-with-retry-workflow.yml",
    "contacts-export-all-pages-workflow.yml",
    "projects-create-project-with-tasks-workflow.yml",
    "billing-issue-invoice-with-client-credentials-workflow.yml",
]


@pytest.mark.parametrize("workflow", EXAMPLES)
def test_examples_pass_validate_and_show(workflow: str) -> None:
    import importlib.util

    path = str(WORKFLOWS / workflow)
    out, err = io.StringIO(), io.StringIO()
    workflow_id = ["create-project-with-tasks"] if "projects" in workflow else []
    assert main(["show", path, *workflow_id, "--json"], stdout=out, stderr=err) == 0, err.getvalue()
    if importlib.util.find_spec("arazzo_runner.cli.validate") is None:
        pytest.skip("arazzo validate is not there yet")
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", path, "--format", "json"], stdout=out, stderr=err)
    report = json.loads(out.getvalue())
    assert code == 0 and report["valid"], report
    assert [d for d in report["diagnostics"] if d["severity"] != "info"] == []


def test_arazzo_mock_usage_errors() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out, err = io.StringIO(), io.StringIO()
        assert main(["mock", str(TWILIO), "--port", str(port)], stdout=out, stderr=err) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in err.getvalue()
    err = io.StringIO()
    assert main(["mock", str(FLAGSHIP)], stdout=io.StringIO(), stderr=err) == 2
    assert "this is an Arazzo document, not an OpenAPI description" in err.getvalue()
    err = io.StringIO()
    assert main(["mock", str(TWILIO), "--port", "70000"], stdout=io.StringIO(), stderr=err) == 2
    assert "a port is 0-65535" in err.getvalue()
