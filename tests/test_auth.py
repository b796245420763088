"""Credentials end to end (docs/credentials.md): each kind of security scheme,
alternatives and combinations, OAuth2 client credentials with a counting token endpoint,
redirects to another origin, missing credentials, the environment and ``./.env``, redaction of
every secret from every output, and the flagship Twilio workflow with HTTP basic auth.

Every request goes to HTTP servers on 127.0.0.1 that the tests start and stop.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import re
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import yaml

import arazzo_runner
from arazzo_runner.cli import main
from arazzo_runner.credentials import env_variable
from arazzo_runner.errors import ArazzoError, UsageError
from arazzo_runner.execution.auth import (
    AuthError,
    Secrets,
    environment_credentials,
    password_inputs,
    read_dotenv,
)
from arazzo_runner.execution.results import CredentialUsed, MissingCredentials
from arazzo_runner.loading.sources import load

from .paths import FLAGSHIP

DATA = Path(__file__).parent / "data" / "auth"
DOC = str(DATA / "auth.arazzo.yaml")
CASES = yaml.safe_load((DATA / "schemes.yaml").read_text(encoding="utf-8"))

BASIC_USER, BASIC_PASSWORD = "alice-user", "basic-pass-7f3a9c"
BEARER = "bearer-token-51d2e8"
HEADER_KEY, QUERY_KEY, COOKIE_KEY = "header-key-3e4f5a", "query-key-6b7c8d", "cookie-key-1a2b3c"
CLIENT_ID, CLIENT_SECRET = "client-id-xyz", "client-secret-4d5e6f"
PASSWORD_INPUT = "input-password-5f6a7b"

CREDENTIALS: dict[str, dict[str, dict[str, str]]] = {
    "secured": {
        "basicAuth": {"username": BASIC_USER, "password": BASIC_PASSWORD},
        "bearerAuth": {"token": BEARER},
        "headerKey": {"key": HEADER_KEY},
        "queryKey": {"key": QUERY_KEY},
        "cookieKey": {"key": COOKIE_KEY},
        "clientCreds": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    }
}
ENVIRONMENT = {
    "ARAZZO_SECURED_BASICAUTH_USERNAME": BASIC_USER,
    "ARAZZO_SECURED_BASICAUTH_PASSWORD": BASIC_PASSWORD,
    "ARAZZO_SECURED_BEARERAUTH_TOKEN": BEARER,
    "ARAZZO_SECURED_HEADERKEY_KEY": HEADER_KEY,
    "ARAZZO_SECURED_QUERYKEY_KEY": QUERY_KEY,
    "ARAZZO_SECURED_COOKIEKEY_KEY": COOKIE_KEY,
    "ARAZZO_SECURED_CLIENTCREDS_CLIENT_ID": CLIENT_ID,
    "ARAZZO_SECURED_CLIENTCREDS_CLIENT_SECRET": CLIENT_SECRET,
}


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# ---------------------------------------------------------------- the local servers


@dataclass(frozen=True)
class Seen:
    """A request a server received (header names lower-cased)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: str


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the handler threads

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class Server:
    """Echoes every request as JSON, except: ``/oauth/token`` (an OAuth2 token endpoint that
    counts its calls) and ``/v1/redirect?to=URL`` (302 to URL)."""

    def __init__(self, address: str = "127.0.0.1") -> None:
        self.requests: list[Seen] = []
        self.issued: list[str] = []
        self.expires_in: Any = 3600
        self.refuse_tokens = False
        self.lock = threading.Lock()
        self.address = address
        self.httpd = _HTTPServer((address, 0), _handler(self))
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01})
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.address}:{self.port}"

    @property
    def host(self) -> str:
        return f"{self.address}:{self.port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()

    def api_requests(self) -> list[Seen]:
        return [r for r in self.requests if r.path != "/oauth/token"]

    def token_requests(self) -> list[Seen]:
        return [r for r in self.requests if r.path == "/oauth/token"]

    def respond(self, seen: Seen) -> tuple[int, dict[str, str], Any]:
        if seen.path == "/oauth/token":
            return self.token(seen)
        target = seen.query.get("to", [""])[0]
        if seen.path == "/v1/redirect" and target.startswith("http"):
            return 302, {"Location": target}, {"redirected": True}
        return 200, {}, {"method": seen.method, "path": seen.path, "query": seen.query, "headers": seen.headers,
                         "body": seen.body}  # fmt: skip

    def token(self, seen: Seen) -> tuple[int, dict[str, str], Any]:
        form = parse_qs(seen.body)
        client_ok = seen.headers.get("authorization") == basic(CLIENT_ID, CLIENT_SECRET)
        if self.refuse_tokens or not client_ok or form.get("grant_type") != ["client_credentials"]:
            return 401, {}, {"error": "invalid_client", "error_description": "client authentication failed"}
        token = f"access-{len(self.issued) + 1}-{uuid.uuid4().hex}"
        self.issued.append(token)
        return 200, {"Cache-Control": "no-store"}, {
            "access_token": token, "token_type": "bearer", "expires_in": self.expires_in, "scope": form.get("scope"),
        }  # fmt: skip


