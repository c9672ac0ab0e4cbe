"""Waiting for new mail in the Inbox: IDLE (RFC 2177) where offered, else NOOP polling.

``wait_for_inbox`` opens the Inbox on a session and picks the way; ``idle_until`` and
``poll_until`` take a client with the Inbox already selected. All return a named answer.
"""

from __future__ import annotations

import enum
import time

from .conn import IMAPClient
from .folders import Role
from .session import Session

IDLE_RENEW_S = 25 * 60  # RFC 2177 §3: servers may drop an IDLE after 30 min; re-issue before 29


class InboxWait(enum.Enum):
    """What ``wait_for_inbox`` saw."""

    CHANGED = "changed"  # a message arrived in the Inbox
    TIMEOUT = "timeout"  # nothing arrived before the timeout


def wait_for_inbox(session: Session, timeout_s: float, *, renew_s: float = IDLE_RENEW_S,
                   uidnext_seen: int = 0) -> InboxWait:
    """Block until a message arrives in the Inbox or ``timeout_s`` passes.

    Uses IDLE (RFC 2177), ended and re-issued every ``renew_s`` because servers may drop an
    IDLE after 30 minutes; without IDLE, polls with NOOP every ``poll_interval_s`` of the
    settings. When the Inbox's UIDNEXT is already above ``uidnext_seen`` (that of the last
    sync; 0: unknown), a message arrived meanwhile and CHANGED is answered at once.
    """
    deadline = time.monotonic() + timeout_s
    with session.use("waiting for new mail") as client:
        status = session.open(client, Role.INBOX)
        if uidnext_seen and status.uidnext > uidnext_seen:
            return InboxWait.CHANGED
        if client.has_capability("IDLE"):
            return idle_until(client, deadline, renew_s)
        return poll_until(client, deadline, session.settings.poll_interval_s)


def idle_until(client: IMAPClient, deadline: float, renew_s: float) -> InboxWait:
    """IDLE in rounds of at most ``renew_s`` until an EXISTS response (RFC 3501 §7.3.1) or
    the deadline. Each round is ended with DONE, whose answer may carry what arrived while
    it was being ended."""
    while True:
        client.idle()
        try:
            seen = _idle_round(client, min(deadline, time.monotonic() + renew_s))
        finally:
            _, during_done = client.idle_done()
        if seen or _has_exists(during_done):
            return InboxWait.CHANGED
        if time.monotonic() >= deadline:
            return InboxWait.TIMEOUT


def _idle_round(client: IMAPClient, until: float) -> bool:
    """Wait in IDLE until ``until``; True as soon as the server reports a new message."""
    while (left := until - time.monotonic()) > 0:
        if _has_exists(client.idle_check(timeout=left)):
            return True
    return False


def _has_exists(responses: list[object]) -> bool:
    return any(isinstance(r, tuple) and len(r) > 1 and r[1] == b"EXISTS" for r in responses)


def poll_until(client: IMAPClient, deadline: float, interval_s: float) -> InboxWait:
    """Without IDLE: NOOP every ``interval_s`` until it reports a new message (RFC 3501
    §6.1.2: NOOP is the way to receive untagged updates) or the deadline."""
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, interval_s))
        _, responses = client.noop()
        if _has_exists(responses):
            return InboxWait.CHANGED
    return InboxWait.TIMEOUT
