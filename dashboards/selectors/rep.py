"""Reads for "My week", the rep's home page; the one-on-one page (``one_on_one``) reuses its goal,
quota, planner and stale-deal reads.

Counts and sums come from the dashboard tables (``ActivityDay``, ``ClosedDay``,
``StageRollup``, ``Attainment``); figures that depend on the clock (open
pipeline, open age, stale deals, upcoming meetings) are read from the domain
rows at request time, as METRICS.md and ARCHITECTURE.md ask. Every function
costs a fixed number of queries whatever the data size; Python only divides
figures the database already summed.

Cases METRICS.md leaves open, defined here:

- **Remaining days** of a goal's period are the working days (Monday to Friday)
  from today to the period's last day, today included; on a weekend with no
  working day left, the calendar days left. "Left per day" is what is still
  missing of the target divided by them, rounded up.
- On "My week", a **team goal** shows the team's count against the team's
  target; for a collective goal, the rep's own part is shown too, and "left per
  day" is what is missing of that part.
- **Last refreshed** is the latest ``computed_at`` among the dashboard rows a
  page reads; ``None`` when none exist yet.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Q, Sum

from accounts.models import Team, User
from activities.models import MEETING_KINDS, Activity, Kind
from pipeline.models import Deal, StageKind
from quotas import history
from quotas.goal_metrics import METRIC_SPECS, Unit
from quotas.history import GoalProgress, History, Rates
from quotas.models import ActivityGoal, Measure, MetricGoal, OrgSettings, OutcomeMetric, Quota
from quotas.models import EarnedReward as RewardRecord
from quotas.periods import Period
from quotas.planner import reverse_funnel

from .. import figure_cache
from ..models import ActivityDay, ClosedDay
from .figures import (
    EarnedReward,
    GoalFigures,
    GoalLine,
    MemberMetric,
    MetricGoalLine,
    MetricGoalProgress,
    QuotaLine,
    last_refreshed,
)
from .per_rep import goal_figures, stale_condition, stale_thresholds

UPCOMING_MEETINGS = 8
STALE_DEALS_SHOWN = 50
GOAL_HISTORY_PERIODS = 4


def working_days_left(period: Period, today: date) -> int:
    """Working days (Monday to Friday) from ``today`` to the end of ``period``, today included;
    on a weekend with none left, the calendar days left (at least 1)."""
    first = max(today, period.start)
    days = (period.end - first).days + 1
    if days <= 0:
        return 1
    working = sum(1 for offset in range(days) if (first + timedelta(days=offset)).weekday() < 5)
    return working or days


def _elapsed(period: Period, today: date) -> Decimal:
    """Share of the period gone by the end of ``today`` (METRICS.md "pace"), as an exact Decimal."""
    if today < period.start:
        return Decimal(0)
    if today >= period.end:
        return Decimal(1)
    return Decimal((today - period.start).days + 1) / Decimal(period.days)


def _activity_counts(*, owner_ids, kinds, periods: list[Period]) -> dict[tuple[int, str, Period], int]:
    """Activity counts by (rep, kind, period), summed from ``ActivityDay`` by ``day``: one query for all periods."""
    if not owner_ids or not kinds or not periods:
        return {}
    sums = {f"p{i}": Sum("count", filter=Q(day__range=(p.start, p.end)), default=0) for i, p in enumerate(periods)}
    rows = (
        ActivityDay.objects.filter(
            rep_id__in=owner_ids,
            kind__in=kinds,
            day__range=(min(p.start for p in periods), max(p.end for p in periods)),
        )
        .values("rep_id", "kind")
        .annotate(**sums)
        .order_by()
    )
    counts = {}
    for row in rows:
        for i, period in enumerate(periods):
            counts[(row["rep_id"], row["kind"], period)] = row[f"p{i}"]
    return counts


def rep_goals(*, rep: User) -> list[ActivityGoal]:
    """The goals that apply to ``rep``: their own and their team's, in priority order."""
    scope = Q(rep=rep) | Q(team_id=rep.team_id) if rep.team_id else Q(rep=rep)
    return list(ActivityGoal.objects.filter(scope).select_related("team").order_by("priority", "pk"))


