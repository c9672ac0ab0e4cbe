"""Business days and send slots.

A slot is the moment a follow-up goes out: a preferred weekday (Tuesday, then Wednesday, then
Thursday by default), inside an early-morning window of the recipient's time zone, at a minute
that is never a multiple of five and is the same every time for one invoice and stage (05:16,
not 05:15), never on a weekend or a public holiday, never in the past.
"""

from __future__ import annotations

import enum
import functools
import hashlib
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from .model import SendWindow, Stage

_MAX_SEARCH_DAYS = 60


class BusinessCalendar:
    """Weekends and the public holidays of one country (and optionally one subdivision)."""

    def __init__(self, country: str | None = None, subdivision: str | None = None) -> None:
        self.country = country
        self.subdivision = subdivision

    @functools.cached_property
    def _holidays(self) -> holidays_lib.HolidayBase | dict[date, str]:
        if not self.country:
            return {}
        return holidays_lib.country_holidays(self.country, subdiv=self.subdivision)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays

    def holiday_name(self, day: date) -> str:
        """Return the holiday's name, or "" when ``day`` is not a holiday."""
        return str(self._holidays.get(day, "")) if self.country else ""

    def add(self, day: date, count: int) -> date:
        """Return the date ``count`` business days after ``day`` (before it when negative).
        ``add(d, 0)`` is ``d`` itself, business day or not."""
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        while remaining:
            day += timedelta(days=step)
            if self.is_business_day(day):
                remaining -= 1
        return day

    def between(self, start: date, end: date) -> int:
        """Return how many business days lie after ``start`` up to and including ``end``
        (negative when ``end`` is before ``start``)."""
        if end < start:
            return -self.between(end, start)
        return sum(
            1 for n in range(1, (end - start).days + 1)
            if self.is_business_day(start + timedelta(days=n))
        )


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
