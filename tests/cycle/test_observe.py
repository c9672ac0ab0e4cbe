"""Observe, on a real folder mailbox and a real store: what a user would find in `relance status`
after relance read the mailbox — the invoices found in Sent, and each answer attached to its
invoice as what it is (reply, auto-reply, bounce, payment), read once however often the mailbox
returns it, and never stopped by one message that makes no sense."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from relance.daemon.core.mailbox import MailRef
from relance.daemon.core.model import Event, EventKind, Intent, Money
from relance.daemon.cycle.config import Config, default_config
from relance.daemon.cycle.observe import Observer, ObserveReport, colleague_in
from relance.daemon.cycle.store import Store
from relance.gmail.folder.mailbox import FolderMailbox
from tests import mails
from tests.clock import Clock

DATA = Path(__file__).resolve().parents[1] / "data"
ME = "ana@atelier-popescu.eu"
# The invoice the French answers in tests/data are about: their In-Reply-To, their bounced
# message, the number the Stripe notice names.
F_1042 = "<f-1042.5d1e@atelier-popescu.eu>"
DUPONT = "compta@dupont-menuiserie.fr"


@dataclass
class Desk:
    """Ana's folder mailbox, her store, and the cursor the daemon keeps between syncs."""

    root: Path
    box: FolderMailbox
    store: Store
    config: Config
    clock: Clock
    cursor: str | None = None

    def observe(self, *, resync: bool = False, inbox_first: bool = False) -> ObserveReport:
        """Sync (from scratch when ``resync``, as after a UIDVALIDITY change or an expired
        history) and observe what came back, in the mailbox's order or with the Inbox first."""
        changes = self.box.sync(None if resync else self.cursor)
        self.cursor = changes.cursor
        messages = sorted(changes.messages, key=lambda m: m.ref.folder != "inbox") \
            if inbox_first else list(changes.messages)
        return Observer(self.store, self.config, me=ME, now=self.clock()).observe(messages)

    def send_invoice(self, number: str = "F-1042", *, message_id: str = F_1042,
                     to: str = DUPONT, amount: str = "EUR 1,234.56", due: str = "2026-03-31",
                     sent: datetime = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
                     ) -> EmailMessage:
        inv = mails.invoice(number, amount, due, sent, to=to, sender=ME, message_id=message_id)
        mails.file_into(self.root / "sent", number, inv)
        return inv

    def receive(self, name: str, raw: bytes) -> str:
        """Drop a message into the Inbox; return its Message-ID."""
        (self.root / "inbox" / name).write_bytes(raw)
        return str(message_from_bytes(raw, policy=policy.default).get("Message-ID", "")).strip()

    def receive_data(self, relative: str) -> str:
        return self.receive(Path(relative).name, (DATA / relative).read_bytes())

    def kinds(self, invoice_key: str) -> list[EventKind]:
        return [event.kind for event in self.store.events_of(invoice_key)]


@pytest.fixture
def desk(tmp_path: Path, clock: Clock) -> Iterator[Desk]:
    config = default_config({"HOME": str(tmp_path)})
    config = replace(config, store_path=tmp_path / "relance.sqlite3",
                     account=replace(config.account, address=ME))
    clock.now = datetime(2026, 3, 20, 9, tzinfo=timezone.utc)  # after every answer in tests/data
    root = tmp_path / "mailbox"
    with Store.open(config.store_path) as store:
        yield Desk(root, FolderMailbox(root, ME), store, config, clock)


# -- Sent ---------------------------------------------------------------------------------------

def test_a_sent_invoice_becomes_an_invoice_with_its_facts(desk: Desk) -> None:
    desk.send_invoice()
    report = desk.observe()
    (invoice,) = desk.store.invoices()
    assert report.invoices == [F_1042] == [invoice.key]
    assert (invoice.number, invoice.amount, invoice.due_date, invoice.recipients) == (
        "F-1042", Money(Decimal("1234.56"), "EUR"), date(2026, 3, 31), (DUPONT,))
    assert desk.kinds(invoice.key) == [EventKind.SENT]
    # where it lives is remembered, so that a follow-up can attach its file again
    ref = MailRef.decode(desk.store.invoice_mail_ref(invoice.key))
    assert desk.box.fetch(ref) == (desk.root / "sent" / "F-1042.eml").read_bytes()


def test_a_quote_in_sent_is_remembered_but_never_becomes_an_invoice(desk: Desk) -> None:
    shutil.copy(DATA / "invoices" / "not_quote_en.eml", desk.root / "sent" / "quote.eml")
    report = desk.observe()
    assert report.invoices == [] and desk.store.invoices() == []
    row = desk.store.message_row("<CAF4kQz1QuoteQ12@mail.gmail.com>")
    assert row is not None and row["kind"] == "not_invoice" and row["invoice_key"] is None


