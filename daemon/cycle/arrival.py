"""The order the observer reads a sync's messages in, and the runs it stores them in.

Messages are read in the order they happened (an invoice before the reply to it, a reply before
the bounce that came later), which only their Date tells; and a first sync brings thousands,
each weighing many times its bytes once parsed with its parts. So the order is read from each
message's header block alone, and a message is parsed whole only when its run comes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage

from ..core import message as mail
from ..core.mailbox import FetchedMessage

PAGE = 200  # messages stored per transaction
_HEAD_MAX = 1 << 20  # bytes of a message looked at for its header block


def happened_at(msg: EmailMessage, fetched: FetchedMessage, now: datetime) -> datetime:
    """The moment a message happened: its Date, unless missing or absurd (in the future), then
    the mailbox's internal date, then now."""
    stamp = mail.sent_at(msg)
    if stamp is None or stamp > now + timedelta(days=1):
        stamp = fetched.received_at or now
    return stamp


def _head(raw: bytes) -> bytes:
    """The header block of ``raw`` (RFC 5322 §2.1: up to the first empty line), CRLF or LF."""
    window = raw[:_HEAD_MAX]
    for blank in (b"\r\n\r\n", b"\n\n"):
        found = window.find(blank)
        if found >= 0:
            return window[:found + len(blank)]
    return window + b"\r\n\r\n"


def in_order(messages: Sequence[FetchedMessage], now: datetime) -> list[FetchedMessage]:
    """``messages`` in the order they happened (``happened_at`` of each header block; equal
    moments keep the mailbox's order). A header block that cannot be read takes the mailbox's
    date: the whole parse, later, tells whether the message is readable."""
    dated = []
    for fetched in messages:
        try:
            when = happened_at(mail.parse(_head(fetched.raw)), fetched, now)
        except Exception:
            when = fetched.received_at or now
        dated.append((when, fetched))
    dated.sort(key=lambda pair: pair[0])
    return [fetched for _, fetched in dated]


def pages(ordered: list[FetchedMessage]) -> list[list[FetchedMessage]]:
    """The messages in runs of ``PAGE``, each stored in one transaction: a commit (a sync to
    disk) per message cost more than reading it. All of a run is stored or none of it, and the
    cycle saves the mailbox cursor only after the whole pass, so a crash reads the run again
    rather than losing it (each message is recorded once, by Message-ID)."""
    return [ordered[start:start + PAGE] for start in range(0, len(ordered), PAGE)]
