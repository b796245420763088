"""The checks of Arazzo 1.1 AsyncAPI steps (rules/messages.py and their neighbours), from a table:
each case is a few steps run against small AsyncAPI 3.0 and 2.6 documents written next to it, and
lists what must be reported (rule, severity, line and column of the offending value, words of
the message), and nothing else among the rules about AsyncAPI steps."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import pytest

from arazzo_runner.validation import validate

EVENTS = """\
asyncapi: 3.0.0
info: {title: Order events, version: '1'}
servers:
  local: {host: 'localhost:1883', protocol: mqtt}
channels:
  orderConfirmed:
    address: 'orders/{orderId}/confirmed'
    parameters:
      orderId: {}
    messages:
      confirmed:
        $ref: '#/components/messages/OrderConfirmed'
  orderPlaced:
    address: orders/placed
    messages:
      placed:
        $ref: '#/components/messages/OrderPlaced'
  audit:
    address: audit
    messages:
      entry:
        payload: {type: object}
operations:
  confirmOrder:
    action: receive
    channel: {$ref: '#/channels/orderConfirmed'}
  placeOrder:
    action: send
    channel: {$ref: '#/channels/orderPlaced'}
  readAudit:
    action: receive
    channel: {$ref: '#/channels/audit'}
components:
  schemas:
    Item:
      type: object
      properties:
        sku: {type: string}
        quantity: {type: integer}
      additionalProperties: false
  messages:
    OrderConfirmed:
      correlationId: {location: '$message.header#/correlationId'}
      headers:
        type: object
        properties:
          correlationId: {type: string}
      payload:
        type: object
        properties:
          orderId: {type: string}
          items:
            type: array
            items: {$ref: '#/components/schemas/Item'}
          extra:
            type: object
            additionalProperties: {type: string}
          meta:
            allOf:
              - {$ref: '#/components/schemas/Item'}
              - properties: {note: {type: string}}
    OrderPlaced:
      payload:
        type: object
        properties:
          petId: {type: integer}
"""

# AsyncAPI 2.6: `publish` is what the application receives; the payload refers to another file.
LEGACY = """\
asyncapi: 2.6.0
info: {title: Accounts, version: '1'}
channels:
  user/signedup:
    publish:
      operationId: userSignedUp
      message:
        correlationId: {location: '$message.payload#/id'}
        payload:
          type: object
          properties:
            id: {type: string}
            email: {type: string}
            profile: {$ref: 'user.schema.yaml#/Profile'}
"""

USER_SCHEMA = """\
Profile:
  type: object
  properties:
    name: {type: string}
    address: {$ref: '#/Address'}
Address:
  type: object
  properties:
    city: {type: string}
"""

OPENAPI = """\
openapi: 3.1.0
info: {title: Orders, version: '1'}
paths:
  /orders:
    post:
      operationId: createOrder
      requestBody:
        content:
          application/json:
            schema: {type: object}
      responses:
        '201': {description: created}
  /orders/{id}:
    get:
      operationId: getOrder
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: ok}
"""

HEADER = """\
arazzo: 1.1.0
info: {title: t, version: '1'}
sourceDescriptions:
  - {name: api, url: ./api.openapi.yaml, type: openapi}
  - {name: events, url: ./EVENTS, type: asyncapi}
  - {name: legacy, url: ./legacy.asyncapi.yaml, type: asyncapi}
workflows:
  - workflowId: sub
    steps:
      - stepId: one
        operationId: $sourceDescriptions.api.createOrder
  - workflowId: w
    inputs: {type: object, properties: {id: {type: string}}}
    steps:
"""

# The rules whose findings each case lists completely.
CHECKED = {
    "channel-path",
    "unknown-channel",
    "step-action",
    "correlation-location",
    "message-dot-form",
    "message-context",
    "message-pointer",
    "unknown-operation",
    "async-step",
    "expression-context",
    "source-file",
}

CONFIRMED = """\
      - stepId: confirmed
        channelPath: '{$sourceDescriptions.events.url}#/channels/orderConfirmed'
        action: receive
        correlationId: $inputs.id
        parameters:
          - name: orderId
            in: path
            value: $inputs.id
