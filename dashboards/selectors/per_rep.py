"""Each rep's figures for a date range, and the team total and average of those rows.

Used by the team dashboard, the one-on-one page and the one-on-one snapshot.
Counts and sums come from the dashboard tables (``ActivityDay``, ``ClosedDay``),
summed by the database with ``GROUP BY rep``; quotas are read from ``Quota``; the open
pipeline and stale deals are read at request time from ``Deal``, as METRICS.md
asks. Python only adds up those sums for a team total (ratios are properties of
``figures.RepFigures``).

Public API (keyword-only arguments; ``reps`` is any iterable of users):

- ``rep_rows(*, reps, start, end, today=None, fiscal_start=None, thresholds=None, pipeline=None)
  -> list[RepFigures]``   (seven queries, five with ``pipeline``)
- ``team_total(rows, *, team=None, start=None, end=None, today=None, fiscal_start=None) -> RepFigures``
  (the total row and the team attainment; ``team`` and the range for its own quota and goals: two
  queries, three when the team's own goal started inside the range)
- ``team_average(total) -> RepFigures``   (per-rep average of a total, for "rep vs team")
- ``open_pipeline_by_rep(*, rep_ids, now, thresholds=None) -> dict[int, dict]``
- ``stale_thresholds() -> dict[int, float | None]``, ``stale_condition(thresholds, now, prefix="") -> Q``
- ``goal_plan(goal, *, start, end, fiscal_start=1, part_of=1) -> Decimal``
- ``prorated_quota(quotas, *, start, end, fiscal_start) -> ProratedQuota | None``
- ``range_elapsed_share(start, end, today) -> float``

Definitions (docs/metrics.md, "Quota over a chosen range", "Plan for a range", "Team attainment"):

- **Reps** are the active users with the rep role in the chosen team(s); a team
  includes the teams below it.
- **Meetings** in the per-rep table are meetings and demos occurring in the
  range (by ``day``); "meetings booked" are those logged in the range.
- **Quota over a range**: one measure per page (revenue when any quota in scope
  is a revenue quota, else won deals, else units). Each rep's quotas of that
  measure of the finest kind (month, fiscal quarter, fiscal year) with one
  overlapping the range, each target x the share of its period's days inside
  the range, added up; achieved = won in the range; pace against the elapsed
  share of the range.
- **Plan for a range** (goal columns): only the range's days from the first
  day of the period holding the goal's start date; the count compared is
  counted over those same days (``<column>_goal_count``, summed in SQL). Shown
  and compared rounded half up to whole activities.
- **Team total and team attainment**: the rows' sums; the target is the team's
  own quotas prorated the same way when one team is shown and it has any, else
  the rows' prorated targets added up.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Team, User
from activities.models import MEETING_KINDS, SELLING_KINDS, Kind
from pipeline.models import Deal, Stage, StageKind
from pipeline.selectors import thresholds_from
from quotas.models import ActivityGoal, OrgSettings, Quota
from quotas.periods import Period

from ..models import ActivityDay, ClosedDay
from .figures import (
    ADDITIVE_FIGURES,
    GOAL_COLUMNS,
    MEASURE_ORDER,
    MONEY,
    QUOTA_KINDS,
    ZERO,
    GoalFigures,
    RepFigures,
    last_refreshed,
    sum_of,
)

# The count each goal column compares with its plan: (ActivityDay field, kinds, the column whose goal
# window it is counted over). Meetings booked are compared with the meetings goal (leaderboards).
GOAL_COUNTS = {
    "calls": ("count", (Kind.CALL,), "calls"),
    "emails": ("count", (Kind.EMAIL,), "emails"),
    "meetings": ("count", tuple(MEETING_KINDS), "meetings"),
    "booked": ("booked", tuple(MEETING_KINDS), "meetings"),
}


# METRICS.md "Activity" and "Pipeline": each summed figure's column and condition, the same for a
# range (``rep_rows``) and for each period of a metric goal (``goal_figures``).
ACTIVITY_FIGURES = {
    "calls": ("count", {"kind": Kind.CALL}),
    "connected": ("connected", {"kind": Kind.CALL}),
    "emails": ("count", {"kind": Kind.EMAIL}),
    "replied": ("replied", {"kind": Kind.EMAIL}),
    "meetings": ("count", {"kind__in": list(MEETING_KINDS)}),
    "booked": ("booked", {"kind__in": list(MEETING_KINDS)}),
    "held": ("held", {"kind__in": list(MEETING_KINDS)}),
    "positive": ("positive", {"kind__in": list(MEETING_KINDS)}),
    "selling_minutes": ("minutes", {"kind__in": list(SELLING_KINDS)}),
    "minutes": ("minutes", {}),
}
CLOSED_FIGURES = {
    "won_deals": ("deals", None, {"won": True}),
    "won_amount": ("amount", MONEY, {"won": True}),
    "won_units": ("units", None, {"won": True}),
    "lost_deals": ("deals", None, {"won": False}),
    "cycle_days": ("cycle_days", None, {"won": True}),
}


def _window_condition(windows: dict[int, dict[str, date]], column: str) -> Q:
    """Each rep's days from the first day their goal of ``column`` was in force (reps without such a
    start keep the whole range): one OR-ed condition per distinct first day, so the sum stays one query."""
    by_first: dict[date, list[int]] = defaultdict(list)
    for rep_id, firsts in windows.items():
        if column in firsts:
            by_first[firsts[column]].append(rep_id)
    if not by_first:
        return Q()
    restricted = [rep_id for ids in by_first.values() for rep_id in ids]
    condition = ~Q(rep_id__in=restricted)
    for first, ids in by_first.items():
        condition |= Q(rep_id__in=ids, day__gte=first)
    return condition


def _activity_sums(*, rep_ids, start: date, end: date, windows: dict[int, dict[str, date]]) -> dict[int, dict]:
    """METRICS.md "Activity" per rep over ``start``..``end`` (inclusive), and each goal column's count over
    the rep's goal window (``windows``: rep -> column -> first day counted): one GROUP BY rep on ActivityDay."""
    goal_counts = {
        f"{name}_goal_count": Sum(field, filter=Q(kind__in=kinds) & _window_condition(windows, column), default=0)
        for name, (field, kinds, column) in GOAL_COUNTS.items()
    }
    rows = (
        ActivityDay.objects.filter(rep_id__in=rep_ids, day__range=(start, end))
        .values("rep_id")
        .annotate(
            # First: "booked" names an annotation below, and these sum the column.
            **goal_counts,
            **{name: sum_of(column, **condition) for name, (column, condition) in ACTIVITY_FIGURES.items()},
            computed_at=Max("computed_at"),
        )
        .order_by()
    )
    return {row.pop("rep_id"): row for row in rows}


