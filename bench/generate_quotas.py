"""Quotas and activity goals for the generated organisation."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal


def write_quotas_and_goals(*, reps, teams, department, habits, start, today, admin, org) -> dict:
    """Quarterly revenue quotas per rep and team, a yearly one for the department,
    monthly won-deals quotas for the last year; call and meeting goals per rep, an email
    goal ramped for each rep hired during the period, a collective meetings goal per team."""
    from django.db import transaction

    from quotas.models import ActivityGoal, Quota, QuotaChange

    fiscal = org.fiscal_year_start_month
    quotas = _quarterly_quotas(reps=reps, teams=teams, habits=habits, start=start, today=today, fiscal=fiscal)
    quotas += _department_quotas(quotas, department=department, start=start, today=today, fiscal=fiscal)
    quotas += _monthly_quotas(reps=reps, habits=habits, today=today, fiscal=fiscal)
    goals = _goals(reps=reps, teams=teams, habits=habits, start=start)
    with transaction.atomic():
        made = Quota.objects.bulk_create(quotas, batch_size=2000)
        changes = [
            QuotaChange(quota=q, description=str(q)[:200], changed_by=admin, new_target=q.target,
                        new_stretch_percent=q.stretch_percent, reason="bench")
            for q in made
        ]  # fmt: skip
        QuotaChange.objects.bulk_create(changes, batch_size=2000)
        ActivityGoal.objects.bulk_create(goals, batch_size=2000)
    return {"quotas": len(quotas), "goals": len(goals)}


def _quarterly_quotas(*, reps, teams, habits, start: date, today: date, fiscal: int) -> list:
    from quotas.models import Quota
    from quotas.periods import Period

    quotas = []
    quarter = Period.containing(start, "quarter", fiscal)
    last = Period.containing(today, "quarter", fiscal)
    by_team: dict[int, Decimal] = {}
    while quarter <= last:
        by_team.clear()
        for rep in reps:
            _segment, h = habits[rep.pk]
            if quarter.end < h.hired:
                continue
            # About a quarter's expected wins (deals x win rate x size), rounded to the thousand.
            expected = (
                h.deals_per_day
                * 63
                * 0.35
                * h.deal_size
                * random.Random(rep.pk * 31 + quarter.start.toordinal()).uniform(0.8, 1.2)
            )
            target = Decimal(round(expected, -3))
            quotas.append(Quota(rep=rep, period_kind="quarter", period_start=quarter.start, target=target))
            by_team[rep.team_id] = by_team.get(rep.team_id, Decimal(0)) + target
        for team in teams:
            if team.pk in by_team:
                quotas.append(
                    Quota(team=team, period_kind="quarter", period_start=quarter.start, target=by_team[team.pk])
                )
        quarter = quarter.next()
    return quotas


def _department_quotas(quarterly: list, *, department, start: date, today: date, fiscal: int) -> list:
    """A yearly quota for the department: the sum of its teams' quarters in that year."""
    from quotas.models import Quota
    from quotas.periods import Period

    quotas = []
    year = Period.containing(start, "year", fiscal)
    while year.start <= today:
        total = sum((q.target for q in quarterly if q.team_id and year.contains(q.period_start)), Decimal(0))
        quotas.append(Quota(team=department, period_kind="year", period_start=year.start, target=total))
        year = year.next()
    return quotas


def _monthly_quotas(*, reps, habits, today: date, fiscal: int) -> list:
    from quotas.models import Quota
    from quotas.periods import Period

    quotas = []
    month = Period.containing(today, "month", fiscal)
    for _n in range(12):
        for rep in reps:
            if month.end >= habits[rep.pk][1].hired:
                quotas.append(
                    Quota(rep=rep, period_kind="month", period_start=month.start, measure="won_deals", target=8)
                )
        month = month.previous()
    return quotas


def _goals(*, reps, teams, habits, start: date) -> list:
    from quotas.models import ActivityGoal

    goals = []
    for rep in reps:
        _segment, h = habits[rep.pk]
        goals.append(ActivityGoal(rep=rep, metric="call", target=100, starts_on=start, priority=1))
        goals.append(ActivityGoal(rep=rep, metric="meetings_demos", target=5, starts_on=start, priority=2))
        if h.hired > start:
            monday = h.hired - timedelta(days=h.hired.weekday())
            goals.append(
                ActivityGoal(rep=rep, metric="email", target=100, ramp_start=50, ramp_step=10, starts_on=monday,
                             priority=3)
            )  # fmt: skip
    for team in teams:
        goals.append(
            ActivityGoal(team=team, metric="meetings_demos", target=40, is_collective=True, starts_on=start, priority=1)
        )
    return goals
