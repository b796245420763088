"""Credentials: which security requirement of an operation to satisfy, with what, and secrecy.

An operation's ``security`` lists alternatives; each alternative names one or more schemes that
must all be satisfied together (``security: []``, or an empty alternative ``{}``: nothing is
needed).  The first alternative whose schemes all have credentials is applied (design.md §2.3):

* http ``basic``: ``Authorization: Basic base64(username:password)``;
* any other http scheme (``bearer``, ...) with a token: ``Authorization: <Scheme> <token>``;
* ``apiKey``: the key in the header, query parameter or cookie the scheme names;
* ``oauth2`` client credentials: a token fetched from the flow's ``tokenUrl`` (client id and
  secret as HTTP basic auth, ``grant_type=client_credentials`` and the requirement's scopes as
  a form body), once per :class:`TokenCache` (one per Runner) until its ``expires_in`` runs out;
  the token request is a :class:`~.engine.Send` effect like every other request;
* ``oauth2`` / ``openIdConnect`` with a token obtained beforehand: ``Authorization: Bearer``.

No alternative satisfied: the request goes without credentials after one
:class:`~.results.MissingCredentials` notice naming the variables to set, unless the run was
made with ``require_auth`` (then :func:`missing_credentials` stops it before any request).

A credential goes only to the server its request was built for: :func:`guard_redirect` strips
it from redirect hops to another origin.  :class:`Secrets` collects the secret strings of a run
(credentials, the headers made of them, fetched tokens, ``format: password`` inputs) and
replaces them with ``***`` in everything a run records.
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import time
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from ..credentials import FIELDS, SECRET_FIELDS, accepted_fields, env_variable, scheme_fields, scheme_type
from ..errors import ArazzoError, ExecutionError, UsageError
from .engine import Exchange, Send
from .inputs import resolve_schema
from .results import REDACTED, CredentialUsed, MissingCredentials

__all__ = [
    "Credentials",
    "AuthError",
    "TokenError",
    "normalize_credentials",
    "read_dotenv",
    "environment_credentials",
    "choose_alternative",
    "missing_credentials",
    "reachable_operations",
    "password_inputs",
    "Token",
    "TokenCache",
    "Secrets",
    "Credential",
    "Authorization",
    "Applied",
    "Authenticator",
    "CredentialedSend",
    "guard_redirect",
    "host_of",
]

Credentials = dict[str, dict[str, dict[str, str]]]
"""``{SOURCE: {SCHEME: {field: value}}}``, fields lower-cased (``username``, ``token``, ...)."""

_FIELD_NAMES = frozenset(f.lower() for f in FIELDS)
_MIN_SECRET = 3  # shorter strings are not searched for in free text (they would shred it)


class AuthError(ExecutionError):
    """The run needs credentials that were not given (``--require-auth``): exit code 2."""

    type = "auth"

    def __init__(self, message: str, variables: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.variables = tuple(variables)


class TokenError(Exception):
    """An OAuth2 token could not be obtained; ``kind`` is ``auth``, ``network`` or ``timeout``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


# ---------------------------------------------------------------- where credentials come from


def normalize_credentials(credentials: Mapping[str, Any] | None) -> Credentials:
    """``credentials=`` checked and copied: field names lower-cased, values strings.

    Raises UsageError for a shape other than ``{SOURCE: {SCHEME: {field: value}}}`` or an
    unknown field (the message never shows a value).
    """
    if credentials is None:
        return {}
    shape = "credentials must be {SOURCE: {SCHEME: {field: value}}}"
    if not isinstance(credentials, Mapping):
        raise UsageError(f"{shape}, not {type(credentials).__name__}")
    checked: Credentials = {}
    for source, schemes in credentials.items():
        if not isinstance(source, str) or not isinstance(schemes, Mapping):
            raise UsageError(f"{shape}: the entry for {source!r} is not a mapping of schemes")
        for scheme, given in schemes.items():
            if not isinstance(scheme, str) or not isinstance(given, Mapping):
                raise UsageError(f"{shape}: {source}/{scheme} is not a mapping of fields")
            values: dict[str, str] = {}
            for name, value in given.items():
                key = str(name).lower()
                if key not in _FIELD_NAMES:
                    known = ", ".join(sorted(_FIELD_NAMES))
                    raise UsageError(f"credentials {source}/{scheme}: unknown field {name!r} (fields: {known})")
                if not isinstance(value, str):
                    raise UsageError(f"credentials {source}/{scheme}: {key} must be a string")
                values[key] = value
            checked.setdefault(source, {})[scheme] = values
    return checked


