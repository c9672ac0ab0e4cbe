"""Time for tests: a fake clock the product takes in place of the real one, and a way to wait
for something that happens on another thread or in another process without guessing how long
it takes."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta


class Clock:
    """A clock that stands still until the test moves it.

    Callable like the product's ``Clock = Callable[[], datetime]``; ``now`` can be read, set
    (``clock.now = ...``) and moved (``clock.now += ...`` or :meth:`advance`). Only aware
    datetimes are accepted: the product compares against aware ones, and a naive one would
    fail far from the line that set it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    @property
    def now(self) -> datetime:
        return self._now

    @now.setter
    def now(self, value: datetime) -> None:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"the test clock takes aware datetimes only, not {value!r}")
        self._now = value

    def __call__(self) -> datetime:
        """Return the current fake time."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta`` (never backward); return the new time."""
        if delta < timedelta(0):
            raise ValueError(f"the test clock only moves forward, not by {delta}")
        self.now = self._now + delta
        return self._now

    def epoch(self) -> float:
        """Return the current fake time as POSIX seconds (for servers that keep time that way)."""
        return self._now.timestamp()


def wait_until(predicate: Callable[[], object], timeout: float = 5.0, *,
               interval: float = 0.01, what: str | None = None) -> object:
    """Poll ``predicate`` until it returns something truthy; return that value.

    Raises ``TimeoutError`` (naming ``what`` or the predicate) when ``timeout`` seconds pass
    first. This is a wait for an event, not a pause: it returns as soon as the event happens."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            name = what or getattr(predicate, "__name__", repr(predicate))
            raise TimeoutError(f"gave up after {timeout:g}s waiting for {name}")
        time.sleep(interval)
