"""Apply, on a real folder mailbox and a real store, with plans made by the real planner: what the
user sees in Drafts and what the client receives — a draft per planned follow-up, moved,
withdrawn or cancelled as the plan and the user say, and at its slot sent once, as the user left
it, and only to the people the invoice went to."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from relance.daemon.core.cadence import Plan
from relance.daemon.core.model import EventKind, SendWindow
from relance.daemon.cycle.apply import INTERRUPTED_NOTE, Applier
from relance.daemon.cycle.config import ClientSettings, default_config
from relance.daemon.cycle.engine import Engine
from relance.daemon.cycle.store import FollowUpRow, FollowUpState, Store
from relance.gmail.folder.mailbox import FolderMailbox
from tests import mails
from tests.clock import Clock

INVOICE_ID = "<inv-2026-031.20260210@atelier-martin.example>"
ACCOUNTS = "accounts@northwind.test"  # on the invoice's Cc


@dataclass
class Desk:
    """Claire's folder mailbox (its ``outbox/`` is what the client received), her store, and the
    engine whose planner, composer and sync the applier is used with."""

    root: Path
    box: FolderMailbox
    engine: Engine
    clock: Clock

    @property
    def store(self) -> Store:
        return self.engine.store

    def applier(self, *, dry_run: bool = False) -> Applier:
        """A fresh applier at the clock's time, as each cycle makes one."""
        return Applier(self.store, self.box, domain=self.engine.domain,
                       compose=self.engine.compose, now=self.clock(), dry_run=dry_run)

    def look(self) -> tuple[Plan, frozenset[str] | None]:
        """Read the mailbox and plan: the plan and the drafts the mailbox says are there."""
        _, present = self.engine.sync()
        return self.engine.plan(), present

    def apply(self, *, dry_run: bool = False) -> list[str]:
        """Look, then make the mailbox match the plan; return the verbs of what was done."""
        plan, present = self.look()
        return [a.verb for a in self.applier(dry_run=dry_run).apply(plan, present)]

    def drafts(self) -> list[Path]:
        return sorted((self.root / "drafts").glob("*.eml"))

    def delivered(self) -> list[EmailMessage]:
        return [_read(p) for p in sorted((self.root / "outbox").glob("*.eml"))]

    def reminder(self) -> FollowUpRow:
        row = self.store.followup(INVOICE_ID, "reminder")
        assert row is not None, "no reminder was ever planned"
        return row

    def send_due(self) -> list[str]:
        """What the engine does at a slot: one last look at the mailbox, then send what is
        still due. Returns the verbs of what the applier did."""
        applier = self.applier()
        plan, _ = self.look()
        applier.apply(plan, None)
        invoice = self.store.invoice(INVOICE_ID)
        assert invoice is not None
        for row in applier.due_rows(plan):
            applier.send(row, allowed=invoice.all_recipients, max_per_hour=5, max_per_day=20)
        return [a.verb for a in applier.actions]


def _read(path: Path) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


@pytest.fixture
def desk(tmp_path: Path, clock: Clock) -> Iterator[Desk]:
    config = default_config({"HOME": str(tmp_path)})
    config = replace(
        config, store_path=tmp_path / "relance.sqlite3", timezone="Europe/Paris",
        account=replace(config.account, address=mails.ME),
        window=SendWindow(holiday_country="FR"),
        clients=(ClientSettings(match=mails.CLIENT, timezone="Europe/Paris"),))
    root = tmp_path / "mailbox"
    (root / "outbox").mkdir(parents=True)
    box = FolderMailbox(root, mails.ME)
    # Due Thursday 12 March; on Monday the 9th at noon the reminder (Tuesday, early morning) is
    # planned and its draft should be waiting for the user to read.
    mails.file_into(root / "sent", "invoice", mails.invoice(
        "INV-2026-031", "EUR 1,200.00", "2026-03-12",
        datetime(2026, 2, 10, 8, 30, tzinfo=timezone.utc), cc=ACCOUNTS))
    clock.now = datetime(2026, 3, 9, 12, tzinfo=timezone.utc)
    with Store.open(config.store_path) as store:
        yield Desk(root, box, Engine(config=config, store=store, mailbox=box, clock=clock),
                   clock)


