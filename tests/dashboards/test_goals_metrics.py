"""Goals on any metric: each figure, its "too few" rule, pace, ramp, team sums, collective goals and
the rewards earned, against figures worked out by hand (docs/metrics.md "Goals on any metric").

The clock is frozen on Wednesday 18 November 2026, 12:00 UTC (fiscal year from January): the
month runs 1 to 30 November, 18 of 30 days gone; the week Monday 16 to Sunday 22, 3 of 7 gone.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from activities import services as activity_services
from dashboards import rollups
from dashboards.selectors.rep import (
    earned_rewards,
    metric_goal_lines,
    metric_goals_for,
    metric_progress,
    rep_metric_goals,
)
from quotas.models import EarnedReward, MetricGoal, OrgSettings
from quotas.periods import Period
from quotas.rewards import earned_rewards_record
from tests.factories import CompanyFactory, LostReasonFactory, make_deal, make_pipeline
from tests.helpers import NOW, at

TODAY = NOW.date()
NOVEMBER = Period.containing(TODAY, "month")
OCTOBER = NOVEMBER.previous()


def log(owner, kind, day, outcome="", minutes=0, company=None):
    moment = at(day, 9)
    return activity_services.activity_log(
        owner=owner,
        by=owner,
        kind=kind,
        outcome=outcome,
        occurred_at=moment,
        duration_minutes=minutes,
        created_at=min(moment, NOW),
        company=company,
    )


def won(owner, closed: date, amount: str, cycle_days: int = 10, stage_name="Won"):
    """A deal closed (won, or lost with ``stage_name="Lost"``) on ``closed``, created ``cycle_days`` before."""
    lost = {"lost_reason": LostReasonFactory()} if stage_name == "Lost" else {}
    return make_deal(
        owner=owner,
        stage_name=stage_name,
        amount=amount,
        closed_on=closed,
        created_at=at(closed - timedelta(days=cycle_days)),
        **lost,
    )


def goal(**fields) -> MetricGoal:
    fields.setdefault("period_kind", "month")
    fields.setdefault("starts_on", date(2026, 1, 1))
    return MetricGoal.objects.create(**fields)


def progress_now(one: MetricGoal):
    period = Period.containing(TODAY, one.period_kind)
    return metric_progress(pairs=[(one, period)], today=TODAY)[(one.pk, period)]


@pytest.fixture
def november(frozen, rep):
    """The rep's November so far (each figure's hand computation is in the test that reads it):

    - 12 calls, 3 connected, 5 minutes each; 10 emails, 4 replied, 3 minutes each;
    - 6 meetings held (3 positive, 2 neutral, 1 held), 30 minutes each, and a no-show;
    - 30 minutes of admin: selling time 60 + 30 + 180 = 270 of 300 minutes;
    - won 1,000, 2,000, 3,000 and 6,000 after 10, 20, 30 and 40 days; one deal lost;
    - before November (not counted): 5 calls and a 4,500 deal won on 31 October.
    """
    OrgSettings.load()
    make_pipeline()
    for n in range(12):
        log(rep, "call", date(2026, 11, 2 + n % 10), "connected" if n < 3 else "no_answer", minutes=5)
    for n in range(10):
        log(rep, "email", date(2026, 11, 3 + n % 5), "replied" if n < 4 else "sent", minutes=3)
    for outcome in ("positive", "positive", "positive", "neutral", "neutral", "held"):
        log(rep, "meeting", date(2026, 11, 10), outcome, minutes=30)
    log(rep, "meeting", date(2026, 11, 11), "no_show")
    log(rep, "admin", date(2026, 11, 12), minutes=30)
    for amount, days in (("1000", 10), ("2000", 20), ("3000", 30), ("6000", 40)):
        won(rep, date(2026, 11, 16), amount, cycle_days=days)
    won(rep, date(2026, 11, 17), "500", stage_name="Lost")
    for n in range(5):
        log(rep, "call", date(2026, 10, 20 + n), "connected")
    won(rep, date(2026, 10, 31), "4500")
    rollups.rebuild()


@pytest.mark.parametrize(
    "metric, value, base",
    [
        ("won_revenue", Decimal("12000"), None),  # 1,000 + 2,000 + 3,000 + 6,000 (not October's 4,500)
        ("won_deals", Decimal(4), None),
        ("win_rate", Decimal(80), 5),  # 4 won / (4 won + 1 lost)
        ("average_deal", Decimal(3000), 4),  # 12,000 / 4
        ("cycle_length", Decimal(25), 4),  # (10 + 20 + 30 + 40) / 4 days
        ("connect_rate", Decimal(25), 12),  # 3 connected / 12 calls
        ("reply_rate", Decimal(40), 10),  # 4 replied / 10 emails
        ("meetings_held", Decimal(6), None),  # the no-show is not held
        ("positive_rate", Decimal(50), 6),  # 3 positive / 6 held
        ("selling_share", Decimal(90), 300),  # 270 / 300 minutes
    ],
)
def test_each_metric_reads_the_dashboards_figure_for_the_period(rep, november, metric, value, base):
    progress = progress_now(goal(rep=rep, metric=metric, target=1))
    assert progress.value == value
    assert progress.base == base
    assert not progress.too_few


def test_an_accumulating_goal_is_paced_by_the_days_gone(rep, november):
    # 12,000 of at least 20,000 this month: progress 60%; on pace needs 20,000 x 18/30 = 12,000.
    progress = progress_now(goal(rep=rep, metric="won_revenue", target=20000))
    assert progress.progress_percent == 60
    assert progress.expected == 12000
    assert progress.pace_percent == 100
    assert progress.on_pace is True
    # 4 won deals against at least 10: 10 x 18/30 = 6 expected, pace 4 / 6 = 66.7%, behind.
    deals = progress_now(goal(rep=rep, metric="won_deals", target=10))
    assert round(deals.pace_percent, 1) == Decimal("66.7")
    assert deals.on_pace is False


def test_an_accumulating_goal_met_early_shows_reached_not_a_pace(rep, november):
    # 12,000 of at least 10,000 on 18 November: reached, though its pace would be 200%.
    won = progress_now(goal(rep=rep, metric="won_revenue", target=10000))
    assert won.pace_percent == 200
    assert won.reached is True
    # A ratio met so far can still fall: only on pace. An unmet sum is not reached.
    rate = progress_now(goal(rep=rep, metric="connect_rate", target=20))
    assert (rate.met, rate.on_pace, rate.reached) == (True, True, False)
    assert progress_now(goal(rep=rep, metric="won_revenue", target=20000)).reached is False


def test_the_panel_says_reached_instead_of_a_pace(client_as, rep, november):
    goal(rep=rep, metric="won_revenue", target=10000)
    html = client_as(rep).get(reverse("dashboards:my_week")).content.decode()
    assert ">reached<" in html
    assert "200%" not in html


def test_a_ratio_goal_is_judged_as_it_stands_not_pro_rated(rep, november):
    # A 25% connect rate against at least 30%: behind, whatever share of the month is gone; no pace %.
    progress = progress_now(goal(rep=rep, metric="connect_rate", target=30))
    assert progress.expected == 30
    assert progress.on_pace is False
    assert progress.pace_percent is None
    assert round(progress.progress_percent, 2) == Decimal("83.33")  # 25 / 30


def test_an_at_most_goal_is_on_pace_at_or_below_its_target(rep, november):
    # Cycle length 25 days against at most 30: on pace and met; "at most" shows no progress %.
    progress = progress_now(goal(rep=rep, metric="cycle_length", direction="at_most", target=30))
    assert progress.on_pace is True
    assert progress.met is True
    assert progress.progress_percent is None
    tighter = progress_now(goal(rep=rep, metric="cycle_length", direction="at_most", target=20))
    assert (tighter.on_pace, tighter.met) == (False, False)


def test_a_ratio_with_too_few_events_shows_no_value(frozen, rep):
    # 9 calls, 4 connected: below the 10 calls connect rate needs, so no 44% is shown.
    OrgSettings.load()
    for n in range(9):
        log(rep, "call", date(2026, 11, 2 + n), "connected" if n < 4 else "no_answer")
    rollups.rebuild()
    progress = progress_now(goal(rep=rep, metric="connect_rate", target=30))
    assert (progress.too_few, progress.base, progress.spec.minimum) == (True, 9, 10)
    assert progress.value is None and progress.on_pace is None and progress.met is False
    # The tenth call makes it 4 / 10 = 40%.
    log(rep, "call", date(2026, 11, 12), "no_answer")
    rollups.rebuild()
    progress = progress_now(goal(rep=rep, metric="connect_rate", target=30))
    assert (progress.too_few, progress.value) == (False, Decimal(40))


def test_win_rate_needs_five_closed_deals(frozen, rep):
    OrgSettings.load()
    make_pipeline()
    won(rep, date(2026, 11, 2), "1000")
    won(rep, date(2026, 11, 3), "1000")
    won(rep, date(2026, 11, 4), "1000", stage_name="Lost")
    won(rep, date(2026, 11, 5), "1000", stage_name="Lost")
    rollups.rebuild()
    progress = progress_now(goal(rep=rep, metric="win_rate", target=40))
    assert (progress.too_few, progress.base) == (True, 4)
    won(rep, date(2026, 11, 6), "1000")
    rollups.rebuild()
    progress = progress_now(goal(rep=rep, metric="win_rate", target=40))
    assert progress.value == 60  # 3 won / 5 closed


def test_an_empty_period_gives_zero_sums_and_too_few_ratios(frozen, rep):
    OrgSettings.load()
    revenue = progress_now(goal(rep=rep, metric="won_revenue", target=10000))
    assert (revenue.value, revenue.on_pace, revenue.met) == (0, False, False)
    for metric in ("win_rate", "average_deal", "cycle_length", "reply_rate", "positive_rate", "selling_share"):
        progress = progress_now(goal(rep=rep, metric=metric, target=10))
        assert (progress.too_few, progress.base, progress.value) == (True, 0, None), metric


def test_a_ramped_goal_moves_towards_its_target_each_period(rep):
    # At most 45 days, ramping from 60 by 5 a month from September: 60, 55, then 50 in November.
    cycle = MetricGoal(
        rep=rep,
        metric="cycle_length",
        direction="at_most",
        target=45,
        ramp_start=60,
        ramp_step=5,
        starts_on=date(2026, 9, 14),
    )
    assert [cycle.target_for(Period(date(2026, m, 1), "month")) for m in (8, 9, 10, 11, 12)] == [None, 60, 55, 50, 45]
    # At least 40%, from 20 by 10: 20, 30, 40, 40.
    rate = MetricGoal(rep=rep, metric="win_rate", target=40, ramp_start=20, ramp_step=10, starts_on=date(2026, 10, 1))
    assert [rate.target_for(Period(date(2026, m, 1), "month")) for m in (10, 11, 12)] == [20, 30, 40]
    assert rate.target_for(Period(date(2027, 1, 1), "month")) == 40


def test_a_team_goal_sums_its_members_figures(frozen, rep, teammate, team):
    # Rep 3,000 + teammate 2,000 = 5,000 of the team's 10,000; a ratio from the summed counts:
    # calls 10 (4 connected) + 10 (1 connected) = 5 / 20 = 25%, never the average of 40% and 10%.
    OrgSettings.load()
    make_pipeline()
    won(rep, date(2026, 11, 2), "3000")
    won(teammate, date(2026, 11, 3), "2000")
    for n in range(10):
        log(rep, "call", date(2026, 11, 2 + n), "connected" if n < 4 else "no_answer")
        log(teammate, "call", date(2026, 11, 2 + n), "connected" if n < 1 else "no_answer")
    rollups.rebuild()
    assert progress_now(goal(team=team, metric="won_revenue", target=10000)).value == 5000
    assert progress_now(goal(team=team, metric="connect_rate", target=30)).value == 25


def test_a_collective_goal_is_met_only_when_every_member_meets_their_part(frozen, rep, teammate, team):
    # At least 5,001 won between 2 reps: parts of 2,500.50 each (rounded up to the cent). The rep's
    # 3,000 meets theirs, the teammate's 2,000 does not: the team's 5,000 is not met either way.
    OrgSettings.load()
    make_pipeline()
    won(rep, date(2026, 11, 2), "3000")
    won(teammate, date(2026, 11, 3), "2000")
    rollups.rebuild()
    collective = goal(team=team, metric="won_revenue", target=5001, is_collective=True)
    progress = progress_now(collective)
    assert sorted((m.rep.username, m.part, m.met) for m in progress.members) == [
        ("owner", Decimal("2500.50"), True),
        ("teammate", Decimal("2500.50"), False),
    ]
    assert progress.met is False
    line = metric_goal_lines(rep=rep, goals=[collective], today=TODAY, fiscal_start=1)[0]
    assert (line.own.value, line.own.part) == (3000, Decimal("2500.50"))
    # A rate is every member's own to reach in full: 10% for each.
    rate = progress_now(goal(team=team, metric="win_rate", target=10, is_collective=True))
    assert [m.part for m in rate.members] == [10, 10]


def test_a_goal_not_started_has_no_target(frozen, rep):
    OrgSettings.load()
    later = progress_now(goal(rep=rep, metric="won_deals", target=3, starts_on=date(2026, 12, 1)))
    assert (later.target, later.on_pace, later.met) == (None, None, False)


def test_a_weekly_goal_reads_its_week(rep, november):
    # The week of 16 November holds the four deals won on the 16th and the lost one: 4 / 5 = 80%;
    # won revenue 12,000 against 7,000 a week: expected 7,000 x 3/7 = 3,000.
    progress = progress_now(goal(rep=rep, metric="won_revenue", target=7000, period_kind="week"))
    assert progress.period == Period(date(2026, 11, 16), "week")
    assert progress.expected == 3000
    assert progress.value == 12000


# --- rewards -------------------------------------------------------------------------------------


def test_a_reward_is_earned_for_a_closed_period_that_met_the_goal(rep, november):
    # At least 4,000 a month from September: September nothing, October 4,500 (met), November still
    # running (12,000 so far, but not closed): one reward, October's.
    dinner = goal(
        rep=rep,
        metric="won_revenue",
        target=4000,
        starts_on=date(2026, 9, 1),
        reward_description="Team dinner",
        reward_amount=Decimal("150"),
        reward_currency="EUR",
    )
    goal(rep=rep, metric="won_revenue", target=1, starts_on=date(2026, 9, 1))  # no reward: never listed
    earned_rewards_record(today=TODAY)
    assert [(r.period, r.rep, r.goal, r.amount, r.currency, r.reached) for r in EarnedReward.objects.all()] == [
        (OCTOBER, rep, dinner, Decimal("150"), "EUR", 4500)
    ]


def test_a_collective_reward_pays_each_member_only_when_every_member_met_it(frozen, rep, teammate, team):
    # At least 2,000 won a month, collective over 2 reps: parts of 1,000. October: rep 1,500 and
    # teammate 1,000, both met: each earns. September: rep 3,000, teammate 0: nobody earns.
    OrgSettings.load()
    make_pipeline()
    won(rep, date(2026, 10, 5), "1500")
    won(teammate, date(2026, 10, 6), "1000")
    won(rep, date(2026, 9, 7), "3000")
    rollups.rebuild()
    spif = goal(
        team=team,
        metric="won_revenue",
        target=2000,
        is_collective=True,
        starts_on=date(2026, 9, 1),
        reward_description="Bonus",
        reward_amount=Decimal("100"),
        reward_currency="USD",
    )
    earned_rewards_record(today=TODAY)
    assert sorted((r.period, r.rep.username, r.goal) for r in EarnedReward.objects.all()) == [
        (OCTOBER, "owner", spif),
        (OCTOBER, "teammate", spif),
    ]


@pytest.mark.parametrize("goals_per_kind", [1, 3])
def test_rewards_cost_the_same_queries_for_one_goal_or_many(
    rep, team, november, django_assert_num_queries, goals_per_kind
):
    for n in range(1, goals_per_kind + 1):
        goal(rep=rep, metric="win_rate", target=10 * n, starts_on=date(2026, 6, 1), reward_description="Lunch")
        goal(rep=rep, metric="connect_rate", target=10 * n, period_kind="week", reward_description="Coffee")
        goal(team=team, metric="won_deals", target=n, period_kind="quarter", reward_description="Trip")
    goals = metric_goals_for(reps=[rep])
    # The team's reps, then one GROUP BY on ActivityDay and one on ClosedDay for every period.
    with django_assert_num_queries(3):
        earned_rewards(goals=goals, first_day=date(2026, 6, 1), last_day=TODAY, today=TODAY, fiscal_start=1)


# --- coverage -----------------------------------------------------------------------------------


def test_a_coverage_goal_reads_the_share_of_assigned_accounts_touched(frozen, rep):
    # Four accounts the rep owns (assigned by default), two touched in November: 50%, against at
    # least 80% paced by the days gone: 80 x 18/30 = 48 expected, so on pace (50 / 48 = 104%).
    OrgSettings.load()
    companies = [CompanyFactory(owner=rep) for _n in range(4)]
    log(rep, "call", date(2026, 11, 3), "connected", company=companies[0])
    log(rep, "email", date(2026, 11, 9), "sent", company=companies[1])
    log(rep, "call", date(2026, 10, 9), "connected", company=companies[2])  # October: not this month
    rollups.rebuild()
    progress = progress_now(goal(rep=rep, metric="coverage", target=80))
    assert (progress.figures.assigned, progress.figures.touched) == (4, 2)
    assert progress.value == 50
    assert progress.expected == 48
    assert progress.on_pace is True


def test_a_coverage_goal_without_assigned_accounts_says_so(frozen, rep):
    OrgSettings.load()
    progress = progress_now(goal(rep=rep, metric="coverage", target=80, coverage_scope="customers"))
    assert (progress.too_few, progress.base) == (True, 0)


@pytest.mark.parametrize("goals_per_kind", [1, 3])
def test_a_reps_page_reads_their_goals_and_rewards_in_fixed_queries(
    rep, team, november, django_assert_num_queries, goals_per_kind
):
    for n in range(1, goals_per_kind + 1):
        goal(rep=rep, metric="win_rate", target=10 * n, reward_description="Lunch")
        goal(team=team, metric="won_revenue", target=1000 * n, period_kind="week", reward_description="Trip")
    # The recorded rewards, the goals, the fiscal start, the team's reps, then this period's figures:
    # one GROUP BY on ActivityDay and one on ClosedDay.
    with django_assert_num_queries(6):
        found = rep_metric_goals(rep=rep, today=TODAY, rewards_since=TODAY - timedelta(days=89))
    assert len(found.lines) == 2 * goals_per_kind


def test_a_reps_page_without_metric_goals_costs_two_queries(frozen, rep, django_assert_num_queries):
    # The recorded rewards (a goal deleted since keeps them) and the goals.
    with django_assert_num_queries(2):
        found = rep_metric_goals(rep=rep, today=TODAY, rewards_since=TODAY - timedelta(days=89))
    assert (found.lines, found.earned) == ([], [])