def goal_lines(*, rep: User, goals: list[ActivityGoal], today: date) -> list[GoalLine]:
    """Each goal's progress in its current week or month, with the ramped target, pace and what is
    left per remaining day. Counts come from ``ActivityDay``; targets from ``ActivityGoal.target_for``;
    the collective rule (each member's part is the target shared evenly, rounded up; met only when every
    member meets theirs) is the goals page's own (``quotas.history``). Two queries."""
    if not goals:
        return []
    team_ids = {g.team_id for g in goals if g.team_id}
    # The same members as the goals page: the team's active reps.
    team_reps = history._team_reps(team_ids) if team_ids else {}
    owner_ids = {rep.pk} | {member.pk for members in team_reps.values() for member in members}
    periods = sorted({history.goal_period(g, today) for g in goals})
    counts = _activity_counts(owner_ids=owner_ids, kinds={k for g in goals for k in g.kinds}, periods=periods)
    lines = []
    for goal in goals:
        period = history.goal_period(goal, today)
        progress = history._progress(goal=goal, period=period, today=today, counts=counts, team_reps=team_reps)
        upcoming, rising = history.ramp_targets(goal, period)
        own = next((m for m in progress.members if m.rep.pk == rep.pk), None)
        lines.append(GoalLine(goal, progress, upcoming, rising, own, working_days_left(period, today)))
    return lines


@dataclass(frozen=True)
class GoalHistory:
    """One goal over its last few periods, oldest first: each period's progress."""

    goal: ActivityGoal
    periods: tuple[GoalProgress, ...]


def goal_history(*, rep: User, goals: list[ActivityGoal], today: date, periods: int = GOAL_HISTORY_PERIODS):
    """Each goal's progress in its current period and the ``periods - 1`` before it (counts from
    ``ActivityDay``, targets after ramp for each period), never a period wholly before the goal
    started: two queries."""
    if not goals:
        return []
    team_ids = {g.team_id for g in goals if g.team_id}
    team_reps = history._team_reps(team_ids) if team_ids else {}
    owner_ids = {rep.pk} | {member.pk for members in team_reps.values() for member in members}
    per_goal = {}
    for goal in goals:
        cursor = history.goal_period(goal, today)
        chain = [cursor]
        for _i in range(periods - 1):
            if goal.starts_on and cursor.start <= goal.starts_on:
                break  # the periods before would lie wholly before the goal started
            cursor = cursor.previous()
            chain.append(cursor)
        per_goal[goal.pk] = list(reversed(chain))
    all_periods = sorted({p for chain in per_goal.values() for p in chain})
    counts = _activity_counts(owner_ids=owner_ids, kinds={k for g in goals for k in g.kinds}, periods=all_periods)
    return [
        GoalHistory(
            goal,
            tuple(
                history._progress(goal=goal, period=p, today=today, counts=counts, team_reps=team_reps)
                for p in per_goal[goal.pk]
            ),
        )
        for goal in goals
    ]


def current_periods(*, org: OrgSettings, today: date) -> list[Period]:
    """This month and this fiscal quarter."""
    return [org.period(today, "month"), org.period(today, "quarter")]


