"""What `relance status` and `relance demo` show: one row per invoice, from the store and the
plan, as data (for ``--json``) and as a table for a terminal."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from ..core.cadence import Plan
from ..core.model import Event, EventKind, Hold, HoldReason, Intent, Invoice, PlannedFollowUp
from ..cycle.observe import colleague_in
from ..cycle.store import FollowUpRow, FollowUpState

if TYPE_CHECKING:
    from rich.table import Table

_NEEDS_USER = {HoldReason.DISPUTED: "the client disputes it",
               HoldReason.REPLIED: "the client answered",
               HoldReason.UNDELIVERED: "check the address"}


@dataclass(frozen=True)
class InvoiceRow:
    """One invoice as the user sees it."""

    number: str
    client: str
    amount: str
    currency: str
    due: str
    days_overdue: int
    delivery: str  # delivered, bounced, delayed
    reply: str  # "", or the last reply's intent and date ("promise 2026-03-20")
    state: str  # planned, drafted, sent, paid, replied, disputed, promised, ...
    next_stage: str
    next_slot: str  # ISO, in the client's zone
    next_slot_local: str  # the same for people: "Tue 10 Mar 05:16 CET"
    note: str
    key: str
    proposed: str = ""  # an address a reply asks the invoice to go to, for the user to decide


def _delivery(events: list[Event]) -> str:
    kinds = [e.kind for e in events]
    if EventKind.BOUNCED_HARD in kinds:
        return "bounced"
    answered = {EventKind.REPLY, EventKind.AUTO_REPLY, EventKind.PAYMENT}
    last_soft = max((i for i, k in enumerate(kinds) if k is EventKind.BOUNCED_SOFT), default=-1)
    if last_soft >= 0 and not any(k in answered for k in kinds[last_soft:]):
        return "delayed"
    return "delivered"


def _last_reply(events: list[Event]) -> str:
    """The last answer in the thread, and "you wrote (date)" when the user wrote since."""
    wrote = ""
    for event in reversed(events):
        if event.kind is EventKind.WROTE and not wrote:
            wrote = f"you wrote ({event.at.date().isoformat()})"
        answer = _answer(event)
        if answer:
            return f"{answer}; {wrote}" if wrote else answer
    return wrote


def _answer(event: Event) -> str:
    """What a client's reply or auto-reply says, or "" for any other event."""
    if event.kind is EventKind.REPLY and event.intent:
        text = event.intent.value
        if event.until:
            text += f" {event.until.isoformat()}"
        colleague = colleague_in(event.detail)
        by = f", from {colleague}, not on the invoice" if colleague else ""
        return f"{text} ({event.at.date().isoformat()}{by})"
    if event.kind is EventKind.AUTO_REPLY:
        back = f" until {event.until.isoformat()}" if event.until else ""
        return f"out of office{back}"
    return ""


def claim_note(events: list[Event]) -> str:
    """Who says an invoice is paid, and since when: the last claim (a reply saying so, or a
    payment notice no receiving server vouched for)."""
    for event in reversed(events):
        day = event.at.date().isoformat()
        if event.kind is EventKind.REPLY and event.intent is Intent.PAID:
            return f"client says paid on {day}"
        if event.kind is EventKind.PAYMENT_CLAIMED:
            return (f"an unverified {event.detail or 'payment'} notice says paid on {day} "
                    "(your mail server did not vouch for its sender)")
    return "client says paid"


def _doubt(events: list[Event]) -> str:
    """What was read with doubt, as the last NEEDS_CHECK said."""
    said = [e.detail for e in events if e.kind is EventKind.NEEDS_CHECK]
    return said[-1] if said else "a figure was read with doubt"


def _proposed(events: list[Event]) -> str:
    """The last address a reply asked for that is not on the invoice, or ""."""
    asked = [e.detail for e in events if e.kind is EventKind.ADDRESS_PROPOSED and e.detail]
    return asked[-1] if asked else ""


