"""What lateness adds to an invoice: the user's own terms (a fixed fee in its own currency,
yearly interest) or, when turned on, the law's (``interest``). Each sum stays in its own
currency: a fee or compensation in another currency than the invoice's is owed apart, never
converted and never added into the total."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .interest import Law, StatutoryInterest, statutory_interest
from .model import Invoice, LateFees, Money

CENT = Decimal("0.01")


def _interest(amount: Money, fees: LateFees, days: int) -> Money:
    """Simple interest to date: amount × rate/100 × days/365, rounded half up to the cent."""
    value = amount.amount * fees.annual_interest_percent / 100 * Decimal(days) / 365
    return Money(value.quantize(CENT, rounding=ROUND_HALF_UP), amount.currency)


@dataclass(frozen=True)
class FeesDue:
    """What lateness adds to an invoice, each in its own currency."""

    late_fee: Money | None  # the fixed fee, in the configured currency (else the invoice's)
    interest: Money | None  # in the invoice's currency
    total_due: Money  # the invoice's currency only: a fee in another currency is not in it


def fees_due(amount: Money, fees: LateFees, days_overdue: int) -> FeesDue:
    """Return the fixed fee, the interest and the total of an invoice of ``amount`` that is
    ``days_overdue`` late under ``fees``. The fixed fee is never converted: when it is stated
    in another currency than the invoice's, it is owed apart and left out of the total."""
    late_fee = interest = None
    if fees.fixed > 0:
        late_fee = Money(fees.fixed.quantize(CENT), fees.currency or amount.currency)
    if fees.annual_interest_percent > 0:
        interest = _interest(amount, fees, days_overdue)
    extra = sum((m.amount for m in (late_fee, interest)
                 if m is not None and m.currency == amount.currency), Decimal(0))
    return FeesDue(late_fee, interest, Money(amount.amount + extra, amount.currency))


def statutory_due(amount: Money, law: Law, due: date, today: date
                  ) -> tuple[FeesDue, StatutoryInterest] | None:
    """Return what ``law`` adds to an invoice of ``amount`` due on ``due``, accrued to
    ``today`` (the send date), or None when it is not late or the law's table does not cover
    the whole lateness (then no figure is stated: ``relance status`` warns)."""
    found = statutory_interest(law, amount, due, today)
    if not isinstance(found, StatutoryInterest):
        return None
    extra = sum((m.amount for m in (found.compensation, found.interest)
                 if m is not None and m.currency == amount.currency), Decimal(0))
    total = Money(amount.amount + extra, amount.currency)
    return FeesDue(found.compensation, found.interest, total), found


def fees_context(invoice: Invoice, fees: LateFees, law: Law | None,
                  today: date) -> dict[str, object]:
    """The fee, interest and total variables: the law's when one is on, else the user's own
    terms (see ``fees_due`` and ``statutory_due`` for the currencies)."""
    overdue = (today - invoice.due_date).days
    amount = invoice.amount
    due: FeesDue | None = None
    statutory: StatutoryInterest | None = None
    if law is not None and amount is not None:
        found = statutory_due(amount, law, invoice.due_date, today)
        if found:
            due, statutory = found
    elif fees.enabled and amount is not None and overdue > 0:
        due = fees_due(amount, fees, overdue)
    return {
        "late_fee": due.late_fee if due else None,
        "interest": due.interest if due else None,
        "interest_rate": fees.annual_interest_percent,
        "total_due": due.total_due if due else None,
        "late_fee_apart": bool(due and due.late_fee
                               and due.late_fee.currency != due.total_due.currency),
        "statutory": statutory,
    }
