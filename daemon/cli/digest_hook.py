"""The daily digest as the daemon asks for it: given the engine and now, the e-mail that
:mod:`.digest` writes from the store and the status rows of :mod:`.status`, or ``NO_DIGEST``.

The runner (``relance.daemon.cycle.runner``) decides *when* a digest goes — once a day from
``relance run --digest HH:MM`` — and takes :func:`daily_digest` as its ``digest`` argument, so
that the cycle layer never imports the CLI.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from email.message import EmailMessage

from ..cycle.engine import Engine
from ..cycle.runner import MAILBOX_PROBLEM_META, NO_DIGEST, NoDigest
from ..cycle.store import FollowUpState
from .digest import Digest, build_digest, digest_message
from .status import health, invoice_rows, missed_note


def daily_digest(engine: Engine, now: datetime) -> EmailMessage | NoDigest:
    """The digest of the day ending at ``now``, from and to the user; ``NO_DIGEST`` when the
    day brought nothing worth an e-mail."""
    store, zone = engine.store, engine.config.zone
    rows = invoice_rows(store.invoices(), store.events(), engine.plan(), store.followups(),
                        now.astimezone(zone).date())
    numbers = {inv.key: inv.number for inv in store.invoices()}
    problem = json.loads(store.meta(MAILBOX_PROBLEM_META) or "{}").get("error", "")
    digest = build_digest(store.invoices(), store.events(),
                          store.followups(FollowUpState.DRAFTED), rows,
                          since=now - timedelta(days=1), now=now, zone=zone, problem=problem,
                          missed=missed_note(health(store.meta).get("missed_slots"),
                                             store.meta("last_sync"), numbers))
    if not isinstance(digest, Digest):
        return NO_DIGEST
    return digest_message(digest, me=engine.me, now=now)
