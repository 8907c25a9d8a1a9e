"""Athlete.age_on counts whole years as dateutil's relativedelta does (which it used, at
~10 us a profile): birthdays, the day before, 29 February births in other years, a day
before the birth date."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.events import Sex
from bot.domain.models import Athlete


def _athlete(born: date | None) -> Athlete:
    return Athlete(1, "A", "NOR", Sex.MEN, birth_date=born)


def _days_around(born: date) -> list[date]:
    days = [born - timedelta(days=1), born, born + timedelta(days=1)]
    for year in range(born.year + 1, born.year + 9):
        for month, day in ((born.month, 1), (2, 28), (3, 1), (12, 31)):
            days.append(date(year, month, day))
        if born.month == 2 and born.day == 29:
            days += [date(year, 2, 28), date(year, 3, 1)]
        else:
            birthday = date(year, born.month, born.day)
            days += [birthday - timedelta(days=1), birthday, birthday + timedelta(days=1)]
    return days


def test_the_same_years_as_relativedelta_around_every_birthday():
    born = date(1995, 1, 1)
    while born < date(2005, 1, 1):
        athlete = _athlete(born)
        for day in _days_around(born):
            assert athlete.age_on(day) == relativedelta(day, born).years, (born, day)
        born += timedelta(days=1 if born.month in (2, 3) else 5)


@given(
    st.dates(date(1800, 1, 1), date(2100, 12, 31)), st.dates(date(1800, 1, 1), date(2100, 12, 31))
)
def test_the_same_years_as_relativedelta_for_any_two_days(born, day):
    assert _athlete(born).age_on(day) == relativedelta(day, born).years


def test_born_on_29_february():
    leap = _athlete(date(2004, 2, 29))
    assert leap.age_on(date(2005, 2, 27)) == 0
    assert leap.age_on(date(2005, 2, 28)) == 1
    assert leap.age_on(date(2008, 2, 28)) == 3
    assert leap.age_on(date(2008, 2, 29)) == 4


def test_no_birth_date_no_age_and_a_datetime_counts_as_its_day():
    assert _athlete(None).age_on(date(2026, 1, 1)) is None
    assert _athlete(date(2000, 6, 1)).age_on(datetime(2026, 6, 1, 9, 30)) == 26
