"""Periods: calendar weeks (Monday start), months, fiscal quarters and fiscal years.

Pure functions and small value objects, no database access. A fiscal year is
named by the calendar year in which it ends (fiscal start April: April 2026 to
March 2027 is FY2027), the common convention; with a January start the fiscal
year is the calendar year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

KINDS = ("week", "month", "quarter", "year")


def _add_months(day: date, months: int) -> date:
    """The first of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def _fiscal_year_start(day: date, fiscal_start: int) -> date:
    year = day.year if day.month >= fiscal_start else day.year - 1
    return date(year, fiscal_start, 1)


@dataclass(frozen=True, order=True)
class Period:
    start: date
    kind: str
    fiscal_start: int = 1

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}")
        if not 1 <= self.fiscal_start <= 12:
            raise ValueError("fiscal_start is a month number, 1 to 12")

    @classmethod
    def containing(cls, day: date, kind: str = "month", fiscal_start: int = 1) -> Period:
        """The period of ``kind`` that ``day`` falls in."""
        if kind == "week":
            return cls(day - timedelta(days=day.weekday()), kind, fiscal_start)
        if kind == "month":
            return cls(day.replace(day=1), kind, fiscal_start)
        year_start = _fiscal_year_start(day, fiscal_start)
        if kind == "year":
            return cls(year_start, kind, fiscal_start)
        months_in = (day.year - year_start.year) * 12 + day.month - year_start.month
        return cls(_add_months(year_start, months_in - months_in % 3), kind, fiscal_start)

    @property
    def end(self) -> date:
        """The last day of the period (inclusive)."""
        return self.next().start - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def next(self) -> Period:
        if self.kind == "week":
            return Period(self.start + timedelta(days=7), self.kind, self.fiscal_start)
        months = {"month": 1, "quarter": 3, "year": 12}[self.kind]
        return Period(_add_months(self.start, months), self.kind, self.fiscal_start)

    def previous(self) -> Period:
        return Period.containing(self.start - timedelta(days=1), self.kind, self.fiscal_start)

    def same_period_last_year(self) -> Period:
        if self.kind == "week":
            return Period.containing(self.start - timedelta(weeks=52), self.kind, self.fiscal_start)
        return Period(_add_months(self.start, -12), self.kind, self.fiscal_start)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def elapsed_share(self, today: date) -> float:
        """Share of the period's days that have passed by the end of ``today`` (0 to 1)."""
        if today < self.start:
            return 0.0
        if today >= self.end:
            return 1.0
        return ((today - self.start).days + 1) / self.days

    def weeks_left(self, today: date) -> int:
        """Calendar weeks (Monday start) of the period from ``today``'s week on, at least 1."""
        if today > self.end:
            return 1
        first = max(today, self.start)
        first_monday = first - timedelta(days=first.weekday())
        return max(1, ((self.end - first_monday).days // 7) + 1)

    def steps_since(self, earlier: Period) -> int:
        """How many periods of this kind lie between ``earlier`` and this one (0 when the same)."""
        steps, cursor = 0, earlier
        while cursor < self:
            cursor, steps = cursor.next(), steps + 1
        return steps

    @property
    def fiscal_year(self) -> int:
        """The fiscal year this period starts in, named by the calendar year it ends in."""
        start = _fiscal_year_start(self.start, self.fiscal_start)
        return start.year if self.fiscal_start == 1 else start.year + 1

    @property
    def quarter(self) -> int:
        """1 to 4, counted from the start of the fiscal year."""
        year_start = _fiscal_year_start(self.start, self.fiscal_start)
        return ((self.start.year - year_start.year) * 12 + self.start.month - year_start.month) // 3 + 1

    @property
    def code(self) -> str:
        """The period's name for machines, the same in every language: "2026-W05", "2026-11",
        "FY2027-Q3", "FY2027"."""
        if self.kind == "week":
            iso = self.start.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "year":
            return f"FY{self.fiscal_year}"
        return f"FY{self.fiscal_year}-Q{self.quarter}"

    def __str__(self) -> str:
        """The period's name for people, in the reader's language."""
        if self.kind == "year":
            return _("FY%(year)s") % {"year": self.fiscal_year}
        if self.kind == "quarter":
            return _("FY%(year)s-Q%(quarter)s") % {"year": self.fiscal_year, "quarter": self.quarter}
        return self.code
