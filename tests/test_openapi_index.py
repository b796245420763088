"""Tests for arazzo_runner.openapi.index: loading and indexing OpenAPI 3.0/3.1/3.2 descriptions.

Fixtures live in ``tests/data/openapi/``; the Twilio description is the project's own.  The
last test loads every OpenAPI file of ``../shared/corpus`` (skipped when it is absent).  The
few files over 1 MB (YAML ones take about a second to parse) carry ``big`` in their test id
and are skipped when ``ARAZZO_SKIP_BIG_TESTS`` is set.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

import arazzo_runner
from arazzo_runner.errors import ArazzoError, DocumentError, SourceError
from arazzo_runner.loading.files import read_file
from arazzo_runner.loading.yamlfile import ParsedFile, parse
from arazzo_runner.openapi.index import (
    DEFAULT_SERVER,
    OpenAPIIndex,
    Operation,
    Server,
    ServerVariable,
    expand_server,
    load_openapi,
)
from arazzo_runner.openapi.refs import path_to_uri, split_pointer

from .paths import ROOT

DATA = Path(__file__).resolve().parent / "data" / "openapi"
TWILIO = ROOT / "openapi" / "twilio-messaging-openapi.yml"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
BIG_BYTES = 1024 * 1024
big = pytest.mark.skipif(
    bool(os.environ.get("ARAZZO_SKIP_BIG_TESTS")), reason="ARAZZO_SKIP_BIG_TESTS is set: big files skipped"
)


def _no_fetch(uri: str) -> ParsedFile:
    raise SourceError(f"fetching {uri} is not allowed in this test")


def _line_of(path: Path, text: str) -> int:
    """1-based number of the first line of ``path`` containing ``text``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


@pytest.fixture(scope="module")
def twilio() -> OpenAPIIndex:
    return load_openapi(str(TWILIO))


@pytest.fixture(scope="module")
def pets30() -> OpenAPIIndex:
    return load_openapi(str(DATA / "petstore-3.0.yaml"))


@pytest.fixture(scope="module")
def pets31() -> OpenAPIIndex:
    return load_openapi(str(DATA / "petstore-3.1.yaml"))


def _get(index: OpenAPIIndex, operation_id: str) -> Operation:
    operation = index.operation(operation_id)
    assert operation is not None, operation_id
    return operation


# --------------------------------------------------------------------------------- Twilio


def test_public_api_exports_load_openapi() -> None:
    assert arazzo_runner.load_openapi is load_openapi
    assert arazzo_runner.OpenAPIIndex is OpenAPIIndex


def test_twilio_operations_in_document_order(twilio: OpenAPIIndex) -> None:
    assert twilio.version == "3.1.0"
    assert twilio.title == "Twilio Messaging Services API (v1)"
    assert [(op.operation_id, op.method, op.path) for op in twilio.operations] == [
        ("createMessagingService", "POST", "/Services"),
        ("listMessagingServices", "GET", "/Services"),
        ("fetchMessagingService", "GET", "/Services/{ServiceSid}"),
        ("updateMessagingService", "POST", "/Services/{ServiceSid}"),
        ("deleteMessagingService", "DELETE", "/Services/{ServiceSid}"),
        ("addPhoneNumber", "POST", "/Services/{ServiceSid}/PhoneNumbers"),
        ("listPhoneNumbers", "GET", "/Services/{ServiceSid}/PhoneNumbers"),
        ("fetchPhoneNumber", "GET", "/Services/{ServiceSid}/PhoneNumbers/{Sid}"),
        ("deletePhoneNumber", "DELETE", "/Services/{ServiceSid}/PhoneNumbers/{Sid}"),
    ]
    assert twilio.problems == ()
    assert twilio.operation("noSuchOperation") is None


