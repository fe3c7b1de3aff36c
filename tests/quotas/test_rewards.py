"""Earned rewards are recorded once their period has closed (docs/metrics.md "Rewards"): who earns,
what the record keeps when the goal, the team or the figures change later, the nightly run, and the
pages that read the records.

The clock is frozen on Wednesday 18 November 2026 (fiscal year from January): October is closed,
November is running.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.urls import reverse

from accounts import services as account_services
from dashboards import rollups
from dashboards.selectors.rep import earned_rewards, metric_goals_for
from quotas.models import EarnedReward, MetricGoal, OrgSettings
from quotas.periods import Period
from quotas.rewards import earned_rewards_record
from quotas.tasks import record_earned_rewards
from tests.factories import RepFactory, make_deal, make_pipeline
from tests.helpers import NOW, at

TODAY = NOW.date()
OCTOBER = Period(date(2026, 10, 1), "month")


def won(owner, closed: date, amount: str, cycle_days: int = 10):
    return make_deal(
        owner=owner,
        stage_name="Won",
        amount=amount,
        closed_on=closed,
        created_at=at(closed - timedelta(days=cycle_days)),
    )


def rewarded(**fields) -> MetricGoal:
    fields.setdefault("metric", "won_revenue")
    fields.setdefault("period_kind", "month")
    fields.setdefault("starts_on", date(2026, 10, 1))
    return MetricGoal.objects.create(
        reward_description="Dinner for two", reward_amount=Decimal("150"), reward_currency="EUR", **fields
    )


@pytest.fixture
def books(frozen, db):
    OrgSettings.load()
    make_pipeline()


def paid() -> list[tuple[str, Period, str]]:
    return sorted((r.rep.username, r.period, r.reward_description) for r in EarnedReward.objects.all())


def test_a_met_rep_goal_is_recorded_with_its_terms_and_figures(books, rep):
    won(rep, date(2026, 10, 20), "4500")
    rollups.rebuild()
    goal = rewarded(rep=rep, target=4000)
    assert earned_rewards_record(today=TODAY) == 1
    record = EarnedReward.objects.get()
    assert (record.goal, record.rep, record.team, record.period) == (goal, rep, None, OCTOBER)
    assert (record.period_end, record.target, record.reached) == (date(2026, 10, 31), 4000, 4500)
    assert (record.goal_description, record.metric, record.direction) == (
        "Won revenue at least 4000 per month",
        "won_revenue",
        "at_least",
    )
    assert (record.reward_description, record.amount, record.currency) == ("Dinner for two", 150, "EUR")


def test_a_period_that_missed_the_goal_or_is_still_running_records_nothing(books, rep):
    won(rep, date(2026, 10, 20), "3999")
    won(rep, date(2026, 11, 3), "9000")  # November meets it, but has not closed
    rollups.rebuild()
    rewarded(rep=rep, target=4000)
    assert earned_rewards_record(today=TODAY) == 0
    assert not EarnedReward.objects.exists()


def test_a_collective_goal_with_one_member_short_pays_nobody(books, rep, teammate, team):
    # At least 2,000 over two reps: parts of 1,000. The rep won 3,000, the teammate 900.
    won(rep, date(2026, 10, 5), "3000")
    won(teammate, date(2026, 10, 6), "900")
    rollups.rebuild()
    rewarded(team=team, target=2000, is_collective=True)
    assert earned_rewards_record(today=TODAY) == 0


def test_a_team_goal_met_pays_each_member_with_the_team_recorded(books, rep, teammate, team):
    won(rep, date(2026, 10, 5), "1500")
    won(teammate, date(2026, 10, 6), "1000")
    rollups.rebuild()
    rewarded(team=team, target=2000, is_collective=True)
    assert earned_rewards_record(today=TODAY) == 2
    assert paid() == [("owner", OCTOBER, "Dinner for two"), ("teammate", OCTOBER, "Dinner for two")]
    assert {(r.team, r.is_collective, r.reached) for r in EarnedReward.objects.all()} == {(team, True, 2500)}


def test_a_team_goal_keeps_paying_the_members_of_its_period_after_the_team_changes(books, rep, teammate, team):
    won(rep, date(2026, 10, 5), "2500")
    rollups.rebuild()
    rewarded(team=team, target=2000)
    earned_rewards_record(today=TODAY)
    # Later the teammate moves away and a newcomer joins: October stays the old team's.
    teammate.team = RepFactory(username="elsewhere").team
    account_services.user_update(user=teammate)
    RepFactory(username="newcomer", team=team)
    assert earned_rewards_record(today=TODAY + timedelta(days=1)) == 0
    assert [name for name, _period, _reward in paid()] == ["owner", "teammate"]


def test_recording_twice_changes_nothing(books, rep):
    won(rep, date(2026, 10, 20), "4500")
    rollups.rebuild()
    rewarded(rep=rep, target=4000)
    earned_rewards_record(today=TODAY)
    first = list(EarnedReward.objects.values())
    assert earned_rewards_record(today=TODAY) == 0
    assert list(EarnedReward.objects.values()) == first


def test_a_reward_outlives_its_goal_being_edited_and_deleted(books, rep):
    won(rep, date(2026, 10, 20), "4500")
    rollups.rebuild()
    goal = rewarded(rep=rep, target=4000)
    earned_rewards_record(today=TODAY)
    MetricGoal.objects.filter(pk=goal.pk).update(target=9000, reward_description="A mug", reward_amount=5)
    record = EarnedReward.objects.get()
    assert (record.target, record.reward_description, record.amount) == (4000, "Dinner for two", 150)
    goal.delete()
    record.refresh_from_db()
    assert (record.goal, record.rep, record.period, record.reward_description) == (
        None,
        rep,
        OCTOBER,
        "Dinner for two",
    )


def test_a_late_deal_after_recording_takes_nothing_back(books, rep):
    # Sales cycle at most 30 days: three October wins after 10 days each, met. A fourth October win,
    # logged after the recording, took 200 days: (3 x 10 + 200) / 4 = 57.5 days, no longer met.
    for day in (5, 12, 19):
        won(rep, date(2026, 10, day), "1000")
    rollups.rebuild()
    rewarded(rep=rep, metric="cycle_length", direction="at_most", target=30)
    earned_rewards_record(today=TODAY)
    won(rep, date(2026, 10, 26), "1000", cycle_days=200)
    rollups.rebuild()
    judged_now = earned_rewards(
        goals=metric_goals_for(reps=[rep]), first_day=OCTOBER.start, last_day=TODAY, today=TODAY, fiscal_start=1
    )
    assert judged_now == []  # judged again today, it would be lost
    assert earned_rewards_record(today=TODAY + timedelta(days=1)) == 0
    assert [(r.rep, r.period, r.reached) for r in EarnedReward.objects.all()] == [(rep, OCTOBER, 10)]


def test_the_task_records_every_night_after_the_rollup_rebuild(books, rep):
    entry = settings.CELERY_BEAT_SCHEDULE["record-earned-rewards"]
    rebuild = settings.CELERY_BEAT_SCHEDULE["rebuild-rollups"]["schedule"]
    assert entry["task"] == record_earned_rewards.name
    assert entry["schedule"] == crontab(hour=4, minute=0)
    assert (min(rebuild.hour), min(rebuild.minute)) < (min(entry["schedule"].hour), min(entry["schedule"].minute))


# --- the pages read the records ---------------------------------------------------------------------


@pytest.fixture
def recorded_then_deleted(books, rep):
    """October's reward recorded, then its goal deleted."""
    won(rep, date(2026, 10, 20), "4500")
    rollups.rebuild()
    goal = rewarded(rep=rep, target=4000)
    earned_rewards_record(today=TODAY)
    goal.delete()


