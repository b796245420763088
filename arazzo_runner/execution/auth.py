"""Credentials: which security requirement of an operation to satisfy, and applying it to requests.

An operation's ``security`` lists alternatives; each alternative names one or more schemes that
must all be satisfied together (``security: []``, or an empty alternative ``{}``: nothing is
needed).  The first alternative whose schemes all have credentials is applied (docs/credentials.md):

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

A credential goes only where the user means it to:

* never over plain ``http://`` to a host other than this machine (the step fails with
  :class:`CredentialRefused`, ``error.type`` ``auth``, before anything is sent), unless the run
  allows it (``allow_insecure_credentials``, ``--allow-insecure-credentials``);
* a credential pinned to hosts (``hosts``, ``ARAZZO_<SOURCE>_<SCHEME>_HOSTS``) goes to those
  hosts only, its OAuth2 token endpoint included: elsewhere the request goes without it after
  one warning per host, and :func:`missing_credentials` counts it as missing (``require_auth``);
* :func:`guard_redirect` strips it from redirect hops to another origin.

The user's own headers (``headers=``, ``-H``) go on every operation request (never on a token
request) and are treated as credentials: recorded as ``***``, stripped from other origins.

:class:`Secrets` collects the secret strings of a run (credentials, the headers made of them,
the user's headers, fetched tokens, ``format: password`` inputs) and replaces them with
``***`` in everything a run records.

The pieces live in their own modules and are all importable from here:
:mod:`.credentials_source` (where credentials come from), :mod:`.request_credentials`
(credentials on a request, redirect guards), :mod:`.credential_guards` (plain http and hosts a
credential is pinned to), :mod:`.tokens` (OAuth2 tokens) and :mod:`.redaction` (secrets kept
out of every output).
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urljoin

from ..credentials import SECRET_FIELDS, env_variable, scheme_fields, scheme_type
from ..errors import ExecutionError
from .credential_guards import CredentialRefused, pinned_message, refuse_plain_http, split_pinned
from .credentials_source import (
    Credentials,
    environment_credentials,
    normalize_credentials,
    read_dotenv,
)
from .redaction import Secrets, password_inputs
from .request_credentials import (
    Applied,
    Authorization,
    Credential,
    CredentialedSend,
    basic_credentials,
    guard_redirect,
    host_of,
    is_loopback,
)
from .results import REDACTED, CredentialUsed, MissingCredentials
from .tokens import Token, TokenCache, TokenError, read_token, token_request, token_url

__all__ = [
    "Credentials",
    "AuthError",
    "TokenError",
    "CredentialRefused",
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
    "is_loopback",
]


class AuthError(ExecutionError):
    """The run needs credentials that were not given (``--require-auth``): exit code 2."""

    type = "auth"

    def __init__(self, message: str, variables: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.variables = tuple(variables)


def _withheld(
    requirements: list[dict[str, list[str]]],
    schemes: Mapping[str, Any],
    given: Mapping[str, Mapping[str, str]],
    refused: Mapping[str, str],
) -> list[str]:
    """The pinned-away credentials the request would have carried were they not pinned."""
    if not refused:
        return []
    wanted, _ = choose_alternative(requirements, schemes, given)
    return [name for name in wanted or () if name in refused]


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
        return "token" in given or ("client_id" in given and "client_secret" in given and token_url(scheme) is not None)
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
    description: Any,
    workflow: Any,
    credentials: Mapping[str, Any] | None,
    cache: dict[Any, Any] | None = None,
    *,
    servers: Mapping[str, str] | None = None,
    server_variables: Mapping[str, str] | None = None,
) -> list[tuple[str, tuple[str, ...]]]:
    """(message, variables) for each security requirement a run of ``workflow`` cannot meet
    with ``credentials`` (each distinct one once), on the servers the run uses (``servers``
    and ``server_variables``: the run's overrides).  A credential pinned to other hosts than
    its operation's server (or token endpoint) counts as missing."""
    given = normalize_credentials(credentials)
    problems: list[tuple[str, tuple[str, ...]]] = []
    for owner, target in reachable_operations(description, workflow, cache):
        schemes = owner.openapi(target.source).security_schemes
        operation = target.operation
        server = (servers or {}).get(target.source) or operation.server_url(dict(server_variables or {}))
        all_given = given.get(target.source, {})
        allowed, refused = split_pinned(all_given, schemes, server)
        chosen, unmet = choose_alternative(operation.security, schemes, allowed)
        if chosen is not None:
            continue
        withheld = _withheld(operation.security, schemes, all_given, refused)
        found = [pinned_message(target.source, n, schemes.get(n), all_given[n], refused[n]) for n in withheld]
        pinned: list[tuple[str, tuple[str, ...]]] = [(message, (variable,)) for message, variable in found]
        for problem in pinned or ([_describe_missing(target.source, unmet, schemes)] if unmet else []):
            if problem not in problems:
                problems.append(problem)
    return problems


class Authenticator:
    """Applies credentials to the requests of one run (the Runner makes one per run).

    ``credentials`` is ``{SOURCE: {SCHEME: {...}}}`` (docs/credentials.md); ``tokens`` the Runner's
    token cache; ``clock`` the Runner's clock (token expiry); ``secrets`` the run's secrets,
    to which every credential value and fetched token is added.  ``allow_insecure``: credentials
    may go over plain http to other machines.  ``headers``: the user's headers (``-H``) for
    every operation request, secret like credentials.  ``warnings`` collects the
    missing-credential and pinned-credential messages given.
    """

    def __init__(
        self,
        credentials: Mapping[str, Any] | None = None,
        *,
        tokens: TokenCache | None = None,
        clock: Any = time.monotonic,
        secrets: Secrets | None = None,
        allow_insecure: bool = False,
        headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.credentials = normalize_credentials(credentials)
        self.tokens = tokens if tokens is not None else TokenCache()
        self.clock = clock
        self.secrets = secrets if secrets is not None else Secrets()
        self.allow_insecure = allow_insecure
        self.headers = tuple((str(name), str(value)) for name, value in headers)
        self.warnings: list[str] = []
        self._warned: set[str] = set()
        for _, value in self.headers:
            self.secrets.add(value)
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
        operation's alternatives can be met, one (once per credential and host) for a
        credential withheld because it is pinned to other hosts, and, for an OAuth2 token not
        yet cached, a CredentialUsed event and the token request's Send.  Raises TokenError,
        CredentialRefused (before anything is sent) for credentials over plain http to
        another machine.
        """
        redact_headers = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
        redact_query: set[str] = set()
        for scheme in schemes.values():
            if isinstance(scheme, Mapping) and scheme.get("type") == "apiKey" and isinstance(scheme.get("name"), str):
                if scheme.get("in") == "header":
                    redact_headers.add(scheme["name"].lower())
                elif scheme.get("in") == "query":
                    redact_query.add(scheme["name"])
        all_given = self.credentials.get(source, {})
        given, refused = split_pinned(all_given, schemes, server)
        chosen, unmet = choose_alternative(operation.security, schemes, given)
        withheld = _withheld(operation.security, schemes, all_given, refused)
        for name in withheld:
            message, variable = pinned_message(source, name, schemes.get(name), all_given[name], refused[name])
            yield from self._warn(message, step_id, source, (variable,))
        if chosen is None:
            if unmet and not withheld:
                message, variables = _describe_missing(source, unmet, schemes)
                yield from self._warn(
                    f"{message} (its requests are sent without credentials)", step_id, source, variables
                )
            return Authorization((), frozenset(redact_headers), frozenset(redact_query), self.headers)
        if not self.allow_insecure:
            refuse_plain_http(source, chosen, schemes, given, server)
        credentials: list[Credential] = []
        for name, scopes in chosen.items():
            scheme = schemes[name]
            found = yield from self._credentials(
                source, name, scheme, given.get(name, {}), scopes, server,
                dry_run=dry_run, timeout=timeout, max_bytes=max_bytes, workflow_id=workflow_id, step_id=step_id,
            )  # fmt: skip
            credentials.extend(found)
        return Authorization(tuple(credentials), frozenset(redact_headers), frozenset(redact_query), self.headers)

    def _warn(self, message: str, step_id: str, source: str, variables: tuple[str, ...]) -> Generator[Any, Any, None]:
        """One MissingCredentials notice per message and run (kept in ``warnings`` too)."""
        if message not in self._warned:
            self._warned.add(message)
            self.warnings.append(message)
            yield MissingCredentials(message, step_id or None, source, variables)

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
                encoded = basic_credentials(given["username"], given["password"])
                self.secrets.add(encoded)
                return piece("header", "Authorization", f"Basic {encoded}")
            prefix = "Bearer" if written.lower() == "bearer" else written
            return piece("header", "Authorization", f"{prefix} {given['token']}")
        if kind == "apiKey":
            return piece(str(scheme["in"]), str(scheme["name"]), given["key"])
        if kind in ("oauth2", "openIdConnect"):
            if "token" in given:
                return piece("header", "Authorization", f"Bearer {given['token']}")
            url = urljoin(server, token_url(scheme) or "")  # a relative tokenUrl is the server's
            token = yield from self._token(source, name, label, url, given, scopes, **send)
            return piece("header", "Authorization", token.header)
        return []  # mutualTLS: the client certificate is the TLS layer's

    def _token(
        self,
        source: str,
        name: str,
        label: str,
        url: str,
        given: Mapping[str, str],
        scopes: list[str],
        *,
        dry_run: bool,
        timeout: float,
        max_bytes: int,
        workflow_id: str,
        step_id: str,
    ) -> Generator[Any, Any, Token]:
        key = (source, name, url, given["client_id"], tuple(scopes))
        now = self.clock()
        token = self.tokens.get(key, now)
        if token is not None:
            self.secrets.add(token.value)
            return token
        if dry_run:
            return Token(REDACTED)  # nothing is sent in a dry run, the token request neither
        send, encoded = token_request(url, given["client_id"], given["client_secret"], scopes, timeout, max_bytes)
        self.secrets.add(encoded)
        yield CredentialUsed(source, name, label, host_of(url), workflow_id, step_id)
        exchange = yield send
        token = read_token(exchange, f"{source}/{name}", url, now)
        self.secrets.add(token.value)
        self.tokens.put(key, token)
        return token
