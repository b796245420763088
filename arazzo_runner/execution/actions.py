"""Choosing what happens after a step: a pure function of the step's outcome and budgets.

Step ``onSuccess``/``onFailure`` entries are merged with the workflow's ``successActions``/
``failureActions`` by name (step entries first, then workflow entries not redefined); the
first action whose criteria all hold runs.  A ``retry`` whose budget is spent does not match,
so the next matching failure action runs (docs/decisions.md #2).
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import DocumentError
from ..model import Components, FailureAction, ReusableObject, SuccessAction

__all__ = ["Action", "merge_actions", "choose_action", "retry_limit", "retry_delay"]

Action = SuccessAction | FailureAction


@dataclass(frozen=True, slots=True)
class _Reference:
    kind: str  # successActions | failureActions
    name: str


def _resolve(entry: Any, components: Components | None, kind: str) -> Action:
    if isinstance(entry, ReusableObject):
        reference = entry.reference or ""
        prefix = f"$components.{kind}."
        if not reference.startswith(prefix):
            raise DocumentError(f"{reference!r} is not a reference to components.{kind}", entry.location)
        table: Mapping[str, Any] = (
            getattr(components, "success_actions" if kind == "successActions" else "failure_actions", {})
            if components
            else {}
        )
        action = table.get(reference[len(prefix) :])
        if action is None:
            raise DocumentError(f"{reference!r} does not exist in components.{kind}", entry.location)
        return action  # type: ignore[no-any-return]
    return entry  # type: ignore[no-any-return]


def merge_actions(
    step_entries: Iterable[Any], workflow_entries: Iterable[Any], components: Components | None, kind: str
) -> list[Action]:
    """The actions that apply to a step: its own, then the workflow's it does not redefine."""
    merged = [_resolve(entry, components, kind) for entry in step_entries]
    names = {action.name for action in merged}
    for entry in workflow_entries:
        action = _resolve(entry, components, kind)
        if action.name not in names:
            merged.append(action)
    return merged


def retry_limit(action: FailureAction) -> int:
    """How many retries a retry action allows: absent means one, 0 means none."""
    return 1 if action.retry_limit is None else max(0, int(action.retry_limit))


def choose_action(
    actions: Sequence[Action],
    criteria_hold: Callable[[Action], bool],
    retries_used: Mapping[str | None, int],
) -> Action | None:
    """The first action whose criteria hold and, for a retry, whose budget is not spent."""
    for action in actions:
        if action.type == "retry" and isinstance(action, FailureAction):
            if retries_used.get(action.name, 0) >= retry_limit(action):
                continue
        if criteria_hold(action):
            return action
    return None


def retry_delay(
    action: FailureAction, retry_after_header: str | None, cap: float, now: Callable[[], float] = time.time
) -> float:
    """Seconds to wait before a retry: the Retry-After header (seconds or an HTTP date)
    overrules ``retryAfter`` when it is a usable delay; a negative, non-finite or unparseable
    one is the server's mistake, and the action's own ``retryAfter`` holds.  Never negative,
    never more than ``cap``."""
    delay = float(action.retry_after) if isinstance(action.retry_after, (int, float)) else 0.0
    if retry_after_header:
        text = retry_after_header.strip()
        header: float | None = None
        try:
            header = float(text)
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                when = None
            if when is not None:
                # a date in the past means "now" (RFC 9110 10.2.3): not a broken header
                header = max(when.timestamp() - now(), 0.0)
        if header is not None and math.isfinite(header) and header >= 0:
            delay = header
    return min(max(delay, 0.0), cap)
