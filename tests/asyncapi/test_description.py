"""``Description.asyncapi(name)``: an Arazzo document's AsyncAPI source, as an index."""

from __future__ import annotations

from pathlib import Path

import pytest

from arazzo_runner.errors import SourceError
from arazzo_runner.loading.sources import load

DATA = Path(__file__).parent / "data"
TWILIO = Path(__file__).parents[2] / "openapi" / "twilio-messaging-openapi.yml"


def write(tmp_path: Path) -> Path:
    document = tmp_path / "orders.arazzo.yaml"
    document.write_text(
        f"""arazzo: 1.1.0
info: {{title: orders, version: "1"}}
sourceDescriptions:
  - {{name: events, url: "{(DATA / "orders-3.0.yaml").as_uri()}", type: asyncapi}}
  - {{name: api, url: "{TWILIO.as_uri()}", type: openapi}}
workflows:
  - workflowId: place
    steps:
      - stepId: send
        operationId: sendOrder
        action: send
""",
        encoding="utf-8",
    )
    return document


def test_an_asyncapi_source_is_indexed_once(tmp_path: Path) -> None:
    description = load(str(write(tmp_path)))
    index = description.asyncapi("events")
    assert index is description.asyncapi("events")
    operation = index.operation("sendOrder")
    assert operation is not None
    assert operation.action == "send"


def test_an_openapi_source_is_not_asyncapi(tmp_path: Path) -> None:
    description = load(str(write(tmp_path)))
    with pytest.raises(SourceError, match="'api' is openapi, not an AsyncAPI description"):
        description.asyncapi("api")
