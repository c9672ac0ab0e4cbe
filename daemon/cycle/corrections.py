"""The user's word on an invoice's figures (``relance fix``): confirm what relance read, or
correct it. An invoice whose figures were read with doubt (a number relance made up, no amount,
an amount no total label vouches for, a currency taken from the configuration) gets no
follow-up until then: a follow-up naming a wrong sum is the awkward mail relance exists to
prevent. Each confirmation is recorded as an event, so the history says who decided what."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from babel.numbers import list_currencies

from ..core.amounts import to_decimal
from ..core.errors import UsageError
from ..core.model import DueSource, Event, EventKind, Invoice, Money
from .store import Store

FIELDS = ("number", "amount", "currency", "due")
_USAGE = "Write them as number=F-1042 amount=1200.00 currency=EUR due=2026-03-31."


def corrections(changes: Sequence[str]) -> dict[str, str]:
    """Parse ``FIELD=VALUE`` words; a clear error for anything else."""
    found: dict[str, str] = {}
    for change in changes:
        name, equals, value = change.partition("=")
        name, value = name.strip().lower(), value.strip()
        if not equals or name not in FIELDS or not value:
            raise UsageError(f"{change!r} is not a correction relance knows. {_USAGE}")
        found[name] = value
    return found


def _amount(text: str) -> Decimal:
    """``1200``, ``1200.00``, ``1 200,00``, ``1,200.00`` or ``1.200,00`` as a Decimal, read by
    the same rule as the amounts of an invoice (``amounts.to_decimal``)."""
    value = to_decimal(text.strip())
    if value is None:
        raise UsageError(f"amount={text!r} is not an amount. {_USAGE}")
    if not value.is_finite() or value <= 0:
        raise UsageError(f"amount={text!r} is not an amount owed. {_USAGE}")
    return value.quantize(Decimal("0.01"))


def corrected(invoice: Invoice, changes: dict[str, str]) -> Invoice:
    """The invoice with ``changes`` applied; an error when an amount would stay unknown."""
    currency = changes.get("currency", "").upper() or (
        invoice.amount.currency if invoice.amount else "")
    if "currency" in changes and currency not in list_currencies():
        raise UsageError(f"currency={changes['currency']!r} is not an ISO 4217 code such as "
                         "EUR, GBP, RON or USD.")
    amount = invoice.amount
    if "amount" in changes or "currency" in changes:
        value = _amount(changes["amount"]) if "amount" in changes else (
            amount.amount if amount else None)
        if value is None or not currency:
            raise UsageError(f"{invoice.number}: relance read no amount or no currency; give "
                             f"both. {_USAGE}")
        amount = Money(value, currency)
    if amount is None:
        raise UsageError(f"{invoice.number}: relance read no amount, and nothing is sent for an "
                         f"invoice without one: give amount=… currency=…. {_USAGE}")
    due, source = invoice.due_date, invoice.due_source
    if "due" in changes:
        try:
            due, source = date.fromisoformat(changes["due"]), DueSource.EXPLICIT
        except ValueError:
            raise UsageError(f"due={changes['due']!r} is not a date. {_USAGE}") from None
    return replace(invoice, number=changes.get("number", invoice.number), amount=amount,
                   due_date=due, due_source=source)


def fix(store: Store, invoice: Invoice, changes: Sequence[str], now: datetime) -> Invoice:
    """Confirm ``invoice``'s figures, corrected by ``changes`` (``FIELD=VALUE`` words; none:
    confirmed as read), and record it: follow-ups may go out again. Returns the invoice."""
    fixed = corrected(invoice, corrections(changes))
    said = "; ".join(changes) if changes else "confirmed as read"
    with store.transaction():
        store.correct_invoice(fixed)
        store.add_event(invoice.key, Event(EventKind.CONFIRMED, now, detail=said))
    return fixed
