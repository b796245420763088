"""``arazzo worker`` and ``arazzo run --temporal``: runs on Temporal (docs/temporal.md).

``run --temporal HOST:PORT`` starts each run as a Temporal workflow execution (or attaches to
the one its id names) and, unless ``--no-wait``, prints its result as a local run does: the
same lines, the same ``--json`` object, the same batch result lines.  ``worker`` runs what is
sent to a task queue, with the credentials of its own environment.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from ..errors import ArazzoError, UsageError
from .run_options import count

__all__ = ["add_parser", "add_temporal_options", "command", "run_events", "batch_results", "start_only"]

_MISSING_EXTRA = "Temporal support needs the temporal extra: pip install 'arazzo-interpreter[temporal]'"


def add_temporal_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``arazzo run`` that send it to Temporal."""
    group = parser.add_argument_group("Temporal (docs/temporal.md)")
    group.add_argument(
        "--temporal", metavar="HOST:PORT", help="run on this Temporal server's workers (arazzo worker) instead of here"
    )
    group.add_argument("--namespace", metavar="NS", help="with --temporal: the namespace (default: default)")
    group.add_argument("--task-queue", metavar="Q", help="with --temporal: the workers' task queue (default: arazzo)")
    group.add_argument(
        "--run-id",
        metavar="ID",
        help="with --temporal: the prefix of the workflow ids (default: a digest of the document, inputs and options); "
        "an id that ran before is attached to, never run again",
    )
    group.add_argument(
        "--no-wait", action="store_true", help="with --temporal: start the run(s), print the ids, do not wait"
    )
    group.add_argument(
        "--max-history-body",
        type=count,
        metavar="BYTES",
        help="with --temporal: the largest response body (bytes of JSON) a step keeps in Temporal's history "
        "(default 65536; a larger one is replaced by a note)",
    )


def check_options(args: argparse.Namespace) -> None:
    """``--namespace`` and the rest mean nothing without ``--temporal``."""
    if getattr(args, "temporal", None):
        if args.no_wait and args.results is not None:
            raise UsageError("--results cannot be used with --no-wait: the runs' results are not waited for")
        for attribute, option in (
            ("insecure", "--insecure"),
            ("ca_bundle", "--ca-bundle"),
            ("client_cert", "--client-cert"),
        ):
            if getattr(args, attribute, None):
                raise UsageError(
                    f"{option} cannot be used with --temporal: the workers send the requests, with the TLS "
                    "settings of their own machines"
                )
        return
    for attribute, option in (
        ("namespace", "--namespace"),
        ("task_queue", "--task-queue"),
        ("run_id", "--run-id"),
        ("no_wait", "--no-wait"),
        ("max_history_body", "--max-history-body"),
    ):
        if getattr(args, attribute, None):
            raise UsageError(f"{option} goes with --temporal HOST:PORT")


# ---------------------------------------------------------------- the worker command