def test_twilio_url_templates(twilio: OpenAPIIndex) -> None:
    assert _get(twilio, "createMessagingService").url_template() == "https://messaging.twilio.com/v1/Services"
    assert (
        _get(twilio, "addPhoneNumber").url_template()
        == "https://messaging.twilio.com/v1/Services/{ServiceSid}/PhoneNumbers"
    )
    assert (
        _get(twilio, "fetchMessagingService").url_template("http://127.0.0.1:8080/v1/")
        == "http://127.0.0.1:8080/v1/Services/{ServiceSid}"
    )
    assert [server.url for server in twilio.servers] == ["https://messaging.twilio.com/v1"]


def test_twilio_path_level_parameter_is_merged(twilio: OpenAPIIndex) -> None:
    fetch = _get(twilio, "fetchMessagingService")
    assert [(p.name, p.in_) for p in fetch.parameters] == [("ServiceSid", "path")]
    service_sid = fetch.parameters[0]
    assert service_sid.required and service_sid.style == "simple" and service_sid.explode is False
    assert service_sid.schema == {"$ref": "#/components/schemas/ServiceSid"}  # schemas are not walked
    assert twilio.resolve(service_sid.schema)["pattern"] == "^MG[0-9a-fA-F]{32}$"
    listing = _get(twilio, "listPhoneNumbers")
    assert [p.name for p in listing.parameters] == ["ServiceSid", "PageSize", "Page", "PageToken"]
    page_size = listing.parameter("PageSize", "query")
    assert page_size is not None and page_size.style == "form" and page_size.explode is True
    assert listing.parameter("PageSize", "header") is None


def test_twilio_security_body_and_responses(twilio: OpenAPIIndex) -> None:
    create = _get(twilio, "createMessagingService")
    assert create.security == [{"accountSid_authToken": []}]
    assert twilio.security_schemes["accountSid_authToken"]["scheme"] == "basic"
    assert create.request_body is not None and create.request_body.required
    assert list(create.request_body.content) == ["application/x-www-form-urlencoded"]
    assert set(create.responses) == {"201", "400", "401", "429"}
    assert "$ref" not in create.responses["400"]  # top-level response $refs are followed
    assert create.pointer == "/paths/~1Services/post"
    assert create.location.line == _line_of(TWILIO, "operationId: createMessagingService")
    assert create.tags == ("Messaging Services",)


# ------------------------------------------------------------------------- servers (3.0)


def test_root_servers_with_variables(pets30: OpenAPIIndex) -> None:
    main = pets30.servers[0]
    assert main.url == "https://{env}.example.com:{port}/v1"
    assert main.variables["env"] == ServerVariable("api", ("api", "sandbox"), "Which environment.")
    assert main.variables["port"].default == "8443"
    assert expand_server(main, {}) == "https://api.example.com:8443/v1"
    assert expand_server(main, {"env": "sandbox"}) == "https://sandbox.example.com:8443/v1"
    assert main.expand({"port": "9000"}) == "https://api.example.com:9000/v1"
    listing = _get(pets30, "listPets")
    assert listing.servers == pets30.servers
    assert listing.url_template() == "https://api.example.com:8443/v1/pets"
    assert listing.server_url({"env": "sandbox"}) == "https://sandbox.example.com:8443/v1"


def test_expand_server_leaves_unknown_placeholders() -> None:
    server = Server("https://{region}.example.com/{stage}", variables={"stage": ServerVariable(None)})
    assert expand_server(server, {}) == "https://{region}.example.com/{stage}"
    assert expand_server(server, {"region": "eu", "stage": "prod"}) == "https://eu.example.com/prod"


def test_path_item_and_operation_servers_override_root(pets30: OpenAPIIndex) -> None:
    get_pet = _get(pets30, "getPet")
    assert [s.url for s in get_pet.servers] == ["https://items.example.com"]
    assert get_pet.url_template() == "https://items.example.com/pets/{petId}"
    delete_pet = _get(pets30, "deletePet")
    assert [s.url for s in delete_pet.servers] == ["https://delete.example.com/{version}"]
    assert delete_pet.url_template() == "https://delete.example.com/v2/pets/{petId}"


