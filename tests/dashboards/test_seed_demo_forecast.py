"""`seed_demo`'s forecast story: each rep's habit shows in the history, and the managers' weekly calls."""

from itertools import pairwise

import pytest
from django.core.management import call_command
from django.db.models import F

from forecast.models import ForecastCall
from pipeline.models import Deal, DealChange


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The full demo's deals (a year, 36 per rep), seeded once for this module's tests; a week of activity."""
    from django.conf import settings

    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "DEBUG", True)
        patch.setattr("dashboards.demo.activities.DAYS", 7)
        call_command("seed_demo")
        yield
        call_command("flush", interactive=False, verbosity=0)


def _closed_commit_win_share(username):
    """Of the rep's closed deals that were ever in commit, the share won."""
    closed = Deal.objects.filter(owner__username=username, stage__kind__in=["won", "lost"])
    committed = closed.filter(forecast_history__forecast_category="commit").distinct()
    return committed.filter(stage__kind="won").count() / committed.count()


def _won_outside_commit_share(username):
    """Of the rep's won deals, the share that closed in pipeline or best case."""
    won = Deal.objects.filter(owner__username=username, stage__kind="won")
    return won.exclude(forecast_category="commit").count() / won.count()


def _pushes_per_deal(username):
    """Expected close dates moved later, per deal of the rep."""
    pushes = 0
    for deal in Deal.objects.filter(owner__username=username).prefetch_related("forecast_history"):
        dates = [c.expected_close_date for c in deal.forecast_history.all()]
        pushes += sum(1 for before, after in pairwise(dates) if before and after and after > before)
    return pushes / Deal.objects.filter(owner__username=username).count()


def test_the_optimists_commit_deals_are_won_less_often_than_the_accurate_reps(demo, db):
    assert _closed_commit_win_share("sam") < 0.6 < 0.85 < _closed_commit_win_share("rep")


def test_the_sandbagger_wins_more_deals_outside_commit_than_the_accurate_rep(demo, db):
    assert _won_outside_commit_share("taylor") > 0.5 > _won_outside_commit_share("rep")


def test_the_optimist_pushes_close_dates_more_often_than_the_accurate_rep(demo, db):
    assert _pushes_per_deal("sam") > 2 * _pushes_per_deal("rep") > 0


def _weekly_commit_over_won(username):
    """Each week's commit (won so far + open commit) over the last nine closed months, against what was won."""
    from django.utils import timezone

    from accounts.models import User
    from forecast.accuracy import closed_periods, period_accuracy

    rep = User.objects.get(username=username)
    called = won = 0
    for period in closed_periods(today=timezone.localdate(), fiscal_start=1, months=9, quarters=0):
        accuracy = period_accuracy(rep_ids=[rep.pk], period=period)
        for week in accuracy.weeks:
            called += week.commit
            won += accuracy.actual
    return called / won


def test_the_accuracy_figures_show_who_over_and_who_under_calls(demo, db):
    optimist, sandbagger, accurate = (_weekly_commit_over_won(name) for name in ("sam", "taylor", "rep"))
    assert optimist > 1.3
    assert sandbagger < accurate < 1
    assert abs(1 - accurate) < abs(1 - optimist) and abs(1 - accurate) < abs(1 - sandbagger)


def test_the_history_stays_in_order_and_in_the_past(demo, db):
    from django.utils import timezone

    assert not DealChange.objects.filter(changed_at__gt=timezone.now()).exists()
    assert not DealChange.objects.filter(changed_at__lt=F("deal__created_at")).exists()
    # Each deal's last row is the deal as it is now.
    for deal in Deal.objects.prefetch_related("forecast_history")[:100]:
        last = max(deal.forecast_history.all(), key=lambda c: (c.changed_at, c.pk))
        now = (deal.stage_id, deal.amount, deal.expected_close_date, deal.forecast_category)
        assert (last.stage_id, last.amount, last.expected_close_date, last.forecast_category) == now


def test_the_managers_call_every_week_for_the_month_and_the_quarter(demo, db):
    east = ForecastCall.objects.filter(team__name="Enterprise East", period_kind="month")
    assert east.count() == 53
    assert {call.submitted_by.username for call in east} == {"manager"}
    # The manager who runs the optimist discounts the roll-up; the director sums the teams' calls.
    assert all(call.commit <= call.rolled_up_commit for call in east)
    assert east.filter(commit__lt=F("rolled_up_commit")).count() > 20
    department = ForecastCall.objects.filter(team__name="North America Sales", period_kind="quarter")
    assert department.count() == 53 and department.filter(commit__gt=0).exists()
