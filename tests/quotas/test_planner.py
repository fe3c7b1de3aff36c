"""The planner (quotas/planner.py): the reverse funnel, and plan_build's plan for a period from the
reps' history, won so far, the gap and its split, growth targets and realism.

Dates are fixed and passed in as ``today`` (2025-06-16, a Monday in FY2025-Q2
with the default January fiscal start), so nothing depends on the clock.
"""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from activities.models import Kind, Outcome
from quotas import history
from quotas.models import OrgSettings
from quotas.periods import Period
from quotas.planner import plan_build, realism_warns, reverse_funnel
from tests.factories import RepFactory, make_pipeline
from tests.quotas.helpers import give_history, log, win

TODAY = date(2025, 6, 16)
QUARTER = Period.containing(TODAY, "quarter")  # 2025-04-01 to 2025-06-30, 3 weeks left


def test_the_worked_example_of_metrics_md_holds_exactly():
    funnel = reverse_funnel(
        gap=Decimal("300000"),
        average_deal=Decimal("25000"),
        meeting_to_win=Decimal("0.5"),
        call_to_meeting=Decimal("0.05"),
        weeks_left=12,
    )
    assert (funnel.deals, funnel.meetings, funnel.calls) == (12, 24, 480)
    assert (funnel.deals_per_week, funnel.meetings_per_week, funnel.calls_per_week) == (1, 2, 40)


def test_each_figure_rounds_up():
    funnel = reverse_funnel(
        gap=Decimal("100001"),
        average_deal=Decimal("25000"),
        meeting_to_win=Decimal("0.3"),
        call_to_meeting=Decimal("0.07"),
        weeks_left=5,
    )
    # 100001 / 25000 = 4.00004 -> 5 deals; 5 / 0.3 = 16.67 -> 17 meetings; 17 / 0.07 = 242.86 -> 243 calls
    assert (funnel.deals, funnel.meetings, funnel.calls) == (5, 17, 243)
    assert funnel.calls_per_week == 49


def test_a_closed_gap_needs_nothing():
    funnel = reverse_funnel(
        gap=Decimal("-10"),
        average_deal=Decimal("1"),
        meeting_to_win=Decimal("1"),
        call_to_meeting=Decimal("1"),
        weeks_left=0,
    )
    assert (funnel.deals, funnel.meetings, funnel.calls, funnel.weeks_left) == (0, 0, 0, 1)


def test_it_refuses_a_zero_rate():
    with pytest.raises(ValueError):
        reverse_funnel(
            gap=Decimal("10"),
            average_deal=Decimal("1"),
            meeting_to_win=Decimal("0"),
            call_to_meeting=Decimal("1"),
            weeks_left=1,
        )


def plan(team=None, **kwargs):
    kwargs.setdefault("target", Decimal("300000"))
    return plan_build(period=QUARTER, team=team, today=TODAY, org=OrgSettings.load(), **kwargs)


@pytest.fixture(autouse=True)
def pipeline(db):
    return make_pipeline()


def test_it_gives_the_worked_example_of_metrics_md_exactly(team, rep):
    give_history(rep)
    result = plan(team)
    [rep_plan] = result.reps
    assert (result.won, result.gap) == (0, Decimal("300000"))
    assert rep_plan.rates.average_deal.value == Decimal("25000")
    assert rep_plan.rates.meeting_to_win.value == Decimal("0.5")
    assert rep_plan.rates.call_to_meeting.value == Decimal("0.05")
    assert (rep_plan.funnel.deals, rep_plan.funnel.meetings, rep_plan.funnel.calls) == (12, 24, 480)
    assert result.weeks_left == 3
    assert (rep_plan.funnel.deals_per_week, rep_plan.funnel.meetings_per_week, rep_plan.funnel.calls_per_week) == (
        4,
        8,
        160,
    )
    [team_plan] = result.teams
    assert (team_plan.funnel.deals, team_plan.funnel.meetings, team_plan.funnel.calls) == (12, 24, 480)


def test_it_computes_each_rate_from_the_reps_own_history(team, rep):
    # Average deal: (10k + 20k + 30k + 40k) / 4; meeting -> won: 4 won / 10 held;
    # call -> meeting: 12 booked (10 held + 2 no-shows) / 60 calls.
    give_history(rep, won=(10000, 20000, 30000, 40000), held=10, booked_extra=2, calls=60)
    rates = plan(team).reps[0].rates
    assert rates.average_deal == history.Figure(Decimal("25000"), history.SOURCE_REP)
    assert rates.meeting_to_win == history.Figure(Decimal("0.4"), history.SOURCE_REP)
    assert rates.call_to_meeting == history.Figure(Decimal("0.2"), history.SOURCE_REP)