# ---------------------------------------------------------------------- parameters, $refs


def test_parameters_merged_by_name_and_in(pets30: OpenAPIIndex) -> None:
    get_pet = _get(pets30, "getPet")
    assert [(p.name, p.in_) for p in get_pet.parameters] == [
        ("petId", "path"),
        ("verbose", "query"),
        ("X-Trace-Id", "header"),
        ("verbose", "header"),
    ]
    pet_id = get_pet.parameter("petId", "path")
    assert pet_id is not None and pet_id.required  # path parameters are always required
    verbose = get_pet.parameter("verbose", "query")
    assert verbose is not None
    assert verbose.raw["description"] == "operation-level version"
    assert verbose.required and verbose.style == "form" and verbose.explode is False
    # the path-level one still applies where the operation does not redefine it
    delete_verbose = _get(pets30, "deletePet").parameter("verbose", "query")
    assert delete_verbose is not None and delete_verbose.raw["description"] == "path-level version"
    assert delete_verbose.required is False and delete_verbose.explode is True


def test_parameter_ref_to_components_chain(pets30: OpenAPIIndex) -> None:
    listing = _get(pets30, "listPets")
    limit = listing.parameter("limit", "query")
    assert limit is not None
    assert limit.schema == {"type": "integer", "maximum": 100}
    assert limit.location is not None and limit.location.pointer == "/components/parameters/PageLimit"
    assert limit.location.line == _line_of(DATA / "petstore-3.0.yaml", "PageLimit:") + 1
    header = listing.parameter("X-Trace", "header")
    assert header is not None and header.style == "simple" and header.required is False


def test_parameter_ref_to_another_file(pets30: OpenAPIIndex) -> None:
    trace = _get(pets30, "getPet").parameter("X-Trace-Id", "header")
    assert trace is not None and trace.required
    assert trace.base_uri == path_to_uri(DATA / "common.yaml")
    assert trace.location is not None and trace.location.file is not None
    assert trace.location.file.endswith("common.yaml")
    # a $ref inside it resolves against the file it was written in
    assert pets30.resolve(trace.schema, base_uri=trace.base_uri) == {"type": "string", "format": "uuid"}


def test_path_item_ref_to_another_file(pets30: OpenAPIIndex) -> None:
    photos = _get(pets30, "listPhotos")
    assert photos.path == "/pets/{petId}/photos"
    assert photos.pointer == "/paths/~1pets~1{petId}~1photos/get"
    assert [(p.name, p.in_) for p in photos.parameters] == [("petId", "path"), ("limit", "query")]
    assert photos.location.file is not None and photos.location.file.endswith("common.yaml")
    assert pets30.operation_by_pointer("#/paths/~1pets~1{petId}~1photos/get") is photos


def test_request_body_responses_and_security(pets30: OpenAPIIndex) -> None:
    create = _get(pets30, "createPet")
    assert create.request_body is not None and create.request_body.required is True
    assert list(create.request_body.content) == ["application/json", "application/x-www-form-urlencoded"]
    assert create.security == []  # an empty operation security removes the root requirement
    assert create.deprecated is True
    listing = _get(pets30, "listPets")
    assert listing.request_body is None
    assert set(listing.responses) == {"200", "default"}
    assert listing.responses["default"] == {"description": "An error."}
    assert listing.security == [{"api_key": []}]
    assert listing.summary == "List pets" and listing.tags == ("pets",)
    assert _get(pets30, "getPet").security == [{"oauth": ["read:pets", "write:pets"]}, {"api_key": []}]
    schemes = pets30.security_schemes
    assert schemes["api_key"]["in"] == "header"
    assert schemes["oauth"]["type"] == "oauth2"  # a $ref to another file, followed