def add_parser(commands: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    worker = commands.add_parser(
        "worker",
        help="run Arazzo workflows sent to a Temporal task queue",
        description="Run the Arazzo workflows sent to a Temporal task queue (arazzo run --temporal), with the "
        "credentials of this machine's environment (ARAZZO_<SOURCE>_<SCHEME>_<FIELD>, as arazzo run reads them). "
        "Ctrl-C or SIGTERM stops it after the requests in flight.",
    )
    worker.add_argument("--temporal", required=True, metavar="HOST:PORT", help="the Temporal server (frontend)")
    worker.add_argument("--namespace", default="default", metavar="NS", help="the namespace (default: default)")
    worker.add_argument("--task-queue", default="arazzo", metavar="Q", help="the task queue (default: arazzo)")
    worker.add_argument(
        "--concurrency", type=count, default=16, metavar="N", help="requests in flight at once (default 16)"
    )
    worker.add_argument("--env-file", metavar="FILE", help="read credentials from FILE too (default: ./.env if any)")
    worker.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print only errors")
    worker.add_argument(
        "-v", "--verbose", action="count", default=argparse.SUPPRESS, help="a line per step run on this worker"
    )


def _temporal() -> Any:
    try:
        from .. import temporal
    except ImportError:
        raise UsageError(_MISSING_EXTRA) from None
    return temporal


def command(args: argparse.Namespace, out: IO[str], err: IO[str], out_style: Any, style: Any) -> int:
    """``arazzo worker``: runs until Ctrl-C or SIGTERM; exit 0 then, 2 when it cannot start."""
    import asyncio

    temporal = _temporal()
    quiet = bool(getattr(args, "quiet", False))

    async def work() -> None:
        import signal

        client = await temporal.connect(args.temporal, args.namespace)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, stop.set)
        if not quiet:
            err.write(
                f"worker: running Arazzo workflows from task queue {args.task_queue!r} of {args.temporal} "
                f"(namespace {args.namespace}), up to {args.concurrency} requests at once; Ctrl-C stops\n"
            )
            err.flush()
        verbose = int(getattr(args, "verbose", 0) or 0)

        def log(line: str) -> None:
            err.write(f"worker: {line}\n")
            err.flush()

        await temporal.run_worker(
            client,
            task_queue=args.task_queue,
            concurrency=args.concurrency,
            env_file=args.env_file,
            stop=stop,
            log=log if verbose else None,
        )
        if not quiet:
            err.write("worker: stopped\n")

    asyncio.run(work())
    return 0


# ---------------------------------------------------------------- run --temporal


def _request(args: argparse.Namespace, runner: Any, inputs: Any, keywords: dict[str, Any], bundle: Any = None) -> Any:
    temporal = _temporal()
    from ..temporal.codec import key_from_environment
    from ..temporal.options import DEFAULT_MAX_HISTORY_BODY

    cap = args.max_history_body if args.max_history_body is not None else DEFAULT_MAX_HISTORY_BODY
    return temporal.RunRequest(
        runner,
        args.workflow,
        inputs,
        keywords=keywords,
        bundle=bundle,
        max_history_body=cap,
        key=key_from_environment(),
    )


def check_batch(args: argparse.Namespace, runner: Any, err: IO[str]) -> None:
    """Before a batch on Temporal: the server answers (else a UsageError, exit 2), a worker is
    polling (else a note), and password inputs have a key to travel encrypted."""
    import asyncio

    from ..temporal.client import declares_password, password_refusal
    from ..temporal.codec import key_from_environment

    workflow = runner.workflow(args.workflow)
    if not key_from_environment() and declares_password(workflow.inputs, runner.description.parsed.data):
        raise password_refusal(workflow.workflow_id)

    async def go() -> None:
        await _client(args, err, bool(getattr(args, "quiet", False)))

    asyncio.run(go())


async def _client(args: argparse.Namespace, err: IO[str], quiet: bool) -> Any:
    temporal = _temporal()
    client = await temporal.connect(args.temporal, args.namespace or temporal.DEFAULT_NAMESPACE)
    queue = args.task_queue or temporal.DEFAULT_TASK_QUEUE
    if not quiet and not await temporal.has_worker(client, queue):
        err.write(
            f"temporal: no worker polls task queue {queue!r} now; the run waits for one "
            f"(start it: arazzo worker --temporal {args.temporal} --task-queue {queue})\n"
        )
    return client


class Interrupted(ArazzoError):
    """Ctrl-C while waiting for a run on Temporal: the run itself goes on."""

    type = "interrupted"
    exit_code = 130