def test_the_admin_list_and_csv_show_a_reward_whose_goal_was_deleted(client_as, admin_user, recorded_then_deleted):
    page = client_as(admin_user).get(reverse("quotas:rewards"))
    assert [(str(r.period), r.rep.username) for r in page.context["rewards"]] == [("2026-10", "owner")]
    assert "Dinner for two" in page.content.decode() and "150 EUR" in page.content.decode()
    export = client_as(admin_user).get(reverse("quotas:rewards_export"))
    assert b"Won revenue at least 4000 per month" in b"".join(export.streaming_content)


def test_my_week_shows_a_reward_whose_goal_was_deleted(client_as, rep, recorded_then_deleted):
    page = client_as(rep).get(reverse("dashboards:my_week")).content.decode()
    assert page.count('data-testid="earned-reward"') == 1
    assert "2026-10: Dinner for two · 150 EUR" in page


def test_a_reward_unrecorded_is_not_shown(client_as, admin_user, books, rep):
    # Met, but no run has recorded it yet: the pages never judge a period themselves.
    won(rep, date(2026, 10, 20), "4500")
    rollups.rebuild()
    rewarded(rep=rep, target=4000)
    assert client_as(admin_user).get(reverse("quotas:rewards")).context["rewards"] == []


def test_only_an_admin_sees_the_recorded_rewards(client_as, admin_user, rep, teammate, manager, outsider, books):
    for user in (rep, teammate, manager, outsider):
        assert client_as(user).get(reverse("quotas:rewards")).status_code == 403
        assert client_as(user).get(reverse("quotas:rewards_export")).status_code == 403
    assert client_as(admin_user).get(reverse("quotas:rewards")).status_code == 200
