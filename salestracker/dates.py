"""The window of dates the product accepts, wherever a person or a file enters one.

A day far outside it (year 1 or 9999) breaks nothing a person needs but everything
that spans days: the dashboards' calendar would grow by millions of rows and period
arithmetic overflows. Forms, services, imports and Django admin all check against
the same window, and the rollup engine never builds a calendar outside it.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

# Older history than this is not what a sales team tracks day by day.
EARLIEST_DAY = date(2000, 1, 1)
# Meetings, close dates and quotas are planned at most this many years ahead.
YEARS_AHEAD = 10


def latest_day(today: date | None = None) -> date:
    """The last day accepted: the end of the year ``YEARS_AHEAD`` years after today's."""
    today = today or timezone.localdate()
    return date(today.year + YEARS_AHEAD, 12, 31)


def in_window(day: date) -> bool:
    return EARLIEST_DAY <= day <= latest_day()


def as_day(value: date | datetime) -> date:
    """The organisation's local day of a datetime (or the date itself)."""
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def validate_in_window(value: date | datetime | None) -> None:
    """A field validator: the date (or the local day of a datetime) lies in the window."""
    if value is None:
        return
    try:
        day = as_day(value)
    except OverflowError:  # year 1 or 9999 shifted past the calendar's edge by the time zone
        day = None
    if day is None or not in_window(day):
        raise ValidationError(
            _("Enter a date between %(first)s and %(last)s.")
            % {
                "first": date_format(EARLIEST_DAY, "SHORT_DATE_FORMAT"),
                "last": date_format(latest_day(), "SHORT_DATE_FORMAT"),
            },
            code="date_out_of_range",
        )
