"""The user's own mail counts (issue 12): on the demo mailbox, Claire writes a reminder by hand in
F-2026-008's thread on Monday 9 March 08:40, the morning relance has its own first notice
drafted for Tuesday. Her message is contact: relance's first notice is withdrawn (her reminder
stood for it), the next follow-up waits ``min_gap`` business days after hers, and
`relance status` shows what she wrote."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from relance.daemon.cli.demo import DEMO_NOW, run_demo
from relance.daemon.cli.status import invoice_rows
from relance.daemon.cli.wiring import open_folder_mailbox, sample_mailbox
from relance.daemon.core.model import EventKind
from relance.daemon.cycle.config import load_config
from relance.daemon.cycle.engine import Engine
from relance.daemon.cycle.store import Store
from tests.clock import Clock

PARIS = ZoneInfo("Europe/Paris")
NUMBER = "F-2026-008"


def _hand_written(invoice: EmailMessage, when: datetime, *, to: str | None = None
                  ) -> EmailMessage:
    """Claire's reminder as Thunderbird sends a reply-all in the invoice's thread."""
    msg = EmailMessage()
    msg["Message-ID"] = "<7c1e0b52-9a4d-4f7e-b1a2-rappel008@atelier-martin.example>"
    msg["Date"] = format_datetime(when)
    msg["User-Agent"] = "Mozilla Thunderbird"
    msg["Content-Language"] = "fr"
    msg["To"] = to or str(invoice["To"])
    msg["From"] = str(invoice["From"])
    msg["Subject"] = "Re: " + str(invoice["Subject"])
    msg["In-Reply-To"] = str(invoice["Message-ID"])
    msg["References"] = str(invoice["Message-ID"])
    msg.set_content(
        "Bonjour Paul,\n\nPetit rappel amical : la facture F-2026-008 est arrivée à échéance "
        "le 2 mars. Pourriez-vous me dire quand le virement sera fait ?\n\nBelle journée,\n"
        "Claire\n")
    return msg


@pytest.fixture
def demo(tmp_path: Path):
    """The demo's mailbox and store after its cycle at 9 March 08:00 UTC, and an engine on
    them whose clock the test moves."""
    result = run_demo(tmp_path / "demo")
    with sample_mailbox() as sample:
        config = load_config(sample / "config.toml", {"HOME": str(tmp_path)})
    config = replace(config, store_path=result.folder / "relance.sqlite3",
                     mode=replace(config.mode, send_mode="draft_only"))
    clock = Clock(DEMO_NOW)
    store = Store.open(config.store_path)
    mailbox = open_folder_mailbox(result.folder / "mailbox", config.account.address)
    yield Engine(config=config, store=store, mailbox=mailbox, clock=clock), clock, result.folder
    store.close()


def _invoice_message(folder: Path) -> EmailMessage:
    from email import policy
    from email.parser import BytesParser
    (path,) = (folder / "mailbox" / "sent").glob(f"*{NUMBER}*")
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())  # type: ignore


def _row(engine: Engine, clock: Clock):
    store = engine.store
    rows = invoice_rows(store.invoices(), store.events(), engine.plan(), store.followups(),
                        clock.now.astimezone(PARIS).date())
    return next(r for r in rows if r.number == NUMBER)


def test_a_reminder_written_by_hand_stands_for_the_first_notice(demo) -> None:
    engine, clock, folder = demo
    before = _row(engine, clock)
    assert (before.state, before.next_stage) == ("drafted", "first_notice")
    assert before.next_slot.startswith("2026-03-10T05")  # Tuesday's slot, as the issue found
    invoice = _invoice_message(folder)
    wrote = datetime(2026, 3, 9, 8, 40, tzinfo=PARIS)
    (folder / "mailbox" / "sent" / "2026-03-09_rappel_F-2026-008.eml").write_bytes(
        _hand_written(invoice, wrote).as_bytes())
    clock.now = datetime(2026, 3, 9, 9, 0, tzinfo=PARIS)
    report = engine.cycle()
    assert [(a.verb, a.stage) for a in report.actions
            if engine.store.invoice(a.invoice_key).number == NUMBER] == [
        ("withdrawn", "first_notice")]
    after = _row(engine, clock)
    assert after.reply == "you wrote (2026-03-09)"  # in the invoice's history
    # Nothing on Tuesday: the next stage is the urgent notice, min_gap (3) business days
    # after her message at the earliest.
    assert after.next_stage == "urgent"
    assert date.fromisoformat(after.next_slot[:10]) >= date(2026, 3, 12)
    # Walk a week: relance never writes its first notice again, and its urgent one waits.
    key = next(i.key for i in engine.store.invoices() if i.number == NUMBER)
    for _ in range(7 * 4):
        clock.now += timedelta(hours=6)
        engine.cycle()
    assert engine.store.followup(key, "first_notice").state == "withdrawn"
    urgent = engine.store.followup(key, "urgent")
    assert urgent is not None and urgent.slot.date() >= date(2026, 3, 12)
    wrote_events = [e for e in engine.store.events_of(key) if e.kind is EventKind.WROTE]
    assert [e.at for e in wrote_events] == [wrote]

def test_a_forward_to_the_accountant_is_not_contact_with_the_client(demo) -> None:
    engine, clock, folder = demo
    invoice = _invoice_message(folder)
    forward = _hand_written(invoice, datetime(2026, 3, 9, 8, 40, tzinfo=PARIS),
                            to="compta@cabinet-berthier.example")
    (folder / "mailbox" / "sent" / "2026-03-09_fwd_F-2026-008.eml").write_bytes(
        forward.as_bytes())
    clock.now = datetime(2026, 3, 9, 9, 0, tzinfo=PARIS)
    engine.cycle()
    row = _row(engine, clock)
    assert (row.state, row.next_stage, row.reply) == ("drafted", "first_notice", "")
    assert row.next_slot.startswith("2026-03-10T05")
