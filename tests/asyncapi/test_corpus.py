"""Every AsyncAPI file of the public corpus (../shared/corpus) builds, and the operations and
channels its Arazzo 1.1 workflows name are found.  Skipped when ../shared is absent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from arazzo_runner.asyncapi import AsyncAPIIndex, load_asyncapi
from arazzo_runner.errors import ArazzoError
from arazzo_runner.loading.files import read_file

from ..paths import shared_files, shared_path


def _documents() -> list[tuple[Path, Any]]:
    """(path, data) of the corpus files that mention AsyncAPI and parse."""
    found = []
    for path in shared_files("corpus"):
        try:
            if b"asyncapi" not in path.read_bytes():
                continue
            data = read_file(str(path)).data
        except (OSError, ArazzoError):
            continue
        found.append((path, data))
    return found


DOCUMENTS = _documents()
ASYNCAPI_FILES = [path for path, data in DOCUMENTS if isinstance(data, dict) and "asyncapi" in data]


def _asyncapi_sources() -> list[tuple[Path, str, Path, list[dict[str, Any]]]]:
    """(Arazzo file, source name, local AsyncAPI file, its steps) for each asyncapi source
    whose url is a local file of the corpus."""
    found = []
    for path, data in DOCUMENTS:
        if not isinstance(data, dict) or "arazzo" not in data:
            continue
        steps = [
            step
            for workflow in data.get("workflows") or []
            if isinstance(workflow, dict)
            for step in workflow.get("steps") or []
            if isinstance(step, dict)
        ]
        for source in data.get("sourceDescriptions") or []:
            if not isinstance(source, dict) or source.get("type") != "asyncapi":
                continue
            url = source.get("url")
            if not isinstance(url, str) or "://" in url:
                continue
            target = (path.parent / url).resolve()
            if target.is_file():
                found.append((path, str(source.get("name")), target, steps))
    return found


SOURCES = _asyncapi_sources()


def test_corpus_present() -> None:
    shared_path("corpus")
    assert ASYNCAPI_FILES, "the corpus has AsyncAPI files (Redocly's asyncapi3.yaml at least)"


@pytest.mark.parametrize("path", ASYNCAPI_FILES, ids=lambda p: str(p).split("corpus/")[-1])
def test_builds(path: Path) -> None:
    index = load_asyncapi(path)
    assert index.version.startswith(("2.", "3."))
    operations = index.operations  # every one assembles
    assert {operation.operation_id for operation in operations} >= set(index.operation_ids)
    for operation in operations:
        assert operation.action in ("send", "receive")
        assert operation.channel.name in index.channel_names
    for name in index.channel_names:
        assert index.channel(name) is not None


@pytest.mark.parametrize(
    ("arazzo", "name", "path", "steps"),
    SOURCES,
    ids=lambda v: v.name if isinstance(v, Path) else str(v) if isinstance(v, str) else "steps",
)
def test_steps_found(arazzo: Path, name: str, path: Path, steps: list[dict[str, Any]]) -> None:
    index: AsyncAPIIndex = load_asyncapi(path)
    prefix = f"$sourceDescriptions.{name}"
    checked = 0
    for step in steps:
        action = step.get("action")
        channel_path = step.get("channelPath")
        operation_id = step.get("operationId")
        if isinstance(channel_path, str) and channel_path.startswith(prefix + "#"):
            operation = index.operation_by_pointer(channel_path[len(prefix) :], action)
            assert operation is not None, f"{arazzo.name}: {step.get('stepId')}"
            assert operation.action == action and operation.messages
            checked += 1
        elif isinstance(operation_id, str) and operation_id.startswith(prefix + "."):
            assert index.operation(operation_id[len(prefix) + 1 :]) is not None
            checked += 1
    assert checked or not steps


def test_cafe_channel_path() -> None:
    """Redocly's cafe example receives on a channel whose only operation sends."""
    index = load_asyncapi(shared_path("corpus", "Redocly__redocly-cli", "resources", "asyncapi3.yaml"))
    operation = index.operation_by_pointer("#/channels/userSignedup", "receive")
    assert operation is not None
    assert (operation.operation_id, operation.action, operation.channel.address) == (None, "receive", "user/signedup/")
    [message] = operation.messages
    assert message.name == "UserSignedUp" and message.correlation_id is None
    assert sorted(message.payload["properties"]) == ["displayName", "email"]
