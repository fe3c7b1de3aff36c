"""`seed_demo`'s goals on results (dashboards/demo/quotas.py): a monthly customer-coverage goal
with a reward for every rep, which Jordan, who leaves the customers alone (portfolio/demo.py),
does not earn."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from quotas.models import EarnedReward, MetricGoal, OrgSettings


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo with 70 days of activity: the last closed month whole, whatever today is."""
    from django.conf import settings

    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "DEBUG", True)
        patch.setattr("dashboards.demo.activities.DAYS", 70)
        call_command("seed_demo")
        yield
        call_command("flush", interactive=False, verbosity=0)


def test_the_last_closed_months_coverage_reward_goes_to_the_reps_who_touched_their_customers(demo, db):
    # seed_demo records the closed months' rewards as the nightly run would.
    last_month = OrgSettings.load().period(timezone.localdate(), "month").previous()
    coverage_goals = list(MetricGoal.objects.filter(metric="coverage"))
    assert all(goal.has_reward for goal in coverage_goals)
    earned = EarnedReward.objects.filter(goal__in=coverage_goals, period_start=last_month.start, period_kind="month")
    winners = {reward.rep.username for reward in earned.select_related("rep")}
    assert "jordan" not in winners
    assert len(winners) >= 4
