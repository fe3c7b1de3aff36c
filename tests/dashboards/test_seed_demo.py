import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import Role, Team, User
from tests.helpers import can_sign_in


@pytest.fixture
def debug_on(settings, monkeypatch):
    settings.DEBUG = True
    # The same seed with fewer deals per rep: the volume is checked in one test only.
    monkeypatch.setattr("dashboards.demo.pipeline.DEALS_PER_REP", 3)
    monkeypatch.setattr("dashboards.demo.activities.DAYS", 7)


def test_it_seeds_the_demo_logins(db, debug_on, capsys):
    call_command("seed_demo")
    assert can_sign_in("rep", "demo")
    assert User.objects.get(username="admin").role == Role.ADMIN
    assert User.objects.get(username="manager").managed_teams.get().members.filter(username="rep").exists()
    assert "rep" in capsys.readouterr().out


def test_it_gives_the_director_a_department_of_teams(db, debug_on):
    call_command("seed_demo")
    director = User.objects.get(username="director")
    assert Team.objects.visible_to(director).count() == 3


def test_it_changes_nothing_when_the_demo_exists(db, debug_on, capsys):
    call_command("seed_demo")
    User.objects.filter(username="sam").update(first_name="Samuel")
    call_command("seed_demo")
    assert User.objects.get(username="sam").first_name == "Samuel"
    assert "nothing changed" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_it_starts_over_with_reset(debug_on):
    # Transactional: like the real command, the flush must not run inside a transaction.
    call_command("seed_demo")
    User.objects.filter(username="sam").update(first_name="Samuel")
    call_command("seed_demo", reset=True)
    assert User.objects.get(username="sam").first_name == "Sam"
    assert User.objects.filter(username="rep").count() == 1


def test_it_refuses_to_run_when_debug_is_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_it_seeds_a_year_of_deals_with_consistent_histories(db, debug_on, monkeypatch):
    from django.db.models import Count, Max

    from dashboards.demo.pipeline import HABITS
    from pipeline.models import Deal, StageChange
    from trends.demo import demo_year_start

    monkeypatch.setattr("dashboards.demo.pipeline.DEALS_PER_REP", 36)
    call_command("seed_demo")
    # The year before is won business only, for growth's comparison (tests/trends/test_demo.py).
    this_year = Deal.objects.exclude(closed_on__lt=demo_year_start(timezone.localdate()))
    assert this_year.count() == 36 * len(HABITS)
    reps = User.objects.filter(role=Role.REP)
    assert all(this_year.filter(owner=rep).exists() for rep in reps)
    # Every deal's history ends in the stage it is in now.
    last = StageChange.objects.values("deal").annotate(last=Max("changed_at"))
    assert len(last) == Deal.objects.count()
    for deal in Deal.objects.annotate(changes=Count("stage_changes")).select_related("stage")[:50]:
        assert deal.stage_changes.last().to_stage == deal.stage
    assert Deal.objects.filter(stage__kind="lost", competitor__isnull=False).exists()
    assert not Deal.objects.filter(stage__kind="won", closed_on__isnull=True).exists()
    # Reps differ: conversion is part of the story the dashboards will tell.
    win_counts = {rep.username: this_year.filter(owner=rep, stage__kind="won").count() for rep in reps}
    assert max(win_counts.values()) >= 2 * max(1, min(win_counts.values()))


def test_it_seeds_activity_with_different_habits_per_rep(db, debug_on, monkeypatch):
    from django.db.models import Count, Q

    from activities.models import Activity, Outcome

    monkeypatch.setattr("dashboards.demo.activities.DAYS", 60)
    call_command("seed_demo")
    rates = {
        row["owner__username"]: row["connected"] / row["calls"]
        for row in Activity.objects.filter(kind="call")
        .values("owner__username")
        .annotate(calls=Count("id"), connected=Count("id", filter=Q(outcome=Outcome.CONNECTED)))
    }
    assert set(rates) == set(User.objects.filter(role=Role.REP).values_list("username", flat=True))
    assert max(rates.values()) > 2 * min(rates.values())
    assert Activity.objects.upcoming().exists()
    # Only booked meetings lie ahead; everything else obeys the logging rules.
    assert not Activity.objects.exclude(kind__in=["meeting", "demo"]).filter(occurred_at__gt=timezone.now()).exists()
    assert not Activity.objects.filter(
        occurred_at__gt=timezone.now(), outcome__in=["held", "positive", "no_show"]
    ).exists()


def test_it_seeds_audited_quotas_and_a_ramped_goal(db, debug_on):
    from quotas.models import ActivityGoal, OrgSettings, Quota, QuotaChange

    call_command("seed_demo")
    quarter = OrgSettings.load().period(timezone.localdate(), "quarter")
    rep = User.objects.get(username="rep")
    assert Quota.objects.filter(rep=rep, period_start=quarter.start).exists()
    assert QuotaChange.objects.count() == Quota.objects.count()
    ramped = ActivityGoal.objects.get(rep__username="jordan", ramp_start__isnull=False)
    this_week = OrgSettings.load().period(timezone.localdate(), "week")
    assert [ramped.target_for(this_week), ramped.target_for(this_week.next())] == [50, 60]


def test_it_never_links_an_activity_to_a_deal_before_the_deal_existed(db, debug_on, monkeypatch):
    from django.db.models import F

    from activities.models import Activity

    monkeypatch.setattr("dashboards.demo.pipeline.DEALS_PER_REP", 12)
    monkeypatch.setattr("dashboards.demo.activities.DAYS", 60)
    call_command("seed_demo")
    on_deals = Activity.objects.exclude(deal=None)
    assert on_deals.exists()
    # Neither done nor logged before its deal was created, nor after the deal was closed.
    assert not on_deals.filter(occurred_at__lt=F("deal__created_at")).exists()
    assert not on_deals.filter(created_at__lt=F("deal__created_at")).exists()
    assert not on_deals.filter(day__gt=F("deal__closed_on")).exists()
