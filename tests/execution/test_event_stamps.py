"""What the event stream carries for reports: a wall-clock timestamp on every event as it
leaves the Runner, attempt numbers, and each response's headers and body (secrets masked)."""

from __future__ import annotations

import time

from arazzo_runner import Runner
from arazzo_runner.execution.results import RequestSent, ResponseReceived, RunFinished, StepStarted, iso_time

from ..paths import FLAGSHIP

INPUTS = {"friendlyName": "Stamps", "phoneNumberSid": "PN0123456789abcdef0123456789abcdef"}
CREDENTIALS = {"messagingApi": {"accountSid_authToken": {"username": "AC1", "password": "s3cret-token"}}}


def _events() -> list[object]:
    with Runner(FLAGSHIP, mock=True, credentials=CREDENTIALS) as runner:
        return list(runner.iter_events(inputs=INPUTS))


def test_every_event_is_stamped_in_order() -> None:
    before = time.time()
    events = _events()
    after = time.time()
    stamps = [event.timestamp for event in events]  # type: ignore[attr-defined]
    assert all(stamp is not None and before <= stamp <= after for stamp in stamps)
    assert stamps == sorted(stamps)
    assert isinstance(events[-1], RunFinished)


def test_responses_carry_their_record_and_attempts_are_numbered() -> None:
    events = _events()
    responses = [event for event in events if isinstance(event, ResponseReceived)]
    assert [event.status_code for event in responses] == [201, 201, 200]
    first = responses[0].response
    assert first is not None and first.status_code == 201
    assert first.body["friendly_name"] == "Stamps"
    assert any(name.lower() == "content-type" for name in first.headers)
    sent = [event for event in events if isinstance(event, RequestSent)]
    assert [event.request.headers.get("Authorization") for event in sent] == ["***"] * 3
    assert [(event.step_id, event.attempt) for event in events if isinstance(event, StepStarted)] == [
        ("createService", 1),
        ("addNumber", 1),
        ("confirmService", 1),
    ]


def test_to_dict_puts_the_timestamp_second_as_iso_8601() -> None:
    event = _events()[0]
    data = event.to_dict()  # type: ignore[attr-defined]
    assert list(data)[:2] == ["event", "timestamp"]
    assert data["timestamp"] == iso_time(event.timestamp)  # type: ignore[attr-defined]
    assert iso_time(0.25) == "1970-01-01T00:00:00.250Z"