def invoice_rows(invoices: list[Invoice], events: dict[str, list[Event]], plan: Plan,
                 followups: list[FollowUpRow], today: date) -> list[InvoiceRow]:
    """Return the rows of the status table, overdue first, then by due date."""
    planned = {f.invoice_key: f for f in plan.followups}
    by_key: dict[tuple[str, str], FollowUpRow] = {(r.invoice_key, r.stage): r for r in followups}
    rows = []
    for invoice in invoices:
        evts = events.get(invoice.key, [])
        state, stage, slot, note = _next(invoice, planned, plan.holds.get(invoice.key), by_key)
        followup = planned.get(invoice.key)
        local = followup.slot.strftime("%a %d %b %H:%M %Z") if followup else slot
        rows.append(InvoiceRow(
            number=invoice.number, client=invoice.client,
            amount=f"{invoice.amount.amount:,.2f}" if invoice.amount else "?",
            currency=invoice.amount.currency if invoice.amount else "",
            due=invoice.due_date.isoformat(),
            days_overdue=max(0, (today - invoice.due_date).days),
            delivery=_delivery(evts), reply=_last_reply(evts), state=state,
            next_stage=stage, next_slot=slot, next_slot_local=local,
            note=f"needs you: {claim_note(evts)}" if state == HoldReason.CLAIMED_PAID
            else f"needs you: check — {_doubt(evts)}" if state == HoldReason.CHECK else note,
            key=invoice.key, proposed=_proposed(evts)))
    return sorted(rows, key=lambda r: (-r.days_overdue, r.due, r.number))


def _next(invoice: Invoice, planned: dict[str, PlannedFollowUp], hold: Hold | None,
          by_key: dict[tuple[str, str], FollowUpRow]) -> tuple[str, str, str, str]:
    followup = planned.get(invoice.key)
    if followup is not None:
        row = by_key.get((invoice.key, followup.stage.key))
        state = row.state if row and row.state in FollowUpState.ACTIVE else "planned"
        stage = followup.stage.kind.value
        note = row.note if row else ""
        if followup.covers:
            note = f"statement, also for {len(followup.covers)} other invoice(s)"
        return state, stage, followup.slot.isoformat(timespec="minutes"), note
    if hold is None:
        return "closed", "", "", ""
    stage = hold.next_stage.kind.value if hold.next_stage else ""
    when = ""
    if hold.until:
        when = hold.until.isoformat()
    elif hold.next_stage:
        when = hold.next_stage.earliest.isoformat()
    note = "needs you: " + _NEEDS_USER[hold.reason] if hold.reason in _NEEDS_USER else ""
    if hold.reason is HoldReason.COVERED:
        note = "in the statement of another invoice"
    return hold.reason.value, stage, when, note


def health(meta: Callable[[str], str | None]) -> dict[str, object]:
    """The account's health from the store's meta: last sync and cycle, push, problems."""
    def decoded(key: str) -> object:
        value = meta(key) or ""
        return json.loads(value) if value else None

    return {
        "last_sync": meta("last_sync"),
        "daemon_last_cycle": meta("daemon_last_cycle"),
        "push_connected": {"yes": True, "no": False}.get(meta("push_connected") or ""),
        "mailbox_problem": decoded("mailbox_problem"),
        "sending_limit": decoded("sending_limit"),
        "paused_all": decoded("paused_all"),
        "missed_slots": decoded("missed_slots") or [],
    }


def missed_note(missed: object, last_sync: object, numbers: dict[str, str]) -> str:
    """The sentence for the slots of the last week that passed while relance was not running
    and were not caught up (``missed_slots`` of :func:`health`), or "" when there were none."""
    if not isinstance(missed, list) or not isinstance(last_sync, str) or not missed:
        return ""
    week = datetime.fromisoformat(last_sync) - timedelta(days=7)
    recent = [e for e in missed if datetime.fromisoformat(e["slot"]) > week]
    if not recent:
        return ""
    shown = [f"{numbers.get(e['invoice'], e['invoice'])} {e['stage'].replace('_', ' ')} "
             f"{datetime.fromisoformat(e['slot']):%a %d %b %H:%M}" for e in recent[-5:]]
    which = ", ".join(shown) + (f" and {len(recent) - 5} more" if len(recent) > 5 else "")
    count = f"{len(recent)} slot" + ("s" if len(recent) > 1 else "")
    return (f"relance was not running at {count} this week (computer asleep?) — keep it on an "
            "always-on machine, or widen the window ([window] missed_until, start, end). "
            f"Not sent at their slot: {which}.")


