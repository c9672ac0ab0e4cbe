"""The store: created and migrated once, WAL, everything recorded once, and refusals that leave
a foreign or newer file untouched."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from relance.daemon.core.errors import StoreError
from relance.daemon.core.model import (
    Attachment,
    DueSource,
    Event,
    EventKind,
    Intent,
    Invoice,
    Money,
)
from relance.daemon.cycle.schema import SCHEMA_VERSION
from relance.daemon.cycle.store import FollowUpState, Store

INVOICE = Invoice(
    number="F-2026-011", amount=Money(Decimal("3600.00"), "EUR"), issue_date=date(2026, 2, 9),
    due_date=date(2026, 3, 11), due_source=DueSource.TERMS, sender="claire@atelier.test",
    recipients=("s.lambert@ferrand.test",), message_id="<f11@atelier.test>",
    subject="Facture F-2026-011", language="fr", cc=("compta@ferrand.test",),
    sender_name="Claire Martin", attachment=Attachment("F-2026-011.pdf", "application/pdf", 2048),
)
AT = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)


def test_new_store_is_wal_at_the_current_schema_and_reopens(tmp_path):
    path = tmp_path / "relance.sqlite3"
    with Store.open(path):
        pass
    with Store.open(path):  # a second open migrates nothing and keeps the data
        pass
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_invoice_round_trips_and_is_stored_once(tmp_path):
    with Store.open(tmp_path / "s.db") as store:
        assert store.add_invoice(INVOICE, mail_ref="sent:1", sent_at=AT)
        assert not store.add_invoice(INVOICE, mail_ref="sent:1", sent_at=AT)
        assert store.invoices() == [INVOICE]
        assert store.find_invoices("f-2026-011") == [INVOICE]
        assert store.find_invoices("f11@atelier.test") == [INVOICE]


def test_events_are_recorded_once(tmp_path):
    with Store.open(tmp_path / "s.db") as store:
        store.add_invoice(INVOICE, mail_ref="sent:1", sent_at=AT)
        reply = Event(EventKind.REPLY, AT, until=date(2026, 3, 20), intent=Intent.PROMISE,
                      message_id="<r1@ferrand.test>", detail="nous réglerons le 20 mars")
        assert store.add_event(INVOICE.key, reply)
        assert not store.add_event(INVOICE.key, reply)  # the same message seen again
        assert store.events() == {INVOICE.key: [reply]}


def test_a_statement_moves_all_its_rows_together(tmp_path):
    with Store.open(tmp_path / "s.db") as store:
        store.add_invoice(INVOICE, mail_ref="sent:1", sent_at=AT)
        other = Invoice(**{**INVOICE.__dict__, "message_id": "<f9@atelier.test>",
                           "number": "F-2026-009"})
        store.add_invoice(other, mail_ref="sent:2", sent_at=AT)
        for key, stage in ((INVOICE.key, "urgent"), (other.key, "first_notice")):
            store.put_followup(invoice_key=key, stage=stage, kind="statement",
                               message_id="<s@atelier.test>", state=FollowUpState.DRAFTED,
                               slot=AT, primary_key=INVOICE.key, draft_id="d1")
        store.set_followup_state("<s@atelier.test>", FollowUpState.SENT)
        assert {r.state for r in store.followups()} == {FollowUpState.SENT}


def test_a_transaction_that_fails_leaves_nothing(tmp_path):
    with Store.open(tmp_path / "s.db") as store:
        with pytest.raises(RuntimeError):
            with store.transaction():
                store.add_invoice(INVOICE, mail_ref="sent:1", sent_at=AT)
                raise RuntimeError("the mailbox went away")
        assert store.invoices() == []


def test_another_programs_database_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (text TEXT)")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not relance's"):
        Store.open(path)
    assert path.read_bytes() == before


def test_an_unwritable_place_says_what_to_do(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match=r"\[store\] path"):
        Store.open(blocker / "relance.sqlite3")


def test_concurrent_writers_wait_for_each_other(tmp_path):
    path = tmp_path / "s.db"
    with Store.open(path) as daemon, Store.open(path) as cli:
        daemon.add_invoice(INVOICE, mail_ref="sent:1", sent_at=AT)
        with daemon.transaction():
            daemon.set_meta("last_sync", "now")
        cli.add_event(INVOICE.key, Event(EventKind.MARKED_PAID, AT))
        assert daemon.events_of(INVOICE.key)[0].kind is EventKind.MARKED_PAID


def _mode(path) -> int:
    return path.stat().st_mode & 0o777


def test_the_database_and_its_wal_files_are_readable_by_the_user_alone(tmp_path):
    import os
    previous = os.umask(0o022)  # the usual umask: new files would be 0644
    try:
        path = tmp_path / "data" / "relance.sqlite3"
        with Store.open(path) as store:
            with store.transaction():
                store.set_meta("last_sync", "2026-03-09T08:00:00+00:00")
            wal, shm = (path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))
            assert wal.exists() and shm.exists()
            assert (_mode(path), _mode(wal), _mode(shm)) == (0o600, 0o600, 0o600)
    finally:
        os.umask(previous)


def test_an_existing_database_open_to_others_is_narrowed_to_the_user(tmp_path):
    path = tmp_path / "relance.sqlite3"
    Store.open(path).close()
    path.chmod(0o644)
    with Store.open(path) as store:
        store.meta("last_sync")
    assert _mode(path) == 0o600


def test_a_payment_s_number_and_amount_find_the_invoice_however_they_are_written(tmp_path):
    with Store.open(tmp_path / "s.db") as store:
        store.add_invoice(INVOICE, mail_ref="sent:1", sent_at=AT)
        assert store.invoices_numbered(["f-2026-011", "F-2026-999"]) == {INVOICE.key}
        assert store.invoices_of_amount(Money(Decimal("3600"), "EUR")) == {INVOICE.key}
        assert store.invoices_of_amount(Money(Decimal("3600.000"), "EUR")) == {INVOICE.key}
        assert store.invoices_of_amount(Money(Decimal("3600.01"), "EUR")) == set()
        assert store.invoices_of_amount(Money(Decimal("3600"), "RON")) == set()