def test_path_item_non_operation_keys_are_ignored(pets30: OpenAPIIndex) -> None:
    assert [(op.method, op.path) for op in pets30.operations] == [
        ("GET", "/pets"),
        ("POST", "/pets"),
        ("GET", "/pets/{petId}"),
        ("DELETE", "/pets/{petId}"),
        ("GET", "/pets/{petId}/photos"),
        ("GET", "/users/~{user}/a/b"),
        ("GET", "/duplicate"),
    ]


def test_duplicate_operation_id_keeps_the_first(pets30: OpenAPIIndex) -> None:
    assert _get(pets30, "listPets").path == "/pets"
    problems = [(message, location) for message, location in pets30.problems if "duplicate" in message]
    assert len(problems) == 1
    message, location = problems[0]
    assert "listPets" in message and "/duplicate" in message
    assert location.pointer == "/paths/~1duplicate/get/operationId"
    assert location.line == _line_of(DATA / "petstore-3.0.yaml", "/duplicate:") + 2
    assert pets30.operation_by_pointer("/paths/~1duplicate/get") is not None  # still reachable


# ----------------------------------------------------------------------------- pointers


@pytest.mark.parametrize(
    ("pointer", "operation_id"),
    [
        ("#/paths/~1pets~1{petId}/get", "getPet"),
        ("/paths/~1pets~1{petId}/get", "getPet"),
        ("#/paths/~1pets~1%7BpetId%7D/delete", "deletePet"),
        ("/paths/~1pets/post", "createPet"),
        ("#/paths/~1users~1~0{user}~1a~1b/get", "getTildeUser"),
        ("/paths/~1users~1~0%7Buser%7D~1a~1b/get", "getTildeUser"),
    ],
)
def test_operation_by_pointer(pets30: OpenAPIIndex, pointer: str, operation_id: str) -> None:
    operation = pets30.operation_by_pointer(pointer)
    assert operation is not None and operation.operation_id == operation_id
    assert operation is pets30.operation(operation_id)  # built once, shared


@pytest.mark.parametrize(
    "pointer",
    ["#/paths/~1pets/put", "/paths/~1nope/get", "#/paths/~1pets", "paths/~1pets/get", "", "#/paths/~01pets/get"],
)
def test_operation_by_pointer_misses(pets30: OpenAPIIndex, pointer: str) -> None:
    assert pets30.operation_by_pointer(pointer) is None


def test_split_pointer_decodes_tilde_one_before_tilde_zero() -> None:
    assert split_pointer("/a~01b/c~1d") == ["a~1b", "c/d"]
    assert split_pointer("#/x%20y/~0") == ["x y", "~"]
    assert split_pointer("") == []
    with pytest.raises(ValueError):
        split_pointer("no-slash")


# ------------------------------------------------------------------- OpenAPI 3.1 and 3.2


def test_openapi_31_default_server_and_component_path_items(pets31: OpenAPIIndex) -> None:
    listing = _get(pets31, "listPets31")
    assert listing.servers == (DEFAULT_SERVER,)
    assert listing.url_template() == "/pets"  # a file has no host: the URL stays relative
    assert _get(pets31, "relativeServer").url_template() == "/v1/relative"
    store = _get(pets31, "getStore")
    assert store.pointer == "/paths/~1stores~1{storeId}/get"
    assert [p.name for p in store.parameters] == ["storeId"]
    assert pets31.operation("newPetWebhook") is None  # webhooks are not callable operations


def test_relative_servers_resolve_against_an_http_document() -> None:
    parsed = read_file(str(DATA / "petstore-3.1.yaml"))
    index = OpenAPIIndex.build(parsed, base_uri="https://specs.example.com/api/openapi.yaml", fetch=_no_fetch)
    assert _get(index, "listPets31").url_template() == "https://specs.example.com/pets"
    assert _get(index, "relativeServer").url_template() == "https://specs.example.com/v1/relative"
    assert _get(index, "relativeNoSlash").url_template() == "https://specs.example.com/api/v2/relative-no-slash"
    assert _get(index, "listPets31").url_template("/mock") == "https://specs.example.com/mock/pets"