def quota_lines(*, rep: User, periods: list[Period], today: date) -> list[QuotaLine]:
    """The rep's quotas in ``periods`` (any measure), in the order of ``periods``, with attainment: one query."""
    keys = Q(pk__in=[])
    for period in periods:
        keys |= Q(period_kind=period.kind, period_start=period.start)
    quotas = Quota.objects.filter(keys, rep=rep).select_related("attainment")
    by_key = {(q.period_kind, q.period_start): [] for q in quotas}
    for quota in quotas:
        by_key[(quota.period_kind, quota.period_start)].append(quota)
    lines = []
    for period in periods:
        for quota in sorted(by_key.get((period.kind, period.start), []), key=lambda q: q.measure != Measure.REVENUE):
            row = getattr(quota, "attainment", None)
            lines.append(
                QuotaLine(
                    quota=quota,
                    period=period,
                    achieved=row.achieved if row else None,
                    attainment=row.attainment if row else None,
                    stretch_attainment=row.stretch_attainment if row else None,
                    elapsed=_elapsed(period, today),
                    computed_at=row.computed_at if row else None,
                )
            )
    return lines


@dataclass(frozen=True)
class PlannerHistory:
    """The rep's and the team's trailing-180-day history, from the dashboard tables."""

    rep: History
    team: History | None
    computed_at: datetime | None


def planner_history(*, rep: User, today: date) -> PlannerHistory:
    """Won deals and amount (``ClosedDay``), calls, meetings held and booked (``ActivityDay``) over the
    trailing 180 days, for the rep and for the rep's team (its members now).

    The same figures as the planner's (``quotas.history``): meetings are meetings and demos, held by
    the day they occurred, booked by the day they were logged. Two queries for the team's members
    and their figure versions; two more when those moved since the last request (the team's
    180 days were 13 ms of the 40 "My week" took)."""
    members = (
        list(User.objects.filter(Q(team_id=rep.team_id) | Q(pk=rep.pk)).values_list("pk", flat=True))
        if rep.team_id
        else [rep.pk]
    )
    return figure_cache.remembered(
        "planner-history",
        rep_ids=members,
        scope=(rep.pk, rep.team_id, today),
        compute=lambda: _planner_history(rep=rep, members=members, today=today),
    )


def _planner_history(*, rep: User, members: list[int], today: date) -> PlannerHistory:
    window = history.history_window(today)
    scope = Q(rep_id__in=members) if rep.team_id else Q(rep=rep)
    mine = Q(rep=rep)
    calls, meetings = Q(kind=Kind.CALL), Q(kind__in=MEETING_KINDS)
    activity = ActivityDay.objects.filter(scope, day__range=window).aggregate(
        rep_calls=Sum("count", filter=mine & calls, default=0),
        rep_held=Sum("held", filter=mine & meetings, default=0),
        rep_booked=Sum("booked", filter=mine & meetings, default=0),
        team_calls=Sum("count", filter=calls, default=0),
        team_held=Sum("held", filter=meetings, default=0),
        team_booked=Sum("booked", filter=meetings, default=0),
        computed_at=Max("computed_at", filter=mine),
    )
    won = ClosedDay.objects.filter(scope, day__range=window, won=True).aggregate(
        rep_deals=Sum("deals", filter=mine, default=0),
        rep_amount=Sum("amount", filter=mine, default=Decimal(0)),
        team_deals=Sum("deals", default=0),
        team_amount=Sum("amount", default=Decimal(0)),
        computed_at=Max("computed_at", filter=mine),
    )

    def history_of(prefix: str) -> History:
        return History(
            won_deals=won[f"{prefix}_deals"],
            won_amount=Decimal(won[f"{prefix}_amount"]),
            meetings_held=activity[f"{prefix}_held"],
            meetings_booked=activity[f"{prefix}_booked"],
            calls=activity[f"{prefix}_calls"],
        )

    return PlannerHistory(
        rep=history_of("rep"),
        team=history_of("team") if rep.team_id else None,
        computed_at=last_refreshed(activity["computed_at"], won["computed_at"]),
    )


def rep_rates(*, planner: PlannerHistory, org: OrgSettings) -> Rates:
    """The planner's rates for this rep: own history, else the team's, else the defaults (METRICS.md)."""
    return history.rates_for(rep=planner.rep, team=planner.team, org=org)


