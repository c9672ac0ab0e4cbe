"""The engine's copy of the invoices answers as the store does, whoever wrote them and when:
found out of their time order, written by another process, written inside a transaction that is
then rolled back, or corrected by ``relance fix`` in another process."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from relance.daemon.core.model import DueSource, Event, EventKind, Invoice, Money
from relance.daemon.cycle.history import InvoiceHistory
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


def test_an_invoice_corrected_by_relance_fix_beside_the_daemon_is_read_again(
        store: Store) -> None:
    history = InvoiceHistory(store)
    history.invoices()
    fixed = replace(_invoice(1), number="F-2026-001", due_date=date(2026, 4, 1))
    with Store.open(store.path) as other, other.transaction():  # `relance fix` beside it
        other.correct_invoice(fixed)
        other.add_event(fixed.key, Event(EventKind.CONFIRMED, AT, detail="number, due date"))
    assert history.invoices() == store.invoices()
    assert [i.number for i in history.invoices()] == ["INV-0", "F-2026-001", "INV-2"]
