"""The dashboard tables, one module each; ``TABLES`` in the order a rebuild writes them
(the attainment table reads the closed deals' table)."""

from insights.rollup import ReachTable
from portfolio.rollup import AccountTouchTable
from trends.rollups import CompanyDayTable

from .activity import ActivityTable
from .attainment import AttainmentTable
from .base import Table
from .closed import ClosedTable
from .forecast import ForecastTable
from .stage import StageTable

ACTIVITY, CLOSED, STAGES, ATTAINMENT = ActivityTable(), ClosedTable(), StageTable(), AttainmentTable()
FORECAST = ForecastTable()
REACH, TOUCH = ReachTable(), AccountTouchTable()
TABLES: tuple[Table, ...] = (
    ACTIVITY,
    REACH,
    CLOSED,
    STAGES,
    ATTAINMENT,
    FORECAST,
    TOUCH,
    CompanyDayTable(),
)
