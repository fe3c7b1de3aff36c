"""The dashboards' period picker (dashboards/forms_period.py)."""

from datetime import date

import pytest

from dashboards.forms_period import PeriodForm, resolve


def test_presets_follow_the_fiscal_year():
    today = date(2026, 11, 18)
    last_quarter = resolve("last_quarter", today=today, fiscal_start=4)
    assert (last_quarter.start, last_quarter.end) == (date(2026, 7, 1), date(2026, 9, 30))
    this_year = resolve("this_year", today=today, fiscal_start=4)
    assert (this_year.start, this_year.end) == (date(2026, 4, 1), date(2027, 3, 31))
    last_week = resolve("last_week", today=today)
    assert (last_week.start, last_week.end) == (date(2026, 11, 9), date(2026, 11, 15))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, (date(2026, 11, 1), date(2026, 11, 30))),
        ({"start": "2026-11-03", "end": "2026-11-05"}, (date(2026, 11, 3), date(2026, 11, 5))),  # dates alone
        ({"period": "custom", "start": "2026-11-03"}, (date(2026, 11, 1), date(2026, 11, 30))),  # no end: refused
        ({"period": "custom", "start": "2020-01-01", "end": "2026-11-05"}, (date(2026, 11, 1), date(2026, 11, 30))),
        ({"period": "last_month", "start": "2026-11-03", "end": "2026-11-05"}, (date(2026, 10, 1), date(2026, 10, 31))),
    ],
)
def test_the_picker_answers_a_range_and_falls_back_to_this_month(data, expected):
    form = PeriodForm(data or None)
    chosen = form.date_range(today=date(2026, 11, 18))
    assert (chosen.start, chosen.end) == expected
