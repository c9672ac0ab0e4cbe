"""Business days and send slots.

A slot is the moment a follow-up goes out: a preferred weekday (Tuesday, then Wednesday, then
Thursday by default), inside an early-morning window of the recipient's time zone, at a minute
that is never a multiple of five and is the same every time for one invoice and stage (05:16,
not 05:15), never on a weekend or a public holiday, never in the past.
"""

from __future__ import annotations

import bisect
import enum
import hashlib
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from .model import SendWindow, Stage

_MAX_SEARCH_DAYS = 60
_DAY = timedelta(days=1)


class BusinessCalendar:
    """Weekends and the public holidays of one country (and optionally one subdivision).

    Business-day arithmetic counts instead of stepping: the weekdays between two dates come from
    their ordinals, less the holidays on weekdays in between, found by bisection in each year's
    sorted list. A year's holidays are computed once, from the holiday library's years around it
    (so an observed day that falls in the year before or after its holiday is still counted)."""

    def __init__(self, country: str | None = None, subdivision: str | None = None) -> None:
        self.country = country
        self.subdivision = subdivision
        self._years: dict[int, tuple[dict[date, str], list[date]]] = {}
        self._added: dict[tuple[date, int], date] = {}  # the stages of one due date, asked often

    def _year(self, year: int) -> tuple[dict[date, str], list[date]]:
        """The holidays of ``year`` with their names, and those on weekdays, sorted."""
        found = self._years.get(year)
        if found is None:
            names: dict[date, str] = {}
            if self.country:
                around = holidays_lib.country_holidays(
                    self.country, subdiv=self.subdivision,
                    years=range(max(year - 1, 1), min(year + 1, 9999) + 1))
                names = {day: str(name) for day, name in around.items() if day.year == year}
            found = names, sorted(day for day in names if day.weekday() < 5)
            self._years[year] = found
        return found

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._year(day.year)[0]

    def holiday_name(self, day: date) -> str:
        """Return the holiday's name, or "" when ``day`` is not a holiday."""
        return self._year(day.year)[0].get(day, "")

    def _holidays_through(self, start: date, end: date) -> int:
        """How many holidays fall on a weekday after ``start``, up to and including ``end``."""
        count = 0
        for year in range(start.year, end.year + 1):
            days = self._year(year)[1]
            low = bisect.bisect_right(days, start) if year == start.year else 0
            high = bisect.bisect_right(days, end) if year == end.year else len(days)
            count += high - low
        return count

    def add(self, day: date, count: int) -> date:
        """Return the date ``count`` business days after ``day`` (before it when negative).
        ``add(d, 0)`` is ``d`` itself, business day or not.

        Each round jumps over as many weekdays as business days are still wanted; the holidays
        it jumped over are wanted again in the next round, until a jump meets none."""
        known = self._added.get((day, count))
        if known is not None:
            return known
        found, remaining = day, count
        while remaining:
            found = _weekdays_from(found, remaining)
            if count > 0:  # the business days in (day, found]
                remaining = count - self.between(day, found)
            else:  # in [found, day)
                remaining = count + self.between(found - _DAY, day - _DAY)
        self._added[(day, count)] = found
        return found

    def between(self, start: date, end: date) -> int:
        """Return how many business days lie after ``start`` up to and including ``end``
        (negative when ``end`` is before ``start``)."""
        if end < start:
            return -self.between(end, start)
        weekdays = _weekdays_through(end) - _weekdays_through(start)
        return weekdays - self._holidays_through(start, end)


def _weekdays_through(day: date) -> int:
    """How many weekdays there are from 1 January of year 1 (a Monday) through ``day``."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


def _weekday_number(number: int) -> date:
    """The ``number``-th weekday from 1 January of year 1 (the first is that Monday)."""
    weeks, rest = divmod(number - 1, 5)
    return date.fromordinal(weeks * 7 + rest + 1)


def _weekdays_from(day: date, count: int) -> date:
    """The weekday ``count`` weekdays after ``day`` (before it when negative), holidays aside."""
    if count > 0:
        return _weekday_number(_weekdays_through(day) + count)
    return _weekday_number(_weekdays_through(day - timedelta(days=1)) + count + 1)


class NoSlot(enum.Enum):
    """The named answer when no day in the stage's span can take the follow-up."""

    NO_SLOT = "no slot"


NO_SLOT = NoSlot.NO_SLOT


