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


def test_a_goal_that_started_this_quarter_shows_the_same_plan_and_count_over_the_quarter_and_the_year(rep):
    # 21 calls a week from Wednesday 4 November: in force from Monday 2 November. Its weeks inside 2026:
    # 2 November to 27 December (8) and 4 days of the week of 28 December: 21 x (8 + 4/7) = 180.
    ActivityGoal.objects.create(rep=rep, metric="call", frequency="week", target=21, starts_on=date(2026, 11, 4))
    for day, n in ((date(2026, 10, 20), 5), (date(2026, 11, 3), 2), (date(2026, 11, 10), 4)):
        for _ in range(n):
            log(rep, "call", day, "no_answer")
    rollups.rebuild()
    [quarter] = per_rep.rep_rows(reps=[rep], start=date(2026, 10, 1), end=date(2026, 12, 31), today=NOV[1])
    [year] = per_rep.rep_rows(reps=[rep], start=date(2026, 1, 1), end=date(2026, 12, 31), today=NOV[1])
    for row in (quarter, year):
        assert row.calls == 11  # every call of the range
        assert (row.calls_goal_count, row.calls_goal) == (6, Decimal(180))  # the calls since 2 November
        assert row.calls_progress == pytest.approx(600 / 180)


def test_the_plan_is_rounded_to_whole_activities_and_the_percentage_taken_from_it(rep):
    # 89 calls a month over 2-7 November: 89 x 6/30 = 17.8, shown as 18; 8 calls = 8 / 18 = 44% (never 45%).
    ActivityGoal.objects.create(rep=rep, metric="call", frequency="month", target=89, starts_on=date(2026, 1, 1))
    for n in range(8):
        log(rep, "call", date(2026, 11, 2 + n % 6), "no_answer")
    rollups.rebuild()
    [row] = per_rep.rep_rows(reps=[rep], start=date(2026, 11, 2), end=date(2026, 11, 7), today=NOV[1])
    assert row.calls_goal == Decimal(18)
    assert row.calls_progress == pytest.approx(800 / 18)
    assert round(row.calls_progress) == 44


def test_the_team_goal_is_the_sum_of_the_members_rounded_plans(rep, teammate):
    # 87 calls a month each over 2-7 November: 17.4 each, shown as 17; the total is 17 + 17 = 34 (not 35).
    for person in (rep, teammate):
        ActivityGoal.objects.create(rep=person, metric="call", frequency="month", target=87, starts_on=date(2026, 1, 1))
    rows = per_rep.rep_rows(reps=[rep, teammate], start=date(2026, 11, 2), end=date(2026, 11, 7), today=NOV[1])
    assert [r.calls_goal for r in rows] == [Decimal(17), Decimal(17)]
    assert per_rep.team_total(rows).calls_goal == Decimal(34)


# --- quotas -----------------------------------------------------------------------------------
# docs/metrics.md "Quota over a chosen range": each rep's quotas of the finest period kind that
# overlaps the range, prorated by the share of each quota period's days inside the range; achieved =
# won in the range; pace against the elapsed share of the range.

Q4 = date(2026, 10, 1)  # 1 October to 31 December 2026: 92 days


def won(owner, amount, closed_on, pipeline=None):
    return make_deal(owner=owner, pipeline=pipeline, stage_name="Won", amount=amount, closed_on=closed_on)


def test_a_quarter_quota_over_a_month_counts_the_months_share_of_its_days(rep):
    # Issue 20: 90,000 for the quarter, range = November (30 of its 92 days): 29,347.83.
    pipeline = make_pipeline()
    won(rep, "40000", date(2026, 11, 4), pipeline)
    won(rep, "25200", date(2026, 11, 20), pipeline)
    won(rep, "10200", date(2026, 10, 15), pipeline)  # in the quarter, not in the month
    Quota.objects.create(rep=rep, period_kind="quarter", period_start=Q4, target=Decimal(90000))
    rollups.rebuild()
    [row] = per_rep.rep_rows(reps=[rep], start=NOV[0], end=NOV[1], today=date(2026, 12, 10))
    assert row.quota_target == Decimal(90000) * 30 / 92
    assert row.quota_target.quantize(Decimal("0.01")) == Decimal("29347.83")
    assert row.quota_achieved == Decimal(65200)  # November's wins only
    assert round(row.attainment, 1) == 222.2  # 65,200 / 29,347.83
    assert row.quota_stretch_target == Decimal(112500) * 30 / 92  # 125% stretch, prorated the same way
    assert round(row.stretch_attainment, 1) == 177.7
    assert row.elapsed_share == 1.0 and row.pace == pytest.approx(row.attainment)  # a past range


def test_a_year_over_quarterly_quotas_adds_up_the_quarters_and_counts_the_whole_years_wins(rep):
    # Only Q3 (60,000) and Q4 (90,000) have quotas: Q1 and Q2 count 0. Won in the year: 20,000 in March,
    # 50,000 in August, 30,000 in November = 100,000 / 150,000 = 66.7%.
    pipeline = make_pipeline()
    for amount, day in (("20000", date(2026, 3, 10)), ("50000", date(2026, 8, 3)), ("30000", date(2026, 11, 2))):
        won(rep, amount, day, pipeline)
    Quota.objects.create(rep=rep, period_kind="quarter", period_start=date(2026, 7, 1), target=Decimal(60000))
    Quota.objects.create(rep=rep, period_kind="quarter", period_start=Q4, target=Decimal(90000))
    rollups.rebuild()
    [row] = per_rep.rep_rows(reps=[rep], start=date(2026, 1, 1), end=date(2026, 12, 31), today=date(2026, 11, 18))
    assert (row.quota_target, row.quota_achieved) == (Decimal(150000), Decimal(100000))
    assert row.attainment == pytest.approx(100000 / 150000 * 100)
    # 18 November is day 322 of 365: pace = 100,000 / (150,000 x 322/365) = 75.6%.
    assert row.elapsed_share == pytest.approx(322 / 365)
    assert row.pace == pytest.approx(100000 / (150000 * 322 / 365) * 100)


