"""Credentials go only where the user means (issue 10, point 7).

* never over plain http to a host that is not this machine, unless allowed;
* a credential pinned to hosts (``hosts``, ``ARAZZO_<SOURCE>_<SCHEME>_HOSTS``) goes to those
  hosts only: elsewhere the request goes without it after a warning, and ``require_auth``
  stops the run before any request;
* the user's own headers (``headers=``, ``-H``) go on every operation request, never on a token
  request or to another origin, and are redacted like credentials;
* ``--env-file``.

Requests go to HTTP servers on loopback addresses the tests start, or to an
``httpx.MockTransport``; a test that would reach another host fails before it connects.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import yaml

import arazzo_runner
from arazzo_runner.credentials import host_matches, parse_hosts
from arazzo_runner.errors import UsageError
from arazzo_runner.execution.auth import (
    Authenticator,
    AuthError,
    CredentialRefused,
    environment_credentials,
    is_loopback,
    missing_credentials,
    normalize_credentials,
)
from arazzo_runner.execution.engine import Exchange, Send
from arazzo_runner.execution.results import MissingCredentials
from arazzo_runner.loading.sources import load

from .test_auth import (
    BASIC_PASSWORD,
    BASIC_USER,
    BEARER,
    CLIENT_ID,
    CLIENT_SECRET,
    CREDENTIALS,
    DATA,
    DOC,
    HEADER_KEY,
    Server,
    basic,
    cli,
)
from .test_auth import clean_environment as _clean_environment

clean_environment = _clean_environment  # the fixture: no ARAZZO_* variable, no ./.env

SCHEMES: dict[str, Any] = {
    **yaml.safe_load((DATA / "secured.openapi.yaml").read_text(encoding="utf-8"))["components"]["securitySchemes"],
    "plainTokenUrl": {
        "type": "oauth2",
        "flows": {"clientCredentials": {"tokenUrl": "http://auth.example.invalid/token", "scopes": {}}},
    },
    "foreignTokenUrl": {
        "type": "oauth2",
        "flows": {"clientCredentials": {"tokenUrl": "https://auth.elsewhere.example/token", "scopes": {}}},
    },
    "tls": {"type": "mutualTLS"},
}
TRACE = "trace-header-secret-8e1f"
HOSTS_VARIABLE = "ARAZZO_SECURED_BASICAUTH_HOSTS"


def authorize(
    authenticator: Authenticator, security: list[dict[str, list[str]]], server: str, *, dry_run: bool = False
) -> tuple[Any, list[Any], list[Send]]:
    """Drive ``authorize`` as the engine does: (the Authorization, events, Sends); a token
    request is answered with a token."""
    generator = authenticator.authorize("secured", SimpleNamespace(security=security), SCHEMES, server, dry_run=dry_run)
    events: list[Any] = []
    sends: list[Send] = []
    reply: Any = None
    try:
        while True:
            item = generator.send(reply)
            reply = None
            if isinstance(item, Send):
                sends.append(item)
                reply = Exchange(200, [("Content-Type", "application/json")], b'{"access_token": "fetched-token-1"}')
            else:
                events.append(item)
    except StopIteration as stop:
        return stop.value, events, sends


# ---------------------------------------------------------------- host patterns


@pytest.mark.parametrize(
    ("patterns", "host", "matches"),
    [
        ("api.example.com", "api.example.com", True),
        ("api.example.com", "API.Example.COM.", True),  # case and a trailing dot
        ("api.example.com", "x.api.example.com", False),
        ("api.example.com", "api.example.com.evil.net", False),
        ("*.example.org", "eu.example.org", True),
        ("*.example.org", "a.b.example.org", True),
        ("*.example.org", "example.org", False),  # the domain itself: name it too
        ("*.example.org", "evilexample.org", False),
        ("*.example.org,example.org", "example.org", True),
        ("127.0.0.1", "127.0.0.1", True),
        ("127.0.0.1", "127.0.0.2", False),
        ("[::1]", "::1", True),
        ("::1", "[::1]", True),
        ("localhost", "127.0.0.1", False),  # names and addresses are not resolved
    ],
)
def test_host_patterns_match_the_host_only(patterns: str, host: str, matches: bool) -> None:
    assert host_matches(host, parse_hosts(patterns)) is matches


@pytest.mark.parametrize(
    "value",
    ["https://api.example.com", "api.example.com:443", "api.example.com/v1", "*", "*example.org", "a.*.org",
     "127.0.0.1:8080", "", " , ", ["api.example.com", 7], 42],
)  # fmt: skip
def test_hosts_that_are_not_host_patterns_are_refused(value: Any) -> None:
    with pytest.raises(UsageError, match=r"credentials secured/basicAuth: hosts") as raised:
        normalize_credentials({"secured": {"basicAuth": {"username": "u", "password": "p", "hosts": value}}})
    assert "api.example.com" in str(raised.value)  # an example of what to write


def test_hosts_are_kept_beside_the_fields() -> None:
    given = {"basicAuth": {"username": "u", "password": "p", "HOSTS": ["API.example.com", "*.example.org", "[::1]"]}}
    assert normalize_credentials({"secured": given}) == {
        "secured": {"basicAuth": {"username": "u", "password": "p", "hosts": "api.example.com,*.example.org,::1"}}
    }
    from_string = normalize_credentials({"secured": {"bearerAuth": {"token": "t", "hosts": "a.example, b.example,"}}})
    assert from_string["secured"]["bearerAuth"]["hosts"] == "a.example,b.example"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("localhost", True), ("api.localhost", True), ("127.0.0.1", True), ("127.4.5.6", True), ("::1", True),
     ("[::1]", True), ("::ffff:127.0.0.1", True), ("example.invalid", False), ("localhost.example.com", False),
     ("10.0.0.1", False), ("0.0.0.0", False), ("::", False), ("128.0.0.1", False)],
)  # fmt: skip
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


# ---------------------------------------------------------------- where credentials come from


def test_hosts_and_fields_from_the_environment_and_an_env_file(clean_environment: Path) -> None:
    env_file = clean_environment / "staging.env"
    env_file.write_text(f"ARAZZO_SECURED_BASICAUTH_PASSWORD={BASIC_PASSWORD}\n{HOSTS_VARIABLE}=ignored.example\n")
    environ = {"ARAZZO_SECURED_BASICAUTH_USERNAME": BASIC_USER, HOSTS_VARIABLE: "API.example.com, *.example.org"}
    found = environment_credentials(load(DOC), environ=environ, env_file=str(env_file))
    assert found == {
        "secured": {
            "basicAuth": {"username": BASIC_USER, "password": BASIC_PASSWORD, "hosts": "api.example.com,*.example.org"}
        }
    }
    # no ./.env: nothing, and no error; an env file named that is not there: an error
    assert environment_credentials(load(DOC), environ={}) == {}
    with pytest.raises(UsageError, match=r"env file .*missing\.env: No such file"):
        environment_credentials(load(DOC), environ={}, env_file=str(clean_environment / "missing.env"))
    with pytest.raises(UsageError, match=rf"{HOSTS_VARIABLE}: hosts: 'https://x' is not a host name"):
        environment_credentials(load(DOC), environ={HOSTS_VARIABLE: "https://x"})


def test_cli_env_file(clean_environment: Path) -> None:
    code, _, err = cli("run", DOC, "-w", "basic", "--env-file", "nowhere.env", "--dry-run")
    assert code == 2 and "env file nowhere.env" in err


# ---------------------------------------------------------------- plain http


BASIC = [{"basicAuth": []}]
PLAIN_HTTP_CASES = [
    # (id, credentials, security, server, allow_insecure, refused: the host named, or None)
    ("basic-to-another-host", {"basicAuth": {"username": "u", "password": "pw-1"}}, BASIC,
     "http://example.invalid/v1", False, "example.invalid"),
    ("bearer-to-a-port", {"bearerAuth": {"token": BEARER}}, [{"bearerAuth": []}],
     "http://api.example.com:8080", False, "api.example.com"),
    ("query-key-to-an-address", {"queryKey": {"key": "qk-123"}}, [{"queryKey": []}],
     "http://10.0.0.5/", False, "10.0.0.5"),
    ("client-secret-to-a-plain-token-url", {"plainTokenUrl": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}},
     [{"plainTokenUrl": []}], "https://api.example.com", False, "http://auth.example.invalid/token"),
    ("basic-over-https", {"basicAuth": {"username": "u", "password": "pw-1"}}, BASIC,
     "https://example.invalid/v1", False, None),
    ("basic-to-127.0.0.2", {"basicAuth": {"username": "u", "password": "pw-1"}}, BASIC,
     "http://127.0.0.2:9/", False, None),
    ("basic-to-localhost", {"basicAuth": {"username": "u", "password": "pw-1"}}, BASIC,
     "http://localhost:9/", False, None),
    ("basic-to-ipv6-loopback", {"basicAuth": {"username": "u", "password": "pw-1"}}, BASIC,
     "http://[::1]:9/", False, None),
    ("basic-allowed", {"basicAuth": {"username": "u", "password": "pw-1"}}, BASIC,
     "http://example.invalid/v1", True, None),
    ("a-token-given-needs-no-token-url", {"plainTokenUrl": {"token": "pre-token"}}, [{"plainTokenUrl": []}],
     "https://api.example.com", False, None),
    ("mutual-tls-sends-nothing-over-http", {}, [{"tls": []}], "http://example.invalid", False, None),
    ("no-credential-nothing-to-refuse", {}, BASIC, "http://example.invalid", False, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("credentials", "security", "server", "allow", "refused"),
    [case[1:] for case in PLAIN_HTTP_CASES],
    ids=[case[0] for case in PLAIN_HTTP_CASES],
)
@pytest.mark.parametrize("dry_run", [False, True])
def test_no_credential_over_plain_http_to_another_machine(
    credentials: Any, security: Any, server: str, allow: bool, refused: str | None, dry_run: bool
) -> None:
    authenticator = Authenticator({"secured": credentials}, allow_insecure=allow)
    generator = authenticator.authorize("secured", SimpleNamespace(security=security), SCHEMES, server, dry_run=dry_run)
    if refused is None:
        authorization, _, _ = authorize(authenticator, security, server, dry_run=dry_run)
        assert len(authorization.credentials) == (1 if credentials and "tls" not in credentials else 0)
        return
    with pytest.raises(CredentialRefused) as raised:
        next(generator)  # the refusal comes before anything is yielded: no token request either
    error = raised.value
    assert error.kind == "auth"
    assert f"over plain http to {refused}" in error.message or f"token endpoint {refused}" in error.message
    assert "--allow-insecure-credentials" in error.message and "allow_insecure_credentials=True" in error.message


def _recording() -> tuple[list[httpx.Request], httpx.MockTransport]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    return seen, httpx.MockTransport(handler)


def test_a_basic_credential_towards_plain_http_is_refused_before_any_connection() -> None:
    seen, transport = _recording()
    options = {"servers": {"secured": "http://example.invalid/v1"}, "credentials": CREDENTIALS, "transport": transport}
    with arazzo_runner.Runner(DOC, **options) as runner:
        results = [runner.run("basic"), asyncio.run(runner.run_async("basic"))]
        assert runner.run("none").succeeded  # nothing to send: nothing refused
    for result in results:
        assert result.status == "failed" and result.error is not None
        assert result.error.type == "auth" and result.error.step_id == "call"
        assert "plain http to example.invalid" in result.error.message
        assert BASIC_PASSWORD not in json.dumps(result.to_dict())
    assert [str(r.url) for r in seen] == ["http://example.invalid/v1/none"]


def test_allow_insecure_credentials_sends_them() -> None:
    seen, transport = _recording()
    options = {"servers": {"secured": "http://example.invalid/v1"}, "credentials": CREDENTIALS, "transport": transport}
    with arazzo_runner.Runner(DOC, allow_insecure_credentials=True, **options) as runner:
        assert runner.run("basic").succeeded
    (request,) = seen
    assert request.headers["authorization"] == basic(BASIC_USER, BASIC_PASSWORD)


def test_cli_refuses_plain_http_with_exit_1(clean_environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARAZZO_SECURED_BASICAUTH_USERNAME", BASIC_USER)
    monkeypatch.setenv("ARAZZO_SECURED_BASICAUTH_PASSWORD", BASIC_PASSWORD)
    code, out, err = cli("run", DOC, "-w", "basic", "--server", "secured=http://example.invalid/v1", "--json")
    assert code == 1, err
    data = json.loads(out)
    assert data["status"] == "failed" and data["error"]["type"] == "auth"
    assert "--allow-insecure-credentials" in data["error"]["message"]
    assert data["steps"][0]["response"] is None  # nothing was sent


# ---------------------------------------------------------------- pinned to hosts


def test_a_pinned_credential_goes_to_its_hosts_only() -> None:
    pinned = {"basicAuth": {"username": "u", "password": "pw-pinned", "hosts": "api.example.com,*.example.org"}}
    authenticator = Authenticator({"secured": pinned})
    for server in ("https://api.example.com/v1", "https://eu.example.org:8443"):
        authorization, events, _ = authorize(authenticator, BASIC, server)
        assert [c.name for c in authorization.credentials] == ["Authorization"] and events == []
    authorization, events, _ = authorize(authenticator, BASIC, "https://evil.example.net/v1")
    assert authorization.credentials == ()
    (warning,) = events
    assert isinstance(warning, MissingCredentials) and warning.variables == (HOSTS_VARIABLE,)
    assert "pinned to api.example.com,*.example.org" in warning.message
    assert "not to evil.example.net" in warning.message and HOSTS_VARIABLE in warning.message
    # once per credential and host
    assert authorize(authenticator, BASIC, "https://evil.example.net/other")[1] == []
    assert len(authorize(authenticator, BASIC, "https://other.example.net")[1]) == 1
    assert len(authenticator.warnings) == 2


def test_a_pinned_client_secret_does_not_go_to_a_token_url_elsewhere() -> None:
    given = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "hosts": "api.example.com"}
    authenticator = Authenticator({"secured": {"foreignTokenUrl": given}})
    authorization, events, sends = authorize(authenticator, [{"foreignTokenUrl": []}], "https://api.example.com")
    assert authorization.credentials == () and sends == []
    (warning,) = events
    assert "not to auth.elsewhere.example" in warning.message


def test_a_pinned_away_credential_gives_way_to_the_next_alternative() -> None:
    credentials = {"headerKey": {"key": HEADER_KEY, "hosts": "api.example.com"}, "bearerAuth": {"token": BEARER}}
    authenticator = Authenticator({"secured": credentials})
    security = [{"headerKey": []}, {"bearerAuth": []}]
    authorization, events, _ = authorize(authenticator, security, "https://other.example.com")
    assert [(c.scheme, c.value) for c in authorization.credentials] == [("bearerAuth", f"Bearer {BEARER}")]
    (warning,) = events  # the one it would have sent is named
    assert "secured/headerKey" in warning.message


def test_missing_credentials_counts_a_pinned_away_credential_on_the_runs_servers() -> None:
    description = load(DOC)
    workflow = description.document.workflow("basic")
    pinned = {"secured": {"basicAuth": {"username": "u", "password": "p", "hosts": "api.example.invalid"}}}
    assert missing_credentials(description, workflow, pinned) == []  # the document's own server
    servers = {"secured": "http://127.0.0.1:9/v1"}
    ((message, variables),) = missing_credentials(description, workflow, pinned, servers=servers)
    assert variables == (HOSTS_VARIABLE,)
    assert "not to 127.0.0.1" in message and "pinned to api.example.invalid" in message


@pytest.fixture
def legit() -> Iterator[Server]:
    server = Server()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(
    params=[
        "by-name",
        pytest.param(
            "by-address",
            marks=pytest.mark.skipif(sys.platform != "linux", reason="only Linux answers on all of 127.0.0.0/8"),
        ),
    ]
)
def layout(request: pytest.FixtureRequest, legit: Server) -> Iterator[tuple[str, str, Server]]:
    """(the host the credential is pinned to, the legitimate server's URL, another server on
    this machine that a document from elsewhere points the same source at)."""
    if request.param == "by-name":  # two ports; the credential is pinned to the name localhost
        other = Server()
        pinned, url = "localhost", f"http://localhost:{legit.port}"
    else:  # two addresses
        other = Server("127.0.0.2")
        pinned, url = "127.0.0.1", legit.url
    try:
        yield pinned, url, other
    finally:
        other.close()


def test_a_pinned_credential_is_not_sent_to_another_loopback_host(
    legit: Server, layout: tuple[str, str, Server]
) -> None:
    pinned, legit_url, other = layout
    credentials = {"secured": {"basicAuth": {"username": BASIC_USER, "password": BASIC_PASSWORD, "hosts": [pinned]}}}
    with arazzo_runner.Runner(DOC, credentials=credentials, servers={"secured": f"{other.url}/v1"}) as runner:
        events = list(runner.iter_events("basic"))
    result = events[-1].result
    assert result.succeeded  # this server asks for nothing
    (seen,) = other.requests
    assert "authorization" not in seen.headers
    (warning,) = [e for e in events if isinstance(e, MissingCredentials)]
    assert f"not to {other.address}" in warning.message and result.warnings == [warning.message]
    with arazzo_runner.Runner(DOC, credentials=credentials, servers={"secured": f"{legit_url}/v1"}) as runner:
        assert runner.run("basic").succeeded
    (sent,) = legit.requests
    assert sent.headers["authorization"] == basic(BASIC_USER, BASIC_PASSWORD)


def test_require_auth_stops_a_run_whose_credential_is_pinned_elsewhere(legit: Server) -> None:
    other = legit
    pinned = {"secured": {"basicAuth": {"username": "u", "password": "p", "hosts": ["api.example.invalid"]}}}
    runner = arazzo_runner.Runner(DOC, credentials=pinned, servers={"secured": f"{other.url}/v1"}, require_auth=True)
    with runner, pytest.raises(AuthError) as raised:
        runner.run("basic")
    assert raised.value.exit_code == 2 and raised.value.variables == (HOSTS_VARIABLE,)
    assert "not to 127.0.0.1" in raised.value.message
    assert other.requests == []
    # pinned to the server the run uses: it runs
    here = {"secured": {"basicAuth": {"username": "u", "password": "p", "hosts": ["127.0.0.1"]}}}
    with arazzo_runner.Runner(DOC, credentials=here, servers={"secured": f"{other.url}/v1"}, require_auth=True) as ok:
        assert ok.run("basic").succeeded
    assert other.requests[0].headers["authorization"] == basic("u", "p")


def test_cli_pinned_credential_warns_and_require_auth_exits_2(
    legit: Server, clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARAZZO_SECURED_BASICAUTH_USERNAME", BASIC_USER)
    monkeypatch.setenv("ARAZZO_SECURED_BASICAUTH_PASSWORD", BASIC_PASSWORD)
    monkeypatch.setenv(HOSTS_VARIABLE, "api.example.invalid")
    argv = ["run", DOC, "-w", "basic", "--server", f"secured={legit.url}/v1"]
    code, _, err = cli(*argv)
    assert code == 0, err
    assert err.count("warning: the credential for secured/basicAuth (http basic) is pinned") == 1
    assert HOSTS_VARIABLE in err and "authorization" not in legit.requests[0].headers
    legit.requests.clear()
    code, out, err = cli(*argv, "--require-auth", "--json")
    assert code == 2 and json.loads(out)["error"]["type"] == "auth" and HOSTS_VARIABLE in err
    assert legit.requests == []


def test_show_lists_the_hosts_variable() -> None:
    code, out, _ = cli("show", DOC, "basic")
    assert code == 0 and f"{HOSTS_VARIABLE}=HOST,*.DOMAIN" in out
    code, out, _ = cli("show", DOC, "basic", "--json")
    assert code == 0 and json.loads(out)["credentials"][0]["hostsVariable"] == HOSTS_VARIABLE


# ---------------------------------------------------------------- the user's own headers


def test_user_headers_go_on_operation_requests_only_and_are_secret() -> None:
    authenticator = Authenticator(CREDENTIALS, headers=[("X-Trace-Token", TRACE), ("Accept", "text/x-own")])
    authorization, _, sends = authorize(authenticator, [{"clientCreds": ["read"]}], "https://api.example.com/v1")
    (token_request,) = sends
    assert not {"x-trace-token"} & {name.lower() for name, _ in token_request.headers}
    applied = authorization.apply(
        "https://api.example.com/v1/x", [("accept", "application/json"), ("X-Step", "kept")], {}
    )
    assert applied.headers == [
        ("X-Step", "kept"),
        ("X-Trace-Token", TRACE),
        ("Accept", "text/x-own"),  # the user's replaces the step's, as curl -H does
        ("Authorization", "Bearer fetched-token-1"),
    ]
    assert {"x-trace-token", "accept"} <= applied.secret_headers and {"x-trace-token"} <= applied.credential_headers
    assert TRACE in authenticator.secrets and authenticator.secrets.text(f"a {TRACE} b") == "a *** b"
    # no credentials needed: still on the request
    none, _, _ = authorize(authenticator, [], "https://api.example.com/v1")
    assert ("X-Trace-Token", TRACE) in none.apply("https://api.example.com/v1/x", [], {}).headers


def test_user_headers_are_redacted_and_not_sent_to_another_origin_or_the_token_url(
    legit: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = Server()
    try:
        options = {"servers": {"secured": f"{legit.url}/v1"}, "credentials": CREDENTIALS, "follow_redirects": True}
        with arazzo_runner.Runner(DOC, headers=[("X-Trace-Token", TRACE)], **options) as runner:
            redirected = runner.run("redirect", {"to": f"{other.url}/landing"})
            with_token = runner.run("client-credentials")
    finally:
        other.close()
    assert redirected.succeeded, redirected.error
    assert with_token.succeeded, with_token.error
    original = legit.requests[0]
    assert original.headers["x-trace-token"] == TRACE
    (landed,) = other.requests
    assert "x-trace-token" not in landed.headers
    (token_request,) = legit.token_requests()
    assert "x-trace-token" not in token_request.headers
    assert all(r.headers["x-trace-token"] == TRACE for r in legit.api_requests())
    for result in (redirected, with_token):
        assert result.steps[0].request is not None
        assert result.steps[0].request.headers["X-Trace-Token"] == "***"
        assert TRACE not in json.dumps(result.to_dict())


def test_cli_header_option_is_redacted(legit: Server, clean_environment: Path) -> None:
    argv = ["run", DOC, "-w", "none", "--server", f"secured={legit.url}/v1", "-H", f"X-Trace-Token: {TRACE}"]
    code, out, err = cli(*argv, "--json")
    assert code == 0, err
    assert legit.requests[0].headers["x-trace-token"] == TRACE
    assert json.loads(out)["steps"][0]["request"]["headers"]["X-Trace-Token"] == "***"
    assert TRACE not in out + err
