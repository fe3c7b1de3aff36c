"""The won-revenue-by-company rollup: rep x day x company, a table of the dashboards' rollup engine
(registered in ``dashboards.rollups.tables.TABLES``, so drains, ``rebuild`` and ``verify`` cover it)."""

from dashboards.models import Scope
from dashboards.rollups.sql import DEAL, STAGE
from dashboards.rollups.tables.base import DayTable
from pipeline.models import StageKind

from .models import COMPANY_DAY_VALUES, CompanyDay


class CompanyDayTable(DayTable):
    model = CompanyDay
    key = ("rep_id", "day", "company_id")
    values = COMPANY_DAY_VALUES
    # A win, a reopened deal, a new owner or close date, a moved company: each marks the deal's
    # (owner, close day), as for the closed deals' table.
    scope = Scope.PIPELINE

    def select(self, f):
        where = self._keys(f, "d.owner_id", "d.closed_on")
        sql = f"""
            SELECT d.owner_id, d.closed_on, d.company_id, COUNT(*), SUM(d.amount)
            FROM {DEAL} d JOIN {STAGE} st ON st.id = d.stage_id
            WHERE st.kind = '{StageKind.WON}' AND d.closed_on IS NOT NULL AND {where}
            GROUP BY d.owner_id, d.closed_on, d.company_id"""
        return sql, []
