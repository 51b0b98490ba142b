"""Working days for England: weekends and England & Wales bank holidays (from the `holidays`
package, offline), plus the local authority's own closure days (settings.LA_CLOSURE_DAYS).

The one place that counts working days; the clock engine (escalation) builds on it."""

from datetime import date, timedelta
from functools import lru_cache

import holidays
from django.conf import settings


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
