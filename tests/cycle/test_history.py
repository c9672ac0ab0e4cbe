"""The engine's copies of the invoices and of their threads' index answer as the store does,
whoever wrote them and when: found out of their time order, written by another process, written
inside a transaction that is then rolled back, or corrected by ``relance fix`` in another
process."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from relance.daemon.core.model import DueSource, Event, EventKind, Invoice, Money
from relance.daemon.core.threads import ThreadIndex
from relance.daemon.cycle.history import InvoiceHistory, ThreadHistory
from relance.daemon.cycle.store import Store

AT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _invoice(n: int) -> Invoice:
    return Invoice(number=f"INV-{n}", amount=Money(Decimal(100), "EUR"),
                   issue_date=date(2026, 2, 1), due_date=date(2026, 3, 3),
                   due_source=DueSource.EXPLICIT, sender="me@atelier.test",
                   recipients=("ap@client.test",), message_id=f"<inv-{n}@atelier.test>",
                   subject=f"Invoice INV-{n}", language="en")


def _figures(store: Store) -> list[tuple[str, Money | None]]:
    return [(i.number, i.amount) for i in store.invoices()]


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
    assert history.figures() == _figures(store)
    # found later, but sent before the others: it comes first, as the store orders it
    store.add_invoice(_invoice(7), mail_ref="", sent_at=AT - timedelta(days=60))
    with Store.open(store.path) as other:
        other.add_invoice(_invoice(8), mail_ref="", sent_at=AT)
    assert history.figures() == _figures(store)
    assert history.figures()[0][0] == _invoice(7).number
    with pytest.raises(RuntimeError), store.transaction():
        store.add_invoice(_invoice(9), mail_ref="", sent_at=AT)
        assert history.figures() == _figures(store)
        raise RuntimeError("the cycle failed")
    assert history.figures() == _figures(store)
    assert _invoice(9).number not in {number for number, _ in history.figures()}


def test_an_invoice_corrected_by_relance_fix_beside_the_daemon_is_read_again(
        store: Store) -> None:
    history = InvoiceHistory(store)
    history.figures()
    fixed = replace(_invoice(1), number="F-2026-001", due_date=date(2026, 4, 1))
    with Store.open(store.path) as other, other.transaction():  # `relance fix` beside it
        other.correct_invoice(fixed)
        other.add_event(fixed.key, Event(EventKind.CONFIRMED, AT, detail="number, due date"))
    assert history.figures() == _figures(store)
    assert [number for number, _ in history.figures()] == ["INV-0", "F-2026-001", "INV-2"]


def test_the_thread_index_grows_with_the_store_as_a_full_build_of_it(store: Store) -> None:
    """Invoices and thread messages added in any order, by this process or another, give the
    index ``ThreadIndex.build`` makes of the whole store; a rolled-back row never stays."""
    threads = ThreadHistory(store)

    def full() -> ThreadIndex:
        rows: dict[str, list[str]] = {}
        for message_id, key, _ in store.thread_index_rows():
            rows.setdefault(key, []).append(message_id)
        return ThreadIndex.build(store.invoices(), rows)

    def reply(n: int, key: str, other: Store | None = None) -> None:
        (other or store).record_message(
            message_id=f"<re-{n}@client.test>", folder="inbox", mail_ref="", thread_id=None,
            invoice_key=key, kind="reply", sender="ap@client.test", subject="Re: Invoice",
            sent_at=AT, refs=[])

    assert threads.index() == full()
    reply(1, _invoice(0).key)
    # a reply recorded before the invoice whose own id it carries: the invoice's id wins
    store.record_message(message_id=_invoice(5).key, folder="inbox", mail_ref="",
                         thread_id=None, invoice_key=_invoice(1).key, kind="reply",
                         sender="ap@client.test", subject="Re", sent_at=AT, refs=[])
    assert threads.index() == full()
    store.add_invoice(replace(_invoice(5), thread_id="t-5"), mail_ref="", sent_at=AT)
    with Store.open(store.path) as other:
        reply(2, _invoice(2).key, other)
    assert threads.index() == full()
    assert threads.index().by_message_id[_invoice(5).key] == _invoice(5).key
    with pytest.raises(RuntimeError), store.transaction():
        reply(3, _invoice(1).key)
        assert threads.index() == full()
        raise RuntimeError("the cycle failed")
    assert threads.index() == full()
    assert "<re-3@client.test>" not in threads.index().by_message_id