def _closed_sums(*, rep_ids, start: date, end: date) -> dict[int, dict]:
    """Won and lost deals closed in ``start``..``end`` per rep: one GROUP BY rep on ClosedDay."""
    rows = (
        ClosedDay.objects.filter(rep_id__in=rep_ids, day__range=(start, end))
        .values("rep_id")
        .annotate(
            **{
                name: sum_of(column, output, **condition)
                for name, (column, output, condition) in CLOSED_FIGURES.items()
            },
            computed_at=Max("computed_at"),
        )
        .order_by()
    )
    return {row.pop("rep_id"): row for row in rows}


def stale_thresholds() -> dict[int, float | None]:
    """Days after which a deal in each stage is stale, for every stage, in two queries.

    The same rule as ``pipeline.stage_stale_thresholds`` (METRICS.md
    "stale deal"): the stage's rotting days, else 2 x the median days in stage
    of the completed stays that ended in the last 180 days; None without such
    history (never stale). The medians are taken in the database
    (``pipeline.median_stays``), so a page never loads the stays themselves.
    """
    return thresholds_from(Stage.objects.order_by().values_list("pk", "rotting_days"))


def stale_condition(thresholds: dict[int, float | None], now: datetime, prefix: str = "") -> Q:
    """Open deals whose open age (now - entered the stage) is over their stage's threshold."""
    condition = Q(pk__in=[])
    for stage_id, days in thresholds.items():
        if days is not None:
            condition |= Q(
                **{f"{prefix}stage_id": stage_id, f"{prefix}stage_entered_at__lt": now - timedelta(days=days)}
            )
    return condition


