"""The rollup engine against hand-computed figures (METRICS.md), on SQLite and PostgreSQL."""

from datetime import date
from decimal import Decimal

import pytest

from activities import services as activity_services
from dashboards import rollups
from dashboards.models import ActivityDay, Attainment, ClosedDay, DirtyMark, StageRollup
from pipeline import services as pipeline_services
from quotas.models import Quota
from tests.factories import make_deal, make_pipeline, stage
from tests.helpers import at

pytestmark = pytest.mark.django_db

MON = date(2026, 3, 2)  # a Monday


def log(rep, kind, outcome="", day=MON, minutes=0, **fields):
    return activity_services.activity_log(
        owner=rep,
        by=rep,
        kind=kind,
        outcome=outcome,
        occurred_at=at(day),
        duration_minutes=minutes,
        created_at=fields.pop("created_at", at(day)),
        **fields,
    )


def move(deal, name, day, **fields):
    return pipeline_services.deal_move(
        deal=deal, to_stage=stage(deal.pipeline, name), by=deal.owner, at=at(day), **fields
    )


def test_it_sums_a_reps_day_by_kind(rep):
    log(rep, "call", "connected", minutes=5)
    log(rep, "call", "no_answer", minutes=1)
    log(rep, "email", "replied")
    log(rep, "meeting", "positive", minutes=30)
    rollups.drain()
    calls = ActivityDay.objects.get(rep=rep, day=MON, kind="call")
    assert (calls.count, calls.minutes, calls.connected) == (2, 6, 1)
    meeting = ActivityDay.objects.get(rep=rep, day=MON, kind="meeting")
    assert (meeting.count, meeting.held, meeting.positive, meeting.booked) == (1, 1, 1, 1)
    assert DirtyMark.objects.count() == 0
    assert rollups.verify() == []


def test_a_meeting_counts_as_booked_on_the_day_it_was_logged(rep):
    log(rep, "meeting", "scheduled", day=date(2026, 3, 6), created_at=at(MON))
    rollups.drain()
    assert ActivityDay.objects.get(rep=rep, day=MON, kind="meeting").booked == 1
    friday = ActivityDay.objects.get(rep=rep, day=date(2026, 3, 6), kind="meeting")
    assert (friday.count, friday.booked) == (1, 0)


def test_deleting_the_last_activity_of_a_day_removes_its_row(rep):
    activity = log(rep, "call", "connected")
    rollups.drain()
    activity_services.activity_delete(activity=activity, by=rep)
    rollups.drain()
    assert not ActivityDay.objects.filter(rep=rep).exists()


def test_stage_flow_counts_entries_advances_losses_and_stays(rep):
    pipeline = make_pipeline()
    won = make_deal(owner=rep, pipeline=pipeline, amount="1000", created_at=at(MON))
    lost = make_deal(owner=rep, pipeline=pipeline, amount="500", created_at=at(MON))
    sitting = make_deal(owner=rep, pipeline=pipeline, created_at=at(MON))
    move(won, "Qualified", date(2026, 3, 3))
    move(won, "Won", date(2026, 3, 5), closed_on=date(2026, 3, 5))
    move(lost, "Lost", date(2026, 3, 4), lost_reason=_reason())
    rollups.drain()
    lead = StageRollup.objects.get(rep=rep, period_kind="week", period_start=MON, stage=stage(pipeline, "Lead"))
    # Three deals entered Lead; one advanced, one was lost, one still sits there.
    assert (lead.entered, lead.advanced, lead.lost, lead.won, lead.still_open) == (3, 1, 1, 1, 1)
    # Two stays in Lead ended this week: 1 day (won deal) and 2 days (lost deal).
    assert (lead.stays, lead.stay_days, lead.median_stay_days, lead.left_forward) == (2, 3.0, 1.5, 1)
    closed = ClosedDay.objects.get(rep=rep, won=True)
    assert (closed.day, closed.deals, closed.amount, closed.cycle_days) == (date(2026, 3, 5), 1, Decimal("1000"), 3)
    assert sitting.stage.name == "Lead"
    assert rollups.verify() == []


def test_a_deal_moved_backwards_then_forward_advanced_once(rep):
    pipeline = make_pipeline()
    deal = make_deal(owner=rep, pipeline=pipeline, stage_name="Qualified", created_at=at(MON))
    move(deal, "Demo", date(2026, 3, 3))
    move(deal, "Qualified", date(2026, 3, 4))
    move(deal, "Demo", date(2026, 3, 5))
    rollups.drain()
    qualified = StageRollup.objects.get(
        rep=rep, period_kind="month", period_start=date(2026, 3, 1), stage=stage(pipeline, "Qualified")
    )
    assert (qualified.entered, qualified.advanced, qualified.still_open) == (1, 1, 0)
    assert qualified.stays == 2


def test_reassigning_a_deal_moves_its_flow_to_the_new_owner(rep, teammate):
    deal = make_deal(owner=rep, created_at=at(MON))
    rollups.drain()
    assert StageRollup.objects.filter(rep=rep).exists()
    pipeline_services.deal_update(deal=deal, by=rep, owner=teammate)
    rollups.drain()
    assert not StageRollup.objects.filter(rep=rep).exists()
    assert StageRollup.objects.filter(rep=teammate, period_kind="week").get().entered == 1


def test_attainment_counts_won_revenue_in_the_quota_period(rep, teammate, team):
    make_deal(owner=rep, stage_name="Won", amount="3000", closed_on=date(2026, 3, 31), created_at=at(MON))
    make_deal(owner=teammate, stage_name="Won", amount="1000", closed_on=date(2026, 4, 1), created_at=at(MON))
    rep_q = Quota.objects.create(rep=rep, period_kind="month", period_start=date(2026, 3, 1), target=Decimal("4000"))
    team_q = Quota.objects.create(team=team, period_kind="quarter", period_start=date(2026, 4, 1), target=Decimal(0))
    rollups.drain()
    attainment = Attainment.objects.get(quota=rep_q)
    assert (attainment.achieved, attainment.attainment, attainment.stretch_attainment) == (
        Decimal("3000"),
        Decimal("0.75"),
        Decimal("0.6"),
    )
    team_attainment = Attainment.objects.get(quota=team_q)
    assert (team_attainment.achieved, team_attainment.attainment) == (Decimal("1000"), None)


def test_rebuild_gives_the_same_rows_as_the_drains(rep, teammate):
    make_deal(owner=rep, stage_name="Won", amount="3000", closed_on=date(2026, 3, 31), created_at=at(MON))
    log(rep, "call", "connected")
    rollups.drain()
    before = sorted(ActivityDay.objects.values_list("rep", "day", "kind", "count"))
    rollups.rebuild()
    assert sorted(ActivityDay.objects.values_list("rep", "day", "kind", "count")) == before
    assert rollups.verify() == []


def _reason():
    from tests.factories import LostReasonFactory

    return LostReasonFactory()


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
