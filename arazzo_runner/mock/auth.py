"""Credentials checked against security requirements, and the OAuth2 token endpoints the mock serves."""

from __future__ import annotations

import base64
import binascii
import json
import random
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urljoin

from ..openapi.index import OpenAPIIndex
from .error_responses import Errors
from .messages import MockRequest, MockResponse, media_kind
from .routes import Base, RouteMatch, base_from_url

__all__ = ["Auth", "TokenRoute", "token_routes"]

KEPT_TOKENS = 10_000
"""Issued tokens the mock accepts: the newest (with ``require_auth``, an older one answers 401)."""

TokenRoute = tuple[Base, str, tuple[str, ...], list[str]]
"""(base, scheme name, grant types, scopes) of an OAuth2 token URL."""


def token_routes(index: OpenAPIIndex) -> list[TokenRoute]:
    """(base, scheme name, grant types, scopes) of each OAuth2 token URL declared."""
    endpoints: list[TokenRoute] = []
    root = index.servers[0].expand() if index.servers else "/"
    by_url: dict[str, tuple[str, list[str], list[str]]] = {}
    for name, scheme in index.security_schemes.items():
        if not isinstance(scheme, dict) or scheme.get("type") != "oauth2":
            continue
        flows = scheme.get("flows")
        if not isinstance(flows, dict):
            continue
        for flow_name, grant in (("clientCredentials", "client_credentials"), ("password", "password")):
            flow = flows.get(flow_name)
            if not isinstance(flow, dict) or not isinstance(flow.get("tokenUrl"), str):
                continue
            url = flow["tokenUrl"]
            if "://" not in url:
                url = urljoin(root.rstrip("/") + "/", url) if "://" in root else url
            scopes = list(flow.get("scopes") or {}) if isinstance(flow.get("scopes"), dict) else []
            entry = by_url.setdefault(url, (name, [], []))
            entry[1].append(grant)
            entry[2].extend(s for s in scopes if s not in entry[2])
    for url, (name, grants, scopes) in by_url.items():
        endpoints.append((base_from_url(url), name, tuple(grants), scopes))
    return endpoints


def _basic_user(credentials: str, strict: bool) -> str | None:
    """The user of HTTP Basic ``credentials`` (base64 of ``user:password``); None when it cannot
    be read or names no user.  ``strict`` refuses characters outside the base64 alphabet."""
    try:
        user, sep, _ = base64.b64decode(credentials, validate=strict).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user if sep and user else None


