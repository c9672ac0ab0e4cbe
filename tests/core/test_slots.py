"""Send slots and business days: Tuesday first, early morning in the client's zone, never a round
minute, never a weekend or a holiday, never in the past, and through daylight-saving changes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from relance.daemon.core.model import SendWindow, Stage, StageKind
from relance.daemon.core.slots import (
    NO_SLOT,
    BusinessCalendar,
    next_slot,
    stable_minute,
    zone_for_dates,
)

WINDOW = SendWindow(holiday_country="FR")
FR = BusinessCalendar("FR")
PARIS = ZoneInfo("Europe/Paris")


def _slot(earliest: date, now: datetime, *, zone=PARIS, latest: date | None = None,
          window: SendWindow = WINDOW, calendar: BusinessCalendar = FR, key: str = "<a@x>"):
    stage = Stage("first_notice", StageKind.FIRST_NOTICE, earliest, latest)
    return next_slot(stage, invoice_key=key, zone=zone, window=window, calendar=calendar, now=now)


def test_a_stage_eligible_on_friday_goes_on_tuesday_early_morning():
    slot = _slot(date(2026, 3, 6), datetime(2026, 3, 6, 7, tzinfo=timezone.utc))
    assert slot.date() == date(2026, 3, 10) and slot.weekday() == 1
    assert time(5, 0) <= slot.timetz().replace(tzinfo=None) < time(6, 0)
    assert slot.minute % 5 != 0


def test_the_minute_is_stable_for_an_invoice_and_stage_and_differs_between_them():
    minutes = {stable_minute(WINDOW, f"<inv{n}@x>", "urgent") for n in range(40)}
    assert all(m.minute % 5 for m in minutes)
    assert len(minutes) > 10
    assert stable_minute(WINDOW, "<a@x>", "urgent") == stable_minute(WINDOW, "<a@x>", "urgent")


def test_a_holiday_tuesday_moves_to_wednesday():
    # 2026-11-10 is a Tuesday; 11 November (Wednesday) is a French holiday, so with Tuesday
    # taken by a holiday too (Easter Monday style) the slot moves on. Use 14 July 2026 (Tue).
    slot = _slot(date(2026, 7, 14), datetime(2026, 7, 13, 12, tzinfo=timezone.utc))
    assert slot.date() == date(2026, 7, 15)


def test_never_in_the_past_today_after_the_window_means_another_day():
    now = datetime(2026, 3, 10, 6, 30, tzinfo=PARIS)  # Tuesday, window already closed
    slot = _slot(date(2026, 3, 10), now)
    assert slot > now and slot.date() == date(2026, 3, 11)


def test_the_window_follows_the_recipient_zone():
    slot = _slot(date(2026, 3, 10), datetime(2026, 3, 9, 12, tzinfo=timezone.utc),
                 zone=ZoneInfo("America/New_York"))
    local = slot.astimezone(ZoneInfo("America/New_York"))
    assert local.hour == 5 and local.date() == date(2026, 3, 10)


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "Australia/Sydney",
                                  "Europe/Bucharest", "America/Santiago"])
def test_daylight_saving_changes_never_move_a_slot_out_of_its_window(zone):
    tz = ZoneInfo(zone)
    for offset in range(0, 400, 3):
        earliest = date(2026, 1, 1) + timedelta(days=offset)
        slot = _slot(earliest, datetime.combine(earliest, time(0), tz), zone=tz,
                     calendar=BusinessCalendar(None))
        local = slot.astimezone(tz)
        assert time(5, 0) <= local.time() < time(6, 0), (zone, local)


def test_a_window_inside_a_skipped_hour_moves_to_the_next_day_not_out_of_the_window():
    # Cairo springs forward at midnight on Friday 24 April 2026: 00:xx does not exist that
    # day. A window of 00:00-01:00 on Fridays cannot be honoured then; the slot is not put at
    # 01:xx (outside the window) but on another allowed day, inside the window.
    cairo = ZoneInfo("Africa/Cairo")
    window = SendWindow(weekdays=(4,), start=time(0, 0), end=time(1, 0))
    slot = _slot(date(2026, 4, 24), datetime(2026, 4, 23, 12, tzinfo=timezone.utc),
                 zone=cairo, window=window, calendar=BusinessCalendar(None))
    local = slot.astimezone(cairo)
    assert local.date() != date(2026, 4, 24)
    assert local.hour == 0 and local.minute % 5


def test_a_reminder_with_no_business_day_before_the_due_date_has_no_slot():
    # due Monday 4 May; span is the weekend before it and 1 May (Labour Day, a Friday)
    slot = _slot(date(2026, 5, 1), datetime(2026, 4, 30, 12, tzinfo=timezone.utc),
                 latest=date(2026, 5, 3))
    assert slot is NO_SLOT


def test_business_day_arithmetic_skips_weekends_and_holidays():
    assert FR.add(date(2026, 5, 7), 1) == date(2026, 5, 11)  # 8 May is Victory in Europe day
    assert FR.add(date(2026, 3, 12), -2) == date(2026, 3, 10)
    assert FR.between(date(2026, 3, 2), date(2026, 3, 9)) == 5
    assert not FR.is_business_day(date(2026, 12, 25))


def test_client_zone_inferred_from_their_date_headers_follows_daylight_saving():
    winter = datetime(2026, 2, 3, 9, tzinfo=timezone(timedelta(hours=2)))
    summer = datetime(2026, 6, 3, 9, tzinfo=timezone(timedelta(hours=3)))
    zone = zone_for_dates([winter, summer], PARIS)
    assert zone == ZoneInfo("Europe/Bucharest")
    assert zone_for_dates([], PARIS) == PARIS
    assert zone_for_dates([datetime(2026, 2, 3, tzinfo=timezone(timedelta(hours=1)))],
                          PARIS) == PARIS
