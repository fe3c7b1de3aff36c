"""The rollup engine: keeps the dashboard tables equal to what the domain rows say.

Writers mark keys dirty (``marks.py``) in their own transaction; ``drain``
claims the marks, recomputes only the rows those keys touch with GROUP BY
queries in the database (``INSERT ... SELECT``, never a Python loop over
source rows), and deletes the marks it claimed, all in one transaction.
``rebuild`` recomputes everything; ``verify`` recomputes into memory and lists
every difference from the stored rows.

Safety under concurrency:

- Marks are claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` (PostgreSQL), so
  two workers never claim the same mark, and a worker that dies rolls its
  claim back with its transaction: the marks are there for the next run.
- Before recomputing, a worker takes a transaction-scoped advisory lock per rep
  and per team it touches (in id order, so no deadlock): two workers never
  process the same key at the same time, and the second one recomputes from a
  snapshot that includes the first one's work. SQLite runs one writer at a time.
- Rows of a key are deleted and re-inserted in the same transaction, so a
  figure that fell to zero disappears and a rerun gives the same rows.

SQL here is the subset PostgreSQL and SQLite share (row values, ``VALUES``
lists, window functions, ``INSERT ... SELECT``); the two differences (days
between two timestamps, a timestamp's local date) come from ``_days_between``
and the backend's own ``datetime_cast_date_sql``.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import zoneinfo
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_start
from decimal import Decimal
from itertools import chain
from uuid import uuid4

from django.db import InterfaceError, OperationalError, connection, connections, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from accounts.models import User
from activities.models import HELD_OUTCOMES, MEETING_KINDS, Activity, Outcome
from pipeline.models import Company, Deal, Stage, StageChange, StageKind
from quotas.middleware import org_time_zone
from quotas.models import OrgSettings, Quota
from quotas.periods import KINDS, Period
from salestracker.dates import EARLIEST_DAY, latest_day

from . import figure_cache
from .models import (
    ACTIVITY_DAY_VALUES,
    CLOSED_DAY_SPLITS,
    CLOSED_DAY_VALUES,
    STAGE_ROLLUP_VALUES,
    ActivityDay,
    Attainment,
    ClosedDay,
    DirtyMark,
    PeriodDay,
    Scope,
    StageRollup,
)

logger = logging.getLogger(__name__)

BATCH = 2_000  # marks claimed per transaction
# A key whose refresh failed waits this long before its next try, twice as long after each
# failure up to the cap: one poison key costs a drain its time rarely, not every minute.
RETRY_FIRST, RETRY_MAX = timedelta(minutes=5), timedelta(hours=1)
VERIFY_CHUNK = 25  # reps compared at a time by verify
LOCK_ALL, LOCK_REPS, LOCK_TEAMS = 7300, 7301, 7302  # advisory lock namespaces


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


# --- the calendar -------------------------------------------------------------------


def _fiscal_start() -> int:
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
    fiscal_start = _fiscal_start()
    want_first, want_last = _calendar_bounds(first, last, fiscal_start)
    # Two index lookups (MIN and MAX in one statement make SQLite scan the table).
    days = PeriodDay.objects.values_list("day", flat=True)
    have_first, have_last = days.order_by("day").first(), days.order_by("-day").first()
    if have_first is None:
        spans = [(want_first, want_last)]
    else:
        spans = [(want_first, have_first - timedelta(days=1)), (have_last + timedelta(days=1), want_last)]
    for span_first, span_last in spans:
        if span_first <= span_last:
            PeriodDay.objects.bulk_create(
                _calendar_rows(span_first, span_last, fiscal_start), batch_size=2_000, ignore_conflicts=True
            )


def calendar_reset() -> None:
    """Rewrite the calendar for the current fiscal year start over every day the data uses.

    Activities join the calendar by the day they occurred (follow-ups), never by the day they
    were logged. Their first and last moments come from the newest-first index, where
    MIN(day) and MAX(day) read all ten million rows (1.1 s of a rebuild at 250 reps); a day
    more each side allows for any time zone."""
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


# --- SQL: one SELECT per table, filtered by a fragment ----------------------------------


def _days_between(later: str, earlier: str) -> str:
    """Fractional days from ``earlier`` to ``later`` (two timestamp columns)."""
    if connection.vendor == "postgresql":
        # In float8, as stored: EXTRACT answers numeric, whose arithmetic made summing a
        # rebuild's 2.8 M stays 0.4 s slower per half (the same figures to 1e-11 days).
        return f"(EXTRACT(EPOCH FROM ({later} - {earlier}))::float8 / 86400.0)"
    return f"(julianday({later}) - julianday({earlier}))"


def _date_diff(later: str, earlier: str) -> str:
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


def _everything() -> Filter:
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


def _rep_chunk(rep_ids: list[int]) -> Filter:
    inside = f"{{rep}} IN ({_ids(rep_ids)})"
    return Filter(
        reps=inside,
        activity_days=inside,
        pipeline_days=inside,
        periods=inside,
        quotas=f"({{q}}.rep_id IN ({_ids(rep_ids)}) OR {{q}}.team_id IN "
        f"(SELECT team_id FROM {USER} WHERE id IN ({_ids(rep_ids)})))",
    )


def _claimed_filter(activity_keys: set, pipeline_keys: set, quota_ids: set[int]) -> Filter:
    """The keys of claimed marks, as literals: the planner then reads exactly those
    index ranges (a subquery on the marks made PostgreSQL walk whole indexes).

    A day outside the accepted window names no period (its periods are not in the
    calendar, and computing them can overflow): it refreshes its day rows only."""
    fiscal_start = _fiscal_start()
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
        quotas=f"{{q}}.id IN ({_ids(quota_ids | _quotas_touched(in_window, fiscal_start))})",
    )


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


class Table(ABC):
    """One dashboard table: its columns, the SELECT that computes them and the DELETE
    that clears the same keys (both filtered by a ``Filter``)."""

    model: type
    key: tuple[str, ...]
    values: tuple[str, ...]
    rebuild_settings: tuple[str, ...] = ()  # PostgreSQL settings for its whole-table rebuild statements
    reads_calendar = False  # its SELECT joins the calendar (a rebuild writes the calendar before it)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.key + self.values

    @abstractmethod
    def select(self, f: Filter) -> tuple[str, list]:
        """The rows for the keys of ``f``: key columns then values, in ``columns`` order."""

    @abstractmethod
    def delete(self, f: Filter) -> tuple[str, list]:
        """Remove the stored rows for the keys of ``f``."""


class DayTable(Table):
    """A table keyed by (rep, day), whose keys are those of the marks of ``scope``."""

    scope: str

    def _keys(self, f: Filter, rep: str, day: str) -> str:
        return getattr(f, f"{self.scope}_days").format(rep=rep, day=day)

    def delete(self, f):
        return f"DELETE FROM {self.model._meta.db_table} WHERE {self._keys(f, 'rep_id', 'day')}", []


class ActivityTable(DayTable):
    model = ActivityDay
    key = ("rep_id", "day", "kind")
    values = ACTIVITY_DAY_VALUES
    scope = Scope.ACTIVITY
    # Grouping the activities in the (owner, day, kind) index's order streams them; hashing 1.4 M
    # groups of 10 M activities spilled to disk (250 reps x 3 years: 8.1 -> 6.2 s). Unlike the
    # stage rollup's, this statement is small and runs its few expressions on 5 M rows a part:
    # compiled (JIT), a part took 2.55 s instead of 2.8.
    rebuild_settings = ("enable_hashagg = off", "jit = on")

    def select(self, f):
        by_day = self._keys(f, "a.owner_id", "a.day")
        by_created = self._keys(f, "a.owner_id", "a.created_day")
        days = f"""
            SELECT a.owner_id AS rep_id, a.day AS day, a.kind AS kind, COUNT(*) AS n,
                SUM(a.duration_minutes) AS m,
                SUM(CASE WHEN a.outcome = '{Outcome.CONNECTED}' THEN 1 ELSE 0 END) AS c,
                SUM(CASE WHEN a.outcome = '{Outcome.REPLIED}' THEN 1 ELSE 0 END) AS r,
                SUM(CASE WHEN a.kind IN ({MEETINGS}) AND a.outcome IN ({HELD}) THEN 1 ELSE 0 END) AS h,
                SUM(CASE WHEN a.kind IN ({MEETINGS}) AND a.outcome = '{Outcome.POSITIVE}' THEN 1 ELSE 0 END) AS p
            FROM {ACT} a WHERE {by_day}
            GROUP BY a.owner_id, a.day, a.kind"""
        # Meetings booked count by the day they were logged.
        booked = f"""
            SELECT a.owner_id AS rep_id, a.created_day AS day, a.kind AS kind, COUNT(*) AS n
            FROM {ACT} a WHERE a.kind IN ({MEETINGS}) AND {by_created}
            GROUP BY a.owner_id, a.created_day, a.kind"""
        if connection.vendor == "postgresql":
            # Joined to the day's figures on the key, not merged with them by a second GROUP BY:
            # a rebuild's 1.4 M day rows then stream out of the (owner, day, kind) index once
            # instead of being hashed again, which spilled (250 reps x 3 years: 11.8 -> 6.2 s).
            sql = f"""
                SELECT COALESCE(d.rep_id, b.rep_id), COALESCE(d.day, b.day), COALESCE(d.kind, b.kind),
                    COALESCE(d.n, 0), COALESCE(d.m, 0), COALESCE(b.n, 0), COALESCE(d.c, 0), COALESCE(d.r, 0),
                    COALESCE(d.h, 0), COALESCE(d.p, 0)
                FROM ({days}) d FULL JOIN ({booked}) b ON b.rep_id = d.rep_id AND b.day = d.day AND b.kind = d.kind"""
        else:
            # SQLite runs a FULL JOIN of two subqueries as nested loops (a rebuild at 20 reps:
            # 1.2 -> 6.4 s): there the two are merged by a second GROUP BY.
            sql = f"""
                SELECT rep_id, day, kind, SUM(n), SUM(m), SUM(b), SUM(c), SUM(r), SUM(h), SUM(p) FROM (
                    SELECT rep_id, day, kind, n, m, 0 AS b, c, r, h, p FROM ({days})
                    UNION ALL
                    SELECT rep_id, day, kind, 0, 0, n, 0, 0, 0, 0 FROM ({booked})
                ) s GROUP BY rep_id, day, kind"""
        return sql, []


class ClosedTable(DayTable):
    model = ClosedDay
    key = ("rep_id", "day", *CLOSED_DAY_SPLITS)
    values = CLOSED_DAY_VALUES
    scope = Scope.PIPELINE
    # Every closed deal's company hashed (30 k rows) instead of looked up one by one by index
    # (177 k lookups at 250 reps x 3 years: 0.75 -> 0.57 s).
    rebuild_settings = ("enable_nestloop = off",)

    def select(self, f):
        where = self._keys(f, "d.owner_id", "d.closed_on")
        created_sql, created_params = connection.ops.datetime_cast_date_sql("d.created_at", (), org_time_zone())
        sql = f"""
            SELECT d.owner_id, d.closed_on, (st.kind = '{StageKind.WON}'), d.lead_source_id, co.territory_id,
                co.segment, d.deal_type, d.competitor_id, COUNT(*), SUM(d.amount), SUM(d.units),
                SUM({_date_diff("d.closed_on", created_sql)})
            FROM {DEAL} d JOIN {STAGE} st ON st.id = d.stage_id JOIN {COMPANY} co ON co.id = d.company_id
            WHERE st.kind IN ('{StageKind.WON}', '{StageKind.LOST}') AND d.closed_on IS NOT NULL AND {where}
            GROUP BY d.owner_id, d.closed_on, (st.kind = '{StageKind.WON}'), d.lead_source_id, co.territory_id,
                co.segment, d.deal_type, d.competitor_id"""
        # The created date's SQL appears once per row in SUM; its parameters (SQLite's
        # time zone names) come first in the statement.
        return sql, list(created_params)


WON_RANK = 1_000_000_000  # above every stage order: a deal's rank once it was won


class StageTable(Table):
    model = StageRollup
    reads_calendar = True
    key = ("rep_id", "period_kind", "period_start", "stage_id")
    values = STAGE_ROLLUP_VALUES
    # Less memory than the other tables' rebuilds: its groupings and sorts of 1.4 M rows a part
    # ran faster in batches that fit the CPU's cache, spilling to files the page cache holds,
    # than in one big table each (a part at 250 reps x 3 years: 6.7 s with 128 MB, 6.4 with 32).
    # And hash joins: misjudging how many history rows a filter keeps, PostgreSQL sorted 1.1 M
    # of them by day to merge them with the calendar, where hashing the calendar's 5,900 rows
    # streams them (a part: 6.2 -> 5.5 s).
    rebuild_settings = ("work_mem = '32MB'", "enable_mergejoin = off")

    def select(self, f):
        reps = f.reps.format(rep="d.owner_id")
        k_h = k_s = f.periods.format(rep="h.rep_id")
        reps_a = f.reps.format(rep="a.owner_id")
        k_a = f.periods.format(rep="a.rep_id")
        following = "ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING"
        won, lost, open_ = StageKind.WON, StageKind.LOST, StageKind.OPEN
        deals, days = "", ""
        if connection.vendor == "postgresql" and f.span:
            # A refresh reads only what its periods need: the history of the deals with a
            # change inside them (every figure of a period comes from a change in it: an
            # entry, or the move that ended a stay; the window still sees each of those deals'
            # whole history), and the follow-ups logged inside them. A rep's deal move then
            # reads about a year of history, not all of it. The days are literals: with the
            # bounds as subqueries PostgreSQL guessed one follow-up row where a rep had
            # thousands, and read them once per calendar day (1.2 s instead of 40 ms).
            # PostgreSQL only: SQLite plans these subqueries badly (a 100-write refresh took
            # 2.6 s instead of 0.7).
            span = "BETWEEN DATE '{}' AND DATE '{}'".format(*(day.isoformat() for day in f.span))
            deals = (
                f"AND sc.deal_id IN (SELECT w.deal_id FROM {CHANGE} w JOIN {DEAL} d2 ON d2.id = w.deal_id"
                f" WHERE {f.reps.format(rep='d2.owner_id')} AND w.day {span})"
            )
            days = f"AND a.day {span}"
        if connection.vendor == "postgresql":
            # The calendar rows of the periods to recompute, hashed once: joined first, they
            # keep PostgreSQL from probing the calendar for every history row. The period kind
            # compares bytewise ("C"): sorting 1.4 M stays by it with the database's locale cost
            # a rebuild's stage half 0.3 s.
            cal_cte = (
                'cal AS MATERIALIZED (SELECT c.day AS day, c.period_kind COLLATE "C" AS period_kind,'
                f" c.period_start AS period_start FROM {CAL} c WHERE {f.calendar}),"
            )
            cal = "cal"
        else:
            # SQLite joins the calendar table itself, through its (day, period) index: a
            # materialised copy has no index, and it scanned the copy once per history row
            # (a deal move's refresh took 270 ms instead of 40 at 20 reps).
            cal_cte, cal = "", CAL
        if connection.vendor == "postgresql":
            # The median as an ordered-set aggregate: each group's stays sorted on their own, where
            # two window functions sorted every stay of every period (the rebuild's stays 9.5 -> 5.7 s
            # at 250 reps). The same value: the mean of the two middle stays for an even count.
            ranked, stays, median = "", "stays", "percentile_cont(0.5) WITHIN GROUP (ORDER BY days)"
        else:
            # SQLite has no percentile_cont: the middle one or two stays by their rank, averaged.
            ranked = """,
            ranked AS (
                SELECT s.rep_id, s.period_kind, s.period_start, s.stage_id, s.days, s.forward_once,
                    ROW_NUMBER() OVER (PARTITION BY s.rep_id, s.period_kind, s.period_start, s.stage_id
                        ORDER BY s.days) AS rn,
                    COUNT(*) OVER (PARTITION BY s.rep_id, s.period_kind, s.period_start, s.stage_id) AS cnt
                FROM stays s
            )"""
            stays, median = "ranked", "AVG(CASE WHEN rn IN ((cnt + 1) / 2, (cnt + 2) / 2) THEN days END)"
        # Each history row's figures, worked out once from its window values (not again for each of
        # its four calendar rows): its flags on entering the stage (advanced later, lost or won, or
        # still in it), and the stay it began - its length, and whether it ended in a move forward.
        flags = {
            "adv": f"CASE WHEN x.kind = '{open_}' AND x.later_rank > x.ord THEN 1 ELSE 0 END",
            "to_lost": f"CASE WHEN x.next_kind = '{lost}' THEN 1 ELSE 0 END",
            "to_won": f"CASE WHEN x.later_rank = {WON_RANK} THEN 1 ELSE 0 END",
            "sits": f"CASE WHEN x.next_kind IS NULL AND x.kind = '{open_}' THEN 1 ELSE 0 END",
        }
        row_flags = ", ".join(f"{flag} AS {name}" for name, flag in flags.items())
        entry_flags = ", ".join(f"h.{name}" for name in flags)
        repeat_flags = ", ".join(f"MAX(h.{name})" for name in flags)

        def whole(count: str) -> str:
            # Counts as int4 (PostgreSQL's COUNT and SUM of int4 answer int8), so that the
            # final SUMs add machine integers instead of numerics.
            return f"CAST({count} AS INTEGER)"

        sql = f"""
            WITH {cal_cte}
            h AS (
                SELECT x.deal_id, x.rep_id, x.stage_id, x.day, x.next_day, x.entries, {row_flags},
                    {_days_between("x.left_at", "x.changed_at")} AS stay,
                    CASE WHEN x.next_kind = '{won}' OR (x.next_kind = '{open_}' AND x.next_ord > x.ord)
                        THEN 1 ELSE 0 END AS forward
                FROM (
                    SELECT sc.deal_id AS deal_id, d.owner_id AS rep_id, sc.to_stage_id AS stage_id,
                        st.kind AS kind, st."order" AS ord, sc.day AS day, sc.changed_at AS changed_at,
                        LEAD(st.kind) OVER w AS next_kind,
                        LEAD(st."order") OVER w AS next_ord,
                        LEAD(sc.day) OVER w AS next_day,
                        LEAD(sc.changed_at) OVER w AS left_at,
                        -- The furthest the deal got after this row: won, an open stage's order, or
                        -- -1 (lost, or nothing later).
                        MAX(CASE WHEN st.kind = '{won}' THEN {WON_RANK} WHEN st.kind = '{open_}' THEN st."order"
                            ELSE -1 END) OVER (w {following}) AS later_rank,
                        COUNT(*) OVER (PARTITION BY sc.deal_id, sc.to_stage_id) AS entries
                    FROM {CHANGE} sc JOIN {DEAL} d ON d.id = sc.deal_id JOIN {STAGE} st ON st.id = sc.to_stage_id
                    WHERE {reps} {deals}
                    WINDOW w AS (PARTITION BY sc.deal_id ORDER BY sc.changed_at, sc.id)
                ) x
            ),
            stays AS (
                SELECT h.rep_id AS rep_id, c.period_kind AS period_kind, c.period_start AS period_start,
                    h.stage_id AS stage_id, h.stay AS days,
                    CASE WHEN h.entries = 1 THEN h.forward ELSE 0 END AS forward_once
                FROM h JOIN {cal} c ON c.day = h.next_day
                WHERE h.next_day IS NOT NULL AND {k_s}
            ){ranked}
            SELECT rep_id, period_kind, period_start, stage_id, SUM(entered), SUM(advanced), SUM(lost), SUM(won),
                SUM(still_open), SUM(stays), SUM(stay_days), MAX(median), SUM(left_forward), SUM(followups)
            FROM (
                SELECT rep_id, period_kind, period_start, stage_id, {whole("COUNT(*)")} AS entered,
                    {whole("SUM(adv)")} AS advanced, {whole("SUM(to_lost)")} AS lost,
                    {whole("SUM(to_won)")} AS won, {whole("SUM(sits)")} AS still_open,
                    0 AS stays, 0.0 AS stay_days, NULL AS median, 0 AS left_forward, 0 AS followups
                FROM (
                    -- One row per deal, stage and period: a deal that entered the stage twice in
                    -- the period counts once (METRICS.md). Only a deal that entered the stage
                    -- more than once can repeat, so only its rows are grouped per deal first.
                    SELECT h.rep_id AS rep_id, c.period_kind AS period_kind, c.period_start AS period_start,
                        h.stage_id AS stage_id, {entry_flags}
                    FROM h JOIN {cal} c ON c.day = h.day
                    WHERE h.entries = 1 AND {k_h}
                    UNION ALL
                    SELECT h.rep_id, c.period_kind, c.period_start, h.stage_id,
                        {repeat_flags}
                    FROM h JOIN {cal} c ON c.day = h.day
                    WHERE h.entries > 1 AND {k_h}
                    GROUP BY h.deal_id, h.rep_id, c.period_kind, c.period_start, h.stage_id
                ) e
                GROUP BY rep_id, period_kind, period_start, stage_id
                UNION ALL
                SELECT rep_id, period_kind, period_start, stage_id, 0, 0, 0, 0, 0, {whole("COUNT(*)")}, SUM(days),
                    {median}, {whole("SUM(forward_once)")}, 0
                FROM {stays}
                GROUP BY rep_id, period_kind, period_start, stage_id
                UNION ALL
                -- A deal that left the stage forward twice in the period counts once.
                SELECT rep_id, period_kind, period_start, stage_id, 0, 0, 0, 0, 0, 0, 0.0, NULL, {whole("COUNT(*)")}, 0
                FROM (
                    SELECT DISTINCT h.rep_id, c.period_kind, c.period_start, h.stage_id, h.deal_id
                    FROM h JOIN {cal} c ON c.day = h.next_day
                    WHERE h.entries > 1 AND h.forward = 1 AND {k_s}
                ) r
                GROUP BY rep_id, period_kind, period_start, stage_id
                UNION ALL
                SELECT a.rep_id, c.period_kind, c.period_start, a.stage_id, 0, 0, 0, 0, 0, 0, 0.0, NULL, 0,
                    {whole("SUM(a.n)")}
                FROM (
                    -- Days first: the calendar join then sees one row per rep, day and stage.
                    SELECT a.owner_id AS rep_id, a.day AS day, a.deal_stage_id AS stage_id, {whole("COUNT(*)")} AS n
                    FROM {ACT} a
                    WHERE a.deal_id IS NOT NULL AND a.deal_stage_id IS NOT NULL AND {reps_a} {days}
                    GROUP BY a.owner_id, a.day, a.deal_stage_id
                ) a JOIN {cal} c ON c.day = a.day
                WHERE {k_a}
                GROUP BY a.rep_id, c.period_kind, c.period_start, a.stage_id
            ) u
            GROUP BY rep_id, period_kind, period_start, stage_id"""
        return sql, []

    def delete(self, f):
        where = f.periods.format(rep="t.rep_id")
        table = self.model._meta.db_table
        return (
            f"DELETE FROM {table} WHERE id IN (SELECT t.id FROM {table} t JOIN {CAL} c "
            f"ON c.period_kind = t.period_kind AND c.period_start = t.period_start AND c.day = t.period_start "
            f"WHERE {where})",
            [],
        )


class AttainmentTable(Table):
    model = Attainment
    key = ("quota_id",)
    values = ("achieved", "target", "attainment", "stretch_attainment")
    # A few quotas' days are best looked up in the closed deals' index; every quota's days
    # (670 k at 250 reps x 3 years) are hashed against the closed deals instead (1.0 -> 0.56 s).
    rebuild_settings = ("enable_nestloop = off",)

    def select(self, f):
        q_outer = f.quotas.format(q="q")
        q_inner = f.quotas.format(q="q2")
        closed = ClosedDay._meta.db_table
        # `* 1.0` keeps the division exact on PostgreSQL (numeric) and out of integer
        # division on SQLite, which stores whole decimals as integers; rounded to the
        # stored four decimals, so a fresh recompute equals the stored row.
        sql = f"""
            SELECT q.id, COALESCE(x.achieved, 0), q.target,
                CASE WHEN q.target > 0 THEN ROUND(COALESCE(x.achieved, 0) * 1.0 / q.target, 4) END,
                CASE WHEN q.target > 0
                    THEN ROUND(COALESCE(x.achieved, 0) * 100.0 / (q.target * q.stretch_percent), 4) END
            FROM {QUOTA} q LEFT JOIN (
                SELECT m.quota_id AS quota_id,
                    SUM(CASE m.measure WHEN 'revenue' THEN cl.amount WHEN 'won_deals' THEN cl.deals
                        ELSE cl.units END) AS achieved
                FROM (
                    SELECT q2.id AS quota_id, q2.rep_id AS member_id, q2.period_kind AS period_kind,
                        q2.period_start AS period_start, q2.measure AS measure
                    FROM {QUOTA} q2 WHERE q2.rep_id IS NOT NULL AND {q_inner}
                    UNION ALL
                    SELECT q2.id, u.id, q2.period_kind, q2.period_start, q2.measure
                    FROM {QUOTA} q2 JOIN {USER} u ON u.team_id = q2.team_id WHERE {q_inner}
                ) m
                JOIN {CAL} c ON c.period_kind = m.period_kind AND c.period_start = m.period_start
                JOIN {closed} cl ON cl.rep_id = m.member_id AND cl.day = c.day AND cl.won = TRUE
                GROUP BY m.quota_id
            ) x ON x.quota_id = q.id
            WHERE {q_outer}"""
        return sql, []

    def delete(self, f):
        where = f.quotas.format(q="q")
        table = self.model._meta.db_table
        return f"DELETE FROM {table} WHERE quota_id IN (SELECT q.id FROM {QUOTA} q WHERE {where})", []


ACTIVITY, CLOSED, STAGES, ATTAINMENT = ActivityTable(), ClosedTable(), StageTable(), AttainmentTable()
TABLES: tuple[Table, ...] = (ACTIVITY, CLOSED, STAGES, ATTAINMENT)


# --- running the statements -------------------------------------------------------------


def _run(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _write(table: Table, f: Filter, now) -> None:
    """Recompute ``table``'s rows for the keys of ``f``: delete them, insert them afresh."""
    # Two refreshes never meet on a key: each holds the locks of its reps and teams
    # (a team quota is its team's), and a rebuild holds them all.
    _run(*table.delete(f))
    _insert(table, f, now)


