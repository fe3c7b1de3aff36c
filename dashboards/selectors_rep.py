"""Reads for one rep's pages: "My week" (the rep's home page) and the one-on-one page.

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

import math
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Q, Sum
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from activities.models import MEETING_KINDS, Activity, Kind
from pipeline.models import Deal, StageKind
from quotas import history
from quotas.history import GoalProgress, History, MemberPart, Rates
from quotas.models import ActivityGoal, Measure, OrgSettings, Quota
from quotas.periods import Period
from quotas.planner import Funnel, reverse_funnel

from . import figure_cache, selectors
from .models import ActionItem, ActivityDay, ClosedDay, OneOnOne

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
        computed_at=selectors.last_refreshed(activity["computed_at"], won["computed_at"]),
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
                weighted=(Decimal(row["weighted"] or 0) / 100).quantize(Decimal("0.01")),
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
    (``selectors.stale_thresholds``, two queries, unless given); one more query for the deals."""
    if thresholds is None:
        thresholds = selectors.stale_thresholds()
    if not any(days is not None for days in thresholds.values()):
        return []
    deals = list(
        Deal.objects.filter(selectors.stale_condition(thresholds, now), owner_id__in=owner_ids)
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
class KindLine:
    """A rep's activities of one kind on one day (METRICS.md "activity count", "time spent")."""

    kind: str
    count: int
    minutes: int
    connected: int
    replied: int
    held: int
    booked: int

    @property
    def label(self) -> str:
        return Kind(self.kind).label if self.kind in Kind.values else self.kind


@dataclass(frozen=True)
class Today:
    day: date
    kinds: list[KindLine]
    computed_at: datetime | None

    @property
    def count(self) -> int:
        return sum(k.count for k in self.kinds)

    @property
    def minutes(self) -> int:
        return sum(k.minutes for k in self.kinds)


def day_activity(*, rep: User, day: date) -> Today:
    """The rep's logged activity on ``day`` by kind, from ``ActivityDay``: one query. Kinds with only
    meetings booked that day (and none held) still show, with a count of 0."""
    rows = ActivityDay.objects.filter(rep=rep, day=day).order_by("kind")
    kinds = [
        KindLine(r.kind, r.count, r.minutes, r.connected, r.replied, r.held, r.booked)
        for r in rows
        if r.count or r.booked
    ]
    return Today(day, kinds, selectors.last_refreshed(*(r.computed_at for r in rows)))


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
        refreshed_at=selectors.last_refreshed(planner.computed_at, day.computed_at, *(q.computed_at for q in quotas)),
    )


# --- the one-on-one page ------------------------------------------------------------------------

# The figures compared side by side: (RepFigures attribute, label, unit for formatting).
FIGURES = (
    ("attainment", _("Quota attainment"), "percent"),
    ("pace", _("Pace"), "percent"),
    ("won_amount", _("Won revenue"), "money"),
    ("won_deals", _("Deals won"), "count"),
    ("win_rate", _("Win rate"), "percent"),
    ("average_deal", _("Average deal size"), "money"),
    ("cycle_length", _("Sales cycle (days)"), "days"),
    ("open_deals", _("Open deals"), "count"),
    ("open_amount", _("Open pipeline"), "money"),
    ("weighted_amount", _("Weighted pipeline"), "money"),
    ("stale_deals", _("Stale deals"), "count"),
    ("calls", _("Calls"), "count"),
    ("connect_rate", _("Connect rate"), "percent"),
    ("emails", _("Emails"), "count"),
    ("reply_rate", _("Reply rate"), "percent"),
    ("meetings", _("Meetings and demos"), "count"),
    ("booked", _("Meetings booked"), "count"),
    ("held", _("Meetings held"), "count"),
    ("positive_rate", _("Positive meeting rate"), "percent"),
    ("selling_share", _("Selling time share"), "percent"),
)
PAST_ONE_ON_ONES = 10


@dataclass(frozen=True)
class FigureLine:
    """One figure: the rep's, the team average's (None: no team) and the one frozen at the last one-on-one."""

    key: str
    label: str
    unit: str
    rep: object
    team: object
    previous: object = None


@dataclass(frozen=True)
class StageCompare:
    """One stage: the rep's stage flow and the team's (all its reps' summed), METRICS.md "Pipeline"."""

    stage: object
    rep: selectors.StageFigures | None
    team: selectors.StageFigures | None


