"""An apply that starts from the last one leaves the mailbox as a whole apply would.

The daemon applies each plan from what its last apply made true (``apply.Applied``), looking
only at the follow-ups whose plan changed and those it acted on. The property walks random
weeks of a small practice on a real store and folder mailbox: six invoices to three clients
(two of them get statements), cycles a few minutes to days apart, so that drafts are made,
moved into statements and out of them, sent at their slots under the hourly cap; between
cycles a client replies, the user deletes or edits a draft, marks an invoice paid, or a
follow-up is sent by hand from Drafts. After every cycle, the daemon that has run all along
must leave the same drafts, the same sent mail and the same follow-ups as one restarted before
every cycle, whose every apply is a whole one.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from relance.daemon.core.model import Event, EventKind, SendWindow
from relance.daemon.cycle.config import Config, ModeSettings, default_config
from relance.daemon.cycle.engine import Engine
from relance.daemon.cycle.store import Store
from relance.gmail.folder.mailbox import FolderMailbox
from tests import mails
from tests.clock import Clock

MONDAY = datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)
CLIENTS = ("billing@northwind.test", "ap@fabrikam.test", "compta@contoso.test")
DUE = ("2026-02-20", "2026-02-24", "2026-03-04", "2026-03-05", "2026-02-26", "2026-03-10")


def _read(path: Path) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    return body.get_content() if body is not None else ""


def _seed(root: Path) -> list[Path]:
    """Six invoices: two overdue to the first client (a statement), two to the second, one
    overdue and one due soon to the third."""
    sent = []
    for n, due in enumerate(DUE):
        message = mails.invoice(f"INV-2026-{n + 1:03d}", f"EUR {300 + 40 * n},00", due,
                                MONDAY - timedelta(days=40 - n), to=CLIENTS[n // 2])
        sent.append(mails.file_into(root / "sent", f"inv-{n}", message))
    return sent


_STEP = st.fixed_dictionaries({
    "minutes": st.sampled_from([5, 30, 60, 240, 1020, 1440, 2880]),
    "happens": st.sampled_from(["nothing", "nothing", "reply", "delete", "edit", "paid",
                                "sent_by_hand"]),
    "which": st.integers(0, 5),
})


def _what_happens(step: dict[str, object], root: Path, store: Store, sent: list[Path],
                  now: datetime, number: int) -> None:
    which = int(str(step["which"]))
    drafts = sorted((root / "drafts").glob("*.eml"))
    happens = step["happens"]
    if happens == "reply":
        invoice = _read(sent[which])
        mails.file_into(root / "inbox", f"reply-{number}", mails.reply(
            invoice, "We are looking into it.", now, sender=CLIENTS[which // 2],
            name=f"r{number}"))
    elif happens == "paid":
        key = str(_read(sent[which])["Message-ID"])
        with store.transaction():
            store.add_event(key, Event(EventKind.MARKED_PAID, now))
    elif drafts and happens == "delete":
        drafts[which % len(drafts)].unlink()
    elif drafts and happens == "edit":  # a mail program saves the edit as a new draft
        draft = drafts[which % len(drafts)]
        edited = _read(draft)
        del edited["Message-ID"]
        edited["Message-ID"] = f"<edit-{number}@mail.client.test>"
        mails.file_into(root / "drafts", f"edited-{number}", edited)
        draft.unlink()
    elif drafts and happens == "sent_by_hand":
        draft = drafts[which % len(drafts)]
        draft.replace(root / "sent" / draft.name)


def _config(home: Path) -> Config:
    config = default_config({"HOME": str(home)})
    return replace(config, store_path=home / "relance.sqlite3", timezone="Europe/Paris",
                   account=replace(config.account, address=mails.ME),
                   window=SendWindow(holiday_country="FR"),
                   mode=replace(ModeSettings(), send_mode="send", max_per_hour=1))


def _seen(root: Path, store: Store) -> tuple[object, ...]:
    """What the user can look at: the drafts (name and text), what the clients received,
    and every follow-up's state and slot as `relance status` lists them."""
    drafts = sorted((p.name, _text(_read(p))) for p in (root / "drafts").glob("*.eml"))
    outbox = sorted(p.name for p in (root / "outbox").glob("*.eml"))
    rows = sorted((r.invoice_key, r.stage, r.state, r.slot, r.message_id, r.draft_id)
                  for r in store.followups())
    return drafts, outbox, rows


@settings(max_examples=25, deadline=None)
@given(st.lists(_STEP, min_size=4, max_size=12))
def test_applying_from_the_last_apply_does_what_a_restart_before_every_cycle_does(
        steps: list[dict[str, object]]) -> None:
    # two practices, the same mail, the same clock: one daemon that runs all along (each apply
    # from the last), one restarted before every cycle (each apply in full)
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as other:
        homes = [Path(one), Path(other)]
        roots = [home / "mailbox" for home in homes]
        sent = [_seed(root) for root in roots]
        for root in roots:
            (root / "outbox").mkdir()
        clock = Clock(MONDAY)
        boxes = [FolderMailbox(root, mails.ME) for root in roots]
        with Store.open(homes[0] / "relance.sqlite3") as running, \
                Store.open(homes[1] / "relance.sqlite3") as restarted:
            stores = [running, restarted]
            daemon = Engine(config=_config(homes[0]), store=running, mailbox=boxes[0],
                            clock=clock)
            for number, step in enumerate([None, *steps]):
                if step is not None:
                    clock.now += timedelta(minutes=int(str(step["minutes"])))
                    for root, store, files in zip(roots, stores, sent, strict=True):
                        _what_happens(step, root, store, files, clock.now, number)
                daemon.cycle()
                Engine(config=_config(homes[1]), store=restarted, mailbox=boxes[1],
                       clock=clock).cycle()
                assert _seen(roots[0], running) == _seen(roots[1], restarted), \
                    f"after step {number}"
