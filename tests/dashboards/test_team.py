"""The team dashboard's reads beyond the per-rep rows (dashboards/selectors/team.py): sorting, trends, stage periods.

Dates are in November 2026: Monday 2, 9, 16, 23 and 30 November start weeks;
the week of Monday 26 October holds 1 November.
"""

from datetime import date
from decimal import Decimal

from dashboards import rollups
from dashboards.selectors import figures
from dashboards.selectors import team as team_reads
from tests.factories import make_deal, make_pipeline

NOV = (date(2026, 11, 1), date(2026, 11, 30))


# --- sorting ----------------------------------------------------------------------------------


def test_sorting_puts_missing_figures_last(rep, teammate):
    with_rate = figures.RepFigures(rep=rep, calls=4, connected=1)
    without = figures.RepFigures(rep=teammate)
    assert team_reads.sort_rows([without, with_rate], by="connect_rate") == [with_rate, without]
    assert team_reads.sort_rows([without, with_rate], by="connect_rate", descending=False) == [with_rate, without]


# --- trends and stage periods -----------------------------------------------------------------


def test_the_monthly_trend_ends_with_the_month_of_the_last_day(rep):
    pipeline = make_pipeline()
    make_deal(owner=rep, pipeline=pipeline, stage_name="Won", amount="700", closed_on=date(2025, 12, 31))
    make_deal(owner=rep, pipeline=pipeline, stage_name="Won", amount="900", closed_on=date(2025, 11, 30))
    rollups.rebuild()
    points = team_reads.trend(reps=[rep], unit="month", count=12, end=date(2026, 11, 18))
    assert [p.period.start for p in (points[0], points[-1])] == [date(2025, 12, 1), date(2026, 11, 1)]
    assert points[0].won_amount == Decimal(700)  # November 2025 is outside the 12 months
    assert points[0].win_rate == 100.0 and points[1].win_rate is None


def test_a_whole_period_reads_its_stage_rows_and_any_other_range_sums_weeks():
    assert team_reads.stage_period(date(2026, 11, 16), date(2026, 11, 22)) == ("week", date(2026, 11, 16))
    assert team_reads.stage_period(*NOV) == ("month", date(2026, 11, 1))
    assert team_reads.stage_period(date(2026, 4, 1), date(2026, 6, 30), fiscal_start=4) == ("quarter", date(2026, 4, 1))
    assert team_reads.stage_period(date(2026, 11, 3), date(2026, 11, 20)) == (None, None)