# -- drafts match the plan ----------------------------------------------------------------------

def test_a_planned_follow_up_becomes_one_draft_in_the_invoice_thread(desk: Desk) -> None:
    plan, _ = desk.look()
    (planned,) = plan.followups
    assert desk.apply() == ["drafted"]
    (draft,) = desk.drafts()
    message = _read(draft)
    assert message["In-Reply-To"] == INVOICE_ID
    assert message["References"].split()[-1] == INVOICE_ID
    assert message["X-Relance-Stage"] == "reminder"
    assert message["To"] == mails.CLIENT
    row = desk.reminder()
    assert (row.state, row.draft_id, row.slot) == (FollowUpState.DRAFTED, draft.name, planned.slot)
    assert desk.delivered() == []  # a draft is not a send
    # The next cycle, with nothing new, leaves it alone: no twin, not rewritten.
    before = draft.read_bytes()
    assert desk.apply() == []
    assert desk.drafts() == [draft] and draft.read_bytes() == before


def test_a_new_slot_moves_the_follow_up_and_keeps_the_draft_as_it_is(desk: Desk) -> None:
    desk.apply()
    (draft,) = desk.drafts()
    draft.write_bytes(draft.read_bytes().replace(b"Hello", b"Hi Tom"))  # the user's edit
    edited = draft.read_bytes()
    plan, present = desk.look()
    (planned,) = plan.followups
    later = replace(planned, slot=planned.slot + timedelta(days=1))
    actions = desk.applier().apply(Plan((later,), plan.holds), present)
    assert [(a.verb, a.slot) for a in actions] == [("rescheduled", later.slot)]
    assert desk.reminder().slot == later.slot
    assert desk.drafts() == [draft] and draft.read_bytes() == edited


def test_a_reply_withdraws_the_follow_up_and_removes_its_draft(desk: Desk) -> None:
    desk.apply()
    invoice = mails.invoice("INV-2026-031", "EUR 1,200.00", "2026-03-12",
                            datetime(2026, 2, 10, 8, 30, tzinfo=timezone.utc))
    mails.file_into(desk.root / "inbox", "reply", mails.reply(
        invoice, "We are waiting for the PO number, will pay after.", desk.clock.now))
    assert desk.apply() == ["withdrawn"]
    assert desk.drafts() == []
    assert desk.reminder().state == FollowUpState.WITHDRAWN
    assert desk.apply() == []  # and it does not come back


def test_a_draft_the_user_deleted_cancels_that_follow_up_for_good(desk: Desk) -> None:
    desk.apply()
    (draft,) = desk.drafts()
    draft.unlink()
    stale, _ = desk.look()  # a plan made before relance noticed
    assert desk.apply() == ["cancelled"]
    assert desk.reminder().state == FollowUpState.CANCELLED
    (cancelled,) = [e for e in desk.store.events_of(INVOICE_ID)
                    if e.kind is EventKind.FOLLOWUP_CANCELLED]
    assert cancelled.stage == "reminder"
    assert desk.apply() == [] and desk.drafts() == []  # never written again
    assert desk.applier().apply(stale, None) == [] and desk.drafts() == []  # even by a stale plan
    desk.clock.now = desk.reminder().slot + timedelta(minutes=5)
    assert desk.send_due() == [] and desk.delivered() == []


def test_a_dry_run_says_what_it_would_do_and_touches_nothing(desk: Desk) -> None:
    assert desk.apply(dry_run=True) == ["drafted"]
    assert desk.drafts() == []
    assert desk.store.followups() == []


# -- the send at its slot -----------------------------------------------------------------------

