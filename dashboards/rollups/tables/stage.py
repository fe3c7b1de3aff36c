"""The stage flow: rep x period (week, month, fiscal quarter, fiscal year) x stage.

Its statement is built from named parts: the calendar it joins (``_calendar``), every history
row with its window values (``_history``) and its figures (``_history_cte``), the completed
stays (``_stays_cte``) and their median (``_median``), then the four sets of figures it adds
up: entries (``_entries``), stays (``_stay_figures``), deals that left forward
(``_left_forward``) and follow-ups (``_followups``, against the stage their deal held then: ``_held_cte``).
"""

from django.db import connection

from pipeline.models import StageKind

from ...models import STAGE_ROLLUP_VALUES, StageRollup
from ..sql import ACT, CAL, CHANGE, DEAL, STAGE, Filter, days_between
from .base import Table, delete_periods

WON_RANK = 1_000_000_000  # above every stage order: a deal's rank once it was won


class StageTable(Table):
    model = StageRollup
    reads_calendar = True
    key = ("rep_id", "period_kind", "period_start", "stage_id")
    values = STAGE_ROLLUP_VALUES
    # Less memory than the other tables' rebuilds: its groupings and sorts run faster in batches
    # that fit the CPU's cache, spilling to files the page cache holds, than in one big table
    # each. And hash joins: misjudging how many history rows a filter keeps, PostgreSQL sorted
    # them by day to merge them with the calendar, where hashing the small calendar streams them.
    rebuild_settings = ("work_mem = '32MB'", "enable_mergejoin = off")

    def select(self, f):
        cal_cte, cal = _calendar(f)
        ranked, stays, median = _median()
        sql = f"""
            WITH {cal_cte}
            {_history_cte(f)}{_held_cte(f)},
            {_stays_cte(f, cal)}{ranked}
            SELECT rep_id, period_kind, period_start, stage_id, SUM(entered), SUM(advanced), SUM(lost), SUM(won),
                SUM(still_open), SUM(stays), SUM(stay_days), MAX(median), SUM(left_forward), SUM(followups)
            FROM ({_entries(f, cal)}
                UNION ALL{_stay_figures(stays, median)}
                UNION ALL{_left_forward(f, cal)}
                UNION ALL{_followups(f, cal)}
            ) u
            GROUP BY rep_id, period_kind, period_start, stage_id"""
        return sql, []

    def delete(self, f):
        return delete_periods(self, f, kind="period_kind", start="period_start")


def _whole(count: str) -> str:
    # Counts as int4 (PostgreSQL's COUNT and SUM of int4 answer int8), so that the
    # final SUMs add machine integers instead of numerics.
    return f"CAST({count} AS INTEGER)"


def _span(f: Filter) -> str | None:
    """``BETWEEN`` the first and last day of the filter's periods, on PostgreSQL when it names
    some: a refresh then reads only what its periods need (``_history``, ``_followups``). The
    days are literals: with the bounds as subqueries PostgreSQL guessed one follow-up row
    where a rep had thousands, and read them once per calendar day. PostgreSQL only: SQLite
    plans these subqueries badly."""
    if connection.vendor != "postgresql" or not f.span:
        return None
    return "BETWEEN DATE '{}' AND DATE '{}'".format(*(day.isoformat() for day in f.span))


def _calendar(f: Filter) -> tuple[str, str]:
    """The calendar CTE (or none) and the name the other parts join it by."""
    if connection.vendor == "postgresql":
        # The calendar rows of the periods to recompute, hashed once: joined first, they
        # keep PostgreSQL from probing the calendar for every history row. The period kind
        # compares bytewise ("C"), as the database's locale costs a string collation per
        # comparison when the stays are sorted by it.
        cal_cte = (
            'cal AS MATERIALIZED (SELECT c.day AS day, c.period_kind COLLATE "C" AS period_kind,'
            f" c.period_start AS period_start FROM {CAL} c WHERE {f.calendar}),"
        )
        return cal_cte, "cal"
    # SQLite joins the calendar table itself, through its (day, period) index: a
    # materialised copy has no index, and it scanned the copy once per history row.
    return "", CAL


def _median() -> tuple[str, str, str]:
    """The CTE that ranks the stays (or none), the stays' source, and the median's expression."""
    if connection.vendor == "postgresql":
        # The median as an ordered-set aggregate: each group's stays sorted on their own, where
        # two window functions sorted every stay of every period. The same value: the mean of the
        # two middle stays for an even count.
        return "", "stays", "percentile_cont(0.5) WITHIN GROUP (ORDER BY days)"
    # SQLite has no percentile_cont: the middle one or two stays by their rank, averaged.
    ranked = """,
            ranked AS (
                SELECT s.rep_id, s.period_kind, s.period_start, s.stage_id, s.days, s.forward_once,
                    ROW_NUMBER() OVER (PARTITION BY s.rep_id, s.period_kind, s.period_start, s.stage_id
                        ORDER BY s.days) AS rn,
                    COUNT(*) OVER (PARTITION BY s.rep_id, s.period_kind, s.period_start, s.stage_id) AS cnt
                FROM stays s
            )"""
    return ranked, "ranked", "AVG(CASE WHEN rn IN ((cnt + 1) / 2, (cnt + 2) / 2) THEN days END)"


