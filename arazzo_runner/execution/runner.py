"""The public way to run workflows: :class:`Runner`, :func:`run` and :func:`run_async`.

A Runner loads and plans once, then runs as often as asked, sequentially or concurrently
with ``run_async``; each run has its own engine and its own cookie jar, so nothing leaks
from one run into the next.  The drivers here are the only code that touches the network.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx

from ..errors import ArazzoError, UsageError
from ..model import Workflow
from .auth import (
    Authenticator,
    AuthError,
    Secrets,
    TokenCache,
    missing_credentials,
    normalize_credentials,
    password_inputs,
)
from .destinations import check_input_destinations
from .engine import Engine, Exchange, RunOptions, Send, Sleep
from .exchange import send, send_async
from .inputs import validate_inputs
from .messaging import BROKER_EFFECTS
from .overrides import check_overrides
from .planning import Planner
from .results import Event, RunError, RunFinished, RunResult, as_dry_run
from .transports import Fallback, LazyTransport, environment_proxies

if TYPE_CHECKING:  # pragma: no cover
    from ..batch import BatchResult

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

    ``credentials`` is ``{SOURCE: {SCHEME: {field: value}}}`` (docs/credentials.md); OAuth2 tokens
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
        receive_timeout: float = 30.0,
        headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        allow_insecure_credentials: bool = False,
        mock: bool | Sequence[str] = False,
        mock_seed: int = 0,
        mock_items: int = 0,
        mock_max_items: int | None = None,
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
        # how this Runner makes requests, as given: what a run on Temporal sends its workers
        self.settings: dict[str, Any] = {
            "servers": dict(servers or {}),
            "server_variables": dict(server_variables or {}),
            "timeout": timeout,
            "max_time": max_time,
            "max_steps": max_steps,
            "max_retry_after": max_retry_after,
            "max_response_bytes": max_response_bytes,
            "follow_redirects": follow_redirects,
            "dry_run": dry_run,
            "check_responses": check_responses,
            "check_requests": check_requests,
            "receive_timeout": receive_timeout,
            "require_auth": require_auth,
            "allow_insecure_credentials": allow_insecure_credentials,
            "mock": mock if isinstance(mock, bool) else list(mock),
            "mock_seed": mock_seed,
            "mock_items": mock_items,
            "mock_max_items": mock_max_items,
        }
        if isinstance(document, (str, bytes)) or hasattr(document, "__fspath__"):
            from ..loading.sources import load

            document = load(str(document), sources=sources, allow_remote=allow_remote)
        self.description = document
        # a misspelled name would be ignored, and the run would go to the real servers
        check_overrides(
            document, servers=servers, server_variables=server_variables, credentials=credentials, sources=sources
        )
        self.mocked: tuple[str, ...] = ()
        self._mock_brokers: dict[str, Any] = {}
        if mock:
            # the built-in mock answers the mocked sources in-process; the others (with
            # ``mock=[names]``) go to the network as usual
            from ..mock import mock_description
            from ..mock.stores import MAX_ITEMS

            only = None if mock is True else list(mock)
            fallback = (transport or Fallback({"verify": verify})) if only else None
            setup = mock_description(
                document,
                only=only,
                seed=mock_seed,
                servers=servers,
                fallback=fallback,
                items=mock_items,
                max_items=MAX_ITEMS if mock_max_items is None else mock_max_items,
            )
            transport = setup.transport
            servers = {**setup.servers, **(servers or {})}
            self.mocked = tuple(setup.mocks)
            # AsyncAPI sources: an in-process broker stand-in each (mock://<source>)
            # by the loaded type: a source without `type` is detected from its content
            from ..loading.sources import sources_of

            if any(True for _ in sources_of(document, ("asyncapi",))):
                from ..mock.broker import mock_brokers

                self._mock_brokers = mock_brokers(document, only=only, seed=mock_seed)
            for name in self._mock_brokers:
                servers[name] = f"mock://{name}"
            self.mocked += tuple(self._mock_brokers)
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
            receive_timeout=receive_timeout,
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
        self._planner = Planner(self.options, self._cache)

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

    def prepare(
        self, workflow_id: str | None, inputs: Mapping[str, Any] | None, *, check_credentials: bool = True
    ) -> tuple[Workflow, dict[str, Any]]:
        """Check everything a run needs before any request: raises ArazzoError.  With
        ``require_auth``, the credentials too, unless ``check_credentials`` is False (a run on
        Temporal checks them on the worker that has them: :meth:`check_credentials`)."""
        workflow = self.workflow(workflow_id)
        self._planner.plan(self.description, workflow)
        values = validate_inputs(
            workflow.inputs,
            dict(inputs or {}),
            document=self.description.parsed.data,
            schema_pointer=workflow.location.pointer + "/inputs",
            workflow_id=workflow.workflow_id,
        )
        # an input that goes unchanged into a request field must fit that field's schema
        check_input_destinations(self.description, workflow, values, self._cache)
        if self.require_auth and check_credentials:
            self.check_credentials(workflow)
        return workflow, values

    def check_credentials(self, workflow: Workflow) -> None:
        """Raise AuthError when a run of ``workflow`` would send a request without the
        credentials its operation needs (what ``require_auth`` asks for)."""
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

    def _shown(self, item: Event, authenticator: Authenticator) -> Event:
        """An event as it leaves the Runner: secrets redacted; the result with the warnings;
        in a dry run, what would have been sent says ``dry-run`` rather than ``succeeded``."""
        if isinstance(item, RunFinished):
            warnings = item.result.warnings
            warnings.extend(w for w in authenticator.warnings if w not in warnings)
        if self.options.dry_run:
            item = as_dry_run(item)
        if item.timestamp is None:
            # the engine makes each event afresh and never reads its stamp: stamped in place
            # (a copy per event cost more than the rest of the redaction step)
            object.__setattr__(item, "timestamp", time.time())
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
        brokers: Any = None
        try:
            while True:
                item = _advance(generator, reply, authenticator)
                if item is _DONE:
                    return
                reply = None
                if isinstance(item, Send):
                    reply = self._send(item, jar)
                elif isinstance(item, Sleep):
                    self._sleep(item.seconds)
                elif isinstance(item, BROKER_EFFECTS):
                    if brokers is None:
                        from .brokers_driver import SyncBrokers  # asyncio: only for runs with messages

                        brokers = SyncBrokers(self._mock_brokers)
                    reply = brokers.perform(item)
                else:
                    yield self._shown(item, authenticator)
        finally:
            if brokers is not None:
                brokers.close()
            generator.close()

    def run(self, workflow_id: str | None = None, inputs: Mapping[str, Any] | None = None) -> RunResult:
        """Run a workflow to its end; a failing workflow is a RunResult, not an exception."""
        result: RunResult | None = None
        for event in self.iter_events(workflow_id, inputs):
            if isinstance(event, RunFinished):
                result = event.result
        assert result is not None
        return result

    def _send(self, item: Send, jar: httpx.Cookies) -> Exchange:
        return send(self.client, item, jar)

    # ------------------------------------------------------------ async

    @property
    def async_client(self) -> httpx.AsyncClient:
        if self._async_client is not None:
            return self._async_client
        if self._own_async_client is None:
            from .asyncio_transport import AsyncioTransport  # asyncio and h11: not for sync runs

            # ours on asyncio and h11 (httpx's own async one is about half as fast), unless
            # proxies are in the environment: then httpx builds its transports to use them
            transport = self._transport or (None if environment_proxies() else AsyncioTransport(self._client_options))
            self._own_async_client = httpx.AsyncClient(transport=transport, **self._client_options)
        return self._own_async_client

    async def aiter_events(
        self, workflow_id: str | None = None, inputs: Mapping[str, Any] | None = None
    ) -> AsyncIterator[Event]:
        """:meth:`iter_events` with asyncio: requests and delays do not block the loop."""
        generator, authenticator = self._start(workflow_id, inputs)
        jar = httpx.Cookies()
        reply: Any = None
        brokers: Any = None
        try:
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
                elif isinstance(item, BROKER_EFFECTS):
                    if brokers is None:
                        from .brokers_driver import BrokerSession

                        brokers = BrokerSession(self._mock_brokers)
                    reply = await brokers.perform(item)
                else:
                    yield self._shown(item, authenticator)
        finally:
            if brokers is not None:
                await brokers.close()
            generator.close()

    async def run_async(self, workflow_id: str | None = None, inputs: Mapping[str, Any] | None = None) -> RunResult:
        """:meth:`run` with asyncio; many may run concurrently on one Runner."""
        result: RunResult | None = None
        async for event in self.aiter_events(workflow_id, inputs):
            if isinstance(event, RunFinished):
                result = event.result
        assert result is not None
        return result

    async def _asend(self, item: Send, jar: httpx.Cookies) -> Exchange:
        return await send_async(self.async_client, item, jar)

    # ------------------------------------------------------------ batches

    def run_many(
        self, inputs: Iterable[Any], *, workflow_id: str | None = None, concurrency: int = 8
    ) -> Iterator[BatchResult]:
        """Run ``workflow_id`` once per item of ``inputs`` (input mappings, an ``"id"`` key
        naming the run, or BatchItems), at most ``concurrency`` at once on this Runner; yield
        each BatchResult as its run finishes.  See docs/batches.md."""
        from ..batch import run_many

        return run_many(self, inputs, workflow_id=workflow_id, concurrency=concurrency)

    def arun_many(
        self, inputs: Iterable[Any] | AsyncIterable[Any], *, workflow_id: str | None = None, concurrency: int = 8
    ) -> AsyncIterator[BatchResult]:
        """:meth:`run_many` in the caller's event loop: ``async for result in runner.arun_many(...)``."""
        from ..batch import arun_many

        return arun_many(self, inputs, workflow_id=workflow_id, concurrency=concurrency)

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


# the one-call API lives in its own module; it is importable from here as it always was
from .run_once import run, run_async  # noqa: E402
