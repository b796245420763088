"""Running the cases of a suite, one after another or concurrently, with the same results.

Every case gets a fresh :class:`~arazzo_runner.Runner` on its document's shared Description,
so a run's cookies, the built-in mock's state and the ids it hands out are the same whatever
else runs at the time: ``jobs=4`` gives the cases, order, verdicts and reasons of ``jobs=1``.
With ``jobs > 1`` the cases run on asyncio (``Runner.aiter_events``), at most ``jobs`` at a
time, started in the collected order; results are always reported in the collected order.

A run that cannot start (invalid inputs, an operation that does not resolve: an ArazzoError
from the Runner) is a failed case whose reason is that error, whatever the case expected.
With ``fail_fast``, no case starts after the first failed one (cases already running finish);
the cases that never started are left out of the results.

The listener hears of each case as it starts, of each of its events and of its end, in the
calling thread and in real time.

One set of options serves every document, but the overrides that name things (``servers``,
``server_variables``, ``credentials``, ``sources``, ``mock=[names]``) name the sources of one
document or another: each document gets the names it declares (:func:`document_options`), and
a name no document accepts is a typo, a UsageError (the Runner's own message, with its "did
you mean"), as for a single run.  ``credentials`` may also be a function of the loaded
Description (the CLI reads ``ARAZZO_*`` variables per document).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional

from ..errors import ArazzoError, UsageError
from .outcome import FAILED, SKIPPED, Case, CaseResult, SuiteListener
from .verdict import judge

if TYPE_CHECKING:  # pragma: no cover
    from ..execution.results import Event
    from ..execution.runner import Runner
    from ..loading.sources import Description

__all__ = ["execute", "document_options", "NAMED_OPTIONS"]


def execute(
    cases: Sequence[Case],
    descriptions: Mapping[str, Description],
    options: Mapping[str, Mapping[str, Any]],
    *,
    jobs: int = 1,
    fail_fast: bool = False,
    listener: Optional[SuiteListener] = None,
    validate: bool = True,
) -> tuple[list[CaseResult], bool]:
    """Run ``cases`` (their documents in ``descriptions``, their Runner keywords in ``options``,
    both by case ``file``); return their results in the order of ``cases`` and whether
    ``fail_fast`` left some out.  With ``validate``, the cases of a document that validation
    finds errors in fail without a request, as ``arazzo run`` refuses it."""
    suite = _Suite(descriptions, options, listener, validate)
    announce = getattr(listener, "suite_started", None)
    if callable(announce):  # listeners written before it existed are not told
        announce(list(cases))
    if jobs > 1 and len(cases) > 1 and not _loop_running():
        import asyncio

        return asyncio.run(suite.run_concurrently(cases, jobs, fail_fast))
    # inside a running event loop (a notebook, an async caller) the cases run one by one:
    # the results are the same, only slower
    return suite.run_sequentially(cases, fail_fast)


# the options whose keys are names a document declares, checked as the Runner checks them
NAMED_OPTIONS = ("servers", "server_variables", "credentials", "sources")


def document_options(descriptions: Mapping[str, Description], options: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """For each document (by its case ``file``), the Runner keywords it takes from ``options``.

    Raises UsageError for a named override no document accepts, and ArazzoError when a
    ``credentials`` function raises it.
    """
    from ..execution.overrides import check_overrides, source_names

    per_document: dict[str, dict[str, Any]] = {file: dict(options) for file in descriptions}
    credentials = options.get("credentials")
    if callable(credentials):
        for file, description in descriptions.items():
            per_document[file]["credentials"] = credentials(description) or None
    for option in NAMED_OPTIONS:
        given = options.get(option)
        if not isinstance(given, Mapping) or not given:
            continue
        accepted: dict[str, dict[str, Any]] = {file: {} for file in descriptions}
        for name, value in given.items():
            first: Optional[ArazzoError] = None
            for file, description in descriptions.items():
                try:
                    check_overrides(description, **{option: {name: value}})
                except UsageError as error:
                    first = first or error
                    continue
                accepted[file][name] = value
            if first is not None and not any(name in names for names in accepted.values()):
                raise first
        for file in descriptions:
            per_document[file][option] = accepted[file] or None
    mock = options.get("mock")
    if mock and not isinstance(mock, bool):
        wanted = [str(name) for name in mock]
        known = {file: source_names(description) for file, description in descriptions.items()}
        for name in wanted:
            if descriptions and not any(name in names for names in known.values()):
                listed = ", ".join(sorted(set().union(*known.values()))) or "none"
                raise UsageError(f"--mock {name}: no document declares a source named {name!r} (sources: {listed})")
        for file in descriptions:
            mine = [name for name in wanted if name in known[file]]
            per_document[file]["mock"] = mine or False
    return per_document


def _loop_running() -> bool:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class _Suite:
    """The shared state of one execution: documents, options, listener."""

    def __init__(
        self,
        descriptions: Mapping[str, Description],
        options: Mapping[str, Mapping[str, Any]],
        listener: Optional[SuiteListener],
        validate: bool = True,
    ) -> None:
        self.descriptions = descriptions
        self.options = options
        self.listener = listener
        self.validate = validate
        self._refusals: dict[str, Optional[ArazzoError]] = {}

    def refusal(self, file: str) -> Optional[ArazzoError]:
        """Why the document's cases cannot run, as ``arazzo run`` refuses a document that
        validation finds errors in (warnings never block); validated once per document."""
        if not self.validate:
            return None
        if file not in self._refusals:
            from ..errors import ValidationError
            from ..validation import validate

            servers = self.options.get(file, {}).get("servers") or {}
            errors = validate(self.descriptions[file], servers=servers).errors
            refused: Optional[ArazzoError] = None
            if errors:
                first = errors[0]
                more = f" (and {len(errors) - 1} more: `arazzo validate {file}` lists them)" if len(errors) > 1 else ""
                refused = ValidationError(
                    f"the document is invalid: {first.message} [{first.rule}]{more}", first.location
                )
            self._refusals[file] = refused
        return self._refusals[file]

    # ------------------------------------------------------------ one case, in steps

    def begin(self, case: Case) -> tuple[CaseResult, float]:
        if self.listener is not None:
            self.listener.case_started(case)
        result = CaseResult(case, SKIPPED, reason=case.skip, started=time.time())
        return result, time.perf_counter()

    def runner(self, case: Case) -> Runner:
        from ..execution.runner import Runner

        return Runner(self.descriptions[case.file], **self.options.get(case.file, {}))

    def event(self, result: CaseResult, event: Event) -> None:
        result.events.append(event)
        if self.listener is not None:
            self.listener.case_event(result.case, event)

    def end(self, result: CaseResult, began: float, error: Optional[ArazzoError] = None) -> CaseResult:
        from ..execution.results import RunFinished

        result.duration = time.perf_counter() - began
        if result.case.skip is None:
            if error is not None:
                what = "stopped" if result.events else "could not start"
                result.verdict, result.reason = FAILED, f"the run {what}: {error}"
                step_id = getattr(error, "step_id", None)
                result.step_id = step_id if isinstance(step_id, str) else None
            else:
                finished = [event for event in result.events if isinstance(event, RunFinished)]
                if not finished:  # pragma: no cover - the Runner always ends with RunFinished
                    result.verdict, result.reason = FAILED, "the run ended without a result"
                else:
                    result.run = finished[-1].result
                    result.verdict, result.reason, result.step_id = judge(result.case.expect, result.run)
        if self.listener is not None:
            self.listener.case_finished(result)
        return result

    # ------------------------------------------------------------ drivers

    def run_one(self, case: Case) -> CaseResult:
        result, began = self.begin(case)
        refused = None if case.skip is not None else self.refusal(case.file)
        if case.skip is not None or refused is not None:
            return self.end(result, began, refused)
        try:
            with self.runner(case) as runner:
                for event in runner.iter_events(case.workflow_id, case.inputs):
                    self.event(result, event)
        except ArazzoError as error:
            return self.end(result, began, error)
        return self.end(result, began)

    def run_sequentially(self, cases: Sequence[Case], fail_fast: bool) -> tuple[list[CaseResult], bool]:
        results: list[CaseResult] = []
        for number, case in enumerate(cases):
            result = self.run_one(case)
            results.append(result)
            if fail_fast and result.verdict == FAILED:
                return results, number + 1 < len(cases)
        return results, False

    async def run_one_async(self, case: Case) -> CaseResult:
        import asyncio

        result, began = self.begin(case)
        refused = None if case.skip is not None else self.refusal(case.file)
        if case.skip is not None or refused is not None:
            return self.end(result, began, refused)
        runner: Optional[Runner] = None
        try:
            runner = self.runner(case)
            async for event in runner.aiter_events(case.workflow_id, case.inputs):
                self.event(result, event)
                # let the other cases move too: an in-process transport (the mock) never waits
                await asyncio.sleep(0)
        except ArazzoError as error:
            return self.end(result, began, error)
        finally:
            if runner is not None:
                await runner.aclose()
        return self.end(result, began)

    async def run_concurrently(
        self, cases: Sequence[Case], jobs: int, fail_fast: bool
    ) -> tuple[list[CaseResult], bool]:
        import asyncio

        gate = asyncio.Semaphore(jobs)
        state = {"failed": False}
        results: list[Optional[CaseResult]] = [None] * len(cases)

        async def one(number: int) -> None:
            # the semaphore wakes its waiters in order, so cases start in the collected order
            async with gate:
                if fail_fast and state["failed"]:
                    return
                result = await self.run_one_async(cases[number])
                results[number] = result
                if result.verdict == FAILED:
                    state["failed"] = True

        await asyncio.gather(*(one(number) for number in range(len(cases))))
        done = [result for result in results if result is not None]
        return done, len(done) < len(cases)
