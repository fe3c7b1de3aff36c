"""Attainment: one row per quota, from the closed deals' table."""

from ...models import Attainment, ClosedDay
from ..sql import CAL, QUOTA, USER
from .base import Table


class AttainmentTable(Table):
    model = Attainment
    key = ("quota_id",)
    values = ("achieved", "target", "attainment", "stretch_attainment")
    refreshed_by = frozenset({"pipeline", "quota"})  # a closed deal, or the quota itself
    by_rep = False  # a team's quota has no rep
    # A few quotas' days are best looked up in the closed deals' index; every quota's days are
    # hashed against the closed deals instead.
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