def open_pipeline_by_rep(
    *, rep_ids, now: datetime, thresholds: dict[int, float | None] | None = None
) -> dict[int, dict]:
    """Open deals per rep now: count, value, weighted value (x 100, divided after) and stale count.
    Three queries: the stale thresholds (2, unless given) and one GROUP BY owner on Deal."""
    stale = stale_condition(stale_thresholds() if thresholds is None else thresholds, now)
    rows = (
        Deal.objects.filter(owner_id__in=rep_ids, stage__kind=StageKind.OPEN)
        .values("owner_id")
        .annotate(
            open_deals=Count("pk"),
            open_amount=sum_of("amount", MONEY),
            weighted_x100=Coalesce(
                Sum(F("amount") * F("stage__probability"), output_field=MONEY), Value(ZERO), output_field=MONEY
            ),
            stale_deals=Count("pk", filter=stale),
        )
        .order_by()
    )
    result = {}
    for row in rows:
        row["weighted_amount"] = row.pop("weighted_x100") / 100
        result[row.pop("owner_id")] = row
    return result


def _days_inside(period: Period, start: date, end: date) -> int:
    """How many of ``period``'s days lie inside ``start``..``end``."""
    return max((min(period.end, end) - max(period.start, start)).days + 1, 0)


def _periods_overlapping(kind: str, start: date, end: date, fiscal_start: int) -> list[Period]:
    periods, cursor = [], Period.containing(start, kind, fiscal_start)
    while cursor.start <= end:
        periods.append(cursor)
        cursor = cursor.next()
    return periods


def range_elapsed_share(start: date, end: date, today: date) -> float:
    """Share of the range's days gone by the end of ``today`` (today included): 0 before the range
    starts, 1 once it has ended (METRICS.md "pace", over the chosen range)."""
    if today < start:
        return 0.0
    if today >= end:
        return 1.0
    return ((today - start).days + 1) / ((end - start).days + 1)


# --- activity goals --------------------------------------------------------------------------


def goal_plan(goal: ActivityGoal, *, start: date, end: date, fiscal_start: int = 1, part_of: int = 1) -> Decimal:
    """A goal's target for ``start``..``end``, not rounded: each of its weeks or months overlapping the
    range, target after ramp x the share of its days inside the range. ``part_of``: a collective team
    goal's members, each getting target / members rounded up per period."""
    total = ZERO
    for period in _periods_overlapping(goal.frequency, start, end, fiscal_start):
        target = goal.target_for(period)
        if part_of > 1:
            target = math.ceil(target / part_of)
        total += Decimal(target) * _days_inside(period, start, end) / period.days
    return total


def goal_in_force_from(goal: ActivityGoal, fiscal_start: int) -> date:
    """The first day of the period (week or month) holding the goal's start date: it counts in full."""
    return Period.containing(goal.starts_on, goal.frequency, fiscal_start).start


def _column_goals(goals: Iterable[ActivityGoal]) -> dict[str, list[ActivityGoal]]:
    """``goals`` by table column (calls, emails, meetings)."""
    columns = {}
    for column, metrics in GOAL_COLUMNS.items():
        chosen = [g for g in goals if g.metric in metrics]
        # "Meetings and demos" already covers meeting and demo goals: never add both.
        if column == "meetings" and any(g.metric == "meetings_demos" for g in chosen):
            chosen = [g for g in chosen if g.metric == "meetings_demos"]
        if chosen:
            columns[column] = chosen
    return columns