"""


class Expect(NamedTuple):
    rule: str
    severity: str
    at: str  # `key: value` of the offending value, unique in the document
    words: str


class Case(NamedTuple):
    id: str
    steps: str
    expected: tuple[Expect, ...] = ()
    events: str = "events.asyncapi.yaml"
    options: dict[str, Any] = {}


CASES = [
    Case(
        "good steps: nothing to report",
        CONFIRMED
        + """\
        successCriteria:
          - condition: $message.payload#/orderId != ''
          - context: $message.payload
            condition: $.orderId
            type: jsonpath
        outputs:
          orderId: $message.payload#/orderId
          sku: $message.payload#/items/0/sku
          last: $message.payload#/items/-
          note: $message.payload#/meta/note
          quantity: $message.payload#/meta/quantity
          extra: $message.payload#/extra/anything
          header: $message.header.CorrelationID
          whole: $message.payload
          byPointer:
            context: $message.payload
            selector: /items/0/sku
            type: jsonpointer
      - stepId: get
        operationId: $sourceDescriptions.api.getOrder
        parameters:
          - name: id
            in: path
            value: $message.payload#/orderId
      - stepId: post
        operationId: $sourceDescriptions.api.createOrder
        requestBody:
          contentType: application/json
          payload:
            order: $message.payload#/orderId
      - stepId: specForm
        operationPath: $sourceDescriptions.events.confirmOrder
        action: receive
        correlationId: $inputs.id
      - stepId: pointerForm
        operationPath: '{$sourceDescriptions.events.url}#/operations/placeOrder'
        action: send
        requestBody:
          payload: {petId: 1}
      - stepId: signedUp
        operationId: $sourceDescriptions.legacy.userSignedUp
        action: receive
        correlationId: $inputs.id
        outputs:
          email: $message.payload#/email
          city: $message.payload#/profile/address/city
      - stepId: signedUpByChannel
        channelPath: '{$sourceDescriptions.legacy.url}#/channels/user~1signedup'
        action: receive
      - stepId: audit
        operationId: $sourceDescriptions.events.readAudit
        action: receive
        outputs:
          anything: $message.payload#/whatever/deep
""",
    ),
    Case(
        "unknown channel (3.0)",
        """\
      - stepId: typo
        channelPath: '{$sourceDescriptions.events.url}#/channels/orderConfirmd'
        action: receive
""",
        (
            Expect(
                "unknown-channel",
                "error",
                "channelPath: '{$sourceDescriptions.events.url}#/channels/orderConfirmd'",
                "'#/channels/orderConfirmd' does not point to a channel of source 'events'; "
                "did you mean '#/channels/orderConfirmed'?",
            ),
        ),
    ),
    Case(
        "unknown channel (2.6, an address with a slash)",
        """\
      - stepId: typo
        channelPath: '{$sourceDescriptions.legacy.url}#/channels/user~1signedupp'
        action: receive
""",
        (
            Expect(
                "unknown-channel",
                "error",
                "channelPath: '{$sourceDescriptions.legacy.url}#/channels/user~1signedupp'",
                "did you mean '#/channels/user~1signedup'?",
            ),
        ),
    ),
    Case(
        "unknown AsyncAPI operationId",
        """\
      - stepId: typo
        operationId: $sourceDescriptions.events.confirmOrdr
        action: receive
""",
        (
            Expect(
                "unknown-operation",
                "error",
                "operationId: $sourceDescriptions.events.confirmOrdr",
                "operationId 'confirmOrdr' not found in source 'events'; did you mean 'confirmOrder'?",
            ),
        ),
    ),
    Case(
        "unknown AsyncAPI operationPath pointer",
        """\
      - stepId: typo
        operationPath: '{$sourceDescriptions.events.url}#/operations/confirmOrdr'
        action: receive
