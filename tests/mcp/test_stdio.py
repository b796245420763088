"""``arazzo mcp workflows/ --mock`` over stdio, driven by the ``mcp`` SDK's own client: the
tools and their schemas, calls that succeed and fail, progress, resources, what goes to stdout
and stderr, and secrets that never reach the client."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest

from .conftest import EXAMPLE_TOOLS, FLAGSHIP_INPUTS, FLAGSHIP_TOOL, SERVICE_SID, Connected, stdio_session

pytestmark = pytest.mark.usefixtures("mcp_sdk")

BASIC_USER = "AC" + "0123456789abcdef" * 2
BASIC_PASSWORD = "tw-auth-token-Zq8vN3xK"
CLIENT_SECRET = "billing-secret-Hq4pW9yT"


def run(body: Callable[[Connected], Awaitable[Any]], *args: str, env: dict[str, str] | None = None) -> Any:
    """``body(connected)`` in a fresh stdio session of ``arazzo mcp workflows/ --mock ARGS``."""

    async def main() -> Any:
        async with stdio_session(*args, env=env) as connected:
            return await body(connected)

    return anyio.run(main)


def refs_in(node: Any) -> list[str]:
    """Every ``$ref`` value anywhere in ``node``."""
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [ref for value in node.values() for ref in refs_in(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in refs_in(item)]
    return []


def text_of(result: Any) -> str:
    return "\n".join(block.text for block in result.content if getattr(block, "type", "") == "text")


def test_one_tool_per_example_workflow_with_plain_schemas() -> None:
    async def body(connected: Connected) -> Any:
        return (await connected.session.list_tools()).tools

    tools = {tool.name: tool for tool in run(body)}
    assert sorted(tools) == sorted(EXAMPLE_TOOLS)
    flagship = tools[FLAGSHIP_TOOL]
    assert flagship.description.startswith("Create a messaging service, add a sender number, and confirm it.")
    assert flagship.input_schema["type"] == "object"
    assert sorted(flagship.input_schema["required"]) == ["friendlyName", "phoneNumberSid"]
    assert sorted(flagship.input_schema["properties"]) == ["friendlyName", "inboundRequestUrl", "phoneNumberSid"]
    assert sorted(flagship.output_schema["properties"]) == ["friendlyName", "serviceSid"]
    assert tools["issue-invoice"].description.startswith("Get a token, create a draft invoice, fetch it back.")
    assert tools["add-task"].input_schema["properties"]["projectId"] == {"type": "integer", "minimum": 1}
    for tool in tools.values():
        assert refs_in(tool.input_schema) == [], tool.name
        assert "$schema" not in tool.input_schema
    # a password input never passes through the model: not in the schema, not required
    invoice = tools["issue-invoice"].input_schema
    assert "clientSecret" not in invoice["properties"]
    assert sorted(invoice["required"]) == ["amount", "clientId", "customerId"]
    assert "clientSecret" not in json.dumps(invoice)


def test_flagship_call_returns_a_service_sid_and_reports_progress() -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async def body(connected: Connected) -> Any:
        return await connected.session.call_tool(FLAGSHIP_TOOL, FLAGSHIP_INPUTS, progress_callback=on_progress)

    result = run(body)
    assert result.is_error is False
    assert SERVICE_SID.match(result.structured_content["serviceSid"])
    assert result.structured_content["friendlyName"] == "Acme alerts"
    text = text_of(result)
    assert text.startswith(f"workflow {FLAGSHIP_TOOL} succeeded")
    assert result.structured_content["serviceSid"] in text
    # one notification per finished step, in order, each naming its step
    assert [done for done, _, _ in seen] == [1, 2, 3]
    steps = ["createService", "addNumber", "confirmService"]
    assert all(step in (message or "") for step, (_, _, message) in zip(steps, seen, strict=True))


def test_no_progress_notification_without_a_progress_token() -> None:
    async def body(connected: Connected) -> tuple[Any, list[str]]:
        result = await connected.session.call_tool(FLAGSHIP_TOOL, FLAGSHIP_INPUTS)
        return result, list(connected.received)

    result, received = run(body)
    assert result.is_error is False
    assert not any('"notifications/progress"' in message for message in received)


def test_bad_arguments_and_failed_runs_are_tool_errors() -> None:
    async def body(connected: Connected) -> dict[str, Any]:
        session = connected.session
        return {
            "missing": await session.call_tool(FLAGSHIP_TOOL, {"friendlyName": "Acme"}),
            "wrong type": await session.call_tool("add-task", {"projectId": "one", "title": "T"}),
            "failed": await session.call_tool("add-task", {"projectId": 1, "title": "Orphan task"}),
            "unknown": await session.call_tool("no-such-tool", {}),
            "password": await session.call_tool(
                "issue-invoice",
                {"clientId": "demo-client", "customerId": "cus_12345678", "amount": 120.5, "currency": "GBP"},
            ),
            "given secret": await session.call_tool(
                "issue-invoice",
                {"clientId": "c", "clientSecret": "s", "customerId": "cus_12345678", "amount": 1},
            ),
            "after": await session.call_tool(FLAGSHIP_TOOL, FLAGSHIP_INPUTS),
        }

    results = run(body)
    for name in ("missing", "wrong type", "failed", "unknown", "password", "given secret"):
        assert results[name].is_error is True, name
        assert results[name].structured_content is None, name
    assert "phoneNumberSid" in text_of(results["missing"])
    assert "missing required input" in text_of(results["missing"])
    assert "projectId" in text_of(results["wrong type"])
    failed = text_of(results["failed"])
    # the examples' case "a task needs an existing project": the first step gets a 404
    assert failed.startswith("workflow add-task failed at step createTask")
    assert "404" in failed
    assert "no-such-tool" in text_of(results["unknown"])
    assert "clientSecret" in text_of(results["password"])
    assert "ARAZZO_INPUT_CLIENTSECRET" in text_of(results["password"])
    assert "clientSecret" in text_of(results["given secret"])
    # an error result leaves the session usable
    assert results["after"].is_error is False


def test_resources_are_the_documents_and_each_workflows_flow() -> None:
    async def body(connected: Connected) -> dict[str, Any]:
        listed = (await connected.session.list_resources()).resources
        uris = [str(resource.uri) for resource in listed]
        flow = await connected.session.read_resource(f"arazzo://workflows/{FLAGSHIP_TOOL}/flow")
        document = next(
            uri for uri in uris if uri.endswith("twilio-provision-messaging-service-add-number-workflow.yml")
        )
        from mcp.shared.exceptions import MCPError

        try:
            await connected.session.read_resource("arazzo://nope")
            unknown: Any = None
        except MCPError as error:
            unknown = error
        return {"uris": uris, "flow": flow, "document": await connected.session.read_resource(document),
                "unknown": unknown}  # fmt: skip

    found = run(body)
    assert found["unknown"] is not None and found["unknown"].code == -32602  # invalid params, named
    assert "no resource arazzo://nope" in found["unknown"].error.message
    flows = sorted(uri.split("/")[3] for uri in found["uris"] if uri.endswith("/flow"))
    assert flows == sorted(EXAMPLE_TOOLS)
    assert len([uri for uri in found["uris"] if uri.startswith("arazzo://documents/")]) == 6
    flow = found["flow"].contents[0].text
    assert flow.startswith("flowchart")
    assert "createService" in flow and "confirmService" in flow
    document = found["document"].contents[0].text
    assert "workflowId: provision-messaging-service-add-number" in document


def test_stdout_carries_only_protocol_messages_and_stderr_the_summary() -> None:
    async def body(connected: Connected) -> str:
        await connected.session.list_tools()
        await connected.session.call_tool(FLAGSHIP_TOOL, FLAGSHIP_INPUTS, progress_callback=_ignore)
        await connected.session.call_tool("add-task", {"projectId": 1, "title": "Orphan task"})
        for message in connected.received:
            # each line of stdout parsed as a JSON-RPC message (the client turns any other
            # line into an exception on its read stream, which would be recorded as such)
            assert json.loads(message)["jsonrpc"] == "2.0", message
        return connected.stderr()

    stderr = run(body)
    assert stderr.startswith("arazzo mcp: 7 tool(s)\n")
    for name in EXAMPLE_TOOLS:
        assert f"  {name} " in stderr
    assert "mock: " in stderr and "messagingApi" in stderr
    assert "ARAZZO_INPUT_CLIENTSECRET" in stderr  # the warning: issue-invoice has no clientSecret


async def _ignore(progress: float, total: float | None, message: str | None) -> None:
    return None


def test_secrets_in_the_servers_environment_never_reach_the_client() -> None:
    environment = {
        "ARAZZO_MESSAGINGAPI_ACCOUNTSID_AUTHTOKEN_USERNAME": BASIC_USER,
        "ARAZZO_MESSAGINGAPI_ACCOUNTSID_AUTHTOKEN_PASSWORD": BASIC_PASSWORD,
        "ARAZZO_INPUT_CLIENTSECRET": CLIENT_SECRET,
    }
    invoice = {"clientId": "demo-client", "customerId": "cus_12345678", "amount": 120.5, "currency": "GBP"}

    async def body(connected: Connected) -> dict[str, Any]:
        session = connected.session
        tools = (await session.list_tools()).tools
        results = {
            "flagship": await session.call_tool(FLAGSHIP_TOOL, FLAGSHIP_INPUTS, progress_callback=_ignore),
            "invoice": await session.call_tool("issue-invoice", invoice, progress_callback=_ignore),
            "bad invoice": await session.call_tool("issue-invoice", {**invoice, "customerId": "nope"}),
            "failed": await session.call_tool("add-task", {"projectId": 1, "title": "Orphan task"}),
        }
        for resource in (await session.list_resources()).resources:
            await session.read_resource(str(resource.uri))
        return {"tools": tools, **results, "received": list(connected.received), "stderr": connected.stderr()}

    found = run(body, env=environment)
    assert found["flagship"].is_error is False
    assert SERVICE_SID.match(found["flagship"].structured_content["serviceSid"])
    # issue-invoice runs with the secret from the server's environment, which the client never gave
    assert found["invoice"].is_error is False, text_of(found["invoice"])
    assert found["invoice"].structured_content["status"] == "draft"
    assert found["invoice"].structured_content["invoiceId"].startswith("in_")
    assert found["bad invoice"].is_error is True
    assert "ARAZZO_INPUT_CLIENTSECRET" not in found["stderr"]  # no warning: the server has it
    # the recorder saw everything: responses and the progress notifications
    assert len(found["received"]) > 10
    assert any('"notifications/progress"' in message for message in found["received"])
    everything = "\n".join(found["received"])
    for secret in (BASIC_USER, BASIC_PASSWORD, CLIENT_SECRET):
        assert secret not in everything
        assert secret not in found["stderr"]
    # nor in any encoding a step line or an output could carry (basic auth is base64)
    import base64

    basic = base64.b64encode(f"{BASIC_USER}:{BASIC_PASSWORD}".encode()).decode()
    assert basic not in everything


def test_fixed_inputs_leave_the_schema_and_apply_to_every_call() -> None:
    async def body(connected: Connected) -> dict[str, Any]:
        tools = {tool.name: tool for tool in (await connected.session.list_tools()).tools}
        result = await connected.session.call_tool(FLAGSHIP_TOOL, {"phoneNumberSid": "PN" + "c" * 32})
        override = await connected.session.call_tool(FLAGSHIP_TOOL, FLAGSHIP_INPUTS)
        return {"tools": tools, "result": result, "override": override}

    found = run(body, "-w", FLAGSHIP_TOOL, "-i", "friendlyName=Fixed name")
    assert sorted(found["tools"]) == [FLAGSHIP_TOOL]
    schema = found["tools"][FLAGSHIP_TOOL].input_schema
    assert sorted(schema["properties"]) == ["inboundRequestUrl", "phoneNumberSid"]
    assert schema["required"] == ["phoneNumberSid"]
    assert found["result"].is_error is False
    assert found["result"].structured_content["friendlyName"] == "Fixed name"
    assert found["override"].is_error is True
    assert "friendlyName" in text_of(found["override"])