def _rep_column_goals(own: list[ActivityGoal], collective: list[ActivityGoal]) -> dict[str, tuple[list, int]]:
    """A rep's goals per column with the share of them that is the rep's (1: all of it): their own
    goals, else their part of the team's collective one (target / the team's active reps)."""
    columns = {column: (goals, 1) for column, goals in _column_goals(own).items()}
    for goal in collective:
        for column, goals in _column_goals([goal]).items():
            columns.setdefault(column, (goals, goal.members or 1))
    return columns


@dataclass(frozen=True)
class ColumnPlan:
    """One goal column's plan for a range: the first day counted (the range's start, or the first day a
    goal of the column was in force when later) and the plan over the range, rounded half up."""

    first: date
    plan: Decimal


def _column_plans(columns: dict[str, tuple[list, int]], *, start, end, fiscal_start) -> dict[str, ColumnPlan]:
    plans = {}
    for column, (goals, part_of) in columns.items():
        first = max(start, min(goal_in_force_from(goal, fiscal_start) for goal in goals))
        plan = sum(
            (goal_plan(goal, start=start, end=end, fiscal_start=fiscal_start, part_of=part_of) for goal in goals), ZERO
        )
        plans[column] = ColumnPlan(first, plan.quantize(Decimal(1), ROUND_HALF_UP))
    return plans


# --- quotas ----------------------------------------------------------------------------------


def quotas_overlapping(start: date, end: date, fiscal_start: int) -> Q:
    """Quotas of any kind whose period overlaps ``start``..``end``."""
    condition = Q(pk__in=[])
    for kind in QUOTA_KINDS:
        first = Period.containing(start, kind, fiscal_start).start
        condition |= Q(period_kind=kind, period_start__range=(first, end))
    return condition


def quota_measure(quotas: Iterable[Quota]) -> str | None:
    """The measure a page shows: revenue when any quota is a revenue quota, else won deals, else units."""
    measures = {quota.measure for quota in quotas}
    return next((measure for measure in MEASURE_ORDER if measure in measures), None)


@dataclass(frozen=True)
class ProratedQuota:
    """Quotas prorated to a range: their period kind and the prorated target and stretch target."""

    kind: str
    target: Decimal
    stretch_target: Decimal


def prorated_quota(quotas: Iterable[Quota], *, start: date, end: date, fiscal_start: int) -> ProratedQuota | None:
    """One rep's (or team's) quotas of one measure over ``start``..``end``: those of the finest kind
    (month, then fiscal quarter, then fiscal year) with any overlapping the range, each target x
    (days of its period inside the range / days of its period), added up. None without such a quota."""
    quotas = list(quotas)
    for kind in QUOTA_KINDS:
        inside = [
            (quota, period, days)
            for quota in quotas
            if quota.period_kind == kind
            and (days := _days_inside(period := Period(quota.period_start, kind, fiscal_start), start, end))
        ]
        if inside:
            return ProratedQuota(
                kind=kind,
                target=sum((q.target * days / period.days for q, period, days in inside), ZERO),
                stretch_target=sum((q.stretch_target * days / period.days for q, period, days in inside), ZERO),
            )
    return None


def _set_quota(figures: RepFigures, prorated: ProratedQuota, *, measure: str, elapsed_share: float) -> None:
    figures.quota_target = prorated.target
    figures.quota_stretch_target = prorated.stretch_target
    figures.quota_achieved = figures.won_in(measure)
    figures.quota_kind = prorated.kind
    figures.quota_measure = measure
    figures.elapsed_share = elapsed_share