def with_funnels(*, lines: list[QuotaLine], rates: Rates, today: date) -> list[QuotaLine]:
    """Revenue quota lines with the reverse funnel for the gap still open (METRICS.md "Top-down planner"):
    deals = gap / average deal, meetings = deals / meeting -> won, calls = meetings / call -> meeting,
    each rounded up, and per week for the weeks left in the period."""
    result = []
    for line in lines:
        funnel = None
        if line.is_money and line.gap is not None:
            funnel = reverse_funnel(
                gap=line.gap,
                average_deal=rates.average_deal.value,
                meeting_to_win=rates.meeting_to_win.value,
                call_to_meeting=rates.call_to_meeting.value,
                weeks_left=line.period.weeks_left(today),
            )
        result.append(replace(line, funnel=funnel))
    return result


# --- pipeline ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StageLine:
    """Open deals in one stage now (METRICS.md "open deals"): count, value = sum of amounts,
    weighted value = sum of amount x stage probability."""

    pipeline_id: int
    pipeline: str
    stage_id: int
    stage: str
    deals: int
    value: Decimal
    weighted: Decimal


@dataclass(frozen=True)
class OpenPipeline:
    stages: list[StageLine]

    @property
    def deals(self) -> int:
        return sum(s.deals for s in self.stages)

    @property
    def value(self) -> Decimal:
        return sum((s.value for s in self.stages), Decimal(0))

    @property
    def weighted(self) -> Decimal:
        return sum((s.weighted for s in self.stages), Decimal(0))

    @property
    def pipeline_ids(self) -> list[int]:
        return sorted({s.pipeline_id for s in self.stages})

    @property
    def several_pipelines(self) -> bool:
        return len(self.pipeline_ids) > 1


def open_pipeline(*, owner_ids) -> OpenPipeline:
    """The owners' open deals now, by stage in pipeline and stage order: one GROUP BY query."""
    amount_x_probability = ExpressionWrapper(
        F("amount") * F("stage__probability"), output_field=DecimalField(max_digits=20, decimal_places=2)
    )
    rows = (
        Deal.objects.filter(owner_id__in=owner_ids, stage__kind=StageKind.OPEN)
        .values("pipeline_id", "pipeline__name", "stage_id", "stage__name", "stage__order")
        .annotate(deals=Count("pk"), value=Sum("amount"), weighted=Sum(amount_x_probability))
        .order_by("pipeline__name", "pipeline_id", "stage__order", "stage_id")
    )
    return OpenPipeline(
        [
            StageLine(
                pipeline_id=row["pipeline_id"],
                pipeline=row["pipeline__name"],
                stage_id=row["stage_id"],
                stage=row["stage__name"],
                deals=row["deals"],
                value=Decimal(row["value"] or 0),
                weighted=(Decimal(row["weighted"] or 0) / 100).quantize(Decimal("0.01"), ROUND_HALF_UP),
            )
            for row in rows
        ]
    )


def stale_deals(
    *, owner_ids, now: datetime, limit: int = STALE_DEALS_SHOWN, thresholds: dict[int, float | None] | None = None
) -> list[Deal]:
    """Open deals whose open age (now - entered the stage) is over the stage's threshold (METRICS.md
    "stale deal": rotting days, else 2 x the stage's median days in stage over the last 180 days), oldest
    first, each with ``age_days`` and ``limit_days``. The thresholds are the team dashboard's
    (``stale_thresholds``, two queries, unless given); one more query for the deals."""
    if thresholds is None:
        thresholds = stale_thresholds()
    if not any(days is not None for days in thresholds.values()):
        return []
    deals = list(
        Deal.objects.filter(stale_condition(thresholds, now), owner_id__in=owner_ids)
        .filter(stage__kind=StageKind.OPEN)
        .select_related("stage", "company", "owner")
        .order_by("stage_entered_at", "pk")[:limit]
    )
    for deal in deals:
        deal.age_days = deal.days_in_stage(now)
        deal.limit_days = thresholds[deal.stage_id]
    return deals


# --- activity ----------------------------------------------------------------------------