""",
        (
            Expect(
                "unknown-operation",
                "error",
                "operationPath: '{$sourceDescriptions.events.url}#/operations/confirmOrdr'",
                "does not point to an operation of source 'events'; did you mean '#/operations/confirmOrder'?",
            ),
        ),
    ),
    Case(
        "unknown AsyncAPI operationPath in the specification's form",
        """\
      - stepId: typo
        operationPath: $sourceDescriptions.events.confirmOrdr
        action: receive
""",
        (
            Expect(
                "unknown-operation",
                "error",
                "operationPath: $sourceDescriptions.events.confirmOrdr",
                "operationPath names operation 'confirmOrdr', which source 'events' does not have; "
                "did you mean 'confirmOrder'?",
            ),
        ),
    ),
    Case(
        "a source that cannot be read is reported once",
        CONFIRMED
        + """\
        outputs:
          orderId: $message.payload#/nothing
      - stepId: two
        operationId: $sourceDescriptions.events.confirmOrder
      - stepId: three
        channelPath: '{$sourceDescriptions.events.url}#/channels/orderPlaced'
        action: receive
        correlationId: $inputs.id
""",
        (Expect("source-file", "error", "url: ./absent.asyncapi.yaml", "does not exist"),),
        events="absent.asyncapi.yaml",
    ),
    Case(
        "channelPath not in the form of a runtime expression",
        """\
      - stepId: bare
        channelPath: orderConfirmed
        action: receive
""",
        (
            Expect(
                "channel-path",
                "error",
                "channelPath: orderConfirmed",
                "must have the form '{$sourceDescriptions.<name>.url}#/channels/<channel>'",
            ),
        ),
    ),
    Case(
        "AsyncAPI operationId without action",
        """\
      - stepId: noAction
        operationId: $sourceDescriptions.events.confirmOrder
""",
        (
            Expect(
                "step-action",
                "error",
                "operationId: $sourceDescriptions.events.confirmOrder",
                "step 'noAction' names channel 'orderConfirmed' (operation 'confirmOrder' of source 'events'), "
                "an AsyncAPI operation, but has no `action`",
            ),
        ),
    ),
    Case(
        "AsyncAPI operationPath without action",
        """\
      - stepId: noAction
        operationPath: $sourceDescriptions.events.placeOrder
""",
        (Expect("step-action", "error", "operationPath: $sourceDescriptions.events.placeOrder", "no `action`"),),
    ),
    Case(
        "action on an OpenAPI step",
        """\
      - stepId: http
        operationId: $sourceDescriptions.api.createOrder
        action: send  # on an OpenAPI operation
""",
        (
            Expect(
                "step-action",
                "error",
                "action: send  # on an OpenAPI operation",
                "`action` applies only to AsyncAPI steps, and step 'http' calls OpenAPI operation 'createOrder'",
            ),
        ),
    ),
    Case(
        "action on an OpenAPI operationPath (structural)",
        """\
      - stepId: http
        operationPath: '{$sourceDescriptions.api.url}#/paths/~1orders/post'
        action: send  # on an OpenAPI path
""",
        (Expect("async-step", "error", "action: send  # on an OpenAPI path", "that names an OpenAPI operation"),),
    ),
    Case(
        "action on a workflow step (structural)",
        """\
      - stepId: call
        workflowId: sub
        action: receive  # on a workflow
""",
        (Expect("async-step", "error", "action: receive  # on a workflow", "not to a step with `workflowId`"),),
    ),
    Case(
        "correlationId on a send step",
        """\
      - stepId: place
        operationId: $sourceDescriptions.events.placeOrder
        action: send
        correlationId: corr-on-send
        requestBody:
          payload: {petId: 1}
