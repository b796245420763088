"""The options that travel with a run (arazzo_runner.temporal.options), and RunRequest made
without a server (arazzo_runner.temporal.client): what it checks, sends and how it names runs."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

if os.environ.get("ARAZZO_REQUIRE_TEMPORAL") != "1":  # required: the import below fails the run
    pytest.importorskip("temporalio", reason="the temporalio package is not importable: pip install -e '.[test]'")

from arazzo_runner.errors import ArazzoError, UsageError  # noqa: E402 - after the skip when it is missing
from arazzo_runner.execution.runner import Runner  # noqa: E402
from arazzo_runner.temporal import client as client_module  # noqa: E402
from arazzo_runner.temporal.client import RunRequest  # noqa: E402
from arazzo_runner.temporal.codec import KEY_VARIABLE, Sealed  # noqa: E402
from arazzo_runner.temporal.options import DEFAULT_MAX_HISTORY_BODY, options_to_wire, runner_keywords  # noqa: E402

from ..paths import FLAGSHIP, ROOT  # noqa: E402

BILLING = ROOT / "workflows" / "billing-issue-invoice-with-client-credentials-workflow.yml"
TWILIO = ROOT / "openapi" / "twilio-messaging-openapi.yml"
KEY = "a temporal key of the tests, long enough"
OTHER_KEY = "another key of the tests, as long"
INVENTORY = ROOT / "workflows" / "inventory-reserve-stock-with-retry-workflow.yml"
FLAGSHIP_ID = "provision-messaging-service-add-number"
INPUTS = {"friendlyName": "Alerts", "phoneNumberSid": "PN" + "0" * 32}
BILLING_INPUTS = {
    "clientId": "client-1",
    "clientSecret": "s3cr3t-Value-42",
    "customerId": "cus_ABCDEFGH",
    "amount": 12.5,
}

# Runner keyword, its name on the wire, a value (not the default) and that value on the wire
EVERY_OPTION = [
    ("servers", "servers", {"messagingApi": "http://127.0.0.1:9/v1"}, {"messagingApi": "http://127.0.0.1:9/v1"}),
    ("server_variables", "serverVariables", {"region": "eu"}, {"region": "eu"}),
    ("timeout", "timeout", 5.5, 5.5),
    ("max_time", "maxTime", 60.0, 60.0),
    ("max_steps", "maxSteps", 12, 12),
    ("max_retry_after", "maxRetryAfter", 2.5, 2.5),
    ("max_response_bytes", "maxResponseBytes", 4096, 4096),
    ("follow_redirects", "followRedirects", True, True),
    ("dry_run", "dryRun", True, True),
    ("check_responses", "checkResponses", "strict", "strict"),
    ("check_requests", "checkRequests", True, True),
    ("require_auth", "requireAuth", True, True),
    ("allow_insecure_credentials", "allowInsecureCredentials", True, True),
    ("mock", "mock", ("messagingApi",), ["messagingApi"]),
    ("mock_seed", "mockSeed", 7, 7),
    ("mock_items", "mockItems", 3, 3),
    ("mock_max_items", "mockMaxItems", 20, 20),
]


@pytest.mark.parametrize("keyword, name, value, wire", EVERY_OPTION, ids=[row[0] for row in EVERY_OPTION])
def test_each_option_travels_under_its_camel_case_name(keyword: str, name: str, value: Any, wire: Any) -> None:
    on_wire = options_to_wire({keyword: value})
    assert on_wire == {name: wire, "maxHistoryBody": DEFAULT_MAX_HISTORY_BODY}
    assert json.loads(json.dumps(on_wire)) == on_wire
    back = runner_keywords(on_wire)
    assert back == {keyword: wire}


def test_every_option_round_trips_at_once() -> None:
    keywords = {keyword: value for keyword, _, value, _ in EVERY_OPTION}
    on_wire = options_to_wire(keywords, max_history_body=1000)
    assert on_wire == {name: wire for _, name, _, wire in EVERY_OPTION} | {"maxHistoryBody": 1000}
    assert runner_keywords(on_wire) == {keyword: wire for keyword, _, _, wire in EVERY_OPTION}


def test_a_runners_settings_make_the_same_runner_on_a_worker() -> None:
    # the flagship's servers declare no variables: a variable would be refused as a typo
    keywords: dict[str, Any] = {k: value for k, _, value, _ in EVERY_OPTION if k != "server_variables"}
    runner = Runner(str(FLAGSHIP), **keywords)
    on_worker = Runner(str(FLAGSHIP), **runner_keywords(json.loads(json.dumps(options_to_wire(runner.settings)))))
    assert on_worker.settings == runner.settings
    assert on_worker.mocked == runner.mocked == ("messagingApi",)


@pytest.mark.parametrize("keyword", [row[0] for row in EVERY_OPTION])
def test_none_values_are_dropped(keyword: str) -> None:
    assert options_to_wire({keyword: None}) == {"maxHistoryBody": DEFAULT_MAX_HISTORY_BODY}


def test_false_and_zero_are_kept_unlike_none() -> None:
    on_wire = options_to_wire({"dry_run": False, "mock_seed": 0, "servers": {}, "mock_max_items": None})
    assert on_wire == {"dryRun": False, "mockSeed": 0, "servers": {}, "maxHistoryBody": DEFAULT_MAX_HISTORY_BODY}


@pytest.mark.parametrize(
    "keyword, value",
    [
        ("credentials", {"messagingApi": {"accountSid_authToken": {"password": "tok-never-travels"}}}),
        ("verify", "/etc/ssl/private-ca-never-travels.pem"),
        ("cert", ("/home/me/client-never-travels.pem", "/home/me/key.pem")),
        ("headers", [("Authorization", "Bearer never-travels")]),
        ("sources", {"messagingApi": "/tmp/never-travels.yml"}),
        ("allow_remote", True),
        ("transport", "a transport object"),
    ],
    ids=lambda v: v if isinstance(v, str) and v.isidentifier() else "",
)
def test_what_is_this_machines_own_never_travels(keyword: str, value: Any) -> None:
    on_wire = options_to_wire({keyword: value, "timeout": 3.0})
    assert on_wire == {"timeout": 3.0, "maxHistoryBody": DEFAULT_MAX_HISTORY_BODY}
    assert "never-travels" not in json.dumps(on_wire)
    assert keyword not in runner_keywords({**on_wire, keyword: value})


@pytest.mark.parametrize("cap", [DEFAULT_MAX_HISTORY_BODY, 0, 1_000_000])
def test_max_history_body_travels_but_is_no_runner_keyword(cap: int) -> None:
    assert DEFAULT_MAX_HISTORY_BODY == 65536
    assert options_to_wire({}) == {"maxHistoryBody": 65536}
    on_wire = options_to_wire({}, max_history_body=cap)
    assert on_wire == {"maxHistoryBody": cap}
    assert runner_keywords(on_wire) == {}


def test_unknown_wire_names_are_ignored() -> None:
    assert runner_keywords({"maxTime": 9.0, "credentials": {"a": 1}, "max_time": 1.0}) == {"max_time": 9.0}


# ----------------------------------------------------------------------------- RunRequest, no server


def request(runner: Runner | None = None, inputs: dict[str, Any] | None = None, **keywords: Any) -> RunRequest:
    """A RunRequest of the flagship (which has no password input), with a key for its -H headers."""
    return RunRequest(
        runner or Runner(str(FLAGSHIP)), FLAGSHIP_ID, INPUTS if inputs is None else inputs, key=KEY, **keywords
    )


def test_the_digest_is_the_same_for_the_same_run() -> None:
    first, second = request(), request()
    assert first.digest() == second.digest()
    assert first.digest().startswith("arazzo-") and len(first.digest()) == len("arazzo-") + 24
    assert request(inputs=dict(reversed(list(INPUTS.items())))).digest() == first.digest()
    assert RunRequest(Runner(str(FLAGSHIP)), None, INPUTS, key=None).digest() == first.digest()  # the only workflow
    assert RunRequest(Runner(str(FLAGSHIP)), FLAGSHIP_ID, INPUTS, key=OTHER_KEY).digest() == first.digest()


@pytest.mark.parametrize(
    "change",
    [
        {"inputs": {**INPUTS, "friendlyName": "Alarms"}},
        {"inputs": {**INPUTS, "inboundRequestUrl": "https://hooks.example/in"}},
        {"runner": {"max_steps": 10}},
        {"runner": {"servers": {"messagingApi": "http://127.0.0.1:9/v1"}}},
        {"runner": {"dry_run": True}},
        {"runner": {"headers": {"X-Trace": "t-1"}}},
        {"request": {"max_history_body": 100}},
    ],
    ids=["input", "new-input", "max-steps", "server", "dry-run", "header", "history-cap"],
)
def test_the_digest_changes_with_an_input_or_an_option(change: dict[str, Any]) -> None:
    changed = request(
        Runner(str(FLAGSHIP), **change.get("runner", {})), change.get("inputs"), **change.get("request", {})
    )
    assert changed.digest() != request().digest()


def test_the_digest_changes_with_the_document(tmp_path: Path) -> None:
    copy = tmp_path / "flow.yml"
    copy.write_text(FLAGSHIP.read_text().replace("../openapi/twilio-messaging-openapi.yml", TWILIO.as_uri()))
    assert request(Runner(str(copy))).digest() != request().digest()


def test_what_a_request_sends() -> None:
    runner = Runner(
        str(FLAGSHIP),
        credentials={"messagingApi": {"accountSid_authToken": {"username": "ACuser", "password": "tok-never-sent"}}},
        verify=False,
        headers={"X-Trace": "t-1"},
        timeout=4.0,
    )
    made = request(runner)
    public, sealed = made.arguments()
    assert public["workflowId"] == FLAGSHIP_ID
    assert public["bundle"]["entry"] == FLAGSHIP.as_uri()
    assert public["options"]["timeout"] == 4.0 and public["options"]["maxHistoryBody"] == 65536
    assert "headers" not in public["options"] and "verify" not in public["options"]
    assert sealed == Sealed({"inputs": INPUTS, "headers": [["X-Trace", "t-1"]]})
    assert "tok-never-sent" not in json.dumps([public, sealed.value])
    assert made.document == "workflows/twilio-provision-messaging-service-add-number-workflow.yml"


def password_document(tmp_path: Path) -> Path:
    """A workflow with a ``format: password`` input on the flagship's API (by absolute URI)."""
    path = tmp_path / "password.arazzo.yml"
    path.write_text(
        f"""arazzo: 1.0.1
info: {{title: password input, version: "1"}}
sourceDescriptions:
- name: messagingApi
  url: {TWILIO.as_uri()}
  type: openapi
workflows:
- workflowId: fetch
  inputs:
    type: object
    properties:
      serviceSid: {{type: string}}
      apiToken: {{type: string, format: password}}
  steps:
  - stepId: get
    operationId: fetchMessagingService
    parameters:
    - name: ServiceSid
      in: path
      value: $inputs.serviceSid
    successCriteria:
    - condition: $statusCode == 200
"""
    )
    return path


