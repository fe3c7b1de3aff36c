"""Demo quotas and goals for `manage.py seed_demo`: this and last quarter's
revenue quotas for every rep (through the audited service), the team targets,
a few activity goals, one of them ramped for the newest rep, and goals on results with rewards:
every customer touched each month (a SPIF that Jordan, who neglects customers, never earns), a
cycle-length ceiling and the East team's win rate."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Team
from dashboards.demo.locales import DemoLocale
from quotas import services
from quotas.models import ActivityGoal, MetricGoal, OrgSettings
from quotas.tasks import record_earned_rewards

# Quarterly revenue quota per rep (in dollars of the English demo: ``DemoLocale.amount``).
QUARTER_QUOTAS = {
    "rep": 90000,
    "sam": 120000,
    "jordan": 60000,
    "taylor": 75000,
    "casey": 140000,
    "riley": 70000,
    "jamie": 80000,
    "drew": 85000,
}


def seed_quota_demo(*, users: dict, words: DemoLocale) -> None:
    org = OrgSettings.load()
    if words.currency:
        # Before any amount that names it: the rewards take the organisation's currency.
        org.currency = words.currency
        services.org_settings_save(org_settings=org, by=users["admin"])
    this_quarter = org.period(timezone.localdate(), "quarter")
    admin = users["admin"]
    for period in (this_quarter.previous(), this_quarter):
        for username, target in QUARTER_QUOTAS.items():
            services.quota_set(by=admin, period=period, target=words.amount(target), rep=users[username])
    for team in Team.objects.filter(parent__isnull=False):
        total = sum(QUARTER_QUOTAS[u.username] for u in team.members.all() if u.username in QUARTER_QUOTAS)
        services.quota_set(by=admin, period=this_quarter, target=words.amount(total), team=team)
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    for username in QUARTER_QUOTAS:
        services.goal_save(goal=ActivityGoal(rep=users[username], metric="call", target=60, priority=1))
        services.goal_save(goal=ActivityGoal(rep=users[username], metric="meetings_demos", target=4, priority=2))
    # The newest rep ramps up: 50 emails this week, ten more each week, up to 100.
    services.goal_save(
        goal=ActivityGoal(
            rep=users["jordan"], metric="email", target=100, ramp_start=50, ramp_step=10, starts_on=monday, priority=3
        )
    )
    east = Team.objects.get(name=words.teams["east"])
    services.goal_save(goal=ActivityGoal(team=east, metric="meetings_demos", target=16, is_collective=True, priority=1))
    seed_metric_goal_demo(users=users, east=east, words=words)


def seed_metric_goal_demo(*, users: dict, east: Team, words: DemoLocale) -> None:
    # From four months back, so the closed months already show who earned the reward.
    first = timezone.localdate().replace(day=1) - timedelta(days=100)
    for username in QUARTER_QUOTAS:
        services.metric_goal_save(
            goal=MetricGoal(
                rep=users[username],
                metric="coverage",
                coverage_scope="customers",
                period_kind="month",
                target=Decimal("80"),
                starts_on=first,
                priority=1,
                reward_description=words.reward_description,
                reward_amount=words.amount(250),
                reward_currency=OrgSettings.load().currency,
            )
        )
        services.metric_goal_save(
            goal=MetricGoal(
                rep=users[username],
                metric="cycle_length",
                direction="at_most",
                period_kind="quarter",
                target=Decimal("60"),
                starts_on=first,
                priority=2,
            )
        )
    services.metric_goal_save(
        goal=MetricGoal(team=east, metric="win_rate", period_kind="quarter", target=Decimal("30"), starts_on=first)
    )
    # The closed months' rewards, recorded as the nightly run would: at the commit, after the dashboard
    # tables' refresh queued before it, whose figures they are judged on.
    transaction.on_commit(record_earned_rewards.delay)