def _insert(table: Table, f: Filter, now, *, into: str | None = None) -> None:
    """Insert ``table``'s rows for the keys of ``f`` into the table, or into its copy ``into``."""
    select, params = table.select(f)
    columns = ", ".join((*table.columns, "computed_at"))
    # In key order: the key's index (and the heap) are then written left to right, page after
    # page, instead of at random places; a rebuild writes them several times faster. A copy
    # has no index yet: its indexes are built, sorted, once it is full.
    order = "" if into else " ORDER BY " + ", ".join(str(n) for n in range(1, len(table.key) + 1))
    name = into or table.model._meta.db_table
    _run(f"INSERT INTO {name} ({columns}) SELECT s.*, %s FROM ({select}) s{order}", [now, *params])


def _lock(namespace: int, ids) -> None:
    """Transaction-scoped advisory locks on ``ids``, taken in id order (PostgreSQL;
    SQLite has one writer at a time already)."""
    ids = sorted({int(pk) for pk in ids if pk is not None})
    if connection.vendor != "postgresql" or not ids:
        return
    _run("SELECT pg_advisory_xact_lock(%s, k) FROM unnest(%s::int[]) AS k", [namespace, ids])


def _lock_everything(*, held: bool, table: Table | None = None) -> None:
    """A rebuild step's lock: it waits for running refreshes and holds new ones off (unless
    the rebuild already ``held`` it for all its steps). It also gives the transaction the
    memory to group whole tables, no JIT, and then ``table``'s own settings (which may
    change either)."""
    if connection.vendor == "postgresql":
        if not held:
            _run("SELECT pg_advisory_xact_lock(%s, 0)", [LOCK_ALL])
        _run("SET LOCAL work_mem = '128MB'", [])
        # Compiling a statement this big (150 functions) took longer than it saved: a stage
        # part spent 1.3 s in JIT and ran 0.8 s slower with it.
        _run("SET LOCAL jit = off", [])
        for setting in table.rebuild_settings if table else ():
            _run(f"SET LOCAL {setting}", [])


