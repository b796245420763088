"""A document and every file it reads, as content: what a run sends so any worker can run it.

The bundle is JSON: the entry URI, each file by URI with the name it is shown by and its text
(base64 when it is not UTF-8), the ``--source`` redirects as URIs, and a digest of it all.
Workers keep the Descriptions they loaded by digest; an activity on a worker that has not
seen the run's document reads it from the run's first history event (its input), so the
document is sent once per run, not once per step.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any
from urllib.parse import urldefrag, urljoin

from ..errors import ArazzoError, SourceError

__all__ = ["make_bundle", "load_bundle", "Bundles", "find_description", "bundle_digest"]

_KEPT = 32


def make_bundle(description: Any) -> dict[str, Any]:
    """The bundle of a loaded Description (its sources read, their OpenAPI indexes built)."""
    files = description.files()
    for uri in list(files):
        found = find_description(description, uri, missing_ok=True)
        if found is None:
            continue
        for source in found.sources():
            if source.type in ("openapi", "asyncapi"):
                _read_references(found, source)
    files = description.files()  # again, with the files the OpenAPI descriptions refer to
    entries: dict[str, dict[str, str]] = {}
    for uri in sorted(files):
        name, raw = files[uri]
        try:
            entries[uri] = {"name": name, "text": raw.decode("utf-8")}
        except UnicodeDecodeError:
            entries[uri] = {"name": name, "base64": base64.b64encode(raw).decode("ascii")}
    bundle = {"entry": description.uri, "files": entries, "redirects": description.redirect_uris()}
    bundle["digest"] = bundle_digest(bundle)
    return bundle


def _read_references(description: Any, source: Any) -> None:
    """Read every file an OpenAPI or AsyncAPI source refers to with ``$ref``, transitively: an index reads
    them only when a step needs them, and on a worker only what was sent can be read."""
    fetch = description._fetch_for(source)  # the loader's own rules (remote only if allowed)
    pending = [(source.uri, source.parsed.data)]
    seen = {source.uri}
    while pending:
        uri, data = pending.pop()
        for reference in _external_refs(data):
            target = urldefrag(urljoin(uri, reference))[0]
            if not target or target in seen:
                continue
            seen.add(target)
            try:
                parsed = fetch(target)
            except ArazzoError:
                continue  # the run meets it where a step needs it, and says so there
            pending.append((target, parsed.data))


def _external_refs(data: Any) -> list[str]:
    found: list[str] = []
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            reference = value.get("$ref")
            if isinstance(reference, str) and not reference.startswith("#"):
                found.append(reference)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found


def bundle_digest(bundle: dict[str, Any]) -> str:
    content = {key: bundle[key] for key in ("entry", "files", "redirects")}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_bundle(bundle: dict[str, Any]) -> Any:
    """The Description of ``bundle``, its files read from it alone."""
    from ..loading.sources import load_contents

    contents: dict[str, tuple[str, bytes]] = {}
    for uri, entry in bundle["files"].items():
        raw = entry["text"].encode("utf-8") if "text" in entry else base64.b64decode(entry["base64"])
        contents[uri] = (entry["name"], raw)
    return load_contents(bundle["entry"], contents, sources=bundle.get("redirects") or {})


def find_description(root: Any, uri: str, *, missing_ok: bool = False) -> Any:
    """The Description (``root`` or a nested Arazzo source of it) whose URI is ``uri``."""
    pending, seen = [root], set()
    while pending:
        description = pending.pop()
        if description.uri == uri:
            return description
        if description.uri in seen:
            continue
        seen.add(description.uri)
        for source in description.sources():
            if source.type == "arazzo":
                pending.append(description.arazzo(source.description.name))
    if missing_ok:
        return None
    raise SourceError(f"the run's document has no Arazzo document {uri}")


class Bundles:
    """The Descriptions a worker loaded, by digest (the newest :data:`_KEPT`)."""

    def __init__(self, client: Any = None) -> None:
        self.client = client  # to read a run's input when an activity meets a new document
        self._loaded: OrderedDict[str, Any] = OrderedDict()
        self._threads = threading.Lock()

    def load(self, bundle: dict[str, Any]) -> Any:
        """The Description of ``bundle`` (workflow code: no I/O, loaded once per worker)."""
        digest = bundle["digest"]
        with self._threads:  # workflow tasks run on the worker's threads
            description = self._loaded.get(digest)
            if description is None:
                description = self._loaded[digest] = load_bundle(bundle)
                while len(self._loaded) > _KEPT:
                    self._loaded.popitem(last=False)
            return description

    async def get(self, digest: str, workflow_id: str) -> Any:
        """The Description of ``digest``; read from the input of workflow ``workflow_id``
        when this worker has not loaded it."""
        description = self._loaded.get(digest)
        if description is not None:
            return description
        bundle = await self._fetch(workflow_id)  # two steps fetching it at once load it once (load)
        if bundle.get("digest") != digest:
            raise SourceError(f"workflow {workflow_id} was started with another document")
        return self.load(bundle)

    async def _fetch(self, workflow_id: str) -> dict[str, Any]:
        if self.client is None:
            raise SourceError("this worker has no Temporal client to read the run's document with")
        handle = self.client.get_workflow_handle(workflow_id)
        async for event in handle.fetch_history_events():
            attributes = event.workflow_execution_started_event_attributes
            payloads = list(attributes.input.payloads)
            values = await self.client.data_converter.decode(payloads[:1])
            request: dict[str, Any] = values[0]
            return request["bundle"]  # type: ignore[no-any-return]
        raise SourceError(f"workflow {workflow_id} has no history")
