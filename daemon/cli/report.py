"""`relance report`: one self-contained HTML page of what is owed and what happened.

Receivables by age bucket as a bar chart per currency (amounts in different currencies are
never added together), and per open invoice a timeline of its life: sent, bounced or answered,
follow-ups sent, the next one planned. Inline CSS and inline SVG only: the page opens offline
and can be mailed to an accountant as it is.

``build`` is pure (dataclasses in, dataclasses out); ``gather`` reads the store; ``render_html``
fills the Jinja2 page template.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from decimal import Decimal
from importlib.resources import files

from jinja2 import Environment as Jinja
from jinja2 import select_autoescape

from ..core.cadence import Plan
from ..core.model import Event, EventKind, HoldReason, Invoice
from ..cycle.store import FollowUpRow, FollowUpState, Store
from .status import health, missed_note

BUCKETS = ("not yet due", "1–30 days", "31–60 days", "61–90 days", "90+ days")
# One colour per bucket, from calm to alarming; the screenshot test looks for these.
BUCKET_COLOURS = ("#2e7d32", "#f9a825", "#ef6c00", "#c62828", "#6a1b9a")
_LIMITS = (0, 30, 60, 90)

# The marks on a timeline: what the user reads, and its colour.
MARK_STYLE: dict[str, tuple[str, str]] = {
    "sent": ("invoice sent", "#1565c0"),
    "bounced": ("bounced", "#b71c1c"),
    "delayed": ("delivery delayed", "#ef6c00"),
    "auto_reply": ("out-of-office reply", "#8d6e63"),
    "reply": ("client replied", "#2e7d32"),
    "payment": ("payment notice", "#00897b"),
    "claimed": ("unverified payment notice", "#f9a825"),
    "paid": ("marked paid", "#00897b"),
    "paused": ("paused", "#757575"),
    "resumed": ("resumed", "#757575"),
    "stopped": ("stopped", "#424242"),
    "followup": ("follow-up sent", "#5e35b1"),
    "cancelled": ("follow-up cancelled", "#9e9e9e"),
    "planned": ("next follow-up", "#ab47bc"),
    "wrote": ("you wrote", "#1565c0"),
}
_EVENT_MARK = {
    EventKind.SENT: "sent", EventKind.BOUNCED_HARD: "bounced",
    EventKind.BOUNCED_SOFT: "delayed", EventKind.AUTO_REPLY: "auto_reply",
    EventKind.REPLY: "reply", EventKind.PAYMENT: "payment", EventKind.MARKED_PAID: "paid",
    EventKind.PAYMENT_CLAIMED: "claimed",
    EventKind.PAUSED: "paused", EventKind.RESUMED: "resumed", EventKind.STOPPED: "stopped",
    EventKind.FOLLOWUP_SENT: "followup", EventKind.FOLLOWUP_CANCELLED: "cancelled",
    EventKind.WROTE: "wrote",
}


@dataclass(frozen=True)
class Mark:
    """One moment on an invoice's timeline."""

    day: date
    kind: str  # a key of MARK_STYLE
    detail: str = ""

    @property
    def label(self) -> str:
        return MARK_STYLE[self.kind][0] + (f" ({self.detail})" if self.detail else "")

    @property
    def colour(self) -> str:
        return MARK_STYLE[self.kind][1]


@dataclass(frozen=True)
class OpenInvoice:
    """An invoice still owed, as the report shows it."""

    number: str
    client: str
    amount: Decimal | None
    currency: str
    due: date
    days_overdue: int
    bucket: int  # index into BUCKETS
    status: str  # the plan's word for it: drafted, replied, paused, ...
    marks: tuple[Mark, ...]


@dataclass(frozen=True)
class Bar:
    bucket: int
    total: Decimal
    count: int
    height: float  # 0..1 of the tallest bar of its chart


@dataclass(frozen=True)
class CurrencyChart:
    currency: str
    bars: tuple[Bar, ...]
    total: Decimal


@dataclass(frozen=True)
class ReportData:
    today: date
    generated: datetime
    invoices: tuple[OpenInvoice, ...]
    charts: tuple[CurrencyChart, ...]
    without_amount: int  # open invoices whose amount relance could not read
    needs_you: tuple[str, ...] = ()  # sentences about relance itself (slots it missed)


def bucket_of(due: date, today: date) -> int:
    """The age bucket of an invoice due on ``due``: 0 before or on the due date, then 1–30,
    31–60, 61–90 and over 90 days past it."""
    late = (today - due).days
    return sum(1 for limit in _LIMITS if late > limit)