def _lock_reps_and_teams(rep_ids, team_ids=()) -> None:
    """A refresh's locks: shared with other refreshes, exclusive of a rebuild; then
    one per rep and per team, so no two refreshes work on the same key at once."""
    if connection.vendor == "postgresql":
        _run("SELECT pg_advisory_xact_lock_shared(%s, 0)", [LOCK_ALL])
    rep_ids = list(rep_ids)
    teams = set(User.objects.filter(pk__in=rep_ids, team__isnull=False).values_list("team_id", flat=True))
    _lock(LOCK_REPS, rep_ids)
    _lock(LOCK_TEAMS, teams | set(team_ids))


# --- drain: the dirty keys only ---------------------------------------------------------


def _claim(token: str, marks, *, limit: int | None = None) -> list[int]:
    """Claim up to ``limit`` of ``marks`` that no one else holds and that are due; their ids."""
    ids = list(
        marks.select_for_update(skip_locked=True)
        .ready()
        .filter(claim__isnull=True)
        .exclude(scope=Scope.ALL)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        DirtyMark.objects.filter(pk__in=ids).update(claim=token)
    return ids


def _refresh_claimed(token: str) -> None:
    claimed = list(DirtyMark.objects.filter(claim=token).values_list("scope", "rep_id", "day", "quota_id"))
    activity_keys = {(rep, day) for scope, rep, day, _ in claimed if scope == Scope.ACTIVITY}
    pipeline_keys = {(rep, day) for scope, rep, day, _ in claimed if scope == Scope.PIPELINE}
    quota_ids = {quota for scope, _, _, quota in claimed if scope == Scope.QUOTA}
    quotas = list(Quota.objects.filter(pk__in=quota_ids).values_list("rep_id", "team_id", "period_start"))
    _lock_reps_and_teams(
        {rep for rep, _ in activity_keys | pipeline_keys} | {rep for rep, _, _ in quotas if rep},
        {team for _, team, _ in quotas if team},
    )
    days = [day for _, day in activity_keys | pipeline_keys] + [start for _, _, start in quotas]
    if days:
        calendar_ensure(min(days), max(days))
    f = _claimed_filter(activity_keys, pipeline_keys, quota_ids)
    now = timezone.now()
    if activity_keys:
        _write(ACTIVITY, f, now)
    if pipeline_keys:
        _write(CLOSED, f, now)
        _write(STAGES, f, now)
    if pipeline_keys or quota_ids:
        _write(ATTAINMENT, f, now)
    # Last, so the version rows are held only for the commit: the pages' cached figures
    # of these reps (of everyone, for a quota: a team's total shows its team quota) expire.
    figure_cache.bump({rep for rep, _ in activity_keys | pipeline_keys})
    if quota_ids:
        figure_cache.bump_organisation()


def drain(*, batch: int = BATCH) -> int:
    """Recompute the rows of every key marked dirty so far; returns how many marks it cleared.

    Marks written while it runs are left for the next drain (each writer
    enqueues one after its commit). A mark asking for everything runs a rebuild.
    A key whose refresh fails is set aside (``_refresh_apart``): the other keys of its
    batch are refreshed and cleared, the failing one waits for a later drain.
    """
    up_to = DirtyMark.objects.aggregate(last=Max("pk"))["last"]
    if up_to is None:
        return 0
    everything = list(DirtyMark.objects.ready().filter(scope=Scope.ALL, pk__lte=up_to).values_list("pk", flat=True))
    if everything:
        try:
            rebuild()
            return 1
        except Exception as error:
            if _transient(error):
                raise
            _set_aside(everything, error)
    marks = DirtyMark.objects.filter(pk__lte=up_to)
    cleared = 0
    while True:
        ids: list[int] = []
        try:
            with transaction.atomic():
                token = uuid4().hex
                ids = _claim(token, marks, limit=batch)
                if not ids:
                    return cleared
                _refresh_claimed(token)
                DirtyMark.objects.filter(claim=token).delete()
            cleared += len(ids)
        except Exception as error:
            if not ids or _transient(error):
                raise
            cleared += _refresh_apart(ids, error)


def _transient(error: Exception) -> bool:
    """A lost connection, a deadlock or a lock timeout: the task retries the whole drain later
    (its marks are still there), rather than taking the keys for poison ones."""
    return isinstance(error, OperationalError | InterfaceError)


def _refresh_apart(ids: list[int], error: Exception) -> int:
    """Refresh the keys of a failed batch in halves, each in its own transaction, halving again
    the parts that fail, down to the failing keys, which are set aside; how many marks it
    cleared. Runs only after a batch failed: a normal drain never pays for it."""
    keys: dict[tuple, list[int]] = {}
    for pk, *key in DirtyMark.objects.filter(pk__in=ids).values_list("pk", "scope", "rep_id", "day", "quota_id"):
        keys.setdefault(tuple(key), []).append(pk)
    parts, cleared = [(list(keys.values()), error)], 0
    while parts:
        groups, failure = parts.pop()
        if len(groups) == 1:
            _set_aside(groups[0], failure)
            continue
        for half in (groups[: len(groups) // 2], groups[len(groups) // 2 :]):
            try:
                with transaction.atomic():
                    token = uuid4().hex
                    claimed = _claim(token, DirtyMark.objects.filter(pk__in=[pk for group in half for pk in group]))
                    if claimed:
                        _refresh_claimed(token)
                        DirtyMark.objects.filter(claim=token).delete()
                cleared += len(claimed)
            except Exception as half_error:
                if _transient(half_error):
                    raise
                parts.append((half, half_error))
    return cleared


def _set_aside(ids: list[int], error: Exception) -> None:
    """Record a failed refresh on the marks of one key: the ordinary drains skip them until a
    backoff has passed; logged once per failure, with the key, and listed to admins."""
    marks = DirtyMark.objects.filter(pk__in=ids)
    mark = marks.order_by("-attempts").first()
    if mark is None:  # cleared meanwhile by a rebuild
        return
    attempts = mark.attempts + 1
    now = timezone.now()
    retry_at = now + min(RETRY_FIRST * 2 ** (attempts - 1), RETRY_MAX)
    marks.update(
        claim=None, attempts=attempts, failed_at=now, retry_at=retry_at, error=f"{type(error).__name__}: {error}"[:2000]
    )
    key = [f"{name} {value}" for name, value in (("rep", mark.rep_id), ("day", mark.day), ("quota", mark.quota_id))]
    logger.error(
        "Rollup refresh failed for the %s key (%s), attempt %d; set aside until %s.",
        mark.scope,
        ", ".join(part for part in key if not part.endswith(" None")) or "everything",
        attempts,
        retry_at.isoformat(timespec="seconds"),
        exc_info=error,
    )


# --- rebuild and verify: everything -----------------------------------------------------


def _rep_chunks(size: int) -> list[list[int]]:
    ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
    return [ids[i : i + size] for i in range(0, len(ids), size)] or [[]]


def rebuild(*, progress: Callable[[int, int], None] | None = None) -> None:
    """Recompute every dashboard table from scratch: the calendar, then each table.

    On PostgreSQL, outside a transaction (``_rebuild_apart``), the activity, stage and
    closed-deal tables are written into copies by two connections at once, each part
    of them (a table for some reps) in its own transaction, indexed once full, and
    swapped in together in one short transaction; the pages read the old tables until
    then. Elsewhere (SQLite; the tests' transactions) each table is rewritten in place
    with one ``DELETE`` and one ``INSERT ... SELECT ... GROUP BY`` in its own
    transaction (readers keep seeing the old rows until it commits). The attainment
    table, which reads the closed deals' table, comes last, in place. Refreshes wait
    for the whole rebuild (``_rebuild_lock``).

    ``progress(done, total)`` is called after each step. Marks written before it
    started are covered by it and deleted at the end.
    """
    # The marks committed before it starts: their writes are in every table it reads.
    # A mark with a lower id can still commit later (ids are taken at insert, not at
    # commit), so the end deletes these ids only, never "every id up to".
    covered = list(DirtyMark.objects.values_list("pk", flat=True))
    with _rebuild_lock() as apart:
        # Apart: each part filled, each copy indexed, the swap, the attainment table.
        steps = sum(COPIED.values()) + len(COPIED) + 2 if apart else len(TABLES)
        tick = _progress(progress, 1 + steps)
        if apart:
            _rebuild_apart(tick)
        else:
            for table in (None, *TABLES):  # the calendar first
                _rebuild_step(table, held=False)
                tick()
    for start in range(0, len(covered), BATCH):
        DirtyMark.objects.filter(pk__in=covered[start : start + BATCH]).delete()
    _vacuum([table for table in TABLES if table not in COPIED])  # the copies were vacuumed before the swap


def _progress(progress: Callable[[int, int], None] | None, total: int) -> Callable[[], None]:
    """A thread-safe ``tick()`` that reports one more step of ``total`` done."""
    done, counting = [0], threading.Lock()

    def tick() -> None:
        if progress:
            with counting:
                done[0] += 1
                progress(done[0], total)

    return tick


def _rebuild_step(table: Table | None, *, held: bool) -> None:
    """Recompute the calendar (``None``) or one whole table in place, in one transaction."""
    with transaction.atomic():
        _lock_everything(held=held, table=table)
        if table is None:
            calendar_reset()
        else:
            _run(f"DELETE FROM {table.model._meta.db_table}", [])
            _write(table, _everything(), timezone.now())
        figure_cache.bump_organisation()


# The tables a rebuild on PostgreSQL writes into copies and swaps in: the big ones, which
# no foreign key points from or to (dropping one drops nothing else). Each is written in
# ``parts`` transactions, a share of the reps each, so that two connections finish together.
COPIED: dict[Table, int] = {STAGES: 2, ACTIVITY: 2, CLOSED: 1}
REBUILD_CONNECTIONS = 2  # this one and another: one INSERT ... SELECT runs on one core
SWAP_ATTEMPTS, SWAP_LOCK_TIMEOUT = 30, "2s"  # the swap waits for the readers at most a minute or so
LOCK_NOT_AVAILABLE = "55P03"


def _rebuild_parts() -> list[tuple[Table, Filter]]:
    """(table, filter) for every part of the copied tables, the slowest tables first."""
    ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
    return [
        (table, _rep_chunk(ids[part::parts]) if parts > 1 else _everything())
        for table, parts in COPIED.items()
        for part in range(parts)
    ]


def _rebuild_apart(tick: Callable[[], None]) -> None:
    """Fill a copy of each ``COPIED`` table, index it, swap them all in at once; then the
    attainment table in place. Copies are dropped if anything fails: the live tables
    are untouched until the swap."""
    copies = {table: _Copy(table.model) for table in COPIED}
    try:
        for copy in copies.values():
            copy.create()

        def fill(table: Table, f: Filter) -> None:
            with transaction.atomic():
                _lock_everything(held=True, table=table)
                _insert(table, f, timezone.now(), into=copies[table].copy)
            tick()

        def calendar() -> None:
            _rebuild_step(None, held=True)
            tick()

        def index(table: Table) -> None:
            copies[table].index()
            tick()

        # Each connection takes the first job whose jobs before it are done: the stage parts
        # wait for the calendar (an activity part starts meanwhile), a table's indexes for
        # its own parts only. The parts of the tables written in more than one come first,
        # the slowest first, then their indexes, the biggest first; the closed deals (one
        # part, 0.6 s) last, beside the big tables' indexes.
        jobs: dict[Table | None, list[_Job]] = {None: [_Job(calendar)]}
        for table, f in _rebuild_parts():
            after = tuple(jobs[None]) if table.reads_calendar else ()
            jobs.setdefault(table, []).append(_Job(lambda t=table, f=f: fill(t, f), after=after))
        indexes = {table: _Job(lambda t=table: index(t), after=tuple(jobs[table])) for table in COPIED}
        parted = [table for table in COPIED if COPIED[table] > 1]
        whole = [table for table in COPIED if COPIED[table] == 1]
        _on_rebuild_connections(
            [
                *jobs[None],
                *chain.from_iterable(jobs[table] for table in parted),
                *(indexes[table] for table in sorted(parted, key=lambda t: -copies[t].index_size())),
                *chain.from_iterable((*jobs[table], indexes[table]) for table in whole),
            ]
        )
        _Copy.swap(list(copies.values()))
        tick()
    finally:
        for copy in copies.values():
            copy.drop()
    _rebuild_step(ATTAINMENT, held=True)
    tick()


class _Copy:
    """An empty copy of a table's columns (PostgreSQL), filled while the pages still read the
    table, then indexed as the table is and swapped in under the table's name, with its
    index, constraint and sequence names: to Django and its migrations, the same table."""

    def __init__(self, model: type):
        self.name, self.pk = model._meta.db_table, model._meta.pk.column
        self.copy = f"{self.name}__rebuild"

    def create(self) -> None:
        """The copy, with the table's columns, defaults, checks and grants (a reporting role
        given read access keeps it)."""
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.copy}")  # left by a rebuild that died
            cursor.execute(
                f"CREATE TABLE {self.copy} (LIKE {self.name} INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
                " INCLUDING IDENTITY INCLUDING STORAGE)"
            )
            # Ids taken a thousand at a time while it fills (1.4 M one by one: 0.2 s); the swap
            # puts the table's own setting back.
            cursor.execute(f"ALTER TABLE {self.copy} ALTER COLUMN {self.pk} SET CACHE 1000")
            cursor.execute(
                "SELECT a.privilege_type, COALESCE(quote_ident(r.rolname), 'PUBLIC'), a.is_grantable"
                " FROM pg_class t, aclexplode(t.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee"
                " WHERE t.oid = %s::regclass AND a.grantee <> t.relowner",
                [self.name],
            )
            for privilege, grantee, grantable in cursor.fetchall():
                option = " WITH GRANT OPTION" if grantable else ""
                cursor.execute(f"GRANT {privilege} ON {self.copy} TO {grantee}{option}")

    def _indexes(self) -> list[tuple[str, str, bool]]:
        """(name, definition, is a constraint) of every index of the table."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.relname, COALESCE(pg_get_constraintdef(c.oid), pg_get_indexdef(i.oid)), c.oid IS NOT NULL"
                " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
                " LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid"
                " WHERE x.indrelid = %s::regclass ORDER BY i.relname",
                [self.name],
            )
            return cursor.fetchall()

    @staticmethod
    def _temporary(name: str) -> str:
        return f"{name[:54]}__rebuild"

    def index_size(self) -> int:
        """The bytes of the table's indexes (how long the copy's take to build)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_indexes_size(%s::regclass)", [self.name])
            return cursor.fetchone()[0]

    def index(self) -> None:
        """Build the table's indexes on the full copy (one sort each, in parallel workers where
        PostgreSQL has them), then vacuum it: the pages read it by index-only scans at once."""
        with connection.cursor() as cursor:
            for name, definition, constraint in self._indexes():
                temporary = self._temporary(name)
                if constraint:
                    cursor.execute(f"ALTER TABLE {self.copy} ADD CONSTRAINT {temporary} {definition}")
                else:
                    unique = "UNIQUE " if definition.startswith("CREATE UNIQUE") else ""
                    method = definition.split(" USING ", 1)[1]
                    cursor.execute(f"CREATE {unique}INDEX {temporary} ON {self.copy} USING {method}")
            cursor.execute(f"VACUUM (ANALYZE) {self.copy}")

    @classmethod
    def swap(cls, copies: list[_Copy]) -> None:
        """Replace each table by its copy, all in one transaction: the pages see every new
        table at once. It waits for the pages reading a table (seconds at most); the pages
        that start meanwhile wait for it (milliseconds)."""
        for attempt in range(SWAP_ATTEMPTS):
            try:
                with transaction.atomic():
                    cls._swap(copies)
                return
            except OperationalError as error:
                if getattr(error.__cause__, "pgcode", None) != LOCK_NOT_AVAILABLE or attempt == SWAP_ATTEMPTS - 1:
                    raise
                time.sleep(1)

    @classmethod
    def _swap(cls, copies: list[_Copy]) -> None:
        with connection.cursor() as cursor:
            # A long reader (a backup, say) must not make the pages queue behind this lock:
            # it gives up after a moment and tries again (``swap``).
            cursor.execute(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
            names = ", ".join(copy.name for copy in copies)
            cursor.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
            for copy in copies:
                indexes = copy._indexes()
                cursor.execute(
                    "SELECT pg_get_serial_sequence(%s, %s), pg_get_serial_sequence(%s, %s)",
                    [copy.name, copy.pk, copy.copy, copy.pk],
                )
                sequence, new_sequence = cursor.fetchone()
                cursor.execute("SELECT seqcache FROM pg_sequence WHERE seqrelid = %s::regclass", [sequence])
                cursor.execute(f"ALTER SEQUENCE {new_sequence} CACHE {cursor.fetchone()[0]}")
                cursor.execute(f"DROP TABLE {copy.name}")
                cursor.execute(f"ALTER TABLE {copy.copy} RENAME TO {copy.name}")
                for name, _definition, constraint in indexes:
                    if constraint:
                        cursor.execute(f"ALTER TABLE {copy.name} RENAME CONSTRAINT {cls._temporary(name)} TO {name}")
                    else:
                        cursor.execute(f"ALTER INDEX {cls._temporary(name)} RENAME TO {name}")
                cursor.execute(f"ALTER SEQUENCE {new_sequence} RENAME TO {sequence.split('.')[-1]}")
            figure_cache.bump_organisation()

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.copy}")


@dataclass(eq=False)
class _Job:
    """A step of a rebuild, to run once every job in ``after`` is done."""

    run: Callable[[], None]
    after: tuple[_Job, ...] = ()


def _on_rebuild_connections(jobs: list[_Job]) -> None:
    """Run ``jobs`` on this connection and one more (``REBUILD_CONNECTIONS``): as soon as it is
    done with one, each takes the first of ``jobs`` whose ``after`` jobs are done (waiting
    while none is); the first error stops both and is raised."""
    pending, done, running, failed = list(jobs), set(), [0], []
    changed = threading.Condition()

    def take() -> _Job | None:
        with changed:
            while pending and not failed:
                job = next((job for job in pending if done.issuperset(job.after)), None)
                if job:
                    pending.remove(job)
                    running[0] += 1
                    return job
                if not running[0]:  # nothing running could make a job ready
                    failed.append(None)
                    changed.notify_all()
                    raise RuntimeError("rebuild jobs wait for jobs that are not there")
                changed.wait()
            return None

    def work() -> None:
        while job := take():
            try:
                job.run()
            except BaseException:
                with changed:
                    failed.append(job)
                    changed.notify_all()
                raise
            with changed:
                done.add(job)
                running[0] -= 1
                changed.notify_all()

    with ThreadPoolExecutor(max_workers=REBUILD_CONNECTIONS - 1) as pool:
        others = [pool.submit(_on_own_connection, work) for _ in range(REBUILD_CONNECTIONS - 1)]
        try:
            work()
        finally:
            errors = [other.exception() for other in others]
        for error in errors:
            if error:
                raise error


@contextmanager
def _rebuild_lock() -> Iterator[bool]:
    """Hold refreshes off for a whole rebuild; yields whether its tables can be rebuilt on
    two connections at once.

    PostgreSQL, outside a transaction: a session-level advisory lock on this connection,
    exclusive of every refresh's shared one (it waits for the running ones), released at
    the end even on an error; a second connection then needs no lock of its own. Inside
    a transaction (the tests), a second connection would not see its rows: one
    connection, each step under its transaction's lock (``_lock_everything``), as on
    SQLite, which has one writer at a time."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield False
        return
    _run("SELECT pg_advisory_lock(%s, 0)", [LOCK_ALL])
    try:
        yield True
    finally:
        _run("SELECT pg_advisory_unlock(%s, 0)", [LOCK_ALL])


def _on_own_connection(function: Callable, *args, **kwargs) -> None:
    """``function(*args, **kwargs)`` in a pool thread, on that thread's own database
    connection, closed afterwards."""
    try:
        function(*args, **kwargs)
    finally:
        connections.close_all()


def _vacuum(tables) -> None:
    """PostgreSQL, outside any transaction: ``VACUUM (ANALYZE)`` the rewritten tables, so that
    the pages read them by index-only scans at once (a row written since the last vacuum is
    read from the heap too) and the planner knows their new sizes. Autovacuum would get there,
    but later. Inside a transaction (the tests) it is left to autovacuum."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {table.model._meta.db_table}")