def team_reps_of(rep: User) -> list[User]:
    """The reps the rep is compared with: the active reps of the rep's team (the rep included when active)."""
    if not rep.team_id:
        return []
    return list(User.objects.reps().filter(team_id=rep.team_id).order_by("first_name", "last_name", "username"))


def _json_value(value):
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, float):
        return round(value, 4)
    return value


def figures_of(rows: selectors.RepFigures) -> dict[str, object]:
    return {key: getattr(rows, key) for key, _label, _unit in FIGURES}


def snapshot_figures(*, rep: User, date_range, today: date) -> dict:
    """What closing a one-on-one freezes: the rep's figures for ``date_range`` as they stand ``today``
    (the same figures and definitions as the comparison table) and each activity goal's progress in its
    current week or month. JSON-safe: money as decimal strings, ratios as numbers (percent), None for "—"."""
    row = selectors.rep_rows(reps=[rep], start=date_range.start, end=date_range.end, today=today)[0]
    goals = goal_lines(rep=rep, goals=rep_goals(rep=rep), today=today)
    return {
        "taken_on": today.isoformat(),
        "period": {
            "label": str(date_range.label),
            "start": date_range.start.isoformat(),
            "end": date_range.end.isoformat(),
        },
        "figures": {key: _json_value(value) for key, value in figures_of(row).items()},
        "goals": [
            {
                "goal": f"{line.goal.get_metric_display()} {line.goal.get_frequency_display()}",
                "period": str(line.progress.period),
                "count": line.progress.count,
                "target": line.progress.target,
            }
            for line in goals
        ],
    }


@dataclass
class Keeping:
    """What the viewer keeps about the rep (managers their own, admins everyone's): never built for a rep."""

    current: OneOnOne | None  # the viewer's open one-on-one with the rep
    open_items: list[ActionItem]  # not done yet, from any one-on-one kept (they carry over)
    done_items: list[ActionItem]  # ticked in the current one-on-one
    previous: OneOnOne | None  # the last closed one, whose snapshot the page compares against
    past: list[OneOnOne]  # closed ones (and other managers' open ones, for admins), newest first


def keeping(*, rep: User, viewer: User) -> Keeping:
    """The viewer's notes and action items about ``rep``: two queries (one-on-ones, action items)."""
    meetings = list(
        OneOnOne.objects.kept_by(viewer).filter(rep=rep).select_related("manager").order_by("-opened_on", "-pk")
    )
    current = next((m for m in meetings if m.is_open and m.manager_id == viewer.pk), None)
    closed = sorted((m for m in meetings if not m.is_open), key=lambda m: m.closed_at, reverse=True)
    items = list(ActionItem.objects.filter(one_on_one__in=[m.pk for m in meetings])) if meetings else []
    by_meeting: dict[int, list[ActionItem]] = {}
    for item in items:
        by_meeting.setdefault(item.one_on_one_id, []).append(item)
    by_pk = {meeting.pk: meeting for meeting in meetings}
    for item in items:
        item.one_on_one = by_pk[item.one_on_one_id]  # already loaded: no query per item
    for meeting in meetings:
        meeting.items = by_meeting.get(meeting.pk, [])
    past = [m for m in meetings if m is not current]
    return Keeping(
        current=current,
        open_items=[i for i in items if not i.done],
        done_items=[i for i in items if i.done and current is not None and i.one_on_one_id == current.pk],
        previous=closed[0] if closed else None,
        past=past[:PAST_ONE_ON_ONES],
    )


@dataclass
class OneOnOnePage:
    rep: User
    date_range: object
    today: date
    currency: str
    team_size: int
    figures: list[FigureLine]
    rep_row: selectors.RepFigures
    average: selectors.RepFigures | None
    rep_trend: list[selectors.TrendPoint]
    team_trend: list[selectors.TrendPoint]
    stages: list[StageCompare]
    stage_is_weekly_sum: bool
    stale: list[Deal]
    goals: list[GoalHistory]
    quotas: list[QuotaLine]
    rates: Rates
    keeping: Keeping | None
    refreshed_at: datetime | None


@dataclass
class OneOnOneLive:
    """What a one-on-one page reads from the domain tables on every request (never cached):
    the team it compares with, the open pipeline of each of them, the rep's stale deals and
    the viewer's notes."""

    members: list[User]
    people: list[User]
    pipeline: dict[int, dict]
    stale: list[Deal]
    keeping: Keeping | None


