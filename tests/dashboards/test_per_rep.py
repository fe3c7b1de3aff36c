"""Each rep's figures for a range, the team total and average (dashboards/selectors/per_rep.py), worked by hand.

Dates are in November 2026: Monday 2, 9, 16, 23 and 30 November start weeks;
the week of Monday 26 October holds 1 November.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from activities import services as activity_services
from dashboards import rollups
from dashboards.selectors import figures, per_rep
from quotas.models import ActivityGoal, Quota
from quotas.periods import Period
from tests.factories import RepFactory, make_deal, make_pipeline

NOV = (date(2026, 11, 1), date(2026, 11, 30))
WEEK = (date(2026, 11, 16), date(2026, 11, 22))


def log(owner, kind, day, outcome="", minutes=0):
    moment = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    return activity_services.activity_log(
        owner=owner,
        by=owner,
        kind=kind,
        outcome=outcome,
        occurred_at=moment,
        duration_minutes=minutes,
        created_at=moment,
    )


# --- plans ------------------------------------------------------------------------------------


def test_a_weekly_goal_over_a_month_counts_the_days_of_each_week_inside_it(rep):
    goal = ActivityGoal.objects.create(rep=rep, metric="call", frequency="week", target=21, starts_on=date(2026, 1, 1))
    # Four whole weeks (2-29 November) and one day of each of the two edge weeks: 21 x (4 + 2/7) = 90.
    assert per_rep.goal_plan(goal, start=NOV[0], end=NOV[1]) == Decimal(90)


def test_a_ramped_goal_counts_its_target_for_that_week(rep):
    goal = ActivityGoal.objects.create(
        rep=rep, metric="call", frequency="week", target=40, ramp_start=10, ramp_step=10, starts_on=date(2026, 11, 2)
    )
    assert per_rep.goal_plan(goal, start=WEEK[0], end=WEEK[1]) == Decimal(30)  # third week of the ramp
    [row] = per_rep.rep_rows(reps=[rep], start=WEEK[0], end=WEEK[1], today=WEEK[1])
    assert row.calls_goal == Decimal(30)


def test_a_rep_without_a_goal_of_their_own_gets_their_part_of_a_collective_team_goal(rep, teammate, team):
    ActivityGoal.objects.create(
        team=team, metric="call", frequency="week", target=31, is_collective=True, starts_on=date(2026, 1, 1)
    )
    ActivityGoal.objects.create(rep=rep, metric="call", frequency="week", target=50, starts_on=date(2026, 1, 1))
    rows = per_rep.rep_rows(reps=[rep, teammate], start=WEEK[0], end=WEEK[1], today=WEEK[1])
    assert [r.calls_goal for r in rows] == [Decimal(50), Decimal(16)]  # own goal; 31 / 2 reps, rounded up


def test_meeting_and_demo_goals_add_up_unless_a_meetings_and_demos_goal_covers_both(rep, teammate):
    for metric, target in (("meeting", 3), ("demo", 2)):
        ActivityGoal.objects.create(rep=rep, metric=metric, frequency="week", target=target, starts_on=date(2026, 1, 1))
    for metric, target in (("meeting", 3), ("meetings_demos", 4)):
        ActivityGoal.objects.create(
            rep=teammate, metric=metric, frequency="week", target=target, starts_on=date(2026, 1, 1)
        )
    rows = per_rep.rep_rows(reps=[rep, teammate], start=WEEK[0], end=WEEK[1], today=WEEK[1])
    assert [r.meetings_goal for r in rows] == [Decimal(5), Decimal(4)]


# --- quotas -----------------------------------------------------------------------------------


def test_a_week_reads_the_quota_of_the_month_holding_its_last_day(rep):
    Quota.objects.create(rep=rep, period_kind="quarter", period_start=date(2026, 10, 1), target=Decimal(30000))
    Quota.objects.create(rep=rep, period_kind="month", period_start=date(2026, 11, 1), target=Decimal(10000))
    [row] = per_rep.rep_rows(reps=[rep], start=WEEK[0], end=WEEK[1], today=WEEK[1])
    assert row.quota_period == Period(date(2026, 11, 1), "month")
    assert row.quota_target == Decimal(10000)
    # The week's share of the month quota is its revenue plan: 10,000 x 7 / 30.
    assert row.quota_plan == Decimal(10000) * 7 / 30


def test_without_a_month_quota_the_quarter_is_read(rep):
    Quota.objects.create(rep=rep, period_kind="quarter", period_start=date(2026, 10, 1), target=Decimal(30000))
    [row] = per_rep.rep_rows(reps=[rep], start=WEEK[0], end=WEEK[1], today=WEEK[1])
    assert row.quota_period == Period(date(2026, 10, 1), "quarter")


def test_a_month_without_month_quotas_reads_the_quarter(rep):
    Quota.objects.create(rep=rep, period_kind="quarter", period_start=date(2026, 10, 1), target=Decimal(30000))
    [row] = per_rep.rep_rows(reps=[rep], start=NOV[0], end=NOV[1], today=NOV[1])
    assert row.quota_period == Period(date(2026, 10, 1), "quarter")
    assert row.quota_plan == Decimal(30000) * 30 / 92  # November's share of the quarter


def test_revenue_quotas_come_before_won_deals_quotas(rep, teammate):
    Quota.objects.create(
        rep=rep, period_kind="month", period_start=date(2026, 11, 1), measure="won_deals", target=Decimal(4)
    )
    Quota.objects.create(rep=teammate, period_kind="month", period_start=date(2026, 11, 1), target=Decimal(9000))
    rows = per_rep.rep_rows(reps=[rep, teammate], start=NOV[0], end=NOV[1], today=NOV[1])
    assert [r.quota_target for r in rows] == [None, Decimal(9000)]
    assert rows[1].quota_measure == "revenue"


def test_pace_is_attainment_against_the_elapsed_part_of_the_period(rep, teammate):
    pipeline = make_pipeline()
    make_deal(owner=rep, pipeline=pipeline, stage_name="Won", amount="3000", closed_on=date(2026, 11, 5))
    Quota.objects.create(rep=rep, period_kind="month", period_start=date(2026, 11, 1), target=Decimal(10000))
    rollups.rebuild()
    [row] = per_rep.rep_rows(reps=[rep], start=NOV[0], end=NOV[1], today=date(2026, 11, 9))
    assert row.attainment == 30.0
    assert row.pace == pytest.approx(100.0)  # 3,000 / (10,000 x 9/30)
    assert not row.below_pace


def test_the_share_of_reps_at_quota_is_realistic_between_70_and_80_percent():
    period = Period(date(2026, 11, 1), "month")
    assert figures.QuotaShare(period, 7, 10).realistic is True
    assert figures.QuotaShare(period, 8, 10).realistic is True
    assert figures.QuotaShare(period, 9, 10).realistic is False
    assert figures.QuotaShare(period, 0, 0).share is None


# --- sums and totals --------------------------------------------------------------------------


def test_a_rep_with_nothing_has_zero_counts_and_no_ratios(rep):
    [row] = per_rep.rep_rows(reps=[rep], start=NOV[0], end=NOV[1], today=NOV[1])
    assert (row.calls, row.won_amount, row.open_deals) == (0, Decimal(0), 0)
    assert row.connect_rate is None and row.win_rate is None and row.average_deal is None
    assert row.attainment is None and row.pace is None and not row.below_pace


def test_the_total_and_the_average_recompute_ratios_from_the_sums(rep, teammate):
    for n in range(3):
        log(rep, "call", date(2026, 11, 2 + n), "connected")
    log(rep, "call", date(2026, 11, 5), "no_answer")
    for n in range(4):
        log(teammate, "call", date(2026, 11, 2 + n), "no_answer")
    rollups.rebuild()
    rows = per_rep.rep_rows(reps=[rep, teammate], start=NOV[0], end=NOV[1], today=NOV[1])
    assert [r.connect_rate for r in rows] == [75.0, 0.0]
    total = per_rep.team_total(rows)
    assert (total.calls, total.connected, total.connect_rate) == (8, 3, 37.5)  # never (75 + 0) / 2
    average = per_rep.team_average(total)
    assert (average.calls, average.connect_rate) == (Decimal(4), 37.5)


def test_rows_come_back_in_the_order_given(rep, teammate):
    rows = per_rep.rep_rows(reps=[teammate, rep], start=NOV[0], end=NOV[1], today=NOV[1])
    assert [r.rep for r in rows] == [teammate, rep]


def test_rep_rows_cost_the_same_queries_for_any_number_of_reps(team, django_assert_num_queries):
    from quotas.models import OrgSettings

    fiscal_start = OrgSettings.load().fiscal_year_start_month
    make_pipeline()  # stages without rotting days: their medians are read too
    few = [RepFactory(team=team) for _ in range(2)]
    many = few + [RepFactory(team=team) for _ in range(10)]
    per_rep.rep_rows(reps=few, start=NOV[0], end=NOV[1], today=NOV[1], fiscal_start=fiscal_start)  # medians cached
    for reps in (few, many):
        with django_assert_num_queries(7):
            per_rep.rep_rows(reps=reps, start=NOV[0], end=NOV[1], today=NOV[1], fiscal_start=fiscal_start)


# --- stale deals -------------------------------------------------------------------------------


def test_stale_thresholds_agree_with_the_pipelines_rule(rep, monkeypatch):
    from datetime import timedelta

    from pipeline import services as pipeline_services
    from pipeline.selectors import stage_stale_thresholds
    from tests.factories import stage

    now = datetime(2026, 11, 18, 12, tzinfo=UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: now)
    pipeline = make_pipeline()
    demo = stage(pipeline, "Demo")
    # Stays in Lead of 1, 2, 4.5 and 10 days (median 3.25), one of 50 days ended 200 days ago (too old),
    # and in Demo a single stay of 6 days; Proposal has rotting days set.
    for created, days in ((30, 1), (30, 2), (30, 4.5), (30, 10), (250, 50)):
        deal = make_deal(owner=rep, pipeline=pipeline, stage_name="Lead", created_at=now - timedelta(days=created))
        pipeline_services.deal_move(
            deal=deal, to_stage=demo, by=rep, at=now - timedelta(days=created) + timedelta(days=days)
        )
    deal = make_deal(owner=rep, pipeline=pipeline, stage_name="Demo", created_at=now - timedelta(days=20))
    pipeline_services.deal_move(deal=deal, to_stage=stage(pipeline, "Proposal"), by=rep, at=now - timedelta(days=14))
    proposal = stage(pipeline, "Proposal")
    proposal.rotting_days = 9
    proposal.save()

    mine, theirs = per_rep.stale_thresholds(), stage_stale_thresholds(pipeline=pipeline)
    assert mine[stage(pipeline, "Lead").pk] == pytest.approx(6.5)
    assert mine[demo.pk] == pytest.approx(12.0)
    assert mine[proposal.pk] == 9
    assert mine[stage(pipeline, "Qualified").pk] is None
    assert mine.keys() == theirs.keys()
    for pk, days in theirs.items():
        assert mine[pk] == (None if days is None else pytest.approx(days))
