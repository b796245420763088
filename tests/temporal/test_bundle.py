"""A document and every file it reads, sent as content (arazzo_runner.temporal.bundle): what a
worker on another machine runs.  No Temporal server: bundles are made and loaded in-process,
and a loaded bundle is shown to read nothing from disk."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

if os.environ.get("ARAZZO_REQUIRE_TEMPORAL") != "1":  # required: the import below fails the run
    pytest.importorskip("temporalio", reason="the temporalio package is not importable: pip install -e '.[test]'")

from arazzo_runner.errors import SourceError  # noqa: E402 - after the skip when it is missing
from arazzo_runner.execution.runner import Runner  # noqa: E402
from arazzo_runner.loading import sources as sources_module  # noqa: E402
from arazzo_runner.loading.sources import load  # noqa: E402
from arazzo_runner.temporal import bundle as bundle_module  # noqa: E402
from arazzo_runner.temporal.bundle import Bundles, bundle_digest, find_description, load_bundle, make_bundle  # noqa: E402

from ..paths import FLAGSHIP, ROOT  # noqa: E402

TWILIO = ROOT / "openapi" / "twilio-messaging-openapi.yml"
FLAGSHIP_ID = "provision-messaging-service-add-number"
INPUTS = {"friendlyName": "Alerts", "phoneNumberSid": "PN" + "0" * 32}
OPERATIONS = ("createMessagingService", "addPhoneNumber", "fetchMessagingService")


def refuse_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, the loader may not read a file or a URL: a loaded bundle must not need to."""

    def refuse(*args: Any, **keywords: Any) -> Any:
        raise AssertionError(f"read from disk or network: {args}")

    monkeypatch.setattr(sources_module, "read_file", refuse)
    monkeypatch.setattr(sources_module, "read_url", refuse)


def copy_flagship(directory: Path) -> Path:
    """The flagship and its OpenAPI description in ``directory``, laid out as in the repository."""
    (directory / "workflows").mkdir(parents=True)
    (directory / "openapi").mkdir()
    shutil.copyfile(TWILIO, directory / "openapi" / TWILIO.name)
    shutil.copyfile(FLAGSHIP, directory / "workflows" / FLAGSHIP.name)
    return directory / "workflows" / FLAGSHIP.name


def through_json(bundle: dict[str, Any]) -> dict[str, Any]:
    """``bundle`` as it reaches a worker: JSON text."""
    return json.loads(json.dumps(bundle))  # type: ignore[no-any-return]


# ----------------------------------------------------------------------------- the flagship


def test_the_flagship_bundle_holds_the_entry_and_its_openapi_source() -> None:
    bundle = make_bundle(load(str(FLAGSHIP)))
    assert bundle["entry"] == FLAGSHIP.as_uri()
    assert sorted(bundle["files"]) == sorted([FLAGSHIP.as_uri(), TWILIO.as_uri()])
    assert bundle["files"][FLAGSHIP.as_uri()] == {
        "name": "workflows/twilio-provision-messaging-service-add-number-workflow.yml",
        "text": FLAGSHIP.read_text(encoding="utf-8"),
    }
    assert bundle["files"][TWILIO.as_uri()] == {
        "name": "openapi/twilio-messaging-openapi.yml",
        "text": TWILIO.read_text(encoding="utf-8"),
    }
    assert bundle["redirects"] == {}
    assert bundle["digest"] == bundle_digest(bundle) == bundle_digest(through_json(bundle))
    content = {"entry": bundle["entry"], "files": bundle["files"], "redirects": bundle["redirects"]}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert bundle["digest"] == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_digest_is_stable_across_loads() -> None:
    assert make_bundle(load(str(FLAGSHIP)))["digest"] == make_bundle(load(str(FLAGSHIP)))["digest"]
    assert make_bundle(load(str(FLAGSHIP))) == make_bundle(load(str(FLAGSHIP)))


