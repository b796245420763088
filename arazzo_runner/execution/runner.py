"""The public way to run workflows: :class:`Runner`, :func:`run` and :func:`run_async`.

A Runner loads and plans once, then runs as often as asked, sequentially or concurrently
with ``run_async``; each run has its own engine and its own cookie jar, so nothing leaks
from one run into the next.  The drivers here are the only code that touches the network.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any

import httpx

from ..errors import ArazzoError, DocumentError, UsageError
from ..model import FailureAction, Workflow
from .actions import merge_actions
from .auth import (
    Authenticator,
    AuthError,
    Secrets,
    TokenCache,
    guard_redirect,
    missing_credentials,
    normalize_credentials,
    password_inputs,
)
from .deadline import exchange_deadline, expired
from .destinations import check_input_destinations
from .engine import Engine, Exchange, RunOptions, Send, Sleep
from .inputs import validate_inputs
from .overrides import check_overrides
from .results import Event, RunError, RunFinished, RunResult
from .transports import Fallback, LazyAsyncTransport, LazyTransport, environment_proxies

__all__ = ["Runner", "run", "run_async", "error_result"]


def error_result(error: ArazzoError, workflow_id: str | None = None) -> RunResult:
    """The RunResult of a run that could not start (``status: "error"``, exit code 2)."""
    return RunResult(workflow_id, "error", error=RunError(error.type, error.message, None, error.location))


class Runner:
    """Runs the workflows of one Arazzo document; reusable for many runs.

    ``document`` is a path (loaded with ``sources`` and ``allow_remote``) or a loaded
    :class:`~arazzo_runner.loading.sources.Description`.  The engine never builds its own
    HTTP client when one is given: pass ``client`` (sync), ``async_client``, or a
    ``transport`` such as ``httpx.MockTransport`` to use for both.

    ``credentials`` is ``{SOURCE: {SCHEME: {field: value}}}`` (design.md §2.3); OAuth2 tokens
    fetched with them are kept for the Runner's life, each until it expires (on ``clock``).
    With ``require_auth``, a run that would send a request without the credentials its
    operation needs does not start (AuthError, ``error.type`` ``auth``).
    """

    def __init__(
        self,
        document: Any,
        *,
        client: httpx.Client | None = None,
        async_client: httpx.AsyncClient | None = None,
        transport: Any = None,
        servers: Mapping[str, str] | None = None,
        server_variables: Mapping[str, str] | None = None,
        credentials: Mapping[str, Any] | None = None,
        require_auth: bool = False,
        check_responses: bool | str = False,
        check_requests: bool | str = False,
        headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        allow_insecure_credentials: bool = False,
        mock: bool | Sequence[str] = False,
        mock_seed: int = 0,
        mock_items: int = 0,
        sources: Mapping[str, str] | None = None,
        allow_remote: bool = False,
        timeout: float = 30.0,
        max_time: float = 600.0,
        max_steps: int = 1000,
        max_retry_after: float = 60.0,
        max_response_bytes: int = 52_428_800,
        follow_redirects: bool = False,
        dry_run: bool = False,
        verify: Any = True,
        cert: Any = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        async_sleep: Callable[[float], Any] | None = None,
    ) -> None:
        if isinstance(document, (str, bytes)) or hasattr(document, "__fspath__"):
            from ..loading.sources import load

            document = load(str(document), sources=sources, allow_remote=allow_remote)
        self.description = document
        # a misspelled name would be ignored, and the run would go to the real servers
        check_overrides(
            document, servers=servers, server_variables=server_variables, credentials=credentials, sources=sources
        )
        self.mocked: tuple[str, ...] = ()
        if mock:
            # the built-in mock answers the mocked sources in-process; the others (with
            # ``mock=[names]``) go to the network as usual
            from ..mock import mock_description

            only = None if mock is True else list(mock)
            fallback = (transport or Fallback({"verify": verify})) if only else None
            setup = mock_description(
                document, only=only, seed=mock_seed, servers=servers, fallback=fallback, items=mock_items
            )
            transport = setup.transport
            servers = {**setup.servers, **(servers or {})}
            self.mocked = tuple(setup.mocks)
        self.options = RunOptions(
            servers=dict(servers or {}),
            server_variables=dict(server_variables or {}),
            timeout=timeout,
            max_time=max_time,
            max_steps=max_steps,
            max_retry_after=max_retry_after,
            max_response_bytes=max_response_bytes,
            follow_redirects=follow_redirects,
            dry_run=dry_run,
            check_responses=check_responses,
            check_requests=check_requests,
        )
        self.credentials = normalize_credentials(credentials)
        self.require_auth = require_auth
        self.headers = _header_pairs(headers)
        self.allow_insecure_credentials = allow_insecure_credentials
        self._tokens = TokenCache()
        self.check_responses = check_responses
        self._transport = transport
        self._client = client
        self._async_client = async_client
        self._own_client: httpx.Client | None = None
        self._own_async_client: httpx.AsyncClient | None = None
        self._client_options = {"verify": verify, "cert": cert}
        self._clock = clock or time.monotonic
        self._sleep = sleep or time.sleep
        self._async_sleep = async_sleep  # asyncio.sleep, imported when an async run starts
        self._cache: dict[Any, Any] = {}
        self._planned: set[str] = set()

    # ------------------------------------------------------------ preparing a run

    def workflow(self, workflow_id: str | None) -> Workflow:
        """The workflow to run: ``workflow_id``, or the only one when it is None."""
        workflows = self.description.document.workflows
        if workflow_id is None:
            if len(workflows) != 1:
                known = ", ".join(str(w.workflow_id) for w in workflows)
                raise UsageError(f"{self.description.file} has {len(workflows)} workflows; choose one with -w: {known}")
            return workflows[0]  # type: ignore[no-any-return]
        workflow = self.description.document.workflow(workflow_id)
        if workflow is None:
            known = ", ".join(str(w.workflow_id) for w in workflows) or "none"
            raise UsageError(f"no workflow {workflow_id!r} in {self.description.file} (workflows: {known})")
        return workflow  # type: ignore[no-any-return]

    def prepare(self, workflow_id: str | None, inputs: Mapping[str, Any] | None) -> tuple[Workflow, dict[str, Any]]:
        """Check everything a run needs before any request: raises ArazzoError."""
        workflow = self.workflow(workflow_id)
        self._plan(self.description, workflow, set())
        values = validate_inputs(
            workflow.inputs,
            dict(inputs or {}),
            document=self.description.parsed.data,
            schema_pointer=workflow.location.pointer + "/inputs",
            workflow_id=workflow.workflow_id,
        )
        # an input that goes unchanged into a request field must fit that field's schema
        check_input_destinations(self.description, workflow, values, self._cache)
        if self.require_auth:
            missing = missing_credentials(
                self.description,
                workflow,
                self.credentials,
                self._cache,
                servers=self.options.servers,
                server_variables=self.options.server_variables,
            )
            if missing:
                raise AuthError(
                    "credentials are required (require_auth, --require-auth) but missing: "
                    + "; ".join(message for message, _ in missing),
                    [variable for _, variables in missing for variable in variables],
                )
        return workflow, values

    def _plan(self, description: Any, workflow: Workflow, seen: set[tuple[str, str]]) -> None:
        """Resolve every operation and workflow the run can reach (unknown ids fail here)."""
        from ..targets import resolve_operation, resolve_workflow

        key = (description.uri, workflow.workflow_id or "")
        if key in seen or f"{key}" in self._planned:
            return
        seen.add(key)
        components = description.document.components
        for step in workflow.steps:
            if step.kind == "operation":
                cache_key = ("operation", id(description), id(step))
                if cache_key not in self._cache:
                    self._cache[cache_key] = resolve_operation(description, step)
                self._check_server(self._cache[cache_key], step)
            elif step.kind == "workflow":
                target = resolve_workflow(description, step.workflow_id, step.location.child("workflowId"))
                self._plan(target.description, target.workflow, seen)
            # every action the step can take, workflow-level and $components ones included
            # (merge_actions raises for a reference to nothing)
            actions = [
                *merge_actions(step.on_success, workflow.success_actions, components, "successActions"),
                *merge_actions(step.on_failure, workflow.failure_actions, components, "failureActions"),
            ]
            for action in actions:
                allowed = ("end", "goto", "retry") if isinstance(action, FailureAction) else ("end", "goto")
                if action.type not in allowed:
                    raise DocumentError(
                        f"action {action.name!r} has type {action.type!r}; expected one of {', '.join(allowed)}",
                        action.location.child("type"),
                    )
                if action.type == "goto" and action.step_id is None and action.workflow_id is None:
                    raise DocumentError(
                        f"goto action {action.name!r} names neither a stepId nor a workflowId", action.location
                    )
                if action.step_id is not None and workflow.step(action.step_id) is None:
                    raise DocumentError(
                        f"action {action.name!r} ({action.type}) names step {action.step_id!r}, "
                        f"which does not exist in workflow {workflow.workflow_id!r}",
                        action.location.child("stepId"),
                    )
                if action.workflow_id is not None:
                    target = resolve_workflow(description, action.workflow_id, action.location.child("workflowId"))
                    self._plan(target.description, target.workflow, seen)
        self._check_dependencies(description, workflow, [key], seen)
        self._planned.add(f"{key}")

    def _check_server(self, target: Any, step: Any) -> None:
        """An operation with no absolute server URL cannot be sent anywhere: refuse the run."""
        if target.source in self.options.servers:
            return
        operation = target.operation
        server = operation.server_url(self.options.server_variables)
        if not server.startswith(("http://", "https://")):
            raise UsageError(
                f"step {step.step_id!r}: the server of operation {operation.operation_id or operation.path!r} "
                f"is {server!r}, not a full URL; pass --server {target.source}=URL (servers={{...}} in Python)",
                step.location,
            )

    def _check_dependencies(
        self, description: Any, workflow: Workflow, chain: list[tuple[str, str]], seen: set[tuple[str, str]]
    ) -> None:
        from ..targets import resolve_workflow

        for index, name in enumerate(workflow.depends_on):
            target = resolve_workflow(description, name, workflow.location.child("dependsOn", index))
            key = (target.description.uri, target.workflow.workflow_id or "")
            if key in chain:
                cycle = " -> ".join(k[1] for k in [*chain, key])
                raise DocumentError(
                    f"workflow dependsOn makes a cycle: {cycle}", workflow.location.child("dependsOn", index)
                )
            self._check_dependencies(target.description, target.workflow, [*chain, key], seen)
            self._plan(target.description, target.workflow, seen)

    def _start(self, workflow_id: str | None, inputs: Mapping[str, Any] | None) -> tuple[Any, Authenticator]:
        """The engine's generator for one run, and the run's Authenticator (its secrets: the
        credentials, and the ``format: password`` inputs, redacted from every error and event)."""
        secrets = Secrets()
        authenticator = Authenticator(
            self.credentials,
            tokens=self._tokens,
            clock=self._clock,
            secrets=secrets,
            allow_insecure=self.allow_insecure_credentials,
            headers=self.headers,
        )
        data = self.description.parsed.data if isinstance(self.description.parsed.data, Mapping) else None
        try:
            schema = self.workflow(workflow_id).inputs
            for value in password_inputs(schema, dict(inputs or {}), data):
                secrets.add(value)
            workflow, values = self.prepare(workflow_id, inputs)
            for value in password_inputs(workflow.inputs, values, data):
                secrets.add(value)
        except ArazzoError as error:
            secrets.error(error)
            raise
        engine = Engine(self.description, self.options, clock=self._clock, credentials=authenticator, cache=self._cache)
        return engine.run(workflow, values), authenticator

    @staticmethod
    def _shown(item: Event, authenticator: Authenticator) -> Event:
        """An event as it leaves the Runner: secrets redacted; the result with the warnings."""
        if isinstance(item, RunFinished):
            warnings = item.result.warnings
            warnings.extend(w for w in authenticator.warnings if w not in warnings)
        secrets = authenticator.secrets
        return secrets.value(item) if secrets else item

    # ------------------------------------------------------------ sync

    @property
    def client(self) -> httpx.Client:
        if self._client is not None:
            return self._client
        if self._own_client is None:
            # with proxies in the environment httpx must build its own transports to use them
            transport = self._transport or (None if environment_proxies() else LazyTransport(self._client_options))
            self._own_client = httpx.Client(transport=transport, **self._client_options)
        return self._own_client

    def iter_events(self, workflow_id: str | None = None, inputs: Mapping[str, Any] | None = None) -> Iterator[Event]:
        """Run, yielding the engine's events; the last one is RunFinished with the result.

        Raises ArazzoError (before any request) when the run cannot start.
        """
        generator, authenticator = self._start(workflow_id, inputs)
        jar = httpx.Cookies()
        reply: Any = None
        while True:
            item = _advance(generator, reply, authenticator)
            if item is _DONE:
                return
            reply = None
            if isinstance(item, Send):
                reply = self._send(item, jar)
            elif isinstance(item, Sleep):
                self._sleep(item.seconds)
            else:
                yield self._shown(item, authenticator)

    def run(self, workflow_id: str | None = None, inputs: Mapping[str, Any] | None = None) -> RunResult:
        """Run a workflow to its end; a failing workflow is a RunResult, not an exception."""
        result: RunResult | None = None
        for event in self.iter_events(workflow_id, inputs):
            if isinstance(event, RunFinished):
                result = event.result
        assert result is not None
        return result

    def _send(self, send: Send, jar: httpx.Cookies) -> Exchange:
        client = self.client
        request = _request(send, jar, client.headers)
        started = time.perf_counter()
        try:
            # one deadline for the whole exchange, redirect hops and body included (deadline.py)
            with exchange_deadline(send.timeout) as deadline:
                # redirects are followed here, not by httpx: its redirect hops carry the client's
                # cookie jar, which holds the cookies of every run; ours carry this run's
                response = client.send(request, stream=True, follow_redirects=False)
                hops = 0
                while send.follow_redirects and response.next_request is not None:
                    _keep_cookies(jar, response)
                    request = _redirected(response.next_request, jar, send)
                    response.close()
                    hops += 1
                    if hops > client.max_redirects:
                        raise httpx.TooManyRedirects("Exceeded maximum allowed redirects.", request=request)
                    response = client.send(request, stream=True, follow_redirects=False)
                try:
                    content, error = _read(response.iter_bytes(), send.max_bytes, deadline, send.timeout)
                finally:
                    response.close()
        except httpx.HTTPError as exc:
            return _failed(exc, send, started)
        _keep_cookies(jar, response)
        return _exchange(response, content, error, started)

    # ------------------------------------------------------------ async

    @property
    def async_client(self) -> httpx.AsyncClient:
        if self._async_client is not None:
            return self._async_client
        if self._own_async_client is None:
            transport = self._transport or (None if environment_proxies() else LazyAsyncTransport(self._client_options))
            self._own_async_client = httpx.AsyncClient(transport=transport, **self._client_options)
        return self._own_async_client

    async def aiter_events(
        self, workflow_id: str | None = None, inputs: Mapping[str, Any] | None = None
    ) -> AsyncIterator[Event]:
        """:meth:`iter_events` with asyncio: requests and delays do not block the loop."""
        generator, authenticator = self._start(workflow_id, inputs)
        jar = httpx.Cookies()
        reply: Any = None
        while True:
            item = _advance(generator, reply, authenticator)
            if item is _DONE:
                return
            reply = None
            if isinstance(item, Send):
                reply = await self._asend(item, jar)
            elif isinstance(item, Sleep):
                if self._async_sleep is None:
                    import asyncio

                    self._async_sleep = asyncio.sleep
                await self._async_sleep(item.seconds)
            else:
                yield self._shown(item, authenticator)

    async def run_async(self, workflow_id: str | None = None, inputs: Mapping[str, Any] | None = None) -> RunResult:
        """:meth:`run` with asyncio; many may run concurrently on one Runner."""
        result: RunResult | None = None
        async for event in self.aiter_events(workflow_id, inputs):
            if isinstance(event, RunFinished):
                result = event.result
        assert result is not None
        return result

    async def _asend(self, send: Send, jar: httpx.Cookies) -> Exchange:
        client = self.async_client
        request = _request(send, jar, client.headers)
        started = time.perf_counter()
        try:
            with exchange_deadline(send.timeout) as deadline:  # see _send
                # redirects are followed here, with this run's cookies (see _send)
                response = await client.send(request, stream=True, follow_redirects=False)
                hops = 0
                while send.follow_redirects and response.next_request is not None:
                    _keep_cookies(jar, response)
                    request = _redirected(response.next_request, jar, send)
                    await response.aclose()
                    hops += 1
                    if hops > client.max_redirects:
                        raise httpx.TooManyRedirects("Exceeded maximum allowed redirects.", request=request)
                    response = await client.send(request, stream=True, follow_redirects=False)
                try:
                    chunks = []
                    size = 0
                    error = None
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > send.max_bytes:
                            error = f"the response is larger than --max-response-bytes {send.max_bytes}"
                            break
                        if expired(deadline):
                            raise _cut(send.timeout, request)
                        chunks.append(chunk)
                    content = b"".join(chunks)
                finally:
                    await response.aclose()
        except httpx.HTTPError as exc:
            return _failed(exc, send, started)
        _keep_cookies(jar, response)
        return _exchange(response, content, error, started)

    # ------------------------------------------------------------ lifetime

    def close(self) -> None:
        """Close the HTTP clients this Runner made (never the ones it was given)."""
        if self._own_client is not None:
            self._own_client.close()
            self._own_client = None

    async def aclose(self) -> None:
        self.close()
        if self._own_async_client is not None:
            await self._own_async_client.aclose()
            self._own_async_client = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> Runner:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _header_pairs(headers: Mapping[str, str] | Sequence[tuple[str, str]] | None) -> tuple[tuple[str, str], ...]:
    """``headers=`` as (name, value) pairs; a name that is not an HTTP token is a UsageError."""
    if not headers:
        return ()
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    for pair in pairs:
        if (
            not isinstance(pair, tuple)
            or len(pair) != 2
            or not all(isinstance(part, str) for part in pair)
            or not _TOKEN.fullmatch(pair[0])
            or any(c in pair[1] for c in "\r\n\0")
        ):
            raise UsageError(f"headers: {pair!r} is not a (name, value) pair of an HTTP header")
    return tuple(pairs)


_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


_DONE = object()  # the engine's generator has finished


def _advance(generator: Any, reply: Any, authenticator: Authenticator) -> Any:
    """The engine's next event or effect, given the answer to the last one (or _DONE).

    An error that stops the run leaves with its secrets redacted.
    """
    try:
        return generator.send(reply)
    except StopIteration:
        return _DONE
    except ArazzoError as error:
        authenticator.secrets.error(error)
        raise


def _failed(exc: httpx.HTTPError, send: Send, started: float) -> Exchange:
    """The Exchange of a request that got no response: a timeout, or another network error."""
    elapsed = time.perf_counter() - started
    if isinstance(exc, httpx.TimeoutException):
        return Exchange(elapsed=elapsed, error=_timeout_message(send.timeout, exc), error_type="timeout")
    return Exchange(elapsed=elapsed, error=_network_message(exc), error_type="network")


def _exchange(response: httpx.Response, content: bytes, error: str | None, started: float) -> Exchange:
    """The Exchange of a response (its body dropped when it was over the size limit)."""
    elapsed = time.perf_counter() - started
    if error is not None:
        return Exchange(response.status_code, response.headers.multi_items(), b"", elapsed, error, "network")
    return Exchange(response.status_code, response.headers.multi_items(), content, elapsed)


def _timeout_message(timeout: float, exc: Exception) -> str:
    detail = str(exc)
    shown = f"timed out after {timeout:.3g} s"
    return shown if not detail or "timed out" in detail else f"{shown} ({detail})"


def _keep_cookies(jar: httpx.Cookies, response: httpx.Response) -> None:
    # the cookie jar's parser is slow; most responses set no cookie
    if "set-cookie" in response.headers:
        jar.extract_cookies(response)


def _request(send: Send, jar: httpx.Cookies, defaults: httpx.Headers | None = None) -> httpx.Request:
    """The httpx request for ``send``: the client's default headers (User-Agent, any the
    embedder set) unless the step sets the same name, and this run's cookies."""
    names = {name.lower() for name, _ in send.headers}
    inherited = [(k, v) for k, v in (defaults.multi_items() if defaults else []) if k.lower() not in names]
    request = httpx.Request(send.method, send.url, headers=[*inherited, *send.headers], content=send.content)
    _add_cookies(request, jar)
    request.extensions["timeout"] = httpx.Timeout(send.timeout).as_dict()
    return request


