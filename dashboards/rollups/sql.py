"""SQL shared by every table: the filters that say which keys a statement recomputes, and
the two databases' dialects.

Public: ``Filter``; ``everything()``, ``rep_chunk(rep_ids)``, ``claimed_filter(activity_keys,
pipeline_keys, quota_ids)`` make one; ``days_between(later, earlier)`` and ``date_diff(later,
earlier)`` are the dialects' differences; ``run(sql, params) -> int`` runs a statement;
``statistics_ensure()`` mends PostgreSQL's statistics of tables counted while empty; the
table names (``ACT``, ``DEAL``, ...), literal lists (``MEETINGS``, ``HELD``) and ``BATCH``,
the marks claimed or deleted per transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.db import connection
from django.db.models import Q

from accounts.models import User
from activities.models import HELD_OUTCOMES, MEETING_KINDS, Activity
from pipeline.models import Company, Deal, Stage, StageChange
from quotas.models import Quota
from quotas.periods import KINDS, Period
from salestracker.dates import EARLIEST_DAY, latest_day

from ..models import DirtyMark, PeriodDay
from .calendar import fiscal_start_month

BATCH = 2_000  # marks claimed, or deleted, per transaction


def _quoted(values) -> str:
    return ", ".join(f"'{value}'" for value in sorted(values))


ACT = Activity._meta.db_table
DEAL = Deal._meta.db_table
STAGE = Stage._meta.db_table
CHANGE = StageChange._meta.db_table
COMPANY = Company._meta.db_table
QUOTA = Quota._meta.db_table
USER = User._meta.db_table
CAL = PeriodDay._meta.db_table
MARK = DirtyMark._meta.db_table
MEETINGS = _quoted(MEETING_KINDS)
HELD = _quoted(HELD_OUTCOMES)


def days_between(later: str, earlier: str) -> str:
    """Fractional days from ``earlier`` to ``later`` (two timestamp columns)."""
    if connection.vendor == "postgresql":
        # In float8, as stored: EXTRACT answers numeric, whose arithmetic is slower for the
        # same figures (to 1e-11 days).
        return f"(EXTRACT(EPOCH FROM ({later} - {earlier}))::float8 / 86400.0)"
    return f"(julianday({later}) - julianday({earlier}))"


def date_diff(later: str, earlier: str) -> str:
    """Whole days from date ``earlier`` to date ``later``."""
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


@dataclass(frozen=True)
class Filter:
    """Which keys a statement recomputes: SQL fragments, true for the rows to keep.

    ``reps``: the rep ids to read source rows of (``{rep}`` stands for the rep
    column); ``activity_days`` and ``pipeline_days``: the (rep, day) keys of each
    scope (``{rep}``, ``{day}``); ``periods``: the (rep, period) keys of stage
    rollups (``{rep}`` and the calendar row ``c``); ``quotas``: the quota rows
    (alias ``{q}``). Values are literals made from ids and dates only.
    """

    reps: str
    activity_days: str
    pipeline_days: str
    periods: str
    quotas: str
    calendar: str = "1 = 1"  # the calendar rows ``c`` those periods cover (lets the join start small)
    span: tuple[date, date] | None = None  # the first and last day of those periods (None: every day)
    weeks: tuple[date, date] | None = None  # the first and last day of their weeks (None: every day)


def everything() -> Filter:
    return Filter(reps="1 = 1", activity_days="1 = 1", pipeline_days="1 = 1", periods="1 = 1", quotas="1 = 1")


def _ids(values) -> str:
    return ", ".join(str(int(value)) for value in sorted(set(values))) or "NULL"


def _in_values(columns: str, rows) -> str:
    """``(columns) IN (VALUES ...)`` for the given key rows (ints, dates, period kinds), or a
    false condition when there are none. A VALUES list, not a plain list: PostgreSQL hashes
    it (a semi-join), where a plain list of row values becomes one OR per row, checked
    against every source row."""
    date_literal = "DATE '{}'" if connection.vendor == "postgresql" else "'{}'"

    def literal(value) -> str:
        if isinstance(value, int):
            return str(value)
        if isinstance(value, date):
            return date_literal.format(value.isoformat())
        if value in KINDS:
            return f"'{value}'"
        raise ValueError(f"not a key value: {value!r}")

    rows = sorted(set(rows))
    if not rows:
        return "1 = 0"
    values = ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)
    return f"({columns}) IN (VALUES {values})"


def rep_chunk(rep_ids: list[int]) -> Filter:
    inside = f"{{rep}} IN ({_ids(rep_ids)})"
    return Filter(
        reps=inside,
        activity_days=inside,
        pipeline_days=inside,
        periods=inside,
        quotas=f"({{q}}.rep_id IN ({_ids(rep_ids)}) OR {{q}}.team_id IN "
        f"(SELECT team_id FROM {USER} WHERE id IN ({_ids(rep_ids)})))",
    )


def claimed_filter(activity_keys: set, pipeline_keys: set, quota_ids: set[int]) -> Filter:
    """The keys of claimed marks, as literals: the planner then reads exactly those
    index ranges (a subquery on the marks made PostgreSQL walk whole indexes).

    A day outside the accepted window names no period (its periods are not in the
    calendar, and computing them can overflow): it refreshes its day rows only."""
    fiscal_start = fiscal_start_month()
    last_day = latest_day()
    in_window = {(rep, day) for rep, day in pipeline_keys if EARLIEST_DAY <= day <= last_day}
    periods = {
        (rep, kind, Period.containing(day, kind, fiscal_start).start) for rep, day in in_window for kind in KINDS
    }
    ends = [Period(start, kind, fiscal_start).end for _, kind, start in periods]
    return Filter(
        reps=f"{{rep}} IN ({_ids(rep for rep, _ in pipeline_keys)})",
        activity_days=_in_values("{rep}, {day}", activity_keys),
        pipeline_days=_in_values("{rep}, {day}", pipeline_keys),
        periods=_in_values("{rep}, c.period_kind, c.period_start", periods),
        calendar=_in_values("c.period_kind, c.period_start", {(kind, start) for _, kind, start in periods}),
        span=(min(start for _, _, start in periods), max(ends)) if periods else None,
        weeks=_first_and_last([Period(start, kind, fiscal_start) for _, kind, start in periods if kind == "week"]),
        quotas=f"{{q}}.id IN ({_ids(quota_ids | _quotas_touched(in_window, fiscal_start))})",
    )


def _first_and_last(periods: list[Period]) -> tuple[date, date] | None:
    return (min(p.start for p in periods), max(p.end for p in periods)) if periods else None


def _quotas_touched(pipeline_keys: set, fiscal_start: int) -> set[int]:
    """Quotas of the marked reps, or of their teams, whose period holds a marked day (days
    within the accepted window: a quota starting after it holds none)."""
    if not pipeline_keys:
        return set()
    days_by_rep: dict[int, set[date]] = {}
    for rep, day in pipeline_keys:
        days_by_rep.setdefault(rep, set()).add(day)
    team_of = dict(User.objects.filter(pk__in=days_by_rep, team__isnull=False).values_list("pk", "team_id"))
    days_by_team: dict[int, set[date]] = {}
    for rep, team in team_of.items():
        days_by_team.setdefault(team, set()).update(days_by_rep[rep])
    quotas = Quota.objects.filter(Q(rep_id__in=days_by_rep) | Q(team_id__in=days_by_team)).values_list(
        "pk", "rep_id", "team_id", "period_kind", "period_start"
    )
    touched = set()
    last_day = latest_day()
    for pk, rep, team, kind, start in quotas:
        if start > last_day:
            continue
        end = Period(start, kind, fiscal_start).next().start
        days = days_by_rep.get(rep, set()) if rep else days_by_team.get(team, set())
        if any(start <= day < end for day in days):
            touched.add(pk)
    return touched


def statistics_ensure() -> None:
    """PostgreSQL: ANALYZE each table whose statistics count no rows on pages it has.

    Autovacuum counts only committed rows: statistics it takes while a bulk load (the demo's
    seeding, a first import) is still uncommitted say its tables are empty. Planned for one-row
    tables, the statements of a refresh right after the commit nest loop after loop: minutes at a
    few thousand rows. A table truly emptied is analyzed again, for the cost of its empty pages.
    The marks, a queue emptied by every drain, are left out."""
    if connection.vendor != "postgresql":
        return
    names = sorted({model._meta.db_table for model in apps.get_models()} - {MARK})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relkind = 'r' AND relpages > 0"
            " AND reltuples = 0 AND relnamespace = to_regnamespace(current_schema())",
            [names],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'ANALYZE "{name}"')


def run(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