def rep_rows(
    *,
    reps: Iterable[User],
    start: date,
    end: date,
    today: date | None = None,
    fiscal_start: int | None = None,
    thresholds: dict[int, float | None] | None = None,
    pipeline: dict[int, dict] | None = None,
) -> list[RepFigures]:
    """Each rep's figures for ``start``..``end`` (inclusive), in the order given.

    Activity and closed figures: ``ActivityDay`` / ``ClosedDay`` rows of the
    range, summed per rep in SQL (each goal column's count over the rep's goal
    window too). Open pipeline and stale deals: ``Deal`` now. Quota: the rep's
    quotas prorated to the range (module docstring) against the won figures of
    the range, with pace against ``today`` (default: the organisation's today).
    Goals: the plan for the range, rounded. ``fiscal_start`` (the fiscal year's
    first month) is read from OrgSettings when not given. ``thresholds``: the
    stale thresholds when the caller already has them (``stale_thresholds``; two
    queries fewer); ``pipeline``: the open pipeline when the caller already read
    it (``open_pipeline_by_rep``; three fewer). Seven queries whatever the
    number of reps.
    """
    reps = list(reps)
    rep_ids = [rep.pk for rep in reps]
    today = today or timezone.localdate()
    fiscal_start = fiscal_start or OrgSettings.load().fiscal_year_start_month
    own_goals, team_goals = _goals_of(reps)
    plans = {
        rep.pk: _column_plans(
            _rep_column_goals(own_goals.get(rep.pk, []), team_goals.get(rep.team_id, [])),
            start=start,
            end=end,
            fiscal_start=fiscal_start,
        )
        for rep in reps
    }
    windows = {
        rep_id: {column: plan.first for column, plan in columns.items() if plan.first > start}
        for rep_id, columns in plans.items()
    }
    activity = _activity_sums(rep_ids=rep_ids, start=start, end=end, windows=windows)
    closed = _closed_sums(rep_ids=rep_ids, start=start, end=end)
    if pipeline is None:
        pipeline = open_pipeline_by_rep(rep_ids=rep_ids, now=timezone.now(), thresholds=thresholds)

    quotas = list(Quota.objects.filter(rep_id__in=rep_ids).filter(quotas_overlapping(start, end, fiscal_start)))
    measure = quota_measure(quotas)
    by_rep: dict[int, list[Quota]] = defaultdict(list)
    for quota in quotas:
        if quota.measure == measure:
            by_rep[quota.rep_id].append(quota)
    elapsed_share = range_elapsed_share(start, end, today)

    rows = []
    for rep in reps:
        figures = RepFigures(rep=rep)
        stamps = []
        for source in (activity.get(rep.pk), closed.get(rep.pk), pipeline.get(rep.pk)):
            if source:
                stamps.append(source.get("computed_at"))
                for name, value in source.items():
                    if name != "computed_at":
                        setattr(figures, name, value)
        prorated = prorated_quota(by_rep.get(rep.pk, []), start=start, end=end, fiscal_start=fiscal_start)
        if prorated is not None:
            _set_quota(figures, prorated, measure=measure, elapsed_share=elapsed_share)
        for column, plan in plans[rep.pk].items():
            setattr(figures, f"{column}_goal", plan.plan)
        figures.computed_at = last_refreshed(*stamps)
        rows.append(figures)
    return rows


def _goals_of(reps: list[User]) -> tuple[dict[int, list[ActivityGoal]], dict[int, list[ActivityGoal]]]:
    """The reps' own goals by rep, and their teams' collective goals by team (each with ``members``,
    the team's active reps): one query."""
    team_ids = {rep.team_id for rep in reps if rep.team_id}
    goals = ActivityGoal.objects.filter(
        Q(rep_id__in=[rep.pk for rep in reps]) | Q(team_id__in=team_ids, is_collective=True)
    ).annotate(
        members=Subquery(
            User.objects.reps()
            .filter(team_id=OuterRef("team_id"))
            .values("team_id")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        )
    )
    own_goals: dict[int, list[ActivityGoal]] = defaultdict(list)
    team_goals: dict[int, list[ActivityGoal]] = defaultdict(list)
    for goal in goals:
        (own_goals[goal.rep_id] if goal.rep_id else team_goals[goal.team_id]).append(goal)
    return own_goals, team_goals