def _history(f: Filter) -> str:
    """Every history row of the filter's reps with its window values: the stage after it, when
    the deal left it, and the furthest the deal got after it."""
    reps = f.reps.format(rep="d.owner_id")
    following = "ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING"
    won, open_ = StageKind.WON, StageKind.OPEN
    deals = ""
    if span := _span(f):
        # Only the history of the deals with a change inside the periods (every figure of a
        # period comes from a change in it: an entry, or the move that ended a stay; the window
        # still sees each of those deals' whole history). A rep's deal move then reads about a
        # year of history, not all of it.
        deals = (
            f"AND sc.deal_id IN (SELECT w.deal_id FROM {CHANGE} w JOIN {DEAL} d2 ON d2.id = w.deal_id"
            f" WHERE {f.reps.format(rep='d2.owner_id')} AND w.day {span})"
        )
    return f"""
                    SELECT sc.deal_id AS deal_id, d.owner_id AS rep_id, sc.to_stage_id AS stage_id,
                        st.kind AS kind, st."order" AS ord, sc.day AS day, sc.changed_at AS changed_at,
                        d.stage_id AS now_stage,
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
                    WINDOW w AS (PARTITION BY sc.deal_id ORDER BY sc.changed_at, sc.id)"""


# Each history row's figures, worked out once from its window values (not again for each of
# its four calendar rows): its flags on entering the stage (advanced later, lost or won, or
# still in it), and the stay it began - its length, and whether it ended in a move forward.
FLAGS = {
    "adv": f"CASE WHEN x.kind = '{StageKind.OPEN}' AND x.later_rank > x.ord THEN 1 ELSE 0 END",
    "to_lost": f"CASE WHEN x.next_kind = '{StageKind.LOST}' THEN 1 ELSE 0 END",
    "to_won": f"CASE WHEN x.later_rank = {WON_RANK} THEN 1 ELSE 0 END",
    # Still in the stage now (METRICS.md "still open"), whatever it did after this entry.
    "sits": f"CASE WHEN x.now_stage = x.stage_id AND x.kind = '{StageKind.OPEN}' THEN 1 ELSE 0 END",
}


def _history_cte(f: Filter) -> str:
    """``h``: each history row with its flags and the stay it began."""
    row_flags = ", ".join(f"{flag} AS {name}" for name, flag in FLAGS.items())
    won, open_ = StageKind.WON, StageKind.OPEN
    return f"""h AS (
                SELECT x.deal_id, x.rep_id, x.stage_id, x.day, x.next_day, x.entries, {row_flags},
                    {days_between("x.left_at", "x.changed_at")} AS stay,
                    CASE WHEN x.next_kind = '{won}' OR (x.next_kind = '{open_}' AND x.next_ord > x.ord)
                        THEN 1 ELSE 0 END AS forward
                FROM ({_history(f)}
                ) x
            )"""


def _stays_cte(f: Filter, cal: str) -> str:
    """``stays``: each completed stay, in the periods of the day it ended."""
    return f"""stays AS (
                SELECT h.rep_id AS rep_id, c.period_kind AS period_kind, c.period_start AS period_start,
                    h.stage_id AS stage_id, h.stay AS days,
                    CASE WHEN h.entries = 1 THEN h.forward ELSE 0 END AS forward_once
                FROM h JOIN {cal} c ON c.day = h.next_day
                WHERE h.next_day IS NOT NULL AND {f.periods.format(rep="h.rep_id")}
            )"""


def _entries(f: Filter, cal: str) -> str:
    """Entered, advanced, lost, won and still open: per deal entering the stage in the period."""
    k_h = f.periods.format(rep="h.rep_id")
    entry_flags = ", ".join(f"h.{name}" for name in FLAGS)
    repeat_flags = ", ".join(f"MAX(h.{name})" for name in FLAGS)
    return f"""
                SELECT rep_id, period_kind, period_start, stage_id, {_whole("COUNT(*)")} AS entered,
                    {_whole("SUM(adv)")} AS advanced, {_whole("SUM(to_lost)")} AS lost,
                    {_whole("SUM(to_won)")} AS won, {_whole("SUM(sits)")} AS still_open,
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
                GROUP BY rep_id, period_kind, period_start, stage_id"""


def _stay_figures(stays: str, median: str) -> str:
    """Completed stays, their total and median days, and those that ended forward (once)."""
    return f"""
                SELECT rep_id, period_kind, period_start, stage_id, 0, 0, 0, 0, 0, {_whole("COUNT(*)")}, SUM(days),
                    {median}, {_whole("SUM(forward_once)")}, 0
                FROM {stays}
                GROUP BY rep_id, period_kind, period_start, stage_id"""