def upcoming_meetings(*, rep: User, now: datetime, limit: int = UPCOMING_MEETINGS) -> list[Activity]:
    """The rep's next scheduled meetings and demos, soonest first: one query."""
    return list(
        Activity.objects.filter(owner=rep)
        .upcoming(now)
        .select_related("company", "contact", "deal")
        .order_by("occurred_at", "pk")[:limit]
    )


@dataclass(frozen=True)
class KindMinutes:
    """Activities of one kind: how many, and the minutes logged (METRICS.md "activity count",
    "time spent"). Today's lines here and the range's in ``time_spent`` extend it."""

    kind: str
    count: int
    minutes: int

    @property
    def label(self) -> str:
        return Kind(self.kind).label if self.kind in Kind.values else self.kind


class KindTotals:
    """What a dataclass's ``kinds`` (``KindMinutes``) add up to: activities and minutes."""

    kinds: list[KindMinutes]

    @property
    def count(self) -> int:
        return sum(k.count for k in self.kinds)

    @property
    def minutes(self) -> int:
        return sum(k.minutes for k in self.kinds)


@dataclass(frozen=True)
class KindLine(KindMinutes):
    """A rep's activities of one kind on one day, with their outcomes."""

    connected: int
    replied: int
    held: int
    booked: int


@dataclass(frozen=True)
class Today(KindTotals):
    day: date
    kinds: list[KindLine]
    computed_at: datetime | None


def day_activity(*, rep: User, day: date) -> Today:
    """The rep's logged activity on ``day`` by kind, from ``ActivityDay``: one query. Kinds with only
    meetings booked that day (and none held) still show, with a count of 0."""
    rows = ActivityDay.objects.filter(rep=rep, day=day).order_by("kind")
    kinds = [
        KindLine(r.kind, r.count, r.minutes, r.connected, r.replied, r.held, r.booked)
        for r in rows
        if r.count or r.booked
    ]
    return Today(day, kinds, last_refreshed(*(r.computed_at for r in rows)))


# --- the page -----------------------------------------------------------------------------


@dataclass
class MyWeek:
    rep: User
    today: date
    week: Period
    month: Period
    currency: str
    goals: list[GoalLine]
    quotas: list[QuotaLine]
    rates: Rates
    pipeline: OpenPipeline
    stale: list[Deal]
    upcoming: list[Activity]
    day: Today
    refreshed_at: datetime | None = None


def my_week(*, rep: User, today: date, now: datetime) -> MyWeek:
    """Everything on "My week", in a fixed number of queries."""
    org = OrgSettings.load()
    goals = goal_lines(rep=rep, goals=rep_goals(rep=rep), today=today)
    planner = planner_history(rep=rep, today=today)
    rates = rep_rates(planner=planner, org=org)
    quotas = with_funnels(
        lines=quota_lines(rep=rep, periods=current_periods(org=org, today=today), today=today),
        rates=rates,
        today=today,
    )
    pipeline = open_pipeline(owner_ids=[rep.pk])
    day = day_activity(rep=rep, day=today)
    return MyWeek(
        rep=rep,
        today=today,
        week=org.period(today, "week"),
        month=org.period(today, "month"),
        currency=org.currency,
        goals=goals,
        quotas=quotas,
        rates=rates,
        pipeline=pipeline,
        stale=stale_deals(owner_ids=[rep.pk], now=now),
        upcoming=upcoming_meetings(rep=rep, now=now),
        day=day,
        refreshed_at=last_refreshed(planner.computed_at, day.computed_at, *(q.computed_at for q in quotas)),
    )


# --- metric goals and their rewards ------------------------------------------------------------


def metric_goals_for(*, reps: list[User], team_ids: set[int] | None = None) -> list[MetricGoal]:
    """The metric goals of ``reps`` and of their teams (and of ``team_ids``), in priority order: one query."""
    teams = {rep.team_id for rep in reps if rep.team_id} | set(team_ids or ())
    return list(
        MetricGoal.objects.filter(Q(rep__in=reps) | Q(team_id__in=teams))
        .select_related("rep", "team")
        .order_by("priority", "pk")
    )


