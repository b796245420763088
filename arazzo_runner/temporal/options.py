"""The options of a run that travel with it to the workers, as JSON (camelCase, as in ``--json``).

Everything that says how requests are made travels: servers and their variables, the guards,
the response and request checks, the mock.  Credentials never do (each worker reads its own),
nor does what is the machine's own (TLS trust, proxies); ``-H`` headers travel sealed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["options_to_wire", "runner_keywords", "DEFAULT_MAX_HISTORY_BODY"]

DEFAULT_MAX_HISTORY_BODY = 65_536

# Runner keyword -> its name on the wire
_NAMES = {
    "servers": "servers",
    "server_variables": "serverVariables",
    "timeout": "timeout",
    "max_time": "maxTime",
    "max_steps": "maxSteps",
    "max_retry_after": "maxRetryAfter",
    "max_response_bytes": "maxResponseBytes",
    "follow_redirects": "followRedirects",
    "dry_run": "dryRun",
    "check_responses": "checkResponses",
    "check_requests": "checkRequests",
    "receive_timeout": "receiveTimeout",
    "require_auth": "requireAuth",
    "allow_insecure_credentials": "allowInsecureCredentials",
    "mock": "mock",
    "mock_seed": "mockSeed",
    "mock_items": "mockItems",
    "mock_max_items": "mockMaxItems",
}
_KEYWORDS = {wire: keyword for keyword, wire in _NAMES.items()}


def options_to_wire(keywords: Mapping[str, Any], max_history_body: int = DEFAULT_MAX_HISTORY_BODY) -> dict[str, Any]:
    """The travelling part of Runner ``keywords`` (the rest stays on this machine)."""
    wire: dict[str, Any] = {}
    for keyword, name in _NAMES.items():
        if keyword in keywords and keywords[keyword] is not None:
            value = keywords[keyword]
            if isinstance(value, Mapping):
                value = dict(value)
            elif isinstance(value, tuple):
                value = list(value)
            wire[name] = value
    wire["maxHistoryBody"] = max_history_body
    return wire


def runner_keywords(wire: Mapping[str, Any]) -> dict[str, Any]:
    """The Runner keywords of options on the wire."""
    return {_KEYWORDS[name]: value for name, value in wire.items() if name in _KEYWORDS}
