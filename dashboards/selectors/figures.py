"""The dashboards' figures: what each metric is, computed in one place from counts and sums.

Every ratio METRICS.md defines is a property here, dividing two figures the
database already summed (None, shown "—", when the denominator is zero): win
rate, average deal size, cycle length, connect, reply and positive rates,
selling share, attainment, pace and plan progress (``RepFigures``), stage
conversion, leakage and days in stage (``StageFigures``), the share of reps at
quota (``QuotaShare``), a rep's quota and goal lines (``QuotaLine``,
``GoalLine``). The selectors that fill them are in ``per_rep`` (one row per
rep, team totals), ``team`` (stages, splits, trends) and ``rep`` / ``one_on_one``.

No function here reads the database but ``sum_of``, an expression the selectors aggregate with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from django.db.models import (
    DecimalField,
    IntegerField,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from pipeline.models import Stage
from quotas.goal_metrics import METRIC_SPECS, MetricSpec
from quotas.history import GoalProgress, MemberPart
from quotas.models import ActivityGoal, Direction, Measure, MetricGoal, Quota
from quotas.periods import Period
from quotas.planner import Funnel

from ..models import STAGE_ROLLUP_VALUES

QUOTA_KINDS = ("month", "quarter", "year")
MEASURE_ORDER = (Measure.REVENUE, Measure.WON_DEALS, Measure.UNITS)
# Goal metrics behind the table's calls, emails and meetings columns.
GOAL_COLUMNS = {
    "calls": ("call",),
    "emails": ("email",),
    "meetings": ("meetings_demos", "meeting", "demo"),
}
ZERO = Decimal(0)


def ratio(numerator, denominator) -> float | None:
    """numerator / denominator; None (shown "—") when the denominator is zero or missing."""
    if numerator is None or not denominator:
        return None
    return float(numerator) / float(denominator)


def percent(numerator, denominator) -> float | None:
    value = ratio(numerator, denominator)
    return None if value is None else value * 100


def sum_of(column: str, output=None, **conditions):
    """SUM(column) over the rows matching ``conditions``, 0 when none."""
    output = output or IntegerField()
    zero = Value(ZERO if isinstance(output, DecimalField) else 0, output_field=output)
    aggregate = Sum(column, filter=Q(**conditions) if conditions else None, output_field=output)
    return Coalesce(aggregate, zero, output_field=output)


MONEY = DecimalField(max_digits=20, decimal_places=2)


def last_refreshed(*moments: datetime | None) -> datetime | None:
    """The newest ``computed_at`` among what a page read; None when it read no dashboard row."""
    found = [moment for moment in moments if moment is not None]
    return max(found) if found else None


# --- the per-rep figures ---------------------------------------------------------------


@dataclass
class RepFigures:
    """One rep's figures for a date range (or a team's, summed: ``rep`` is None).

    Counts and sums only; every ratio is a property dividing two of them, None
    (shown "—") when the denominator is zero. Fields marked "plan" are targets
    for the range (see the module docstring), None when there is no goal/quota.
    """

    rep: User | None = None
    reps: int = 1  # how many reps the figures add up (1 for a rep row)
    # ActivityDay, summed over the range (activity count by occurred day; booked by logged day)
    calls: int = 0
    connected: int = 0
    emails: int = 0
    replied: int = 0
    meetings: int = 0  # meetings and demos occurring in the range
    booked: int = 0  # meetings and demos logged in the range
    held: int = 0
    positive: int = 0
    selling_minutes: int = 0
    minutes: int = 0
    # ClosedDay, closed in the range
    won_deals: int = 0
    won_amount: Decimal = ZERO
    won_units: int = 0
    lost_deals: int = 0
    cycle_days: int = 0  # sum over won deals of (close date - created date)
    # Deal, now
    open_deals: int = 0
    open_amount: Decimal = ZERO
    weighted_amount: Decimal = ZERO
    stale_deals: int = 0
    # Quota prorated to the range (docs/metrics.md "Quota over a chosen range"): targets x the share of
    # each quota period's days inside the range; achieved = won in the range, in the measure shown
    quota_target: Decimal | None = None
    quota_achieved: Decimal | None = None
    quota_stretch_target: Decimal | None = None
    quota_is_own: bool = True  # team total: the team's own quota (False: sum of the rows')
    elapsed_share: float = 0.0  # of the range, today
    quota_kind: str | None = None  # the period kind of the quotas prorated (month, quarter or year)
    quota_measure: str | None = None
    # Activity goals for the range (ramped, prorated to the days a goal was in force, rounded half up)
    calls_goal: Decimal | None = None
    emails_goal: Decimal | None = None
    meetings_goal: Decimal | None = None
    # What each goal column compares with its plan: the count over the same days as the plan (the
    # range's, or from the first day the goal was in force when later); booked: meetings booked
    calls_goal_count: int = 0
    emails_goal_count: int = 0
    meetings_goal_count: int = 0
    booked_goal_count: int = 0
    computed_at: datetime | None = None

    @property
    def name(self) -> str:
        return str(self.rep) if self.rep else str(_("Team total"))

    # METRICS.md "Activity"
    @property
    def connect_rate(self) -> float | None:
        """Calls with outcome connected / calls, in percent."""
        return percent(self.connected, self.calls)

    @property
    def reply_rate(self) -> float | None:
        """Emails with outcome replied / emails sent, in percent."""
        return percent(self.replied, self.emails)

    @property
    def positive_rate(self) -> float | None:
        """Meetings held with outcome positive / meetings held, in percent."""
        return percent(self.positive, self.held)

    @property
    def selling_share(self) -> float | None:
        """Minutes in selling kinds / all logged minutes, in percent."""
        return percent(self.selling_minutes, self.minutes)

    # Goal progress: the count over the goal's days / the plan shown (rounded), in percent.
    @property
    def calls_progress(self) -> float | None:
        return percent(self.calls_goal_count, self.calls_goal)

    @property
    def emails_progress(self) -> float | None:
        return percent(self.emails_goal_count, self.emails_goal)

    @property
    def meetings_progress(self) -> float | None:
        return percent(self.meetings_goal_count, self.meetings_goal)

    @property
    def booked_progress(self) -> float | None:
        """Meetings booked / the meetings goal for the range, in percent (leaderboard "% of plan")."""
        return percent(self.booked_goal_count, self.meetings_goal)

    # METRICS.md "Pipeline"
    @property
    def closed_deals(self) -> int:
        return self.won_deals + self.lost_deals

    @property
    def win_rate(self) -> float | None:
        """Deals closed won / deals closed (won + lost) in the range, in percent."""
        return percent(self.won_deals, self.won_deals + self.lost_deals)

    @property
    def average_deal(self) -> Decimal | None:
        """Sum of won amounts / number of won deals, closed in the range (money)."""
        return self.won_amount / self.won_deals if self.won_deals else None

    @property
    def cycle_length(self) -> float | None:
        """Average of (won date - created date) in days, won deals closed in the range."""
        return ratio(self.cycle_days, self.won_deals)

    # METRICS.md "Quotas and goals"
    @property
    def has_quota(self) -> bool:
        return self.quota_target is not None

    def won_in(self, measure: str) -> Decimal:
        """What a quota of ``measure`` counts as achieved: won revenue, won deals or units, in the range."""
        if measure == Measure.REVENUE:
            return self.won_amount
        return Decimal(self.won_deals if measure == Measure.WON_DEALS else self.won_units)

    @property
    def attainment(self) -> float | None:
        """Achieved / the target prorated to the range, in percent."""
        return percent(self.quota_achieved, self.quota_target)

    @property
    def stretch_attainment(self) -> float | None:
        return percent(self.quota_achieved, self.quota_stretch_target)

    @property
    def pace(self) -> float | None:
        """Achieved / (prorated target x elapsed share of the range), in percent."""
        if self.quota_target is None:
            return None
        return percent(self.quota_achieved, self.quota_target * Decimal(str(self.elapsed_share)))

    @property
    def below_pace(self) -> bool:
        return self.pace is not None and self.pace < 100

    @property
    def at_quota(self) -> bool:
        return self.attainment is not None and self.attainment >= 100

    @property
    def revenue_progress(self) -> float | None:
        """Won revenue in the range / the revenue quota prorated to the range, in percent (leaderboard
        "% of plan"); None when the quotas shown are not revenue quotas."""
        if self.quota_measure != Measure.REVENUE:
            return None
        return percent(self.won_amount, self.quota_target)


ADDITIVE_FIGURES = [
    "calls",
    "connected",
    "emails",
    "replied",
    "meetings",
    "booked",
    "held",
    "positive",
    "selling_minutes",
    "minutes",
    "won_deals",
    "won_amount",
    "won_units",
    "lost_deals",
    "cycle_days",
    "open_deals",
    "open_amount",
    "weighted_amount",
    "stale_deals",
    "calls_goal_count",
    "emails_goal_count",
    "meetings_goal_count",
    "booked_goal_count",
]


# --- stages -------------------------------------------------------------------------------


@dataclass
class StageFigures:
    """Stage flow for one stage (METRICS.md "Pipeline"), one rep's (``rep``) or summed over reps (None)."""

    stage: Stage
    rep: User | None = None
    entered: int = 0
    advanced: int = 0
    lost: int = 0
    won: int = 0
    still_open: int = 0
    stays: int = 0
    stay_days: float = 0.0
    left_forward: int = 0
    followups: int = 0
    computed_at: datetime | None = None

    @property
    def conversion(self) -> float | None:
        """Stage conversion S -> next: advanced from S / entered S, in percent (None for won and lost
        stages, which have no next stage)."""
        return None if self.stage.is_closed else percent(self.advanced, self.entered)

    @property
    def leakage(self) -> float | None:
        """Lost from S / entered S, in percent (None for won and lost stages)."""
        return None if self.stage.is_closed else percent(self.lost, self.entered)

    @property
    def days_in_stage(self) -> float | None:
        """Average length in days of the completed stays in S that ended in the period."""
        return ratio(self.stay_days, self.stays)

    @property
    def followups_per_advance(self) -> float | None:
        return ratio(self.followups, self.left_forward)