""",
        (
            Expect(
                "async-step", "error", "correlationId: corr-on-send", "only to AsyncAPI steps with `action: receive`"
            ),
        ),
    ),
    Case(
        "correlationId on a channel whose messages have no correlationId location",
        """\
      - stepId: placed
        channelPath: '{$sourceDescriptions.events.url}#/channels/orderPlaced'
        action: receive
        correlationId: corr-no-location
""",
        (
            Expect(
                "correlation-location",
                "error",
                "correlationId: corr-no-location",
                "the messages of channel 'orderPlaced' (source 'events') define no correlationId location; "
                "the runner cannot match messages by it",
            ),
        ),
    ),
    Case(
        "payload pointers the message schema does not have",
        CONFIRMED
        + """\
        successCriteria:
          - condition: $message.payload#/status == 'ok'
        outputs:
          a: $message.payload#/orderid
          b: $message.payload#/items/0/colour
          c: $message.payload#/items/first
          d: $message.payload#/orderId/length
""",
        (
            Expect(
                "message-pointer",
                "error",
                "condition: $message.payload#/status == 'ok'",
                "$message.payload#/status: no message payload of channel 'orderConfirmed' (operation 'confirmOrder' "
                "of source 'events') can have '/status' (there: extra, items, meta, orderId)",
            ),
            Expect("message-pointer", "error", "a: $message.payload#/orderid", "did you mean 'orderId'?"),
            Expect(
                "message-pointer",
                "error",
                "b: $message.payload#/items/0/colour",
                "'/items/0/colour' (there: quantity, sku)",
            ),
            Expect("message-pointer", "error", "c: $message.payload#/items/first", "can have '/items/first'"),
            Expect("message-pointer", "error", "d: $message.payload#/orderId/length", "can have '/orderId/length'"),
        ),
    ),
    Case(
        "a JSON Pointer selector on the payload",
        CONFIRMED
        + """\
        outputs:
          number:
            context: $message.payload
            selector: /orderNo
            type: jsonpointer
""",
        (
            Expect(
                "message-pointer",
                "error",
                "selector: /orderNo",
                "selector '/orderNo' of $message.payload: no message payload of channel 'orderConfirmed' "
                "(operation 'confirmOrder' of source 'events') can have '/orderNo'",
            ),
        ),
    ),
    Case(
        "a header the message does not have",
        CONFIRMED
        + """\
        outputs:
          trace: $message.header.X-Trace
""",
        (
            Expect(
                "message-pointer",
                "error",
                "trace: $message.header.X-Trace",
                "has a header 'X-Trace' (headers: correlationId)",
            ),
        ),
    ),
    Case(
        "an HTTP step after a receive reads its message",
        CONFIRMED
        + """\
      - stepId: get
        operationId: $sourceDescriptions.api.getOrder
        parameters:
          - name: id
            in: path
            value: $message.payload#/order
""",
        (
            Expect(
                "message-pointer",
                "error",
                "value: $message.payload#/order",
                "($message here is the message of step 'confirmed', which runs before)",
            ),
        ),
    ),
    Case(
        "AsyncAPI 2.6 payload, through a $ref into another file",
        """\
      - stepId: signedUp
        operationId: $sourceDescriptions.legacy.userSignedUp
        action: receive
        outputs:
          mail: $message.payload#/mail
          zip: $message.payload#/profile/address/zip
""",
        (
            Expect(
                "message-pointer",
                "error",
                "mail: $message.payload#/mail",
                "channel 'user/signedup' (operation 'userSignedUp' of source 'legacy') can have '/mail' "
                "(there: email, id, profile); did you mean 'email'?",
            ),
            Expect("message-pointer", "error", "zip: $message.payload#/profile/address/zip", "(there: city)"),
        ),
    ),
    Case(
        "the dot form is a warning, and its path is checked",
        CONFIRMED
        + """\
        outputs:
          orderId: $message.payload.orderId
          number: $message.payload.orderNo
