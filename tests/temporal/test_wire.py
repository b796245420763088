"""The engine's values as JSON data for Temporal's history, and back (arazzo_runner.temporal.wire).

No Temporal server: only the temporalio package must be importable (the package imports it).
Every value goes through ``json.dumps``/``json.loads`` on its way, as it would through history.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

if os.environ.get("ARAZZO_REQUIRE_TEMPORAL") != "1":  # required: the import below fails the run
    pytest.importorskip("temporalio", reason="the temporalio package is not importable: pip install -e '.[test]'")

from arazzo_runner.errors import Location  # noqa: E402 - after the skip when it is missing
from arazzo_runner.execution.results import (  # noqa: E402
    ActionTaken,
    CredentialUsed,
    CriterionChecked,
    Event,
    MissingCredentials,
    Notice,
    RequestRecord,
    RequestSent,
    ResponseReceived,
    ResponseRecord,
    RunError,
    RunFinished,
    RunResult,
    StepFinished,
    StepResult,
    StepStarted,
    WorkflowFinished,
    WorkflowStarted,
)
from arazzo_runner.expressions import HttpMessage  # noqa: E402
from arazzo_runner.missing import MISSING  # noqa: E402
from arazzo_runner.temporal.wire import from_wire, message_from_wire, message_to_wire, to_wire, wire_size  # noqa: E402

WHEN = 1_717_171_717.125  # a timestamp with a fraction a float keeps exactly


def through_history(value: Any) -> Any:
    """``value`` to the wire, as JSON text (what Temporal keeps), and back."""
    data = json.loads(json.dumps(to_wire(value), allow_nan=False))
    return from_wire(data)


REQUEST = RequestRecord(
    "POST",
    "https://messaging.example/v1/Services",
    {"Content-Type": "application/x-www-form-urlencoded", "Authorization": "***"},
    "FriendlyName=Alerts",
)
RESPONSE = ResponseRecord(
    201, {"content-type": "application/json"}, {"sid": "MG1", "friendly_name": "Alerts", "n": None}
)
LOCATION = Location("workflows/flow.yml", "/workflows/0/steps/1", 42, 7)
STEP = StepResult(
    "createService",
    "provision",
    "succeeded",
    attempt=2,
    request=REQUEST,
    response=RESPONSE,
    outputs={"serviceSid": "MG1", "nothing": None, "list": [1, [2, [3]]]},
    error=None,
    error_type=None,
    elapsed=0.25,
    location=LOCATION,
)
FAILED_STEP = StepResult(
    "addNumber",
    "provision",
    "failed",
    request=REQUEST,
    response=ResponseRecord(409, {}, "conflict"),
    error="successCriteria failed: $statusCode == 201",
    error_type="criteria",
    location=Location("flow.yml", "/workflows/0/steps/2", 50, 1),
)
RUN_ERROR = RunError("criteria", "step addNumber failed", "addNumber", Location("flow.yml", "/workflows/0", 20, 3))
RUN = RunResult(
    "provision",
    "failed",
    outputs={"serviceSid": "MG1"},
    steps=[STEP, FAILED_STEP],
    error=RUN_ERROR,
    warnings=["output 'x' resolved to nothing"],
)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(REQUEST, id="RequestRecord"),
        pytest.param(RequestRecord("GET", "https://x.example/a", {}, None), id="RequestRecord-no-body"),
        pytest.param(RESPONSE, id="ResponseRecord"),
        pytest.param(ResponseRecord(204, {}, MISSING), id="ResponseRecord-MISSING-body"),
        pytest.param(ResponseRecord(200, {}, None), id="ResponseRecord-null-body"),
        pytest.param(RUN_ERROR, id="RunError-with-location"),
        pytest.param(RunError("usage", "no workflow"), id="RunError-bare"),
        pytest.param(STEP, id="StepResult-with-records-and-location"),
        pytest.param(FAILED_STEP, id="StepResult-failed"),
        pytest.param(RUN, id="RunResult-with-error-and-location"),
        pytest.param(RunResult(None, "error", error=RunError("inputs", "bad")), id="RunResult-could-not-start"),
    ],
)
def test_records_and_results_come_back_equal(value: Any) -> None:
    back = through_history(value)
    assert type(back) is type(value)
    assert back == value


def test_a_run_result_comes_back_field_by_field() -> None:
    back = through_history(RUN)
    assert back.to_dict() == RUN.to_dict()
    assert back.warnings == ["output 'x' resolved to nothing"]
    assert back.steps[0].attempt == 2 and back.steps[0].elapsed == 0.25
    assert back.steps[0].request.headers["Authorization"] == "***"
    assert back.steps[0].response.body == {"sid": "MG1", "friendly_name": "Alerts", "n": None}
    assert back.steps[0].outputs["list"] == [1, [2, [3]]]
    assert (back.steps[1].error_type, back.steps[1].response.body) == ("criteria", "conflict")
    location = back.error.location
    assert isinstance(location, Location)
    assert (location.file, location.pointer, location.line, location.column) == ("flow.yml", "/workflows/0", 20, 3)
    step_location = back.steps[0].location
    assert (step_location.file, step_location.pointer, step_location.line, step_location.column) == (
        "workflows/flow.yml",
        "/workflows/0/steps/1",
        42,
        7,
    )


def test_a_location_is_tagged_on_the_wire() -> None:
    assert to_wire(LOCATION) == {
        "$type": "Location",
        "file": "workflows/flow.yml",
        "pointer": "/workflows/0/steps/1",
        "line": 42,
        "column": 7,
    }
    unplaced = through_history(Location(None))
    assert (unplaced.file, unplaced.pointer, unplaced.line, unplaced.column) == (None, "", None, None)


EVENTS: list[Event] = [
    WorkflowStarted("provision", 0, timestamp=WHEN),
    StepStarted("provision", "createService", 3, timestamp=WHEN),
    RequestSent("provision", "createService", REQUEST, timestamp=WHEN),
    ResponseReceived("provision", "createService", 201, 0.5, response=RESPONSE, timestamp=WHEN),
    ResponseReceived("provision", "createService", 503, 0.01, timestamp=WHEN),
    CriterionChecked("provision", "createService", "$statusCode == 201", True, None, timestamp=WHEN),
    CriterionChecked("provision", "addNumber", "$statusCode == 201", False, "was 409", timestamp=WHEN),
    ActionTaken("provision", "addNumber", "retry", "again", None, delay=2.5, timestamp=WHEN),
    ActionTaken("provision", "addNumber", "goto", "loop", "createService", timestamp=WHEN),
    StepFinished(STEP, timestamp=WHEN),
    WorkflowFinished("provision", "succeeded", {"serviceSid": "MG1", "none": None}, 0, timestamp=WHEN),
    Notice("output 'x' resolved to nothing", step_id="createService", timestamp=WHEN),
    Notice("a notice of the run", timestamp=WHEN),
    MissingCredentials(
        "sent without credentials",
        step_id="createService",
        source="messagingApi",
        variables=("ARAZZO_MESSAGINGAPI_USERNAME", "ARAZZO_MESSAGINGAPI_PASSWORD"),
        timestamp=WHEN,
    ),
    CredentialUsed("messagingApi", "accountSid_authToken", "http basic", "127.0.0.1", "provision", "s", timestamp=WHEN),
    RunFinished(RUN, timestamp=WHEN),
]


@pytest.mark.parametrize("event", EVENTS, ids=[f"{i}-{type(e).__name__}" for i, e in enumerate(EVENTS)])
def test_events_come_back_equal_with_their_timestamp(event: Event) -> None:
    back = through_history(event)
    assert type(back) is type(event)
    assert back == event  # timestamp is compare=False: checked on its own
    assert back.timestamp == WHEN
    assert back.to_dict() == event.to_dict()


def test_an_event_without_a_timestamp_keeps_none() -> None:
    back = through_history(StepStarted("w", "s", 1))
    assert back.timestamp is None
    assert back == StepStarted("w", "s", 1)


def test_missing_credentials_variables_stay_a_tuple() -> None:
    back = through_history(EVENTS[13])
    assert back.variables == ("ARAZZO_MESSAGINGAPI_USERNAME", "ARAZZO_MESSAGINGAPI_PASSWORD")
    assert isinstance(back.variables, tuple)
    assert (back.source, back.step_id, back.message) == ("messagingApi", "createService", "sent without credentials")


def test_the_delay_and_response_of_events_come_back() -> None:
    action = through_history(EVENTS[7])
    assert (action.kind, action.name, action.target, action.delay) == ("retry", "again", None, 2.5)
    received = through_history(EVENTS[3])
    assert received.response == RESPONSE and received.elapsed == 0.5
    assert through_history(EVENTS[4]).response is None


@pytest.mark.parametrize(
    "value, wire",
    [
        (None, None),
        (MISSING, {"$type": "MISSING"}),
        ("text", "text"),
        (0, 0),
        (1.5, 1.5),
        (False, False),
        ([], []),
        ({}, {}),
        ([None, MISSING], [None, {"$type": "MISSING"}]),
        ({"a": None, "b": MISSING}, {"a": None, "b": {"$type": "MISSING"}}),
        ((1, "two"), {"$tuple": [1, "two"]}),
        (b"\x00\xffraw", {"$bytes": "AP9yYXc="}),
        (bytearray(b"ab"), {"$bytes": "YWI="}),
        ([[1, [2, [3, [None]]]], {"x": [{"y": []}]}], [[1, [2, [3, [None]]]], {"x": [{"y": []}]}]),
    ],
    ids=repr,
)
def test_plain_values_on_the_wire(value: Any, wire: Any) -> None:
    assert to_wire(value) == wire
    back = through_history(value)
    expected = bytes(value) if isinstance(value, bytearray) else value
    assert back == expected
    assert type(back) is type(expected)


def test_missing_and_null_stay_apart() -> None:
    assert through_history(MISSING) is MISSING
    assert through_history(None) is None
    absent, null = through_history(ResponseRecord(204, {}, MISSING)), through_history(ResponseRecord(200, {}, None))
    assert absent.body is MISSING
    assert null.body is None
    outputs = through_history({"absent": MISSING, "null": None})
    assert outputs["absent"] is MISSING and outputs["null"] is None


@pytest.mark.parametrize(
    "data",
    [
        {"$type": "StepResult", "step_id": "x"},
        {"$type": "MISSING"},
        {"$type": "Location", "file": "f"},
        {"$type": "NoSuchClass"},
        {"$dict": {"a": 1}},
        {"$dict": 1},
        {"$tuple": [1, 2]},
        {"$bytes": "AAAA"},
        {"$type": "x", "$dict": "y", "$tuple": "z", "$bytes": "w", "plain": 1},
        {"outer": {"$type": "MISSING", "inner": [{"$bytes": "not base64!"}]}},
        [{"$tuple": []}, {"$dict": {"$dict": {}}}],
    ],
    ids=repr,
)
def test_user_data_with_our_marks_comes_back_unchanged(data: Any) -> None:
    assert through_history(data) == data
    step = StepResult("s", "w", "succeeded", response=ResponseRecord(200, {}, data), outputs={"out": data})
    back = through_history(step)
    assert back.response.body == data
    assert back.outputs == {"out": data}


def test_a_value_of_no_json_type_travels_as_its_text() -> None:
    class Text:
        def __str__(self) -> str:
            return "parsed XML text"

    assert to_wire({"body": Text()}) == {"body": "parsed XML text"}


def test_an_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown type 'Nope' in data from Temporal"):
        from_wire({"$type": "Nope", "a": 1})


# ----------------------------------------------------------------------------- messages


def message_through_history(message: HttpMessage | None, cap: int | None = None) -> HttpMessage | None:
    return message_from_wire(json.loads(json.dumps(message_to_wire(message, cap))))


BODY = {"sid": "MG1", "text": "x" * 100}  # wire_size 126


@pytest.mark.parametrize(
    "cap, kept",
    [(None, True), (10_000, True), (126, True), (125, False), (0, False)],
)
def test_a_message_body_over_the_cap_becomes_missing(cap: int | None, kept: bool) -> None:
    assert wire_size(BODY) == 126
    message = HttpMessage(headers={"X-Count": "3"}, query={"Page": "2"}, path={"Sid": "MG1"}, body=BODY)
    back = message_through_history(message, cap)
    assert back is not None
    assert back.body == BODY if kept else back.body is MISSING
    assert (back.headers, back.query, back.path) == ({"x-count": "3"}, {"Page": "2"}, {"Sid": "MG1"})


def test_message_header_names_are_lower_cased_and_values_kept() -> None:
    message = HttpMessage(headers={"Content-Type": "application/json", "X-Trace-ID": "AbC"})
    wire = message_to_wire(message)
    assert wire["headers"] == {"content-type": "application/json", "x-trace-id": "AbC"}
    back = message_from_wire(json.loads(json.dumps(wire)))
    assert back is not None and back.headers == {"content-type": "application/json", "x-trace-id": "AbC"}


@pytest.mark.parametrize(
    "body, cap",
    [(MISSING, None), (MISSING, 0), (None, None), ("", None), ([], None), ({"$type": "MISSING"}, None)],
    ids=repr,
)
def test_message_bodies_missing_null_and_empty_stay_apart(body: Any, cap: int | None) -> None:
    back = message_through_history(HttpMessage(body=body), cap)
    assert back is not None
    if body is MISSING:
        assert back.body is MISSING and back.payload is MISSING
    else:
        assert back.body == body and back.body is not MISSING
        assert type(back.body) is type(body)


def test_no_message_is_none() -> None:
    assert message_to_wire(None) is None
    assert message_from_wire(None) is None


@pytest.mark.parametrize(
    "value, size",
    [
        (None, 4),
        ("", 2),
        ("é", 4),  # UTF-8 bytes, not characters
        ({"a": 1}, 8),
        ([1, 2], 6),
        (MISSING, len('{"$type": "MISSING"}')),
        ({"$type": "x"}, len('{"$dict": {"$type": "x"}}')),
        (b"ab", len('{"$bytes": "YWI="}')),
        (float("nan"), len('"NaN"')),
    ],
    ids=repr,
)
def test_wire_size_counts_the_json_bytes(value: Any, size: int) -> None:
    assert wire_size(value) == size
