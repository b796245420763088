"""--check-responses: status, content type and body checked against the operation."""

from __future__ import annotations

from typing import Any

import pytest

from arazzo_runner import load_openapi
from arazzo_runner.missing import MISSING
from arazzo_runner.openapi.responses import check_response, describe_status

from .paths import ROOT

TWILIO = str(ROOT / "openapi" / "twilio-messaging-openapi.yml")
SERVICE = {
    "sid": "MG" + "a" * 32,
    "account_sid": "AC" + "b" * 32,
    "friendly_name": "Demo",
    "date_created": "2015-07-30T20:12:31Z",
    "date_updated": "2015-07-30T20:12:31Z",
    "url": "https://messaging.twilio.com/v1/Services/MG" + "a" * 32,
    "links": {
        key: "https://messaging.twilio.com/v1/Services/MG" + "a" * 32 + "/" + path
        for key, path in {
            "phone_numbers": "PhoneNumbers",
            "short_codes": "ShortCodes",
            "alpha_senders": "AlphaSenders",
            "messages": "Messages",
            "us_app_to_person": "Compliance/Usa2p",
            "us_app_to_person_usecases": "Compliance/Usa2p/Usecases",
            "channel_senders": "ChannelSenders",
            "destination_alpha_senders": "DestinationAlphaSenders",
        }.items()
    },
}


@pytest.mark.parametrize(
    "responses, status, expected",
    [
        ({"200": {}, "404": {}}, 200, "200"),
        ({"2XX": {}, "default": {}}, 204, "2XX"),
        ({"2xx": {}}, 201, "2xx"),
        ({"200": {}, "default": {}}, 500, "default"),
        ({"200": {}}, 500, None),
    ],
    ids=["exact", "range", "range-lower-case", "default", "none"],
)
def test_describe_status(responses: dict, status: int, expected: str | None) -> None:
    assert describe_status(responses, status) == expected


CASES = [
    ("valid", "fetchMessagingService", 200, "application/json", SERVICE, []),
    ("valid-with-charset", "fetchMessagingService", 200, "application/json; charset=utf-8", SERVICE, []),
    ("undescribed-status", "fetchMessagingService", 418, "application/json", {}, ["status 418 is not described"]),
    ("undescribed-type", "fetchMessagingService", 200, "text/html", "<p>", ["content type text/html is not described"]),
    (
        "missing-required",
        "fetchMessagingService",
        200,
        "application/json",
        {"sid": SERVICE["sid"]},
        ["'account_sid' is a required property"],
    ),
    (
        "pattern",
        "fetchMessagingService",
        200,
        "application/json",
        {**SERVICE, "sid": "XX1"},
        ["body.sid: 'XX1' does not match"],
    ),
    (
        "error-body",
        "fetchMessagingService",
        404,
        "application/json",
        {"code": 20404, "message": "m", "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404},
        [],
    ),
    ("no-content-described", "deleteMessagingService", 204, None, MISSING, []),
    ("not-json", "fetchMessagingService", 200, "application/json", "oops", ["not valid JSON"]),
]


@pytest.mark.parametrize(
    "operation_id, status, content_type, body, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_check_response(operation_id: str, status: int, content_type: str | None, body: Any, words: list) -> None:
    index = load_openapi(TWILIO)
    problems = check_response(index, index.operation(operation_id), status, content_type, body)
    if not words:
        assert problems == []
    for word in words:
        assert any(word in problem for problem in problems), problems
