"""One message relance cannot read never stops the cycle (issue 10): on a real folder mailbox, a
hostile message in Sent and one in the Inbox, in the invoice's own thread, are recorded once as
unreadable with their reason, logged and shown by ``relance status``; the other invoice is read,
its follow-up drafted at its slot, and the next cycle neither reads them again nor logs them
again.

The hostile messages are shaped on what tests/core/test_hostile.py found in issue 10's fuzz:
a 1,000-deep multipart (it raised RecursionError) and a one-megabyte Subject (34 s in the
standard library's header parser).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from relance.daemon.cli.inspection import unreadable_notes
from relance.daemon.cycle.observe import UNREADABLE_KIND
from tests import mails
from tests.cycle.test_engine import _drafts, _invoice, _walk, world  # noqa: F401 -- fixture

WHEN = datetime(2026, 2, 11, 9, 0, tzinfo=timezone.utc)


def _deep_reply(to_id: str, depth: int = 1000) -> bytes:
    """A reply in the thread whose MIME parts nest ``depth`` levels deep."""
    head = (f"From: Tom Avery <{mails.CLIENT}>\r\nTo: {mails.ME}\r\n"
            "Subject: Re: Invoice INV-2026-031 from Atelier Martin\r\n"
            "Date: Wed, 11 Feb 2026 09:00:00 +0000\r\nMessage-ID: <deep@northwind.test>\r\n"
            f"In-Reply-To: {to_id}\r\nReferences: {to_id}\r\nMIME-Version: 1.0\r\n")
    body = "".join(f'Content-Type: multipart/mixed; boundary="b{n}"\r\n\r\n--b{n}\r\n'
                   for n in range(depth))
    body += "Content-Type: text/plain\r\n\r\nThanks, we will pay on Friday.\r\n"
    body += "".join(f"--b{n}--\r\n" for n in reversed(range(depth)))
    return (head + body).encode()


def _huge_subject_invoice() -> bytes:
    """An invoice in Sent whose Subject is one megabyte long."""
    raw = mails.invoice("INV-2026-099", "EUR 300.00", "2026-03-12", WHEN).as_bytes()
    head, _, rest = raw.partition(b"\nSubject: ")
    _subject, _, rest = rest.partition(b"\n")
    return head + b"\nSubject: Invoice " + b"x" * 1_000_000 + b"\n" + rest


def test_hostile_messages_are_recorded_once_and_the_cycle_goes_on(world, caplog):  # noqa: F811
    engine, clock, root = world
    inv = _invoice(root)
    (root / "sent" / "huge.eml").write_bytes(_huge_subject_invoice())
    (root / "inbox").mkdir(parents=True, exist_ok=True)
    (root / "inbox" / "deep.eml").write_bytes(_deep_reply(str(inv["Message-ID"])))

    with caplog.at_level(logging.WARNING, logger="relance"):
        engine.cycle()
    unread = engine.store.messages_of_kind(UNREADABLE_KIND)
    assert sorted(row["folder"] for row in unread) == ["inbox", "sent"]
    reasons = " | ".join(caplog.messages)
    assert "nested deeper than 50 levels" in reasons and "Subject header" in reasons
    assert [inv.number for inv in engine.store.invoices()] == ["INV-2026-031"]

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="relance"):
        _walk(engine, clock, datetime(2026, 3, 9, 12, tzinfo=timezone.utc))
    assert not [m for m in caplog.messages if "unreadable" in m]  # read once, never again
    # The deep "reply" could not be read, so it is no answer: the reminder is still drafted.
    assert len(_drafts(root)) == 1

    (note,) = unreadable_notes(engine.store.messages_of_kind(UNREADABLE_KIND))
    assert note.startswith("relance could not read 2 messages")
    assert "nested deeper than 50 levels" in note and "from billing@northwind.test" in note


def test_no_note_when_every_message_was_read(world):  # noqa: F811
    engine, _clock, root = world
    _invoice(root)
    engine.cycle()
    assert unreadable_notes(engine.store.messages_of_kind(UNREADABLE_KIND)) == []
