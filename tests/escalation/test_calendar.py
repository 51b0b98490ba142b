from datetime import date

import pytest

from escalation.calendar import is_working_day, working_days_after


def test_weekends_and_bank_holidays_are_not_working_days():
    assert not is_working_day(date(2026, 11, 21))  # Saturday
    assert not is_working_day(date(2026, 12, 25))  # Christmas Day
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day substitute (26th is a Saturday)
    assert is_working_day(date(2026, 11, 23))


def test_counting_working_days_skips_weekends_and_christmas():
    assert working_days_after(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Friday + 1 = Monday
    assert working_days_after(date(2026, 12, 23), 2) == date(2026, 12, 29)  # over Christmas
    assert working_days_after(date(2026, 11, 23), 15) == date(2026, 12, 14)
    assert working_days_after(date(2026, 11, 23), 0) == date(2026, 11, 23)


def test_local_closure_days_count_too(settings):
    settings.LA_CLOSURE_DAYS = frozenset({"2026-11-24"})
    assert working_days_after(date(2026, 11, 23), 1) == date(2026, 11, 25)
    with pytest.raises(ValueError):
        working_days_after(date(2026, 11, 23), -1)