@pytest.mark.parametrize(
    "edited, old, new",
    [
        ("workflows/" + FLAGSHIP.name, "Descriptive name for the messaging service.", "The service's name, edited."),
        ("openapi/" + TWILIO.name, "Twilio Messaging product host (v1).", "The host, edited and longer."),
        ("openapi/" + TWILIO.name, "friendly_name", "friendly_nam3"),  # the same size
    ],
    ids=["entry", "openapi", "openapi-same-size"],
)
def test_the_digest_changes_when_a_files_content_changes(tmp_path: Path, edited: str, old: str, new: str) -> None:
    entry = copy_flagship(tmp_path)
    before = make_bundle(load(str(entry)))
    assert make_bundle(load(str(entry)))["digest"] == before["digest"]
    path = tmp_path / edited
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    os.utime(path, ns=(1, 1))  # another mtime whatever the clock's resolution (the loader's memo)
    after = make_bundle(load(str(entry)))
    assert after["digest"] != before["digest"]
    assert new in after["files"][path.as_uri()]["text"]


def test_a_loaded_flagship_bundle_reads_nothing_from_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = through_json(make_bundle(load(str(copy_flagship(tmp_path / "sent")))))
    shutil.rmtree(tmp_path / "sent")
    refuse_disk(monkeypatch)

    description = load_bundle(bundle)
    assert description.uri == bundle["entry"]
    workflow = description.document.workflow(FLAGSHIP_ID)
    assert [step.step_id for step in workflow.steps] == ["createService", "addNumber", "confirmService"]
    index = description.openapi("messagingApi")
    for operation_id in OPERATIONS:
        assert index.operation(operation_id) is not None
    added = index.operation("addPhoneNumber")
    assert (added.method, added.path) == ("POST", "/Services/{ServiceSid}/PhoneNumbers")
    assert index.servers[0].url == "https://messaging.twilio.com/v1"
    assert description.files().keys() == bundle["files"].keys()


def test_a_loaded_flagship_bundle_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    # the built-in mock answers in-process: the run is the worker's, from the bundle alone
    bundle = through_json(make_bundle(load(str(FLAGSHIP))))
    refuse_disk(monkeypatch)
    result = Runner(load_bundle(bundle), mock=True).run(FLAGSHIP_ID, INPUTS)
    assert result.status == "succeeded", result.to_dict()
    assert [step.step_id for step in result.steps] == ["createService", "addNumber", "confirmService"]
    assert result.outputs["friendlyName"] == "Alerts"
    assert str(result.outputs["serviceSid"]).startswith("MG")


def test_a_loaded_bundle_makes_the_same_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    original = through_json(make_bundle(load(str(FLAGSHIP))))
    refuse_disk(monkeypatch)
    assert make_bundle(load_bundle(original)) == original


# ----------------------------------------------------------------------------- nested Arazzo documents


def write_nested(directory: Path) -> Path:
    """outer.arazzo.yml calls a workflow of inner.arazzo.yml (source type arazzo), which calls an
    operation of api.yml; the outer document also has an OpenAPI source of its own."""
    (directory / "inner").mkdir(parents=True)
    (directory / "api.yml").write_text(
        """openapi: 3.1.0
info: {title: Things, version: "1"}
servers: [{url: "http://127.0.0.1:9/api"}]
paths:
  /things:
    post:
      operationId: makeThing
      responses:
        "201": {description: made}
"""
    )
    (directory / "inner" / "inner.arazzo.yml").write_text(
        """arazzo: 1.0.1
info: {title: Inner, version: "1"}
sourceDescriptions:
- name: things
  url: ../api.yml
  type: openapi
workflows:
- workflowId: make
  steps:
  - stepId: mk
    operationId: makeThing
    successCriteria:
    - condition: $statusCode == 201
"""
    )
    outer = directory / "outer.arazzo.yml"
    outer.write_text(
        """arazzo: 1.0.1
info: {title: Outer, version: "1"}
sourceDescriptions:
- name: inner
  url: ./inner/inner.arazzo.yml
  type: arazzo
- name: things
  url: ./api.yml
  type: openapi
workflows:
- workflowId: outer
  steps:
  - stepId: callInner
    workflowId: $sourceDescriptions.inner.make
"""
    )
    return outer


