"""The invoice e-mail's pay-now link goes again in its follow-up (issue 9), on a real folder
mailbox: the client who lost the e-mail gets the link it held, and an invoice that had none gets
no such line."""

from __future__ import annotations

from datetime import datetime, timezone

from tests import mails
from tests.cycle.test_engine import _drafts, _read, _walk, world  # noqa: F401 -- fixture

LINK = "https://invoice.stripe.com/i/acct_1NxQ2bAtelier/live_YWNjdF8x?s=em"


def _first_followup_text(engine, clock, root, invoice) -> str:
    mails.file_into(root / "sent", "invoice", invoice)
    _walk(engine, clock, datetime(2026, 3, 9, 12, tzinfo=timezone.utc))
    (draft,) = _drafts(root)
    return _read(draft).get_body(("plain",)).get_content()


def test_the_pay_link_of_the_invoice_is_offered_again(world):  # noqa: F811
    engine, clock, root = world
    inv = mails.invoice("INV-2026-031", "EUR 1,200.00", "2026-03-12",
                        datetime(2026, 2, 10, 8, 30, tzinfo=timezone.utc))
    body = inv.get_content().replace("Thank you,", f"Pay this invoice online: {LINK}\n\nThank you,")
    inv.set_content(body)
    text = _first_followup_text(engine, clock, root, inv)
    assert f"You can also view and pay the invoice online: {LINK}" in text


def test_no_link_no_line(world):  # noqa: F811
    engine, clock, root = world
    inv = mails.invoice("INV-2026-031", "EUR 1,200.00", "2026-03-12",
                        datetime(2026, 2, 10, 8, 30, tzinfo=timezone.utc))
    assert "online" not in _first_followup_text(engine, clock, root, inv)