def _member_part(goal: MetricGoal, target: Decimal, members: int) -> Decimal:
    """A collective goal's part for each member: a sum (revenue, deals, meetings held) shared evenly,
    rounded up (to the cent, or to a whole deal or meeting) so the parts cover the target; a ratio, an
    average or a coverage share is each member's own to reach in full."""
    spec = METRIC_SPECS[goal.metric]
    if not spec.accumulates or spec.unit == Unit.PERCENT or members <= 1:
        return target
    step = Decimal(1) if spec.unit == Unit.COUNT else Decimal("0.01")
    return (target / members).quantize(step, ROUND_CEILING)


def metric_progress(
    *, pairs: list[tuple[MetricGoal, Period]], today: date, team_reps: dict[int, list[User]] | None = None
) -> dict[tuple[int, Period], MetricGoalProgress]:
    """Each (goal, period)'s progress, keyed by (goal id, period). A rep goal reads the rep's figures,
    a team goal the sum of the team's active reps' (not the teams below, like activity goals); a
    collective goal also each member's own against their part. Two queries for the figures of every
    period at once, one for the teams' reps (unless given: ``team_reps``), and the coverage reads of
    coverage goals."""
    if not pairs:
        return {}
    if team_reps is None:
        team_reps = history._team_reps({goal.team_id for goal, _period in pairs if goal.team_id})
    rep_ids = {goal.rep_id for goal, _period in pairs if goal.rep_id}
    rep_ids |= {member.pk for members in team_reps.values() for member in members}
    scopes = {goal.coverage_scope for goal, _period in pairs if goal.metric == OutcomeMetric.COVERAGE}
    figures = goal_figures(rep_ids=rep_ids, periods={period for _goal, period in pairs}, coverage_scopes=scopes)
    found = {}
    for goal, period in pairs:
        target = goal.target_for(period)
        members: tuple[MemberMetric, ...] = ()
        if goal.rep_id:
            own = figures[(goal.rep_id, period)].scoped(goal.coverage_scope)
        else:
            reps = team_reps.get(goal.team_id, [])
            own = GoalFigures.summed([figures[(rep.pk, period)] for rep in reps]).scoped(goal.coverage_scope)
            if goal.is_collective and target is not None:
                part = _member_part(goal, target, len(reps))
                members = tuple(
                    _member(goal, rep, figures[(rep.pk, period)].scoped(goal.coverage_scope), part, period, today)
                    for rep in reps
                )
        found[(goal.pk, period)] = MetricGoalProgress(goal, period, target, own, _elapsed(period, today), members)
    return found


def _member(goal, rep, figures: GoalFigures, part: Decimal, period: Period, today: date) -> MemberMetric:
    alone = MetricGoalProgress(goal, period, part, figures, _elapsed(period, today))
    return MemberMetric(rep, alone.value, part, alone.too_few, goal.direction)


def metric_goal_period(goal: MetricGoal, today: date, fiscal_start: int) -> Period:
    """The goal's current week, month or fiscal quarter."""
    return Period.containing(today, goal.period_kind, fiscal_start)


def metric_goal_lines(*, rep: User, goals: list[MetricGoal], today: date, fiscal_start: int) -> list[MetricGoalLine]:
    """Each goal's progress in its current period, for ``rep``'s page (My week, one-on-one): for a
    collective team goal, with the rep's own figure and part."""
    pairs = [(goal, metric_goal_period(goal, today, fiscal_start)) for goal in goals]
    progress = metric_progress(pairs=pairs, today=today)
    lines = []
    for goal, period in pairs:
        found = progress[(goal.pk, period)]
        own = next((member for member in found.members if member.rep.pk == rep.pk), None)
        lines.append(MetricGoalLine(found, own))
    return lines


