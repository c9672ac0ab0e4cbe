"""Late-payment interest and compensation by law (Directive 2011/7/EU and its national forms,
and the United Kingdom's Late Payment of Commercial Debts (Interest) Act 1998), as data.

Each law is a ``Law``: a reference rate table (one rate per half-year, with its source), the
points the law adds, whether the rate follows each half-year or stays the one of the day
interest started to run, the fixed compensation per invoice, and the legal basis as a phrase
per language. The tables ship in ``interest_laws.toml`` beside this module; the cycle reads the
file (this module does no IO) and the user's configuration may add or replace rates.

Interest is simple and accrues per day: the invoice amount × the yearly rate / 100 × days /
``days_in_year``, summed over the half-years the lateness spans, rounded half up to the cent
once, at the end. It runs from the day after the due date up to and including the day the
follow-up goes out. Directive 2011/7/EU art. 2(8): the rate for the first half of a year is
the one in force on 1 January, for the second half the one on 1 July.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .model import Money

CENT = Decimal("0.01")
PER_HALF_YEAR = "per_half_year"  # the rate follows each half-year the lateness spans
AT_START = "at_start"  # the rate of the half-year interest started to run, for the whole debt
RULES = (PER_HALF_YEAR, AT_START)


@dataclass(frozen=True)
class ReferenceRate:
    """The reference rate that governs one half-year, starting ``start`` (1 January or
    1 July), with where the figure comes from; ``verified`` is false where no primary or
    secondary source was at hand to check it."""

    start: date
    percent: Decimal
    source: str
    verified: bool = True


@dataclass(frozen=True)
class CompensationStep:
    """A fixed sum owed per late invoice: ``amount`` for debts under ``below`` (None: any)."""

    amount: Decimal
    below: Decimal | None = None


@dataclass(frozen=True)
class Law:
    """One jurisdiction's late-payment rule between businesses."""

    code: str  # "FR", "DE", "ES", "RO", "UK"
    name: str
    reference: str  # what the reference rate is, for messages
    margin: Decimal  # percentage points added to the reference rate
    rule: str  # PER_HALF_YEAR or AT_START
    days_in_year: int
    currency: str  # of the compensation
    compensation: tuple[CompensationStep, ...]
    basis: Mapping[str, str]  # language -> the legal basis as the client's language names it
    rates: tuple[ReferenceRate, ...]

    def rate_for(self, day: date) -> ReferenceRate | None:
        """Return the reference rate of the half-year ``day`` falls in, or None."""
        start = half_year_start(day)
        return next((r for r in self.rates if r.start == start), None)

    def with_rates(self, overrides: Mapping[date, Decimal], source: str) -> Law:
        """Return this law with ``overrides`` (half-year start -> percent) added or replacing
        the shipped rates, each marked as coming from ``source``."""
        table = {r.start: r for r in self.rates}
        for start, percent in overrides.items():
            table[start] = ReferenceRate(start, percent, source)
        return replace(self, rates=tuple(sorted(table.values(), key=lambda r: r.start)))

    def basis_in(self, language: str) -> str:
        return self.basis.get(language) or self.basis.get("en") or self.name


@dataclass(frozen=True)
class Period:
    """Days of lateness under one yearly rate (reference rate + the law's margin)."""

    first: date
    last: date
    annual_percent: Decimal

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class StatutoryInterest:
    """What the law adds to a late invoice on a given day."""

    law: Law
    interest: Money  # in the invoice's currency
    periods: tuple[Period, ...]
    compensation: Money | None  # in the law's currency; None where none can be stated
    until: date

    @property
    def rates(self) -> tuple[Decimal, ...]:
        """The yearly rates in the order they applied, each once."""
        seen: list[Decimal] = []
        for period in self.periods:
            if period.annual_percent not in seen:
                seen.append(period.annual_percent)
        return tuple(seen)


@dataclass(frozen=True)
class NotCovered:
    """The named answer when the table has no rate for a half-year the lateness spans: no
    figure is better than a wrong one."""

    missing: date  # the start of the first half-year without a rate


NOT_LATE = None


def half_year_start(day: date) -> date:
    """Return 1 January or 1 July of the half-year ``day`` falls in."""
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def _next_half_year(start: date) -> date:
    return date(start.year, 7, 1) if start.month == 1 else date(start.year + 1, 1, 1)


def _periods(law: Law, first: date, last: date) -> list[Period] | NotCovered:
    """Split first..last (inclusive) into the spans of one yearly rate each."""
    if law.rule == AT_START:
        rate = law.rate_for(first)
        if rate is None:
            return NotCovered(half_year_start(first))
        return [Period(first, last, rate.percent + law.margin)]
    periods: list[Period] = []
    start = first
    while start <= last:
        end = min(last, _next_half_year(half_year_start(start)) - timedelta(days=1))
        rate = law.rate_for(start)
        if rate is None:
            return NotCovered(half_year_start(start))
        periods.append(Period(start, end, rate.percent + law.margin))
        start = end + timedelta(days=1)
    return periods