def test_with_an_april_fiscal_year_this_year_reads_the_quarters_inside_it(rep):
    # FY2027 runs April 2026 to March 2027; its third quarter (October to December) has the only quota.
    won(rep, "30000", date(2026, 11, 5))
    Quota.objects.create(rep=rep, period_kind="quarter", period_start=Q4, target=Decimal(90000))
    rollups.rebuild()
    [row] = per_rep.rep_rows(
        reps=[rep], start=date(2026, 4, 1), end=date(2027, 3, 31), today=date(2026, 11, 18), fiscal_start=4
    )
    assert (row.quota_target, row.quota_achieved) == (Decimal(90000), Decimal(30000))
    assert row.attainment == pytest.approx(100 / 3)


def test_early_in_a_month_the_months_wins_meet_the_months_share_of_the_quota(rep):
    # 3 November, "This month": 3,000 won against 92,000 x 30/92 = 30,000 (10%); 3 of 30 days gone: pace 100%.
    pipeline = make_pipeline()
    won(rep, "3000", date(2026, 11, 2), pipeline)
    won(rep, "50000", date(2026, 10, 20), pipeline)  # last month: not this month's
    Quota.objects.create(rep=rep, period_kind="quarter", period_start=Q4, target=Decimal(92000))
    rollups.rebuild()
    [row] = per_rep.rep_rows(reps=[rep], start=NOV[0], end=NOV[1], today=date(2026, 11, 3))
    assert (row.quota_target, row.quota_achieved) == (Decimal(30000), Decimal(3000))
    assert row.attainment == pytest.approx(10.0)
    assert row.elapsed_share == pytest.approx(3 / 30)
    assert row.pace == pytest.approx(100.0)


def test_the_finest_kind_of_quota_overlapping_the_range_is_the_one_prorated(rep):
    # A November month quota beside a quarter quota: the months win; October and December have none (0).
    Quota.objects.create(rep=rep, period_kind="quarter", period_start=Q4, target=Decimal(30000))
    Quota.objects.create(rep=rep, period_kind="month", period_start=date(2026, 11, 1), target=Decimal(10000))
    [quarter] = per_rep.rep_rows(reps=[rep], start=Q4, end=date(2026, 12, 31), today=NOV[1])
    assert quarter.quota_target == Decimal(10000)
    [week] = per_rep.rep_rows(reps=[rep], start=WEEK[0], end=WEEK[1], today=WEEK[1])
    assert week.quota_target == Decimal(10000) * 7 / 30


def test_a_week_across_two_months_takes_each_months_share(rep):
    # Monday 30 November to Sunday 6 December: 1/30 of November's 10,000 + 6/31 of December's 12,400.
    Quota.objects.create(rep=rep, period_kind="month", period_start=date(2026, 11, 1), target=Decimal(10000))
    Quota.objects.create(rep=rep, period_kind="month", period_start=date(2026, 12, 1), target=Decimal(12400))
    [row] = per_rep.rep_rows(reps=[rep], start=date(2026, 11, 30), end=date(2026, 12, 6), today=NOV[1])
    assert row.quota_target == Decimal(10000) / 30 + Decimal(2400)
    assert row.quota_target.quantize(Decimal("0.01")) == Decimal("2733.33")


def test_a_month_without_month_quotas_reads_the_quarter(rep):
    Quota.objects.create(rep=rep, period_kind="quarter", period_start=Q4, target=Decimal(30000))
    [row] = per_rep.rep_rows(reps=[rep], start=NOV[0], end=NOV[1], today=NOV[1])
    assert row.quota_kind == "quarter"
    assert row.quota_target == Decimal(30000) * 30 / 92  # November's share of the quarter
    assert row.revenue_progress == row.attainment == 0.0  # the leaderboard's "% of plan": the same plan


def test_a_range_that_is_one_quota_period_agrees_with_the_stored_attainment(rep):
    from dashboards.models import Attainment

    pipeline = make_pipeline()
    won(rep, "3000", date(2026, 11, 5), pipeline)
    won(rep, "4321.50", date(2026, 11, 30), pipeline)
    quota = Quota.objects.create(rep=rep, period_kind="month", period_start=date(2026, 11, 1), target=Decimal(9000))
    rollups.rebuild()
    stored = Attainment.objects.get(quota=quota)
    [row] = per_rep.rep_rows(reps=[rep], start=NOV[0], end=NOV[1], today=NOV[1])
    assert (row.quota_target, row.quota_achieved) == (stored.target, stored.achieved)
    assert Decimal(row.attainment / 100).quantize(Decimal("0.0001")) == stored.attainment
    assert Decimal(row.stretch_attainment / 100).quantize(Decimal("0.0001")) == stored.stretch_attainment


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
