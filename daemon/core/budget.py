"""A time budget for reading one message: the last of the bounds on reading (see ``parsing``).

The caps on sizes keep every step of reading a message short; the budget bounds their sum. It
is cooperative: the readers call ``check()`` between steps (a part walked, a header parsed, a
chunk of the raw message fed to the parser, a PDF page read), so a message can overrun its
budget by at most one step, and each step is short because its input is capped.

The budget in force is held in a context variable for the duration of ``spending()``, so the
readers need no extra parameter and code outside a budget (the CLI's own formatting, tests that
build messages by hand) never sees one. The clock is injected: tests pass a fake one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

Clock = Callable[[], float]  # seconds, monotonic


class OverBudget(BaseException):
    """Raised by ``check()`` once the budget in force is spent.

    It derives from ``BaseException`` on purpose, as ``KeyboardInterrupt`` does: the readers
    catch ``Exception`` wherever a malformed part must not stop them, and an exhausted budget
    must go through those handlers to the entry point that set it (``reading.guarded``)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"reading took longer than {seconds:g} s")
        self.seconds = seconds


@dataclass(frozen=True)
class Budget:
    """``seconds`` to spend, until ``deadline`` on ``clock``."""

    seconds: float
    deadline: float
    clock: Clock

    def spent(self) -> bool:
        return self.clock() > self.deadline


_CURRENT: ContextVar[Budget | None] = ContextVar("relance_reading_budget", default=None)


@contextmanager
def spending(seconds: float, clock: Clock = time.monotonic) -> Iterator[Budget]:
    """Put a budget of ``seconds`` in force for the block; the block's ``check()`` calls raise
    ``OverBudget`` once it is spent. Budgets nest: an inner one ends no later than the outer."""
    outer = _CURRENT.get()
    budget = Budget(seconds, clock() + seconds, clock)
    if outer is not None and outer.deadline < budget.deadline and outer.clock is clock:
        budget = outer
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)


def check() -> None:
    """Raise ``OverBudget`` when a budget is in force and spent; otherwise return at once."""
    budget = _CURRENT.get()
    if budget is not None and budget.spent():
        raise OverBudget(budget.seconds)