def test_a_nested_arazzo_source_round_trips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outer = write_nested(tmp_path / "sent")
    inner_uri = (tmp_path / "sent" / "inner" / "inner.arazzo.yml").as_uri()
    api_uri = (tmp_path / "sent" / "api.yml").as_uri()
    bundle = through_json(make_bundle(load(str(outer))))
    assert sorted(bundle["files"]) == sorted([outer.as_uri(), inner_uri, api_uri])
    shutil.rmtree(tmp_path / "sent")
    refuse_disk(monkeypatch)

    description = load_bundle(bundle)
    assert find_description(description, outer.as_uri()) is description
    nested = find_description(description, inner_uri)
    assert nested is description.arazzo("inner")
    assert nested.uri == inner_uri
    assert nested.document.workflow("make").steps[0].step_id == "mk"
    assert nested.openapi("things").operation("makeThing").method == "POST"
    assert description.openapi("things").operation("makeThing").path == "/things"

    calls = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append((request.method, str(request.url)))
        return httpx.Response(201)

    result = Runner(description, transport=httpx.MockTransport(answer)).run("outer")
    assert result.status == "succeeded", result.to_dict()
    assert calls == [("POST", "http://127.0.0.1:9/api/things")]


@pytest.mark.parametrize("uri", ["file:///nowhere/else.arazzo.yml", "file:///api.yml"])
def test_find_description_names_what_it_does_not_find(tmp_path: Path, uri: str) -> None:
    description = load(str(write_nested(tmp_path)))
    assert find_description(description, uri, missing_ok=True) is None
    with pytest.raises(SourceError) as missing:
        find_description(description, uri)
    assert missing.value.message == f"the run's document has no Arazzo document {uri}"
    # an OpenAPI file of the bundle is no Arazzo document either
    assert find_description(description, (tmp_path / "api.yml").as_uri(), missing_ok=True) is None


# ----------------------------------------------------------------------------- --source redirects


EDITED_TITLE = "Twilio Messaging, the redirected copy"


def redirected_copy(directory: Path) -> Path:
    copy = directory / "redirected-twilio.yml"
    text = TWILIO.read_text(encoding="utf-8")
    copy.write_text(text.replace("title: ", f"title: {EDITED_TITLE!r}\n  x-old-title: ", 1), encoding="utf-8")
    return copy


@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative-to-cwd"])
def test_a_source_redirect_survives_the_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relative: bool) -> None:
    copy = redirected_copy(tmp_path)
    assert load(str(FLAGSHIP)).openapi("messagingApi").title != EDITED_TITLE
    if relative:
        monkeypatch.chdir(tmp_path)
    target = copy.name if relative else str(copy)
    description = load(str(FLAGSHIP), sources={"messagingApi": target})
    assert description.redirect_uris() == {"messagingApi": copy.as_uri()}
    bundle = through_json(make_bundle(description))
    assert bundle["redirects"] == {"messagingApi": copy.as_uri()}
    assert sorted(bundle["files"]) == sorted([FLAGSHIP.as_uri(), copy.as_uri()])  # not the original
    assert bundle["digest"] != make_bundle(load(str(FLAGSHIP)))["digest"]
    copy.unlink()
    refuse_disk(monkeypatch)

    loaded = load_bundle(bundle)
    assert loaded.redirect_uris() == {"messagingApi": copy.as_uri()}
    assert loaded.source("messagingApi").uri == copy.as_uri()
    assert loaded.openapi("messagingApi").title == EDITED_TITLE
    assert loaded.openapi("messagingApi").operation("addPhoneNumber") is not None
    assert make_bundle(loaded)["digest"] == bundle["digest"]


# ----------------------------------------------------------------------------- bytes that are not UTF-8


