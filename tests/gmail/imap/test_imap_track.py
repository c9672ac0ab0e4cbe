"""`relance track MESSAGE-ID` on a real Dovecot, for a sent message relance has already seen and
read as no invoice: the command (run beside the daemon, with no mailbox of its own) records it,
and the next cycle reads the message again, now as an invoice."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime

import pytest

from relance.daemon.cli.env import Environment
from relance.daemon.cli.main import main
from tests.gmail.imap.test_imap_cycle import (  # noqa: F401 -- fixtures
    World,
    make_world,
    wire,
    world,
)

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
LOGO = "<logo-march@weber-traductions.example.test>"


def test_tracking_a_message_relance_already_saw_makes_it_an_invoice_at_the_next_cycle(
        world: World, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    w = world
    msg = EmailMessage()  # an invoice no rule recognises: no invoice word, no document
    msg["From"], msg["To"] = w.me.address, w.client.address
    msg["Subject"] = "Traduction de la brochure"
    msg["Date"] = format_datetime(w.clock.now)
    msg["Message-ID"] = LOGO
    msg.set_content("Bonjour Léa, comme convenu : la brochure, 500 EUR. Merci d'avance.")
    w.submit(w.me, msg)
    with w.connect(w.me) as own:
        own.append("Sent", wire(msg), flags=[b"\\Seen"], msg_time=w.clock.now)
    w.engine.cycle()
    assert w.store.message_row(LOGO) is not None and w.store.invoices() == []

    env = Environment(environ={"HOME": str(w.config_file.parent)}, clock=w.clock)
    assert main(["--config", str(w.config_file), "track", LOGO.strip("<>")], env) == 0
    assert "at the next cycle" in capsys.readouterr().out
    w.engine.cycle()
    (invoice,) = w.store.invoices()
    assert invoice.key == LOGO and invoice.amount is not None
    w.engine.cycle()  # read once: the next cycles do not fetch it again
    assert not w.store.meta("track_pending")
