"""The whole cycle on a real folder mailbox, a real store and the real templates, with the clock
walked forward: what a user would see in Drafts and Sent, and what the client would receive."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from relance.daemon.core.model import SendWindow
from relance.daemon.cycle.config import ClientSettings, default_config
from relance.daemon.cycle.engine import Engine
from relance.daemon.cycle.store import Store
from relance.gmail.folder.mailbox import FolderMailbox
from tests import mails
from tests.clock import Clock

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def world(tmp_path: Path, clock: Clock):
    """A freelancer's folder mailbox with an outbox standing for the client's inbox."""
    root = tmp_path / "mailbox"
    (root / "outbox").mkdir(parents=True)
    config = default_config({"HOME": str(tmp_path)})
    config = replace(
        config, store_path=tmp_path / "relance.sqlite3", timezone="Europe/Paris",
        account=replace(config.account, address=mails.ME),
        window=SendWindow(holiday_country="FR"),
        clients=(ClientSettings(match=mails.CLIENT, timezone="Europe/Paris"),))
    store = Store.open(config.store_path)
    mailbox = FolderMailbox(root, mails.ME)
    engine = Engine(config=config, store=store, mailbox=mailbox, clock=clock)
    yield engine, clock, root
    store.close()


def _read(path: Path):
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


def _drafts(root: Path) -> list[Path]:
    return sorted((root / "drafts").glob("*.eml"))


def _delivered(root: Path) -> list[Path]:
    return sorted((root / "outbox").glob("*.eml"))


def _walk(engine: Engine, clock: Clock, until: datetime, step: timedelta = timedelta(hours=6)):
    """Run the cycle every ``step``, and at each draft's slot, as the daemon's alarms do."""
    while clock.now < until:
        wakeup = engine.next_wakeup()
        clock.now = min(clock.now + step, until, *([wakeup] if wakeup else []))
        engine.cycle()


def _invoice(root: Path, due: str = "2026-03-12"):
    inv = mails.invoice("INV-2026-031", "EUR 1,200.00", due,
                        datetime(2026, 2, 10, 8, 30, tzinfo=timezone.utc))
    mails.file_into(root / "sent", "invoice", inv)
    return inv


def test_unanswered_invoice_gets_reminder_in_thread_at_off_peak_slot(world):
    engine, clock, root = world
    inv = _invoice(root)
    engine.cycle()
    assert _drafts(root) == []  # nothing to say a month before the due date
    _walk(engine, clock, datetime(2026, 3, 9, 12, tzinfo=timezone.utc))
    (draft,) = _drafts(root)
    message = _read(draft)
    assert message["In-Reply-To"] == inv["Message-ID"]
    assert message["References"].split()[-1] == inv["Message-ID"]
    assert message["Subject"] == "Re: " + inv["Subject"]
    assert message["To"] == mails.CLIENT
    assert message["X-Relance-Stage"] == "reminder"
    row = engine.store.followup(inv["Message-ID"], "reminder")
    slot = row.slot.astimezone(PARIS)
    # due Thursday 12 March: two business days before is Tuesday the 10th, early morning
    assert (slot.date().isoformat(), slot.weekday()) == ("2026-03-10", 1)
    assert 5 <= slot.hour < 6 and slot.minute % 5 != 0
    assert _delivered(root) == []
    _walk(engine, clock, slot.astimezone(timezone.utc) + timedelta(minutes=1),
          step=timedelta(minutes=30))
    (sent,) = _delivered(root)
    assert _read(sent)["Message-ID"] == message["Message-ID"]
    assert _drafts(root) == []
    assert engine.store.followup(inv["Message-ID"], "reminder").state == "sent"


def test_a_reply_before_the_slot_withdraws_the_draft(world):
    engine, clock, root = world
    inv = _invoice(root)
    _walk(engine, clock, datetime(2026, 3, 9, 12, tzinfo=timezone.utc), step=timedelta(days=1))
    assert len(_drafts(root)) == 1
    slot = engine.store.followup(inv["Message-ID"], "reminder").slot
    # The client answers one minute before the slot; the last look before sending sees it.
    mails.file_into(root / "inbox", "reply", mails.reply(
        inv, "Could you send the purchase order number with it?", slot - timedelta(minutes=1)))
    clock.now = slot + timedelta(seconds=30)
    engine.cycle()
    assert _drafts(root) == []
    assert _delivered(root) == []
    _walk(engine, clock, datetime(2026, 4, 30, tzinfo=timezone.utc), step=timedelta(days=1))
    assert _delivered(root) == []  # a human answer stops the sequence
    assert engine.plan().holds[inv["Message-ID"]].reason.value == "replied"


def test_out_of_office_postpones_past_the_return_date(world):
    engine, clock, root = world
    inv = _invoice(root, due="2026-02-20")
    mails.file_into(root / "inbox", "ooo", mails.out_of_office(
        inv, "I am away with no e-mail. Back on 16 March.",
        datetime(2026, 2, 10, 8, 31, tzinfo=timezone.utc)))
    _walk(engine, clock, datetime(2026, 3, 20, tzinfo=timezone.utc), step=timedelta(hours=12))
    (first,) = _delivered(root)
    sent_at = engine.store.followup(inv["Message-ID"], "first_notice").slot
    assert sent_at.astimezone(PARIS).date() > datetime(2026, 3, 16).date()
    assert _read(first)["X-Relance-Stage"] == "first_notice"


def test_hard_bounce_stops_everything(world):
    engine, clock, root = world
    inv = _invoice(root, due="2026-02-20")
    mails.file_into(root / "inbox", "bounce", mails.hard_bounce(
        inv, datetime(2026, 2, 10, 8, 32, tzinfo=timezone.utc)))
    _walk(engine, clock, datetime(2026, 4, 30, tzinfo=timezone.utc), step=timedelta(days=1))
    assert _delivered(root) == [] and _drafts(root) == []
    assert engine.plan().holds[inv["Message-ID"]].reason.value == "undelivered"


def test_deleting_the_draft_cancels_that_stage_only(world):
    engine, clock, root = world
    inv = _invoice(root)
    _walk(engine, clock, datetime(2026, 3, 9, 12, tzinfo=timezone.utc), step=timedelta(days=1))
    (draft,) = _drafts(root)
    draft.unlink()
    _walk(engine, clock, datetime(2026, 3, 13, tzinfo=timezone.utc), step=timedelta(hours=6))
    assert _delivered(root) == [] and _drafts(root) == []
    assert engine.store.followup(inv["Message-ID"], "reminder").state == "cancelled"
    # the next stage still comes, in its time
    _walk(engine, clock, datetime(2026, 3, 20, tzinfo=timezone.utc), step=timedelta(hours=6))
    stages = [_read(p)["X-Relance-Stage"] for p in _delivered(root)]
    assert stages == ["first_notice"]


def test_the_edited_draft_is_what_goes_out(world):
    engine, clock, root = world
    _invoice(root)
    _walk(engine, clock, datetime(2026, 3, 9, 12, tzinfo=timezone.utc), step=timedelta(days=1))
    (draft,) = _drafts(root)
    edited = _read(draft)
    edited.get_body(("plain",)).set_content("Hi Tom, a quick nudge about INV-2026-031. Claire")
    draft.write_bytes(edited.as_bytes())
    _walk(engine, clock, datetime(2026, 3, 11, tzinfo=timezone.utc), step=timedelta(hours=1))
    (sent,) = _delivered(root)
    assert "a quick nudge" in _read(sent).get_body(("plain",)).get_content()


def test_a_send_interrupted_after_the_mailbox_sent_it_is_not_sent_again(world):
    engine, clock, root = world
    inv = _invoice(root)
    _walk(engine, clock, datetime(2026, 3, 9, 12, tzinfo=timezone.utc), step=timedelta(days=1))
    row = engine.store.followup(inv["Message-ID"], "reminder")
    # The process died right after the mailbox sent the draft, before the store knew.
    with engine.store.transaction():
        engine.store.set_followup_state(row.message_id, "sending")
    engine.mailbox.send_draft(row.draft_id)
    clock.now = row.slot + timedelta(hours=1)
    engine.cycle()
    engine.cycle()
    assert len(_delivered(root)) == 1
    assert engine.store.followup(inv["Message-ID"], "reminder").state == "sent"


def test_two_overdue_invoices_to_one_client_make_one_statement(world):
    engine, clock, root = world
    first = mails.invoice("INV-2026-020", "EUR 400.00", "2026-02-02",
                          datetime(2026, 1, 5, 9, tzinfo=timezone.utc))
    second = mails.invoice("INV-2026-024", "EUR 650.00", "2026-02-09",
                           datetime(2026, 1, 12, 9, tzinfo=timezone.utc))
    mails.file_into(root / "sent", "a", first)
    mails.file_into(root / "sent", "b", second)
    engine.cycle()
    (draft,) = _drafts(root)
    message = _read(draft)
    assert message["In-Reply-To"] == second["Message-ID"]  # the newer invoice's thread
    body = message.get_body(("plain",)).get_content()
    assert "INV-2026-020" in body and "INV-2026-024" in body


def test_paid_from_the_command_line_withdraws_the_draft(world):
    from relance.daemon.core.model import EventKind
    from relance.daemon.cycle.actions import find_invoice, record

    engine, clock, root = world
    _invoice(root)
    _walk(engine, clock, datetime(2026, 3, 9, 12, tzinfo=timezone.utc), step=timedelta(days=1))
    assert len(_drafts(root)) == 1
    record(engine.store, find_invoice(engine.store, "INV-2026-031"), EventKind.MARKED_PAID,
           clock.now)
    engine.cycle()
    assert _drafts(root) == []
    _walk(engine, clock, datetime(2026, 4, 30, tzinfo=timezone.utc), step=timedelta(days=2))
    assert _delivered(root) == []


def test_a_sent_message_no_rule_recognises_can_be_tracked(world):
    from email.message import EmailMessage
    from email.utils import format_datetime

    from relance.daemon.cycle.actions import track

    engine, clock, root = world
    msg = EmailMessage()
    msg["From"] = mails.ME
    msg["To"] = mails.CLIENT
    msg["Subject"] = "Logo work for March"
    msg["Date"] = format_datetime(datetime(2026, 2, 10, 8, tzinfo=timezone.utc))
    msg["Message-ID"] = "<logo-march@atelier-martin.example>"
    msg.set_content("Hi Tom, as agreed: the logo work, 500 EUR, thanks in advance.")
    mails.file_into(root / "sent", "logo", msg)
    engine.cycle()
    assert engine.store.invoices() == []
    report = track(engine, "logo-march@atelier-martin.example")
    assert report is not None and report.invoices == ["<logo-march@atelier-martin.example>"]
    (invoice,) = engine.store.invoices()
    # no due date written anywhere: the default payment terms apply
    assert invoice.due_date == datetime(2026, 3, 12).date()


def test_a_draft_created_just_before_a_crash_is_found_again_not_doubled(world):
    engine, clock, root = world
    inv = _invoice(root)
    clock.now = datetime(2026, 3, 9, 12, tzinfo=timezone.utc)
    engine.cycle()
    (draft,) = _drafts(root)
    row = engine.store.followup(inv["Message-ID"], "reminder")
    # What a process killed right after the mailbox created the draft leaves: the follow-up
    # recorded as planned, its draft id unknown, the draft in Drafts.
    with engine.store.transaction():
        engine.store.put_followup(invoice_key=row.invoice_key, stage=row.stage, kind=row.kind,
                                  message_id=row.message_id, state="planned", slot=row.slot,
                                  primary_key=row.primary_key)
    edited = draft.read_bytes().replace(b"Hello", b"Hi Tom")  # the user touched it meanwhile
    draft.write_bytes(edited)
    engine.cycle()  # the restart
    assert _drafts(root) == [draft] and draft.read_bytes() == edited  # found, not rewritten
    assert engine.store.followup(inv["Message-ID"], "reminder").draft_id == draft.name


def test_the_hourly_cap_defers_the_second_send_to_its_next_slot(world):
    engine, clock, root = world
    engine.config = replace(engine.config, mode=replace(engine.config.mode, max_per_hour=1))
    for number, client in (("INV-2026-040", "a@client-one.test"), ("INV-2026-041", mails.CLIENT)):
        mails.file_into(root / "sent", number, mails.invoice(
            number, "EUR 300.00", "2026-03-12", datetime(2026, 2, 10, 8, tzinfo=timezone.utc),
            to=client))
    _walk(engine, clock, datetime(2026, 3, 10, 5, 59, tzinfo=PARIS), step=timedelta(hours=1))
    assert len(_delivered(root)) == 1  # the same morning window: one send, the other waits
    _walk(engine, clock, datetime(2026, 3, 11, 6, 0, tzinfo=PARIS), step=timedelta(hours=1))
    assert len(_delivered(root)) == 2


def test_follow_ups_held_back_by_the_cap_are_said_once_and_go_later(world):
    # three reminders due the same morning, one send an hour: the laptop wakes at 06:30, when
    # every slot has passed; one goes, and the report says once that the others wait
    engine, clock, root = world
    engine.config = replace(engine.config, mode=replace(engine.config.mode, max_per_hour=1))
    for number, client in (("INV-2026-040", "a@client-one.test"),
                           ("INV-2026-041", "b@client-two.test"), ("INV-2026-042", mails.CLIENT)):
        mails.file_into(root / "sent", number, mails.invoice(
            number, "EUR 300.00", "2026-03-12", datetime(2026, 2, 10, 8, tzinfo=timezone.utc),
            to=client))
    clock.now = datetime(2026, 3, 9, 12, 0, tzinfo=PARIS)
    assert [a.verb for a in engine.cycle().actions] == ["drafted"] * 3  # Monday noon
    clock.now = datetime(2026, 3, 10, 6, 30, tzinfo=PARIS)
    report = engine.cycle()
    assert [a.verb for a in report.actions] == ["sent", "deferred"]
    assert report.actions[1].detail == "hourly or daily limit reached; 1 more due wait with it"
    assert len(_delivered(root)) == 1
    clock.now += timedelta(minutes=20)  # the hour is not over: nothing goes, nothing is said
    assert [a.verb for a in engine.cycle().actions] == [] and len(_delivered(root)) == 1
    clock.now = datetime(2026, 3, 10, 7, 31, tzinfo=PARIS)
    assert [a.verb for a in engine.cycle().actions] == ["sent", "deferred"]
    clock.now = datetime(2026, 3, 10, 8, 32, tzinfo=PARIS)
    assert [a.verb for a in engine.cycle().actions] == ["sent"]
    assert len(_delivered(root)) == 3
