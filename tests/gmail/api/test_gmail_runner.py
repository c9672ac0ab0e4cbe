"""The daemon (``Runner``) on Gmail's mail-sending limit: a 429 "(Mail sending)" from
``drafts.send`` (the shape of ``tests/gmailfake/rules.py``'s ``sending_limit_message``) makes
it wait until the time Gmail gave, without asking Gmail to send again before then, even after a
restart; syncing goes on meanwhile, ``relance status`` says when the next try is, and the
follow-up goes once afterwards. Same world as ``test_gmail_cycle.py``."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from relance.daemon.cli.status import attention, health
from relance.daemon.core.errors import SendingLimitError
from relance.daemon.cycle.runner import WAKE_SLOT, WAKE_SYNC, Runner, RunSettings
from relance.daemon.cycle.sendlimit import SENDING_LIMIT_META, limited_until, note_limit
from tests.gmail.api.test_gmail_cycle import (
    BEFORE_SLOT,
    World,
    at_slot_without_sending_left,
    send_invoice,
    walk,
    world,
)

__all__ = ["world"]  # the fixture, imported for pytest



def runner_of(w: World) -> Runner:
    return Runner(w.engine, reopen=lambda: w.box, settings=RunSettings(),
                  log=logging.getLogger("relance.test.gmail_runner"))


def status_notes(w: World) -> list[str]:
    return attention([], health(w.engine.store.meta), [])


def test_a_sending_limit_429_backs_off_until_gmails_time_then_sends_once(world: World) -> None:
    w = world
    inv, row = at_slot_without_sending_left(w)
    runner = runner_of(w)
    assert runner.step(WAKE_SLOT).ran  # the daemon goes on: the cycle ran, without the send
    assert w.fake.quota.calls["drafts.send"] == 1 and w.received() == []
    assert len(w.drafts()) == 1
    until = w.clock.now + timedelta(days=1)  # the fake's limit lifts a day after
    assert runner.reschedule() == [until]  # one alarm, at Gmail's time, none before
    (note,) = [n for n in status_notes(w) if "sending limit" in n]
    shown = f"{until.astimezone(timezone.utc):%a %d %b %H:%M} UTC"
    assert note.startswith(f"Gmail's sending limit: next try at {shown}")

    history = w.fake.quota.calls["history.list"]
    restarted = runner_of(w)  # a new process: the mailbox no longer remembers the refusal
    w.box.outbox.sending_refused = None
    while w.clock.now < until - timedelta(hours=2):
        w.clock.now += timedelta(hours=2)
        assert restarted.step(WAKE_SLOT).ran
        restarted.step(WAKE_SYNC)
    assert w.fake.quota.calls["drafts.send"] == 1  # nothing asked of Gmail before its time
    assert w.fake.quota.calls["history.list"] > history  # but syncing went on
    assert w.received() == [] and len(w.drafts()) == 1

    w.fake.sending.per_day = None  # Gmail accepts mail again
    w.clock.now = until + timedelta(seconds=1)
    while not w.received() and w.clock.now < datetime(2026, 3, 16, tzinfo=timezone.utc):
        restarted.step(WAKE_SLOT)
        w.clock.now = max(w.clock.now + timedelta(hours=1),
                          w.engine.next_wakeup() or w.clock.now)
    assert len(w.received()) == 1 and len(w.sent_copies(row.message_id)) == 1
    assert w.engine.store.followup(str(inv["Message-ID"]), "reminder").state == "sent"
    assert not w.engine.store.meta(SENDING_LIMIT_META)
    assert not [n for n in status_notes(w) if "sending limit" in n]


def test_a_sending_limit_that_names_no_time_waits_an_hour(world: World) -> None:
    w = world
    send_invoice(w)
    walk(w, BEFORE_SLOT, step=timedelta(days=1))
    runner = runner_of(w)
    until = note_limit(w.engine.store, SendingLimitError("limit", None, "Gmail"), w.clock.now)
    assert until == w.clock.now + timedelta(hours=1)
    assert limited_until(w.engine.store, w.clock.now + timedelta(minutes=59)) == until
    assert runner.reschedule() == [until]
    assert limited_until(w.engine.store, until) is None  # its time has come: forgotten
    assert not w.engine.store.meta(SENDING_LIMIT_META)
