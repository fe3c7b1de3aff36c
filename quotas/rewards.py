"""Rewards earned on metric goals, recorded once their period has closed (docs/metrics.md "Rewards").

A service of its own beside ``services``: it judges periods with the dashboards' reads
(``dashboards.selectors.rep``), which themselves use ``quotas.planner`` and so ``services``.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from dashboards.selectors.rep import earned_rewards

from .models import EarnedReward, MetricGoal, OrgSettings

# How far back a run looks for periods to record: a year of missed runs and a little more. A period
# that missed its goal is looked at again each night within it (a late deal can still earn it).
REWARDS_LOOK_BACK_DAYS = 400


@transaction.atomic
def earned_rewards_record(*, today: date) -> int:
    """Record the rewards earned in the closed periods of every rewarded goal that have none recorded
    yet (those that ended in the last ``REWARDS_LOOK_BACK_DAYS`` days, before ``today``), from the
    figures and the team's active reps now, and return how many it recorded. Run the night after a
    period closes (``quotas.tasks.record_earned_rewards``), so a team goal pays who was in the team
    then; a period once recorded is never judged again, so a later change pays or takes back nothing.
    Safe to run twice or at once: the rows are unique per goal, rep and period."""
    goals = list(
        MetricGoal.objects.exclude(reward_description="").select_related("rep", "team").order_by("priority", "pk")
    )
    if not goals:
        return 0
    first_day = today - timedelta(days=REWARDS_LOOK_BACK_DAYS)
    recorded = frozenset(
        EarnedReward.objects.filter(goal__in=goals, period_end__gte=first_day).values_list(
            "goal_id", "period_kind", "period_start"
        )
    )
    earned = earned_rewards(
        goals=goals,
        first_day=first_day,
        last_day=today - timedelta(days=1),
        today=today,
        fiscal_start=OrgSettings.load().fiscal_year_start_month,
        recorded=recorded,
    )
    rows = [
        EarnedReward(
            goal=reward.goal,
            rep=reward.rep,
            team=reward.goal.team,
            period_kind=reward.period.kind,
            period_start=reward.period.start,
            period_end=reward.period.end,
            fiscal_start=reward.period.fiscal_start,
            goal_description=str(reward.goal),
            metric=reward.goal.metric,
            direction=reward.goal.direction,
            is_collective=reward.goal.is_collective,
            target=reward.progress.target,
            reached=reward.progress.value.quantize(Decimal("0.0001")),
            reward_description=reward.goal.reward_description,
            reward_amount=reward.goal.reward_amount,
            reward_currency=reward.goal.reward_currency,
        )
        for reward in earned
    ]
    # A run at the same time may have recorded some of them: theirs stand.
    EarnedReward.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
