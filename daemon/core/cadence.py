"""The cadence: which follow-up an invoice should have now, given what has been observed.

``schedule`` lays out the stages of one invoice around its due date; ``decide`` reads the
invoice's events and returns the stage due now (``Due``) or why there is none (``Hold``).
``plan`` does that for every open invoice, merges several overdue invoices to one client into a
statement, and gives each follow-up its slot.

Rules, in the order they apply:
- paid closes the invoice: marked paid by the user (`relance paid`), or a payment notice whose
  sender the receiving server vouched for (``EventKind.PAYMENT``);
- a claim that it is paid (a reply saying so, or a payment notice nobody vouched for) stops the
  sequence but keeps the invoice owed (``CLAIMED_PAID``), until the user marks it paid, a
  vouched notice arrives, or the user resumes it (the money never came);
- a stop from the user, a hard bounce of every recipient, a dispute or any other human reply
  stops the sequence until the user resumes it;
- a promise pauses until the day after the promised date, an out-of-office until the day after
  the return date, a soft bounce for a few business days, a pause until its end;
- stages go out in order, each at least ``min_gap`` business days after the previous follow-up,
  so a stage missed during downtime goes at the next slot and the ones after it wait their turn:
  never two at once, never a burst. The reminder before the due date is dropped once the due date
  has come. A stage whose draft the user deleted is cancelled and not written again;
- a message the user writes to the client in the invoice's thread is contact: the next
  follow-up waits ``min_gap`` business days after it, and when a stage was due or about to be
  (within ``draft_lead_days``), the user's own reminder stands for that stage, which relance
  then does not send.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from types import MappingProxyType

from .model import (
    CadenceSettings,
    Event,
    EventKind,
    Hold,
    HoldReason,
    Intent,
    Invoice,
    PlannedFollowUp,
    SendWindow,
    Stage,
    StageKind,
)
from .slots import BusinessCalendar, NoSlot, kept_until, next_slot

_OVERDUE_KINDS = {StageKind.FIRST_NOTICE, StageKind.URGENT, StageKind.FURTHER, StageKind.FINAL}


@dataclass(frozen=True)
class Due:
    """The stage whose follow-up should exist now; ``stage.earliest`` already accounts for
    pauses, out-of-office and the gap after the previous follow-up."""

    stage: Stage


def schedule(due_date: date, settings: CadenceSettings, calendar: BusinessCalendar) -> list[Stage]:
    """Return the stages of an invoice due on ``due_date``, in order, with their earliest days."""
    stages: list[Stage] = []
    if settings.reminder_before_due > 0:
        stages.append(Stage("reminder", StageKind.REMINDER,
                            calendar.add(due_date, -settings.reminder_before_due),
                            due_date - timedelta(days=1)))
    stages.append(Stage("first_notice", StageKind.FIRST_NOTICE,
                        calendar.add(due_date, settings.first_notice_after)))
    urgent = calendar.add(due_date, max(settings.urgent_after, settings.first_notice_after + 1))
    stages.append(Stage("urgent", StageKind.URGENT, urgent))
    last = urgent
    for n in range(1, settings.further_max + 1):
        last = calendar.add(last, settings.further_every)
        stages.append(Stage(f"further-{n}", StageKind.FURTHER, last))
    stages.append(Stage("final", StageKind.FINAL, calendar.add(last, settings.final_after)))
    return stages


@dataclass
class _Reading:
    """What the events say, folded in time order."""

    closed: HoldReason | None = None  # PAID, REPLIED, DISPUTED, UNDELIVERED, STOPPED
    wait_until: date | None = None
    wait_reason: HoldReason | None = None
    done: set[str] = field(default_factory=set)
    last_followup: date | None = None
    doubt: str = ""  # what was read with doubt and not confirmed yet (NEEDS_CHECK's detail)

    def wait(self, until: date, reason: HoldReason) -> None:
        if self.wait_until is None or until >= self.wait_until:
            self.wait_until, self.wait_reason = until, reason


def _read(invoice: Invoice, events: Sequence[Event], settings: CadenceSettings,
          calendar: BusinessCalendar, zone: tzinfo) -> _Reading:
    reading = _Reading()
    for event in sorted(events, key=lambda e: e.at):
        day = event.at.astimezone(zone).date()
        kind = event.kind
        if kind in (EventKind.FOLLOWUP_SENT, EventKind.FOLLOWUP_CANCELLED) and event.stage:
            reading.done.add(event.stage)
            if kind is EventKind.FOLLOWUP_SENT:
                reading.last_followup = max(reading.last_followup or day, day)
        elif kind in (EventKind.MARKED_PAID, EventKind.PAYMENT):
            reading.closed = HoldReason.PAID
        elif kind is EventKind.PAYMENT_CLAIMED:
            if reading.closed is not HoldReason.PAID:
                reading.closed = HoldReason.CLAIMED_PAID
        elif kind is EventKind.STOPPED:
            if reading.closed is not HoldReason.PAID:
                reading.closed = HoldReason.STOPPED
        elif kind is EventKind.RESUMED:
            if reading.closed is not HoldReason.PAID:
                reading.closed = None
            reading.wait_until = reading.wait_reason = None
        elif kind is EventKind.PAUSED:
            reading.wait(event.until or date.max, HoldReason.PAUSED)
        elif kind is EventKind.BOUNCED_HARD:
            if _all_failed(invoice, event.detail):
                reading.closed = reading.closed or HoldReason.UNDELIVERED
        elif kind is EventKind.BOUNCED_SOFT:
            reading.wait(calendar.add(day, settings.soft_bounce_recheck), HoldReason.SOFT_BOUNCE)
        elif kind is EventKind.AUTO_REPLY:
            back = (event.until + timedelta(days=1) if event.until
                    else calendar.add(day, settings.out_of_office_default))
            reading.wait(back, HoldReason.OUT_OF_OFFICE)
        elif kind is EventKind.REPLY:
            _read_reply(reading, event)
        elif kind is EventKind.WROTE:
            _read_own(reading, invoice, day, settings, calendar)
        elif kind in (EventKind.NEEDS_CHECK, EventKind.CONFIRMED):
            reading.doubt = event.detail if kind is EventKind.NEEDS_CHECK else ""
    return reading


def _read_own(reading: _Reading, invoice: Invoice, day: date, settings: CadenceSettings,
              calendar: BusinessCalendar) -> None:
    """The user wrote to the client on ``day``: the gap runs from then, and the stage that was
    current (the first not done, its earliest day at most ``draft_lead_days`` ahead: its draft
    was waiting, or about to be) is taken as done by hand."""
    reading.last_followup = max(reading.last_followup or day, day)
    for stage in schedule(invoice.due_date, settings, calendar):
        if stage.key in reading.done or (stage.latest is not None and day > stage.latest):
            continue
        if stage.earliest <= day + timedelta(days=settings.draft_lead_days):
            reading.done.add(stage.key)
        return


def _read_reply(reading: _Reading, event: Event) -> None:
    if reading.closed is HoldReason.PAID:
        return
    if event.intent is Intent.PAID:
        # The client's word, not the bank's: follow-ups stop, the invoice stays owed.
        reading.closed = HoldReason.CLAIMED_PAID
    elif event.intent is Intent.PROMISE and event.until:
        # A promise is a human answer too, but one that says when to look again: the cadence
        # waits until the day after the promised date, then goes on if nothing came.
        reading.wait(event.until + timedelta(days=1), HoldReason.PROMISED)
        if reading.closed in (HoldReason.REPLIED, HoldReason.DISPUTED):
            return
    elif event.intent is Intent.DISPUTE:
        reading.closed = HoldReason.DISPUTED
    else:
        reading.closed = reading.closed or HoldReason.REPLIED


def _all_failed(invoice: Invoice, detail: str) -> bool:
    """A hard bounce stops the invoice only when every To recipient failed; ``detail`` lists the
    failed addresses, comma-separated (empty = unknown, taken as all)."""
    failed = {a.strip().lower() for a in detail.split(",") if a.strip()}
    return not failed or all(r in failed for r in invoice.recipients)


def decide(invoice: Invoice, events: Sequence[Event], *, today: date, settings: CadenceSettings,
           calendar: BusinessCalendar, zone: tzinfo, skip: frozenset[str] = frozenset()
           ) -> Due | Hold:
    """Return the stage whose follow-up should exist on ``today`` (in ``zone``), or a ``Hold``
    naming why none should and, when known, when to look again. Stages in ``skip`` are passed
    over (the planner found no slot for them)."""
    reading = _read(invoice, events, settings, calendar, zone)
    if reading.doubt:  # no figure that may be wrong goes to the client, thanks included
        return Hold(reading.closed or HoldReason.CHECK)
    if reading.closed is HoldReason.PAID and settings.thank_you and "thank_you" not in reading.done:
        return Due(Stage("thank_you", StageKind.THANK_YOU, today))
    if reading.closed is not None:
        return Hold(reading.closed)
    floor = date.min if reading.last_followup is None else calendar.add(
        reading.last_followup, settings.min_gap)
    waiting = reading.wait_until is not None and reading.wait_until > today
    if waiting:
        floor = max(floor, reading.wait_until or floor)
    for candidate in schedule(invoice.due_date, settings, calendar):
        if candidate.key in reading.done or candidate.key in skip:
            continue
        earliest = max(candidate.earliest, floor)
        if candidate.latest is not None and max(earliest, today) > candidate.latest:
            continue  # the reminder cannot arrive before the due date any more
        stage = replace(candidate, earliest=earliest)
        break
    else:
        return Hold(HoldReason.DONE)
    if waiting:
        return Hold(reading.wait_reason or HoldReason.PAUSED, until=reading.wait_until,
                    next_stage=stage)
    if stage.earliest > today + timedelta(days=settings.draft_lead_days):
        return Hold(HoldReason.NOT_YET, until=stage.earliest, next_stage=stage)
    return Due(stage)


@dataclass(frozen=True)
class Plan:
    """The follow-ups that should exist now, and why every other open invoice has none.

    ``until`` gives, by invoice key, the moment the invoice needs a decision again when nothing
    else changes (none of its events, its client's other invoices, the waiting drafts' slots, the
    settings): the midnight, in the client's zone, of the first day on which the cadence may
    answer otherwise (``_changes_on``), or the first slot the plan met that the clock will
    pass, whichever comes first. An invoice absent from it is settled: only an event
    changes its answer. It is not part of a plan's equality: two plans are the same plan when
    they ask for the same follow-ups and give the same holds."""

    followups: tuple[PlannedFollowUp, ...]
    holds: Mapping[str, Hold]
    until: Mapping[str, datetime] = field(default_factory=dict, compare=False)


def plan(invoices: Iterable[Invoice], events: Mapping[str, Sequence[Event]], *, now: datetime,
         settings: CadenceSettings, window: SendWindow, calendar: BusinessCalendar,
         zone_of: Callable[[Invoice], tzinfo],
         consolidate_for: Callable[[Invoice], bool] = lambda _invoice: True,
         kept_slots: Mapping[tuple[str, str], datetime] = MappingProxyType({})) -> Plan:
    """Return the plan for ``invoices`` at ``now``: one follow-up per invoice at most, each with
    its slot; several overdue invoices to one client merged into one statement when
    ``consolidate_for`` allows it.

    ``kept_slots`` are the slots of the drafts already waiting, by (invoice key, stage key). A
    slot that has come stays the slot until its send window closes that day, or, when the slot
    passed while relance was not running, until the missed-slot grace ends that morning
    (``slots.kept_until``), so the follow-up is sent then rather than moved to the next day (or
    dropped, for a reminder on the last day before the due date); only a slot missed
    altogether is given a new one."""
    slots = _SlotFinder(now, window, calendar, kept_slots)
    slot_for, bound, until = slots.slot_for, slots.bound, slots.until
    due: list[tuple[Invoice, Stage, datetime]] = []
    holds: dict[str, Hold] = {}
    for invoice in invoices:
        zone = zone_of(invoice)
        today = now.astimezone(zone).date()
        found = _due_with_slot(invoice, events.get(invoice.key, ()), today=today,
                               settings=settings, calendar=calendar, zone=zone,
                               slot_for=slot_for)
        if isinstance(found, Hold):
            holds[invoice.key] = found
        else:
            due.append((invoice, *found))
        day = _changes_on(found, today, settings)
        if day is not None:
            bound(invoice.key, _midnight(day, zone))
    followups = _consolidate(due, holds, settings=settings, zone_of=zone_of,
                             consolidate_for=consolidate_for, slot_for=slot_for)
    for followup in followups:  # a covered invoice's hold turns on its statement's slot too
        for key, _stage in followup.covers:
            if followup.invoice_key in until:
                bound(key, until[followup.invoice_key])
    return Plan(tuple(sorted(followups, key=lambda f: (f.slot, f.invoice_key))), holds,
                MappingProxyType(until))


class _SlotFinder:
    """The slots of one plan, and for each invoice the first moment the clock changes an
    answer it was given (``Plan.until``)."""

    def __init__(self, now: datetime, window: SendWindow, calendar: BusinessCalendar,
                 kept_slots: Mapping[tuple[str, str], datetime]) -> None:
        self.now, self.window, self.calendar, self.kept_slots = now, window, calendar, kept_slots
        self.until: dict[str, datetime] = {}

    def bound(self, invoice_key: str, moment: datetime) -> None:
        """The answer for ``invoice_key`` may change at ``moment`` (when it is to come)."""
        known = self.until.get(invoice_key)
        if moment > self.now and (known is None or moment < known):
            self.until[invoice_key] = moment

    def slot_for(self, stage: Stage, invoice_key: str, zone: tzinfo) -> datetime | NoSlot:
        # Each answer here holds while the clock stays before the moment it turns on: a kept
        # slot's end, a kept slot still to come, the first slot found after now. (A day with
        # no slot left stays so: the clock only takes slots away.)
        now = self.now
        kept = self.kept_slots.get((invoice_key, stage.key))
        if kept is not None:
            end = kept_until(kept, self.window)
            self.bound(invoice_key, end if kept <= now else kept)
            if kept <= now < end:
                return kept
        found = next_slot(stage, invoice_key=invoice_key, zone=zone, window=self.window,
                          calendar=self.calendar, now=now)
        if isinstance(found, datetime):
            self.bound(invoice_key, found)
        return found


def _changes_on(found: tuple[Stage, datetime] | Hold, today: date,
                settings: CadenceSettings) -> date | None:
    """The first day after ``today`` on which ``decide`` may answer otherwise than ``found``
    with the same events (None: no day will). ``decide`` compares ``today`` with the days it
    read in three places only: the end of a wait, the day the next stage comes within
    ``draft_lead_days``, and the last day of a stage that has one (the reminder before the due
    date) — that last day is never before the wait's end, the draft day or the slot, which
    come first. A thank-you is due from today, whichever day that is. Any other midnight passes
    without a change: an invoice waiting weeks for its next stage is not decided again daily."""
    if isinstance(found, tuple):
        return today + timedelta(days=1) if found[0].kind is StageKind.THANK_YOU else None
    if found.until is None or found.until == date.max:  # settled, done, or paused for good
        return None
    if found.reason is HoldReason.NOT_YET:
        return max(found.until - timedelta(days=settings.draft_lead_days),
                   today + timedelta(days=1))
    return found.until


def _midnight(day: date, zone: tzinfo) -> datetime:
    """The moment ``day`` begins in ``zone`` (where a daylight-saving change skips midnight,
    the wall clock's first moment of that day as the zone reads it)."""
    return datetime.combine(day, time(0), tzinfo=zone)


SlotFinder = Callable[[Stage, str, tzinfo], "datetime | NoSlot"]


def _due_with_slot(invoice: Invoice, events: Sequence[Event], *, today: date,
                   settings: CadenceSettings, calendar: BusinessCalendar, zone: tzinfo,
                   slot_for: SlotFinder) -> tuple[Stage, datetime] | Hold:
    skip: frozenset[str] = frozenset()
    while True:
        decision = decide(invoice, events, today=today, settings=settings, calendar=calendar,
                          zone=zone, skip=skip)
        if isinstance(decision, Hold):
            return decision
        slot = slot_for(decision.stage, invoice.key, zone)
        if isinstance(slot, datetime):
            return decision.stage, slot
        skip = skip | {decision.stage.key}


def _consolidate(due: list[tuple[Invoice, Stage, datetime]], holds: dict[str, Hold], *,
                 settings: CadenceSettings, zone_of: Callable[[Invoice], tzinfo],
                 consolidate_for: Callable[[Invoice], bool],
                 slot_for: SlotFinder) -> list[PlannedFollowUp]:
    """Merge overdue invoices to one client into a statement sent in the thread of the newest
    of them; the others are held as ``COVERED``."""
    groups: dict[str, list[tuple[Invoice, Stage, datetime]]] = {}
    followups: list[PlannedFollowUp] = []
    for item in due:
        invoice, stage, slot = item
        if (settings.consolidate and stage.kind in _OVERDUE_KINDS and consolidate_for(invoice)):
            groups.setdefault(invoice.client, []).append(item)
        else:
            followups.append(PlannedFollowUp(invoice.key, stage, slot))
    for members in groups.values():
        if len(members) == 1:
            invoice, stage, slot = members[0]
            followups.append(PlannedFollowUp(invoice.key, stage, slot))
            continue
        members.sort(key=lambda m: (m[0].issue_date, m[0].key))
        primary, primary_stage, _ = members[-1]
        statement = Stage(primary_stage.key, StageKind.STATEMENT,
                          max(stage.earliest for _, stage, _ in members))
        statement_slot = slot_for(statement, primary.key, zone_of(primary))
        if not isinstance(statement_slot, datetime):  # cannot happen without a latest day
            followups.extend(PlannedFollowUp(i.key, s, t) for i, s, t in members)
            continue
        covers = tuple((i.key, s.key) for i, s, _ in members[:-1])
        followups.append(PlannedFollowUp(primary.key, statement, statement_slot, covers))
        for invoice, stage, _ in members[:-1]:
            holds[invoice.key] = Hold(HoldReason.COVERED, next_stage=stage)
    return followups