def _normalise(value):
    if isinstance(value, float | Decimal):
        return float(value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        return date.fromisoformat(value)
    if isinstance(value, bool):
        return int(value)
    return value


def _same(want: tuple | None, have: tuple | None) -> bool:
    """Two rows of values agree; figures in days (floats) to a millionth of a day, as stored
    figures and a fresh recompute may round the same stays differently in the last bits."""
    if want is None or have is None:
        return want is have
    return len(want) == len(have) and all(
        math.isclose(a, b, rel_tol=0, abs_tol=1e-6) if isinstance(a, float) and isinstance(b, float) else a == b
        for a, b in zip(want, have, strict=True)
    )


def _rows(sql: str, params: list, width: int) -> dict[tuple, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [tuple(_normalise(v) for v in row) for row in cursor.fetchall()]
    return {row[:width]: row[width:] for row in rows}


def verify(*, chunk: int = VERIFY_CHUNK) -> list[str]:
    """Every difference between the stored dashboard rows and a fresh recompute,
    as readable lines; empty when they agree. Reads only; writes nothing."""
    differences: list[str] = []
    chunks = [(_rep_chunk(ids), ids) for ids in _rep_chunks(chunk)] + [(_everything(), None)]
    for f, rep_ids in chunks:
        tables = (ACTIVITY, CLOSED, STAGES) if rep_ids is not None else (ATTAINMENT,)
        for table in tables:
            select, params = table.select(f)
            fresh = _rows(select, params, len(table.key))
            stored_sql = f"SELECT {', '.join(table.columns)} FROM {table.model._meta.db_table}"
            if rep_ids is not None:
                stored_sql += f" WHERE rep_id IN ({', '.join(str(pk) for pk in rep_ids) or 'NULL'})"
            stored = _rows(stored_sql, [], len(table.key))
            name = table.model.__name__
            for key in sorted(fresh.keys() | stored.keys(), key=repr):
                want, have = fresh.get(key), stored.get(key)
                if not _same(want, have):
                    differences.append(
                        f"{name} {dict(zip(table.key, key, strict=True))}: stored {have}, expected {want}"
                    )
    return differences
