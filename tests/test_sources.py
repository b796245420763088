"""Loading Arazzo documents and their source descriptions: versions, URLs, types, cycles."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import arazzo_runner
from arazzo_runner.errors import ArazzoError, DocumentError, SourceError

from .paths import FLAGSHIP, ROOT, SHARED, shared_files

OPENAPI = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"


def arazzo(
    version: str = "1.0.1", url: str = "./api.yaml", extra: str = "", type_line: str = "    type: openapi\n"
) -> str:
    return (
        f"arazzo: {version}\n"
        "info: {title: t, version: '1'}\n"
        f"{extra}"
        "sourceDescriptions:\n"
        "  - name: api\n"
        f"    url: {url}\n"
        f"{type_line}"
        "workflows:\n"
        "  - workflowId: w\n"
        "    steps: []\n"
    )


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "version, minor", [("1.0.0", (1, 0)), ("1.0.1", (1, 0)), ("1.0.7", (1, 0)), ("1.1.0", (1, 1)), ("1.1.3", (1, 1))]
)
def test_supported_versions_ignore_the_patch_number(tmp_path: Path, version: str, minor: tuple) -> None:
    write(tmp_path, "api.yaml", OPENAPI)
    description = arazzo_runner.load(str(write(tmp_path, "doc.yaml", arazzo(version))))
    assert description.minor == minor
    assert description.document.workflows[0].workflow_id == "w"


VERSION_ERRORS = [
    ("float", "1.0", 'not the number 1.0 (YAML reads 1.0 as a number: write arazzo: "1.0.0"'),
    ("int", "2", "not the number 2"),
    ("list", "[1]", "not [1]"),
    ("two-parts-string", "'1.0'", "not a major.minor.patch version"),
    ("future", "2.0.0", "Arazzo 2.0.0 is not supported"),
    ("old-minor", "1.2.0", "is not supported"),
    ("garbage", "banana", "not a major.minor.patch"),
]


@pytest.mark.parametrize("value, words", [c[1:] for c in VERSION_ERRORS], ids=[c[0] for c in VERSION_ERRORS])
def test_bad_versions_are_located_errors(tmp_path: Path, value: str, words: str) -> None:
    path = write(tmp_path, "doc.yaml", arazzo(value))
    with pytest.raises(DocumentError) as caught:
        arazzo_runner.load(str(path))
    assert words in caught.value.message
    assert (caught.value.location.line, caught.value.location.column) == (1, 9)


def test_openapi_file_given_as_arazzo_document(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="looks like an OpenAPI description"):
        arazzo_runner.load(str(write(tmp_path, "api.yaml", OPENAPI)))


def test_missing_entry_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="file not found"):
        arazzo_runner.load(str(tmp_path / "nope.yaml"))


def test_missing_source_names_source_url_and_resolved_path(tmp_path: Path) -> None:
    path = write(tmp_path, "flows/doc.yaml", arazzo(url="../specs/missing.yaml"))
    description = arazzo_runner.load(str(path))
    with pytest.raises(SourceError) as caught:
        description.source("api")
    error = caught.value
    resolved = os.path.normpath(tmp_path / "specs" / "missing.yaml")
    assert "'api'" in error.message and "'../specs/missing.yaml'" in error.message and resolved in error.message
    assert (error.location.line, error.location.column) == (5, 10)
    assert error.location.pointer == "/sourceDescriptions/0/url"


def test_relative_urls_resolve_against_the_referring_document(tmp_path: Path) -> None:
    write(tmp_path, "specs/api.yaml", OPENAPI)
    description = arazzo_runner.load(str(write(tmp_path, "flows/doc.yaml", arazzo(url="../specs/api.yaml"))))
    source = description.source("api")
    assert source.type == "openapi"
    assert source.uri == (tmp_path / "specs" / "api.yaml").as_uri()


@pytest.mark.parametrize(
    "content, expected",
    [
        (OPENAPI, "openapi"),
        ("asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\n", "asyncapi"),
        (arazzo(url="./other.yaml"), "arazzo"),
    ],
    ids=["openapi", "asyncapi", "arazzo"],
)
def test_type_is_detected_when_omitted(tmp_path: Path, content: str, expected: str) -> None:
    write(tmp_path, "other.yaml", OPENAPI)
    write(tmp_path, "api.yaml", content)
    description = arazzo_runner.load(str(write(tmp_path, "doc.yaml", arazzo(type_line=""))))
    assert description.source("api").type == expected


def test_declared_type_must_match_the_content(tmp_path: Path) -> None:
    write(tmp_path, "api.yaml", "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\n")
    description = arazzo_runner.load(str(write(tmp_path, "doc.yaml", arazzo())))
    with pytest.raises(SourceError, match="declared as type 'openapi'"):
        description.source("api")


def test_swagger_2_is_refused_clearly(tmp_path: Path) -> None:
    write(tmp_path, "api.yaml", "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n")
    description = arazzo_runner.load(str(write(tmp_path, "doc.yaml", arazzo(type_line=""))))
    with pytest.raises(SourceError, match="Swagger 2.0.*convert it to OpenAPI 3"):
        description.source("api")


def test_remote_sources_need_an_opt_in(tmp_path: Path) -> None:
    description = arazzo_runner.load(str(write(tmp_path, "doc.yaml", arazzo(url="https://example.invalid/api.yaml"))))
    with pytest.raises(SourceError, match="--allow-remote") as caught:
        description.source("api")
    assert caught.value.location.line == 5


def test_a_source_can_be_redirected_to_a_local_file(tmp_path: Path) -> None:
    local = write(tmp_path, "copy/api.yaml", OPENAPI)
    path = write(tmp_path, "doc.yaml", arazzo(url="https://example.invalid/api.yaml"))
    description = arazzo_runner.load(str(path), sources={"api": str(local)})
    assert description.source("api").uri == local.as_uri()


def test_redirect_to_a_missing_file_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, "doc.yaml", arazzo())
    description = arazzo_runner.load(str(path), sources={"api": str(tmp_path / "gone.yaml")})
    with pytest.raises(SourceError, match="redirected by --source api="):
        description.source("api")


def test_nested_arazzo_sources_load_recursively(tmp_path: Path) -> None:
    write(tmp_path, "api.yaml", OPENAPI)
    write(tmp_path, "sub/inner.yaml", arazzo(url="../api.yaml"))
    path = write(tmp_path, "doc.yaml", arazzo(url="./sub/inner.yaml", type_line="    type: arazzo\n"))
    description = arazzo_runner.load(str(path))
    inner = description.arazzo("api")
    assert inner.document.workflows[0].workflow_id == "w"
    assert inner.source("api").uri == (tmp_path / "api.yaml").as_uri()


def test_cycles_of_arazzo_sources_are_errors(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", arazzo(url="./b.yaml", type_line="    type: arazzo\n"))
    write(tmp_path, "b.yaml", arazzo(url="./a.yaml", type_line="    type: arazzo\n"))
    description = arazzo_runner.load(str(tmp_path / "a.yaml"))
    with pytest.raises(SourceError, match="cycle of Arazzo documents"):
        description.arazzo("api").arazzo("api")


def test_self_is_the_base_uri_in_1_1(tmp_path: Path) -> None:
    write(tmp_path, "specs/api.yaml", OPENAPI)
    extra = "$self: https://example.invalid/flows/doc.yaml\n"
    path = write(tmp_path, "flows/doc.yaml", arazzo("1.1.0", url="../specs/api.yaml", extra=extra))
    description = arazzo_runner.load(str(path))
    assert description.base_uri == "https://example.invalid/flows/doc.yaml"
    # the remote reading is not allowed, so the same relative path beside the file is used
    assert description.source("api").uri == (tmp_path / "specs" / "api.yaml").as_uri()


def test_relative_self_resolves_against_the_retrieval_uri(tmp_path: Path) -> None:
    write(tmp_path, "v2/specs/api.yaml", OPENAPI)
    extra = "$self: v2/flows/doc.yaml\n"
    path = write(tmp_path, "root.yaml", arazzo("1.1.0", url="../specs/api.yaml", extra=extra))
    description = arazzo_runner.load(str(path))
    assert description.base_uri == (tmp_path / "v2" / "flows" / "doc.yaml").as_uri()
    assert description.source("api").uri == (tmp_path / "v2" / "specs" / "api.yaml").as_uri()


def test_self_is_ignored_in_1_0_documents(tmp_path: Path) -> None:
    write(tmp_path, "api.yaml", OPENAPI)
    path = write(tmp_path, "doc.yaml", arazzo("1.0.1", extra="$self: https://example.invalid/x/doc.yaml\n"))
    description = arazzo_runner.load(str(path))
    assert description.base_uri == path.as_uri()


def test_flagship_workflow_loads_with_its_source() -> None:
    description = arazzo_runner.load(str(FLAGSHIP))
    assert [w.workflow_id for w in description.document.workflows] == ["provision-messaging-service-add-number"]
    source = description.source("messagingApi")
    assert source.type == "openapi"
    assert source.uri == (ROOT / "openapi" / "twilio-messaging-openapi.yml").as_uri()


def test_flagship_ships_byte_for_byte() -> None:
    seed = ROOT.parent / "shared" / "seed" / FLAGSHIP.name
    if not seed.exists():
        pytest.skip("../shared/seed is absent")
    assert FLAGSHIP.read_bytes() == seed.read_bytes()


_ARAZZO_KEY = re.compile(rb'(^|[{,\s])"?arazzo"?\s*:', re.MULTILINE)
ARAZZO_FILES = [
    p for p in shared_files("corpus") + shared_files("reference") if _ARAZZO_KEY.search(p.read_bytes()[:8192])
]


@pytest.mark.parametrize("path", ARAZZO_FILES, ids=lambda p: str(p.relative_to(SHARED)))
def test_every_shared_arazzo_file_loads_or_fails_with_a_located_error(path: Path) -> None:
    try:
        description = arazzo_runner.load(str(path))
    except ArazzoError as error:
        assert error.location is not None and error.location.file and error.location.line, str(error)
        return
    for source in description.document.source_descriptions:
        try:
            loaded = description.source(source.name)
            if loaded.type == "openapi":
                description.openapi(source.name)
        except ArazzoError as error:
            assert error.location is not None and error.location.file, str(error)


def test_a_redirect_for_an_undeclared_source_is_a_usage_error(tmp_path: Path) -> None:
    path = write(tmp_path, "doc.yaml", arazzo())
    with pytest.raises(arazzo_runner.UsageError, match="no source description named 'API'"):
        arazzo_runner.load(str(path), sources={"API": str(tmp_path / "api.yaml")})