def _status(key: str, plan: Plan, rows: dict[str, FollowUpRow]) -> str:
    if any(f.invoice_key == key for f in plan.followups):
        row = rows.get(key)
        return row.state if row and row.state in FollowUpState.ACTIVE else "planned"
    hold = plan.holds.get(key)
    if hold is not None and hold.reason is HoldReason.CLAIMED_PAID:
        return "client says paid, not yet confirmed"
    return hold.reason.value.replace("_", " ") if hold else "closed"


def _marks(events: list[Event], planned_slot: datetime | None, zone: tzinfo) -> tuple[Mark, ...]:
    marks = []
    for event in events:
        kind = _EVENT_MARK.get(event.kind)
        if kind is None:
            continue
        detail = event.intent.value if event.intent else (event.stage or "").replace("_", " ")
        marks.append(Mark(event.at.astimezone(zone).date(), kind, detail))
    if planned_slot is not None:
        marks.append(Mark(planned_slot.astimezone(zone).date(), "planned"))
    return tuple(marks)


def build(invoices: list[Invoice], events: dict[str, list[Event]], followups: list[FollowUpRow],
          plan: Plan, *, now: datetime, zone: tzinfo,
          name_of: Callable[[str], str] = lambda address: "") -> ReportData:
    """The report's content at ``now``: every invoice not paid, most overdue first, and one
    chart per currency. An invoice the client only says is paid is still owed: it stays, until
    the user confirms it or a vouched payment notice arrives. ``name_of`` gives a client's
    name from their address ("" if unknown)."""
    today = now.astimezone(zone).date()
    active = {r.invoice_key: r for r in followups if r.state in FollowUpState.ACTIVE}
    planned = {f.invoice_key: f.slot for f in plan.followups}
    owed = []
    for invoice in invoices:
        hold = plan.holds.get(invoice.key)
        if hold is not None and hold.reason is HoldReason.PAID:
            continue
        amount = invoice.amount
        owed.append(OpenInvoice(
            number=invoice.number, client=name_of(invoice.client) or invoice.client,
            amount=amount.amount if amount else None, currency=amount.currency if amount else "",
            due=invoice.due_date, days_overdue=max(0, (today - invoice.due_date).days),
            bucket=bucket_of(invoice.due_date, today),
            status=_status(invoice.key, plan, active),
            marks=_marks(events.get(invoice.key, []), planned.get(invoice.key), zone)))
    owed.sort(key=lambda i: (-i.days_overdue, i.due, i.number))
    return ReportData(today, now, tuple(owed), _charts(owed),
                      sum(1 for i in owed if i.amount is None))


def _charts(owed: list[OpenInvoice]) -> tuple[CurrencyChart, ...]:
    charts = []
    for currency in sorted({i.currency for i in owed if i.amount is not None}):
        mine = [i for i in owed if i.currency == currency and i.amount is not None]
        totals = [sum((i.amount for i in mine if i.bucket == b and i.amount is not None),
                      Decimal(0)) for b in range(len(BUCKETS))]
        counts = [sum(1 for i in mine if i.bucket == b) for b in range(len(BUCKETS))]
        top = max(totals) or Decimal(1)
        bars = tuple(Bar(b, totals[b], counts[b], float(totals[b] / top))
                     for b in range(len(BUCKETS)))
        charts.append(CurrencyChart(currency, bars, sum(totals, Decimal(0))))
    return tuple(sorted(charts, key=lambda c: -c.total))


def gather(store: Store, plan: Plan, *, now: datetime, zone: tzinfo,
           name_of: Callable[[str], str] = lambda address: "") -> ReportData:
    """Read what the report needs from the store; see ``build``."""
    data = build(store.invoices(), store.events(), store.followups(), plan, now=now, zone=zone,
                 name_of=name_of)
    numbers = {inv.key: inv.number for inv in store.invoices()}
    missed = missed_note(health(store.meta).get("missed_slots"), store.meta("last_sync"),
                         numbers)
    return replace(data, needs_you=(missed,)) if missed else data


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def render_html(data: ReportData, *, title: str) -> str:
    """The whole page as one string (UTF-8 HTML5, no external resource)."""
    jinja = Jinja(autoescape=select_autoescape(default=True), trim_blocks=True,
                  lstrip_blocks=True)
    jinja.filters["money"] = _money
    source = files(__package__).joinpath("report_page.html.j2").read_text("utf-8")
    return jinja.from_string(source).render(
        data=data, title=title, buckets=BUCKETS, colours=BUCKET_COLOURS, styles=MARK_STYLE,
        span=_span)


def _span(invoice: OpenInvoice, today: date) -> tuple[date, int]:
    """The first day of an invoice's timeline and its length in days (at least one week)."""
    days = [m.day for m in invoice.marks] + [invoice.due, today]
    first = min(days)
    return first, max((max(days) - first).days, 7)
