"""The engine's copies of the events and the invoices answer as the store does, whoever
wrote them and when: arriving out of their time order, written by another process (``relance
paid`` while the daemon runs), written inside a transaction that is then rolled back, or rows
deleted by hand with a SQLite shell."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from relance.daemon.core.model import DueSource, Event, EventKind, Invoice, Money
from relance.daemon.cycle.history import EventHistory, InvoiceHistory
from relance.daemon.cycle.store import Store

AT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _invoice(n: int) -> Invoice:
    return Invoice(number=f"INV-{n}", amount=Money(Decimal(100), "EUR"),
                   issue_date=date(2026, 2, 1), due_date=date(2026, 3, 3),
                   due_source=DueSource.EXPLICIT, sender="me@atelier.test",
                   recipients=("ap@client.test",), message_id=f"<inv-{n}@atelier.test>",
                   subject=f"Invoice INV-{n}", language="en")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store.open(tmp_path / "relance.sqlite3")
    with opened.transaction():
        for n in range(3):
            opened.add_invoice(_invoice(n), mail_ref="", sent_at=AT - timedelta(days=30))
            opened.add_event(_invoice(n).key, Event(EventKind.SENT, AT - timedelta(days=30)))
    yield opened
    opened.close()


def test_new_events_are_merged_in_time_order_as_the_store_orders_them(store: Store) -> None:
    history = EventHistory(store)
    assert history.events() == store.events()
    key = _invoice(1).key
    with store.transaction():
        store.add_event(key, Event(EventKind.REPLY, AT, message_id="<r@x>", detail="later"))
        # observed after the reply, but dated before it: it goes first
        store.add_event(key, Event(EventKind.AUTO_REPLY, AT - timedelta(days=2),
                                   message_id="<a@x>"))
    assert history.events() == store.events()
    assert [e.kind for e in history.events()[key]] == [
        EventKind.SENT, EventKind.AUTO_REPLY, EventKind.REPLY]


def test_events_written_by_another_process_are_seen(store: Store) -> None:
    history = EventHistory(store)
    history.events()
    with Store.open(store.path) as other:  # `relance paid` beside the daemon
        other.add_event(_invoice(2).key, Event(EventKind.MARKED_PAID, AT))
    assert history.events() == store.events()
    assert history.events()[_invoice(2).key][-1].kind is EventKind.MARKED_PAID


def test_a_rolled_back_event_is_never_remembered(store: Store) -> None:
    history = EventHistory(store)
    history.events()
    with pytest.raises(RuntimeError), store.transaction():
        store.add_event(_invoice(0).key, Event(EventKind.STOPPED, AT))
        assert history.events() == store.events()  # read inside: as the store shows it
        raise RuntimeError("the cycle failed")
    assert history.events() == store.events()
    assert all(e.kind is not EventKind.STOPPED for e in history.events()[_invoice(0).key])


def test_rows_deleted_by_hand_make_it_read_everything_again(store: Store) -> None:
    history = EventHistory(store)
    store.add_event(_invoice(0).key, Event(EventKind.STOPPED, AT))
    history.events()
    with sqlite3.connect(store.path) as shell:
        shell.execute("DELETE FROM events WHERE kind = 'stopped'")
    shell.close()
    assert history.events() == store.events()
    store.add_event(_invoice(0).key, Event(EventKind.PAUSED, AT))
    assert history.events() == store.events()


def test_invoices_are_kept_in_the_store_order_whoever_adds_them(store: Store) -> None:
    history = InvoiceHistory(store)
    assert history.invoices() == store.invoices()
    # found later, but sent before the others: it comes first, as the store orders it
    store.add_invoice(_invoice(7), mail_ref="", sent_at=AT - timedelta(days=60))
    with Store.open(store.path) as other:
        other.add_invoice(_invoice(8), mail_ref="", sent_at=AT)
    assert history.invoices() == store.invoices()
    assert history.invoices()[0].key == _invoice(7).key
    with pytest.raises(RuntimeError), store.transaction():
        store.add_invoice(_invoice(9), mail_ref="", sent_at=AT)
        assert history.invoices() == store.invoices()
        raise RuntimeError("the cycle failed")
    assert history.invoices() == store.invoices()
    assert _invoice(9).key not in {i.key for i in history.invoices()}
