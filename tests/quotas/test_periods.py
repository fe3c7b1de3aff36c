from datetime import date

import pytest

from quotas.periods import Period


def test_a_calendar_quarter_with_a_january_fiscal_year():
    q = Period.containing(date(2026, 11, 23), "quarter")
    assert (q.start, q.end, str(q)) == (date(2026, 10, 1), date(2026, 12, 31), "FY2026-Q4")


def test_a_fiscal_quarter_across_the_year_end_with_an_april_start():
    q = Period.containing(date(2027, 2, 10), "quarter", fiscal_start=4)
    assert (q.start, q.end, str(q)) == (date(2027, 1, 1), date(2027, 3, 31), "FY2027-Q4")
    nov = Period.containing(date(2026, 11, 23), "quarter", fiscal_start=4)
    assert (nov.start, nov.end, str(nov)) == (date(2026, 10, 1), date(2026, 12, 31), "FY2027-Q3")


def test_a_fiscal_quarter_that_straddles_two_calendar_years():
    # Fiscal year from November: Q1 is November to January.
    q = Period.containing(date(2026, 12, 15), "quarter", fiscal_start=11)
    assert (q.start, q.end, str(q)) == (date(2026, 11, 1), date(2027, 1, 31), "FY2027-Q1")
    assert Period.containing(date(2027, 1, 31), "quarter", fiscal_start=11) == q


def test_a_fiscal_year_is_named_by_the_year_it_ends_in():
    year = Period.containing(date(2026, 4, 1), "year", fiscal_start=4)
    assert (year.start, year.end, str(year)) == (date(2026, 4, 1), date(2027, 3, 31), "FY2027")
    assert str(Period.containing(date(2026, 3, 31), "year", fiscal_start=4)) == "FY2026"
    assert str(Period.containing(date(2026, 7, 1), "year")) == "FY2026"


def test_a_week_starts_on_monday_and_crosses_months():
    week = Period.containing(date(2026, 12, 2), "week")
    assert (week.start, week.end, str(week)) == (date(2026, 11, 30), date(2026, 12, 6), "2026-W49")


def test_a_week_across_the_year_end_takes_its_iso_year():
    assert str(Period.containing(date(2027, 1, 1), "week")) == "2026-W53"


def test_february_in_a_leap_year():
    assert Period.containing(date(2028, 2, 10), "month").end == date(2028, 2, 29)


@pytest.mark.parametrize("kind", ["week", "month", "quarter", "year"])
def test_next_and_previous_are_adjacent(kind):
    p = Period.containing(date(2026, 12, 31), kind, fiscal_start=4)
    assert p.next().start == p.end + (p.next().start - p.end)
    assert p.next().previous() == p
    assert (p.next().start - p.end).days == 1


def test_elapsed_share_counts_today_as_passed():
    month = Period.containing(date(2026, 11, 1), "month")
    assert month.elapsed_share(date(2026, 11, 15)) == pytest.approx(15 / 30)
    assert month.elapsed_share(date(2026, 10, 31)) == 0
    assert month.elapsed_share(date(2026, 12, 5)) == 1


def test_weeks_left_counts_the_current_week():
    quarter = Period.containing(date(2026, 11, 23), "quarter")
    assert quarter.weeks_left(date(2026, 11, 23)) == 6  # weeks of Nov 23, Nov 30, Dec 7, 14, 21, 28


def test_steps_between_periods():
    start = Period.containing(date(2026, 1, 5), "week")
    assert Period.containing(date(2026, 1, 26), "week").steps_since(start) == 3
    assert start.steps_since(start) == 0


def test_same_period_last_year():
    q = Period.containing(date(2026, 11, 23), "quarter", fiscal_start=4)
    assert str(q.same_period_last_year()) == "FY2026-Q3"