def test_it_reads_only_the_trailing_180_days(team, rep):
    give_history(rep, won=(10000, 10000, 10000))
    too_old = TODAY - timedelta(days=180)
    win(rep, 1_000_000, on=too_old)
    log(rep, Kind.MEETING, Outcome.HELD, day=too_old, times=10)
    log(rep, Kind.CALL, day=too_old, times=50)
    rates = plan(team).reps[0].rates
    assert rates.average_deal.value == Decimal("10000")
    assert rates.meeting_to_win.value == Decimal("0.3")
    assert rates.call_to_meeting.value == Decimal("0.05")


def test_it_counts_meetings_booked_by_the_day_they_were_logged(team, rep):
    # Ten meetings held in the window but booked before it: held, not booked; the rep
    # has no meeting booked, so call -> meeting falls back to the default.
    give_history(rep, held=0, calls=100)
    log(rep, Kind.MEETING, Outcome.HELD, booked_on=TODAY - timedelta(days=200), times=10)
    rates = plan(team).reps[0].rates
    assert rates.meeting_to_win == history.Figure(Decimal("0.5"), history.SOURCE_REP)
    assert rates.call_to_meeting.source == history.SOURCE_DEFAULT


def test_it_ignores_lost_deals_and_meetings_not_held_for_the_win_rate(team, rep):
    give_history(rep, won=(30000,) * 3, held=10, booked_extra=5, calls=100)
    win(rep, 99999, lost=True)
    rates = plan(team).reps[0].rates
    assert rates.meeting_to_win.value == Decimal("0.3")
    assert rates.average_deal.value == Decimal("30000")


def test_it_falls_back_to_the_team_when_the_rep_has_too_little_history(team, rep, teammate):
    give_history(rep, won=(20000, 20000))  # two won deals: below the three needed
    give_history(teammate, won=(50000, 50000))  # together: four won, 20 held, 400 calls
    result = plan(team)
    rep_rates = next(r.rates for r in result.reps if r.rep == rep)
    assert rep_rates.average_deal == history.Figure(Decimal("35000"), history.SOURCE_TEAM)
    assert rep_rates.meeting_to_win == history.Figure(Decimal("0.2"), history.SOURCE_TEAM)
    assert rep_rates.call_to_meeting == history.Figure(Decimal("0.05"), history.SOURCE_TEAM)
    assert result.teams[0].rates.average_deal.source == history.SOURCE_TEAM


def test_it_falls_back_to_the_defaults_when_the_team_has_too_little_history(team, rep):
    give_history(rep, won=(20000,) * 5, held=9)  # one meeting held short
    org = OrgSettings.load()
    org.default_deal_size, org.default_meeting_to_win_rate, org.default_call_to_meeting_rate = (
        Decimal("40000"),
        Decimal("0.25"),
        Decimal("0.1"),
    )
    org.save()
    rates = plan(team).reps[0].rates
    assert rates.average_deal == history.Figure(Decimal("40000"), history.SOURCE_DEFAULT)
    assert rates.meeting_to_win == history.Figure(Decimal("0.25"), history.SOURCE_DEFAULT)
    assert rates.call_to_meeting == history.Figure(Decimal("0.1"), history.SOURCE_DEFAULT)


def test_a_rep_without_any_activity_plans_with_the_defaults(team, rep):
    org = OrgSettings.load()
    result = plan(team, target=Decimal("100000"))
    funnel = result.reps[0].funnel
    # 100,000 / 25,000 = 4 deals; / 25% = 16 meetings; / 5% = 320 calls.
    assert (org.default_deal_size, org.default_meeting_to_win_rate) == (Decimal("25000"), Decimal("0.25"))
    assert (funnel.deals, funnel.meetings, funnel.calls) == (4, 16, 320)