def test_nothing_goes_before_the_slot_and_at_the_slot_it_goes_once(desk: Desk) -> None:
    desk.apply()
    (draft,) = desk.drafts()
    message_id = _read(draft)["Message-ID"]
    slot = desk.reminder().slot
    desk.clock.now = slot - timedelta(minutes=1)
    assert desk.send_due() == [] and desk.delivered() == []
    desk.clock.now = slot + timedelta(seconds=30)
    assert desk.send_due() == ["sent"]
    (received,) = desk.delivered()
    assert received["Message-ID"] == message_id and received["To"] == mails.CLIENT
    assert desk.drafts() == []  # moved to Sent, so the user cannot send it a second time
    assert desk.box.find_sent(message_id)
    assert desk.reminder().state == FollowUpState.SENT
    assert EventKind.FOLLOWUP_SENT in [e.kind for e in desk.store.events_of(INVOICE_ID)]
    # The alarm rings again (a restart, a second timer): nothing more goes.
    desk.clock.now += timedelta(minutes=1)
    assert desk.send_due() == []
    assert desk.apply() == []
    assert len(desk.delivered()) == 1


def test_at_the_slot_the_draft_goes_as_the_user_left_it(desk: Desk) -> None:
    desk.apply()
    (draft,) = desk.drafts()
    edited = _read(draft)
    body = edited.get_body(("plain",))
    assert body is not None, "the draft has no plain-text part to edit"
    body.set_content("Hi Tom, a quick nudge about INV-2026-031. Claire")
    draft.write_bytes(edited.as_bytes())
    desk.clock.now = desk.reminder().slot
    desk.send_due()
    (received,) = desk.delivered()
    sent_body = received.get_body(("plain",))
    assert sent_body is not None and "a quick nudge" in sent_body.get_content()


def test_a_reply_seen_in_the_last_look_stops_the_send(desk: Desk) -> None:
    desk.apply()
    slot = desk.reminder().slot
    invoice = mails.invoice("INV-2026-031", "EUR 1,200.00", "2026-03-12",
                            datetime(2026, 2, 10, 8, 30, tzinfo=timezone.utc))
    # The client answers a minute before the slot; nothing has synced since.
    mails.file_into(desk.root / "inbox", "reply", mails.reply(
        invoice, "Paid this morning, sorry for the delay.", slot - timedelta(minutes=1)))
    desk.clock.now = slot + timedelta(seconds=30)
    assert desk.send_due() == ["withdrawn"]
    assert desk.delivered() == [] and desk.drafts() == []


def test_a_draft_readdressed_to_a_stranger_is_held_for_the_user(desk: Desk) -> None:
    desk.apply()
    (draft,) = desk.drafts()
    message = _read(draft)
    message.replace_header("To", "Tom Avery <tom.avery@gmail.example>")
    draft.write_bytes(message.as_bytes())
    desk.clock.now = desk.reminder().slot
    assert desk.send_due() == ["held"]
    assert desk.delivered() == []
    assert desk.drafts() == [draft]  # left for the user, who may send it by hand
    row = desk.reminder()
    assert row.state == FollowUpState.DRAFTED and "tom.avery@gmail.example" in row.note


def test_a_draft_readdressed_to_someone_on_the_invoice_goes(desk: Desk) -> None:
    desk.apply()
    (draft,) = desk.drafts()
    message = _read(draft)
    message.replace_header("To", ACCOUNTS)  # was on the invoice's Cc
    draft.write_bytes(message.as_bytes())
    desk.clock.now = desk.reminder().slot
    assert desk.send_due() == ["sent"]
    (received,) = desk.delivered()
    assert received["To"] == ACCOUNTS


def test_a_draft_the_user_sent_by_hand_at_its_slot_counts_as_sent(desk: Desk) -> None:
    desk.apply()
    desk.clock.now = desk.reminder().slot
    applier = desk.applier()
    plan, _ = desk.look()
    (due,) = applier.due_rows(plan)
    desk.box.send_draft(due.draft_id)  # the user pressed Send between the last look and ours
    applier.send(due, allowed=(mails.CLIENT,), max_per_hour=5, max_per_day=20)
    assert [(a.verb, a.detail) for a in applier.actions] == [("sent", "already in Sent")]
    assert len(desk.delivered()) == 1
    assert desk.reminder().state == FollowUpState.SENT


