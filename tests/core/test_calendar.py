"""Business-day arithmetic by counting gives exactly what stepping one day at a time gives.

``BusinessCalendar.add`` and ``between`` count weekdays from ordinals and bisect each year's
holidays; the reference here walks day by day and asks the holiday library itself (a fresh
``holidays.country_holidays`` over the years concerned), for random dates, spans of up to two
years either way and the countries and regions relance's users work with.
"""

from __future__ import annotations

from datetime import date, timedelta

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from relance.daemon.core.slots import BusinessCalendar

# (country, subdivision): Europe's freelancers and their clients, a region with its own days,
# the US (observed days that move into the year before), and no country at all.
PLACES = [("FR", None), ("DE", "BY"), ("RO", None), ("ES", "CT"), ("GB", "SCT"), ("IT", None),
          ("NL", None), ("BE", None), ("PT", None), ("US", None), ("CH", "ZH"), (None, None)]
DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2049, 12, 31))


class Stepping:
    """The plain definition: a business day is a weekday the holiday library does not list."""

    def __init__(self, country: str | None, subdivision: str | None, around: date) -> None:
        years = range(around.year - 3, around.year + 4)
        self.days = holidays.country_holidays(country, subdiv=subdivision, years=years) \
            if country else {}

    def business(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.days

    def add(self, day: date, count: int) -> date:
        step = timedelta(days=1 if count >= 0 else -1)
        for _ in range(abs(count)):
            day += step
            while not self.business(day):
                day += step
        return day

    def between(self, start: date, end: date) -> int:
        low, high = min(start, end), max(start, end)
        found = sum(self.business(low + timedelta(days=n)) for n in range(1, (high - low).days + 1))
        return found if end >= start else -found


@settings(max_examples=300, deadline=None)
@given(place=st.sampled_from(PLACES), day=DAYS, count=st.integers(-500, 500))
def test_adding_business_days_counts_as_stepping_does(place: tuple[str | None, str | None],
                                                      day: date, count: int) -> None:
    calendar = BusinessCalendar(*place)
    assert calendar.add(day, count) == Stepping(*place, day).add(day, count)


@settings(max_examples=300, deadline=None)
@given(place=st.sampled_from(PLACES), start=DAYS, span=st.integers(-700, 700))
def test_business_days_between_two_dates_count_as_stepping_does(
        place: tuple[str | None, str | None], start: date, span: int) -> None:
    end = start + timedelta(days=span)
    calendar = BusinessCalendar(*place)
    reference = Stepping(*place, start)
    assert calendar.between(start, end) == reference.between(start, end)
    for day in (start, end):
        assert calendar.is_business_day(day) == reference.business(day)


def test_a_holiday_on_a_friday_moves_the_count_past_the_weekend() -> None:
    """Labour Day 2026 (Friday 1 May) in France: two business days after Thursday 30 April is
    Tuesday 5 May; two before Monday 4 May is Wednesday 29 April."""
    france = BusinessCalendar("FR")
    assert france.add(date(2026, 4, 30), 2) == date(2026, 5, 5)
    assert france.add(date(2026, 5, 4), -2) == date(2026, 4, 29)
    assert france.between(date(2026, 4, 30), date(2026, 5, 5)) == 2
    assert france.holiday_name(date(2026, 5, 1)) != ""
    assert france.add(date(2026, 5, 2), 0) == date(2026, 5, 2)  # a Saturday stays itself