def test_the_users_own_answer_in_the_thread_is_kept_with_its_invoice(desk: Desk) -> None:
    inv = desk.send_invoice()
    answer = mails.reply(inv, "Bonjour, voici le RIB demandé.", datetime(
        2026, 3, 4, 10, tzinfo=timezone.utc), sender=ME, name="ana-answer")
    mails.file_into(desk.root / "sent", "answer", answer)
    desk.observe()
    row = desk.store.message_row(str(answer["Message-ID"]))
    # kept in the thread, so that the next follow-up replies to the latest message in it
    assert row is not None and (row["invoice_key"], row["kind"]) == (F_1042, "own")
    assert len(desk.store.invoices()) == 1


def test_a_follow_up_found_in_sent_is_counted_as_sent_for_its_stage(desk: Desk) -> None:
    # A store rebuilt from scratch: the follow-up went out before, and only its header says
    # which stage it was.
    inv = desk.send_invoice()
    followup = mails.reply(inv, "Bonjour, la facture F-1042 est échue depuis le 31 mars.",
                           datetime(2026, 4, 3, 5, 17, tzinfo=timezone.utc), sender=ME,
                           name="followup")
    followup["X-Relance-Stage"] = "first_notice"
    mails.file_into(desk.root / "sent", "followup", followup)
    desk.observe()
    assert desk.store.invoices()[0].key == F_1042  # not a second invoice
    (sent,) = [e for e in desk.store.events_of(F_1042) if e.kind is EventKind.FOLLOWUP_SENT]
    assert sent.stage == "first_notice" and sent.message_id == str(followup["Message-ID"])


# -- Inbox: each answer attached to its invoice as what it is -----------------------------------

@pytest.mark.parametrize(("relative", "kind", "check"), [
    ("replies/r05_fr_html_virement_blockquote.eml", EventKind.REPLY,
     lambda e: e.intent is Intent.PAID),
    ("replies/r08_fr_pas_encore_paye_trap.eml", EventKind.REPLY,  # "not paid yet" is no payment
     lambda e: e.intent is Intent.OTHER),
    ("autoreplies/a04_fr_outlook_range_inclus.eml", EventKind.AUTO_REPLY,
     lambda e: e.until == date(2026, 3, 9)),
    ("bounces/b02_postfix_rfc822_headers.eml", EventKind.BOUNCED_HARD,
     lambda e: e.detail == DUPONT),
    ("payments/p01_stripe_payment_succeeded.eml", EventKind.PAYMENT,  # no thread: by its number
     lambda e: e.detail == "stripe"),
], ids=lambda v: Path(v).stem if isinstance(v, str) else None)
def test_each_answer_is_attached_to_its_invoice_as_what_it_is(
        desk: Desk, relative: str, kind: EventKind, check: Callable[[Event], bool]) -> None:
    desk.send_invoice()
    desk.observe()
    if relative.startswith("replies/r08"):  # its In-Reply-To names F-1044: re-thread it
        raw = (DATA / relative).read_bytes().replace(b"<f-1044.7d8e@atelier-popescu.eu>",
                                                     F_1042.encode())
        mid = desk.receive("r08.eml", raw)
    else:
        mid = desk.receive_data(relative)
    report = desk.observe()
    assert desk.kinds(F_1042) == [EventKind.SENT, kind]
    event = desk.store.events_of(F_1042)[-1]
    assert event.message_id == mid and check(event), event
    assert report.events == [(F_1042, event)]
    row = desk.store.message_row(mid)
    assert row is not None and row["invoice_key"] == F_1042


def test_an_auto_reply_that_says_paid_is_an_auto_reply_not_a_payment(desk: Desk) -> None:
    # Bounce first, then auto-reply, then human: an out-of-office whose text happens to say
    # "paid" must not close the invoice.
    desk.send_invoice("INV-2026-040", message_id="<inv-2026-040.c3d4@atelier-popescu.eu>",
                      to="m.lopez@harbor-lights.example", amount="USD 2,400.00",
                      sent=datetime(2026, 2, 27, 15, tzinfo=timezone.utc))
    desk.receive_data("autoreplies/a03_en_x_autoreply_says_paid.eml")
    desk.observe()
    key = "<inv-2026-040.c3d4@atelier-popescu.eu>"
    assert desk.kinds(key) == [EventKind.SENT, EventKind.AUTO_REPLY]


