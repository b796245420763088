"""Documented responses: the success status, media type, example or generated body, headers, rendering."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from ..openapi.index import OpenAPIIndex, Operation
from .generate import OMIT, Generator
from .messages import MockResponse, media_kind, status_number
from .routes import Route
from .schemas import Schemas

__all__ = ["Responses", "Success", "render"]


@dataclass
class Success:
    """The response an operation documents for success, as the mock answers with it."""

    status: int
    response: dict[str, Any]
    media_type: str | None
    media: dict[str, Any]
    schema: Any


class Responses:
    """Reads the responses of one description's operations, and generates what they lack."""

    def __init__(self, index: OpenAPIIndex, schemas: Schemas, generator: Generator, seed: int) -> None:
        self.index = index
        self.schemas = schemas
        self.generator = generator
        self.seed = seed

    def rng(self, *parts: object) -> random.Random:
        """A random source seeded with the mock's seed and what identifies the value."""
        return random.Random("|".join([str(self.seed), *(str(p) for p in parts)]))

    def success_status(self, operation: Operation, create: bool) -> str:
        """The responses key to answer with: ``x-mock-status``, else 201 for a create when
        documented, else the lowest 2xx, ``2XX`` or ``default``."""
        forced = operation.raw.get("x-mock-status")
        if isinstance(forced, str) and forced.isdigit():
            forced = int(forced)
        if isinstance(forced, int) and not isinstance(forced, bool) and 100 <= forced < 600:
            return str(forced)
        codes = sorted(
            code for code in operation.responses if len(code) == 3 and code.startswith("2") and code.isdigit()
        )
        if create and "201" in codes:
            return "201"
        if codes:
            return codes[0]
        if "2XX" in operation.responses or "2xx" in operation.responses:
            return "2XX"
        return "default" if "default" in operation.responses else ""

    def response_object(self, operation: Operation, status: str) -> dict[str, Any]:
        response = operation.responses.get(status)
        if isinstance(response, dict) and "$ref" in response:
            response = self.index.resolve(response)
        return response if isinstance(response, dict) else {}

    def success(self, operation: Operation, create: bool, accept: str | None) -> Success:
        """The success response of ``operation`` in the media type ``accept`` prefers."""
        status_key = self.success_status(operation, create)
        response = self.response_object(operation, status_key)
        media_type, media = self.media(response, accept)
        return Success(status_number(status_key), response, media_type, media, self.schema_of(media))

    def success_schema(self, route: Route | None, create: bool = False) -> Any:
        """The JSON success schema of ``route``'s operation, when it is an object schema."""
        if route is None:
            return None
        schema = self.success(route.operation, create, "application/json").schema
        return schema if isinstance(schema, dict) else None

    def media(self, response: Mapping[str, Any], accept: str | None) -> tuple[str | None, dict[str, Any]]:
        """The media type to answer with (Accept, then JSON first) and its media type object."""
        content = response.get("content")
        if not isinstance(content, dict) or not content:
            return None, {}
        types = list(content)
        chosen = None
        if accept:
            wanted = [part.split(";")[0].strip().lower() for part in accept.split(",")]
            for want in wanted:
                if want in ("*/*", ""):
                    continue
                for media in types:
                    lowered = media.lower()
                    if lowered == want or (want.endswith("/*") and lowered.startswith(want[:-1])):
                        chosen = media
                        break
                if chosen:
                    break
        if chosen is None:
            chosen = next((m for m in types if media_kind(m) == "json"), types[0])
        media_object = content.get(chosen)
        if isinstance(media_object, dict) and "$ref" in media_object:
            media_object = self.index.resolve(media_object)
        return chosen, media_object if isinstance(media_object, dict) else {}

    def media_example(self, media: Mapping[str, Any]) -> Any:
        """A copy of the media type's ``example`` or first ``examples`` value, else OMIT."""
        if "example" in media:
            return copy.deepcopy(media["example"])
        examples = media.get("examples")
        if isinstance(examples, dict):
            for example in examples.values():
                if isinstance(example, dict) and "$ref" in example:
                    example = self.index.resolve(example)
                if isinstance(example, dict) and "value" in example:
                    return copy.deepcopy(example["value"])
        return OMIT

    def schema_of(self, media: Mapping[str, Any]) -> Any:
        schema = media.get("schema")
        return self.schemas.inline(schema) if schema is not None else None

    def generated(self, media: Mapping[str, Any], schema: Any, rng: random.Random) -> Any:
        """The media type's example when it fits ``schema``, else a value generated from it."""
        example = self.media_example(media)
        if example is not OMIT and (schema is None or self.schemas.conforms(example, schema)):
            return example
        if schema is None:
            return OMIT if example is OMIT else example
        value = self.generator.generate(schema, rng)
        return None if value is OMIT else value

    def documented_headers(self, response: Mapping[str, Any], rng: random.Random) -> list[tuple[str, str]]:
        """The response's headers with their example, documented or (when required) generated value."""
        headers = []
        raw = response.get("headers")
        for name, header in raw.items() if isinstance(raw, dict) else []:
            if isinstance(header, dict) and "$ref" in header:
                header = self.index.resolve(header)
            if not isinstance(header, dict) or name.lower() in ("content-type", "content-length"):
                continue
            schema = self.schemas.inline(header.get("schema", {}))
            example = header.get("example", OMIT)
            if example is OMIT and isinstance(schema, dict):
                example = self.generator.documented(schema)
            if example is OMIT and header.get("required") is True:
                example = self.generator.generate(schema, rng, name=name)
            if example is not OMIT and example is not None:
                headers.append((name, example if isinstance(example, str) else json.dumps(example)))
        return headers


def render(status: int, media_type: str | None, value: Any, headers: list[tuple[str, str]],
           label: str | None) -> MockResponse:  # fmt: skip
    """``value`` encoded for ``media_type`` (none for OMIT, no media type, 204 and 304)."""
    if value is OMIT or media_type is None or status in (204, 304):
        return MockResponse(status, headers, b"", label)
    kind = media_kind(media_type)
    if kind == "json" or (kind == "other" and not isinstance(value, (str, bytes))):
        body = json.dumps(value, ensure_ascii=False).encode("utf-8")
    elif kind == "xml":
        body = _xml(value).encode("utf-8")
    elif isinstance(value, bytes):
        body = value
    else:
        body = (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)).encode("utf-8")
    return MockResponse(status, [("Content-Type", media_type), *headers], body, label)


def _xml(value: Any, name: str = "root") -> str:
    def element(tag: str, item: Any) -> str:
        tag = "".join(c if c.isalnum() or c in "_-." else "_" for c in tag) or "item"
        if isinstance(item, dict):
            return f"<{tag}>" + "".join(element(k, v) for k, v in item.items()) + f"</{tag}>"
        if isinstance(item, list):
            return "".join(element(tag, v) for v in item)
        if item is None:
            return f"<{tag}/>"
        text = json.dumps(item) if isinstance(item, bool) else str(item)
        return f"<{tag}>{escape(text)}</{tag}>"

    return '<?xml version="1.0" encoding="UTF-8"?>' + element(name, value)