def _handler(server: Any) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8") if length else ""
            parts = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            seen = Seen(self.command, parts.path, parse_qs(parts.query, keep_blank_values=True), headers, body)
            with server.lock:
                server.requests.append(seen)
            status, extra, payload = server.respond(seen)
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve  # noqa: N815 - http.server's names

    return Handler


@pytest.fixture
def api() -> Iterator[Server]:
    server = Server()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def elsewhere() -> Iterator[Server]:
    """A second server: another origin (another port)."""
    server = Server()
    try:
        yield server
    finally:
        server.close()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def make_runner(api: Server) -> Iterator[Callable[..., arazzo_runner.Runner]]:
    made: list[arazzo_runner.Runner] = []

    def make(**options: Any) -> arazzo_runner.Runner:
        options.setdefault("servers", {"secured": f"{api.url}/v1"})
        options.setdefault("timeout", 5.0)
        runner = arazzo_runner.Runner(DOC, **options)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.close()


def events_of(runner: arazzo_runner.Runner, workflow: str, inputs: dict[str, Any] | None = None) -> list[Any]:
    return list(runner.iter_events(workflow, inputs or {}))


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No ARAZZO_* credential variable set, and a working directory without a .env."""
    import os

    for name in list(os.environ):
        if name.startswith("ARAZZO_") and name != "ARAZZO_CACHE_DIR":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ---------------------------------------------------------------- each kind of scheme


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_each_kind_of_scheme(case: dict[str, Any], api: Server, make_runner: Any) -> None:
    runner = make_runner(credentials={"secured": case["credentials"]})
    events = events_of(runner, case["workflow"])
    result = events[-1].result
    assert result.status == "succeeded", result.error
    (seen,) = api.requests
    for name, value in case.get("header", {}).items():
        assert seen.headers.get(name) == value
    for name, value in case.get("query", {}).items():
        assert seen.query.get(name) == [value]
    # the one credential that was given, to the one host the request went to
    used = [e for e in events if isinstance(e, CredentialUsed)]
    scheme, kind = case["used"]
    assert [(e.source, e.scheme, e.type, e.host, e.step_id) for e in used] == [
        ("secured", scheme, kind, api.host, "call")
    ]
    # recorded redacted: headers by name, query parameters by name, and the secret anywhere
    request = result.steps[0].request
    for name in case.get("header", {}):
        shown = {k.lower(): v for k, v in request.headers.items()}
        assert shown[name] == "***"
    for name in case.get("query", {}):
        assert f"{name}=***" in request.url
    recorded = json.dumps([result.to_dict(), [e.to_dict() for e in events]], default=str)
    for secret in case["secrets"]:
        assert secret not in recorded
    assert "***" in json.dumps(result.outputs["echoed"])  # the server echoed it: redacted there too


def test_alternatives_take_the_first_one_with_credentials(api: Server, make_runner: Any) -> None:
    both = {"headerKey": {"key": HEADER_KEY}, "bearerAuth": {"token": BEARER}}
    assert make_runner(credentials={"secured": both}).run("alternatives").succeeded
    assert make_runner(credentials={"secured": {"bearerAuth": {"token": BEARER}}}).run("alternatives").succeeded
    first, second = api.requests
    assert first.headers.get("x-api-key") == HEADER_KEY and "authorization" not in first.headers
    assert second.headers.get("authorization") == f"Bearer {BEARER}" and "x-api-key" not in second.headers


def test_a_combination_needs_every_scheme(api: Server, make_runner: Any) -> None:
    only_one = make_runner(credentials={"secured": {"headerKey": {"key": HEADER_KEY}}})
    events = events_of(only_one, "combination")
    (missing,) = [e for e in events if isinstance(e, MissingCredentials)]
    assert missing.variables == ("ARAZZO_SECURED_HEADERKEY_KEY", "ARAZZO_SECURED_QUERYKEY_KEY")
    assert "ARAZZO_SECURED_HEADERKEY_KEY and ARAZZO_SECURED_QUERYKEY_KEY" in missing.message
    both = {"headerKey": {"key": HEADER_KEY}, "queryKey": {"key": QUERY_KEY}}
    events = events_of(make_runner(credentials={"secured": both}), "combination")
    assert {e.scheme for e in events if isinstance(e, CredentialUsed)} == {"headerKey", "queryKey"}
    without, with_both = api.requests
    assert "x-api-key" not in without.headers and "api_key" not in without.query  # nothing, not half
    assert with_both.headers["x-api-key"] == HEADER_KEY and with_both.query["api_key"] == [QUERY_KEY]


def test_empty_security_sends_no_credentials(api: Server, make_runner: Any) -> None:
    events = events_of(make_runner(credentials=CREDENTIALS), "none")
    assert events[-1].result.succeeded
    (seen,) = api.requests
    assert not {"authorization", "x-api-key", "cookie"} & set(seen.headers) and seen.query == {}
    assert not [e for e in events if isinstance(e, (CredentialUsed, MissingCredentials))]


def test_optional_security_is_used_when_given_and_not_warned_about(api: Server, make_runner: Any) -> None:
    quiet = events_of(make_runner(), "optional")
    assert quiet[-1].result.succeeded and not [e for e in quiet if isinstance(e, MissingCredentials)]
    assert events_of(make_runner(credentials={"secured": {"bearerAuth": {"token": BEARER}}}), "optional")
    without, with_token = api.requests
    assert "authorization" not in without.headers
    assert with_token.headers["authorization"] == f"Bearer {BEARER}"


def test_credentials_are_checked_when_given(make_runner: Any) -> None:
    with pytest.raises(UsageError, match="unknown field 'user'") as raised:
        make_runner(credentials={"secured": {"basicAuth": {"user": "x", "password": "p4ssw0rd-value"}}})
    assert "p4ssw0rd-value" not in str(raised.value)
    with pytest.raises(UsageError, match="must be a string"):
        make_runner(credentials={"secured": {"bearerAuth": {"token": 12345}}})
    with pytest.raises(UsageError):
        make_runner(credentials={"secured": ["basicAuth"]})
    runner = make_runner(credentials={"secured": {"bearerAuth": {"TOKEN": BEARER}}})
    assert runner.credentials == {"secured": {"bearerAuth": {"token": BEARER}}}


# ---------------------------------------------------------------- OAuth2 client credentials


def test_client_credentials_token_is_fetched_once_and_again_after_it_expires(api: Server, make_runner: Any) -> None:
    clock = Clock()
    runner = make_runner(credentials=CREDENTIALS, clock=clock)
    events = events_of(runner, "client-credentials")
    assert events[-1].result.succeeded, events[-1].result.error
    (token_request,) = api.token_requests()
    assert token_request.method == "POST"
    assert token_request.headers["authorization"] == basic(CLIENT_ID, CLIENT_SECRET)
    assert token_request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(token_request.body) == {"grant_type": ["client_credentials"], "scope": ["read write"]}
    first = api.issued[0]
    assert [r.headers["authorization"] for r in api.api_requests()] == [f"Bearer {first}"] * 3
    # the client secret went to the token endpoint (relative tokenUrl: the server's host), the
    # token to the API: both named
    used = [(e.scheme, e.host, e.step_id) for e in events if isinstance(e, CredentialUsed)]
    assert used[0] == ("clientCreds", api.host, "first") and len(used) == 4
    # the same Runner: the cached token, until it expires
    clock.now += 1000
    assert runner.run("client-credentials").succeeded
    assert len(api.issued) == 1
    clock.now += 2600  # 3600 s after the fetch: expired
    result = runner.run("client-credentials")
    assert result.succeeded and len(api.issued) == 2
    assert [r.headers["authorization"] for r in api.api_requests()][-3:] == [f"Bearer {api.issued[1]}"] * 3
    # neither the tokens nor the client secret are in what the runs recorded
    recorded = json.dumps([result.to_dict(), [e.to_dict() for e in events]], default=str)
    for secret in (*api.issued, CLIENT_SECRET, basic(CLIENT_ID, CLIENT_SECRET)[6:]):
        assert secret not in recorded
    # another Runner has its own cache
    assert make_runner(credentials=CREDENTIALS, clock=clock).run("client-credentials").succeeded
    assert len(api.issued) == 3


def test_a_token_without_expiry_is_kept(api: Server, make_runner: Any) -> None:
    api.expires_in = None
    clock = Clock()
    runner = make_runner(credentials=CREDENTIALS, clock=clock)
    assert runner.run("client-credentials").succeeded
    clock.now += 10**7
    assert runner.run("client-credentials").succeeded
    assert len(api.issued) == 1


def test_the_token_request_goes_through_the_runners_transport_sync_and_async() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "mock-access-token", "expires_in": 60})
        assert request.headers["authorization"] == "Bearer mock-access-token"
        return httpx.Response(200, json={})

    options = {"servers": {"secured": "https://api.test/v1"}, "credentials": CREDENTIALS}
    with arazzo_runner.Runner(DOC, transport=httpx.MockTransport(handler), **options) as runner:
        assert runner.run("client-credentials").succeeded
        assert asyncio.run(runner.run_async("client-credentials")).succeeded
    assert seen == ["POST /oauth/token"] + ["GET /v1/client-credentials"] * 6


def test_a_refused_token_request_fails_the_step_as_auth(api: Server, make_runner: Any) -> None:
    api.refuse_tokens = True
    result = make_runner(credentials=CREDENTIALS).run("client-credentials")
    assert result.status == "failed" and result.error is not None
    assert result.error.type == "auth" and result.error.step_id == "first"
    assert "401" in result.error.message and "invalid_client" in result.error.message
    assert api.api_requests() == []  # the API never saw a request without its token
    assert CLIENT_SECRET not in json.dumps(result.to_dict())


# ---------------------------------------------------------------- redirects


def test_credentials_never_follow_a_redirect_to_another_origin(
    api: Server, elsewhere: Server, make_runner: Any
) -> None:
    runner = make_runner(credentials=CREDENTIALS, follow_redirects=True)
    result = runner.run("redirect", {"to": f"{elsewhere.url}/landing"})
    assert result.succeeded, result.error
    (original,) = api.requests
    assert original.headers["authorization"] == basic(BASIC_USER, BASIC_PASSWORD)
    assert original.headers["x-api-key"] == HEADER_KEY and original.query["api_key"] == [QUERY_KEY]
    assert f"session_key={COOKIE_KEY}" in original.headers["cookie"]
    (landed,) = elsewhere.requests
    assert landed.path == "/landing"
    assert not {"authorization", "x-api-key", "cookie", "proxy-authorization"} & set(landed.headers)
    assert landed.query == {}
    for secret in (BASIC_PASSWORD, HEADER_KEY, QUERY_KEY, COOKIE_KEY):
        assert secret not in json.dumps(result.to_dict())


def test_credentials_follow_a_redirect_within_the_origin(api: Server, make_runner: Any) -> None:
    runner = make_runner(credentials=CREDENTIALS, follow_redirects=True)
    assert runner.run("redirect", {"to": f"{api.url}/v1/landing"}).succeeded
    _, landed = api.requests
    assert landed.path == "/v1/landing"
    assert landed.headers["authorization"] == basic(BASIC_USER, BASIC_PASSWORD)
    assert landed.headers["x-api-key"] == HEADER_KEY
    assert f"session_key={COOKIE_KEY}" in landed.headers["cookie"]


def test_redirect_guard_sync_and_async_on_a_transport() -> None:
    hops: list[tuple[str, dict[str, str]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hops.append((str(request.url), {k.lower(): v for k, v in request.headers.items()}))
        if request.url.path == "/v1/redirect":
            return httpx.Response(307, headers={"Location": request.url.params["to"]})
        return httpx.Response(200, json={})

    options = {"servers": {"secured": "https://api.test/v1"}, "credentials": CREDENTIALS, "follow_redirects": True}
    with arazzo_runner.Runner(DOC, transport=httpx.MockTransport(handler), **options) as runner:
        assert runner.run("redirect", {"to": "https://other.test/landing"}).succeeded
        assert asyncio.run(runner.run_async("redirect", {"to": "http://api.test/v1/landing"})).succeeded
    (_, first), (landing, stripped), (_, second), (downgraded, stripped_too) = hops
    assert first["authorization"] and first["x-api-key"] == HEADER_KEY
    assert landing == "https://other.test/landing"
    for headers in (stripped, stripped_too):  # another host; the same host on another scheme
        assert not {"authorization", "x-api-key"} & set(headers) and "session_key" not in headers.get("cookie", "")
    assert downgraded == "http://api.test/v1/landing" and second["x-api-key"] == HEADER_KEY


# ---------------------------------------------------------------- missing credentials


def test_missing_credentials_are_warned_about_once(api: Server, make_runner: Any) -> None:
    events = events_of(make_runner(), "client-credentials")
    result = events[-1].result
    assert result.succeeded  # the server decides: this one is open
    (missing,) = [e for e in events if isinstance(e, MissingCredentials)]
    assert missing.source == "secured"
    assert missing.variables == ("ARAZZO_SECURED_CLIENTCREDS_CLIENT_ID", "ARAZZO_SECURED_CLIENTCREDS_CLIENT_SECRET")
    assert result.warnings == [missing.message]
    assert api.token_requests() == [] and len(api.api_requests()) == 3
    assert not any("authorization" in r.headers for r in api.requests)


def test_missing_alternatives_name_every_way_to_supply_them(make_runner: Any) -> None:
    events = events_of(make_runner(), "alternatives")
    (missing,) = [e for e in events if isinstance(e, MissingCredentials)]
    assert "secured/headerKey (apiKey header) or secured/bearerAuth (http bearer)" in missing.message
    assert "set ARAZZO_SECURED_HEADERKEY_KEY, or ARAZZO_SECURED_BEARERAUTH_TOKEN" in missing.message


def test_require_auth_stops_before_any_request(api: Server, make_runner: Any) -> None:
    runner = make_runner(require_auth=True, credentials={"secured": {"basicAuth": {"username": "u", "password": "p"}}})
    with pytest.raises(AuthError) as raised:
        runner.run("client-credentials")
    error = raised.value
    assert error.type == "auth" and error.exit_code == 2 and isinstance(error, ArazzoError)
    assert error.variables == ("ARAZZO_SECURED_CLIENTCREDS_CLIENT_ID", "ARAZZO_SECURED_CLIENTCREDS_CLIENT_SECRET")
    assert "ARAZZO_SECURED_CLIENTCREDS_CLIENT_SECRET" in error.message
    assert api.requests == []
    assert make_runner(require_auth=True).run("none").succeeded  # nothing needed
    assert make_runner(require_auth=True).run("optional").succeeded
    assert make_runner(require_auth=True, credentials=CREDENTIALS).run("client-credentials").succeeded


def test_cli_warns_once_and_require_auth_exits_2(api: Server, clean_environment: Path) -> None:
    argv = ["run", DOC, "-w", "client-credentials", "--server", f"secured={api.url}/v1"]
    code, _, err = cli(*argv)
    assert code == 0, err
    assert err.count("warning: no credentials for secured/clientCreds (oauth2 clientCredentials)") == 1
    assert "ARAZZO_SECURED_CLIENTCREDS_CLIENT_ID and ARAZZO_SECURED_CLIENTCREDS_CLIENT_SECRET" in err
    api.requests.clear()
    code, out, err = cli(*argv, "--require-auth", "--json")
    assert code == 2
    data = json.loads(out)
    assert data["status"] == "error" and data["error"]["type"] == "auth" and data["steps"] == []
    assert "ARAZZO_SECURED_CLIENTCREDS_CLIENT_ID" in data["error"]["message"]
    assert "ARAZZO_SECURED_CLIENTCREDS_CLIENT_SECRET" in err
    assert api.requests == []


# ---------------------------------------------------------------- the environment and ./.env


def test_variable_names() -> None:
    assert env_variable("messagingApi", "accountSid_authToken", "USERNAME") == (
        "ARAZZO_MESSAGINGAPI_ACCOUNTSID_AUTHTOKEN_USERNAME"
    )
    assert env_variable("my-api.v2", "api key", "CLIENT_SECRET") == "ARAZZO_MY_API_V2_API_KEY_CLIENT_SECRET"


def test_environment_credentials_for_every_kind_of_scheme(clean_environment: Path) -> None:
    environ = {
        **ENVIRONMENT,
        "ARAZZO_SECURED_TOKENAUTH_TOKEN": "t1",
        "ARAZZO_SECURED_USEROAUTH_TOKEN": "t2",
        "ARAZZO_SECURED_OIDC_TOKEN": "t3",
        "ARAZZO_SECURED_CLIENTCREDS_TOKEN": "t4",  # a client credentials scheme takes a token too
        "ARAZZO_SECURED_HEADERKEY_PASSWORD": "ignored",  # not a field of an apiKey scheme
        "ARAZZO_OTHER_BASICAUTH_USERNAME": "ignored",  # no such source
    }
    found = environment_credentials(load(DOC), environ=environ)
    assert found == {
        "secured": {
            **CREDENTIALS["secured"],
            "clientCreds": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "token": "t4"},
            "tokenAuth": {"token": "t1"},
            "userOauth": {"token": "t2"},
            "oidc": {"token": "t3"},
        }
    }


def test_dotenv_is_read_and_the_environment_wins(clean_environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_environment / ".env").write_text(
        "# credentials\n"
        "export ARAZZO_SECURED_BASICAUTH_USERNAME='from-dotenv'\n"
        'ARAZZO_SECURED_BASICAUTH_PASSWORD="dotenv secret # not a comment"\n'
        "ARAZZO_SECURED_BEARERAUTH_TOKEN=dotenv-token  # a comment\n"
        "not a line\n",
        encoding="utf-8",
    )
    assert read_dotenv(".env") == {
        "ARAZZO_SECURED_BASICAUTH_USERNAME": "from-dotenv",
        "ARAZZO_SECURED_BASICAUTH_PASSWORD": "dotenv secret # not a comment",
        "ARAZZO_SECURED_BEARERAUTH_TOKEN": "dotenv-token",
    }
    monkeypatch.setenv("ARAZZO_SECURED_BASICAUTH_USERNAME", "from-environment")
    found = environment_credentials(load(DOC))
    assert found == {
        "secured": {
            "basicAuth": {"username": "from-environment", "password": "dotenv secret # not a comment"},
            "bearerAuth": {"token": "dotenv-token"},
        }
    }
    assert read_dotenv("missing.env") == {}


def test_cli_sends_credentials_from_dotenv_and_names_the_host(api: Server, clean_environment: Path) -> None:
    (clean_environment / ".env").write_text(f"ARAZZO_SECURED_BEARERAUTH_TOKEN={BEARER}\n", encoding="utf-8")
    code, _, err = cli("run", DOC, "-w", "bearer", "--server", f"secured={api.url}/v1")
    assert code == 0, err
    assert api.requests[0].headers["authorization"] == f"Bearer {BEARER}"
    assert f"credentials: secured/bearerAuth (http bearer) sent to {api.host}\n" in err
    assert BEARER not in err


# ---------------------------------------------------------------- redaction


def test_password_inputs_are_found_in_nested_schemas() -> None:
    schema = {
        "type": "object",
        "properties": {
            "login": {"$ref": "#/components/inputs/login"},
            "pins": {"type": "array", "items": {"type": "string", "format": "password"}},
            "plain": {"type": "string"},
        },
    }
    document = {"components": {"inputs": {"login": {"properties": {"secret": {"format": "password"}}}}}}
    value = {"login": {"secret": "s3cr3t"}, "pins": ["1234", "5678"], "plain": "visible"}
    assert password_inputs(schema, value, document) == {"s3cr3t", "1234", "5678"}


def test_secrets_are_replaced_in_their_encoded_forms_too() -> None:
    secrets = Secrets(['pa ss/wörd"x', "ab"])  # "ab" is too short to search for in free text
    text = 'a=pa+ss%2Fw%C3%B6rd%22x b="pa ss/wörd\\"x" c=pa ss/wörd"x ab'
    assert secrets.text(text) == 'a=*** b="***" c=*** ab'


def _secrets_of_a_run(api: Server) -> list[str]:
    return [
        BASIC_PASSWORD,
        basic(BASIC_USER, BASIC_PASSWORD)[6:],
        HEADER_KEY,
        QUERY_KEY,
        COOKIE_KEY,
        CLIENT_SECRET,
        basic(CLIENT_ID, CLIENT_SECRET)[6:],
        PASSWORD_INPUT,
        *api.issued,
    ]


def test_no_secret_in_any_output(api: Server, clean_environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    argv = ["run", DOC, "-w", "everything", "--server", f"secured={api.url}/v1", "-i", f"password={PASSWORD_INPUT}"]
    trace = clean_environment / "trace.jsonl"
    outputs: list[str] = []
    code, out, err = cli(*argv, "--json", "--trace", str(trace))
    assert code == 0, err
    data = json.loads(out)
    outputs += [out, err, trace.read_text(encoding="utf-8")]
    code, out, err = cli(*argv, "-v")
    assert code == 0, err
    outputs += [out, err]
    code, out, err = cli(*argv, "--dry-run")
    assert code == 0, err
    outputs += [out, err]
    # the Python API: the result, every event, and the errors it raises
    with arazzo_runner.Runner(DOC, servers={"secured": f"{api.url}/v1"}, credentials=CREDENTIALS) as runner:
        events = list(runner.iter_events("everything", {"password": PASSWORD_INPUT}))
        outputs.append(json.dumps([e.to_dict() for e in events], default=str))
        outputs.append(json.dumps(events[-1].result.to_dict()))
        with pytest.raises(ArazzoError) as raised:  # too short: the schema's message shows the value
            runner.run("everything", {"password": "tiny-pw"})
        outputs.append(str(raised.value))
        assert raised.value.type == "inputs"
    code, out, err = cli(*argv[:-1], "password=tiny-pw", "--json")
    assert code == 2 and "tiny-pw" not in out + err
    # the run did send every secret, and they came back in the echoed responses
    assert data["status"] == "succeeded"
    login, basic_step, keys, oauth = api.api_requests()[:4]
    assert json.loads(login.body)["password"] == PASSWORD_INPUT
    assert keys.query["api_key"] == [QUERY_KEY] and oauth.headers["authorization"] == f"Bearer {api.issued[0]}"
    assert data["outputs"]["password"] == "***"
    assert data["outputs"]["header"] == "***"
    assert "api_key=***" in data["outputs"]["url"]
    assert data["steps"][2]["request"]["url"].endswith("api_key=***")
    assert data["steps"][2]["request"]["headers"]["X-API-Key"] == "***"
    assert data["outputs"]["keys"]["headers"]["x-api-key"] == "***"
    assert data["outputs"]["keys"]["headers"]["authorization"] == "***"
    # nothing anywhere
    secrets = _secrets_of_a_run(api)
    assert len(api.issued) == 3  # one per Runner: two CLI runs and the Python one (a dry run fetches none)
    for text in outputs:
        for secret in secrets:
            assert secret not in text
    assert "tiny-pw" not in outputs[-1]


def test_credentials_used_are_printed_once_per_host(api: Server, clean_environment: Path, monkeypatch: Any) -> None:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    code, _, err = cli("run", DOC, "-w", "client-credentials", "--server", f"secured={api.url}/v1")
    assert code == 0, err
    line = f"credentials: secured/clientCreds (oauth2 clientCredentials) sent to {api.host}"
    assert err.splitlines().count(line) == 1
    code, _, err = cli("run", DOC, "-w", "client-credentials", "--server", f"secured={api.url}/v1", "-q")
    assert code == 0 and err == ""


# ---------------------------------------------------------------- the flagship: Twilio, basic auth

ACCOUNT_SID = "AC" + "f" * 32
AUTH_TOKEN = "twilio-auth-token-" + "9c" * 8
PHONE = "PN0123456789abcdef0123456789abcdef"


class Twilio(Server):
    """The three Messaging v1 routes the flagship uses, behind HTTP basic auth as Twilio does."""

    def __init__(self) -> None:
        self.services: dict[str, str] = {}
        super().__init__()

    def respond(self, seen: Seen) -> tuple[int, dict[str, str], Any]:
        if seen.headers.get("authorization") != basic(ACCOUNT_SID, AUTH_TOKEN):
            return 401, {"WWW-Authenticate": 'Basic realm="Twilio API"'}, {
                "code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003",
                "status": 401,
            }  # fmt: skip
        form = {k: v[-1] for k, v in parse_qs(seen.body).items()}
        parts = seen.path.strip("/").split("/")
        if seen.method == "POST" and parts == ["v1", "Services"]:
            sid = "MG" + uuid.uuid4().hex
            self.services[sid] = form["FriendlyName"]
            return 201, {}, {"sid": sid, "account_sid": ACCOUNT_SID, "friendly_name": form["FriendlyName"]}
        if len(parts) >= 3 and parts[2] in self.services:
            sid = parts[2]
            if seen.method == "POST" and parts[3:] == ["PhoneNumbers"]:
                return 201, {}, {"sid": form["PhoneNumberSid"], "service_sid": sid}
            if seen.method == "GET" and parts[3:] == []:
                return 200, {}, {"sid": sid, "account_sid": ACCOUNT_SID, "friendly_name": self.services[sid]}
        return 404, {}, {"code": 20404, "message": "The requested resource was not found", "status": 404}


@pytest.fixture
def twilio() -> Iterator[Twilio]:
    server = Twilio()
    try:
        yield server
    finally:
        server.close()


def test_flagship_with_basic_auth_from_the_environment(
    twilio: Twilio, clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = [
        "run", str(FLAGSHIP), "--server", f"messagingApi=http://127.0.0.1:{twilio.port}/v1",
        "-i", "friendlyName=Acme Alerts", "-i", f"phoneNumberSid={PHONE}",
    ]  # fmt: skip
    # without credentials: warned, and the server refuses
    code, _, err = cli(*argv)
    assert code == 1
    assert "ARAZZO_MESSAGINGAPI_ACCOUNTSID_AUTHTOKEN_USERNAME" in err and "401" in err
    twilio.requests.clear()
    monkeypatch.setenv("ARAZZO_MESSAGINGAPI_ACCOUNTSID_AUTHTOKEN_USERNAME", ACCOUNT_SID)
    monkeypatch.setenv("ARAZZO_MESSAGINGAPI_ACCOUNTSID_AUTHTOKEN_PASSWORD", AUTH_TOKEN)
    trace = clean_environment / "trace.jsonl"
    code, out, err = cli(*argv, "--trace", str(trace))
    assert code == 0, err
    (sid,) = twilio.services
    assert re.fullmatch(r"MG[0-9a-f]{32}", sid)
    assert out == f"serviceSid: {sid}\nfriendlyName: Acme Alerts\n"
    assert twilio.requests[0].body == "FriendlyName=Acme+Alerts"
    header = basic(ACCOUNT_SID, AUTH_TOKEN)
    assert [r.headers["authorization"] for r in twilio.requests] == [header] * 3
    line = f"credentials: messagingApi/accountSid_authToken (http basic) sent to 127.0.0.1:{twilio.port}"
    assert err.splitlines().count(line) == 1
    assert "warning" not in err
    code, json_out, json_err = cli(*argv, "--json")
    assert code == 0, json_err
    data = json.loads(json_out)
    assert all(step["request"]["headers"]["Authorization"] == "***" for step in data["steps"])
    for text in (out, err, trace.read_text(encoding="utf-8"), json_out, json_err):
        assert AUTH_TOKEN not in text and header not in text and header[6:] not in text
