"""What Gmail API calls cost, which scopes relance asks for, and how long to wait before a
retry. Pure: no IO, no Google library.

Units are those of the Gmail API "Usage limits" page (per-method quota usage); the per-user
limit is 15,000 units a minute, so a first sync of a large mailbox is paced by it, and an idle
cycle (one ``history.list``) costs 2 units.
"""

from __future__ import annotations

import collections
import random
from dataclasses import dataclass, field

UNITS: dict[str, int] = {
    "getProfile": 1,
    "settings.sendAs.list": 1,
    "settings.getLanguage": 1,
    "labels.list": 1,
    "labels.get": 1,
    "labels.create": 5,
    "messages.list": 5,
    "messages.get": 5,
    "messages.modify": 5,
    "messages.delete": 10,
    "messages.send": 100,
    "messages.insert": 25,
    "messages.import": 25,
    "threads.get": 10,
    "threads.list": 10,
    "history.list": 2,
    "drafts.create": 10,
    "drafts.get": 5,
    "drafts.list": 5,
    "drafts.update": 15,
    "drafts.delete": 10,
    "drafts.send": 100,
}
UNKNOWN_METHOD_UNITS = 5
PER_USER_PER_MINUTE = 15_000

# The fewest scopes that do the job, and why each one is needed.
SCOPE_READ = "https://www.googleapis.com/auth/gmail.readonly"
SCOPE_COMPOSE = "https://www.googleapis.com/auth/gmail.compose"
SCOPE_MODIFY = "https://www.googleapis.com/auth/gmail.modify"
SCOPE_REASONS: dict[str, str] = {
    SCOPE_READ: "read Sent and Inbox to find invoices, delivery failures and replies, "
                "and search Sent for a follow-up's Message-ID before sending it",
    SCOPE_COMPOSE: "create, update and delete follow-up drafts in their threads and send "
                   "them (drafts.send); compose cannot read other mail",
}


def scopes(labels_enabled: bool) -> tuple[str, ...]:
    """Return the OAuth scopes to request: read + compose, whatever ``labels_enabled`` says.
    gmail.modify (``SCOPE_MODIFY``) is restricted and would only serve labels, which are not
    built: it is never requested (a configuration from before still says ``labels = true``;
    it asks for nothing more)."""
    del labels_enabled
    return (SCOPE_READ, SCOPE_COMPOSE)


def method_name(method_id: str) -> str:
    """Turn a discovery ``methodId`` (``gmail.users.messages.get``) into the name of the
    quota table (``messages.get``)."""
    return method_id.removeprefix("gmail.").removeprefix("users.")


def units_of(method: str) -> int:
    """Return the quota units one call of ``method`` costs."""
    return UNITS.get(method, UNKNOWN_METHOD_UNITS)


@dataclass
class QuotaMeter:
    """Units and HTTP requests this client has spent (every attempt counts: Gmail charges the
    calls it receives, and a retried call is received twice)."""

    units: int = 0
    http_requests: int = 0
    calls: collections.Counter[str] = field(default_factory=collections.Counter)

    def charge(self, method: str) -> None:
        self.units += units_of(method)
        self.calls[method] += 1

    def snapshot(self) -> tuple[int, int]:
        """Return ``(units, http_requests)`` so far, to measure one phase by difference."""
        return self.units, self.http_requests


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter: attempt ``n`` waits a random time between 0 and
    ``min(cap, base * 2**n)`` seconds, so many clients that failed together spread out."""

    base: float = 1.0
    cap: float = 64.0
    attempts: int = 7  # total tries of one call, the first included

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.cap, self.base * 2**attempt))


DEFAULT_BACKOFF = Backoff()