def one_on_one_live(*, rep: User, viewer: User, now: datetime) -> OneOnOneLive:
    members = team_reps_of(rep)
    people = members if any(m.pk == rep.pk for m in members) else [*members, rep]
    thresholds = selectors.stale_thresholds()  # read once for the figures and the stale deals
    return OneOnOneLive(
        members=members,
        people=people,
        pipeline=selectors.open_pipeline_by_rep(rep_ids=[p.pk for p in people], now=now, thresholds=thresholds),
        stale=stale_deals(owner_ids=[rep.pk], now=now, thresholds=thresholds),
        keeping=None if viewer.is_rep else keeping(rep=rep, viewer=viewer),
    )


def one_on_one_page(
    *, rep: User, viewer: User, date_range, today: date, now: datetime, live: OneOnOneLive | None = None
) -> OneOnOnePage:
    """Everything on a rep's one-on-one page for ``date_range``: the rep's figures against the team
    average (``selectors.rep_rows`` / ``team_total`` / ``team_average``: each count and amount of the
    team divided by its reps, ratios of the team's sums), 12-week trends for both, stage conversion and
    days in stage against the team (``selectors.stage_rows``), stale deals, goals over their last
    periods, quota and reverse funnel, and, for a manager or admin, the private notes. A fixed number
    of queries whatever the data size."""
    org = OrgSettings.load()
    live = live or one_on_one_live(rep=rep, viewer=viewer, now=now)
    members, people = live.members, live.people
    rows = selectors.rep_rows(
        reps=people, start=date_range.start, end=date_range.end, today=today, pipeline=live.pipeline
    )
    rep_row = next(row for row in rows if row.rep.pk == rep.pk)
    member_ids = {m.pk for m in members}
    member_rows = [row for row in rows if row.rep.pk in member_ids]
    average = selectors.team_average(selectors.team_total(member_rows)) if member_rows else None

    kept = live.keeping
    snapshot = (kept.previous.snapshot or {}) if kept and kept.previous else {}
    previous = snapshot.get("figures", {})
    figures = [
        FigureLine(
            key,
            label,
            unit,
            getattr(rep_row, key),
            getattr(average, key) if average else None,
            previous.get(key),
        )
        for key, label, unit in FIGURES
    ]

    # Trends end with the range, or this week when the range runs on into the future.
    trend_end = min(date_range.end, today)
    rep_trend = selectors.trend(reps=[rep], unit="week", count=12, end=trend_end)
    team_trend = selectors.trend(reps=members, unit="week", count=12, end=trend_end) if members else []

    kind, period_start = selectors.stage_period(date_range.start, date_range.end, org.fiscal_year_start_month)
    if kind:
        stage_figures = selectors.stage_rows(reps=people, period_kind=kind, period_start=period_start)
    else:
        stage_figures = selectors.stage_rows(reps=people, start=date_range.start, end=date_range.end)
    team_stages = {s.stage.pk: s for s in selectors.stage_totals([s for s in stage_figures if s.rep.pk in member_ids])}
    rep_stages = {s.stage.pk: s for s in stage_figures if s.rep.pk == rep.pk}
    # Every open stage either side has, in funnel order (won and lost are terminal: nothing converts from them).
    order = [s for s in selectors.stage_totals(stage_figures) if s.stage.kind == StageKind.OPEN]
    stages = [StageCompare(s.stage, rep_stages.get(s.stage.pk), team_stages.get(s.stage.pk)) for s in order]

    goals = goal_history(rep=rep, goals=rep_goals(rep=rep), today=today)
    planner = planner_history(rep=rep, today=today)
    rates = rep_rates(planner=planner, org=org)
    quotas = with_funnels(
        lines=quota_lines(rep=rep, periods=current_periods(org=org, today=today), today=today), rates=rates, today=today
    )
    return OneOnOnePage(
        rep=rep,
        date_range=date_range,
        today=today,
        currency=org.currency,
        team_size=len(members),
        figures=figures,
        rep_row=rep_row,
        average=average,
        rep_trend=rep_trend,
        team_trend=team_trend,
        stages=stages,
        stage_is_weekly_sum=kind is None,
        stale=live.stale,
        goals=goals,
        quotas=quotas,
        rates=rates,
        keeping=kept,
        refreshed_at=selectors.last_refreshed(
            *(row.computed_at for row in rows),
            *(s.computed_at for s in stage_figures),
            *(p.computed_at for p in rep_trend),
            planner.computed_at,
        ),
    )
