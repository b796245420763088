"""Time and size limits of criterion evaluation, so that no criterion can hang or exhaust the run.

A :class:`Budget` is a deadline (the smaller of a default cap for the kind of criterion and the
time the caller still has) and a few size limits.  :func:`budget` makes it the active budget of
the current thread (a context variable); the regex, JSONPath and XPath evaluators read it with
:func:`active` and check it while they work.  Running out raises :class:`LimitExceeded`, an
:class:`~arazzo_runner.errors.ExpressionError` whose message says which limit and why, so the
criterion fails with that message.

Regexes are bounded by their engines (a linear-time one, or one with a ``timeout`` argument,
see :mod:`.bounded`), not by a watchdog; XPath and JSONPath evaluation check the budget at each
step they take in Python, and the sizes of the values they build.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from ..errors import ExpressionError

__all__ = [
    "REGEX_TIME_CAP",
    "QUERY_TIME_CAP",
    "MAX_ITEMS",
    "MAX_CHARACTERS",
    "MAX_INTEGER_BITS",
    "Budget",
    "LimitExceeded",
    "active",
    "budget",
    "check_measure",
    "too_many",
    "seconds",
]

REGEX_TIME_CAP = 0.5  # seconds one regex criterion may take by default
QUERY_TIME_CAP = 2.0  # seconds one JSONPath or XPath criterion may take by default
MAX_ITEMS = 1_000_000  # items of one sequence or node list an expression may build
MAX_CHARACTERS = 10_000_000  # characters of one string an expression may build
MAX_INTEGER_BITS = 1_000_000  # bits of one integer an expression may compute (about 300,000 digits)
_CHECK_EVERY = 256  # steps between two looks at the clock


class LimitExceeded(ExpressionError):
    """A criterion ran out of time or built a value larger than the limits allow."""


def seconds(value: float) -> str:
    """``0.5`` → ``"0.5 s"``, ``2.0`` → ``"2 s"``, ``0.0123`` → ``"0.012 s"``."""
    return f"{value:.3g} s"


@dataclass
class Budget:
    """A deadline and a step counter for one evaluation; ``limit`` is its length in seconds."""

    limit: float
    deadline: float = field(init=False)
    steps: int = 0

    def __post_init__(self) -> None:
        self.limit = max(self.limit, 0.0)
        self.deadline = time.monotonic() + self.limit

    @classmethod
    def of(cls, cap: float, time_limit: float | None) -> Budget:
        """The budget of ``cap`` seconds, or of ``time_limit`` when the caller has less left."""
        return cls(cap if time_limit is None else min(cap, time_limit))

    def remaining(self) -> float:
        """Seconds left (0 when the deadline has passed)."""
        return max(self.deadline - time.monotonic(), 0.0)

    def step(self, what: str = "the expression") -> None:
        """Count one step of work; every few steps, fail when the deadline has passed."""
        self.steps += 1
        if self.steps % _CHECK_EVERY == 0 and time.monotonic() > self.deadline:
            raise self.timed_out(what)

    def check(self, what: str = "the expression") -> None:
        """Fail now when the deadline has passed."""
        if time.monotonic() > self.deadline:
            raise self.timed_out(what)

    def timed_out(self, what: str) -> LimitExceeded:
        return LimitExceeded(f"{what} took longer than {seconds(self.limit)}, the time a criterion may take")


_ACTIVE: ContextVar[Budget | None] = ContextVar("arazzo_criterion_budget", default=None)


def active() -> Budget | None:
    """The budget of the evaluation under way in this context, if any."""
    return _ACTIVE.get()


@contextmanager
def budget(cap: float, time_limit: float | None = None) -> Iterator[Budget]:
    """Make a budget of ``min(cap, time_limit)`` seconds active for the ``with`` block."""
    current = Budget.of(cap, time_limit)
    token = _ACTIVE.set(current)
    try:
        yield current
    finally:
        _ACTIVE.reset(token)


def too_many(count: int, unit: str, what: str = "a value") -> LimitExceeded:
    """The error for a value over its size limit: ``unit`` is ``"characters"``, ``"items"`` or ``"nodes"``."""
    limit = MAX_CHARACTERS if unit == "characters" else MAX_ITEMS
    return LimitExceeded(f"{what} of {count:,} {unit} is more than the {limit:,} {unit} a criterion may build")


def check_measure(items: int, characters: int, what: str = "a value") -> None:
    """Fail when a value holds more items or characters than the limits allow."""
    if items > MAX_ITEMS:
        raise too_many(items, "items", what)
    if characters > MAX_CHARACTERS:
        raise too_many(characters, "characters", what)