def team_total(
    rows: list[RepFigures],
    *,
    team: Team | None = None,
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
    fiscal_start: int | None = None,
) -> RepFigures:
    """The team's total row: every count and amount of ``rows`` added up (ratios are recomputed
    from those sums by the properties, never averaged), and the team attainment (METRICS.md "Team
    attainment"), the one both the team dashboard and the one-on-one page show.

    Quota: achieved = the rows' won figure of the measure shown (every row, so it equals the row's
    won revenue when the measure is revenue); target = with ``team`` (and the range) the team's own
    quotas of that measure prorated to the range when it has any, else the sum of the rows'
    prorated targets. Goals: the team's own non-collective goals (their rounded plan, against the
    rows' count over the days they were in force), else the sum of the rows' rounded plans and
    counts. No query without ``team``; two with it, three when the team's own goal started inside
    the range.
    """
    total = RepFigures(rep=None, reps=len(rows))
    for name in ADDITIVE_FIGURES:
        setattr(total, name, sum((getattr(row, name) for row in rows), type(getattr(total, name))()))
    with_quota = [row for row in rows if row.has_quota]
    if with_quota:
        measure = with_quota[0].quota_measure
        summed = ProratedQuota(
            kind=with_quota[0].quota_kind,
            target=sum((row.quota_target for row in with_quota), ZERO),
            stretch_target=sum((row.quota_stretch_target for row in with_quota), ZERO),
        )
        _set_quota(total, summed, measure=measure, elapsed_share=with_quota[0].elapsed_share)
        total.quota_kind = min((row.quota_kind for row in with_quota), key=QUOTA_KINDS.index)
        total.quota_is_own = False
    for column in GOAL_COLUMNS:
        targets = [getattr(row, f"{column}_goal") for row in rows if getattr(row, f"{column}_goal") is not None]
        setattr(total, f"{column}_goal", sum(targets, ZERO) if targets else None)
    total.computed_at = last_refreshed(*(row.computed_at for row in rows))
    if team is not None and start is not None and end is not None:
        _team_own_plan(
            total,
            rows,
            team=team,
            start=start,
            end=end,
            today=today or timezone.localdate(),
            fiscal_start=fiscal_start or OrgSettings.load().fiscal_year_start_month,
        )
    return total


def _team_own_plan(total: RepFigures, rows: list[RepFigures], *, team: Team, start, end, today, fiscal_start) -> None:
    """The team's own quotas and non-collective goals, when it has them, in place of the rows' sums."""
    quotas = list(Quota.objects.filter(team=team).filter(quotas_overlapping(start, end, fiscal_start)))
    # The members' measure when they have quotas, so the total never compares revenue with deals.
    measure = total.quota_measure or quota_measure(quotas)
    prorated = prorated_quota(
        [q for q in quotas if q.measure == measure], start=start, end=end, fiscal_start=fiscal_start
    )
    if prorated is not None:
        _set_quota(total, prorated, measure=measure, elapsed_share=range_elapsed_share(start, end, today))
        total.quota_is_own = True
    own = list(ActivityGoal.objects.filter(team=team, is_collective=False))
    plans = _column_plans(
        {column: (goals, 1) for column, goals in _column_goals(own).items()},
        start=start,
        end=end,
        fiscal_start=fiscal_start,
    )
    for column, plan in plans.items():
        setattr(total, f"{column}_goal", plan.plan)
    counts = _team_goal_counts(rows, plans, start=start, end=end)
    for name, (_field, _kinds, column) in GOAL_COUNTS.items():
        if column in plans:
            setattr(total, f"{name}_goal_count", counts.get(name, getattr(total, name)))


