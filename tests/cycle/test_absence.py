"""What the cycle makes of absences and mixed bounces, on a real folder mailbox (issue 10):

- an out-of-office that arrives as a new message, outside the invoice's thread (Exchange and
  many webmail responders answer under their own subject, without In-Reply-To), postpones the
  invoices sent to its writer;
- an auto-responder answers a sender once in a few days, so a second invoice to someone who is
  away brings no second out-of-office: the return date the first one gave holds for it too;
- a report with one hard and one soft recipient keeps both: the invoice is not given up as
  undeliverable while the other address may still be fine.
"""

from __future__ import annotations

import email.policy
from datetime import date, datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime

from relance.daemon.core.model import EventKind, HoldReason
from tests import mails
from tests.cycle.test_engine import _drafts, _invoice, _walk, world  # noqa: F401 -- fixture

UTC = timezone.utc


def _new_out_of_office(when: datetime, text: str) -> EmailMessage:
    """An Exchange-style automatic reply sent as a new message: its own subject, no
    In-Reply-To or References, the Auto-Submitted and X-Auto-Response-Suppress headers that
    Exchange adds."""
    msg = EmailMessage()
    msg["From"] = f"Tom Avery <{mails.CLIENT}>"
    msg["To"] = mails.ME
    msg["Subject"] = "Automatic reply: Out of the office"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<ooo.{when:%Y%m%d%H%M}@northwind.test>"
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(text)
    return msg


def _hold(engine, number: str):
    plan = engine.plan()
    (key,) = [inv.key for inv in engine.store.invoices() if inv.number == number]
    return plan.holds.get(key), [f for f in plan.followups if f.invoice_key == key]


def test_an_out_of_office_outside_the_thread_postpones_the_invoice(world):  # noqa: F811
    engine, clock, root = world
    _invoice(root, due="2026-03-12")
    engine.cycle()
    text = ("I am out of the office until 27 March 2026 with no access to e-mail.\n"
            "For urgent matters, please call the front desk.\n")
    mails.file_into(root / "inbox", "ooo", _new_out_of_office(
        datetime(2026, 3, 2, 7, 0, tzinfo=UTC), text))
    _walk(engine, clock, datetime(2026, 3, 20, 12, tzinfo=UTC))
    assert _drafts(root) == []  # the first notice (due + a few business days) waits
    hold, planned = _hold(engine, "INV-2026-031")
    assert planned == [] and hold is not None and hold.reason is HoldReason.OUT_OF_OFFICE
    _walk(engine, clock, datetime(2026, 4, 3, 12, tzinfo=UTC))
    assert len(_drafts(root)) == 1  # back on the 27th: the follow-up comes after


def test_a_second_invoice_to_someone_away_waits_for_the_return_they_gave(world):  # noqa: F811
    engine, clock, root = world
    first = _invoice(root, due="2026-03-12")
    engine.cycle()
    away = mails.out_of_office(first, "Je suis absent jusqu'au 10 avril 2026 inclus.",
                               datetime(2026, 2, 10, 9, 0, tzinfo=UTC))
    mails.file_into(root / "inbox", "ooo", away)
    engine.cycle()
    # A second invoice, due before the return: the responder stays silent this time.
    second = mails.invoice("INV-2026-040", "EUR 800.00", "2026-03-20",
                           datetime(2026, 2, 20, 8, 30, tzinfo=UTC))
    mails.file_into(root / "sent", "second", second)
    _walk(engine, clock, datetime(2026, 4, 1, 12, tzinfo=UTC))
    assert _drafts(root) == []
    hold, planned = _hold(engine, "INV-2026-040")
    assert planned == [] and hold is not None and hold.reason is HoldReason.OUT_OF_OFFICE
    assert hold.until is not None and hold.until >= date(2026, 4, 11)


def _mixed_bounce(to: EmailMessage, when: datetime) -> EmailMessage:
    """An RFC 3464 report as Postfix writes one for two recipients: one unknown (5.1.1), one
    whose mailbox is full (4.2.2, deferred past the queue lifetime)."""
    raw = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.atelier-martin.example>\r\n"
        f"To: {mails.ME}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {format_datetime(when)}\r\nMessage-ID: <mixed@mx.atelier-martin.example>\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.atelier-martin.example\r\n\r\n"
        "Final-Recipient: rfc822; billing@northwind.test\r\nAction: failed\r\n"
        "Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        "Final-Recipient: rfc822; tom@northwind.test\r\nAction: failed\r\nStatus: 4.2.2\r\n"
        "Diagnostic-Code: smtp; 452 4.2.2 Mailbox full\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in to.items()) + "\r\n--B--\r\n")
    return email.message_from_bytes(raw.encode(), policy=email.policy.default)


def test_a_report_with_a_hard_and_a_soft_recipient_keeps_both(world):  # noqa: F811
    engine, _clock, root = world
    inv = mails.invoice("INV-2026-050", "EUR 500.00", "2026-03-12",
                        datetime(2026, 2, 10, 8, 30, tzinfo=UTC),
                        to="billing@northwind.test, tom@northwind.test")
    mails.file_into(root / "sent", "invoice", inv)
    engine.cycle()
    mails.file_into(root / "inbox", "bounce",
                    _mixed_bounce(inv, datetime(2026, 2, 10, 9, 0, tzinfo=UTC)))
    engine.cycle()
    (key,) = [i.key for i in engine.store.invoices()]
    kinds = {e.kind: e.detail for e in engine.store.events_of(key)
             if e.kind in (EventKind.BOUNCED_HARD, EventKind.BOUNCED_SOFT)}
    assert kinds == {EventKind.BOUNCED_HARD: "billing@northwind.test",
                     EventKind.BOUNCED_SOFT: "tom@northwind.test"}
    hold, _planned = _hold(engine, "INV-2026-050")
    assert hold is None or hold.reason is not HoldReason.UNDELIVERED