@pytest.mark.parametrize(
    "document, workflow_id, inputs",
    [
        ("billing", "issue-invoice", BILLING_INPUTS),
        ("tmp", "fetch", {"serviceSid": "MG" + "0" * 32, "apiToken": "tok-123456"}),
    ],
    ids=["billing-example", "small-document"],
)
def test_a_password_input_without_a_key_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, document: str, workflow_id: str, inputs: dict[str, Any]
) -> None:
    path = BILLING if document == "billing" else password_document(tmp_path)
    runner = Runner(str(path))
    with pytest.raises(UsageError) as refused:
        RunRequest(runner, workflow_id, inputs, key=None)
    assert KEY_VARIABLE in refused.value.message
    assert "format: password" in refused.value.message
    for secret in (inputs.get("clientSecret"), inputs.get("apiToken")):
        assert secret is None or secret not in refused.value.message
    # the environment's key by default: unset refuses too, set lets it through sealed
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    with pytest.raises(UsageError, match=KEY_VARIABLE):
        RunRequest(runner, workflow_id, inputs)
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    made = RunRequest(runner, workflow_id, inputs)
    assert made.arguments()[1] == Sealed({"inputs": inputs, "headers": []})
    assert RunRequest(runner, workflow_id, inputs, key=KEY).digest() == made.digest()