def test_openapi_32_query_and_additional_operations() -> None:
    index = load_openapi(str(DATA / "api-3.2.yaml"))
    assert index.version == "3.2.0"
    search = _get(index, "searchPets")
    assert (search.method, search.pointer) == ("QUERY", "/paths/~1search/query")
    assert search.request_body is not None and list(search.request_body.content) == ["application/json"]
    link = _get(index, "linkSearch")
    assert (link.method, link.pointer) == ("LINK", "/paths/~1search/additionalOperations/LINK")
    assert index.operation_by_pointer("#/paths/~1search/additionalOperations/LINK") is link
    assert link.servers[0].name == "production"
    assert link.url_template() == "https://api.example.com/search"


# --------------------------------------------------------------------------------- errors


def test_swagger_2_is_rejected() -> None:
    with pytest.raises(SourceError, match="Swagger 2.0 is not supported; convert it to OpenAPI 3") as caught:
        load_openapi(str(DATA / "swagger-2.0.yaml"))
    assert caught.value.location is not None
    assert caught.value.location.line == _line_of(DATA / "swagger-2.0.yaml", "swagger:")


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("- openapi: 3.1.0\n", SourceError, "root is a list"),
        ("info: {title: x, version: '1'}\npaths: {}\n", SourceError, "'openapi' field is missing"),
        ("openapi: 3.1\ninfo: {title: x, version: '1'}\n", DocumentError, "quote it"),
        ("openapi: 2.5.0\ninfo: {title: x, version: '1'}\n", DocumentError, "unsupported OpenAPI version"),
        ("openapi: 4.0.0\ninfo: {title: x, version: '1'}\n", DocumentError, "unsupported OpenAPI version"),
        ("arazzo: 1.0.1\n", SourceError, "Arazzo document"),
    ],
    ids=["list-root", "no-openapi", "number-version", "version-2.5", "version-4", "arazzo"],
)
def test_not_an_openapi_3_document(tmp_path: Path, text: str, error: type, message: str) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(error, match=message) as caught:
        load_openapi(str(path), name="doc.yaml")
    assert caught.value.location is not None and caught.value.location.file == "doc.yaml"
    assert caught.value.location.line is not None


def test_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="file not found"):
        load_openapi(str(tmp_path / "absent.yaml"))


def test_ref_cycle_names_the_ref() -> None:
    index = load_openapi(str(DATA / "ref-cycle.yaml"))
    with pytest.raises(DocumentError, match=r"\$ref cycle: '#/components/parameters/A'") as caught:
        index.operation("cyclic")
    location = caught.value.location
    assert location is not None and location.pointer == "/components/parameters/B/$ref"
    assert location.line == _line_of(DATA / "ref-cycle.yaml", "B:") + 1


