"""`relance track MESSAGE-ID` on Gmail for a sent message relance has already seen: the
command opens no mailbox (the daemon may be running), so it records the message, and the next
cycle reads it again through the Gmail API, now as an invoice. Same world as
``test_gmail_cycle.py``."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from relance.daemon.cycle.actions import track
from relance.daemon.cycle.engine import Engine
from tests import mails
from tests.gmail.api.test_gmail_cycle import World, b64, send_invoice, world

__all__ = ["world"]  # the fixture, imported for pytest

LOGO = "<logo-march@atelier-martin.example>"


def send_unrecognised_invoice(w: World) -> None:
    """After a first sync, the user sends an invoice no rule recognises (tests/cycle/
    test_engine.py's), Message-ID ``LOGO``, and the next cycle sees it."""
    send_invoice(w)
    w.cycle()  # the first sync
    msg = EmailMessage()
    msg["From"], msg["To"] = mails.ME, mails.CLIENT
    msg["Subject"] = "Logo work for March"
    msg["Date"] = format_datetime(w.clock.now)
    msg["Message-ID"] = LOGO
    msg.set_content("Hi Tom, as agreed: the logo work, 500 EUR, thanks in advance.")
    w.me.users().messages().send(userId="me", body={"raw": b64(msg)}).execute()
    w.clock.now += timedelta(minutes=5)
    w.cycle()


def test_tracking_a_seen_message_makes_it_an_invoice_at_the_next_cycle(world: World) -> None:
    w = world
    send_unrecognised_invoice(w)
    assert w.engine.store.message_row(LOGO) is not None
    assert LOGO not in {i.key for i in w.engine.store.invoices()}

    # what `relance track` does: an engine on the same store, with no mailbox
    cli = Engine(config=w.engine.config, store=w.engine.store, mailbox=None, clock=w.clock)
    assert track(cli, "logo-march@atelier-martin.example") is None
    w.clock.now += timedelta(minutes=5)
    w.cycle()
    assert LOGO in {i.key for i in w.engine.store.invoices()}
    gets = w.fake.quota.calls["messages.get"]
    w.clock.now += timedelta(minutes=5)
    w.cycle()  # read once: an idle cycle again
    assert w.fake.quota.calls["messages.get"] == gets