def test_the_users_own_copy_in_the_inbox_is_not_the_client_answering(desk: Desk) -> None:
    inv = desk.send_invoice()
    desk.observe()
    copy = mails.reply(inv, "Petit rappel pour moi : relancer Dupont.", datetime(
        2026, 3, 5, 8, tzinfo=timezone.utc), sender=ME, name="bcc-self")
    mid = desk.receive("bcc.eml", copy.as_bytes())
    desk.observe()
    assert desk.kinds(F_1042) == [EventKind.SENT]  # no reply: the sequence goes on
    row = desk.store.message_row(mid)
    assert row is not None and row["kind"] == "other"


def test_a_reply_dated_in_the_future_is_recorded_when_it_was_seen(desk: Desk) -> None:
    inv = desk.send_invoice()
    desk.observe()
    desk.receive("future.eml", mails.reply(inv, "Nous avons payé ce matin.", datetime(
        2099, 1, 1, tzinfo=timezone.utc)).as_bytes())
    desk.observe()
    reply = desk.store.events_of(F_1042)[-1]
    assert reply.kind is EventKind.REPLY and reply.at == desk.clock.now


# -- first sight --------------------------------------------------------------------------------

def test_an_answer_synced_with_its_invoice_is_attached_whatever_the_order(desk: Desk) -> None:
    # The first sync of an account returns the invoice and the answer together; a mailbox may
    # list the Inbox first (Gmail's history does): Sent is read first all the same.
    desk.send_invoice()
    mid = desk.receive_data("replies/r05_fr_html_virement_blockquote.eml")
    desk.observe(inbox_first=True)
    assert desk.kinds(F_1042) == [EventKind.SENT, EventKind.REPLY]
    row = desk.store.message_row(mid)
    assert row is not None and row["invoice_key"] == F_1042


def test_a_message_returned_again_is_recorded_once(desk: Desk) -> None:
    desk.send_invoice()
    desk.receive_data("replies/r05_fr_html_virement_blockquote.eml")
    desk.receive_data("autoreplies/a04_fr_outlook_range_inclus.eml")
    first = desk.observe()
    assert len(first.events) == 3
    again = desk.observe(resync=True)  # everything comes back, as after a UIDVALIDITY change
    assert again.invoices == [] and again.events == []
    assert len(desk.store.invoices()) == 1
    assert sorted(desk.kinds(F_1042)) == sorted(
        [EventKind.SENT, EventKind.AUTO_REPLY, EventKind.REPLY])


def test_a_message_without_a_message_id_is_recorded_once_too(desk: Desk) -> None:
    inv = desk.send_invoice()
    answer = mails.reply(inv, "Virement fait hier.", datetime(2026, 3, 6, tzinfo=timezone.utc))
    del answer["Message-ID"]  # some scripts and old mailers send none
    desk.receive("no-id.eml", answer.as_bytes())
    desk.observe()
    desk.observe(resync=True)
    assert desk.kinds(F_1042) == [EventKind.SENT, EventKind.REPLY]


def test_a_known_message_found_under_a_new_name_is_fetched_from_there(desk: Desk) -> None:
    desk.send_invoice()
    desk.observe()
    # The mail client re-filed it (on IMAP: the folder was rebuilt and renumbered).
    (desk.root / "sent" / "F-1042.eml").rename(desk.root / "sent" / "refiled.eml")
    report = desk.observe(resync=True)
    assert report.invoices == [] and len(desk.store.invoices()) == 1
    assert desk.store.invoice_mail_ref(F_1042) == "sent:refiled.eml"
    assert desk.box.fetch(MailRef.decode(desk.store.invoice_mail_ref(F_1042)))


# -- hostile mail -------------------------------------------------------------------------------

HOSTILE = {
    "empty.eml": b"",
    "nul.eml": b"\x00" * 64,
    "nested.eml": (b"From: a@b.test\r\nMessage-ID: <nest@b.test>\r\nMIME-Version: 1.0\r\n"
                   + b"Content-Type: message/rfc822\r\n\r\n" * 200 + b"x"),
    "references.eml": (b"From: a@b.test\r\nMessage-ID: <refs@b.test>\r\n"
                       b"In-Reply-To: =?utf-8?B?!?=\r\nReferences: " + b"<x@y> " * 5000
                       + b"\r\nSubject: Re: F-1042\r\n\r\nhi"),
    "dates.eml": (b"From: a@b.test\r\nMessage-ID: <dates@b.test>\r\n"
                  b"Date: Tue, 99 Foo 2026 99:99:99 +9999\r\nAuto-Submitted: auto-replied\r\n\r\n"
                  b"Back on 31/02/2026 or on 45 March."),
}


