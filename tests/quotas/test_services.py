from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from quotas import services
from quotas.models import ActivityGoal, Quota, QuotaChange
from quotas.periods import Period
from tests.factories import RepFactory

Q4 = Period.containing(date(2026, 11, 1), "quarter")


def test_setting_a_quota_is_audited(rep, admin_user):
    services.quota_set(by=admin_user, period=Q4, target=Decimal("90000"), rep=rep)
    services.quota_set(by=admin_user, period=Q4, target=Decimal("95000"), rep=rep, reason="New territory")
    quota = Quota.objects.get(rep=rep)
    assert quota.target == Decimal("95000")
    changes = list(QuotaChange.objects.order_by("changed_at", "pk").values_list("old_target", "new_target", "reason"))
    assert changes == [(None, Decimal("90000"), ""), (Decimal("90000"), Decimal("95000"), "New territory")]


def test_setting_the_same_quota_again_writes_no_audit_row(rep, admin_user):
    services.quota_set(by=admin_user, period=Q4, target=Decimal("90000"), rep=rep)
    services.quota_set(by=admin_user, period=Q4, target=Decimal("90000"), rep=rep)
    assert QuotaChange.objects.count() == 1


def test_a_negative_target_is_refused(rep, admin_user):
    with pytest.raises(ValidationError):
        services.quota_set(by=admin_user, period=Q4, target=Decimal("-1"), rep=rep)
    assert not Quota.objects.exists()


def test_deleting_keeps_the_audit_trail(rep, admin_user):
    quota = services.quota_set(by=admin_user, period=Q4, target=Decimal("1000"), rep=rep)
    services.quota_delete(quota=quota, by=admin_user)
    assert not Quota.objects.exists()
    assert QuotaChange.objects.filter(old_target=Decimal("1000"), new_target__isnull=True).exists()


def test_copy_previous_fills_only_the_gaps(rep, teammate, admin_user):
    services.quota_set(by=admin_user, period=Q4.previous(), target=Decimal("80000"), rep=rep)
    services.quota_set(by=admin_user, period=Q4.previous(), target=Decimal("70000"), rep=teammate)
    services.quota_set(by=admin_user, period=Q4, target=Decimal("99000"), rep=teammate)
    assert services.quotas_copy_previous(period=Q4, by=admin_user) == 1
    assert Quota.objects.get(rep=rep, period_start=Q4.start).target == Decimal("80000")
    assert Quota.objects.get(rep=teammate, period_start=Q4.start).target == Decimal("99000")


def test_an_even_split_places_the_remainder_visibly(team, admin_user):
    reps = [RepFactory(username=name, first_name=name, team=team) for name in ("a", "b", "c")]
    shares = services.team_target_split(team=team, period=Q4, total=Decimal("100000"), by=admin_user)
    assert [(s.rep.username, s.amount, s.got_remainder) for s in shares] == [
        ("a", Decimal("33334"), True),
        ("b", Decimal("33333"), False),
        ("c", Decimal("33333"), False),
    ]
    assert sum(q.target for q in Quota.objects.filter(rep__in=reps)) == Decimal("100000")
    assert Quota.objects.get(team=team).target == Decimal("100000")


def test_a_weighted_split_follows_the_weights(team, admin_user):
    a, b = RepFactory(username="a", first_name="a", team=team), RepFactory(username="b", first_name="b", team=team)
    shares = services.team_target_split(
        team=team, period=Q4, total=Decimal("1000"), by=admin_user, weights={a.pk: Decimal(2), b.pk: Decimal(1)}
    )
    # 666.67 and 333.33: the unit left over goes to the larger fraction (a).
    assert [(s.amount, s.got_remainder) for s in shares] == [(Decimal("667"), True), (Decimal("333"), False)]


def test_a_split_refuses_all_zero_weights(team, admin_user):
    a = RepFactory(username="a", team=team)
    with pytest.raises(ValidationError):
        services.team_target_split(team=team, period=Q4, total=Decimal("1000"), by=admin_user, weights={a.pk: 0})
    assert not Quota.objects.exists()


def test_a_ramped_goal_rises_each_week_until_its_target(rep):
    goal = services.goal_save(
        goal=ActivityGoal(rep=rep, metric="email", target=100, ramp_start=50, ramp_step=10, starts_on=date(2026, 11, 2))
    )
    weeks = [Period.containing(date(2026, 11, 2), "week")]
    for _ in range(7):
        weeks.append(weeks[-1].next())
    assert [goal.target_for(w) for w in weeks] == [50, 60, 70, 80, 90, 100, 100, 100]
    assert goal.target_for(weeks[0].previous()) == 0


def test_a_ramp_needs_both_start_and_step(rep):
    with pytest.raises(ValidationError):
        services.goal_save(goal=ActivityGoal(rep=rep, metric="call", target=100, ramp_start=50))