def _team_goal_counts(rows: list[RepFigures], plans: dict[str, ColumnPlan], *, start: date, end: date) -> dict:
    """The rows' counts from the first day of each team goal that started inside the range: one query,
    only when one did (a goal in force from the range's start compares the range's own counts)."""
    later = {
        name: (field, kinds, plans[column].first)
        for name, (field, kinds, column) in GOAL_COUNTS.items()
        if column in plans and plans[column].first > start
    }
    if not later or not rows:
        return {}
    return ActivityDay.objects.filter(rep_id__in=[row.rep.pk for row in rows], day__range=(start, end)).aggregate(
        **{
            name: Sum(field, filter=Q(kind__in=kinds, day__gte=first), default=0)
            for name, (field, kinds, first) in later.items()
        }
    )


def team_average(total: RepFigures) -> RepFigures:
    """The average rep of a team total: each count, amount, quota and goal divided by the number
    of reps (so the ratios stay those of the team's sums, the team attainment among them). For
    "one rep against the team average"."""
    n = total.reps or 1
    average = RepFigures(rep=None, reps=1, elapsed_share=total.elapsed_share, computed_at=total.computed_at)
    average.quota_kind, average.quota_measure = total.quota_kind, total.quota_measure
    divided = [*ADDITIVE_FIGURES, "quota_target", "quota_achieved", "quota_stretch_target"]
    divided += [f"{column}_goal" for column in GOAL_COLUMNS]
    for name in divided:
        value = getattr(total, name)
        if value is not None:
            setattr(average, name, Decimal(value) / n)
    return average


# --- metric goals ---------------------------------------------------------------------------


def goal_figures(
    *, rep_ids: Iterable[int], periods: Iterable[Period], coverage_scopes: Iterable[str] = ()
) -> dict[tuple[int, Period], GoalFigures]:
    """Each rep's figures in each period, for metric goals: the same sums as ``rep_rows``
    (``ACTIVITY_FIGURES``, ``CLOSED_FIGURES``) taken per period, one GROUP BY rep on ``ActivityDay``
    and one on ``ClosedDay`` for every period at once; with ``coverage_scopes``, the accounts
    assigned and touched (``portfolio.selectors.coverage``, one call per period and scope).
    A rep with no rows in a period gets zeros."""
    rep_ids, periods = sorted(set(rep_ids)), sorted(set(periods))
    found = {(rep_id, period): GoalFigures() for rep_id in rep_ids for period in periods}
    if not rep_ids or not periods:
        return found
    days = (periods[0].start, max(p.end for p in periods))
    for model, sums in (
        (ActivityDay, {name: (column, None, condition) for name, (column, condition) in ACTIVITY_FIGURES.items()}),
        (ClosedDay, CLOSED_FIGURES),
    ):
        rows = (
            model.objects.filter(rep_id__in=rep_ids, day__range=days)
            .values("rep_id")
            .annotate(
                **{
                    f"{name}_{i}": sum_of(column, output, **condition, day__range=(period.start, period.end))
                    for i, period in enumerate(periods)
                    for name, (column, output, condition) in sums.items()
                }
            )
            .order_by()
        )
        for row in rows:
            for i, period in enumerate(periods):
                figures = found[(row["rep_id"], period)]
                for name in sums:
                    setattr(figures, name, row[f"{name}_{i}"])
    for scope in sorted(set(coverage_scopes)):
        # Imported here: the portfolio app reads the dashboards' tables, not the other way round.
        from portfolio.selectors import coverage

        for period in periods:
            for rep_id, covered in coverage(rep_ids=rep_ids, start=period.start, end=period.end, scope=scope).items():
                figures = found[(rep_id, period)]
                figures.coverage[scope] = (covered.assigned, covered.touched)
    return found
