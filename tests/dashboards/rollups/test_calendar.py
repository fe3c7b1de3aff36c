"""The calendar (dashboards/rollups/calendar.py): each day's week, month, fiscal quarter and fiscal
year, following the organisation's settings."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from dashboards import rollups
from dashboards.models import ClosedDay, DirtyMark, PeriodDay, StageRollup
from dashboards.rollups.calendar import calendar_ensure
from quotas import services as quota_services
from quotas.models import OrgSettings
from quotas.periods import Period
from tests.dashboards.rollups.helpers import MON, attained, deal_for, drained_clean, quota, stage_row, win
from tests.helpers import at

pytestmark = pytest.mark.django_db


def _fiscal_start_april():
    org = OrgSettings.load()
    org.fiscal_year_start_month = 4
    quota_services.org_settings_save(org_settings=org)


def test_a_fiscal_year_from_april_splits_31_march_and_1_april(rep, pipeline):
    _fiscal_start_april()
    rollups.drain()
    march_31, april_1 = date(2026, 3, 31), date(2026, 4, 1)
    win(deal_for(rep, pipeline, at(MON), amount="1000"), march_31)
    win(deal_for(rep, pipeline, at(MON), amount="2000"), april_1)

    def q(kind, day):
        return quota(rep, kind=kind, start=Period.containing(day, kind, 4).start, target="4000", fiscal_start=4)

    quotas = {(kind, day): q(kind, day) for kind in ("month", "quarter", "year") for day in (march_31, april_1)}
    drained_clean()

    # 31 March is in FY2026 Q4 (January to March) and FY2026 (April 2025 on); 1 April starts FY2027.
    for kind in ("month", "quarter", "year"):
        assert attained(quotas[kind, march_31])[0::2] == (Decimal("1000"), Decimal("0.25")), kind
        assert attained(quotas[kind, april_1])[0::2] == (Decimal("2000"), Decimal("0.5")), kind
    assert {q.period_start for (kind, _), q in quotas.items() if kind == "quarter"} == {date(2026, 1, 1), april_1}
    assert {q.period_start for (kind, _), q in quotas.items() if kind == "year"} == {date(2025, 4, 1), april_1}
    calendar = dict(PeriodDay.objects.filter(day=march_31).values_list("period_kind", "period_start"))
    assert calendar == {
        "week": date(2026, 3, 30),
        "month": date(2026, 3, 1),
        "quarter": date(2026, 1, 1),
        "year": date(2025, 4, 1),
    }

    def won_entered(kind, start):
        row = stage_row(rep, pipeline, "Won", kind, start)
        return row and row.entered

    # The week of Monday 30 March spans the month edge: both wins in one week row.
    assert won_entered("week", date(2026, 3, 30)) == 2
    for kind, before, after in [
        ("month", date(2026, 3, 1), april_1),
        ("quarter", date(2026, 1, 1), april_1),
        ("year", date(2025, 4, 1), april_1),
    ]:
        assert (won_entered(kind, before), won_entered(kind, after)) == (1, 1), kind
    # Lead stays ended on 31 March (29 days 5 h) and 1 April (30 days 5 h): one week, two months.
    lead_week = stage_row(rep, pipeline, "Lead", "week", date(2026, 3, 30))
    assert (lead_week.stays, lead_week.median_stay_days) == (2, pytest.approx(29 + 5 / 24 + 0.5))
    assert stage_row(rep, pipeline, "Lead", "month", date(2026, 3, 1)).stays == 1
    assert stage_row(rep, pipeline, "Lead", "month", april_1).stays == 1
    # Revenue by day sums to each fiscal quarter.
    q4 = ClosedDay.objects.filter(day__range=(date(2026, 1, 1), march_31))
    assert sum(r.amount for r in q4) == Decimal("1000")


def test_changing_the_fiscal_year_start_rebuilds_quarters_and_years(rep, pipeline):
    win(deal_for(rep, pipeline, at(MON), amount="1000"), date(2026, 3, 31))
    rollups.drain()
    assert stage_row(rep, pipeline, "Won", "year", date(2026, 1, 1)).entered == 1
    _fiscal_start_april()
    assert DirtyMark.objects.filter(scope="all").exists()
    rollups.drain()
    assert stage_row(rep, pipeline, "Won", "year", date(2025, 4, 1)).entered == 1
    assert PeriodDay.objects.get(day=date(2026, 3, 31), period_kind="year").period_start == date(2025, 4, 1)


def test_changing_the_fiscal_year_start_leaves_no_rows_of_the_old_years(rep, pipeline):
    win(deal_for(rep, pipeline, at(MON), amount="1000"), date(2026, 3, 31))
    rollups.drain()
    _fiscal_start_april()
    rollups.drain()
    assert not StageRollup.objects.filter(period_kind="year", period_start=date(2026, 1, 1)).exists()
    assert rollups.verify() == []


def test_changing_the_time_zone_asks_for_a_rebuild(db):
    from dashboards.models import Scope
    from quotas.models import OrgSettings
    from quotas.services import org_settings_save

    settings_row = OrgSettings.load()
    DirtyMark.objects.all().delete()
    settings_row.time_zone = "Europe/Berlin"
    org_settings_save(org_settings=settings_row)
    assert DirtyMark.objects.filter(scope=Scope.ALL).exists()


def test_saving_new_settings_over_the_saved_row_compares_with_it(db):
    from dashboards.models import Scope
    from quotas.models import OrgSettings

    OrgSettings.objects.create(pk=1, fiscal_year_start_month=4)
    DirtyMark.objects.all().delete()
    OrgSettings(pk=1, fiscal_year_start_month=1).save()
    assert DirtyMark.objects.filter(scope=Scope.ALL).exists()


@pytest.mark.postgres
def test_the_rows_a_refresh_adds_to_the_calendar_are_counted_for_its_next_statements():
    calendar_ensure(date(2026, 3, 2), date(2026, 3, 2))

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [PeriodDay._meta.db_table])
        assert cursor.fetchone()[0] == PeriodDay.objects.count() > 0
