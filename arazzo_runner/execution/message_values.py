"""The values of messages: payloads encoded and decoded by content type, channel patterns,
and correlation ids read where an AsyncAPI ``correlationId.location`` says.

A location is a runtime expression of the AsyncAPI specification: ``$message.header#/name``
or ``$message.payload#/a/b`` (a JSON pointer into the headers or the payload).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..asyncapi.brokers import BrokerMessage
from ..expressions.context import pointer_tokens, walk_pointer
from ..missing import MISSING
from .response_body import BodyTooDeep, parse_body

__all__ = [
    "channel_pattern",
    "correlation_matches",
    "decode_payload",
    "encode_payload",
    "header_text",
    "read_location",
]

_LOCATION = re.compile(r"^\$message\.(header|payload)(?:#(/.*)?)?$")
_PLACEHOLDER = re.compile(r"\{[^{}]+\}")


def header_text(value: Any) -> str:
    """A header (or channel parameter) value as text: strings as they are, JSON otherwise."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def encode_payload(payload: Any, content_type: str | None) -> bytes:
    """A send step's payload as bytes: JSON for a JSON (or no) content type, text as UTF-8."""
    if payload is MISSING:
        return b""
    if isinstance(payload, bytes):
        return payload
    media = (content_type or "application/json").split(";", 1)[0].strip().lower()
    if isinstance(payload, str) and not (media.endswith("/json") or media.endswith("+json")):
        return payload.encode("utf-8")
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_payload(content: bytes, content_type: str | None) -> Any:
    """A received payload as data: JSON when it parses as JSON (whatever the content type
    says: brokers often carry none), else text; MISSING when empty."""
    if not content:
        return MISSING
    try:
        return parse_body(content, content_type)
    except BodyTooDeep:
        return content.decode("utf-8", errors="replace")


def read_location(location: str, message: BrokerMessage, payload: Any) -> Any:
    """The value at an AsyncAPI ``location`` in ``message`` (``payload`` decoded), or MISSING.

    A header is found case-insensitively; a header location that finds nothing falls back to
    the protocol's own correlation field (AMQP ``correlation_id``, MQTT 5 correlation data),
    which is where many clients put the id.
    """
    match = _LOCATION.match(location.strip())
    if match is None:
        return MISSING
    part, pointer = match.group(1), match.group(2) or ""
    tokens = pointer_tokens(pointer)
    if part == "payload":
        return walk_pointer(payload, tokens) if payload is not MISSING else MISSING
    headers = {name.lower(): value for name, value in message.headers.items()}
    if not tokens:
        return headers or MISSING
    value = headers.get(tokens[0].lower(), MISSING)
    if value is not MISSING and len(tokens) > 1:
        value = walk_pointer(value, tokens[1:])
    if value is MISSING and len(tokens) == 1 and message.correlation_id is not None:
        return message.correlation_id
    return value


def correlation_matches(found: Any, expected: Any) -> bool:
    """Whether a correlation id read from a message equals the step's: equal values, or equal
    texts (a header is always text, the step's value may be a number)."""
    if found is MISSING:
        return False
    if found == expected and type(found) is type(expected):
        return True
    if isinstance(found, (dict, list)) or isinstance(expected, (dict, list)):
        return bool(found == expected)
    return header_text(found) == header_text(expected)


def channel_pattern(address: str) -> re.Pattern[str]:
    """A pattern matching the concrete channels of ``address``: each ``{parameter}`` left in
    it matches any non-empty run of characters."""
    parts = _PLACEHOLDER.split(address)
    return re.compile(".+?".join(re.escape(part) for part in parts))