# Every stage figure but the median adds up across reps (a median does not).
ADDITIVE_STAGE_VALUES = tuple(name for name in STAGE_ROLLUP_VALUES if name != "median_stay_days")


# --- revenue split -------------------------------------------------------------------------


@dataclass
class SplitRow:
    """One slice of revenue: won deals and amount closed in the range (or lost, for competitors)."""

    key: object
    label: str
    deals: int
    amount: Decimal


@dataclass
class RevenueSplit:
    lead_source: list[SplitRow] = field(default_factory=list)
    territory: list[SplitRow] = field(default_factory=list)
    segment: list[SplitRow] = field(default_factory=list)
    deal_type: list[SplitRow] = field(default_factory=list)  # new business vs existing customers
    competitors: list[SplitRow] = field(default_factory=list)  # lost to each competitor
    computed_at: datetime | None = None


# --- trends -----------------------------------------------------------------------------------


@dataclass
class TrendPoint:
    """One week's or month's main figures, summed over the reps (METRICS.md definitions)."""

    period: Period
    calls: int = 0
    emails: int = 0
    meetings: int = 0
    booked: int = 0
    held: int = 0
    won_deals: int = 0
    won_amount: Decimal = ZERO
    lost_deals: int = 0
    computed_at: datetime | None = None

    @property
    def win_rate(self) -> float | None:
        return percent(self.won_deals, self.won_deals + self.lost_deals)


