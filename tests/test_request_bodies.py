"""Request bodies and parameters as a real HTTP server receives them.

The tests start a server on 127.0.0.1 (a free port), run the workflows of
tests/data/serialize/bodies.arazzo.yaml against it (or send what ``build_request`` builds),
and check exactly what arrived: the raw request line and headers, the body bytes, the form
fields (``parse_qs``), the multipart parts (the stdlib ``email`` parser), the XML.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest

import arazzo_runner
from arazzo_runner.execution.request import ParameterValue, build_request
from arazzo_runner.execution.steps import StepRunner
from arazzo_runner.openapi.serialize import Payload

DOC = str(Path(__file__).parent / "data" / "serialize" / "bodies.arazzo.yaml")


@dataclass(frozen=True)
class Received:
    method: str
    target: str  # the request target exactly as sent: path and query, still percent-encoded
    headers: dict[str, str]  # names lower-cased
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> str:
        return urlsplit(self.target).query

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("ascii"), keep_blank_values=True, strict_parsing=True)

    def parts(self) -> list[EmailMessage]:
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + self.body)
        assert isinstance(message, EmailMessage) and message.is_multipart()
        assert not message.defects, message.defects
        return list(message.iter_parts())  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _record(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.received.append(Received(self.command, self.path, headers, body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = do_PUT = _record

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


class Server:
    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.received = []  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def received(self) -> list[Received]:
        return self.httpd.received  # type: ignore[attr-defined,no-any-return]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture(scope="module")
def _server() -> Iterator[Server]:
    server = Server()
    yield server
    server.close()


@pytest.fixture()
def server(_server: Server) -> Server:
    _server.received.clear()
    return _server


def run(server: Server, workflow_id: str, inputs: dict[str, Any] | None = None) -> arazzo_runner.RunResult:
    return arazzo_runner.run(DOC, workflow_id, inputs or {}, servers={"api": server.url})


def only(server: Server) -> Received:
    (request,) = server.received
    return request


# ---------------------------------------------------------------- JSON


def test_json_object_with_pointer_replacements(server: Server) -> None:
    result = run(server, "json-object", {"name": "Ada"})
    assert result.status == "succeeded", result.error
    request = only(server)
    assert (request.method, request.path) == ("POST", "/json")
    assert request.headers["content-type"] == "application/json"
    # the optional input not given is left out; null stays null; replacements applied
    assert (
        request.body
        == (
            '{"name":"Ada","nothing":null,"list":["zero","two",true,4],"nested":{"unicode":"é ✓","added":"Ada"}}'
        ).encode()
    )
    # the recorded request shows the same text
    assert result.steps[0].request is not None
    assert json.loads(result.steps[0].request.body or "") == json.loads(request.body)


def test_json_text_template_is_sent_as_json(server: Server) -> None:
    result = run(server, "json-template", {"petId": 5})
    assert result.status == "succeeded", result.error
    # the payload is JSON text: parsed for the replacement, then written back
    assert only(server).body == b'{"petOrder":{"petId":5,"status":"approved"}}'


def test_plus_json_media_type(server: Server) -> None:
    result = run(server, "problem-json")
    assert result.status == "succeeded", result.error
    request = only(server)
    assert request.headers["content-type"] == "application/problem+json"
    assert request.body == b'{"title":"x"}'


def test_jsonpath_replacement(server: Server) -> None:
    result = run(server, "json-path-replacement")
    assert result.status == "succeeded", result.error
    assert json.loads(only(server).body) == {
        "items": [{"sku": "ABC123", "quantity": 10}, {"sku": "XYZ", "quantity": 1}]
    }


# ---------------------------------------------------------------- forms


def test_form_body_with_encoding_objects(server: Server) -> None:
    result = run(server, "form", {"name": "Ada Lovelace"})
    assert result.status == "succeeded", result.error
    request = only(server)
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.body == (
        b"name=Ada+Lovelace&tags=a+b&tags=c%26d&meta=%7B%22k%22%3A%22v+w%22%7D"
        b"&address%5Bcity%5D=Paris&address%5Bzip%5D=75001&id=%22f81d4fae%22&empty="
    )
    assert request.form() == {
        "name": ["Ada Lovelace"],
        "tags": ["a b", "c&d"],
        "meta": ['{"k":"v w"}'],
        "address[city]": ["Paris"],
        "address[zip]": ["75001"],
        "id": ['"f81d4fae"'],
        "empty": [""],
    }


def test_form_string_payload(server: Server) -> None:
    result = run(server, "form-string")
    assert result.status == "succeeded", result.error
    request = only(server)
    assert request.body == b"grant_type=client_credentials&scope=read+write"
    assert request.form() == {"grant_type": ["client_credentials"], "scope": ["read write"]}


# ---------------------------------------------------------------- multipart


def _part(part: EmailMessage) -> tuple[str | None, str | None, str | None, bytes]:
    name = part.get_param("name", header="content-disposition")
    filename = part.get_param("filename", header="content-disposition")
    content_type = part["content-type"]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return (
        name if isinstance(name, str) else None,
        filename if isinstance(filename, str) else None,
        str(content_type) if content_type is not None else None,
        payload,
    )


def test_multipart_fields_arrays_and_files(server: Server) -> None:
    result = run(server, "multipart")
    assert result.status == "succeeded", result.error
    request = only(server)
    content_type = request.headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=arazzo-")
    assert [_part(part) for part in request.parts()] == [
        ("title", None, None, "Hello ✓".encode()),
        ("count", None, None, b"3"),
        ("tags", None, None, b"a"),
        ("tags", None, None, b"b"),
        ("meta", None, "application/json", b'{"k":"v"}'),
        # contentBase64 is decoded; the Encoding Object's contentType applies
        ("avatar", "me.png", "image/png", b"\x89PNG\r\n\x1a\n"),
        ("notes", None, "text/markdown", b"# Notes"),
        ("doc", "a %22quoted%22 name.txt", "text/plain", b"plain file"),
        # style form, explode true (Encoding Object): one part per member
        ("x", None, None, b"1"),
        ("y", None, None, b"2"),
    ]
    doc = request.parts()[7]
    assert doc["x-extra"] == "extra value"
    boundary = content_type.split("boundary=")[1]
    assert request.body.endswith(f"\r\n--{boundary}--\r\n".encode())


def test_multipart_bytes_built_directly(server: Server) -> None:
    binary = bytes(range(256))
    prepared = build_request(
        "POST",
        f"{server.url}/upload",
        [],
        body={"raw": binary, "file": {"filename": "é.bin", "content": binary}, "n": None},
        content_type="multipart/form-data; boundary=fixed-boundary",
    )
    _send(prepared)
    request = only(server)
    assert request.headers["content-type"] == "multipart/form-data; boundary=fixed-boundary"
    assert [_part(part) for part in request.parts()] == [
        ("raw", None, "application/octet-stream", binary),
        ("file", "é.bin", "application/octet-stream", binary),
        ("n", None, None, b""),
    ]


def _send(prepared: Any) -> None:
    with httpx.Client() as client:
        response = client.request(prepared.method, prepared.url, headers=prepared.headers, content=prepared.content)
        assert response.status_code == 200


# ---------------------------------------------------------------- text, XML, binary


def test_text_body(server: Server) -> None:
    result = run(server, "text", {"who": "Zoë"})
    assert result.status == "succeeded", result.error
    request = only(server)
    assert request.headers["content-type"] == "text/plain"
    assert request.body == "Hello Zoë, ✓".encode()


def test_xml_template_with_xpath_replacements(server: Server) -> None:
    result = run(server, "xml-template", {"petId": "p-1"})
    assert result.status == "succeeded", result.error
    request = only(server)
    assert request.headers["content-type"] == "application/xml"
    assert request.body.decode() == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<!-- a pet order -->\n"
        '<o:petOrder xmlns:o="urn:orders" xmlns="urn:default" id="A&amp;B">\n'
        "  <o:petId>p-1</o:petId>\n"
        "  <quantity>5</quantity>\n"
        "  <status>approved</status>\n"
        "</o:petOrder>\n"
    )
    root = ElementTree.fromstring(request.body)
    assert root.get("id") == "A&B"
    assert root.findtext("{urn:default}quantity") == "5"


def test_xml_object_from_schema_hints(server: Server) -> None:
    result = run(server, "xml-object")
    assert result.status == "succeeded", result.error
    request = only(server)
    assert request.body.decode() == (
        '<Pet id="7"><sample:name xmlns:sample="https://example.com/schema/pet">Fido &amp; co</sample:name>'
        "<photos><photo>a.png</photo><photo>b.png</photo></photos>"
        "<tag><label>x</label></tag><tag><label>y</label></tag></Pet>"
    )
    root = ElementTree.fromstring(request.body)
    assert root.findtext("{https://example.com/schema/pet}name") == "Fido & co"
    assert [photo.text for photo in root.iter("photo")] == ["a.png", "b.png"]


def test_xml_object_without_a_schema_fails_the_step_clearly(server: Server) -> None:
    result = run(server, "xml-object-without-schema")
    assert result.status == "failed"
    assert "XML" in (result.steps[0].error or "") and "schema" in (result.steps[0].error or "")
    assert server.received == []


def test_octet_stream_text_and_bytes(server: Server) -> None:
    result = run(server, "binary")
    assert result.status == "succeeded", result.error
    request = only(server)
    assert request.headers["content-type"] == "application/octet-stream"
    assert request.body == "raw bytes ✓".encode()
    server.received.clear()
    _send(build_request("PUT", f"{server.url}/binary", [], body=b"\x00\x01\xff", content_type="image/png"))
    request = only(server)
    assert (request.method, request.headers["content-type"], request.body) == ("PUT", "image/png", b"\x00\x01\xff")


def test_payload_wrapper_with_encoding_sent_directly(server: Server) -> None:
    media = {"encoding": {"filter": {"style": "deepObject", "explode": True}}}
    prepared = build_request(
        "POST",
        f"{server.url}/form",
        [ParameterValue("X-Mode", "header", "test")],
        body=Payload({"filter": {"a b": "c d"}}, media),
        content_type="application/x-www-form-urlencoded",
    )
    _send(prepared)
    request = only(server)
    assert request.body == b"filter%5Ba+b%5D=c+d"
    assert request.form() == {"filter[a b]": ["c d"]}
    assert request.headers["x-mode"] == "test"


# ---------------------------------------------------------------- parameters


def test_parameters_in_every_location(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[list[str]] = []
    original = StepRunner.parameters

    def spy(self: StepRunner, *args: Any, **kwargs: Any) -> Any:
        values = original(self, *args, **kwargs)
        warnings.append(list(self.request_warnings))
        return values

    monkeypatch.setattr(StepRunner, "parameters", spy)
    result = run(server, "parameters")
    assert result.status == "succeeded", result.error
    request = only(server)
    assert request.target == (
        "/colors/.blue.dark%2Fred/;shade=R,100,G,200"
        "?filter%5Bstatus%5D=a%20b&filter%5Bsize%5D=3"
        "&ids=1%7C2%7C3"
        "&next=/items?page=2&x=%C3%BC"
        "&coords=%7B%22lat%22%3A1.5%2C%22long%22%3A-2%7D"
        "&extra=x&extra=y"
    )
    assert unquote(request.path) == "/colors/.blue.dark/red/;shade=R,100,G,200"
    assert request.headers["x-rgb"] == "R=100,G=200"
    assert request.headers["cookie"] == "prefs=dark,compact; session=abc=="
    assert request.headers["x-undeclared"] == "as written"
    assert request.headers["accept"] == "application/json"
    # undeclared parameters are sent, with a warning each (Accept is never declared: no warning)
    (step_warnings,) = warnings
    assert len(step_warnings) == 2
    assert "'X-Undeclared' (in: header)" in step_warnings[0] and "not declared" in step_warnings[0]
    assert "'extra' (in: query)" in step_warnings[1] and "sent as written" in step_warnings[1]


def test_querystring_form(server: Server) -> None:
    result = run(server, "querystring-form")
    assert result.status == "succeeded", result.error
    first, second = server.received
    assert first.target == "/search?q=red+shoes&size=40&size=41&opts=%7B%22a%22%3A1%7D"
    assert parse_qs(first.query) == {"q": ["red shoes"], "size": ["40", "41"], "opts": ['{"a":1}']}
    assert second.target == "/search?filter=active&sort=desc&note=a%20b"


def test_querystring_json(server: Server) -> None:
    result = run(server, "querystring-json")
    assert result.status == "succeeded", result.error
    first, second = server.received
    assert first.target == "/search-json?%7B%22filter%22%3A%22active%22%2C%22sort%22%3A%22desc%22%2C%22limit%22%3A50%7D"
    assert json.loads(unquote(first.query)) == {"filter": "active", "sort": "desc", "limit": 50}
    assert json.loads(unquote(second.query)) == {"filter": "active", "limit": 50}


def test_request_body_warnings(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[list[str]] = []
    original = StepRunner.request_body

    def spy(self: StepRunner, *args: Any, **kwargs: Any) -> Any:
        value = original(self, *args, **kwargs)
        warnings.append(list(self.request_warnings))
        return value

    monkeypatch.setattr(StepRunner, "request_body", spy)
    result = run(server, "undeclared-content-type")
    assert result.status == "succeeded", result.error
    csv, json_body = server.received
    # the step's contentType is sent even when the operation does not list it
    assert (csv.headers["content-type"], csv.body) == ("text/csv", b"a,b\n1,2\n")
    # a replacement value that resolves to nothing leaves the payload as it is
    assert json_body.body == b'{"a":1}'
    assert len(warnings) == 2
    assert "'text/csv'" in warnings[0][0] and "does not list" in warnings[0][0]
    assert "'/a'" in warnings[1][0] and "resolved to nothing" in warnings[1][0]
