"""Each rep's figures for a date range, and the team total and average of those rows.

Used by the team dashboard, the one-on-one page and the one-on-one snapshot.
Counts and sums come from the dashboard tables (``ActivityDay``, ``ClosedDay``,
``Attainment``), summed by the database with ``GROUP BY rep``; the open
pipeline and stale deals are read at request time from ``Deal``, as METRICS.md
asks. Python only adds up those sums for a team total (ratios are properties of
``figures.RepFigures``).

Public API (keyword-only arguments; ``reps`` is any iterable of users):

- ``rep_rows(*, reps, start, end, today=None, quota_period=None, fiscal_start=None, thresholds=None,
  pipeline=None) -> list[RepFigures]``   (seven queries, five with ``pipeline``)
- ``team_total(rows, *, team=None, start=None, end=None, today=None, quota_period=None, fiscal_start=None)
  -> RepFigures``   (the total row; ``team`` and the range for its own quota and goals: two queries)
- ``team_average(total) -> RepFigures``   (per-rep average of a total, for "rep vs team")
- ``open_pipeline_by_rep(*, rep_ids, now, thresholds=None) -> dict[int, dict]``
- ``stale_thresholds() -> dict[int, float | None]``, ``stale_condition(thresholds, now, prefix="") -> Q``
- ``goal_plan(goal, *, start, end, fiscal_start=1) -> Decimal``
- ``choose_quotas(quotas, candidates) -> (period, measure, quotas)``

Cases METRICS.md leaves open, defined here:

- **Reps** are the active users with the rep role in the chosen team(s); a team
  includes the teams below it.
- **Meetings** in the per-rep table are meetings and demos occurring in the
  range (by ``day``); "meetings booked" are those logged in the range.
- **Quota period** of a range: the range itself when it is exactly a month,
  fiscal quarter or fiscal year and anybody in scope has a quota for it;
  otherwise the month holding the range's last day if anybody in scope has a
  quota for it, else that quarter, else that year. One measure is shown per page: revenue when
  any quota in scope is a revenue quota, else won deals, else units.
- **Plan for a range** (goals and the leaderboards' "% of plan"): for each
  goal period (week or month) or quota period overlapping the range, its
  target (after ramp) times the share of its days inside the range. A rep's
  own goal counts; without one, their part of a collective team goal
  (target / active reps, rounded up). The team's plan is its own goal when
  set, else the sum of its members'.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

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
from quotas.models import ActivityGoal, Measure, OrgSettings, Quota
from quotas.periods import Period

from ..models import ActivityDay, Attainment, ClosedDay
from .figures import (
    ADDITIVE_FIGURES,
    GOAL_COLUMNS,
    MEASURE_ORDER,
    MONEY,
    QUOTA_KINDS,
    ZERO,
    RepFigures,
    last_refreshed,
    sum_of,
)


def _activity_sums(*, rep_ids, start: date, end: date) -> dict[int, dict]:
    """METRICS.md "Activity" per rep over ``start``..``end`` (inclusive): one GROUP BY rep on ActivityDay."""
    meetings = list(MEETING_KINDS)
    rows = (
        ActivityDay.objects.filter(rep_id__in=rep_ids, day__range=(start, end))
        .values("rep_id")
        .annotate(
            calls=sum_of("count", kind=Kind.CALL),
            connected=sum_of("connected", kind=Kind.CALL),
            emails=sum_of("count", kind=Kind.EMAIL),
            replied=sum_of("replied", kind=Kind.EMAIL),
            meetings=sum_of("count", kind__in=meetings),
            booked=sum_of("booked", kind__in=meetings),
            held=sum_of("held", kind__in=meetings),
            positive=sum_of("positive", kind__in=meetings),
            selling_minutes=sum_of("minutes", kind__in=list(SELLING_KINDS)),
            minutes=sum_of("minutes"),
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
            won_deals=sum_of("deals", won=True),
            won_amount=sum_of("amount", MONEY, won=True),
            won_units=sum_of("units", won=True),
            lost_deals=sum_of("deals", won=False),
            cycle_days=sum_of("cycle_days", won=True),
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


def _overlap_share(period: Period, start: date, end: date) -> Decimal:
    """Share of ``period``'s days that lie inside ``start``..``end``."""
    first, last = max(period.start, start), min(period.end, end)
    if last < first:
        return ZERO
    return Decimal((last - first).days + 1) / Decimal(period.days)