def test_a_password_input_not_given_needs_no_key(tmp_path: Path) -> None:
    made = RunRequest(Runner(str(password_document(tmp_path))), "fetch", {"serviceSid": "MG" + "0" * 32}, key=None)
    assert made.inputs == {"serviceSid": "MG" + "0" * 32}


@pytest.mark.parametrize("name", ["Authorization", "authorization", "Cookie", "Proxy-Authorization"])
def test_a_secret_header_without_a_key_is_refused(name: str) -> None:
    runner = Runner(str(FLAGSHIP), headers={name: "Basic never-in-history"})
    with pytest.raises(UsageError) as refused:
        RunRequest(runner, FLAGSHIP_ID, INPUTS, key=None)
    assert f"-H {name}" in refused.value.message
    assert KEY_VARIABLE in refused.value.message
    assert "never-in-history" not in refused.value.message
    made = RunRequest(runner, FLAGSHIP_ID, INPUTS, key=KEY)
    assert made.arguments()[1] == Sealed({"inputs": INPUTS, "headers": [[name, "Basic never-in-history"]]})


def test_an_api_key_header_without_a_key_is_refused() -> None:
    runner = Runner(str(INVENTORY), headers={"X-API-Key": "sk_live_0123456789"})
    with pytest.raises(UsageError, match=KEY_VARIABLE):
        RunRequest(runner, None, {"sku": "MUG-0042", "quantity": 2}, key=None)