def _add_cookies(request: httpx.Request, jar: httpx.Cookies) -> None:
    """This run's cookies for ``request``, after any Cookie header the step set itself (the
    jar alone would leave them out when the request already has one)."""
    if not jar:
        return
    own = request.headers.get("cookie")
    if own is not None:
        del request.headers["cookie"]
    jar.set_cookie_header(request)
    if own is not None:
        stored = request.headers.get("cookie")
        request.headers["cookie"] = f"{own}; {stored}" if stored else own


def _redirected(request: httpx.Request, jar: httpx.Cookies, send: Send) -> httpx.Request:
    """A redirect hop as httpx built it, with this run's cookies instead of the client's, and
    no credential when it leaves the origin ``send`` was for (auth.guard_redirect)."""
    if "cookie" in request.headers:
        del request.headers["cookie"]
    _add_cookies(request, jar)
    guard_redirect(request, send)
    return request


def _read(chunks: Iterator[bytes], limit: int, deadline: float, timeout: float) -> tuple[bytes, str | None]:
    parts = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            return b"", f"the response is larger than --max-response-bytes {limit}"
        if expired(deadline):  # a transport given by the embedder: its streams are not bound
            raise _cut(timeout, None)
        parts.append(chunk)
    return b"".join(parts), None


def _cut(timeout: float, request: httpx.Request | None) -> httpx.ReadTimeout:
    return httpx.ReadTimeout(f"the whole exchange took longer than {timeout:.3g} s", request=request)


def _network_message(exc: httpx.HTTPError) -> str:
    cause = exc.__cause__ or exc.__context__
    detail = str(exc) or type(exc).__name__
    if cause is not None and str(cause) and str(cause) not in detail:
        detail = f"{detail} ({cause})"
    url = getattr(getattr(exc, "request", None), "url", None) if isinstance(exc, httpx.RequestError) else None
    return f"{type(exc).__name__}: {detail}" + (f" [{url}]" if url else "")


def run(
    document: Any, workflow_id: str | None = None, inputs: Mapping[str, Any] | None = None, **options: Any
) -> RunResult:
    """Load ``document`` (a path or a Description) and run one workflow.  See :class:`Runner`."""
    with Runner(document, **options) as runner:
        return runner.run(workflow_id, inputs)


async def run_async(
    document: Any, workflow_id: str | None = None, inputs: Mapping[str, Any] | None = None, **options: Any
) -> RunResult:
    """:func:`run` with asyncio."""
    async with Runner(document, **options) as runner:
        return await runner.run_async(workflow_id, inputs)
