"""Quota accounting and error injection for the fake Gmail server.

Quota: Gmail charges each method a number of units (see ``routes.UNITS``) against a per-user
limit of 15,000 units per minute (the "Usage limits" page); past it, calls fail with a rate-limit
error until the minute moves on. ``Quota`` keeps a sliding 60-second window per user on an
injectable clock and the totals tests and benchmarks read.

Faults: ``Faults`` decides, per API call, whether to answer with an injected error instead:
either queued one-shot faults (``faults.queue("429", "drop")``) or a seeded random rate
(``faults.rate(0.2, ("429", "500"))``). Kinds:

- ``"429"``: 429 ``rateLimitExceeded``; ``"429user"``: 429 ``userRateLimitExceeded``;
  ``"403"``: 403 ``userRateLimitExceeded`` (Gmail answers its per-user limit either way)
- ``"429send"``: the mail-sending limit, 429 "User-rate limit exceeded" "(Mail sending)"
  with a time to retry; ``"403daily"``: 403 ``dailyLimitExceeded``
- ``"500"``, ``"503"``: server errors, the call not carried out
- ``"drop"``: the connection closes before the call is carried out
- ``"drop_after"``: the call is carried out, then the connection closes without an answer
  (the client cannot know whether it happened: the exactly-once case)
"""

from __future__ import annotations

import collections
import random
import threading
import time
from collections.abc import Callable

KINDS = ("429", "429user", "429send", "403", "403daily", "500", "503", "drop", "drop_after")
PER_USER_PER_MINUTE = 15_000


class Quota:
    """Units and requests spent, per user, with a sliding one-minute limit."""

    def __init__(self, limit: int | None = PER_USER_PER_MINUTE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self.units: collections.Counter[str] = collections.Counter()
        self.calls: collections.Counter[str] = collections.Counter()  # by method name
        self.http_requests = 0
        self.rejected = 0
        self._window: dict[str, collections.deque[tuple[float, int]]] = {}
        self._lock = threading.Lock()

    def charge(self, user: str, method: str, units: int) -> bool:
        """Spend ``units`` for ``user``; return False (spending nothing) past the limit."""
        with self._lock:
            now = self.clock()
            window = self._window.setdefault(user, collections.deque())
            while window and window[0][0] <= now - 60:
                window.popleft()
            if self.limit is not None and sum(u for _, u in window) + units > self.limit:
                self.rejected += 1
                return False
            window.append((now, units))
            self.units[user] += units
            self.calls[method] += 1
            return True

    def count_request(self) -> None:
        with self._lock:
            self.http_requests += 1

    def reset(self) -> None:
        """Zero the totals (not the window), to measure one phase of a test."""
        with self._lock:
            self.units.clear()
            self.calls.clear()
            self.http_requests = 0
            self.rejected = 0


class Faults:
    """Which injected error, if any, answers the next API call."""

    NONE = ""

    def __init__(self) -> None:
        self._queue: collections.deque[tuple[str, str]] = collections.deque()
        self._rate = 0.0
        self._kinds: tuple[str, ...] = ()
        self._rng = random.Random(0)
        self._only: frozenset[str] = frozenset()
        self.injected: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()

    def queue(self, *kinds: str, method: str = "") -> None:
        """Answer the next calls (of ``method``, or of any method), one each, with these
        faults."""
        for kind in kinds:
            if kind not in KINDS:
                raise ValueError(f"unknown fault {kind!r}; use one of {KINDS}")
        with self._lock:
            self._queue.extend((method, kind) for kind in kinds)

    def rate(self, fraction: float, kinds: tuple[str, ...] = ("429", "500"),
             seed: int = 0, methods: frozenset[str] = frozenset()) -> None:
        """Answer ``fraction`` of calls (of ``methods``, or all) with one of ``kinds``."""
        with self._lock:
            self._rate, self._kinds = fraction, kinds
            self._rng = random.Random(seed)
            self._only = methods

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self._rate = 0.0

    def next(self, method: str) -> str:
        """Return the fault for this call of ``method``, or ``Faults.NONE``."""
        with self._lock:
            queued = next((q for q in self._queue if q[0] in ("", method)), None)
            if queued is not None:
                self._queue.remove(queued)
                kind = queued[1]
            elif self._rate and (not self._only or method in self._only) \
                    and self._rng.random() < self._rate:
                kind = self._rng.choice(self._kinds)
            else:
                return self.NONE
            self.injected[kind] += 1
            return kind