def test_it_counts_deals_won_in_the_period_by_the_scopes_owners(team, rep, teammate, outsider):
    win(rep, 40000, on=date(2025, 4, 1))
    win(teammate, 20000, on=date(2025, 6, 16))
    win(rep, 70000, on=date(2025, 3, 31))  # last quarter
    win(rep, 5000, on=date(2025, 5, 1), lost=True)
    win(outsider, 80000, on=date(2025, 5, 1))  # another team
    result = plan(team)
    assert (result.won, result.gap) == (Decimal("60000"), Decimal("240000"))
    assert plan(None).won == Decimal("140000")


def test_it_splits_the_target_and_the_gap_evenly_across_the_reps(team, rep, teammate):
    win(rep, 100000, on=date(2025, 5, 1))
    result = plan(team, target=Decimal("300001"))
    assert sorted(r.quota.amount for r in result.reps) == [Decimal("150000"), Decimal("150001")]
    assert sorted(r.gap.amount for r in result.reps) == [Decimal("100000"), Decimal("100001")]
    assert result.teams[0].gap == Decimal("200001")


def test_a_target_already_reached_needs_nothing(team, rep):
    win(rep, 500000, on=date(2025, 5, 1))
    result = plan(team)
    assert result.gap == 0
    assert (result.reps[0].funnel.deals, result.reps[0].funnel.calls) == (0, 0)


def test_it_plans_the_whole_organisation_team_by_team(team, rep, outsider):
    result = plan(None, target=Decimal("200000"))
    assert [t.team for t in result.teams] == [team, outsider.team]
    assert {r.rep for r in result.reps} == {rep, outsider}
    assert [t.gap for t in result.teams] == [Decimal("100000"), Decimal("100000")]


def test_it_derives_the_target_from_growth_over_the_same_period_last_year(team, rep, teammate):
    win(rep, 60000, on=date(2024, 4, 10))
    win(teammate, 40001, on=date(2024, 6, 30))
    win(rep, 1_000_000, on=date(2024, 7, 1))  # the quarter after
    result = plan(team, target=None, growth=Decimal("10"))
    assert result.last_year == Decimal("100001")
    assert result.target == Decimal("110001")  # 110,001.1 in whole units


def test_a_negative_growth_lowers_the_target(team, rep):
    win(rep, 100000, on=date(2024, 5, 10))
    assert plan(team, target=None, growth=Decimal("-25")).target == Decimal("75000")


@pytest.mark.parametrize(
    "share, warns",
    [
        (Fraction(69, 100), True),
        (Fraction(70, 100), False),
        (Fraction(75, 100), False),
        (Fraction(80, 100), False),
        (Fraction(81, 100), True),
        (None, False),
    ],
)
def test_it_warns_when_the_share_of_reps_at_quota_is_outside_70_to_80_percent(share, warns):
    assert realism_warns(share) is warns


def test_it_takes_the_share_of_reps_whose_median_period_reaches_their_quota(team):
    reps = [RepFactory(username=f"r{i}", first_name=f"Rep {i}", team=team) for i in range(5)]
    # The four previous quarters: 2024-Q2 to 2025-Q1. Quota: 400,000 / 5 = 80,000 each.
    quarters = [date(2024, 5, 1), date(2024, 8, 1), date(2024, 11, 1), date(2025, 2, 1)]
    wins = {
        0: (80000, 80000, 0, 90000),  # median 80,000: reaches
        1: (100000, 60000, 100000, 60000),  # median 80,000: reaches
        2: (90000, 90000, 90000, 0),  # median 90,000: reaches
        3: (0, 0, 79999, 90000),  # median 39,999.5: does not
    }
    for index, amounts in wins.items():
        for day, amount in zip(quarters, amounts, strict=True):
            if amount:
                win(reps[index], amount, on=day)
    win(reps[0], 1_000_000, on=date(2024, 3, 31))  # before the four quarters
    result = plan(team, target=Decimal("400000"))
    realism = result.realism
    assert (realism.reached, realism.counted, realism.percent, realism.warns) == (3, 4, 75, False)
    assert realism.no_history == (reps[4],)
    assert [r.median for r in result.reps] == [
        Decimal("80000"),
        Decimal("80000"),
        Decimal("90000"),
        Decimal("39999.5"),
        None,
    ]


def test_a_rep_who_only_lost_deals_has_history_and_a_median_of_zero(team, rep):
    win(rep, 1000, on=date(2025, 2, 1), lost=True)
    realism = plan(team).realism
    assert (realism.reached, realism.counted, realism.warns) == (0, 1, True)
