"""The heatmap and the best slots (insights/selectors.py), worked out by hand (docs/metrics.md "Best
time to reach prospects")."""

from datetime import date

import pytest

from insights.selectors import MIN_ATTEMPTS, reach_heatmap
from tests.insights.helpers import calls, drained

pytestmark = pytest.mark.django_db

MARCH = {"start": date(2026, 3, 1), "end": date(2026, 3, 31)}


def _slot_plan(rep):
    calls(rep, 1, 16, attempts=20, connected=8)  # Monday 16h: 40% of 20
    calls(rep, 2, 10, attempts=10, connected=4)  # Tuesday 10h: 40% of 10
    calls(rep, 3, 14, attempts=12, connected=3)  # Wednesday 14h: 25% of 12
    calls(rep, 4, 9, attempts=6, connected=3)  # Thursday 9h: 60% of 10 over two weeks
    calls(rep, 4, 9, attempts=4, connected=3, week=1)
    calls(rep, 5, 11, attempts=9, connected=9)  # Friday 11h: 100%, but of 9: not rated
    drained()


def test_the_best_slots_are_the_highest_rates_among_slots_with_enough_attempts(rep):
    _slot_plan(rep)
    heatmap = reach_heatmap(rep_ids=[rep.pk], kind="call", **MARCH)
    assert MIN_ATTEMPTS == 10
    # Thursday 9h 60%; then 40% twice, the one with more attempts (Monday's 20) first. Friday's 9 of 9
    # is not rated.
    assert [(s.weekday, s.hour, s.attempts, s.successes) for s in heatmap.best()] == [
        (4, 9, 10, 6),
        (1, 16, 20, 8),
        (2, 10, 10, 4),
    ]
    assert (heatmap.attempts, heatmap.successes) == (61, 30)


def test_rated_slots_are_shaded_from_the_lowest_rate_to_the_highest_and_thin_ones_not(rep):
    _slot_plan(rep)
    heatmap = reach_heatmap(rep_ids=[rep.pk], kind="call", **MARCH)
    # Rates 25% (lowest) .. 60% (highest): 40% is (40 - 25) / (60 - 25) = 0.43 of the way: shade 3 of 5.
    shades = {(slot.weekday, slot.hour): shade for _, cells in heatmap.rows for slot, shade in cells if slot.attempts}
    assert shades == {(1, 16): 3, (2, 10): 3, (3, 14): 1, (4, 9): 5, (5, 11): 0}
    friday = heatmap.slot(5, 11)
    assert (friday.rated, friday.percent) == (False, 100.0)


def test_the_range_counts_activities_by_their_day(rep):
    _slot_plan(rep)
    first_week = reach_heatmap(rep_ids=[rep.pk], kind="call", start=date(2026, 3, 2), end=date(2026, 3, 8))
    assert (first_week.slot(4, 9).attempts, first_week.slot(4, 9).rated) == (6, False)


def test_a_team_heatmap_adds_its_reps_attempts(rep, teammate):
    calls(rep, 2, 10, attempts=6, connected=1)
    calls(teammate, 2, 10, attempts=4, connected=3)
    drained()
    slot = reach_heatmap(rep_ids=[rep.pk, teammate.pk], kind="call", **MARCH).slot(2, 10)
    assert (slot.attempts, slot.successes, slot.rated, slot.percent) == (10, 4, True, 40.0)


def test_nothing_logged_gives_an_empty_heatmap(rep):
    heatmap = reach_heatmap(rep_ids=[rep.pk], kind="email", **MARCH)
    assert (heatmap.attempts, heatmap.best(), heatmap.slot(1, 9).rate) == (0, [], None)