def _left_forward(f: Filter, cal: str) -> str:
    """The deals that entered the stage more than once and left it forward in the period."""
    return f"""
                -- A deal that left the stage forward twice in the period counts once.
                SELECT rep_id, period_kind, period_start, stage_id, 0, 0, 0, 0, 0, 0, 0.0, NULL, {_whole("COUNT(*)")}, 0
                FROM (
                    SELECT DISTINCT h.rep_id, c.period_kind, c.period_start, h.stage_id, h.deal_id
                    FROM h JOIN {cal} c ON c.day = h.next_day
                    WHERE h.entries > 1 AND h.forward = 1 AND {f.periods.format(rep="h.rep_id")}
                ) r
                GROUP BY rep_id, period_kind, period_start, stage_id"""


def _followup_days(f: Filter) -> str:
    """The follow-ups a statement reads: activities on a deal, of the filter's reps, inside its periods."""
    span = _span(f)
    days = f"AND a.day {span}" if span else ""
    return f"a.deal_id IS NOT NULL AND {f.reps.format(rep='a.owner_id')} {days}"


def _held_cte(f: Filter) -> str:
    """PostgreSQL: ``held``, when each stage of the follow-ups' deals was held, ``since`` (inclusive)
    ``until`` (exclusive; NULL while it lasts); the deal's first stage from the start of time. Every
    history row of those deals, whoever owns the deal now, hashed once and joined to the follow-ups
    (a lookup per follow-up made a rebuild 2.6x and a refresh after 1,000 writes 7x slower).
    SQLite: none (``_stage_at``)."""
    if connection.vendor != "postgresql":
        return ""
    # A refresh reads the history of its follow-ups' deals; a rebuild (every rep, every day) all of it.
    every = f.reps == "1 = 1" and not f.span
    deals = "" if every else f"WHERE sc.deal_id IN (SELECT a.deal_id FROM {ACT} a WHERE {_followup_days(f)})"
    return f""",
            held AS (
                SELECT sc.deal_id AS deal_id, sc.to_stage_id AS stage_id,
                    CASE WHEN ROW_NUMBER() OVER w = 1 THEN NULL ELSE sc.changed_at END AS since,
                    LEAD(sc.changed_at) OVER w AS until
                FROM {CHANGE} sc
                {deals}
                WINDOW w AS (PARTITION BY sc.deal_id ORDER BY sc.changed_at, sc.id)
            )"""


def _stage_at(activity: str) -> str:
    """SQLite: the stage ``activity``'s deal sat in when it happened, looked up in the deal's few
    history rows (by the deal's index; joined to a window over the history instead, SQLite scanned
    it once per follow-up): the last change at or before ``occurred_at``, or for an activity dated
    before the deal's first change, the stage the deal was created in."""
    last = (
        f"SELECT sc.to_stage_id FROM {CHANGE} sc WHERE sc.deal_id = {activity}.deal_id"
        f" AND sc.changed_at <= {activity}.occurred_at ORDER BY sc.changed_at DESC, sc.id DESC LIMIT 1"
    )
    first = (
        f"SELECT sc.to_stage_id FROM {CHANGE} sc WHERE sc.deal_id = {activity}.deal_id"
        " ORDER BY sc.changed_at, sc.id LIMIT 1"
    )
    return f"COALESCE(({last}), ({first}))"


def _stage_of_followups() -> str:
    """FROM clause of the follow-ups ``a``, with ``stage_id``: the stage their deal held when they happened."""
    if connection.vendor == "postgresql":
        return f"""(SELECT a.owner_id, a.day, a.deal_id, s.stage_id FROM {ACT} a JOIN held s ON s.deal_id = a.deal_id
                        AND (s.since IS NULL OR s.since <= a.occurred_at)
                        AND (s.until IS NULL OR a.occurred_at < s.until)) a"""
    return f"(SELECT a.owner_id, a.day, a.deal_id, {_stage_at('a')} AS stage_id FROM {ACT} a) a"


def _followups(f: Filter, cal: str) -> str:
    """Follow-ups: activities on a deal, for their owner, by the day they occurred and the stage the
    deal sat in at that moment (``_held_cte``, ``_stage_at``)."""
    return f"""
                SELECT a.rep_id, c.period_kind, c.period_start, a.stage_id, 0, 0, 0, 0, 0, 0, 0.0, NULL, 0,
                    {_whole("SUM(a.n)")}
                FROM (
                    -- Days first: the calendar join then sees one row per rep, day and stage.
                    SELECT a.owner_id AS rep_id, a.day AS day, a.stage_id AS stage_id, {_whole("COUNT(*)")} AS n
                    FROM {_stage_of_followups()}
                    WHERE {_followup_days(f)} AND a.stage_id IS NOT NULL
                    GROUP BY a.owner_id, a.day, a.stage_id
                ) a JOIN {cal} c ON c.day = a.day
                WHERE {f.periods.format(rep="a.rep_id")}
                GROUP BY a.rep_id, c.period_kind, c.period_start, a.stage_id"""