def test_path_item_ref_cycle_fails_the_load(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text(
        "openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths:\n"
        "  /a:\n    $ref: '#/components/pathItems/A'\n"
        "components:\n  pathItems:\n    A:\n      $ref: '#/components/pathItems/A'\n",
        encoding="utf-8",
    )
    with pytest.raises(DocumentError, match="cycle") as caught:
        load_openapi(str(path))
    assert caught.value.location is not None and caught.value.location.line == 9


def test_missing_ref_target_has_the_line_of_the_ref() -> None:
    fixture = DATA / "missing-ref.yaml"
    index = load_openapi(str(fixture))
    assert index.operation("fine") is not None  # one broken operation does not spoil the others
    with pytest.raises(DocumentError, match="'#/components/parameters/Nope' points at nothing") as caught:
        index.operation("missingPointer")
    location = caught.value.location
    assert location is not None
    assert location.pointer == "/paths/~1missing-pointer/get/parameters/0/$ref"
    line = _line_of(fixture, "#/components/parameters/Nope")
    assert (location.line, location.column) == (line, fixture.read_text().splitlines()[line - 1].index("'") + 1)
    assert location.file is not None and location.file.endswith("missing-ref.yaml")


def test_missing_ref_file_is_a_source_error_at_the_ref() -> None:
    fixture = DATA / "missing-ref.yaml"
    index = load_openapi(str(fixture))
    with pytest.raises(SourceError, match="no-such-file.yaml") as caught:
        index.operation("missingFile")
    location = caught.value.location
    assert location is not None and location.line == _line_of(fixture, "no-such-file.yaml")


def test_remote_ref_is_not_fetched_by_load_openapi(tmp_path: Path) -> None:
    path = tmp_path / "remote.yaml"
    path.write_text(
        "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      parameters:\n"
        "      - $ref: 'https://example.com/common.yaml#/components/parameters/P'\n"
        "      responses: {'200': {description: OK}}\n",
        encoding="utf-8",
    )
    index = load_openapi(str(path))
    with pytest.raises(SourceError, match="local files only") as caught:
        _ = index.operations
    assert caught.value.location is not None and caught.value.location.line == 7


def test_resolve_returns_plain_values_unchanged(pets30: OpenAPIIndex) -> None:
    value = {"type": "string"}
    assert pets30.resolve(value) is value
    assert pets30.resolve({"$ref": "#/components/parameters/Limit"})["name"] == "limit"
    with pytest.raises(DocumentError, match="points at nothing"):
        pets30.resolve({"$ref": "#/components/schemas/Nope"}, pointer="/somewhere")


def test_index_build_from_json_bytes() -> None:
    document = {
        "openapi": "3.0.0",
        "info": {"title": "inline", "version": "1"},
        "servers": [{"url": "http://localhost:{port}", "variables": {"port": {"default": 8080}}}],
        "paths": {"/ping": {"get": {"operationId": "ping", "responses": {"204": {"description": "pong"}}}}},
    }
    parsed = parse(json.dumps(document).encode(), "inline.json")
    index = OpenAPIIndex.build(parsed, base_uri="file:///tmp/inline.json", fetch=_no_fetch)
    assert _get(index, "ping").url_template() == "http://localhost:8080/ping"


# ------------------------------------------------------------------------------ corpus

_YAML_OPENAPI_KEY = re.compile(rb"^[\"']?openapi[\"']?\s*:", re.MULTILINE)


def _corpus_openapi_files() -> list[Any]:
    """Every OpenAPI file (a top-level ``openapi`` key) of the shared corpus, as pytest params."""
    if not CORPUS.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{CORPUS} is absent"), id="no-corpus")]
    params = []
    for path in sorted(p for p in CORPUS.rglob("*") if p.is_file()):
        suffix = path.suffix.lower()
        if suffix not in (".json", ".yaml", ".yml"):
            continue
        raw = path.read_bytes()
        if suffix == ".json":
            try:
                data = json.loads(raw)
            except ValueError:
                continue
            if not (isinstance(data, dict) and "openapi" in data):
                continue
        elif not _YAML_OPENAPI_KEY.search(raw):
            continue
        name = path.relative_to(CORPUS).as_posix()
        if len(raw) > BIG_BYTES:
            params.append(pytest.param(path, marks=big, id=f"big:{name}"))
        else:
            params.append(pytest.param(path, id=name))
    return params


@pytest.mark.parametrize("path", _corpus_openapi_files())
def test_corpus_openapi_files_load_or_fail_cleanly(path: Path) -> None:
    try:
        index = load_openapi(str(path))
        templates = [operation.url_template() for operation in index.operations]
    except ArazzoError as exc:
        assert exc.location is not None, f"{type(exc).__name__} without a location: {exc}"
        return
    assert all(isinstance(template, str) for template in templates)
    assert len(templates) == len(index.operations)