API = {
    "openapi": "3.1.0",
    "info": {"title": "Ünïcödé Things ✓", "version": "1"},
    "servers": [{"url": "http://127.0.0.1:9"}],
    "paths": {"/things": {"post": {"operationId": "makeThing", "responses": {"201": {"description": "made"}}}}},
}
FLOW = """arazzo: 1.0.1
info: {title: Flow, version: "1"}
sourceDescriptions:
- name: things
  url: ./things.json
  type: openapi
workflows:
- workflowId: make
  steps:
  - stepId: mk
    operationId: makeThing
    successCriteria:
    - condition: $statusCode == 201
"""


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_a_file_that_is_not_utf8_travels_as_base64_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoding: str
) -> None:
    raw = json.dumps(API, ensure_ascii=False, indent=1).encode(encoding)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    api = tmp_path / "sent" / "things.json"
    api.parent.mkdir()
    api.write_bytes(raw)
    flow = tmp_path / "sent" / "flow.arazzo.yml"
    flow.write_text(FLOW, encoding="utf-8")
    bundle = through_json(make_bundle(load(str(flow))))
    entry = bundle["files"][api.as_uri()]
    assert set(entry) == {"name", "base64"}
    assert base64.b64decode(entry["base64"]) == raw
    assert set(bundle["files"][flow.as_uri()]) == {"name", "text"}
    shutil.rmtree(tmp_path / "sent")
    refuse_disk(monkeypatch)

    loaded = load_bundle(bundle)
    assert loaded.openapi("things").title == "Ünïcödé Things ✓"
    assert loaded.source("things").parsed.raw == raw
    assert loaded.files()[api.as_uri()][1] == raw
    assert make_bundle(loaded) == bundle


# ----------------------------------------------------------------------------- what was not sent


@pytest.mark.parametrize("left_out", ["paths.yml", "request.yml"])
def test_a_file_that_is_not_in_the_bundle_was_not_sent(tmp_path: Path, left_out: str) -> None:
    # paths.yml (a path item $ref) is read when the index is built, request.yml (a schema $ref)
    # only when the schema is resolved: either way the worker says it was not sent
    flow = write_referring(tmp_path / "sent")
    bundle = make_bundle(load(str(flow)))
    bundle["files"].pop((tmp_path / "sent" / left_out).as_uri(), None)
    description = load_bundle(bundle)  # sources load when first used
    assert description.document.workflow("make") is not None
    with pytest.raises(SourceError) as missing:
        index = description.openapi("api")
        index.resolve({"$ref": "request.yml#/Request"}, base_uri=(tmp_path / "sent" / "paths.yml").as_uri())
    assert (
        f"{tmp_path / 'sent' / left_out} was not sent with the document (it was not read before)"
        in missing.value.message
    )
    assert f"$ref '{left_out}#/" in missing.value.message


def test_a_source_file_that_is_not_in_the_bundle_was_not_sent() -> None:
    bundle = make_bundle(load(str(FLAGSHIP)))
    del bundle["files"][TWILIO.as_uri()]
    description = load_bundle(bundle)  # sources load when first used
    assert description.document.workflow(FLAGSHIP_ID) is not None
    with pytest.raises(SourceError) as missing:
        description.openapi("messagingApi")
    assert missing.value.location is not None and missing.value.location.pointer == "/sourceDescriptions/0/url"
    assert "openapi/twilio-messaging-openapi.yml" in missing.value.message
    assert "was not sent with the document" in missing.value.message


def test_an_entry_that_is_not_in_the_bundle_was_not_sent() -> None:
    bundle = make_bundle(load(str(FLAGSHIP)))
    del bundle["files"][FLAGSHIP.as_uri()]
    with pytest.raises(SourceError) as missing:
        load_bundle(bundle)
    assert missing.value.message == f"{FLAGSHIP.as_uri()} is not among the files sent"


