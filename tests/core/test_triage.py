"""Triage from headers alone: every message relance acts on is read whole; plain new mail is
not (the IMAP plugin fetches only the bodies this asks for)."""

from __future__ import annotations

from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path

import pytest

from relance.daemon.core.mailbox import Folder
from relance.daemon.core.triage import worth_reading

DATA = Path(__file__).resolve().parents[1] / "data"


def _headers(path: Path):
    return BytesHeaderParser(policy=policy.default).parsebytes(path.read_bytes())


MATTERS = [p for folder in ("bounces", "autoreplies", "payments", "replies")
           for p in sorted((DATA / folder).glob("*.eml"))]


@pytest.mark.parametrize("path", MATTERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_message_relance_acts_on_is_read_whole(path):
    assert worth_reading(Folder.INBOX, _headers(path))


def test_the_sample_inbox_reads_all_but_the_newsletter(sample_mailbox):
    inbox = sample_mailbox / "inbox"
    read = {p.name for p in inbox.glob("*.eml") if worth_reading(Folder.INBOX, _headers(p))}
    skipped = {p.name for p in inbox.glob("*.eml")} - read
    assert skipped and all("newsletter" in name or "friend" in name for name in skipped)


def test_plain_new_mail_is_not_read_but_everything_in_sent_is():
    raw = (b"From: Lea <lea@friends.test>\r\nTo: claire@atelier.test\r\n"
           b"Subject: Dinner on Friday?\r\nMessage-ID: <d1@friends.test>\r\n\r\n")
    headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
    assert not worth_reading(Folder.INBOX, headers)
    assert worth_reading(Folder.SENT, headers)


def test_a_client_writing_afresh_about_payment_is_read():
    raw = (b"From: Tom <billing@northwind.test>\r\nTo: claire@atelier.test\r\n"
           b"Subject: Virement pour la facture F-2026-011\r\nMessage-ID: <p1@northwind.test>"
           b"\r\n\r\n")
    assert worth_reading(Folder.INBOX, BytesHeaderParser(policy=policy.default).parsebytes(raw))