def _periods_overlapping(kind: str, start: date, end: date, fiscal_start: int) -> list[Period]:
    periods, cursor = [], Period.containing(start, kind, fiscal_start)
    while cursor.start <= end:
        periods.append(cursor)
        cursor = cursor.next()
    return periods


def goal_plan(goal: ActivityGoal, *, start: date, end: date, fiscal_start: int = 1) -> Decimal:
    """A goal's target for ``start``..``end``: each of its weeks or months overlapping the range,
    target after ramp x the share of its days inside the range."""
    return sum(
        (
            goal.target_for(period) * _overlap_share(period, start, end)
            for period in _periods_overlapping(goal.frequency, start, end, fiscal_start)
        ),
        ZERO,
    )


def _goal_targets(goals: Iterable[ActivityGoal], *, start, end, fiscal_start, part_of=None) -> dict[str, Decimal]:
    """Targets per table column (calls, emails, meetings) from ``goals``; ``part_of`` divides each
    (collective team goals: each member's part, rounded up to whole activities per period)."""
    targets: dict[str, Decimal] = {}
    for column, metrics in GOAL_COLUMNS.items():
        chosen = [g for g in goals if g.metric in metrics]
        # "Meetings and demos" already covers meeting and demo goals: never add both.
        if column == "meetings" and any(g.metric == "meetings_demos" for g in chosen):
            chosen = [g for g in chosen if g.metric == "meetings_demos"]
        if not chosen:
            continue
        total = ZERO
        for goal in chosen:
            for period in _periods_overlapping(goal.frequency, start, end, fiscal_start):
                target = goal.target_for(period)
                if part_of:
                    target = math.ceil(target / part_of)
                total += target * _overlap_share(period, start, end)
        targets[column] = total
    return targets


def _quota_candidates(start: date, end: date, fiscal_start: int, quota_period: Period | None) -> list[Period]:
    """Quota periods to look for, best first: the range itself when it is a whole month, fiscal quarter
    or fiscal year, then the month, quarter and year holding the range's last day."""
    if quota_period is not None:
        return [quota_period]
    candidates = [
        period
        for kind in QUOTA_KINDS
        if (period := Period.containing(start, kind, fiscal_start)).start == start and period.end == end
    ]
    for kind in QUOTA_KINDS:
        period = Period.containing(end, kind, fiscal_start)
        if period not in candidates:
            candidates.append(period)
    return candidates


def periods_q(periods: list[Period], prefix: str = "") -> Q:
    condition = Q(pk__in=[])
    for period in periods:
        condition |= Q(**{f"{prefix}period_kind": period.kind, f"{prefix}period_start": period.start})
    return condition


def choose_quotas(quotas: list[Quota], candidates: list[Period]) -> tuple[Period | None, str | None, list[Quota]]:
    """The quota period and measure a page shows (module docstring), and the quotas of that pair."""
    for period in candidates:
        in_period = [q for q in quotas if q.period_kind == period.kind and q.period_start == period.start]
        for measure in MEASURE_ORDER:
            chosen = [q for q in in_period if q.measure == measure]
            if chosen:
                return period, measure, chosen
    return None, None, []


def _attainment(quota: Quota) -> Attainment | None:
    try:
        return quota.attainment
    except Attainment.DoesNotExist:
        return None


