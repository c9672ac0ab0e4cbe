"""Control from Gmail: the user creates the label ``relance/stop`` or ``relance/paid`` in the
Gmail web app and puts it on an invoice's conversation (``labels.create`` and
``messages.modify``, what the web app asks on her behalf); the next cycle takes the decision
as ``relance stop`` / ``relance paid`` would, with relance's gmail.readonly + gmail.compose
token (labels.list and history's labelsAdded records are readable under gmail.readonly,
GMAIL-FACTS.md). Same world as ``test_gmail_cycle.py``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

from tests import mails
from tests.gmail.api.test_gmail_cycle import (
    BEFORE_SLOT,
    IDLE_CYCLE,
    World,
    client_sends,
    send_invoice,
    walk,
    world,
)
from tests.gmail.api.test_gmail_track import LOGO, send_unrecognised_invoice

__all__ = ["world"]  # the fixture, imported for pytest

LATER = datetime(2026, 4, 30, tzinfo=timezone.utc)  # past every stage of the cadence


def label_conversation(w: World, name: str, message_id: str) -> None:
    """The user labels the conversation holding ``message_id`` in Gmail (each of its
    messages gets the label, as the web app does for a conversation)."""
    users = w.me.users()
    existing = {lbl["name"]: lbl["id"] for lbl in users.labels().list(userId="me").execute()
                ["labels"]}
    label = existing.get(name) or users.labels().create(
        userId="me", body={"name": name}).execute()["id"]
    acc = w.fake.accounts[mails.ME]
    thread = next(m.thread_id for m in acc.messages.values() if m.message_id == message_id)
    for msg in [m for m in acc.messages.values() if m.thread_id == thread]:
        users.messages().modify(userId="me", id=msg.id,
                                body={"addLabelIds": [label]}).execute()


def hold_of(w: World, inv: EmailMessage) -> str:
    hold = w.engine.plan().holds.get(str(inv["Message-ID"]))
    return hold.reason.value if hold else ""


def test_the_stop_label_on_the_conversation_withdraws_the_draft_and_nothing_goes(
        world: World) -> None:
    w = world
    inv = send_invoice(w)
    walk(w, BEFORE_SLOT, step=timedelta(days=1))
    assert len(w.drafts()) == 1
    label_conversation(w, "relance/stop", str(inv["Message-ID"]))
    w.clock.now += timedelta(minutes=5)
    w.cycle()
    assert w.drafts() == [] and hold_of(w, inv) == "stopped"
    walk(w, LATER, step=timedelta(days=1))
    assert w.received() == [] and w.drafts() == []
    stops = [e for e in w.engine.store.events_of(str(inv["Message-ID"]))
             if e.kind.value == "stopped"]
    assert len(stops) == 1 and "relance/stop" in stops[0].detail  # once, saying where from


def test_the_paid_label_on_a_reply_closes_the_invoice_and_costs_one_labels_list(
        world: World) -> None:
    w = world
    inv = send_invoice(w)
    walk(w, BEFORE_SLOT, step=timedelta(days=1))
    client_sends(w, mails.reply(inv, "Is the bank transfer alright for you?", w.clock.now), inv)
    w.clock.now += timedelta(minutes=5)
    w.cycle()
    label_conversation(w, "relance/paid", str(inv["Message-ID"]))
    lists = w.fake.quota.calls["labels.list"]  # the web app's own, above, counted too
    before = len(w.cycle_units)
    w.clock.now += timedelta(minutes=5)
    w.cycle()
    assert hold_of(w, inv) == "paid" and w.drafts() == []
    assert w.fake.quota.calls["labels.list"] == lists + 1  # relance learnt the label once
    w.clock.now += timedelta(minutes=5)
    w.cycle()  # nothing changed: an idle cycle again, no labels.list
    assert w.cycle_units[-1] == IDLE_CYCLE and len(w.cycle_units) == before + 2
    assert w.fake.quota.calls["labels.list"] == lists + 1
    walk(w, LATER, step=timedelta(days=1))
    assert w.received() == []


def test_an_ordinary_label_is_not_a_decision(world: World) -> None:
    w = world
    inv = send_invoice(w)
    walk(w, BEFORE_SLOT, step=timedelta(days=1))
    label_conversation(w, "Clients/Harbour", str(inv["Message-ID"]))
    w.clock.now += timedelta(minutes=5)
    w.cycle()
    assert len(w.drafts()) == 1 and hold_of(w, inv) == ""


def test_the_track_label_on_a_sent_message_makes_it_an_invoice(world: World) -> None:
    w = world
    send_unrecognised_invoice(w)
    assert LOGO not in {i.key for i in w.engine.store.invoices()}
    label_conversation(w, "relance/track", LOGO)
    w.clock.now += timedelta(minutes=5)
    w.cycle()
    keys = {i.key for i in w.engine.store.invoices()}
    assert LOGO in keys


def test_a_label_put_while_history_expired_is_seen_by_the_resync(world: World) -> None:
    w = world
    inv = send_invoice(w)
    walk(w, BEFORE_SLOT, step=timedelta(days=1))
    label_conversation(w, "relance/stop", str(inv["Message-ID"]))
    w.fake.accounts[mails.ME].expire_history()  # relance was off for over a week
    w.clock.now += timedelta(minutes=5)
    w.cycle()  # history.list answers 404: a full sync
    assert w.drafts() == [] and hold_of(w, inv) == "stopped"
    w.clock.now += timedelta(minutes=5)
    w.cycle()
    stops = [e for e in w.engine.store.events_of(str(inv["Message-ID"]))
             if e.kind.value == "stopped"]
    assert len(stops) == 1