def run_events(
    args: argparse.Namespace, runner: Any, inputs: Any, keywords: dict[str, Any], err: IO[str]
) -> Iterator[Any]:
    """The events of the run on Temporal as it makes them (asked about every second), the
    last RunFinished; as ``Runner.iter_events`` gives a local run's.  The client waits on an
    event loop of its own in a background thread, so Ctrl-C stops the waiting at once."""
    import asyncio
    import queue
    import threading

    temporal = _temporal()
    quiet = bool(getattr(args, "quiet", False))
    request = _request(args, runner, inputs, keywords)
    handoff: queue.Queue[tuple[str, Any]] = queue.Queue()
    state: dict[str, str] = {}

    async def go() -> None:
        client = await _client(args, err, quiet)
        run = await temporal.start_run(
            client, request, task_queue=args.task_queue or temporal.DEFAULT_TASK_QUEUE, run_id=args.run_id
        )
        if not quiet:
            how = "attached to" if run.attached else "started"
            hint = "another --run-id" if args.run_id else "--run-id ID"
            err.write(
                f"temporal: {how} {run.id}"
                + (f" (it ran before; {hint} starts a new run)" if run.attached else "")
                + "\n"
            )
        state["id"] = run.id
        _, rest = await run.outcome(lambda event: handoff.put(("event", event)))
        for event in rest:
            handoff.put(("event", event))

    def wait() -> None:
        try:
            asyncio.run(go())
        except BaseException as error:  # raised in the caller's thread
            handoff.put(("error", error))
        finally:
            handoff.put(("end", None))

    threading.Thread(target=wait, name="arazzo-temporal", daemon=True).start()
    try:
        while True:
            kind, value = handoff.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    except KeyboardInterrupt:
        if "id" not in state:
            raise
        raise Interrupted(
            f"stopped waiting; the run goes on on Temporal as {state['id']} (the same command attaches to it)"
        ) from None


def start_only(
    args: argparse.Namespace,
    runner: Any,
    items: Iterable[Any],
    keywords: dict[str, Any],
    out: IO[str],
    err: IO[str],
    *,
    batch: bool = False,
) -> int:
    """``--no-wait``: start each run (or find it started), print one JSON line per run;
    ``items`` are (id, inputs, the error that keeps it from starting or None).  In a batch a
    line that cannot start is an ``error`` line (exit 1), and the others start."""
    import asyncio

    temporal = _temporal()
    from ..execution.results import RunError, json_text

    quiet = bool(getattr(args, "quiet", False))

    from ..temporal.bundle import make_bundle

    bundle = make_bundle(runner.description)

    failed = 0

    async def go() -> None:
        nonlocal failed
        client = await _client(args, err, quiet)
        for item_id, inputs, problem in items:
            line: dict[str, Any] = {"id": item_id}
            try:
                if problem is not None:
                    raise problem
                request = _request(args, runner, inputs, keywords, bundle)
                run = await temporal.start_run(
                    client,
                    request,
                    task_queue=args.task_queue or temporal.DEFAULT_TASK_QUEUE,
                    run_id=args.run_id,
                    item_id=item_id,
                )
                line.update(status="attached" if run.attached else "started", temporalWorkflowId=run.id)
            except ArazzoError as error:
                if not batch:
                    raise
                failed += 1  # a line that cannot start is its own: the others still start
                line.update(status="error", error=RunError(error.type, error.message, None, error.location).to_dict())
            out.write(json_text(line) + "\n")
            out.flush()

    asyncio.run(go())
    return 1 if failed else 0


def batch_results(
    args: argparse.Namespace, runner: Any, items: Iterable[Any], workflow_id: str | None, concurrency: int, err: IO[str]
) -> Iterator[Any]:
    """The batch's results, each run on Temporal, at most ``concurrency`` executions open at once."""
    import asyncio

    temporal = _temporal()
    from ..batch.many import in_thread, run_each
    from ..temporal.bundle import make_bundle
    from .run_options import runner_keywords

    keywords = dict(runner_keywords(args, err), dry_run=False)
    bundle = make_bundle(runner.description)  # once: every run of the batch sends the same document
    queue = args.task_queue or temporal.DEFAULT_TASK_QUEUE
    state: dict[str, Any] = {}

    async def client() -> Any:
        lock = state.setdefault("lock", asyncio.Lock())
        async with lock:
            if "client" not in state:
                state["client"] = await temporal.connect(args.temporal, args.namespace or temporal.DEFAULT_NAMESPACE)
        return state["client"]

    async def one(item: Any) -> Any:
        request = _request(args, runner, item.inputs, keywords, bundle)
        run = await temporal.start_run(await client(), request, task_queue=queue, run_id=args.run_id, item_id=item.id)
        return await run.result()

    async def close() -> None:
        state.clear()

    return in_thread(lambda: run_each(items, one, concurrency), close)