def rep_rows(
    *,
    reps: Iterable[User],
    start: date,
    end: date,
    today: date | None = None,
    quota_period: Period | None = None,
    fiscal_start: int | None = None,
    thresholds: dict[int, float | None] | None = None,
    pipeline: dict[int, dict] | None = None,
) -> list[RepFigures]:
    """Each rep's figures for ``start``..``end`` (inclusive), in the order given.

    Activity and closed figures: ``ActivityDay`` / ``ClosedDay`` rows of the
    range, summed per rep in SQL. Open pipeline and stale deals: ``Deal`` now.
    Quota: the ``Attainment`` of the rep's quota for the quota period (module
    docstring; or ``quota_period`` when given), with pace against ``today``
    (default: the organisation's today). Goals: the plan for the range.
    ``fiscal_start`` (the fiscal year's first month) is read from OrgSettings
    when not given. ``thresholds``: the stale thresholds when the caller already has them
    (``stale_thresholds``; two queries fewer); ``pipeline``: the open pipeline when the
    caller already read it (``open_pipeline_by_rep``; three fewer). Seven queries
    whatever the number of reps.
    """
    reps = list(reps)
    rep_ids = [rep.pk for rep in reps]
    today = today or timezone.localdate()
    fiscal_start = fiscal_start or OrgSettings.load().fiscal_year_start_month
    activity = _activity_sums(rep_ids=rep_ids, start=start, end=end)
    closed = _closed_sums(rep_ids=rep_ids, start=start, end=end)
    if pipeline is None:
        pipeline = open_pipeline_by_rep(rep_ids=rep_ids, now=timezone.now(), thresholds=thresholds)

    candidates = _quota_candidates(start, end, fiscal_start, quota_period)
    quotas = list(Quota.objects.filter(rep_id__in=rep_ids).filter(periods_q(candidates)).select_related("attainment"))
    period, _measure, chosen = choose_quotas(quotas, candidates)
    by_rep_quota = {q.rep_id: q for q in chosen}

    own_goals, team_goals = _goals_of(reps)

    return [
        _rep_figures(
            rep,
            sources=(activity.get(rep.pk), closed.get(rep.pk), pipeline.get(rep.pk)),
            quota=by_rep_quota.get(rep.pk),
            period=period,
            goals=(own_goals.get(rep.pk, []), team_goals.get(rep.team_id, [])),
            start=start,
            end=end,
            today=today,
            fiscal_start=fiscal_start,
        )
        for rep in reps
    ]


def _rep_figures(rep: User, *, sources, quota, period, goals, start, end, today, fiscal_start) -> RepFigures:
    """One rep's row from the sums already read: activity, closed and pipeline figures, quota, goals."""
    figures = RepFigures(rep=rep)
    stamps = []
    for source in sources:
        if source:
            stamps.append(source.get("computed_at"))
            for name, value in source.items():
                if name != "computed_at":
                    setattr(figures, name, value)
    if quota is not None and period is not None:
        _set_quota(figures, quota, period, start=start, end=end, today=today)
        done = _attainment(quota)
        stamps.append(done.computed_at if done else None)
    for column, target in _rep_goal_targets(*goals, start=start, end=end, fiscal_start=fiscal_start).items():
        setattr(figures, f"{column}_goal", target)
    figures.computed_at = last_refreshed(*stamps)
    return figures


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


def _rep_goal_targets(own: list[ActivityGoal], collective: list[ActivityGoal], *, start, end, fiscal_start) -> dict:
    """A rep's plan per table column: their own goals, else their part of the team's collective ones."""
    targets = _goal_targets(own, start=start, end=end, fiscal_start=fiscal_start)
    for goal in collective:
        part = _goal_targets([goal], start=start, end=end, fiscal_start=fiscal_start, part_of=goal.members or 1)
        for column, target in part.items():
            targets.setdefault(column, target)
    return targets


def _set_quota(figures: RepFigures, quota: Quota, period: Period, *, start: date, end: date, today: date) -> None:
    done = _attainment(quota)
    figures.quota_target = quota.target
    figures.quota_stretch_target = quota.stretch_target
    figures.quota_achieved = done.achieved if done else ZERO
    figures.elapsed_share = period.elapsed_share(today)
    figures.quota_plan = quota.target * _overlap_share(period, start, end) if quota.measure == Measure.REVENUE else None
    figures.quota_period = period
    figures.quota_measure = quota.measure


