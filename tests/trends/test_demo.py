"""`seed_demo`'s trends stories: Taylor's activity dropped last week, and only Taylor is flagged; a
second, earlier year of won business gives growth and revenue retention their year-earlier figures."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from activities.models import Activity
from pipeline.models import Deal, ForecastCategory, StageKind
from quotas.periods import Period
from tests.helpers import at
from trends.demo import a_year_before, demo_year_start, with_activity_drop
from trends.selectors import early_warnings, growth, revenue_retention


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo with ten weeks of activity (the eight weeks before the last two, and those), seeded once."""
    from django.conf import settings

    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "DEBUG", True)
        patch.setattr("dashboards.demo.activities.DAYS", 75)
        call_command("seed_demo")
        yield
        call_command("flush", interactive=False, verbosity=0)


def test_taylors_activity_is_flagged_and_no_one_elses(demo, db):
    reps = list(User.objects.reps().order_by("username"))

    flagged = early_warnings(reps=reps, today=timezone.localdate(), drop_percent=60)

    # A rep's win rate may dip in the demo's random wins (a real flag); activity drops only Taylor's.
    activity = {found.rep.username: {f.figure for f in found.flags if not f.is_rate} for found in flagged}
    assert {name for name, figures in activity.items() if figures} == {"taylor"}
    assert {"calls", "emails"} <= activity["taylor"]


def test_the_drop_keeps_other_reps_kinds_and_days():
    taylor, sam = User(username="taylor"), User(username="sam")
    wednesday = date(2026, 12, 2)  # last week's Monday: 23 November

    def row(owner, day, kind="call"):
        return Activity(owner=owner, kind=kind, day=day, occurred_at=at(day))

    kept_before = [row(taylor, date(2026, 11, 22)) for _ in range(50)]
    others = [row(sam, date(2026, 11, 30)) for _ in range(50)] + [row(taylor, date(2026, 11, 30), "admin")]
    dropped = [row(taylor, date(2026, 11, 23)) for _ in range(500)]

    kept = with_activity_drop(kept_before + others + dropped, today=wednesday)

    assert kept[: len(kept_before) + len(others)] == kept_before + others
    assert 25 <= len(kept) - len(kept_before) - len(others) <= 75  # about one in ten of 500


def _last_closed_month() -> Period:
    return Period.containing(timezone.localdate().replace(day=1) - timedelta(days=1))


def test_the_managers_growth_has_a_rep_well_up_and_taylor_down(demo, db):
    manager = User.objects.get(username="manager")
    reps = list(User.objects.reps().filter(team__manager=manager))

    rows = growth(reps=reps, period=_last_closed_month()).rows

    compared = {row.rep.username: row.won_amount.growth for row in rows if row.won_amount.before > 0}
    assert all(change is not None for change in compared.values())
    assert compared["taylor"] < 0
    assert max(compared.values()) >= 30  # the team's busiest rep of the month: customers expanded


@pytest.mark.parametrize("team", ["Enterprise East", "Mid-Market West"])
def test_each_teams_retention_has_expansion_contraction_churn_and_new_customers(demo, db, team):
    reps = User.objects.reps().filter(team__name=team)

    retention = revenue_retention(rep_ids=[rep.pk for rep in reps], end=_last_closed_month().end)

    assert retention.starting > 0 and retention.customers > 0
    assert retention.expansion > 0 and retention.contraction > 0
    assert retention.churned > 0 and retention.churned_customers > 0
    assert retention.new > 0
    assert retention.gross_retention < retention.net_retention


def _earlier_deals():
    return Deal.objects.filter(closed_on__lt=demo_year_start(timezone.localdate()))


def test_the_earlier_years_deals_have_the_history_of_real_use(demo, db):
    earlier = _earlier_deals()

    assert earlier.exists()
    for deal in earlier.select_related("stage").prefetch_related("stage_changes__to_stage"):
        changes = sorted(deal.stage_changes.all(), key=lambda change: change.changed_at)
        assert deal.stage.kind == StageKind.WON
        assert changes[-1].to_stage == deal.stage and changes[-1].day == deal.closed_on
        assert changes[0].changed_at == deal.created_at
    call_command("rollups", "verify")  # the dashboard tables saw every one of them


def test_the_earlier_years_deals_close_as_their_owners_forecast_habit(demo, db):
    def outside_commit_share(username):
        won = list(_earlier_deals().filter(owner__username=username))
        return sum(deal.forecast_category != ForecastCategory.COMMIT for deal in won) / len(won)

    # Taylor sandbags a year back too; Alex commits the deals that will be won.
    assert outside_commit_share("taylor") > 0.5 > outside_commit_share("rep")


def test_a_year_before_a_leap_day_is_the_28th():
    assert a_year_before(date(2028, 2, 29)) == date(2027, 2, 28)
    assert a_year_before(date(2026, 11, 30)) == date(2025, 11, 30)
