"""Unsupported versions, non-AsyncAPI files, broken $refs and the problems an index keeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from arazzo_runner.asyncapi import load_asyncapi
from arazzo_runner.errors import DocumentError, SourceError


def write(tmp_path: Path, text: str, name: str = "doc.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "error", "fragment", "line"),
    [
        ("asyncapi: '1.2.0'\ninfo: {}\n", DocumentError, "AsyncAPI 1.2.0 is not supported", 1),
        ("info: {}\nasyncapi: '4.0.0'\n", DocumentError, "AsyncAPI 4.0.0 is not supported", 2),
        ("asyncapi: '2.7.0'\n", DocumentError, "reads 2.0 to 2.6 and 3.0 to 3.1", 1),
        ("asyncapi: 2.6\n", DocumentError, "YAML reads an unquoted 2.6 as a number", 1),
        ("asyncapi: 'three'\n", DocumentError, "not a major.minor.patch version", 1),
        ("openapi: 3.1.0\n", SourceError, "this is an OpenAPI description, not an AsyncAPI document", 1),
        ("arazzo: 1.1.0\n", SourceError, "this is an Arazzo document", 1),
        ("info: {}\n", SourceError, "the 'asyncapi' field is missing", 1),
        ("- 1\n", SourceError, "its root is a list", 1),
    ],
)
def test_not_readable(tmp_path: Path, text: str, error: type, fragment: str, line: int) -> None:
    with pytest.raises(error) as caught:
        load_asyncapi(write(tmp_path, text))
    assert fragment in caught.value.message
    assert caught.value.location is not None and caught.value.location.line == line


def test_version_1_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="converted to 2.6 or 3.0"):
        load_asyncapi(write(tmp_path, "asyncapi: '1.0.0'\n"))


BROKEN = """\
asyncapi: 3.0.0
info: {title: t, version: '1'}
channels:
  a:
    address: a
    messages:
      M:
        $ref: '#/components/messages/Nope'
  b:
    address: b
    messages:
      M:
        $ref: 'other.yaml#/M'
  c:
    $ref: '#/channels/d'
  d:
    $ref: '#/channels/c'
operations:
  onA: {action: receive, channel: {$ref: '#/channels/a'}}
  onB: {action: receive, channel: {$ref: '#/channels/b'}}
  onC: {action: receive, channel: {$ref: '#/channels/c'}}
  fine: {action: send, channel: {$ref: '#/channels/e'}}
  noChannel: {action: send}
"""


@pytest.mark.parametrize(
    ("operation_id", "error", "fragment", "line"),
    [
        ("onA", DocumentError, "points at nothing: no 'components' in the document root", 8),
        ("onB", SourceError, "$ref 'other.yaml#/M'", 13),
        ("onC", DocumentError, "$ref cycle", 15),
        ("fine", DocumentError, "points at nothing: no 'e'", 22),
        ("noChannel", DocumentError, "an operation needs a 'channel'", 23),
    ],
)
def test_broken_refs_raise_when_asked_for(
    tmp_path: Path, operation_id: str, error: type, fragment: str, line: int
) -> None:
    index = load_asyncapi(write(tmp_path, BROKEN))  # building succeeds: operations are lazy
    with pytest.raises(error) as caught:
        index.operation(operation_id)
    assert fragment in caught.value.message
    assert caught.value.location is not None and caught.value.location.line == line
    assert type(caught.value) is error


PROBLEMS_3 = """\
asyncapi: 3.0.0
info: {title: t, version: '1'}
servers:
  noProtocol: {host: h}
channels:
  a:
    address: a/{id}/{other}
    parameters:
      id: {}
    servers:
      - $ref: '#/servers/missing'
    messages:
      M:
        correlationId: {description: no location}
operations:
  odd: {action: publish, channel: {$ref: '#/channels/a'}}
"""

PROBLEMS_2 = """\
asyncapi: 2.6.0
info: {title: t, version: '1'}
servers:
  s: {url: h, protocol: mqtt, security: [{unknown: []}]}
channels:
  a:
    servers: [gone]
    subscribe: {operationId: same, message: {payload: {type: string}}}
  b:
    publish: {operationId: same}
"""


@pytest.mark.parametrize(
    ("text", "operation_id", "expected"),
    [
        (
            PROBLEMS_3,
            "odd",
            [
                ("the server 'noProtocol' has no 'protocol'", 4),
                ("the operation's action must be 'send' or 'receive', not 'publish'", 16),
                ("unknown server '#/servers/missing'", 11),
                ("the correlationId has no 'location'", 14),
                ("the address parameter 'other' is not in 'parameters'", 7),
            ],
        ),
        (
            PROBLEMS_2,
            "same",
            [
                ("unknown security scheme 'unknown' (not in components.securitySchemes)", 4),
                ("duplicate operationId 'same': /channels/a/subscribe keeps it", 10),
                ("unknown server 'gone'", 7),
            ],
        ),
    ],
)
def test_problems(tmp_path: Path, text: str, operation_id: str, expected: list[tuple[str, int]]) -> None:
    index = load_asyncapi(write(tmp_path, text))
    operation = index.operation(operation_id)
    assert operation is not None
    assert [(message, location.line) for message, location in index.problems] == expected


def test_odd_action_is_none(tmp_path: Path) -> None:
    operation = load_asyncapi(write(tmp_path, PROBLEMS_3)).operation("odd")
    assert operation is not None and operation.action is None and operation.declared == "publish"