def test_hostile_and_malformed_messages_do_not_stop_the_others(desk: Desk) -> None:
    desk.send_invoice()
    for path in sorted((DATA / "invoices").glob("malformed_*.eml")):
        shutil.copy(path, desk.root / "sent" / path.name)
    for path in sorted((DATA / "other").glob("*.eml")):
        shutil.copy(path, desk.root / "inbox" / path.name)
    for name, raw in HOSTILE.items():
        desk.receive(name, raw)
    answer = desk.receive_data("replies/r05_fr_html_virement_blockquote.eml")
    report = desk.observe()
    assert F_1042 in report.invoices
    assert desk.kinds(F_1042) == [EventKind.SENT, EventKind.REPLY]
    assert desk.store.events_of(F_1042)[-1].message_id == answer
    # the malformed invoices in Sent are still invoices (a missing Date, a broken boundary ...)
    assert len(desk.store.invoices()) == 1 + len(list((DATA / "invoices").glob("malformed_*")))
    # and none of it is read as news the next time
    again = desk.observe(resync=True)
    assert again.invoices == [] and again.events == []


def test_an_answer_read_days_later_keeps_its_own_date(desk: Desk) -> None:
    desk.send_invoice()
    desk.observe()
    desk.clock.advance(timedelta(days=3))
    desk.receive_data("autoreplies/a04_fr_outlook_range_inclus.eml")
    desk.observe()
    auto = desk.store.events_of(F_1042)[-1]
    assert auto.at == datetime(2026, 3, 2, 7, 30, 12, tzinfo=timezone.utc)


# -- Claims, colleagues, asked-for addresses (issue 10) -----------------------------------------

def test_a_forged_payment_notice_is_recorded_as_a_claim_not_a_payment(desk: Desk) -> None:
    # From: Stripe, but no receiving server vouched for it: it stops nothing being owed
    desk.send_invoice()
    desk.observe()
    desk.receive_data("payments/p08_forged_stripe_no_authentication.eml")
    desk.observe()
    assert desk.kinds(F_1042) == [EventKind.SENT, EventKind.PAYMENT_CLAIMED]


def test_a_bank_the_user_named_closes_with_its_vouched_notice(desk: Desk) -> None:
    desk.config = replace(desk.config, detection=replace(
        desk.config.detection, payment_senders=("sparkasse-beispiel.example",)))
    desk.send_invoice("RE-2026-007", amount="EUR 2,380.00")
    desk.observe()
    desk.receive_data("payments/p05_bank_de_zahlungseingang.eml")
    desk.observe()
    assert desk.kinds(F_1042) == [EventKind.SENT, EventKind.PAYMENT]


def test_a_colleague_not_on_the_invoice_answers_for_the_client(desk: Desk) -> None:
    invoice = desk.send_invoice()
    desk.observe()
    answer = mails.reply(invoice, "Bonjour, je m'occupe des règlements ; une question sur la "
                         "remise ?", datetime(2026, 3, 5, 10, tzinfo=timezone.utc),
                         sender="marc.dupont@dupont-menuiserie.fr")
    del answer["In-Reply-To"], answer["References"]  # a new message with the invoice's subject
    desk.receive("colleague.eml", bytes(answer))
    desk.observe()
    (reply,) = [e for e in desk.store.events_of(F_1042) if e.kind is EventKind.REPLY]
    assert colleague_in(reply.detail) == "marc.dupont@dupont-menuiserie.fr"


def test_a_stranger_at_a_free_mail_domain_is_no_colleague(desk: Desk) -> None:
    invoice = desk.send_invoice(to="dupont.menuiserie@gmail.com")
    desk.observe()
    answer = mails.reply(invoice, "Any questions?", datetime(2026, 3, 5, 10, tzinfo=timezone.utc),
                         sender="someone.else@gmail.com")
    del answer["In-Reply-To"], answer["References"]
    desk.receive("stranger.eml", bytes(answer))
    desk.observe()
    assert desk.kinds(F_1042) == [EventKind.SENT]


def test_an_address_the_client_asks_for_is_proposed_never_added(desk: Desk) -> None:
    invoice = desk.send_invoice()
    desk.observe()
    desk.receive("asks.eml", bytes(mails.reply(
        invoice, "Bonjour, merci d'envoyer vos factures à factures@dupont-menuiserie.fr, "
        "c'est notre service comptable.", datetime(2026, 3, 5, 10, tzinfo=timezone.utc))))
    desk.observe()
    events = desk.store.events_of(F_1042)
    assert [e.kind for e in events] == [EventKind.SENT, EventKind.ADDRESS_PROPOSED,
                                        EventKind.REPLY]
    assert events[1].detail == "factures@dupont-menuiserie.fr"
    assert desk.store.invoices()[0].all_recipients == (DUPONT,)
