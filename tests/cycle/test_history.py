"""Which invoice a received message belongs to, and which invoice a payment notice names, are
answered by the store alone: after a restart, whoever wrote the store (another process, a
transaction that was rolled back), and for a store written before these answers had indexes
of their own."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path

import pytest

from relance.daemon.core.mailbox import FetchedMessage, Folder, MailRef
from relance.daemon.core.model import EventKind, Invoice
from relance.daemon.core.reading import read_sent
from relance.daemon.cycle.config import Config, default_config
from relance.daemon.cycle.observe import Observer
from relance.daemon.cycle.store import Store
from tests import mails

SENT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
NOW = SENT + timedelta(days=20)
BANK = "sparkasse-beispiel.example"
DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    found = default_config({"HOME": str(tmp_path)})
    return replace(found, store_path=tmp_path / "relance.sqlite3",
                   account=replace(found.account, address=mails.ME),
                   detection=replace(found.detection, payment_senders=(BANK,)))


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    with Store.open(config.store_path) as opened:
        yield opened


def _observe(store: Store, config: Config, *found: tuple[Folder, EmailMessage | bytes, str | None]
             ) -> None:
    """A pass of the observer over messages as a mailbox returns them (folder, message, the
    mailbox's thread id), from a fresh start of the daemon: nothing but the store is known."""
    fetched = [FetchedMessage(MailRef(folder, f"m{n}"), msg if isinstance(msg, bytes)
                              else bytes(msg), thread_id)
               for n, (folder, msg, thread_id) in enumerate(found)]
    Observer(store, config, me=mails.ME, now=NOW).observe(fetched)


def _send(store: Store, config: Config, number: str, *, amount: str = "EUR 900.00",
          thread_id: str | None = None, **headers: str) -> EmailMessage:
    msg = mails.invoice(number, amount, "2026-04-01", SENT, **headers)
    _observe(store, config, (Folder.SENT, msg, thread_id))
    return msg


def _owner(store: Store, message_id: str) -> str | None:
    row = store.message_row(message_id)
    assert row is not None, message_id
    return row["invoice_key"]


def _answer(to: EmailMessage, name: str, *, in_reply_to: str | None = None,
            references: bool = True, sender: str = mails.CLIENT,
            subject: str | None = None) -> EmailMessage:
    """A client's reply to ``to``, optionally answering another message (``in_reply_to``),
    without References, from someone else, or under another subject."""
    msg = mails.reply(to, "Could you send it again with our PO number on it?", NOW,
                      sender=sender, name=name)
    for header, value in (("In-Reply-To", in_reply_to), ("Subject", subject)):
        if value is not None:
            del msg[header]
            if value:
                msg[header] = value
    if not references:
        del msg["References"]
    return msg


def test_replies_are_attached_after_a_restart_from_the_store_alone(config: Config) -> None:
    with Store.open(config.store_path) as store:
        invoice = _send(store, config, "INV-1", cc="ap@northwind.test", thread_id="thr-1")
        first = _answer(invoice, "first")
        _observe(store, config, (Folder.INBOX, first, None))
    with Store.open(config.store_path) as store:  # the daemon restarted
        key = str(invoice["Message-ID"])
        # answering the client's first reply only (no References): found by that reply's id
        by_reply = _answer(invoice, "second", in_reply_to=str(first["Message-ID"]),
                           references=False)
        # a new message under the invoice's subject, from the address in Cc
        by_subject = _answer(invoice, "third", in_reply_to="", references=False,
                             sender="AP@Northwind.test", subject="RE:  invoice INV-1 from "
                             "Atelier Martin")
        # in the invoice's mailbox thread, under another subject
        by_thread = _answer(invoice, "fourth", in_reply_to="", references=False,
                            subject="our PO")
        _observe(store, config, (Folder.INBOX, by_reply, None),
                 (Folder.INBOX, by_subject, None), (Folder.INBOX, by_thread, "thr-1"))
        assert [_owner(store, str(m["Message-ID"])) for m in (by_reply, by_subject, by_thread)] \
            == [key, key, key]
        assert [e.kind for e in store.events_of(key)].count(EventKind.REPLY) == 4


def test_an_invoice_s_own_id_wins_over_the_same_id_seen_in_another_thread(
        store: Store, config: Config) -> None:
    one = _send(store, config, "INV-1")
    two = mails.invoice("INV-2", "EUR 300.00", "2026-04-01", SENT)
    key = str(two["Message-ID"])
    # the second invoice's id was recorded in the first's thread before it became an invoice
    # (`relance track` of a message read before)
    store.record_message(message_id=key, folder="sent", mail_ref="", thread_id=None,
                         invoice_key=str(one["Message-ID"]), kind="own", sender=mails.ME,
                         subject="Re", sent_at=SENT, refs=[])
    found = read_sent(two, default_terms_days=30)
    assert isinstance(found, Invoice)
    store.add_invoice(found, mail_ref="", sent_at=SENT)
    answer = _answer(two, "re-two", subject="Re: about it")
    _observe(store, config, (Folder.INBOX, answer, None))
    assert _owner(store, str(answer["Message-ID"])) == key


def test_what_another_process_stored_is_known_and_what_was_rolled_back_is_not(
        store: Store, config: Config) -> None:
    with Store.open(config.store_path) as other:  # `relance track`, say, beside the daemon
        theirs = _send(other, config, "INV-7", to="ap@fabrikam.test")
    lost = mails.invoice("INV-8", "EUR 300.00", "2026-04-01", SENT, to="ap@contoso.test")
    with pytest.raises(RuntimeError), store.transaction():
        _observe(store, config, (Folder.SENT, lost, None))
        raise RuntimeError("the cycle failed")
    to_theirs = _answer(theirs, "a", in_reply_to="", references=False,
                        sender="ap@fabrikam.test")
    to_lost = _answer(lost, "b", sender="ap@contoso.test")  # by id and by subject: neither
    _observe(store, config, (Folder.INBOX, to_theirs, None), (Folder.INBOX, to_lost, None))
    assert _owner(store, str(to_theirs["Message-ID"])) == str(theirs["Message-ID"])
    assert _owner(store, str(to_lost["Message-ID"])) is None


def test_two_invoices_under_one_subject_to_one_client_are_told_apart_by_id_only(
        store: Store, config: Config) -> None:
    one = _send(store, config, "INV-1", subject="Invoice")
    two = _send(store, config, "INV-2", subject="Invoice")
    guess = _answer(one, "guess", in_reply_to="", references=False, subject="Re: Invoice")
    known = _answer(two, "known", subject="Re: Invoice")
    _observe(store, config, (Folder.INBOX, guess, None), (Folder.INBOX, known, None))
    assert _owner(store, str(guess["Message-ID"])) is None
    assert _owner(store, str(known["Message-ID"])) == str(two["Message-ID"])


def test_a_store_written_before_migration_4_finds_its_threads_by_subject_and_thread_id(
        config: Config) -> None:
    from relance.daemon.cycle import schema

    old = sqlite3.connect(config.store_path, isolation_level=None)
    for number in range(3):
        schema._migrate(old, number)
    for key, subject, thread in (("<f-7@atelier.test>", "Fwd: Facture\u00a0 F-7", "t-7"),
                                 ("<f-8@atelier.test>", "Facture F-8", None)):
        old.execute(
            "INSERT INTO invoices (key, number, issue_date, due_date, due_source, sender,"
            " recipients, cc, subject, language, sent_at, thread_id, client)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (key, key[1:4].upper(), "2026-03-01", "2026-03-31", "explicit", mails.ME,
             json.dumps([mails.CLIENT]), json.dumps(["Compta@Client.test"]), subject, "fr",
             SENT.isoformat(), thread, mails.CLIENT))
    old.close()
    with Store.open(config.store_path) as store:
        invoice = mails.invoice("F-7", "EUR 10.00", "2026-03-31", SENT,
                                subject="Facture F-7", message_id="<f-7@atelier.test>")
        by_subject = _answer(invoice, "s", in_reply_to="", references=False,
                             sender="compta@client.test", subject="RE : facture f-7")
        by_thread = _answer(invoice, "t", in_reply_to="", references=False, subject="PO")
        _observe(store, config, (Folder.INBOX, by_subject, None),
                 (Folder.INBOX, by_thread, "t-7"))
        assert _owner(store, str(by_subject["Message-ID"])) == "<f-7@atelier.test>"
        assert _owner(store, str(by_thread["Message-ID"])) == "<f-7@atelier.test>"