OPENAPI_WITH_REFS = """openapi: 3.1.0
info: {title: T, version: "1"}
servers: [{url: "http://127.0.0.1:9/api"}]
paths:
  /things:
    $ref: "paths.yml#/things"
"""
PATHS = """things:
  post:
    operationId: makeThing
    requestBody:
      content:
        application/json:
          schema: {$ref: "request.yml#/Request"}
    responses:
      "200":
        description: made
        content:
          application/json:
            schema: {$ref: "response.yml#/Thing"}
"""
REQUEST_SCHEMA = "Request: {type: object, properties: {name: {type: string}}}\n"
RESPONSE_SCHEMA = "Thing: {type: object, required: [id], properties: {id: {type: string}}}\n"
REFERRING_FLOW = """arazzo: 1.0.1
info: {title: F, version: "1"}
sourceDescriptions:
- name: api
  url: ./api.yml
  type: openapi
workflows:
- workflowId: make
  steps:
  - stepId: mk
    operationId: makeThing
    requestBody:
      contentType: application/json
      payload: {name: x}
    successCriteria:
    - condition: $statusCode == 200
    outputs:
      id: $response.body#/id
"""


def write_referring(directory: Path) -> Path:
    directory.mkdir(parents=True)
    for name, text in [
        ("api.yml", OPENAPI_WITH_REFS),
        ("paths.yml", PATHS),
        ("request.yml", REQUEST_SCHEMA),
        ("response.yml", RESPONSE_SCHEMA),
        ("flow.arazzo.yml", REFERRING_FLOW),
    ]:
        (directory / name).write_text(text)
    return directory / "flow.arazzo.yml"


def test_a_path_item_in_another_file_is_sent(tmp_path: Path) -> None:
    flow = write_referring(tmp_path / "sent")
    bundle = make_bundle(load(str(flow)))
    assert (tmp_path / "sent" / "paths.yml").as_uri() in bundle["files"]
    shutil.rmtree(tmp_path / "sent")
    assert load_bundle(bundle).openapi("api").operation("makeThing").path == "/things"


def test_every_file_an_openapi_description_refers_to_is_sent(tmp_path: Path) -> None:
    flow = write_referring(tmp_path / "sent")
    runner = Runner(str(flow), check_responses=True, check_requests=True)
    runner.prepare("make", {}, check_credentials=False)  # as RunRequest does before bundling
    bundle = make_bundle(runner.description)
    shutil.rmtree(tmp_path / "sent")
    on_worker = Runner(
        load_bundle(bundle),
        check_responses=True,
        check_requests=True,
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json={"id": "t-1"})),
    )
    result = on_worker.run("make", {})
    assert result.status == "succeeded", result.error.message if result.error else result.to_dict()
    names = {uri.rsplit("/", 1)[1] for uri in bundle["files"]}
    assert names == {"flow.arazzo.yml", "api.yml", "paths.yml", "request.yml", "response.yml"}


# ----------------------------------------------------------------------------- a worker's Bundles


def test_bundles_load_each_document_once_by_digest() -> None:
    bundles = Bundles()
    bundle = through_json(make_bundle(load(str(FLAGSHIP))))
    first = bundles.load(bundle)
    assert bundles.load(through_json(bundle)) is first
    assert asyncio.run(bundles.get(bundle["digest"], "any/")) is first


def test_bundles_keep_the_newest(monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[str] = []

    def fake_load(bundle: dict[str, Any]) -> object:
        loads.append(bundle["digest"])
        return object()

    monkeypatch.setattr(bundle_module, "load_bundle", fake_load)
    bundles = Bundles()
    kept = bundle_module._KEPT
    for number in range(kept + 1):
        bundles.load({"digest": f"d{number}"})
    bundles.load({"digest": f"d{kept}"})  # the newest: still loaded
    assert len(loads) == kept + 1
    bundles.load({"digest": "d0"})  # the oldest: let go, loaded again
    assert loads[-1] == "d0" and len(loads) == kept + 2


def test_a_worker_without_a_client_cannot_fetch_an_unknown_document() -> None:
    with pytest.raises(SourceError, match="no Temporal client to read the run's document"):
        asyncio.run(Bundles().get("0" * 64, "arazzo-x/"))