class Auth:
    """Checks requests for credentials (``require_auth``) and issues OAuth2 tokens."""

    def __init__(self, index: OpenAPIIndex, errors: Errors, rng: Callable[..., random.Random], host_mode: str) -> None:
        self.index = index
        self.errors = errors
        self.rng = rng
        self.host_mode = host_mode
        self.routes = token_routes(index)
        self.reset()

    def reset(self) -> None:
        """Forget every issued token."""
        self.tokens: dict[str, list[str]] = {}
        self.token_count = 0

    def _credential_present(self, name: str, request: MockRequest, query: str) -> bool:
        scheme = self.index.security_schemes.get(name)
        if not isinstance(scheme, dict):
            return True
        kind = scheme.get("type")
        authorization = (request.header("authorization") or "").strip()
        word, _, value = authorization.partition(" ")
        if kind == "http":
            expected = str(scheme.get("scheme", "")).lower()
            if word.lower() != expected or not value.strip():
                return False
            if expected == "basic":
                return _basic_user(value.strip(), strict=True) is not None
            return True
        if kind == "apiKey":
            key_name, where = str(scheme.get("name", "")), scheme.get("in")
            if where == "header":
                return bool(request.header(key_name))
            if where == "query":
                return bool(parse_qs(query).get(key_name))
            if where == "cookie":
                cookie = request.header("cookie") or ""
                return any(part.strip().startswith(key_name + "=") for part in cookie.split(";"))
            return True
        if kind in ("oauth2", "openIdConnect"):
            if word.lower() != "bearer" or not value.strip():
                return False
            served = any(scheme_name == name for _, scheme_name, _, _ in self.routes)
            return not served or value.strip() in self.tokens
        return True

    def problem(self, match: RouteMatch, request: MockRequest, query: str) -> MockResponse | None:
        """401 when the request meets none of the operation's security requirements."""
        operation = match.route.operation
        requirements = operation.security
        if not requirements or any(not requirement for requirement in requirements):
            return None
        for requirement in requirements:
            if all(self._credential_present(name, request, query) for name in requirement):
                return None
        names = [" + ".join(requirement) for requirement in requirements]
        message = f"Authentication required: send credentials for {' or '.join(names)}"
        first = self.index.security_schemes.get(next(iter(requirements[0])))
        error = self.errors.error(401, message, match)
        if not any(name.lower() == "www-authenticate" for name, _ in error.headers):
            title = self.index.title or "mock"
            kind = (
                first.get("scheme", "bearer") if isinstance(first, dict) and first.get("type") == "http" else "Bearer"
            )
            if isinstance(first, dict) and first.get("type") == "apiKey":
                kind = "ApiKey"
            error.headers.append(("WWW-Authenticate", f'{str(kind).capitalize()} realm="{title}"'))
        return error

    def token_endpoint(self, method: str, host: str, port: int | None, path: str) -> Any:
        """(scheme name, grant types, scopes) when the request is a POST to a token URL."""
        if method != "POST":
            return None
        for mode in ("strict", "path") if self.host_mode == "lenient" else (self.host_mode,):
            for base, name, grants, scopes in self.routes:
                end = base.match(host, port, path, mode)
                if end is not None and path[end:].strip("/") == "":
                    return name, grants, scopes
        return None

    def issue_token(self, request: MockRequest, name: str, grants: tuple[str, ...], scopes: list[str]) -> MockResponse:
        """The token endpoint's answer: a new bearer token, or an OAuth2 error."""
        fields: dict[str, str] = {}
        kind = media_kind(request.header("content-type"))
        if kind == "json":
            try:
                loaded = json.loads(request.body or b"{}")
                fields = {k: str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
            except ValueError:
                fields = {}
        else:
            fields = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        headers = [("Cache-Control", "no-store")]

        def oauth_error(status: int, code: str, description: str) -> MockResponse:
            extra = [("WWW-Authenticate", 'Basic realm="token"')] if status == 401 else []
            body = json.dumps({"error": code, "error_description": description}).encode()
            return MockResponse(status, [("Content-Type", "application/json"), *headers, *extra], body, "oauth2 token")

        grant = fields.get("grant_type")
        if not grant:
            return oauth_error(400, "invalid_request", "grant_type is required")
        if grant not in grants:
            return oauth_error(400, "unsupported_grant_type", f"grant_type must be {' or '.join(grants)}")
        client = fields.get("client_id")
        authorization = request.header("authorization") or ""
        if authorization.lower().startswith("basic "):
            client = _basic_user(authorization[6:].strip(), strict=False) or client
        if not client:
            return oauth_error(401, "invalid_client", "client authentication failed: send client_id and client_secret")
        self.token_count += 1
        rng = self.rng("token", self.token_count)
        token = f"mock-{rng.getrandbits(128):032x}"
        granted = fields.get("scope", "").split() or scopes
        self.tokens[token] = granted
        if len(self.tokens) > KEPT_TOKENS:
            # the oldest is forgotten as if it had expired, so that the mock's memory stays
            # bounded however many clients ask for a token
            del self.tokens[next(iter(self.tokens))]
        body: dict[str, Any] = {"access_token": token, "token_type": "Bearer", "expires_in": 3600}
        if granted:
            body["scope"] = " ".join(granted)
        return MockResponse(200, [("Content-Type", "application/json"), *headers], json.dumps(body).encode(),
                            "oauth2 token")  # fmt: skip