# --- share of reps at quota -------------------------------------------------------------------------


@dataclass
class QuotaShare:
    """METRICS.md "share of reps at quota": reps with attainment >= 100% / reps with a quota in the period."""

    period: Period
    at_quota: int
    with_quota: int

    @property
    def share(self) -> float | None:
        return percent(self.at_quota, self.with_quota)

    @property
    def realistic(self) -> bool | None:
        """Inside the 70-80% band the realism check calls realistic (bounds included)."""
        share = self.share
        return None if share is None else 70 <= share <= 80


# --- activity goals -------------------------------------------------------------------


@dataclass(frozen=True)
class GoalLine:
    """One activity goal on a rep's page: progress in its current week or month (METRICS.md
    "activity goal progress": count in the period / target after ramp), pace, and what is left."""

    goal: ActivityGoal
    progress: GoalProgress
    upcoming: tuple[int, ...]  # a ramped goal's next targets, while still rising
    still_rising: bool
    own: MemberPart | None  # a collective team goal: this rep's count and part
    days_left: int

    @property
    def is_team(self) -> bool:
        return self.goal.team_id is not None

    @property
    def left(self) -> int:
        """Activities still missing: of the rep's part for a collective goal, else of the whole target."""
        if self.own is not None:
            return max(self.own.part - self.own.count, 0)
        return max(self.progress.target - self.progress.count, 0)

    @property
    def per_day(self) -> int:
        return math.ceil(self.left / self.days_left)


