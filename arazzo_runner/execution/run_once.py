"""The one-call API: :func:`run` and :func:`run_async` make a Runner, run once, and close it.

(Re-exported by :mod:`.runner`; imported from :mod:`arazzo_runner` as ``run`` and ``run_async``.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx

from .results import RunResult

if TYPE_CHECKING:  # pragma: no cover
    from .runner import Runner

__all__ = ["run", "run_async"]


def run(
    document: Any,
    workflow_id: str | None = None,
    inputs: Mapping[str, Any] | None = None,
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
) -> RunResult:
    """Load ``document`` (a path or a loaded Description), run one workflow, close.

    ``workflow_id`` may be omitted when the document has one workflow; ``inputs`` are the
    workflow's inputs, checked against its inputs schema.  A workflow that fails is a
    RunResult (``status`` ``"failed"``), not an exception; a run that cannot start raises
    :class:`~arazzo_runner.errors.ArazzoError` before any request.  The keywords are those
    of :class:`~arazzo_runner.execution.runner.Runner`:

    - ``servers`` ``{SOURCE: URL}`` and ``server_variables`` ``{NAME: VALUE}``: where the
      requests go; ``sources`` ``{NAME: PATH_OR_URL}`` and ``allow_remote``: where the
      source descriptions are read from.
    - ``credentials`` ``{SOURCE: {SCHEME: {field: value}}}``; ``require_auth``: refuse to
      start when an operation's credentials are missing; ``headers``: sent with every
      request to the documents' servers (redacted in every output);
      ``allow_insecure_credentials``: allow credentials over plain http to other hosts.
    - ``mock``: ``True`` (every OpenAPI source) or source names, answered in-process by
      the built-in mock (``mock_seed``, ``mock_items``: its generated data; ``mock_max_items``:
      how many resources each collection keeps, 1,000 by default, the oldest evicted).
    - ``dry_run``: build the requests without sending them; the result's ``status`` is
      then ``"dry-run"`` (exit code 0) and each step's ``"dry-run"``, with no response.
    - ``check_responses`` / ``check_requests``: ``True`` fails a step whose response
      (request) does not match its OpenAPI operation, ``"warn"`` only warns.
    - limits: ``timeout`` (per request, s), ``max_time`` (per run, s), ``max_steps``,
      ``max_retry_after`` (s), ``max_response_bytes``; ``follow_redirects``.
    - HTTP: ``client`` / ``async_client`` (used, never closed), ``transport`` (for
      both, e.g. ``httpx.MockTransport``), ``verify`` and ``cert`` for TLS.
    - ``clock``, ``sleep``, ``async_sleep``: time, replaceable in tests.
    """
    runner = _runner(locals())
    with runner:
        return runner.run(workflow_id, inputs)


async def run_async(
    document: Any,
    workflow_id: str | None = None,
    inputs: Mapping[str, Any] | None = None,
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
) -> RunResult:
    """:func:`run` with asyncio: requests and delays do not block the event loop.

    The keywords are those of :func:`run`.
    """
    runner = _runner(locals())
    async with runner:
        return await runner.run_async(workflow_id, inputs)


def _runner(arguments: dict[str, Any]) -> Runner:
    """The Runner of a one-call run, from :func:`run`'s or :func:`run_async`'s own arguments:
    their keywords are the Runner's, spelled out so that editors, type checkers and ``help()``
    show them, and handed over here whole."""
    from .runner import Runner  # runner re-exports this module: a top-level import would be circular

    options = {name: value for name, value in arguments.items() if name not in _RUN_ARGUMENTS}
    return Runner(arguments["document"], **options)


_RUN_ARGUMENTS = ("document", "workflow_id", "inputs")