@dataclass(frozen=True)
class RepMetricGoals:
    """A rep's metric goals this period, and the rewards recorded for them lately."""

    lines: list[MetricGoalLine]
    earned: list[RewardRecord]


def rep_metric_goals(*, rep: User, today: date, rewards_since: date) -> RepMetricGoals:
    """The rep's metric goals (their own and their team's) with this period's progress, and the
    rewards recorded for the rep in the periods that ended from ``rewards_since`` on (kept when their
    goal was deleted since). Two queries without goals; with them, the organisation's fiscal start,
    the team's reps and the figures of this period (two queries), plus any coverage reads."""
    earned = recorded_rewards(first_day=rewards_since, last_day=today, rep=rep)
    goals = metric_goals_for(reps=[rep])
    if not goals:
        return RepMetricGoals([], earned)
    fiscal_start = OrgSettings.load().fiscal_year_start_month
    return RepMetricGoals(metric_goal_lines(rep=rep, goals=goals, today=today, fiscal_start=fiscal_start), earned)


def recorded_rewards(
    *, first_day: date, last_day: date, team: Team | None = None, rep: User | None = None
) -> list[RewardRecord]:
    """The rewards recorded for the periods that ended between ``first_day`` and ``last_day`` (both
    included), newest period first, then by rep and in the order recorded (goal priority); ``team``
    keeps those of its goals and of its reps' own goals, ``rep`` that rep's. One query."""
    found = RewardRecord.objects.filter(period_end__range=(first_day, last_day)).select_related("rep", "team")
    if team is not None:
        found = found.filter(Q(team=team) | Q(rep__team=team))
    if rep is not None:
        found = found.filter(rep=rep)
    return list(found)


def _closed_periods(goal: MetricGoal, *, first_day: date, last_day: date, today: date, fiscal_start: int):
    """The goal's periods that ended between ``first_day`` and ``last_day`` (both included), before
    ``today``, from the one holding the goal's start date on."""
    cursor = Period.containing(max(first_day, goal.starts_on), goal.period_kind, fiscal_start)
    while cursor.start <= last_day:
        if first_day <= cursor.end <= last_day and cursor.end < today:
            yield cursor
        cursor = cursor.next()


def earned_rewards(
    *,
    goals: list[MetricGoal],
    first_day: date,
    last_day: date,
    today: date,
    fiscal_start: int,
    recorded: frozenset[tuple[int, str, date]] = frozenset(),
) -> list[EarnedReward]:
    """The rewards earned in the goals' closed periods that ended between ``first_day`` and
    ``last_day``, from today's figures and team members: a rep goal met pays its rep; a team goal met
    pays each of the team's active reps, and a collective one is met only when every member met their
    part. Newest period first, then by rep and goal priority. A period still running earns nothing
    yet; one in ``recorded`` (goal id, period kind, period start) is left out. The pages read what
    ``quotas.rewards.earned_rewards_record`` recorded from this, never this itself."""
    pairs = [
        (goal, period)
        for goal in goals
        if goal.has_reward
        for period in _closed_periods(
            goal, first_day=first_day, last_day=last_day, today=today, fiscal_start=fiscal_start
        )
        if (goal.pk, period.kind, period.start) not in recorded
    ]
    team_reps = history._team_reps({goal.team_id for goal, _period in pairs if goal.team_id})
    return _earned(pairs, metric_progress(pairs=pairs, today=today, team_reps=team_reps), team_reps)


def _earned(pairs, progress, team_reps) -> list[EarnedReward]:
    earned = []
    for goal, period in pairs:
        found = progress[(goal.pk, period)]
        if found.met:
            for rep in [goal.rep] if goal.rep_id else team_reps.get(goal.team_id, []):
                earned.append(EarnedReward(period, rep, goal, found))
    earned.sort(
        key=lambda reward: (-reward.period.end.toordinal(), str(reward.rep), reward.goal.priority, reward.goal.pk)
    )
    return earned