# --- quotas and the reverse funnel -------------------------------------------------------


@dataclass(frozen=True)
class QuotaLine:
    """A rep quota in the current month or quarter (METRICS.md "Quotas and goals").

    ``achieved``, ``attainment`` (achieved / target) and ``stretch_attainment``
    (achieved / (target x stretch %)) come from ``Attainment``; all three are
    ``None`` until the rollups computed the quota. Pace = attainment / elapsed
    share of the period. Fractions: 1 = 100%.
    """

    quota: Quota
    period: Period
    achieved: Decimal | None
    attainment: Decimal | None
    stretch_attainment: Decimal | None
    elapsed: Decimal
    computed_at: datetime | None
    funnel: Funnel | None = None  # revenue quotas: deals, meetings and calls still needed

    @property
    def pace(self) -> Decimal | None:
        if self.attainment is None or not self.elapsed:
            return None
        return self.attainment / self.elapsed

    @property
    def attainment_percent(self) -> Decimal | None:
        return None if self.attainment is None else self.attainment * 100

    @property
    def pace_percent(self) -> Decimal | None:
        pace = self.pace
        return None if pace is None else pace * 100

    @property
    def stretch_percent(self) -> Decimal | None:
        return None if self.stretch_attainment is None else self.stretch_attainment * 100

    @property
    def gap(self) -> Decimal | None:
        if self.achieved is None:
            return None
        return max(self.quota.target - self.achieved, Decimal(0))

    @property
    def is_money(self) -> bool:
        return self.quota.measure == Measure.REVENUE


# --- metric goals ----------------------------------------------------------------------


@dataclass
class GoalFigures(RepFigures):
    """A rep's figures in one period of a metric goal (or a team's, summed: ``summed``): the sums of
    ``RepFigures``, so every ratio is the dashboards' own, and for each coverage scope read the
    accounts assigned and touched (``portfolio.selectors.coverage``); ``scope`` picks one."""

    coverage: dict[str, tuple[int, int]] = field(default_factory=dict)
    scope: str = "all"

    @property
    def assigned(self) -> int:
        return self.coverage.get(self.scope, (0, 0))[0]

    @property
    def touched(self) -> int:
        return self.coverage.get(self.scope, (0, 0))[1]

    @property
    def coverage_share(self) -> float | None:
        """Assigned accounts with an activity in the period / assigned accounts, in percent."""
        return percent(self.touched, self.assigned)

    def scoped(self, scope: str) -> GoalFigures:
        return replace(self, scope=scope)

    @classmethod
    def summed(cls, parts: list[GoalFigures]) -> GoalFigures:
        """A team's figures: every count, amount and coverage pair of ``parts`` added up."""
        total = cls(reps=len(parts))
        for name in ADDITIVE_FIGURES:
            setattr(total, name, sum((getattr(part, name) for part in parts), type(getattr(total, name))()))
        for part in parts:
            for scope, (assigned, touched) in part.coverage.items():
                was = total.coverage.get(scope, (0, 0))
                total.coverage[scope] = (was[0] + assigned, was[1] + touched)
        return total


def _meets(value, target, direction: str) -> bool:
    return value <= target if direction == Direction.AT_MOST else value >= target