def team_total(
    rows: list[RepFigures],
    *,
    team: Team | None = None,
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
    quota_period: Period | None = None,
    fiscal_start: int | None = None,
) -> RepFigures:
    """The team's total row: every count and amount of ``rows`` added up (ratios are recomputed
    from those sums by the properties, never averaged).

    METRICS.md "team quota": with ``team`` (and the range), the team's own quota
    in the quota period if set, else the sum of its members' quotas; the same
    for activity goals (the team's own non-collective goals, else the members'
    sum). Two queries with ``team``, none without.
    """
    total = RepFigures(rep=None, reps=len(rows))
    for name in ADDITIVE_FIGURES:
        setattr(total, name, sum((getattr(row, name) for row in rows), type(getattr(total, name))()))
    with_quota = [row for row in rows if row.has_quota]
    if with_quota:
        total.quota_target = sum((row.quota_target for row in with_quota), ZERO)
        total.quota_achieved = sum((row.quota_achieved for row in with_quota), ZERO)
        total.quota_stretch_target = sum((row.quota_stretch_target for row in with_quota), ZERO)
        total.elapsed_share = with_quota[0].elapsed_share
        total.quota_period = with_quota[0].quota_period
        total.quota_measure = with_quota[0].quota_measure
        plans = [row.quota_plan for row in with_quota if row.quota_plan is not None]
        total.quota_plan = sum(plans, ZERO) if plans else None
        total.quota_is_own = False
    for column in GOAL_COLUMNS:
        targets = [getattr(row, f"{column}_goal") for row in rows if getattr(row, f"{column}_goal") is not None]
        setattr(total, f"{column}_goal", sum(targets, ZERO) if targets else None)
    total.computed_at = last_refreshed(*(row.computed_at for row in rows))
    if team is not None and start is not None and end is not None:
        _team_own_plan(
            total,
            team=team,
            start=start,
            end=end,
            today=today or timezone.localdate(),
            quota_period=quota_period,
            fiscal_start=fiscal_start or OrgSettings.load().fiscal_year_start_month,
        )
    return total


def _team_own_plan(total: RepFigures, *, team: Team, start, end, today, quota_period, fiscal_start) -> None:
    # The team's quota is read for the period and measure its members' quotas are shown in, so the
    # total row never compares a quarter's target with a month's figures.
    candidates = (
        [total.quota_period] if total.quota_period else _quota_candidates(start, end, fiscal_start, quota_period)
    )
    quotas = list(Quota.objects.filter(team=team).filter(periods_q(candidates)).select_related("attainment"))
    if total.quota_measure:
        quotas = [q for q in quotas if q.measure == total.quota_measure]
    period, _measure, chosen = choose_quotas(quotas, candidates)
    if chosen and period is not None:
        _set_quota(total, chosen[0], period, start=start, end=end, today=today)
        total.quota_is_own = True
        done = _attainment(chosen[0])
        total.computed_at = last_refreshed(total.computed_at, done.computed_at if done else None)
    own = list(ActivityGoal.objects.filter(team=team, is_collective=False))
    for column, target in _goal_targets(own, start=start, end=end, fiscal_start=fiscal_start).items():
        setattr(total, f"{column}_goal", target)


def team_average(total: RepFigures) -> RepFigures:
    """The average rep of a team total: each count, amount, quota and goal divided by the number
    of reps (so the ratios stay those of the team's sums). For "one rep against the team average"."""
    n = total.reps or 1
    average = RepFigures(rep=None, reps=1, elapsed_share=total.elapsed_share, computed_at=total.computed_at)
    average.quota_period, average.quota_measure = total.quota_period, total.quota_measure
    divided = [*ADDITIVE_FIGURES, "quota_target", "quota_achieved", "quota_stretch_target", "quota_plan"]
    divided += [f"{column}_goal" for column in GOAL_COLUMNS]
    for name in divided:
        value = getattr(total, name)
        if value is not None:
            setattr(average, name, Decimal(value) / n)
    return average
