"""The calendar: one row per day and period kind, naming the period that holds the day.

The stage and attainment statements join it to turn days into periods. Public:
``calendar_ensure(first, last)``, ``calendar_reset()``, ``fiscal_start_month() -> int``.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_start

from django.db import connection
from django.db.models import Max, Min
from django.utils import timezone

from activities.models import Activity
from pipeline.models import Deal, StageChange
from quotas.models import OrgSettings, Quota
from quotas.organisation import org_time_zone
from quotas.periods import KINDS, Period
from salestracker.dates import EARLIEST_DAY, latest_day

from ..models import PeriodDay


def fiscal_start_month() -> int:
    return OrgSettings.objects.filter(pk=1).values_list("fiscal_year_start_month", flat=True).first() or 1


def _calendar_rows(first: date, last: date, fiscal_start: int) -> Iterator[PeriodDay]:
    day = first
    while day <= last:
        for kind in KINDS:
            yield PeriodDay(period_kind=kind, period_start=Period.containing(day, kind, fiscal_start).start, day=day)
        day += timedelta(days=1)


def _calendar_bounds(first: date, last: date, fiscal_start: int) -> tuple[date, date]:
    """Whole fiscal years around the two days (plus a week each side), so every period
    a quota or a dashboard names has all its days in the calendar."""
    start = Period.containing(first, "year", fiscal_start).start - timedelta(days=7)
    end = Period.containing(last, "year", fiscal_start).next().start + timedelta(days=6)
    return start, end


def calendar_ensure(first: date | None, last: date | None) -> None:
    """Extend the calendar to cover ``first``..``last`` within the accepted window of dates
    (``salestracker.dates``); cheap when it already does. Days beyond the window are never
    added: a row dated in year 9999 would otherwise cost millions of rows, or overflow."""
    if first is None or last is None:
        return
    first, last = max(first, EARLIEST_DAY), min(last, latest_day())
    if first > last:
        return
    fiscal_start = fiscal_start_month()
    want_first, want_last = _calendar_bounds(first, last, fiscal_start)
    # Two index lookups (MIN and MAX in one statement make SQLite scan the table).
    days = PeriodDay.objects.values_list("day", flat=True)
    have_first, have_last = days.order_by("day").first(), days.order_by("-day").first()
    if have_first is None:
        spans = [(want_first, want_last)]
    else:
        spans = [(want_first, have_first - timedelta(days=1)), (have_last + timedelta(days=1), want_last)]
    spans = [(span_first, span_last) for span_first, span_last in spans if span_first <= span_last]
    for span_first, span_last in spans:
        PeriodDay.objects.bulk_create(
            _calendar_rows(span_first, span_last, fiscal_start), batch_size=2_000, ignore_conflicts=True
        )
    if spans and connection.vendor == "postgresql":
        # The statements after this, in the same transaction, join the new rows. Statistics taken
        # by autovacuum meanwhile count no rows on their pages (they are not committed yet), and
        # PostgreSQL then plans the joins for a one-row calendar: minutes at a few thousand rows.
        # ANALYZE here counts them (and holds off autovacuum's until the commit).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {PeriodDay._meta.db_table}")


def calendar_reset() -> None:
    """Rewrite the calendar for the current fiscal year start over every day the data uses.

    Activities join the calendar by the day they occurred (follow-ups), never by the day they
    were logged. Their first and last moments come from the newest-first index, where
    MIN(day) and MAX(day) would read every row; a day more each side allows for any time zone."""
    moments = Activity.objects.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    tz = zoneinfo.ZoneInfo(org_time_zone())
    # Moments far outside the window are brought near it first: converting year 9999 or year 1
    # to a local day can overflow, and the calendar stops at the window anyway.
    edges = (
        datetime.combine(EARLIEST_DAY, day_start(), UTC) - timedelta(days=2),
        datetime.combine(latest_day(), day_start(), UTC) + timedelta(days=2),
    )

    def local_day(moment: datetime) -> date:
        return timezone.localtime(min(max(moment, edges[0]), edges[1]), tz).date()

    days = [
        {
            "first": moments["first"] and local_day(moments["first"]) - timedelta(days=1),
            "last": moments["last"] and local_day(moments["last"]) + timedelta(days=1),
        },
        StageChange.objects.aggregate(first=Min("day"), last=Max("day")),
        Deal.objects.aggregate(first=Min("closed_on"), last=Max("closed_on")),
        Quota.objects.aggregate(first=Min("period_start"), last=Max("period_start")),
    ]
    firsts = [d["first"] for d in days if d["first"]] + [timezone.localdate()]
    lasts = [d["last"] for d in days if d["last"]] + [timezone.localdate()]
    PeriodDay.objects.all().delete()
    calendar_ensure(min(firsts), max(lasts))
