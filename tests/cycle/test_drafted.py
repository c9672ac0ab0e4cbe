"""The waiting drafts as ``Drafted`` keeps them, reading only the follow-up rows written since
the version it knew, are the drafts the store holds: after any sequence of follow-ups made,
moved, sent, withdrawn, replaced by a statement, edited in by another process, and rows
deleted by hand."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from relance.daemon.core.model import DueSource, Invoice, Money
from relance.daemon.cycle.drafted import Drafted
from relance.daemon.cycle.store import FollowUpState, Store

START = datetime(2026, 3, 2, 5, 16, tzinfo=timezone.utc)
CLIENTS = ("ap@northwind.test", "billing@fabrikam.test", "compta@contoso.test")
STATES = (FollowUpState.PLANNED, FollowUpState.DRAFTED, FollowUpState.DRAFTED,
          FollowUpState.SENT, FollowUpState.WITHDRAWN, FollowUpState.CANCELLED)


def _invoice(n: int) -> Invoice:
    return Invoice(number=f"INV-{n}", amount=Money(Decimal(100), "EUR"),
                   issue_date=START.date(), due_date=START.date() + timedelta(days=30),
                   due_source=DueSource.EXPLICIT, sender="me@atelier.test",
                   recipients=(CLIENTS[n % 3],), message_id=f"<inv-{n}@atelier.test>",
                   subject=f"Invoice INV-{n}", language="en")


_WRITE = st.tuples(st.sampled_from(["put", "state", "delete", "other_process", "look"]),
                   st.integers(0, 5), st.sampled_from(["reminder", "first_notice"]),
                   st.integers(0, len(STATES) - 1), st.integers(0, 72))


@settings(max_examples=80, deadline=None)
@given(st.lists(_WRITE, min_size=1, max_size=30))
@example([("put", 0, "reminder", 1, 3), ("delete", 0, "reminder", 0, 1)])
def test_the_drafts_kept_are_the_drafts_stored(tmp_path_factory, writes) -> None:
    path: Path = tmp_path_factory.mktemp("drafted") / "relance.sqlite3"
    with Store.open(path) as store:
        with store.transaction():
            for n in range(6):
                store.add_invoice(_invoice(n), mail_ref="", sent_at=START - timedelta(days=9))
        drafted = Drafted(store)
        for what, n, stage, state, hours in writes:
            key, slot = _invoice(n).key, START + timedelta(hours=hours)
            mid = f"<{key}{stage}{hours}@relance>"
            if what == "put":
                with store.transaction():
                    store.put_followup(invoice_key=key, stage=stage, kind=stage,
                                       message_id=mid, state=STATES[state], slot=slot,
                                       primary_key=key, draft_id=f"d{n}{stage}{hours}")
            elif what == "state":
                row = store.followup(key, stage)
                if row is not None:
                    with store.transaction():
                        store.set_followup_state(row.message_id, STATES[state],
                                                 slot=slot if hours % 2 else None)
            elif what == "delete":  # by hand, with the sqlite3 shell, of a row already seen
                drafted.refresh()
                with sqlite3.connect(path) as other:
                    other.execute("DELETE FROM followups WHERE invoice_key = ?", (key,))
            elif what == "other_process":  # `relance` run beside the daemon moves a draft
                with Store.open(path) as other:
                    row = other.followup(key, stage)
                    if row is not None:
                        with other.transaction():
                            other.set_followup_state(row.message_id, row.state, slot=slot)
            if what == "look" or hours % 3 == 0:  # several writes may come between looks
                drafted.refresh()
                assert drafted.slots == store.drafted_slots()
                assert drafted.ids == store.draft_ids()
        drafted.refresh()
        assert drafted.slots == store.drafted_slots() and drafted.ids == store.draft_ids()