def read_dotenv(path: str = ".env") -> dict[str, str]:
    """``NAME=VALUE`` lines of a ``.env`` file: ``export``, ``#`` comments (whole lines, and
    after an unquoted value) and quotes allowed; a file that cannot be read gives nothing."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    values: dict[str, str] = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        name, sep, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name:
            continue
        if len(value) >= 2 and value[0] in "'\"" and value[-1] == value[0]:
            value = value[1:-1]
        else:
            value = re.sub(r"\s+#.*$", "", value)
        values[name] = value
    return values


def environment_credentials(
    description: Any, environ: Mapping[str, str] | None = None, dotenv: str | None = ".env"
) -> Credentials:
    """Credentials from ``ARAZZO_<SOURCE>_<SCHEME>_<FIELD>`` variables (design.md §2.3) for
    every security scheme of the OpenAPI sources of ``description`` (nested Arazzo documents
    included): ``environ`` (default ``os.environ``) wins over the ``dotenv`` file."""
    environment = {**(read_dotenv(dotenv) if dotenv else {}), **(os.environ if environ is None else environ)}
    found: Credentials = {}
    for name, schemes in _source_schemes(description, set()):
        for scheme_name, scheme in schemes.items():
            if not isinstance(scheme, Mapping):
                continue
            for field_name in accepted_fields(scheme):
                variable = env_variable(name, scheme_name, field_name)
                if variable in environment:
                    found.setdefault(name, {}).setdefault(scheme_name, {})[field_name.lower()] = environment[variable]
    return found


def _source_schemes(description: Any, seen: set[int]) -> Iterable[tuple[str, Mapping[str, Any]]]:
    """(source name, securitySchemes) of each OpenAPI source, nested Arazzo sources included."""
    if id(description) in seen:
        return
    seen.add(id(description))
    for source in description.document.source_descriptions:
        name = source.name
        if not isinstance(name, str):
            continue
        try:
            kind = description.source(name).type
            if kind == "openapi":
                yield name, description.openapi(name).security_schemes
            elif kind == "arazzo":
                yield from _source_schemes(description.arazzo(name), seen)
        except ArazzoError:
            continue  # the run reports it where the source is used


# ---------------------------------------------------------------- which alternative


def _token_url(scheme: Mapping[str, Any]) -> str | None:
    flows = scheme.get("flows")
    flow = flows.get("clientCredentials") if isinstance(flows, Mapping) else None
    url = flow.get("tokenUrl") if isinstance(flow, Mapping) else None
    return url if isinstance(url, str) and url else None


def _usable(scheme: Any, given: Mapping[str, str] | None) -> bool:
    """Whether ``given`` satisfies ``scheme`` (one this runner can apply)."""
    if not isinstance(scheme, Mapping):
        return False
    kind = scheme.get("type")
    given = given or {}
    if kind == "http":
        if str(scheme.get("scheme", "")).lower() == "basic":
            return "username" in given and "password" in given
        return "token" in given and bool(scheme.get("scheme"))
    if kind == "apiKey":
        return "key" in given and scheme.get("in") in ("header", "query", "cookie") and bool(scheme.get("name"))
    if kind == "oauth2":
        return "token" in given or (
            "client_id" in given and "client_secret" in given and _token_url(scheme) is not None
        )
    if kind == "openIdConnect":
        return "token" in given
    return kind == "mutualTLS"  # the TLS client certificate (--client-cert) is the credential


def choose_alternative(
    requirements: list[dict[str, list[str]]], schemes: Mapping[str, Any], given: Mapping[str, Mapping[str, str]]
) -> tuple[dict[str, list[str]] | None, list[dict[str, list[str]]]]:
    """(the alternative to apply, or None; the alternatives none of which could be met).

    The first alternative whose schemes all have credentials wins; none, and no empty
    alternative (``{}``, "authentication optional") either: the second item lists them all.
    """
    optional = False
    for alternative in requirements:
        if not alternative:
            optional = True
        elif all(_usable(schemes.get(name), given.get(name)) for name in alternative):
            return alternative, []
    return None, [] if optional or not requirements else list(requirements)


def _describe_missing(
    source: str, alternatives: list[dict[str, list[str]]], schemes: Mapping[str, Any]
) -> tuple[str, tuple[str, ...]]:
    """``no credentials for api/basic (http basic): set ARAZZO_..._USERNAME and ..._PASSWORD``."""
    whats: list[str] = []
    sets: list[str] = []
    variables: list[str] = []
    for alternative in alternatives:
        names: list[str] = []
        needed: list[str] = []
        for name in alternative:
            scheme = schemes.get(name)
            if isinstance(scheme, Mapping):
                names.append(f"{source}/{name} ({scheme_type(scheme)})")
                needed.extend(env_variable(source, name, f) for f in scheme_fields(scheme))
            else:
                names.append(f"{source}/{name} (not in components.securitySchemes)")
        whats.append(" + ".join(names))
        sets.append(" and ".join(needed) or "nothing this runner can supply")
        variables.extend(v for v in needed if v not in variables)
    message = f"no credentials for {' or '.join(whats)}: set {', or '.join(sets)}"
    return message, tuple(variables)


def reachable_operations(description: Any, workflow: Any, cache: dict[Any, Any] | None = None) -> list[tuple[Any, Any]]:
    """(description, OperationTarget) of every operation step a run of ``workflow`` can reach:
    its steps, sub-workflows, action targets and dependencies (resolved as the Runner plans)."""
    from ..targets import resolve_operation, resolve_workflow
    from .actions import merge_actions

    found: list[tuple[Any, Any]] = []
    seen: set[tuple[str, str]] = set()
    cache = cache if cache is not None else {}

    def visit(description: Any, workflow: Any) -> None:
        key = (description.uri, workflow.workflow_id or "")
        if key in seen:
            return
        seen.add(key)
        for index, name in enumerate(workflow.depends_on):
            target = resolve_workflow(description, name, workflow.location.child("dependsOn", index))
            visit(target.description, target.workflow)
        components = description.document.components
        for step in workflow.steps:
            if step.kind == "operation":
                cache_key = ("operation", id(description), id(step))
                if cache_key not in cache:
                    cache[cache_key] = resolve_operation(description, step)
                found.append((description, cache[cache_key]))
            elif step.kind == "workflow":
                target = resolve_workflow(description, step.workflow_id, step.location.child("workflowId"))
                visit(target.description, target.workflow)
            actions = [
                *merge_actions(step.on_success, workflow.success_actions, components, "successActions"),
                *merge_actions(step.on_failure, workflow.failure_actions, components, "failureActions"),
            ]
            for action in actions:
                if action.workflow_id is not None:
                    target = resolve_workflow(description, action.workflow_id, action.location.child("workflowId"))
                    visit(target.description, target.workflow)

    visit(description, workflow)
    return found


def missing_credentials(
    description: Any, workflow: Any, credentials: Mapping[str, Any] | None, cache: dict[Any, Any] | None = None
) -> list[tuple[str, tuple[str, ...]]]:
    """(message, variables) for each security requirement a run of ``workflow`` cannot meet
    with ``credentials`` (each distinct one once)."""
    given = normalize_credentials(credentials)
    problems: list[tuple[str, tuple[str, ...]]] = []
    for owner, target in reachable_operations(description, workflow, cache):
        schemes = owner.openapi(target.source).security_schemes
        chosen, unmet = choose_alternative(target.operation.security, schemes, given.get(target.source, {}))
        if chosen is None and unmet:
            problem = _describe_missing(target.source, unmet, schemes)
            if problem not in problems:
                problems.append(problem)
    return problems


# ---------------------------------------------------------------- secrets


def password_inputs(schema: Any, value: Any, document: Mapping[str, Any] | None = None, depth: int = 0) -> set[str]:
    """The strings of ``value`` that its schema marks ``format: password`` (nested too)."""
    found: set[str] = set()
    schema = resolve_schema(schema, document)
    if not isinstance(schema, Mapping) or depth > 32:
        return found
    if schema.get("format") == "password" and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        found.add(str(value))
    for keyword in ("allOf", "anyOf", "oneOf"):
        branches = schema.get(keyword)
        for branch in branches if isinstance(branches, list) else []:
            found |= password_inputs(branch, value, document, depth + 1)
    if isinstance(value, Mapping):
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            sub = properties.get(key, extra if isinstance(extra, Mapping) else None)
            if sub is not None:
                found |= password_inputs(sub, item, document, depth + 1)
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for item in value:
            found |= password_inputs(schema["items"], item, document, depth + 1)
    return found


class Secrets:
    """The secret strings of one run, and their replacement by ``***`` in what it records.

    Each secret is also searched in the forms it takes in a request: URL-encoded and as a
    JSON string.  Strings shorter than 3 characters are not searched in free text (headers
    and query parameters that carry credentials are redacted by name whatever their length).
    """

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()
        for value in values:
            self.add(value)

    def add(self, value: Any) -> None:
        if not isinstance(value, str) or len(value) < _MIN_SECRET:
            return
        forms = {value, quote_plus(value), quote(value, safe=""), json.dumps(value)[1:-1]}
        forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
        new = {form for form in forms if len(form) >= _MIN_SECRET} - self._values
        if new:
            with self._lock:
                self._values |= new
                self._pattern = None

    def __bool__(self) -> bool:
        return bool(self._values)

    def __contains__(self, value: object) -> bool:
        return value in self._values

    def text(self, text: str) -> str:
        """``text`` with every secret replaced by ``***``."""
        if not self._values:
            return text
        pattern = self._pattern
        if pattern is None:
            with self._lock:
                ordered = sorted(self._values, key=len, reverse=True)  # the longest form first
                pattern = self._pattern = re.compile("|".join(re.escape(v) for v in ordered))
        return pattern.sub(REDACTED, text)

    def value(self, value: Any) -> Any:
        """``value`` redacted: strings, containers and dataclasses (frozen ones copied,
        others such as StepResult and RunResult updated in place with new values)."""
        if not self._values:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, tuple):
            return tuple(self.value(item) for item in value)
        if is_dataclass(value) and not isinstance(value, type):
            changes = {f.name: self.value(getattr(value, f.name)) for f in fields(value) if f.init}
            if getattr(value, "__dataclass_params__").frozen:  # noqa: B009 - a dataclass internal
                return replace(value, **changes)
            for name, item in changes.items():
                setattr(value, name, item)  # new containers: the engine's own stay untouched
            return value
        return value

    def error(self, error: ArazzoError) -> ArazzoError:
        """``error`` with its message (and listed problems) redacted, in place."""
        if self._values:
            error.message = self.text(error.message)
            error.args = tuple(self.text(a) if isinstance(a, str) else a for a in error.args)
            problems = getattr(error, "problems", None)
            if isinstance(problems, list):
                error.problems = [self.text(p) if isinstance(p, str) else p for p in problems]  # type: ignore[attr-defined]
        return error


# ---------------------------------------------------------------- tokens


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


def _read_token(exchange: Exchange, what: str, url: str, now: float) -> Token:
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


# ---------------------------------------------------------------- applying credentials


@dataclass(frozen=True, slots=True)
class Credential:
    """One piece of a credential: ``value`` goes into header/query/cookie ``name``."""

    source: str
    scheme: str
    type: str
    where: str  # header | query | cookie
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Applied:
    """A request with its credentials: what to send, and what to record and guard."""

    url: str
    shown_url: str  # the URL as recorded: credential query values are ***
    headers: list[tuple[str, str]]  # with the Cookie header
    secret_headers: frozenset[str]  # lower-case names whose values are recorded as ***
    used: tuple[tuple[str, str, str], ...]  # (source, scheme, type) of each credential sent
    credential_headers: frozenset[str] = frozenset()
    credential_query: frozenset[str] = frozenset()
    credential_cookies: tuple[tuple[str, str], ...] = ()


def _redact_query(url: str, names: frozenset[str]) -> str:
    if not names or "?" not in url:
        return url
    parts = urlsplit(url)
    pieces = []
    for piece in parts.query.split("&"):
        name, sep, _ = piece.partition("=")
        pieces.append(f"{name}={REDACTED}" if sep and unquote_plus(name) in names else piece)
    return urlunsplit(parts._replace(query="&".join(pieces)))


@dataclass(frozen=True, slots=True)
class Authorization:
    """The credentials chosen for one request, and the names under which the source's
    schemes carry secrets (redacted in records even when a step set them itself)."""

    credentials: tuple[Credential, ...] = ()
    redact_headers: frozenset[str] = frozenset()
    redact_query: frozenset[str] = frozenset()

    def apply(self, url: str, headers: Iterable[tuple[str, str]], cookies: Mapping[str, str]) -> Applied:
        """``url``, ``headers`` and ``cookies`` (as the step built them) with the credentials
        added; a header, query parameter or cookie the step sets itself is left as it is."""
        headers = list(headers)
        cookies = dict(cookies)
        taken_headers = {name.lower() for name, _ in headers}
        query_names = {unquote_plus(p.partition("=")[0]) for p in urlsplit(url).query.split("&") if p}
        added_headers, added_query, added_cookies, used = set(), set(), [], []
        query: list[tuple[str, str]] = []
        for credential in self.credentials:
            if credential.where == "header" and credential.name.lower() not in taken_headers:
                headers.append((credential.name, credential.value))
                taken_headers.add(credential.name.lower())
                added_headers.add(credential.name.lower())
            elif credential.where == "query" and credential.name not in query_names:
                query.append((credential.name, credential.value))
                query_names.add(credential.name)
                added_query.add(credential.name)
            elif credential.where == "cookie" and credential.name not in cookies:
                cookies[credential.name] = credential.value
                added_cookies.append((credential.name, credential.value))
            else:
                continue
            use = (credential.source, credential.scheme, credential.type)
            if use not in used:
                used.append(use)
        if query:
            text = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query)
            url = f"{url}{'&' if '?' in url else '?'}{text}"
        if cookies:
            headers.append(("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items())))
        secret_query = self.redact_query | added_query
        return Applied(
            url,
            _redact_query(url, secret_query),
            headers,
            self.redact_headers | added_headers,
            tuple(used),
            frozenset(added_headers),
            frozenset(added_query),
            tuple(added_cookies),
        )


@dataclass(frozen=True, slots=True)
class CredentialedSend(Send):
    """A :class:`~.engine.Send` carrying credentials: the driver strips them from redirect
    hops to another origin (:func:`guard_redirect`)."""

    credential_headers: frozenset[str] = frozenset()
    credential_query: frozenset[str] = frozenset()
    credential_cookies: tuple[tuple[str, str], ...] = ()


def host_of(url: str) -> str:
    """``host`` or ``host:port`` (a port written in the URL) of ``url``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port is not None else host


