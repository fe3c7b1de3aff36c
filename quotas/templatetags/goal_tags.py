"""Metric goals and their rewards on the rep's pages and the team dashboard, each reached through
one tag so those pages only include it:

{% load goal_tags %}  {% metric_goals_panel rep %}  {% team_metric_goals reps team_ids %}
{{ value|goal_figure:goal }}  {{ goal|reward }}  {{ goal|reward_amount }}
"""

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboards.selectors.rep import (
    metric_goal_period,
    metric_goals_for,
    metric_progress,
    rep_metric_goals,
)
from dashboards.templatetags.team_figures import DASH, currency, localised
from quotas.goal_metrics import METRIC_SPECS, Unit
from quotas.models import OrgSettings

register = template.Library()

# A rep's page lists the rewards of the periods that ended in the last 90 days.
REWARDS_SHOWN_DAYS = 90


@register.filter
def goal_figure(value, goal) -> str:
    """A figure or a target in ``goal``'s unit: money with the currency code, a percentage and days
    to one decimal (none when whole), a count whole; "—" for None."""
    if value is None or value == "":
        return DASH
    unit = METRIC_SPECS[goal.metric].unit
    if unit == Unit.MONEY:
        return currency(value, -2)
    if unit == Unit.PERCENT:
        return f"{localised(value, -1)}%"
    if unit == Unit.DAYS:
        return _("%(days)s days") % {"days": localised(value, -1)}
    return localised(value, 0)


@register.filter
def reward_amount(goal) -> str:
    """The reward's amount in its own currency, as every amount shows ("500 EUR"); "—" without one."""
    if goal.reward_amount is None:
        return DASH
    return f"{localised(goal.reward_amount, -2)} {goal.reward_currency}"


@register.filter
def reward(goal) -> str:
    """The goal's reward: its description, and its amount when it has one."""
    if not goal.reward_description:
        return ""
    if goal.reward_amount is None:
        return goal.reward_description
    return f"{goal.reward_description} · {reward_amount(goal)}"


@register.inclusion_tag("quotas/_metric_goals.html")
def metric_goals_panel(rep, today=None):
    """The rep's metric goals (their own and their team's) with this period's progress, and the
    rewards they earned in the periods that ended in the last 90 days."""
    today = today or timezone.localdate()
    found = rep_metric_goals(rep=rep, today=today, rewards_since=today - timedelta(days=REWARDS_SHOWN_DAYS - 1))
    return {"rep": rep, "lines": found.lines, "earned": found.earned}


@register.inclusion_tag("quotas/_team_metric_goals.html")
def team_metric_goals(reps, team_ids=(), today=None):
    """The metric goals of the reps shown and of their teams, each with this period's progress: one
    query when there are none."""
    goals = metric_goals_for(reps=list(reps), team_ids=set(team_ids))
    if not goals:
        return {"rows": []}
    today = today or timezone.localdate()
    fiscal_start = OrgSettings.load().fiscal_year_start_month
    pairs = [(goal, metric_goal_period(goal, today, fiscal_start)) for goal in goals]
    progress = metric_progress(pairs=pairs, today=today)
    return {"rows": [progress[(goal.pk, period)] for goal, period in pairs]}