@dataclass(frozen=True)
class MemberMetric:
    """A collective goal's member: their own figure against their part of the target."""

    rep: User
    value: Decimal | None
    part: Decimal
    too_few: bool
    direction: str

    @property
    def met(self) -> bool:
        return not self.too_few and self.value is not None and _meets(self.value, self.part, self.direction)


@dataclass(frozen=True)
class MetricGoalProgress:
    """A metric goal in one period (docs/metrics.md "Goals on any metric"): the figure so far
    against the target after ramp, in the metric's unit (percentages as 35 = 35%).

    - **too few**: a ratio or an average whose denominator is below the metric's minimum shows
      "too few … so far (n)", no value, no pace, and is not met.
    - **pace**: a figure that accumulates (won revenue and deals, meetings held, coverage) against
      the target x the elapsed share of the period; a ratio or an average as it stands against
      the target. ``on_pace``: at or above that (at or below it for "at most").
    - **met**: the figure meets the target (at least: >=, at most: <=); a collective goal only when
      every member meets their part.
    """

    goal: MetricGoal
    period: Period
    target: Decimal | None
    figures: GoalFigures
    elapsed_share: Decimal
    members: tuple[MemberMetric, ...] = ()

    @property
    def spec(self) -> MetricSpec:
        return METRIC_SPECS[self.goal.metric]

    @property
    def base(self) -> int | None:
        """The ratio's or average's denominator so far: closed deals, calls, logged minutes …"""
        return None if self.spec.base is None else getattr(self.figures, self.spec.base)

    @property
    def too_few(self) -> bool:
        return self.spec.base is not None and self.base < self.spec.minimum

    @property
    def value(self) -> Decimal | None:
        """The figure so far, exact; None with too few events or before the goal starts."""
        raw = getattr(self.figures, self.spec.figure)
        if self.too_few or raw is None:
            return None
        return raw if isinstance(raw, Decimal) else Decimal(str(raw))

    @property
    def expected(self) -> Decimal | None:
        """What "on pace" compares with: the target pro-rated by the elapsed days for a figure that
        accumulates, else the target itself."""
        if self.target is None:
            return None
        return self.target * self.elapsed_share if self.spec.accumulates else self.target

    @property
    def on_pace(self) -> bool | None:
        if self.value is None or self.expected is None:
            return None
        return _meets(self.value, self.expected, self.goal.direction)

    @property
    def reached(self) -> bool:
        """An "at least" figure that only grows (a sum, coverage) has met its target: met for the
        period whatever is left of it."""
        return self.spec.accumulates and self.goal.direction == Direction.AT_LEAST and self.met

    @property
    def pace_percent(self) -> Decimal | None:
        """An accumulating figure / its pro-rated target, in percent; None for a ratio or an average."""
        if not self.spec.accumulates or self.value is None or not self.expected:
            return None
        return self.value / self.expected * 100

    @property
    def progress_percent(self) -> Decimal | None:
        """Figure / target, in percent, for an "at least" goal; None for "at most" (less is better)."""
        if self.goal.direction == Direction.AT_MOST or self.value is None or not self.target:
            return None
        return self.value / self.target * 100

    @property
    def members_met(self) -> int:
        return sum(member.met for member in self.members)

    @property
    def met(self) -> bool:
        if self.target is None:
            return False
        if self.goal.is_collective:
            return bool(self.members) and all(member.met for member in self.members)
        return self.value is not None and _meets(self.value, self.target, self.goal.direction)


@dataclass(frozen=True)
class MetricGoalLine:
    """A metric goal on a rep's page: its current period's progress, and for a collective team goal
    the rep's own figure and part."""

    progress: MetricGoalProgress
    own: MemberMetric | None = None

    @property
    def goal(self) -> MetricGoal:
        return self.progress.goal

    @property
    def is_team(self) -> bool:
        return self.goal.team_id is not None


@dataclass(frozen=True)
class EarnedReward:
    """A reward earned by one rep: their goal (or their team's) met in a closed period."""

    period: Period
    rep: User
    goal: MetricGoal
    progress: MetricGoalProgress

    @property
    def amount(self) -> Decimal | None:
        return self.goal.reward_amount

    @property
    def currency(self) -> str:
        return self.goal.reward_currency
