"""The weekly forecast snapshots: rep x week x target period (month, fiscal quarter) x category,
as changes (``ForecastWeek``).

Each ``DealChange`` row adds the deal as it left it, for its owner, in the target period of its
expected close date, and takes away the deal as the row before it left it (``LAG`` over the
deal's history: maybe another owner, another period, another category), both in the week of the
row's own day. Open deals with an expected close date only: a closed deal is in no category. So
a (rep, week) key depends only on the rows dated in that week, and the (rep, day) marks of the
rows' owners and their previous owners (``dashboards/receivers.py``) name every key to recompute.
"""

from datetime import timedelta

from django.db import connection

from pipeline.models import DealChange, StageKind

from ...models import FORECAST_WEEK_VALUES, ForecastWeek
from ..calendar import fiscal_start_month
from ..sql import CAL, STAGE, Filter
from .base import Table, delete_periods

DEAL_CHANGE = DealChange._meta.db_table
CHANGED = "(n <> 0 OR amount <> 0 OR weighted <> 0)"


def _period_start(kind: str, day: str, fiscal_start: int) -> str:
    """SQL: the first day of the month, or of the fiscal quarter, holding the date ``day``. Not
    the calendar: an expected close date may lie years past every day it covers."""
    # Months since the quarter began: v mod 3 as v - 3 * (v / 3) in integers ("%" would be a
    # parameter placeholder to the PostgreSQL driver).
    months_in = f"(CAST({{month}} AS INTEGER) - {int(fiscal_start)} + 12)"
    shift = f"({months_in} - 3 * ({months_in} / 3))"
    if connection.vendor == "postgresql":
        month = f"CAST(date_trunc('month', {day}) AS date)"
        if kind == "month":
            return month
        months = shift.format(month=f"EXTRACT(MONTH FROM {day})")
        return f"CAST({month} - make_interval(months => {months}) AS date)"
    if kind == "month":
        return f"date({day}, 'start of month')"
    # The month from the ISO text SQLite stores a date as (no strftime: its "%" breaks the
    # statement's logging with DEBUG on).
    months = shift.format(month=f"substr({day}, 6, 2)")
    return f"date({day}, 'start of month', '-' || {months} || ' months')"


def _changed_in(f: Filter) -> str:
    """SQL: of a refresh's deals, only those with a change in its weeks (a week's rows come from
    the changes dated in it), so a deal move reads a few deals' history, not all the rep's. Found
    by the indexed moment, a day either side of the weeks' local days (no zone is further off
    UTC): a probe per deal of the reps, where the days themselves made PostgreSQL read the whole
    organisation's week first (bench/RESULTS.md)."""
    if not f.weeks:
        return ""
    first, last = f.weeks
    after, before = (first - timedelta(days=1)).isoformat(), (last + timedelta(days=2)).isoformat()
    moment = "TIMESTAMP WITH TIME ZONE '{} 00:00:00+00'" if connection.vendor == "postgresql" else "'{}'"
    return f"""
                    AND EXISTS (SELECT 1 FROM {DEAL_CHANGE} y WHERE y.deal_id = dc.deal_id
                        AND y.changed_at >= {moment.format(after)} AND y.changed_at < {moment.format(before)})"""


class ForecastTable(Table):
    model = ForecastWeek
    reads_calendar = True  # the week of a change's day
    key = ("rep_id", "week_start", "period_kind", "period_start", "category")
    values = FORECAST_WEEK_VALUES

    def select(self, f: Filter):
        fiscal_start = fiscal_start_month()
        reps = f.reps.format(rep="x.owner_id")
        open_ = StageKind.OPEN
        sql = f"""
            WITH h AS (
                SELECT dc.owner_id AS owner_id, dc.day AS day, st.kind AS kind, dc.expected_close_date AS close_on,
                    dc.forecast_category AS category, dc.amount AS amount, dc.probability AS probability,
                    LAG(dc.owner_id) OVER w AS p_owner, LAG(st.kind) OVER w AS p_kind,
                    LAG(dc.expected_close_date) OVER w AS p_close, LAG(dc.forecast_category) OVER w AS p_category,
                    LAG(dc.amount) OVER w AS p_amount, LAG(dc.probability) OVER w AS p_probability
                FROM {DEAL_CHANGE} dc JOIN {STAGE} st ON st.id = dc.stage_id
                -- The whole history of the deals one of the reps ever owned (the row before may be
                -- another owner's), of those changed in the refresh's weeks.
                WHERE dc.deal_id IN (SELECT x.deal_id FROM {DEAL_CHANGE} x WHERE {reps}){_changed_in(f)}
                WINDOW w AS (PARTITION BY dc.deal_id ORDER BY dc.changed_at, dc.id)
            ),
            terms AS (
                SELECT owner_id AS rep_id, day, close_on, category, 1 AS n, amount,
                    amount * probability / 100.0 AS weighted
                FROM h WHERE kind = '{open_}' AND close_on IS NOT NULL
                UNION ALL
                SELECT p_owner, day, p_close, p_category, -1, -p_amount, -(p_amount * p_probability / 100.0)
                FROM h WHERE p_kind = '{open_}' AND p_close IS NOT NULL
            ),
            -- Each week's change per close month first; a quarter's rows then add up its months'
            -- (a third of the rows to group again, not the changes themselves).
            months AS (
                SELECT t.rep_id AS rep_id, c.period_start AS week_start,
                    {_period_start("month", "t.close_on", fiscal_start)} AS period_start, t.category AS category,
                    CAST(SUM(t.n) AS INTEGER) AS n, SUM(t.amount) AS amount, SUM(t.weighted) AS weighted
                FROM terms t JOIN {CAL} c ON c.day = t.day AND c.period_kind = 'week'
                WHERE {f.periods.format(rep="t.rep_id")}
                GROUP BY t.rep_id, c.period_start, {_period_start("month", "t.close_on", fiscal_start)}, t.category
            )
            -- A week that moved a deal and moved it back changed nothing: no row.
            SELECT rep_id, week_start, 'month', period_start, category, n, amount, weighted
            FROM months WHERE {CHANGED}
            UNION ALL
            SELECT rep_id, week_start, 'quarter', {_period_start("quarter", "period_start", fiscal_start)}, category,
                CAST(SUM(n) AS INTEGER), SUM(amount), SUM(weighted)
            FROM months
            GROUP BY rep_id, week_start, {_period_start("quarter", "period_start", fiscal_start)}, category
            HAVING SUM(n) <> 0 OR SUM(amount) <> 0 OR SUM(weighted) <> 0"""
        return sql, []

    def delete(self, f: Filter):
        return delete_periods(self, f, kind="'week'", start="week_start")
