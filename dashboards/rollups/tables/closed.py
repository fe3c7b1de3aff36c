"""The closed deals: rep x day x won/lost x every split the dashboards filter by."""

from django.db import connection

from pipeline.models import StageKind
from quotas.organisation import org_time_zone

from ...models import CLOSED_DAY_SPLITS, CLOSED_DAY_VALUES, ClosedDay, Scope
from ..sql import COMPANY, DEAL, STAGE, date_diff
from .base import DayTable


class ClosedTable(DayTable):
    model = ClosedDay
    key = ("rep_id", "day", *CLOSED_DAY_SPLITS)
    values = CLOSED_DAY_VALUES
    scope = Scope.PIPELINE
    # Every closed deal's company hashed instead of looked up one by one by index.
    rebuild_settings = ("enable_nestloop = off",)

    def select(self, f):
        where = self._keys(f, "d.owner_id", "d.closed_on")
        created_sql, created_params = connection.ops.datetime_cast_date_sql("d.created_at", (), org_time_zone())
        sql = f"""
            SELECT d.owner_id, d.closed_on, (st.kind = '{StageKind.WON}'), d.lead_source_id, co.territory_id,
                co.segment, d.deal_type, d.competitor_id, d.stage_id, COUNT(*), SUM(d.amount), SUM(d.units),
                SUM({date_diff("d.closed_on", created_sql)})
            FROM {DEAL} d JOIN {STAGE} st ON st.id = d.stage_id JOIN {COMPANY} co ON co.id = d.company_id
            WHERE st.kind IN ('{StageKind.WON}', '{StageKind.LOST}') AND d.closed_on IS NOT NULL AND {where}
            GROUP BY d.owner_id, d.closed_on, (st.kind = '{StageKind.WON}'), d.lead_source_id, co.territory_id,
                co.segment, d.deal_type, d.competitor_id, d.stage_id"""
        # The created date's SQL appears once per row in SUM; its parameters (SQLite's
        # time zone names) come first in the statement.
        return sql, list(created_params)
