"""Planning again from a memo of the settled invoices gives exactly the full plan.

The property walks random histories: a handful of invoices to two clients (so statements
happen), due around the start, and a few weeks of steps; at each step some events land (paid,
a claim, replies of every intent, a stop and a resume, bounces, an out-of-office, a pause,
follow-ups sent or cancelled, the user writing). After each step ``replan`` with the memo
carried along must equal ``cadence.plan`` over every invoice — the followups with their slots,
and every hold — also when the thank-you setting changes between two plans.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from relance.daemon.core.cadence import plan
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
from relance.daemon.core.slots import BusinessCalendar
from relance.daemon.cycle.replan import PlanMemo, replan

START = datetime(2026, 3, 2, 7, 0, tzinfo=timezone.utc)
CALENDAR = BusinessCalendar("FR")
WINDOW = SendWindow(holiday_country="FR")
# the thank-you turns a paid invoice's hold into a follow-up; the memo must see settings change
CADENCES = (CadenceSettings(), CadenceSettings(thank_you=True))
CLIENTS = ("ap@northwind.test", "billing@fabrikam.test")
STAGES = ("reminder", "first_notice", "urgent", "further_1", "thank_you")


def _invoice(n: int, client: str, due: date) -> Invoice:
    return Invoice(number=f"INV-{n:03d}", amount=Money(Decimal(100 + n), "EUR"),
                   issue_date=due - timedelta(days=30), due_date=due,
                   due_source=DueSource.EXPLICIT, sender="me@atelier.test",
                   recipients=(client,), message_id=f"<inv-{n}@atelier.test>",
                   subject=f"Invoice INV-{n:03d}", language="en")


def _zone(invoice: Invoice) -> tzinfo:
    return ZoneInfo("Europe/Paris" if invoice.client == CLIENTS[0] else "Europe/Bucharest")


@st.composite
def _event(draw: st.DrawFn, at: datetime, client: str) -> Event:
    kind = draw(st.sampled_from([
        EventKind.REPLY, EventKind.MARKED_PAID, EventKind.PAYMENT, EventKind.PAYMENT_CLAIMED,
        EventKind.STOPPED, EventKind.RESUMED, EventKind.PAUSED, EventKind.BOUNCED_HARD,
        EventKind.BOUNCED_SOFT, EventKind.AUTO_REPLY, EventKind.FOLLOWUP_SENT,
        EventKind.FOLLOWUP_CANCELLED, EventKind.WROTE]))
    until = draw(st.none() | st.dates(date(2026, 3, 1), date(2026, 5, 1)))
    intent = draw(st.sampled_from(list(Intent))) if kind is EventKind.REPLY else None
    stage = draw(st.sampled_from(STAGES)) if kind in (
        EventKind.FOLLOWUP_SENT, EventKind.FOLLOWUP_CANCELLED) else None
    detail = draw(st.sampled_from([client, ""])) if kind is EventKind.BOUNCED_HARD else ""
    return Event(kind, at, until=until, intent=intent, stage=stage,
                 message_id=f"<m{draw(st.integers(0, 10**6))}@x>", detail=detail)


@st.composite
def _history(draw: st.DrawFn) -> tuple[list[Invoice], list[list[tuple[int, Event]]],
                                       list[tuple[int, CadenceSettings]]]:
    count = draw(st.integers(2, 6))
    invoices = [_invoice(n, CLIENTS[draw(st.integers(0, 1))],
                         START.date() + timedelta(days=draw(st.integers(-20, 20))))
                for n in range(count)]
    steps = draw(st.lists(st.tuples(st.integers(1, 96), st.sampled_from(CADENCES)),
                          min_size=3, max_size=12))  # hours between plans, the settings
    landed: list[list[tuple[int, Event]]] = []
    now = START
    for hours, _ in steps:
        now += timedelta(hours=hours)
        picks = draw(st.lists(st.integers(0, count - 1), max_size=3))
        landed.append([(n, draw(_event(now - timedelta(hours=draw(st.integers(0, hours))),
                                       invoices[n].client))) for n in picks])
    return invoices, landed, steps


@settings(max_examples=200, deadline=None)
@given(_history())
def test_replanning_from_the_memo_gives_the_full_plan(
        history: tuple[list[Invoice], list[list[tuple[int, Event]]],
                       list[tuple[int, CadenceSettings]]]) -> None:
    invoices, landed, steps = history
    events: dict[str, list[Event]] = {i.key: [Event(EventKind.SENT, START - timedelta(days=30))]
                                      for i in invoices}
    memo = PlanMemo()
    now = START
    for (hours, cadence), arrivals in zip(steps, landed, strict=True):
        now += timedelta(hours=hours)
        for n, event in arrivals:
            events[invoices[n].key] = sorted([*events[invoices[n].key], event],
                                             key=lambda e: e.at)
        args = dict(now=now, settings=cadence, window=WINDOW, calendar=CALENDAR,
                    zone_of=_zone)
        assert replan(memo, invoices, events, **args) == plan(invoices, events, **args)


def test_a_settled_invoice_is_not_decided_again_until_an_event_of_its_own() -> None:
    """The zone look-up (a store query) is made for the open invoices only, once the others
    are known settled; ``relance resume`` on a paid-claim invoice brings it back."""
    paid, claimed, open_one = (_invoice(n, CLIENTS[0], START.date()) for n in range(3))
    events = {paid.key: [Event(EventKind.MARKED_PAID, START - timedelta(days=1))],
              claimed.key: [Event(EventKind.PAYMENT_CLAIMED, START - timedelta(days=1))],
              open_one.key: []}
    cadence = CadenceSettings(thank_you=False)
    asked: list[str] = []

    def zone_of(invoice: Invoice) -> tzinfo:
        asked.append(invoice.key)
        return ZoneInfo("Europe/Paris")

    memo = PlanMemo()
    args = dict(settings=cadence, window=WINDOW, calendar=CALENDAR, zone_of=zone_of)
    first = replan(memo, [paid, claimed, open_one], events, now=START, **args)
    assert first.holds[paid.key].reason is HoldReason.PAID
    asked.clear()
    later = START + timedelta(hours=1)
    replan(memo, [paid, claimed, open_one], events, now=later, **args)
    assert asked == [open_one.key]
    events[claimed.key].append(Event(EventKind.RESUMED, later))
    asked.clear()
    again = replan(memo, [paid, claimed, open_one], events, now=later, **args)
    assert sorted(asked) == sorted([claimed.key, open_one.key])
    assert again == plan([paid, claimed, open_one], events, now=later, **args)
