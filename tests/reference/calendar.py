"""A tiny calendar of its own (docs/metrics.md, "Conventions"): weeks start on Monday, months are
calendar months, fiscal quarters and years start on the first day of the fiscal start month, and a
moment's local day is its date in the organisation's zone. A period is a ``(first, last)`` pair of
dates, both included."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

Span = tuple[date, date]
ONE_DAY = timedelta(days=1)


def local_day(moment: datetime, zone: str) -> date:
    return moment.astimezone(zoneinfo.ZoneInfo(zone)).date()


def _month_start(year: int, month: int) -> date:
    """The first of a month, ``month`` allowed outside 1..12 (it carries into the year)."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, 1)


def week(day: date) -> Span:
    first = day - timedelta(days=day.weekday())
    return first, first + timedelta(days=6)


def month(day: date) -> Span:
    return _month_start(day.year, day.month), _month_start(day.year, day.month + 1) - ONE_DAY


def _fiscal_months_in(day: date, fiscal_start: int) -> int:
    """Months since the start of the fiscal year holding ``day`` (0..11)."""
    return (day.month - fiscal_start) % 12


def quarter(day: date, fiscal_start: int) -> Span:
    back = _fiscal_months_in(day, fiscal_start) % 3
    first = _month_start(day.year, day.month - back)
    return first, _month_start(first.year, first.month + 3) - ONE_DAY


def year(day: date, fiscal_start: int) -> Span:
    first = _month_start(day.year, day.month - _fiscal_months_in(day, fiscal_start))
    return first, _month_start(first.year, first.month + 12) - ONE_DAY


def period(kind: str, day: date, fiscal_start: int = 1) -> Span:
    if kind == "week":
        return week(day)
    if kind == "month":
        return month(day)
    if kind == "quarter":
        return quarter(day, fiscal_start)
    if kind == "year":
        return year(day, fiscal_start)
    raise ValueError(kind)


def previous(kind: str, span: Span, fiscal_start: int = 1) -> Span:
    return period(kind, span[0] - ONE_DAY, fiscal_start)


def following(kind: str, span: Span, fiscal_start: int = 1) -> Span:
    return period(kind, span[1] + ONE_DAY, fiscal_start)


def days(span: Span) -> int:
    return (span[1] - span[0]).days + 1


def overlap(span: Span, first: date, last: date) -> int:
    """How many days of ``span`` lie in ``first``..``last``."""
    return max((min(span[1], last) - max(span[0], first)).days + 1, 0)


def periods_over(kind: str, first: date, last: date, fiscal_start: int = 1) -> list[Span]:
    """Every period of ``kind`` with a day in ``first``..``last``, in order."""
    found = [period(kind, first, fiscal_start)]
    while found[-1][1] < last:
        found.append(following(kind, found[-1], fiscal_start))
    return found


def inside(day: date, first: date, last: date) -> bool:
    return first <= day <= last


def elapsed_share(first: date, last: date, today: date) -> float:
    """Days from ``first`` through min(today, last), today included, / the days of first..last."""
    if today < first:
        return 0.0
    return ((min(today, last) - first).days + 1) / ((last - first).days + 1)