def compensation_for(law: Law, amount: Money) -> Money | None:
    """Return the fixed compensation the law grants for one late invoice of ``amount``.

    A sum that depends on the size of the debt (the UK's £40/£70/£100) is given only when the
    invoice is in the law's currency: telling the step would need a conversion, which relance
    never makes. A flat sum is given whatever the invoice's currency, in its own."""
    if not law.compensation:
        return None
    if len(law.compensation) == 1 and law.compensation[0].below is None:
        return Money(law.compensation[0].amount.quantize(CENT), law.currency)
    if amount.currency != law.currency:
        return None
    for step in law.compensation:
        if step.below is None or amount.amount < step.below:
            return Money(step.amount.quantize(CENT), law.currency)
    return None


def statutory_interest(law: Law, amount: Money, due: date,
                       until: date) -> StatutoryInterest | NotCovered | None:
    """Return the interest and compensation ``law`` gives on ``amount`` due on ``due``,
    accrued up to and including ``until``; ``NOT_LATE`` (None) when ``until`` is not after
    ``due``; ``NotCovered`` when a half-year in between has no reference rate."""
    first = due + timedelta(days=1)
    if until < first:
        return NOT_LATE
    periods = _periods(law, first, until)
    if isinstance(periods, NotCovered):
        return periods
    exact = sum((amount.amount * p.annual_percent / 100 * p.days / law.days_in_year
                 for p in periods), Decimal(0))
    interest = Money(exact.quantize(CENT, rounding=ROUND_HALF_UP), amount.currency)
    return StatutoryInterest(law, interest, tuple(periods), compensation_for(law, amount),
                             until)


def coverage_warning(law: Law, today: date) -> str | None:
    """Return a sentence for ``relance status`` when the table of ``law`` has no rate for the
    half-year ``today`` is in (None when it has)."""
    if law.rate_for(today) is not None:
        return None
    start = half_year_start(today)
    last = law.rates[-1].start.isoformat() if law.rates else "none"
    return (f"statutory interest ({law.code}): no {law.reference} for the half-year from "
            f"{start.isoformat()} (the table's last is {last}); follow-ups leave the interest "
            f"out until you add it: [late_fees] reference_rates = "
            f'{{ "{start.isoformat()}" = "<percent>" }}.')


def coverage_notes(law: Law | None, today: date) -> list[str]:
    """Return the ``relance status`` notes about ``law``'s table on ``today``: none when
    statutory interest is off or the current half-year has its rate."""
    warning = coverage_warning(law, today) if law is not None else None
    return [warning] if warning else []


# ---------------------------------------------------------------------------------------------
# Reading the data (the TOML text is read by the cycle; this takes what tomllib made of it)


class LawDataError(ValueError):
    """The law table is malformed; the message names the law and the key."""


def _decimal(value: object, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise LawDataError(f"{where}: {value!r} is not a number") from None


def _day(value: object, where: str) -> date:
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            raise LawDataError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None
    if day != half_year_start(day):
        raise LawDataError(f"{where}: {day.isoformat()} does not start a half-year "
                           "(1 January or 1 July)")
    return day


def _rates(items: Iterable[Mapping[str, Any]], where: str) -> tuple[ReferenceRate, ...]:
    rates = [ReferenceRate(_day(r["from"], f"{where}.from"),
                           _decimal(r["percent"], f"{where}.percent"),
                           str(r.get("source", "")), bool(r.get("verified", True)))
             for r in items]
    return tuple(sorted(rates, key=lambda r: r.start))


def _law(code: str, data: Mapping[str, Any]) -> Law:
    where = f"laws.{code}"
    try:
        rule = str(data.get("rule", PER_HALF_YEAR))
        if rule not in RULES:
            raise LawDataError(f"{where}.rule: {rule!r} is not one of {', '.join(RULES)}")
        steps = tuple(CompensationStep(_decimal(s["amount"], f"{where}.compensation"),
                                       _decimal(s["below"], f"{where}.compensation")
                                       if "below" in s else None)
                      for s in data.get("compensation", ()))
        return Law(code=code, name=str(data["name"]), reference=str(data["reference"]),
                   margin=_decimal(data["margin"], f"{where}.margin"), rule=rule,
                   days_in_year=int(data.get("days_in_year", 365)),
                   currency=str(data["currency"]), compensation=steps,
                   basis={str(k): str(v) for k, v in data["basis"].items()},
                   rates=_rates(data.get("rates", ()), f"{where}.rates"))
    except KeyError as exc:
        raise LawDataError(f"{where}: the key {exc} is missing") from None


def parse_laws(data: Mapping[str, Any]) -> dict[str, Law]:
    """Return the laws of a table shaped as ``interest_laws.toml``, by code. Raise
    ``LawDataError`` naming the law and the key when it is malformed."""
    laws = data.get("laws")
    if not isinstance(laws, Mapping):
        raise LawDataError("the table has no [laws]")
    return {code: _law(code, body) for code, body in laws.items()}