""",
        (
            Expect(
                "message-dot-form", "warning", "orderId: $message.payload.orderId", "write '$message.payload#/orderId'"
            ),
            Expect("message-dot-form", "warning", "number: $message.payload.orderNo", "#/orderNo"),
            Expect("message-pointer", "error", "number: $message.payload.orderNo", "did you mean 'orderId'?"),
        ),
    ),
    Case(
        "$message where no AsyncAPI step runs before",
        """\
      - stepId: create
        operationId: $sourceDescriptions.api.createOrder
        requestBody:
          payload: {a: 1}
        outputs:
          early: $message.payload#/orderId
"""
        + CONFIRMED,
        (
            Expect(
                "message-context",
                "error",
                "early: $message.payload#/orderId",
                "step 'create' is not an AsyncAPI step and no AsyncAPI step (send or receive) of workflow 'w' "
                "runs before it, so $message has no value here",
            ),
        ),
    ),
    Case(
        "$message in the request of the AsyncAPI step itself",
        """\
      - stepId: place
        operationId: $sourceDescriptions.events.placeOrder
        action: send
        requestBody:
          payload:
            petId: $message.payload#/petId
""",
        (Expect("expression-context", "warning", "petId: $message.payload#/petId", "has no response yet"),),
    ),
    Case(
        "without the sources: the form checks only",
        CONFIRMED
        + """\
        outputs:
          number: $message.payload.orderNo
      - stepId: bare
        channelPath: orderConfirmed
        action: receive
""",
        (
            Expect("message-dot-form", "warning", "number: $message.payload.orderNo", "#/orderNo"),
            Expect("channel-path", "error", "channelPath: orderConfirmed", "must have the form"),
        ),
        options={"use_sources": False},
    ),
]


def _position(text: str, at: str) -> tuple[int, int]:
    """The line and column of the value in the line holding ``at`` (``key: value``)."""
    assert text.count(at) == 1, f"{at!r} is not unique in the document"
    start = text.index(at)
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + at.index(": ") + 3
    return line, column


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "events.asyncapi.yaml").write_text(EVENTS, encoding="utf-8")
    (tmp_path / "legacy.asyncapi.yaml").write_text(LEGACY, encoding="utf-8")
    (tmp_path / "user.schema.yaml").write_text(USER_SCHEMA, encoding="utf-8")
    (tmp_path / "api.openapi.yaml").write_text(OPENAPI, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_each_finding_is_reported_on_the_offending_value(case: Case, folder: Path) -> None:
    text = HEADER.replace("./EVENTS", f"./{case.events}") + case.steps
    path = folder / "case.arazzo.yaml"
    path.write_text(text, encoding="utf-8")
    report = validate(path, **case.options)
    found = sorted((d.rule, d.severity, d.line, d.column) for d in report.diagnostics if d.rule in CHECKED)
    expected = sorted((e.rule, e.severity, *_position(text, e.at)) for e in case.expected)
    assert found == expected, [str(d) for d in report.diagnostics]
    for expect in case.expected:
        line, column = _position(text, expect.at)
        messages = [d.message for d in report.diagnostics if (d.rule, d.line, d.column) == (expect.rule, line, column)]
        assert any(expect.words in message for message in messages), messages
    if not case.expected:
        assert report.valid and not report.diagnostics, [str(d) for d in report.diagnostics]


def test_the_redocly_cafe_receive_has_no_correlation_location(folder: Path) -> None:
    """The public example: its receive step waits for a correlationId its message cannot carry."""
    from ..paths import SHARED

    path = SHARED / "corpus/Redocly__redocly-cli/tests/e2e/lint/arazzo-1-1-valid-description/cafe-workflows.yaml"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    report = validate(path)
    found = [(d.line, d.column) for d in report.diagnostics if d.rule == "correlation-location"]
    assert found == [(146, 24)]
    assert not [d for d in report.diagnostics if d.rule in ("unknown-channel", "message-pointer", "step-action")]
