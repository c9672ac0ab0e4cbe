"""Observe stores what a sync brought in pages, one transaction each; a failure part-way loses
nothing: the pages stored stay, the one that failed is stored whole or not at all, and the
mailbox cursor is saved only after the whole pass, so the next sync brings the rest again.

The failure is a real one of the database: a trigger, added from another connection as a
second program would, refuses one message's row the way a full disk refuses a write.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from relance.daemon.core.model import EventKind
from relance.daemon.cycle.arrival import PAGE
from relance.daemon.cycle.config import default_config
from relance.daemon.cycle.engine import Engine
from relance.daemon.cycle.store import Store
from relance.gmail.folder.mailbox import FolderMailbox
from tests import mails
from tests.clock import Clock

SENT = datetime(2026, 2, 2, 8, 30, tzinfo=timezone.utc)
COUNT = 2 * PAGE + 50  # three pages, the last one short
FAILING = PAGE + PAGE // 2  # a message in the middle of the second page


def _message_id(n: int) -> str:
    return f"<inv-{n:04d}@atelier-martin.example>"


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    root = tmp_path / "mailbox"
    for n in range(COUNT):  # sent a minute apart: observe reads them in this order
        mails.file_into(root / "sent", f"inv-{n:04d}", mails.invoice(
            f"INV-2026-{n:04d}", f"EUR {100 + n},00", "2026-03-04",
            SENT + timedelta(minutes=n), to=f"ap@client{n % 7}.test",
            message_id=_message_id(n)))
    config = default_config({"HOME": str(tmp_path)})
    config = replace(config, store_path=tmp_path / "relance.sqlite3",
                     account=replace(config.account, address=mails.ME))
    store = Store.open(config.store_path)
    yield Engine(config=config, store=store, mailbox=FolderMailbox(root, mails.ME),
                 clock=Clock(SENT + timedelta(days=3)))
    store.close()


def _refuse(path: Path, message_id: str | None) -> None:
    """From another connection: make the database refuse ``message_id``'s row (None: lift it)."""
    with sqlite3.connect(path) as other:
        other.execute("DROP TRIGGER IF EXISTS full_disk")
        if message_id is not None:
            other.execute(
                "CREATE TRIGGER full_disk BEFORE INSERT ON messages"
                f" WHEN NEW.message_id = '{message_id}'"
                " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    other.close()


def test_a_failure_mid_page_keeps_the_pages_before_and_the_next_sync_reads_the_rest(
        engine: Engine) -> None:
    store = engine.store
    _refuse(store.path, _message_id(FAILING))
    with pytest.raises(sqlite3.DatabaseError, match="disk is full"):
        engine.sync()
    kept = {inv.key for inv in store.invoices()}
    assert kept == {_message_id(n) for n in range(PAGE)}  # the first page, whole
    assert store.cursor(engine.account) is None  # so the next sync starts over
    assert store.event_count() == PAGE  # each kept invoice has its "sent" event, no more

    _refuse(store.path, None)
    report, _ = engine.sync()
    assert sorted(report.invoices) == [_message_id(n) for n in range(PAGE, COUNT)]
    assert len(store.invoices()) == COUNT
    sent = [e for events in store.events().values() for e in events if e.kind is EventKind.SENT]
    assert len(sent) == COUNT  # nothing recorded twice
    assert store.cursor(engine.account) is not None

    again, _ = engine.sync()  # the mailbox unchanged: nothing new, nothing twice
    assert again.invoices == [] and again.events == []
    assert store.event_count() == COUNT
