"""OAuth2 client-credentials tokens: the token request, its answer read, and the token cache."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlencode

from .engine import Exchange, Send
from .request_credentials import basic_credentials

__all__ = ["TokenError", "Token", "TokenCache", "token_url", "token_request", "read_token"]


class TokenError(Exception):
    """An OAuth2 token could not be obtained; ``kind`` is ``auth``, ``network`` or ``timeout``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class Token:
    """An OAuth2 access token; ``expires_at`` on the Runner's clock (None: no expiry given)."""

    value: str
    type: str = "Bearer"
    expires_at: float | None = None

    @property
    def header(self) -> str:
        return f"{self.type} {self.value}"


class TokenCache:
    """OAuth2 tokens by (source, scheme, token URL, scopes), each kept until it expires.

    One per Runner: every run of the Runner uses it, so a token is fetched once for many runs.
    """

    def __init__(self) -> None:
        self._tokens: dict[tuple[Any, ...], Token] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], now: float) -> Token | None:
        with self._lock:
            token = self._tokens.get(key)
            if token is not None and token.expires_at is not None and now >= token.expires_at:
                del self._tokens[key]
                return None
            return token

    def put(self, key: tuple[Any, ...], token: Token) -> None:
        with self._lock:
            self._tokens[key] = token

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


def token_url(scheme: Mapping[str, Any]) -> str | None:
    """The ``tokenUrl`` of an oauth2 scheme's client credentials flow, if it has one."""
    flows = scheme.get("flows")
    flow = flows.get("clientCredentials") if isinstance(flows, Mapping) else None
    url = flow.get("tokenUrl") if isinstance(flow, Mapping) else None
    return url if isinstance(url, str) and url else None


def token_request(
    url: str, client_id: str, client_secret: str, scopes: list[str], timeout: float, max_bytes: int
) -> tuple[Send, str]:
    """The client credentials token request to ``url``, and the encoded client id and secret
    it carries as HTTP basic auth (a secret of the run)."""
    # RFC 6749 §2.3.1: client id and secret are form-encoded before the Basic encoding
    encoded = basic_credentials(quote_plus(client_id), quote_plus(client_secret))
    form = {"grant_type": "client_credentials", **({"scope": " ".join(scopes)} if scopes else {})}
    headers = [
        ("Authorization", f"Basic {encoded}"),
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Accept", "application/json"),
    ]
    return Send("POST", url, headers, urlencode(form).encode("ascii"), timeout, False, max_bytes), encoded


def read_token(exchange: Exchange, what: str, url: str, now: float) -> Token:
    """The token in the answer to the token request for ``what``; raises TokenError."""
    if exchange.error is not None:
        raise TokenError(
            exchange.error_type or "network", f"the token request for {what} to {url} failed: {exchange.error}"
        )
    try:
        data = json.loads(exchange.content.decode("utf-8"))
    except ValueError:
        data = None
    if not 200 <= exchange.status_code < 300:
        reason = ""
        if isinstance(data, Mapping) and isinstance(data.get("error"), str):
            reason = f": {data['error']}"
            if isinstance(data.get("error_description"), str):
                reason += f" ({data['error_description']})"
        raise TokenError(
            "auth",
            f"the token endpoint {url} refused the client credentials of {what} with status {exchange.status_code}{reason}",
        )
    value = data.get("access_token") if isinstance(data, Mapping) else None
    if not isinstance(value, str) or not value:
        raise TokenError(
            "auth", f"the token endpoint {url} answered {exchange.status_code} without an access_token for {what}"
        )
    kind = data.get("token_type") if isinstance(data.get("token_type"), str) and data.get("token_type") else "Bearer"
    kind = "Bearer" if kind.lower() == "bearer" else kind
    lifetime = data.get("expires_in")
    try:
        seconds = float(lifetime) if lifetime is not None and not isinstance(lifetime, bool) else None
    except (TypeError, ValueError):
        seconds = None
    # renewed a little early (a tenth of its life, 30 s at most) so it does not expire in flight
    expires_at = None if seconds is None else now + seconds - min(30.0, seconds / 10)
    return Token(value, kind, expires_at)