def _bank_notice(reference: str) -> bytes:
    """The savings bank's notice of 2,380.00 EUR (vouched for), naming ``reference``."""
    raw = (DATA / "payments/p05_bank_de_zahlungseingang.eml").read_bytes()
    return raw.replace(b"RE2026007", reference.encode())


def test_a_bank_notice_names_its_invoice_by_number_else_by_its_one_amount(
        store: Store, config: Config) -> None:
    with Store.open(config.store_path) as other:
        by_number = _send(other, config, "RE-2026-007", amount="EUR 100.00")
    by_amount = _send(store, config, "F-9", amount="EUR 2,380.00", to="ap@fabrikam.test")
    _observe(store, config, (Folder.INBOX, _bank_notice("RE2026007"), None))
    _observe(store, config, (Folder.INBOX, _bank_notice("ZZ-4711").replace(
        b"Message-ID: <ke-", b"Message-ID: <other-"), None))
    assert [e.kind for e in store.events_of(str(by_number["Message-ID"]))] == [
        EventKind.SENT, EventKind.PAYMENT]
    assert [e.kind for e in store.events_of(str(by_amount["Message-ID"]))] == [
        EventKind.SENT, EventKind.PAYMENT]


def test_a_bank_notice_of_an_amount_two_invoices_share_names_neither(
        store: Store, config: Config) -> None:
    keys = [str(_send(store, config, number, amount="EUR 2,380.00", to=to)["Message-ID"])
            for number, to in (("F-9", "ap@fabrikam.test"), ("F-10", "ap@contoso.test"))]
    _observe(store, config, (Folder.INBOX, _bank_notice("ZZ-4711"), None))
    assert [[e.kind for e in store.events_of(key)] for key in keys] == [[EventKind.SENT]] * 2