def test_a_follow_up_filed_in_sent_under_a_name_of_its_own_counts_as_sent(desk: Desk) -> None:
    desk.apply()
    desk.clock.now = desk.reminder().slot
    applier = desk.applier()
    plan, _ = desk.look()
    (due,) = applier.due_rows(plan)
    assert not desk.box.find_sent(due.message_id)
    # the user sent it from another mail program, which filed its copy under its own name
    desk.box.draft_path(due.draft_id).replace(desk.root / "sent" / "Re Invoice INV-2026-031.eml")
    assert desk.box.find_sent(due.message_id)
    applier.send(due, allowed=(mails.CLIENT,), max_per_hour=5, max_per_day=20)
    assert [(a.verb, a.detail) for a in applier.actions] == [("sent", "already in Sent")]
    (desk.root / "sent" / "Re Invoice INV-2026-031.eml").unlink()  # and then deleted it
    assert not desk.box.find_sent(due.message_id)


def test_a_draft_deleted_just_before_its_slot_is_cancelled_not_sent(desk: Desk) -> None:
    desk.apply()
    row = desk.reminder()
    desk.clock.now = row.slot
    applier = desk.applier()
    plan, _ = desk.look()
    (due,) = applier.due_rows(plan)
    desk.box.draft_path(due.draft_id).unlink()  # between the last look and the send
    applier.send(due, allowed=(mails.CLIENT,), max_per_hour=5, max_per_day=20)
    assert [a.verb for a in applier.actions] == ["cancelled"]
    assert desk.delivered() == []
    assert desk.reminder().state == FollowUpState.CANCELLED


# -- at most once, whatever happened before -----------------------------------------------------

def test_a_send_interrupted_after_the_mailbox_sent_it_is_settled_not_repeated(desk: Desk) -> None:
    desk.apply()
    row = desk.reminder()
    # The process died after the mailbox sent the draft, before the store heard of it.
    with desk.store.transaction():
        desk.store.set_followup_state(row.message_id, FollowUpState.SENDING)
    desk.box.send_draft(row.draft_id)
    desk.clock.now = row.slot + timedelta(minutes=10)
    desk.applier().resolve_interrupted()
    settled = desk.reminder()
    assert (settled.state, settled.note) == (FollowUpState.SENT, INTERRUPTED_NOTE)
    assert desk.send_due() == []
    assert len(desk.delivered()) == 1


def test_a_send_interrupted_after_the_sent_copy_was_filed_leaves_no_draft_behind(
        desk: Desk) -> None:
    desk.apply()
    row = desk.reminder()
    (draft,) = desk.drafts()
    # Over IMAP the copy is filed in Sent first, then handed to SMTP, then the draft removed:
    # a death in between leaves both. The draft must go, or the user could send it again.
    with desk.store.transaction():
        desk.store.set_followup_state(row.message_id, FollowUpState.SENDING)
    (desk.root / "sent" / draft.name).write_bytes(draft.read_bytes())
    desk.applier().resolve_interrupted()
    assert desk.drafts() == []
    assert desk.reminder().state == FollowUpState.SENT


def test_a_send_interrupted_before_the_mailbox_sent_it_goes_once_at_the_next_look(
        desk: Desk) -> None:
    desk.apply()
    row = desk.reminder()
    with desk.store.transaction():
        desk.store.set_followup_state(row.message_id, FollowUpState.SENDING)
    desk.clock.now = row.slot + timedelta(minutes=10)
    desk.applier().resolve_interrupted()
    assert desk.reminder().state == FollowUpState.DRAFTED
    assert desk.send_due() == ["sent"]
    assert desk.send_due() == []
    assert len(desk.delivered()) == 1
