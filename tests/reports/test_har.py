"""The HAR report: HAR 1.2 with every request of the suite, in order."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from arazzo_runner.reports import render
from arazzo_runner.suite.outcome import Case, CaseResult, TestReport

from .conftest import FLAGSHIP, FLAGSHIP_ID, INVENTORY, PASSWORD, SERVICE_SID

TWILIO = "https://messaging.twilio.com/v1/Services"
INVENTORY_API = "https://inventory.example.com/v2/reservations"


def check_har(data: Any) -> None:
    """The required fields and types of HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/)."""
    assert set(data) == {"log"}
    log = data["log"]
    assert log["version"] == "1.2"
    assert isinstance(log["creator"]["name"], str) and isinstance(log["creator"]["version"], str)
    page_ids = set()
    for page in log.get("pages", []):
        when(page["startedDateTime"])
        assert isinstance(page["id"], str) and isinstance(page["title"], str)
        assert all(isinstance(v, (int, float)) and v >= -1 for v in page["pageTimings"].values())
        page_ids.add(page["id"])
    assert isinstance(log["entries"], list)
    for entry in log["entries"]:
        assert entry.get("pageref", next(iter(page_ids), None)) in page_ids
        when(entry["startedDateTime"])
        request, response, timings = entry["request"], entry["response"], entry["timings"]
        assert (
            isinstance(request["method"], str)
            and isinstance(request["url"], str)
            and isinstance(request["httpVersion"], str)
        )
        for key in ("cookies", "headers", "queryString"):
            assert isinstance(request[key], list)
        assert isinstance(request["headersSize"], int) and isinstance(request["bodySize"], int)
        if "postData" in request:
            assert isinstance(request["postData"]["mimeType"], str)
            assert isinstance(request["postData"].get("text", ""), str) and isinstance(
                request["postData"].get("params", []), list
            )
        assert isinstance(response["status"], int) and isinstance(response["statusText"], str)
        assert isinstance(response["httpVersion"], str) and isinstance(response["redirectURL"], str)
        assert isinstance(response["cookies"], list) and isinstance(response["headers"], list)
        assert isinstance(response["content"]["size"], int) and isinstance(response["content"]["mimeType"], str)
        assert isinstance(response["headersSize"], int) and isinstance(response["bodySize"], int)
        for header in request["headers"] + response["headers"] + request["queryString"]:
            assert set(header) == {"name", "value"} and all(isinstance(v, str) for v in header.values())
        assert isinstance(entry["cache"], dict)
        for key in ("send", "wait", "receive"):
            assert isinstance(timings[key], (int, float)) and timings[key] >= 0
        for key in ("blocked", "dns", "connect", "ssl"):
            assert timings.get(key, -1) == -1 or timings[key] >= 0
        spent = sum(v for k, v in timings.items() if k != "ssl" and v != -1)  # ssl is part of connect
        assert entry["time"] == pytest.approx(spent)
        for key in [*entry, *request, *response]:
            assert key.startswith("_") or key.isidentifier()


def when(text: str) -> datetime:
    assert isinstance(text, str) and "T" in text
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def har(report: TestReport) -> dict[str, Any]:
    text = render("har", report)
    assert PASSWORD not in text
    data: dict[str, Any] = json.loads(text)
    return data


def test_har_1_2_structure(har: dict[str, Any]) -> None:
    check_har(har)


def test_every_request_in_order(har: dict[str, Any]) -> None:
    entries = har["log"]["entries"]
    flagship_sid = entries[1]["request"]["url"].split("/")[5]  # the mock's service
    assert [(e["request"]["method"], e["request"]["url"], e["response"]["status"]) for e in entries] == [
        ("POST", TWILIO, 201),
        ("POST", f"{TWILIO}/{flagship_sid}/PhoneNumbers", 201),
        ("GET", f"{TWILIO}/{flagship_sid}", 200),
        ("POST", INVENTORY_API, 503),
        ("POST", INVENTORY_API, 503),
        ("POST", INVENTORY_API, 201),
        ("GET", entries[6]["request"]["url"], 200),
        ("POST", TWILIO, 201),
        ("POST", f"{TWILIO}/{SERVICE_SID}/PhoneNumbers", 500),
    ]
    assert entries[6]["request"]["url"].startswith(INVENTORY_API + "/")
    assert [(e["_arazzo"]["stepId"], e["_arazzo"]["attempt"]) for e in entries[3:7]] == [
        ("reserveStock", 1),
        ("reserveStock", 2),
        ("reserveStock", 3),
        ("confirmReservation", 1),
    ]
    assert entries[8]["_arazzo"] == {
        "case": f"{FLAGSHIP}::{FLAGSHIP_ID}[500 on add | pipe]",
        "file": FLAGSHIP,
        "workflowId": FLAGSHIP_ID,
        "stepId": "addNumber",
        "attempt": 1,
    }
    started = [when(e["startedDateTime"]) for e in entries]
    assert started == sorted(started)
    # the skipped case sent nothing: no page
    assert [p["id"] for p in har["log"]["pages"]] == [e["pageref"] for e in (entries[0], entries[3], entries[7])]
    assert {e["pageref"] for e in entries[3:7]} == {f"{INVENTORY}::reserve-stock-with-retry[two mugs]"}


def test_request_and_response_details(har: dict[str, Any]) -> None:
    entries = har["log"]["entries"]
    create = entries[0]
    assert create["request"]["postData"] == {
        "mimeType": "application/x-www-form-urlencoded",
        "params": [],
        "text": "FriendlyName=x",
    }
    assert create["request"]["bodySize"] == len("FriendlyName=x")
    assert create["response"]["statusText"] == "Created"
    content = create["response"]["content"]
    assert content["mimeType"] == "application/json"
    body = json.loads(content["text"])  # a JSON body is written back as JSON text
    assert body["sid"] == entries[1]["request"]["url"].split("/")[5]
    assert content["size"] == len(content["text"].encode("utf-8"))
    confirm = entries[2]
    assert "postData" not in confirm["request"] and confirm["request"]["bodySize"] == 0
    failed = entries[8]
    assert {"name": "Authorization", "value": "***"} in failed["request"]["headers"]
    assert failed["response"]["statusText"] == "Internal Server Error"
    assert failed["response"]["content"]["text"] == "Internal Server Error | try again\x07"
    assert failed["response"]["bodySize"] == len("Internal Server Error | try again\x07")
    assert "$statusCode is 500" in failed["comment"]
    assert entries[0]["time"] == entries[0]["timings"]["wait"] > 0


def test_query_string_and_a_request_without_response() -> None:
    from arazzo_runner.execution.results import RequestRecord, RequestSent, StepFinished, StepResult, StepStarted

    request = RequestRecord(
        "GET", "https://api.example.com/items?page=2&tag=a%20b&empty=", {"Accept": "application/json"}, None
    )
    step = StepResult("list", "w", "failed", request=request, error="network: connection refused")
    events = [
        StepStarted("w", "list", 1, timestamp=1000.0),
        RequestSent("w", "list", request, timestamp=1000.5),
        StepFinished(step, timestamp=1001.25),
    ]
    report = TestReport(
        cases=[
            CaseResult(
                Case("x.arazzo.yaml", "w"),
                "failed",
                "step list: network: connection refused",
                "list",
                None,
                events,
                1000.0,
                1.5,
            )
        ]
    )
    data = json.loads(render("har", report))
    check_har(data)
    (entry,) = data["log"]["entries"]
    assert entry["request"]["queryString"] == [
        {"name": "page", "value": "2"},
        {"name": "tag", "value": "a b"},
        {"name": "empty", "value": ""},
    ]
    assert entry["response"]["status"] == 0 and entry["_error"] == "network: connection refused"
    assert entry["startedDateTime"] == "1970-01-01T00:16:40.500Z"
    assert entry["time"] == 750.0
