"""Planning client by client, only where something changed, gives exactly the full plan.

The property walks random histories on a real store: invoices to three clients (one with a
zone of its own in the configuration, one whose zone is inferred from the Date of its messages,
one that wants no statements), some found later; steps of a few minutes to a few days, so that
slots and midnights pass; at each step events land (every kind the cadence reads), a client's
message may arrive from another zone, the drafts of the plan are made or dropped as the applier
would, the settings may change, and the daemon may restart (a new engine on the same store,
taking up the plans the last one kept). After each step the engine's plan must equal
``cadence.plan`` over every invoice and every event of the store: the follow-ups with their
slots, and every hold.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relance.daemon.core.cadence import Plan, plan
from relance.daemon.core.model import (
    CadenceSettings,
    DueSource,
    Event,
    EventKind,
    HoldReason,
    Intent,
    Invoice,
    Money,
    SendWindow,
)
from relance.daemon.cycle.config import ClientSettings, Config, default_config
from relance.daemon.cycle.engine import Engine
from relance.daemon.cycle.store import FollowUpState, Store

START = datetime(2026, 3, 2, 7, 0, tzinfo=timezone.utc)  # a Monday
CLIENTS = ("ap@northwind.test", "billing@fabrikam.test", "compta@contoso.test")
STAGES = ("reminder", "first_notice", "urgent", "further-1", "thank_you")
KINDS = (EventKind.REPLY, EventKind.MARKED_PAID, EventKind.PAYMENT, EventKind.PAYMENT_CLAIMED,
         EventKind.STOPPED, EventKind.RESUMED, EventKind.PAUSED, EventKind.BOUNCED_HARD,
         EventKind.BOUNCED_SOFT, EventKind.AUTO_REPLY, EventKind.FOLLOWUP_SENT,
         EventKind.FOLLOWUP_CANCELLED, EventKind.WROTE, EventKind.NEEDS_CHECK,
         EventKind.CONFIRMED)


def _config(root: Path, cadence: CadenceSettings) -> Config:
    config = default_config({"HOME": str(root)})
    return replace(config, store_path=root / "relance.sqlite3", timezone="Europe/Paris",
                   cadence=cadence, window=SendWindow(holiday_country="FR"),
                   clients=(ClientSettings(match=CLIENTS[0], timezone="Asia/Tokyo"),
                            ClientSettings(match=CLIENTS[2], consolidate=False)))


def _invoice(n: int, client: str, due: date) -> Invoice:
    return Invoice(number=f"INV-{n:03d}", amount=Money(Decimal(100 + n), "EUR"),
                   issue_date=due - timedelta(days=30), due_date=due,
                   due_source=DueSource.EXPLICIT, sender="me@atelier.test",
                   recipients=(client,), message_id=f"<inv-{n}@atelier.test>",
                   subject=f"Invoice INV-{n:03d}", language="en")


@st.composite
def _event(draw: st.DrawFn, at: datetime, client: str) -> Event:
    kind = draw(st.sampled_from(KINDS))
    until = draw(st.none() | st.dates(date(2026, 3, 1), date(2026, 5, 1)))
    intent = draw(st.sampled_from(list(Intent))) if kind is EventKind.REPLY else None
    stage = draw(st.sampled_from(STAGES)) if kind in (
        EventKind.FOLLOWUP_SENT, EventKind.FOLLOWUP_CANCELLED) else None
    detail = draw(st.sampled_from([client, ""])) if kind is EventKind.BOUNCED_HARD else \
        ("the amount" if kind is EventKind.NEEDS_CHECK else "")
    return Event(kind, at, until=until, intent=intent, stage=stage,
                 message_id=f"<m{draw(st.integers(0, 10**6))}@x>", detail=detail)


@st.composite
def _step(draw: st.DrawFn, count: int) -> dict[str, object]:
    return {
        "minutes": draw(st.sampled_from([5, 17, 60, 180, 600, 1440, 2880, 5760])),
        "found": draw(st.lists(st.integers(0, count - 1), max_size=2)),  # invoices found now
        "events": draw(st.lists(st.tuples(st.integers(0, count - 1), st.integers(0, 47)),
                                max_size=3)),
        "kinds": draw(st.lists(st.integers(0, 10**6), min_size=3, max_size=3)),
        "message": draw(st.sampled_from([None, "+02:00", "+03:00", "+01:00"])),
        "drafts": draw(st.sampled_from(["keep", "make", "drop", "early"])),
        "thank_you": draw(st.booleans()),
        "restart": draw(st.integers(0, 4)) == 0,
    }


@st.composite
def _history(draw: st.DrawFn) -> tuple[list[Invoice], list[int], list[dict[str, object]],
                                                       list[list[tuple[int, Event]]]]:
    count = draw(st.integers(2, 7))
    invoices = [_invoice(n, CLIENTS[draw(st.integers(0, 2))],
                         START.date() + timedelta(days=draw(st.integers(-25, 20))))
                for n in range(count)]
    at_start = draw(st.lists(st.integers(0, count - 1), min_size=1, unique=True))
    steps = draw(st.lists(_step(count), min_size=3, max_size=10))
    events = [[(n, draw(_event(START + timedelta(hours=hours), invoices[n].client)))
               for n, hours in step["events"]] for step in steps]  # type: ignore[attr-defined]
    return invoices, at_start, steps, events


def _full(engine: Engine, now: datetime) -> Plan:
    """``cadence.plan`` over the whole store, as one plan of everything would make it."""
    config = engine.config
    waiting = {(r.invoice_key, r.stage): r.slot for r in engine.store.followups("drafted")}
    return plan(engine.store.invoices(), engine.store.events(), now=now,
                settings=config.cadence, window=config.window, calendar=engine.calendar,
                zone_of=engine.zone_of, consolidate_for=engine._consolidate,
                kept_slots=waiting)


def _add(store: Store, invoice: Invoice, at: datetime) -> None:
    with store.transaction():
        if store.add_invoice(invoice, mail_ref="", sent_at=at):
            store.add_event(invoice.key, Event(EventKind.SENT, at))


def _drafts(store: Store, current: Plan, how: str, now: datetime) -> None:
    """Do with the drafts what the applier would: make one per follow-up planned, at its slot
    (or earlier), or drop them (withdrawn, sent)."""
    with store.transaction():
        for row in store.followups("drafted"):
            if how == "drop":
                store.set_followup_state(row.message_id, FollowUpState.WITHDRAWN)
        if how in ("make", "early"):
            for f in current.followups:
                # "early": a draft waiting at a slot before the plan's (one made at an earlier
                # plan, say): when it comes, the cadence keeps it
                slot = f.slot - timedelta(hours=20) if how == "early" else f.slot
                store.put_followup(invoice_key=f.invoice_key, stage=f.stage.key,
                                   kind=f.stage.kind.value, message_id=f"<{f.invoice_key}"
                                   f"{f.stage.key}@relance>", state=FollowUpState.DRAFTED,
                                   slot=max(slot, now + timedelta(minutes=1)),
                                   primary_key=f.invoice_key, draft_id="d")


@settings(max_examples=150, deadline=None)
@given(_history())
def test_planning_where_something_changed_gives_the_full_plan(
        history: tuple[list[Invoice], list[int], list[dict[str, object]],
                       list[list[tuple[int, Event]]]]) -> None:
    invoices, at_start, steps, events = history
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        clock = [START]
        store = Store.open(root / "relance.sqlite3")
        for n in at_start:
            _add(store, invoices[n], START - timedelta(days=30))
        engine = Engine(config=_config(root, CadenceSettings()), store=store, mailbox=None,
                        clock=lambda: clock[0])
        for number, (step, landed) in enumerate(zip(steps, events, strict=True)):
            clock[0] += timedelta(minutes=int(step["minutes"]))  # type: ignore[call-overload]
            now = clock[0]
            for n in step["found"]:  # type: ignore[attr-defined]
                _add(store, invoices[n], now - timedelta(days=3))
            known = {i.key for i in store.invoices()}
            with store.transaction():
                for n, event in landed:
                    if invoices[n].key in known:  # an invoice not found yet has no events
                        store.add_event(invoices[n].key, replace(event, at=min(event.at, now)))
                if step["message"]:  # the client writes from another zone: it may be inferred
                    offset = timezone(timedelta(hours=int(str(step["message"])[1:3])))
                    store.record_message(
                        message_id=f"<note-{number}@fabrikam.test>", folder="inbox",
                        mail_ref="", thread_id=None, invoice_key=None, kind="other",
                        sender=CLIENTS[1], subject="Re", sent_at=now.astimezone(offset),
                        refs=[])
            if step["thank_you"] != engine.config.cadence.thank_you:
                engine.config = replace(engine.config, cadence=replace(
                    engine.config.cadence, thank_you=bool(step["thank_you"])))
            if step["restart"]:
                engine.planner.save()
                engine = Engine(config=engine.config, store=store, mailbox=None,
                                clock=lambda: clock[0])
            current = engine.plan()
            assert current == _full(engine, now)
            _drafts(store, current, str(step["drafts"]), now)
            assert engine.plan() == _full(engine, now)
        store.close()


# -- what a plan decides again, and what it takes up --------------------------------------------

@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    store = Store.open(tmp_path / "relance.sqlite3")
    for n in range(12):  # four invoices to each client, due around now
        _add(store, _invoice(n, CLIENTS[n % 3], START.date() + timedelta(days=n - 6)),
             START - timedelta(days=30))
    made = Engine(config=_config(tmp_path, CadenceSettings()), store=store, mailbox=None,
                  clock=lambda: START)
    yield made
    store.close()


def _later(engine: Engine, minutes: int) -> Engine:
    """The same engine, its clock moved on."""
    moment = engine.clock() + timedelta(minutes=minutes)
    engine.clock = lambda: moment
    return engine


def test_only_the_clients_whose_invoices_changed_are_decided_again(engine: Engine) -> None:
    first = engine.plan()
    assert engine.planner.decided == 3
    assert _later(engine, 5).plan() == first and engine.planner.decided == 0
    with engine.store.transaction():  # `relance paid` for one invoice of the second client
        engine.store.add_event(_invoice(1, CLIENTS[1], START.date()).key,
                               Event(EventKind.MARKED_PAID, engine.clock()))
    after = _later(engine, 5).plan()
    assert engine.planner.decided == 1
    assert after.holds[_invoice(1, CLIENTS[1], START.date()).key].reason is HoldReason.PAID
    assert after == _full(engine, engine.clock())


def test_a_midnight_decides_again_only_the_clients_whose_answer_turns_on_it(
        tmp_path: Path) -> None:
    # one client's invoice comes within the draft lead on Wednesday; the other's next stage is
    # weeks away, and nothing happens to either: their midnights pass without a decision
    store = Store.open(tmp_path / "relance.sqlite3")
    near = _invoice(1, CLIENTS[1], START.date() + timedelta(days=8))  # reminder on Friday
    far = _invoice(2, CLIENTS[2], START.date() + timedelta(days=40))
    for invoice in (near, far):
        _add(store, invoice, START - timedelta(days=10))
    engine = Engine(config=_config(tmp_path, CadenceSettings()), store=store, mailbox=None,
                    clock=lambda: START)
    first = engine.plan()
    assert {first.holds[near.key].reason, first.holds[far.key].reason} == {HoldReason.NOT_YET}
    decided = []
    for _day in range(3):
        current = _later(engine, 24 * 60).plan()
        decided.append(engine.planner.decided)
        assert current == _full(engine, engine.clock())
    assert decided == [0, 1, 0]  # on Wednesday, the reminder's draft is due for Friday
    assert [f.invoice_key for f in current.followups] == [near.key]
    store.close()


def test_a_thank_you_waiting_for_the_next_morning_is_decided_again_at_midnight(
        tmp_path: Path) -> None:
    store = Store.open(tmp_path / "relance.sqlite3")
    invoice = _invoice(1, CLIENTS[1], START.date())
    _add(store, invoice, START - timedelta(days=30))
    evening = START.replace(hour=19)  # Paris 20:00: the day's window has closed
    engine = Engine(config=_config(tmp_path, CadenceSettings(thank_you=True)), store=store,
                    mailbox=None, clock=lambda: evening)
    with store.transaction():
        store.add_event(invoice.key, Event(EventKind.MARKED_PAID, evening))
    assert [f.stage.key for f in engine.plan().followups] == ["thank_you"]
    after_midnight = _later(engine, 5 * 60).plan()  # 01:00 in Paris
    assert after_midnight == _full(engine, engine.clock())
    assert after_midnight.followups[0].stage.earliest == START.date() + timedelta(days=1)
    store.close()


def test_a_new_process_takes_up_the_plans_kept_and_decides_nothing_again(
        engine: Engine) -> None:
    first = engine.plan()
    engine.planner.save()
    again = Engine(config=engine.config, store=engine.store, mailbox=None, clock=engine.clock)
    assert again.plan() == first
    assert again.planner.decided == 0
    assert [f.slot.tzinfo for f in again.plan().followups] == \
        [f.slot.tzinfo for f in first.followups]  # the slots keep the client's zone


def test_plans_kept_under_another_configuration_are_not_taken_up(engine: Engine) -> None:
    engine.plan()
    engine.planner.save()
    edited = replace(engine.config, cadence=replace(engine.config.cadence, min_gap=9))
    again = Engine(config=edited, store=engine.store, mailbox=None, clock=engine.clock)
    assert again.plan() == _full(again, again.clock())
    assert again.planner.decided == 3


def test_full_decides_for_every_client_and_gives_the_same_plan(engine: Engine) -> None:
    first = engine.plan()
    engine.planner.full()
    assert engine.plan() == first
    assert engine.planner.decided == 3


def test_an_unreadable_plan_kept_is_planned_again_and_said(
        engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    first = engine.plan()
    engine.planner.save()
    with sqlite3.connect(engine.store.path) as shell:  # edited by hand
        shell.execute("UPDATE plans SET body = '{\"holds\": 3}' WHERE client = ?", (CLIENTS[0],))
    shell.close()
    again = Engine(config=engine.config, store=engine.store, mailbox=None, clock=engine.clock)
    with caplog.at_level(logging.WARNING, logger="relance"):
        assert again.plan() == first
    assert again.planner.decided == 3
    assert "cannot be read" in caplog.text
    again.planner.save()  # and kept readable again
    body = json.loads(dict(engine.store.plan_rows())[CLIENTS[0]])
    assert isinstance(body["holds"], dict)


def test_events_deleted_by_hand_make_it_plan_everything_again(engine: Engine) -> None:
    key = _invoice(0, CLIENTS[0], START.date()).key
    with engine.store.transaction():
        engine.store.add_event(key, Event(EventKind.STOPPED, START))
    assert engine.plan().holds[key].reason is HoldReason.STOPPED
    with sqlite3.connect(engine.store.path) as shell:
        shell.execute("DELETE FROM events WHERE kind = 'stopped'")
    shell.close()
    assert key not in _later(engine, 5).plan().holds or \
        engine.plan().holds[key].reason is not HoldReason.STOPPED
    assert engine.plan() == _full(engine, engine.clock())


def test_a_plan_inside_a_rolled_back_transaction_is_never_remembered(engine: Engine) -> None:
    engine.plan()
    key = _invoice(3, CLIENTS[0], START.date()).key
    with pytest.raises(RuntimeError), engine.store.transaction():
        engine.store.add_event(key, Event(EventKind.STOPPED, START))
        assert engine.plan().holds[key].reason is HoldReason.STOPPED  # as the store shows it
        raise RuntimeError("the cycle failed")
    assert engine.plan() == _full(engine, engine.clock())
    assert engine.plan().holds.get(key) is None or \
        engine.plan().holds[key].reason is not HoldReason.STOPPED


def test_an_event_written_by_another_process_is_seen(engine: Engine) -> None:
    engine.plan()
    key = _invoice(2, CLIENTS[2], START.date()).key
    with Store.open(engine.store.path) as other, other.transaction():  # `relance stop`
        other.add_event(key, Event(EventKind.STOPPED, START))
    assert _later(engine, 5).plan().holds[key].reason is HoldReason.STOPPED
    assert engine.planner.decided == 1


def test_clients_decided_in_batches_give_the_same_plan(engine: Engine) -> None:
    """A full plan reads the store a few hundred clients at a time, never all of it at once."""
    whole = engine.plan()
    engine.planner.full()
    engine.planner.batch = 1
    assert engine.plan() == whole
    assert engine.planner.decided == 3


def test_a_draft_waiting_at_an_earlier_slot_is_kept_when_that_slot_comes(engine: Engine) -> None:
    """A draft made for a slot still to come does not change the answer, but when its slot
    comes in the morning, the cadence keeps it: the plan must be made again then."""
    first = engine.plan()
    followup = first.followups[-1]
    early = (engine.clock() + timedelta(minutes=1)).astimezone(followup.slot.tzinfo)
    assert early < followup.slot
    _drafts(engine.store, Plan((replace(followup, slot=early),), {}), "make", engine.clock())
    assert engine.plan() == first  # still to come: the same answer
    later = _later(engine, 10).plan()
    assert later == _full(engine, engine.clock())
    assert any(f.slot == early for f in later.followups)


def test_a_store_of_the_schema_before_is_migrated_with_each_invoice_s_client(
        tmp_path: Path) -> None:
    """A store written before migration 3 gets each invoice's client from its recipients
    and is planned in full, as a new one would be."""
    from relance.daemon.cycle import schema

    path = tmp_path / "relance.sqlite3"
    old = sqlite3.connect(path, isolation_level=None)
    for number in range(2):
        schema._migrate(old, number)
    old.execute(
        "INSERT INTO invoices (key, number, issue_date, due_date, due_source, sender,"
        " recipients, cc, subject, language, sent_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        ("<inv-1@atelier.test>", "INV-001", "2026-02-01", "2026-03-03", "explicit",
         "me@atelier.test", json.dumps([CLIENTS[1], "cc@fabrikam.test"]), "[]", "Invoice",
         "en", (START - timedelta(days=30)).isoformat()))
    old.close()
    with Store.open(path) as store:
        assert store.invoices_of([CLIENTS[1]])[0].key == "<inv-1@atelier.test>"
        engine = Engine(config=_config(tmp_path, CadenceSettings()), store=store,
                        mailbox=None, clock=lambda: START)
        assert engine.plan() == _full(engine, START)
        assert engine.planner.decided == 1