def slot_minutes(window: SendWindow) -> list[time]:
    """Return the minutes of the window that are not multiples of five, in order."""
    start = window.start.hour * 60 + window.start.minute
    end = window.end.hour * 60 + window.end.minute
    return [time(m // 60, m % 60) for m in range(start, end) if m % 5]


def stable_minute(window: SendWindow, invoice_key: str, stage_key: str) -> time:
    """Return the minute this invoice's stage always gets inside the window (e.g. 05:16).

    The choice is a hash of the invoice and the stage, so a restart or a re-plan never moves a
    slot, and two invoices rarely share a minute."""
    minutes = slot_minutes(window)
    if not minutes:
        raise ValueError(f"the send window {window.start:%H:%M}-{window.end:%H:%M} has no minute "
                         "that is not a multiple of five")
    digest = hashlib.sha256(f"{invoice_key}|{stage_key}".encode()).digest()
    return minutes[int.from_bytes(digest[:8], "big") % len(minutes)]


def _local(day: date, at: time, zone: tzinfo) -> datetime | None:
    """Return ``day`` at wall-clock ``at`` in ``zone``, or None when that wall-clock time does
    not exist there (skipped by a daylight-saving change). An ambiguous time takes its first
    occurrence (fold=0)."""
    local = datetime.combine(day, at, tzinfo=zone)
    back = local.astimezone(timezone.utc).astimezone(zone)
    if (back.date(), back.time().replace(tzinfo=None)) != (day, at):
        return None
    return local


def _moment(day: date, preferred: time, window: SendWindow, zone: tzinfo) -> datetime | None:
    """Return the slot on ``day``: the preferred minute, or the next existing one in the window
    when a daylight-saving change removed it that day."""
    minutes = slot_minutes(window)
    ordered = minutes[minutes.index(preferred):] + minutes[: minutes.index(preferred)]
    for at in ordered:
        found = _local(day, at, zone)
        if found is not None:
            return found
    return None


def _days(first: date, last: date) -> Iterable[date]:
    for n in range((last - first).days + 1):
        yield first + timedelta(days=n)


def kept_until(slot: datetime, window: SendWindow) -> datetime:
    """Return the moment a slot that has come stops being the slot of its waiting draft.

    Until the window closes that day, the draft simply goes late in its window. Past that, the
    missed-slot grace (``window.missed_until``, 10:00 by default) lets a slot that passed while
    relance was not running (the laptop asleep at 05:16) go out when it runs again, as long as it
    is still that same business morning in the client's zone; later, or with no grace, the
    follow-up takes the next slot instead. ``slot`` is aware, in the client's zone."""
    end = window.end if window.missed_until is None else max(window.end, window.missed_until)
    return datetime.combine(slot.date(), end, tzinfo=slot.tzinfo)


def next_slot(stage: Stage, *, invoice_key: str, zone: tzinfo, window: SendWindow,
              calendar: BusinessCalendar, now: datetime) -> datetime | NoSlot:
    """Return the moment the follow-up for ``stage`` goes out, aware in ``zone``, or
    ``NO_SLOT`` when the stage's span (``earliest``..``latest``) holds no business day left.

    Days are tried from the stage's earliest day (or today, in ``zone``): first the preferred
    weekdays, in date order, within ``window.any_business_day_after`` days; failing that (a run of
    holidays, or a span too short, like the reminder's before a Monday due date), any business
    day. The slot is always after ``now``."""
    first = max(stage.earliest, now.astimezone(zone).date())
    last = stage.latest or first + timedelta(days=_MAX_SEARCH_DAYS)
    if last < first:
        return NO_SLOT
    minute = stable_minute(window, invoice_key, stage.key)
    preferred_until = min(last, first + timedelta(days=window.any_business_day_after - 1))
    passes = (
        [d for d in _days(first, preferred_until) if d.weekday() in window.weekdays],
        list(_days(first, last)),
    )
    for candidates in passes:
        for day in candidates:
            if not calendar.is_business_day(day):
                continue
            moment = _moment(day, minute, window, zone)
            if moment is not None and moment > now:
                return moment
    return NO_SLOT


# Zones tried, in order, when a client's time zone must be inferred from the UTC offset of the
# Date headers of their own messages. An offset names many zones; these are the likeliest for
# the clients of a European freelancer, and any of them that has the offset at the date gives
# the same wall clock for the send window in the weeks that follow.
_COMMON_ZONES = (
    "Europe/London", "Europe/Paris", "Europe/Bucharest", "Europe/Berlin", "Europe/Madrid",
    "Europe/Lisbon", "Europe/Helsinki", "Europe/Istanbul", "Europe/Moscow", "Asia/Dubai",
    "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland",
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Sao_Paulo", "America/Halifax", "Africa/Casablanca", "Africa/Lagos",
    "Africa/Johannesburg", "UTC",
)


def zone_for_dates(dates: Iterable[datetime], fallback: tzinfo) -> tzinfo:
    """Infer a client's zone from the Date headers of their own messages (aware datetimes, each
    carrying the sender's UTC offset at that moment).

    Returns ``fallback`` (the user's zone) when it fits every offset, else the first common
    zone that fits them all (so daylight saving is followed), else a fixed offset from the most
    recent message. With no dates at all, returns ``fallback``."""
    seen = sorted((d for d in dates if d.utcoffset() is not None), key=lambda d: d)
    if not seen:
        return fallback

    def fits(zone: tzinfo) -> bool:
        return all(when.astimezone(zone).utcoffset() == when.utcoffset() for when in seen)

    if fits(fallback):
        return fallback
    for name in _COMMON_ZONES:
        zone = ZoneInfo(name)
        if fits(zone):
            return zone
    return timezone(seen[-1].utcoffset() or timedelta(0))