def attention(rows: list[InvoiceRow], state: dict[str, object],
              followups: list[FollowUpRow]) -> list[str]:
    """What needs the user, in sentences: answers to read, bounces, account problems."""
    notes = []
    problem = state.get("mailbox_problem")
    if isinstance(problem, dict):
        notes.append(f"The mailbox refuses relance since {problem.get('since')}: "
                     f"{problem.get('error')} Nothing is sent until this is fixed.")
    limit = state.get("sending_limit")
    if isinstance(limit, dict):
        until = datetime.fromisoformat(str(limit.get("until")))
        notes.append(f"{limit.get('service')}'s sending limit: next try at "
                     f"{until:%a %d %b %H:%M} UTC. The follow-ups due wait until then (nothing "
                     "is asked of it before, nothing is lost); syncing goes on.")
    for row in rows:
        if row.state == HoldReason.DISPUTED.value:
            notes.append(f"{row.number}: {row.client} disputes it — read their reply.")
        elif row.state == HoldReason.REPLIED.value:
            notes.append(f"{row.number}: {row.client} answered ({row.reply}) — reply to them, "
                         f"then `relance resume {row.number}` if follow-ups should go on.")
        elif row.state == HoldReason.UNDELIVERED.value:
            notes.append(f"{row.number}: the invoice bounced — check {row.client}.")
        elif row.state == HoldReason.CHECK.value:
            doubt = row.note.removeprefix("needs you: check — ")
            notes.append(f"{row.number}: check what relance read ({doubt}); no follow-up goes "
                         f"until you say: `relance fix {row.number}` if it is right, or "
                         f"`relance fix {row.number} amount=… currency=… due=YYYY-MM-DD`.")
        elif row.state == HoldReason.CLAIMED_PAID.value:
            notes.append(f"{row.number}: {row.note.removeprefix('needs you: ')} — still owed; "
                         f"`relance paid {row.number}` once the money is in, `relance resume "
                         f"{row.number}` if it never comes.")
        if row.proposed:
            notes.append(f"{row.number}: the client asks that it go to {row.proposed} — "
                         "relance writes only to the invoice's addresses; send it there "
                         "yourself if that is right.")
    numbers = {row.key: row.number for row in rows}
    missed = missed_note(state.get("missed_slots"), state.get("last_sync"), numbers)
    if missed:
        notes.append(missed)
    for followup in followups:
        if followup.state == FollowUpState.SENT and followup.note.startswith("found in Sent"):
            notes.append(f"{numbers.get(followup.invoice_key, followup.invoice_key)}: the "
                         f"{followup.stage} follow-up {followup.note}.")
    return notes


def rows_as_json(rows: list[InvoiceRow]) -> list[dict[str, object]]:
    return [asdict(r) for r in rows]


def render_table(rows: list[InvoiceRow], *, title: str, now: datetime) -> Table:
    """Return a rich Table of the rows (imported here: the CLI edge owns the terminal)."""
    from rich.table import Table

    table = Table(title=title, caption=f"as of {now.isoformat(timespec='minutes')}",
                  show_lines=False, header_style="bold")
    for column in ("Invoice", "Client", "Amount", "Due", "Late", "Delivery", "Reply",
                   "State", "Next follow-up"):
        table.add_column(column, no_wrap=column in ("Invoice", "Due", "Amount"))
    for row in rows:
        following = " · ".join(p for p in (row.next_stage.replace("_", " "),
                                           row.next_slot_local) if p)
        state = row.state.replace("_", " ") + (f" — {row.note}" if row.note else "")
        late = f"{row.days_overdue} d" if row.days_overdue else ""
        table.add_row(row.number, row.client, f"{row.amount} {row.currency}", row.due, late,
                      row.delivery, row.reply, state, following)
    return table