def _origin(url: str | httpx.URL) -> tuple[str, str, int | None]:
    parsed = httpx.URL(url)
    return parsed.scheme, parsed.host, parsed.port or {"http": 80, "https": 443}.get(parsed.scheme)


_ALWAYS_STRIPPED = ("authorization", "proxy-authorization")


def guard_redirect(request: httpx.Request, send: Send) -> None:
    """Make an httpx redirect hop of ``send`` safe: to another origin (scheme, host, port),
    no Authorization, Proxy-Authorization nor any credential header or query parameter goes;
    to the same origin, the credential cookies (dropped with the step's Cookie header) come back."""
    if _origin(request.url) != _origin(send.url):
        for name in (*_ALWAYS_STRIPPED, *getattr(send, "credential_headers", ())):
            if name in request.headers:
                del request.headers[name]
        for name in getattr(send, "credential_query", ()):
            if name in request.url.params:
                request.url = request.url.copy_remove_param(name)
        return
    cookies = getattr(send, "credential_cookies", ())
    if cookies:
        own = "; ".join(f"{k}={v}" for k, v in cookies)
        stored = request.headers.get("cookie")
        request.headers["cookie"] = f"{own}; {stored}" if stored else own


class Authenticator:
    """Applies credentials to the requests of one run (the Runner makes one per run).

    ``credentials`` is ``{SOURCE: {SCHEME: {...}}}`` (design.md §2.3); ``tokens`` the Runner's
    token cache; ``clock`` the Runner's clock (token expiry); ``secrets`` the run's secrets,
    to which every credential value and fetched token is added.  ``warnings`` collects the
    missing-credential messages given.
    """

    def __init__(
        self,
        credentials: Mapping[str, Any] | None = None,
        *,
        tokens: TokenCache | None = None,
        clock: Any = time.monotonic,
        secrets: Secrets | None = None,
    ) -> None:
        self.credentials = normalize_credentials(credentials)
        self.tokens = tokens if tokens is not None else TokenCache()
        self.clock = clock
        self.secrets = secrets if secrets is not None else Secrets()
        self.warnings: list[str] = []
        self._warned: set[str] = set()
        for schemes in self.credentials.values():
            for given in schemes.values():
                for name, value in given.items():
                    if name in SECRET_FIELDS:
                        self.secrets.add(value)

    def authorize(
        self,
        source: str,
        operation: Any,
        schemes: Mapping[str, Any],
        server: str,
        *,
        dry_run: bool = False,
        timeout: float = 30.0,
        max_bytes: int = 52_428_800,
        workflow_id: str = "",
        step_id: str = "",
    ) -> Generator[Any, Any, Authorization]:
        """The credentials for one request of ``operation`` (of ``source``, on ``server``).

        Yields a MissingCredentials notice (once per run and requirement) when none of the
        operation's alternatives can be met, and, for an OAuth2 token not yet cached, a
        CredentialUsed event and the token request's Send.  Raises TokenError.
        """
        redact_headers = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
        redact_query: set[str] = set()
        for scheme in schemes.values():
            if isinstance(scheme, Mapping) and scheme.get("type") == "apiKey" and isinstance(scheme.get("name"), str):
                if scheme.get("in") == "header":
                    redact_headers.add(scheme["name"].lower())
                elif scheme.get("in") == "query":
                    redact_query.add(scheme["name"])
        given = self.credentials.get(source, {})
        chosen, unmet = choose_alternative(operation.security, schemes, given)
        if chosen is None:
            if unmet:
                message, variables = _describe_missing(source, unmet, schemes)
                if message not in self._warned:
                    self._warned.add(message)
                    message_shown = f"{message} (its requests are sent without credentials)"
                    self.warnings.append(message_shown)
                    yield MissingCredentials(message_shown, step_id or None, source, variables)
            return Authorization((), frozenset(redact_headers), frozenset(redact_query))
        credentials: list[Credential] = []
        for name, scopes in chosen.items():
            scheme = schemes[name]
            found = yield from self._credentials(
                source, name, scheme, given.get(name, {}), scopes, server,
                dry_run=dry_run, timeout=timeout, max_bytes=max_bytes, workflow_id=workflow_id, step_id=step_id,
            )  # fmt: skip
            credentials.extend(found)
        return Authorization(tuple(credentials), frozenset(redact_headers), frozenset(redact_query))

    def _credentials(
        self,
        source: str,
        name: str,
        scheme: Mapping[str, Any],
        given: Mapping[str, str],
        scopes: list[str],
        server: str,
        **send: Any,
    ) -> Generator[Any, Any, list[Credential]]:
        kind, label = scheme.get("type"), scheme_type(scheme)

        def piece(where: str, header_or_param: str, value: str) -> list[Credential]:
            self.secrets.add(value)
            return [Credential(source, name, label, where, header_or_param, value)]

        if kind == "http":
            written = str(scheme.get("scheme", ""))
            if written.lower() == "basic":
                encoded = base64.b64encode(f"{given['username']}:{given['password']}".encode()).decode("ascii")
                self.secrets.add(encoded)
                return piece("header", "Authorization", f"Basic {encoded}")
            prefix = "Bearer" if written.lower() == "bearer" else written
            return piece("header", "Authorization", f"{prefix} {given['token']}")
        if kind == "apiKey":
            return piece(str(scheme["in"]), str(scheme["name"]), given["key"])
        if kind in ("oauth2", "openIdConnect"):
            if "token" in given:
                return piece("header", "Authorization", f"Bearer {given['token']}")
            token = yield from self._token(source, name, scheme, given, scopes, server, **send)
            return piece("header", "Authorization", token.header)
        return []  # mutualTLS: the client certificate is the TLS layer's

    def _token(
        self,
        source: str,
        name: str,
        scheme: Mapping[str, Any],
        given: Mapping[str, str],
        scopes: list[str],
        server: str,
        *,
        dry_run: bool,
        timeout: float,
        max_bytes: int,
        workflow_id: str,
        step_id: str,
    ) -> Generator[Any, Any, Token]:
        url = urljoin(server, _token_url(scheme) or "")  # a relative tokenUrl is the server's
        key = (source, name, url, given["client_id"], tuple(scopes))
        now = self.clock()
        token = self.tokens.get(key, now)
        if token is not None:
            self.secrets.add(token.value)
            return token
        if dry_run:
            return Token(REDACTED)  # nothing is sent in a dry run, the token request neither
        # RFC 6749 §2.3.1: client id and secret are form-encoded before the Basic encoding
        pair = f"{quote_plus(given['client_id'])}:{quote_plus(given['client_secret'])}"
        encoded = base64.b64encode(pair.encode()).decode("ascii")
        self.secrets.add(encoded)
        form = {"grant_type": "client_credentials", **({"scope": " ".join(scopes)} if scopes else {})}
        headers = [
            ("Authorization", f"Basic {encoded}"),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "application/json"),
        ]
        yield CredentialUsed(source, name, scheme_type(scheme), host_of(url), workflow_id, step_id)
        exchange = yield Send("POST", url, headers, urlencode(form).encode("ascii"), timeout, False, max_bytes)
        token = _read_token(exchange, f"{source}/{name}", url, now)
        self.secrets.add(token.value)
        self.tokens.put(key, token)
        return token
