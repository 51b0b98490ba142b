"""Working days for England: weekends and England & Wales bank holidays (from the `holidays`
package, offline), plus the local authority's own closure days (settings.LA_CLOSURE_DAYS).

The one place that counts working days; the clock engine (escalation) builds on it."""

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone


@lru_cache(maxsize=32)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    if day.weekday() >= 5:
        return False
    if day in _bank_holidays(day.year):
        return False
    return day.isoformat() not in settings.LA_CLOSURE_DAYS


def working_days_after(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself does not count)."""
    if days < 0:
        raise ValueError("days must be zero or more")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_hours_after(start: datetime, hours: float) -> datetime:
    """The moment `hours` working hours after `start`, counting only working days between
    WORKING_DAY_START and WORKING_DAY_END (a same-day escalation stage, "within a few hours")."""
    if hours < 0:
        raise ValueError("hours must be zero or more")
    tz = timezone.get_current_timezone()
    current = timezone.localtime(start, tz)
    remaining = timedelta(hours=hours)
    opens, closes = settings.WORKING_DAY_START, settings.WORKING_DAY_END
    while True:
        day = current.date()
        day_open = timezone.make_aware(datetime.combine(day, opens), tz)
        day_close = timezone.make_aware(datetime.combine(day, closes), tz)
        if is_working_day(day) and current < day_close:
            current = max(current, day_open)
            available = day_close - current
            if remaining <= available:
                return current + remaining
            remaining -= available
        current = timezone.make_aware(datetime.combine(day + timedelta(days=1), time(0, 0)), tz)


def end_of_working_day(day: date) -> datetime:
    """Close of business on `day` (used for "N working days" deadlines)."""
    return timezone.make_aware(datetime.combine(day, settings.WORKING_DAY_END))
