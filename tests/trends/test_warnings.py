"""Early warnings (docs/metrics.md "Early warnings"), worked out by hand. Today is Wednesday
18 November 2026: the last two weeks are 5-18 November, the eight weeks before them 10 September -
4 November."""

from datetime import date, timedelta

import pytest

from quotas.models import ActivityGoal
from quotas.services import goal_save
from tests.trends.helpers import drained, logged, lost, won
from trends.selectors import early_warnings, warning_windows

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 18)
RECENT = date(2026, 11, 10)
TRAILING = date(2026, 10, 1)


def flags_of(reps, drop_percent=60, today=TODAY):
    return {
        found.rep.username: found.flags for found in early_warnings(reps=reps, today=today, drop_percent=drop_percent)
    }


def test_the_windows_are_the_last_two_weeks_and_the_eight_before():
    assert warning_windows(TODAY) == (date(2026, 9, 10), date(2026, 11, 5))


def test_a_count_below_the_share_of_the_two_week_average_is_flagged(rep):
    # Calls: 40 in the eight weeks = 10 per two weeks; 5 now = 50%, below 60%.
    logged(rep, TRAILING, "call", 40)
    logged(rep, RECENT, "call", 5)
    # Emails: 40 then, 6 now = 60%: not below.
    logged(rep, TRAILING, "email", 40)
    logged(rep, RECENT, "email", 6)
    # Meetings: 4 in eight weeks is too thin to judge (fewer than 8), even with none now.
    logged(rep, TRAILING, "meeting", 4)
    drained()

    [flag] = flags_of([rep])["owner"]

    assert (flag.figure, flag.recent, flag.usual, flag.share, flag.against_plan) == ("calls", 5, 10.0, 50.0, False)
    assert flag.label == "Calls"


def test_the_share_is_the_organisations_setting(rep):
    logged(rep, TRAILING, "call", 40)
    logged(rep, RECENT, "call", 5)
    drained()

    assert flags_of([rep], drop_percent=50) == {}  # 50% is not below 50%
    assert [f.figure for f in flags_of([rep], drop_percent=51)["owner"]] == ["calls"]


def test_a_flag_clears_itself_when_the_figure_recovers(rep):
    logged(rep, TRAILING, "call", 40)
    logged(rep, RECENT, "call", 5)
    drained()
    assert "owner" in flags_of([rep])

    logged(rep, TODAY, "call", 1)  # 6 of 10 = 60%
    drained()

    assert flags_of([rep]) == {}


def test_a_flag_leaves_when_its_days_leave_the_window(rep):
    logged(rep, TRAILING, "call", 40)
    logged(rep, RECENT, "call", 5)
    drained()

    # Eight weeks on, the calls of 1 October are out of every window: nothing to compare with.
    assert flags_of([rep], today=TODAY + timedelta(weeks=8)) == {}


def test_a_win_rate_fifteen_points_lower_is_flagged(rep, teammate, pipeline):
    # The rep: 6 of 10 won before (60%), 2 of 5 now (40%): 20 points lower.
    for day in (TRAILING, TRAILING + timedelta(days=1)):
        for _ in range(3):
            won(rep, pipeline, day, "1000")
        for _ in range(2):
            lost(rep, pipeline, day)
    for _ in range(2):
        won(rep, pipeline, RECENT, "1000")
    for _ in range(3):
        lost(rep, pipeline, RECENT)
    # The teammate: 6 of 10 before, 0 of 4 now: only four deals closed, too few to judge.
    for _ in range(6):
        won(teammate, pipeline, TRAILING, "1000")
    for _ in range(4):
        lost(teammate, pipeline, TRAILING)
    for _ in range(4):
        lost(teammate, pipeline, RECENT)
    drained()

    flags = flags_of([rep, teammate])

    assert list(flags) == ["owner"]
    [flag] = flags["owner"]
    assert (flag.figure, flag.recent, flag.usual, flag.share) == ("win_rate", 40.0, 60.0, None)


def test_a_connect_rate_drop_needs_twenty_calls_in_each_window(rep, teammate):
    # The rep: 12 of 40 calls connected before (30%), 3 of 20 now (15%): 15 points lower.
    logged(rep, TRAILING, "call", 28, "no_answer")
    logged(rep, TRAILING, "call", 12, "connected")
    logged(rep, RECENT, "call", 17, "no_answer")
    logged(rep, RECENT, "call", 3, "connected")
    # The teammate: the same rates over 19 calls now.
    logged(teammate, TRAILING, "call", 28, "no_answer")
    logged(teammate, TRAILING, "call", 12, "connected")
    logged(teammate, RECENT, "call", 17, "no_answer")
    logged(teammate, RECENT, "call", 2, "connected")
    drained()

    flags = flags_of([rep, teammate])

    assert list(flags) == ["owner"]
    assert [(f.figure, f.recent, f.usual) for f in flags["owner"]] == [("connect_rate", 15.0, 30.0)]


def test_a_rep_in_ramp_is_judged_against_the_ramped_plan_not_their_history(rep, teammate):
    # Both ramp from Monday 9 November: 10 calls that week, 20 the next (target 50). The plan for
    # 5-18 November: 0 (5-8 Nov, before the start) + 10 + 20 x 3/7 = 18.57 calls; 60% of it = 11.14.
    for who in (rep, teammate):
        goal_save(
            goal=ActivityGoal(
                rep=who, metric="call", target=50, ramp_start=10, ramp_step=10, starts_on=date(2026, 11, 9)
            )
        )
    # The rep made 100 calls before (25 per two weeks) and 12 now: below 60% of their history, but
    # above 60% of the plan: not flagged.
    logged(rep, TRAILING, "call", 100)
    logged(rep, RECENT, "call", 12)
    # The teammate made 11 now, with no history at all: below the plan.
    logged(teammate, RECENT, "call", 11)
    drained()

    flags = flags_of([rep, teammate])

    assert list(flags) == ["teammate"]
    [flag] = flags["teammate"]
    assert (flag.figure, flag.recent, round(flag.usual, 2), flag.against_plan) == ("calls", 11, 18.57, True)


def test_a_goal_at_its_full_target_is_no_ramp(rep):
    # Ramped from 10 in steps of 10 to 20 since October: at its target in November, so the rep is
    # judged on their history again.
    goal_save(
        goal=ActivityGoal(rep=rep, metric="call", target=20, ramp_start=10, ramp_step=10, starts_on=date(2026, 10, 5))
    )
    logged(rep, TRAILING, "call", 40)
    logged(rep, RECENT, "call", 5)
    drained()

    [found] = early_warnings(reps=[rep], today=TODAY, drop_percent=60)

    assert (found.in_ramp, [f.against_plan for f in found.flags]) == (False, [False])


def test_no_activity_at_all_flags_nobody(rep):
    assert flags_of([rep]) == {}


def test_it_reads_three_queries_whatever_the_number_of_reps(rep, teammate, outsider, django_assert_num_queries):
    logged(rep, TRAILING, "call", 40)
    drained()

    with django_assert_num_queries(3):
        early_warnings(reps=[rep, teammate, outsider], today=TODAY, drop_percent=60)
