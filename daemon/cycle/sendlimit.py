"""The sending limit, remembered: until when nothing is sent, in the store's meta.

A mail service that refuses to send more for now (Gmail's daily mail-sending limit, a 429 that
lasts hours) says until when; asking before then spends quota and may lengthen the ban. The
time is kept in the store, not in the mailbox object, so a restarted daemon does not ask again
and ``relance status`` can say when the next try is.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from ..core.errors import SendingLimitError
from .store import Store

SENDING_LIMIT_META = "sending_limit"  # JSON {"since", "until", "service", "error"}; "": none
# How long sending waits when a sending limit named no time to retry.
SENDING_LIMIT_WAIT = timedelta(hours=1)


def limited_until(store: Store, now: datetime) -> datetime | None:
    """Until when the recorded sending limit forbids sending, or None; a limit whose time has
    come is forgotten."""
    meta = store.meta(SENDING_LIMIT_META)
    if not meta:
        return None
    until = datetime.fromisoformat(json.loads(meta)["until"])
    if now < until:
        return until
    with store.transaction():
        store.set_meta(SENDING_LIMIT_META, "")
    return None


def note_limit(store: Store, exc: SendingLimitError, now: datetime) -> datetime:
    """Record the limit ``exc`` reports: until the time the service gave, else for
    ``SENDING_LIMIT_WAIT``. Returns that time."""
    until = (datetime.fromtimestamp(exc.retry_at, timezone.utc) if exc.retry_at is not None
             else now + SENDING_LIMIT_WAIT)
    until = max(until, now).astimezone(timezone.utc)
    limit = {"since": now.isoformat(), "until": until.isoformat(), "service": exc.service,
             "error": str(exc)}
    with store.transaction():
        store.set_meta(SENDING_LIMIT_META, json.dumps(limit))
    return until
