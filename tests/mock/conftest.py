"""Shared helpers for the mock's tests: the repository's OpenAPI files, a client on a
MockTransport, and openapi-core response validation of what the mock answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from arazzo_runner.mock import MockTransport

from ..paths import ROOT

OPENAPI = ROOT / "openapi"
WORKFLOWS = ROOT / "workflows"
TWILIO = OPENAPI / "twilio-messaging-openapi.yml"
TWILIO_BASE = "https://messaging.twilio.com/v1"


def no_sleep(seconds: float) -> None:
    """What the runs sleep with: retries must not slow the suite down."""


@pytest.fixture
def twilio() -> Iterator[httpx.Client]:
    """A client whose requests go to a fresh mock of the Twilio description."""
    with httpx.Client(transport=MockTransport(TWILIO)) as client:
        yield client


def openapi_file(directory: Path, description: dict[str, Any], name: str = "openapi.yaml") -> Path:
    """``description`` written as a YAML file in ``directory``."""
    import yaml

    path = directory / name
    path.write_text(yaml.safe_dump(description, sort_keys=False), encoding="utf-8")
    return path


def client_for(path: Path | str, **options: Any) -> httpx.Client:
    return httpx.Client(transport=MockTransport(path, **options))


class _OpenAPIRequest:
    def __init__(self, request: httpx.Request) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        parts = urlsplit(str(request.url))
        self.host_url = f"{parts.scheme}://{parts.netloc}"
        self.path = parts.path
        self.method = request.method.lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(parts.query)), header=Headers(list(request.headers.items()))
        )
        self.body = request.content
        self.content_type = request.headers.get("content-type", "")


class _OpenAPIResponse:
    def __init__(self, response: httpx.Response) -> None:
        from werkzeug.datastructures import Headers

        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "")
        self.headers = Headers(list(response.headers.items()))
        self.data = response.content


def response_errors(openapi_file: Path, response: httpx.Response) -> list[str]:
    """What openapi-core finds wrong in ``response`` (to the request that got it)."""
    import yaml
    from jsonschema_path import SchemaPath
    from openapi_core import V30ResponseValidator, V31ResponseValidator

    data = yaml.safe_load(openapi_file.read_text(encoding="utf-8"))
    spec = SchemaPath.from_dict(data, base_uri=openapi_file.as_uri())
    cls = V30ResponseValidator if str(data["openapi"]).startswith("3.0") else V31ResponseValidator
    errors = cls(spec).iter_errors(_OpenAPIRequest(response.request), _OpenAPIResponse(response))
    messages = []
    for error in errors:
        detail = getattr(error.__cause__, "schema_errors", None)
        messages.append(f"{type(error).__name__}: {error} {list(detail) if detail else error.__cause__ or ''}")
    return messages
