"""The whole cycle on Gmail as it really behaves (``tests/gmailfake/rules.py``, search lag on):
a follow-up Gmail would refuse waits for the user while the others go out, a reply a filter
kept out of the Inbox stops the follow-up, Gmail's own bounce in the thread flags the invoice,
and the sending limit delays a follow-up without losing or doubling it. Same world as
``test_gmail_cycle.py``: the real engine, store, templates and Gmail client."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

import pytest

from relance.daemon.core.errors import TransientMailboxError
from tests import mails
from tests.gmail.api.test_gmail_cycle import (
    BEFORE_SLOT,
    World,
    at_slot_without_sending_left,
    b64,
    client_sends,
    parse,
    send_invoice,
    walk,
    world,
)
from tests.gmailfake.rules import Filter

__all__ = ["world"]  # the fixture, imported for pytest

OTHER = "accounts@harbour.test"


def second_invoice(w: World) -> EmailMessage:
    """An invoice to a second client, due the same day as ``send_invoice``'s."""
    w.fake.add_account(OTHER)
    inv = mails.invoice("INV-2026-032", "EUR 640.00", "2026-03-12", w.clock.now, to=OTHER)
    w.me.users().messages().send(userId="me", body={"raw": b64(inv)}).execute()
    return inv


def stage_of(w: World, inv: EmailMessage) -> tuple[str, str]:
    row = w.engine.store.followup(str(inv["Message-ID"]), "reminder")
    return row.state, row.note


def received_by(w: World, address: str) -> list[str]:
    return [str(parse(m.raw)["X-Relance-Stage"]) for m in w.fake.accounts[address].messages.values()
            if "INBOX" in m.labels and parse(m.raw)["X-Relance-Stage"]]


def test_a_draft_left_without_recipient_waits_for_the_user_and_the_others_go(
        world: World) -> None:
    w = world
    first, second = send_invoice(w), second_invoice(w)
    walk(w, BEFORE_SLOT, step=timedelta(days=1))
    row = w.engine.store.followup(str(first["Message-ID"]), "reminder")
    draft = parse(w.fake.accounts[mails.ME].messages[
        w.fake.accounts[mails.ME].drafts[row.draft_id].message_id].raw)
    del draft["To"]  # the user cleared the To field in Gmail and left the draft there
    thread = w.sent_copies(str(first["Message-ID"]))[0].thread_id
    w.me.users().drafts().update(userId="me", id=row.draft_id, body={
        "message": {"raw": b64(draft), "threadId": thread}}).execute()
    walk(w, datetime(2026, 3, 11, tzinfo=timezone.utc), step=timedelta(hours=1))
    assert received_by(w, OTHER) == ["reminder"]
    assert received_by(w, mails.CLIENT) == []
    assert stage_of(w, first) == ("drafted", "needs you: the draft has no recipient")
    assert stage_of(w, second)[0] == "sent"


def test_a_thread_gmail_no_longer_has_holds_that_follow_up_alone(world: World) -> None:
    w = world
    first = send_invoice(w)
    second_invoice(w)
    w.clock.now += timedelta(minutes=30)
    w.cycle()
    # The user deleted the first invoice's conversation for good: drafts.create in that
    # thread is refused with 400 "Invalid thread_id value".
    acc = w.fake.accounts[mails.ME]
    for message in w.sent_copies(str(first["Message-ID"])):
        acc.delete(message.id)
    walk(w, datetime(2026, 3, 11, tzinfo=timezone.utc), step=timedelta(hours=6))
    state, note = stage_of(w, first)
    assert state == "planned" and "Invalid thread_id value" in note
    assert note.startswith("needs you: ")
    assert received_by(w, OTHER) == ["reminder"]


def test_a_reply_a_filter_kept_out_of_the_inbox_stops_the_follow_up(world: World) -> None:
    w = world
    w.fake.add_filter(mails.ME, Filter(mails.CLIENT, skip_inbox=True, label="Clients"))
    inv = send_invoice(w)
    walk(w, BEFORE_SLOT, step=timedelta(days=1))
    assert len(w.drafts()) == 1
    w.clock.now += timedelta(minutes=5)
    client_sends(w, mails.reply(inv, "We paid it yesterday.", w.clock.now), inv)
    (reply,) = [m for m in w.fake.accounts[mails.ME].messages.values()
                if m.sender.startswith("tom avery")]
    assert "INBOX" not in reply.labels  # archived by the filter, in the thread
    walk(w, datetime(2026, 4, 30, tzinfo=timezone.utc), step=timedelta(days=1))
    assert w.received() == [] and w.drafts() == []


def test_gmails_own_bounce_in_the_thread_flags_the_invoice(world: World) -> None:
    w = world
    w.fake.refuse_address(mails.CLIENT)
    inv = send_invoice(w, due="2026-02-20")
    walk(w, datetime(2026, 4, 30, tzinfo=timezone.utc), step=timedelta(days=1))
    assert w.received() == [] and w.drafts() == []
    assert w.engine.plan().holds[str(inv["Message-ID"])].reason.value == "undelivered"


def test_the_sending_limit_delays_the_follow_up_and_it_goes_once_later(world: World) -> None:
    w = world
    inv, row = at_slot_without_sending_left(w)
    with pytest.raises(TransientMailboxError, match="sending limit"):
        w.cycle()
    assert w.received() == [] and len(w.drafts()) == 1
    # the daemon retries at its next wake-ups: before the time Gmail gave, no send is asked
    asked, refused = w.fake.quota.calls["drafts.send"], 0
    for _ in range(11):  # 22 hours, the next day's slot among them
        w.clock.now += timedelta(hours=2)
        try:
            w.cycle()
        except TransientMailboxError as exc:
            assert "not asked again" in str(exc)
            refused += 1
    assert w.fake.quota.calls["drafts.send"] == asked and refused >= 1
    w.fake.sending.per_day = None  # hours later, Gmail accepts mail again
    while w.clock.now < datetime(2026, 3, 14, tzinfo=timezone.utc):
        w.clock.now += timedelta(hours=1)
        try:
            w.cycle()
        except TransientMailboxError as exc:  # the daemon logs it and tries again later
            assert "not asked again" in str(exc)
    assert len(w.received()) == 1 and len(w.sent_copies(row.message_id)) == 1
    assert stage_of(w, inv)[0] == "sent" and w.drafts() == []
