"""The folder mailbox keeps its folder listings between syncs, while each folder's time stays
as it was: messages filed and drafts deleted between syncs a few milliseconds apart (within a
tick of a coarse filesystem clock, where the folder's time may not move) are all seen."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from relance.gmail.folder.mailbox import FolderMailbox
from tests import mails

SENT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def test_messages_filed_between_quick_syncs_are_all_found(tmp_path: Path) -> None:
    box = FolderMailbox(tmp_path, mails.ME)
    cursor = None
    found: list[str] = []
    for n in range(200):  # mostly as fast as the machine goes: many land within one tick
        mails.file_into(tmp_path / "inbox", f"m{n:03d}", mails.reply(
            mails.invoice("INV-1", "EUR 10.00", "2026-03-30", SENT), "Thanks", SENT +
            timedelta(minutes=n), name=f"r{n}"))
        if n % 20 == 0:
            time.sleep(0.05)  # and now and then once the folder's time is surely settled
        changes = box.sync(cursor)
        cursor = changes.cursor
        found += [m.ref.id for m in changes.messages]
    assert found == [f"m{n:03d}.eml" for n in range(200)]
    assert box.sync(cursor).messages == ()  # and none twice
    assert json.loads(cursor or "{}")["inbox"] == sorted(found)


def test_a_draft_deleted_right_after_a_sync_is_missing_from_the_next(tmp_path: Path) -> None:
    box = FolderMailbox(tmp_path, mails.ME)
    names = [box.create_draft(mails.invoice(f"INV-{n}", "EUR 10.00", "2026-03-30", SENT), None)
             for n in range(50)]
    cursor = box.sync(None).cursor
    for n, name in enumerate(names):
        box.delete_draft(name)
        if n % 10 == 0:
            time.sleep(0.05)
        changes = box.sync(cursor)
        assert name not in (changes.drafts_present or ())
    assert box.sync(cursor).drafts_present == frozenset()