@pytest.mark.parametrize(
    "workflow_id, inputs",
    [
        (FLAGSHIP_ID, {"friendlyName": 3}),
        (FLAGSHIP_ID, {}),
        (FLAGSHIP_ID, {**INPUTS, "friendlyNmae": "typo"}),
        ("no-such-workflow", INPUTS),
    ],
    ids=["wrong-type", "missing-required", "typo", "unknown-workflow"],
)
def test_invalid_inputs_raise_what_a_local_run_raises_before_anything_is_sent(
    monkeypatch: pytest.MonkeyPatch, workflow_id: str, inputs: dict[str, Any]
) -> None:
    with pytest.raises(ArazzoError) as local:
        Runner(str(FLAGSHIP)).run(workflow_id, inputs)

    def no_bundle(description: Any) -> Any:
        raise AssertionError("the document was bundled for a run that cannot start")

    monkeypatch.setattr(client_module, "make_bundle", no_bundle)
    with pytest.raises(ArazzoError) as remote:
        RunRequest(Runner(str(FLAGSHIP)), workflow_id, inputs, key=None)
    assert type(remote.value) is type(local.value)
    assert remote.value.message == local.value.message
    assert remote.value.type == local.value.type


def test_require_auth_leaves_the_credentials_to_the_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ARAZZO_MESSAGINGAPI"):
            monkeypatch.delenv(name)
    runner = Runner(str(FLAGSHIP), require_auth=True)
    with pytest.raises(ArazzoError) as local:
        runner.prepare(FLAGSHIP_ID, INPUTS)
    assert local.value.type == "auth"
    made = RunRequest(runner, FLAGSHIP_ID, INPUTS, key=None)
    assert made.options["requireAuth"] is True
