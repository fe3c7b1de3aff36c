"""The activity rollup: rep x day x kind."""

from django.db import connection

from activities.models import Outcome

from ...models import ACTIVITY_DAY_VALUES, ActivityDay, Scope
from ..sql import ACT, HELD, MEETINGS
from .base import DayTable


class ActivityTable(DayTable):
    model = ActivityDay
    key = ("rep_id", "day", "kind")
    values = ACTIVITY_DAY_VALUES
    scope = Scope.ACTIVITY
    # Grouped in the (owner, day, kind) index's order, the activities stream, where hashing their
    # groups spilled to disk; and this small statement's few expressions over millions of rows
    # are worth compiling (JIT), unlike the stage rollup's. Figures: bench/RESULTS.md.
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
            # a rebuild's day rows then stream out of the (owner, day, kind) index once instead
            # of being hashed again, which spilled.
            sql = f"""
                SELECT COALESCE(d.rep_id, b.rep_id), COALESCE(d.day, b.day), COALESCE(d.kind, b.kind),
                    COALESCE(d.n, 0), COALESCE(d.m, 0), COALESCE(b.n, 0), COALESCE(d.c, 0), COALESCE(d.r, 0),
                    COALESCE(d.h, 0), COALESCE(d.p, 0)
                FROM ({days}) d FULL JOIN ({booked}) b ON b.rep_id = d.rep_id AND b.day = d.day AND b.kind = d.kind"""
        else:
            # SQLite runs a FULL JOIN of two subqueries as nested loops: there the two are merged
            # by a second GROUP BY.
            sql = f"""
                SELECT rep_id, day, kind, SUM(n), SUM(m), SUM(b), SUM(c), SUM(r), SUM(h), SUM(p) FROM (
                    SELECT rep_id, day, kind, n, m, 0 AS b, c, r, h, p FROM ({days})
                    UNION ALL
                    SELECT rep_id, day, kind, 0, 0, n, 0, 0, 0, 0 FROM ({booked})
                ) s GROUP BY rep_id, day, kind"""
        return sql, []
