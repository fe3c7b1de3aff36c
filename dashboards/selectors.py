"""Reads for the manager's team dashboard, and the per-rep figures other pages compare against.

Every count and sum comes from the dashboard tables (``ActivityDay``,
``ClosedDay``, ``StageRollup``, ``Attainment``), summed by the database with
``GROUP BY rep`` (or by stage, lead source, week...). Figures that depend on
the clock (open pipeline, stale deals, pace) are read at request time from the
domain rows, as METRICS.md asks. Python only divides figures the database has
already summed, adds up those sums for a team total, and sorts.

Each function costs a fixed number of queries whatever the number of reps or
rows: ``rep_rows`` 5, ``team_total`` 2, ``stage_rows`` 2, ``revenue_split`` 5,
``trend`` 2, ``quota_share_history`` 1.

Public API (keyword-only arguments; ``reps`` is any iterable of users):

- ``rep_rows(*, reps, start, end, today=None, quota_period=None) -> list[RepFigures]``
- ``team_total(rows, *, team=None) -> RepFigures``   (the total row; ``team`` for its own quota and goals)
- ``team_average(total) -> RepFigures``              (per-rep average of a total, for "rep vs team")
- ``stage_rows(*, reps, period_kind=None, period_start=None, start=None, end=None) -> list[StageFigures]``
- ``stage_totals(rows) -> list[StageFigures]``
- ``revenue_split(*, reps, start, end) -> RevenueSplit``
- ``trend(*, reps, unit="week", count=12, end) -> list[TrendPoint]``
- ``quota_share_history(*, reps, period, count=6) -> list[QuotaShare]``
- ``leaderboard(rows, *, by) -> list[RepFigures]``
- ``last_refreshed(*parts) -> datetime | None``

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
- **Stage figures for a range** that is not one whole week, month, fiscal
  quarter or fiscal year: the sum of the weekly ``StageRollup`` rows of the
  weeks that *start* inside the range (a week straddling the start is left
  out, one straddling the end counted whole).
- **Days in stage** shown per stage is the average (stay days / completed
  stays); a team's is the average over all its reps' stays, never an average
  of averages.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DecimalField,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, Territory, User
from activities.models import MEETING_KINDS, SELLING_KINDS, Kind
from pipeline.models import Competitor, Deal, DealType, LeadSource, Segment, Stage, StageKind
from pipeline.selectors import thresholds_from
from quotas.models import ActivityGoal, Measure, OrgSettings, Quota
from quotas.periods import Period

from .models import STAGE_ROLLUP_VALUES, ActivityDay, Attainment, ClosedDay, StageRollup

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


def _sum(column: str, output=None, **conditions):
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
    # Quota (Attainment) for the quota period
    quota_target: Decimal | None = None
    quota_achieved: Decimal | None = None
    quota_stretch_target: Decimal | None = None
    quota_is_own: bool = True  # team total: the team's own quota (False: sum of the members')
    elapsed_share: float = 0.0  # of the quota period, today
    quota_plan: Decimal | None = None  # quota target times the share of the quota period inside the range
    quota_period: Period | None = None
    quota_measure: str | None = None
    # Activity goals for the range (ramped, prorated)
    calls_goal: Decimal | None = None
    emails_goal: Decimal | None = None
    meetings_goal: Decimal | None = None
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

    @property
    def calls_progress(self) -> float | None:
        return percent(self.calls, self.calls_goal)

    @property
    def emails_progress(self) -> float | None:
        return percent(self.emails, self.emails_goal)

    @property
    def meetings_progress(self) -> float | None:
        return percent(self.meetings, self.meetings_goal)

    @property
    def booked_progress(self) -> float | None:
        """Meetings booked / the meetings goal for the range, in percent (leaderboard "% of plan")."""
        return percent(self.booked, self.meetings_goal)

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

    @property
    def attainment(self) -> float | None:
        """Achieved / target of the quota period, in percent."""
        return percent(self.quota_achieved, self.quota_target)

    @property
    def stretch_attainment(self) -> float | None:
        return percent(self.quota_achieved, self.quota_stretch_target)

    @property
    def pace(self) -> float | None:
        """Achieved / (target x elapsed share of the quota period), in percent."""
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
        """Won revenue in the range / the quota's plan for the range, in percent (leaderboard "% of plan")."""
        return percent(self.won_amount, self.quota_plan)


_ADDITIVE = [
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
]


def _activity_sums(*, rep_ids, start: date, end: date) -> dict[int, dict]:
    """METRICS.md "Activity" per rep over ``start``..``end`` (inclusive): one GROUP BY rep on ActivityDay."""
    meetings = list(MEETING_KINDS)
    rows = (
        ActivityDay.objects.filter(rep_id__in=rep_ids, day__range=(start, end))
        .values("rep_id")
        .annotate(
            calls=_sum("count", kind=Kind.CALL),
            connected=_sum("connected", kind=Kind.CALL),
            emails=_sum("count", kind=Kind.EMAIL),
            replied=_sum("replied", kind=Kind.EMAIL),
            meetings=_sum("count", kind__in=meetings),
            booked=_sum("booked", kind__in=meetings),
            held=_sum("held", kind__in=meetings),
            positive=_sum("positive", kind__in=meetings),
            selling_minutes=_sum("minutes", kind__in=list(SELLING_KINDS)),
            minutes=_sum("minutes"),
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
            won_deals=_sum("deals", won=True),
            won_amount=_sum("amount", MONEY, won=True),
            won_units=_sum("units", won=True),
            lost_deals=_sum("deals", won=False),
            cycle_days=_sum("cycle_days", won=True),
            computed_at=Max("computed_at"),
        )
        .order_by()
    )
    return {row.pop("rep_id"): row for row in rows}


def stale_thresholds() -> dict[int, float | None]:
    """Days after which a deal in each stage is stale, for every stage, in two queries.

    The same rule as ``pipeline.selectors.stage_stale_thresholds`` (METRICS.md
    "stale deal"): the stage's rotting days, else 2 x the median days in stage
    of the completed stays that ended in the last 180 days; None without such
    history (never stale). The medians are taken in the database
    (``pipeline.selectors.median_stays``), so a page never loads the stays themselves.
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
            open_amount=_sum("amount", MONEY),
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


def _period_q(periods: list[Period], prefix: str = "") -> Q:
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
    quotas = list(Quota.objects.filter(rep_id__in=rep_ids).filter(_period_q(candidates)).select_related("attainment"))
    period, _measure, chosen = choose_quotas(quotas, candidates)
    by_rep_quota = {q.rep_id: q for q in chosen}

    team_ids = {rep.team_id for rep in reps if rep.team_id}
    goals = list(
        ActivityGoal.objects.filter(Q(rep_id__in=rep_ids) | Q(team_id__in=team_ids, is_collective=True)).annotate(
            members=Subquery(
                User.objects.reps()
                .filter(team_id=OuterRef("team_id"))
                .values("team_id")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            )
        )
    )
    own_goals: dict[int, list[ActivityGoal]] = defaultdict(list)
    team_goals: dict[int, list[ActivityGoal]] = defaultdict(list)
    for goal in goals:
        (own_goals[goal.rep_id] if goal.rep_id else team_goals[goal.team_id]).append(goal)

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
        quota = by_rep_quota.get(rep.pk)
        if quota is not None and period is not None:
            _set_quota(figures, quota, period, start=start, end=end, today=today)
            done = _attainment(quota)
            stamps.append(done.computed_at if done else None)
        goal_targets = _goal_targets(own_goals.get(rep.pk, []), start=start, end=end, fiscal_start=fiscal_start)
        for goal in team_goals.get(rep.team_id, []):
            part = _goal_targets([goal], start=start, end=end, fiscal_start=fiscal_start, part_of=goal.members or 1)
            for column, target in part.items():
                goal_targets.setdefault(column, target)
        for column, target in goal_targets.items():
            setattr(figures, f"{column}_goal", target)
        figures.computed_at = last_refreshed(*stamps)
        rows.append(figures)
    return rows


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
    for name in _ADDITIVE:
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
    quotas = list(Quota.objects.filter(team=team).filter(_period_q(candidates)).select_related("attainment"))
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
    divided = [*_ADDITIVE, "quota_target", "quota_achieved", "quota_stretch_target", "quota_plan"]
    divided += [f"{column}_goal" for column in GOAL_COLUMNS]
    for name in divided:
        value = getattr(total, name)
        if value is not None:
            setattr(average, name, Decimal(value) / n)
    return average


SORTS = {
    "name": lambda r: str(r.rep or "").lower(),
    "attainment": lambda r: r.attainment,
    "pace": lambda r: r.pace,
    "won_amount": lambda r: r.won_amount,
    "win_rate": lambda r: r.win_rate,
    "average_deal": lambda r: r.average_deal,
    "cycle_length": lambda r: r.cycle_length,
    "open_amount": lambda r: r.open_amount,
    "weighted_amount": lambda r: r.weighted_amount,
    "open_deals": lambda r: r.open_deals,
    "stale_deals": lambda r: r.stale_deals,
    "calls": lambda r: r.calls,
    "emails": lambda r: r.emails,
    "meetings": lambda r: r.meetings,
    "connect_rate": lambda r: r.connect_rate,
    "reply_rate": lambda r: r.reply_rate,
    "held": lambda r: r.held,
    "positive_rate": lambda r: r.positive_rate,
    "selling_share": lambda r: r.selling_share,
    "booked": lambda r: r.booked,
    "booked_progress": lambda r: r.booked_progress,
    "revenue_progress": lambda r: r.revenue_progress,
    "calls_progress": lambda r: r.calls_progress,
}


def sort_rows(rows: list[RepFigures], *, by: str, descending: bool = True) -> list[RepFigures]:
    """Rows sorted by one of ``SORTS``; rows without a value ("—") always last."""
    key = SORTS.get(by, SORTS["name"])
    present = [row for row in rows if key(row) is not None]
    missing = [row for row in rows if key(row) is None]
    return sorted(present, key=key, reverse=descending) + sorted(missing, key=SORTS["name"])


LEADERBOARDS = {
    # name: (figure, % of plan)
    "booked": ("booked", "booked_progress"),
    "revenue": ("won_amount", "revenue_progress"),
    "calls": ("calls", "calls_progress"),
}


def leaderboard(rows: list[RepFigures], *, by: str) -> list[RepFigures]:
    """Reps ranked by a figure (``booked``, ``won_amount``, ``calls``) or by its % of the rep's own plan
    (``booked_progress``, ``revenue_progress``, ``calls_progress``), best first; "—" last."""
    return sort_rows(rows, by=by, descending=True)


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


def _stage_period_filter(*, period_kind, period_start, start, end) -> Q:
    if period_kind and period_start:
        return Q(period_kind=period_kind, period_start=period_start)
    if start is None or end is None:
        raise TypeError("stage_rows needs period_kind and period_start, or start and end")
    return Q(period_kind="week", period_start__range=(start, end))


def stage_period(start: date, end: date, fiscal_start: int = 1) -> tuple[str | None, date | None]:
    """(period_kind, period_start) when ``start``..``end`` is exactly one week, month, fiscal quarter or
    fiscal year; (None, None) for any other range (its stage figures sum whole weeks)."""
    for kind in ("week", "month", "quarter", "year"):
        period = Period.containing(start, kind, fiscal_start)
        if period.start == start and period.end == end:
            return kind, period.start
    return None, None


def stage_rows(
    *,
    reps: Iterable[User],
    period_kind: str | None = None,
    period_start: date | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[StageFigures]:
    """Stage figures per (rep, stage) from ``StageRollup``, summed in SQL, in pipeline and stage order.

    Give ``period_kind`` and ``period_start`` for one stored period (week,
    month, fiscal quarter, fiscal year); or ``start`` and ``end`` for any other
    range, which sums the weekly rows of the weeks that *start* inside the
    range (so a custom range reads whole weeks: the week holding ``start`` is
    left out unless it starts on ``start``, the week holding ``end`` is counted
    whole). Only stages with any figure appear. Two queries.
    """
    reps = {rep.pk: rep for rep in reps}
    period = _stage_period_filter(period_kind=period_kind, period_start=period_start, start=start, end=end)
    sums = (
        StageRollup.objects.filter(period, rep_id__in=list(reps))
        .values("rep_id", "stage_id")
        .annotate(
            entered_=Sum("entered"),
            advanced_=Sum("advanced"),
            lost_=Sum("lost"),
            won_=Sum("won"),
            still_open_=Sum("still_open"),
            stays_=Sum("stays"),
            stay_days_=Sum("stay_days"),
            left_forward_=Sum("left_forward"),
            followups_=Sum("followups"),
            computed_at_=Max("computed_at"),
        )
        .order_by()
    )
    sums = list(sums)
    stages = Stage.objects.in_bulk({row["stage_id"] for row in sums}) if sums else {}
    rows = []
    for row in sums:
        stage = stages.get(row["stage_id"])
        if stage is None:
            continue
        values = {name[:-1]: value for name, value in row.items() if name.endswith("_")}
        rows.append(StageFigures(stage=stage, rep=reps[row["rep_id"]], **values))
    rows.sort(key=lambda r: (r.stage.pipeline_id, _stage_rank(r.stage), r.stage.order, r.stage.pk, str(r.rep)))
    return rows


def _stage_rank(stage: Stage) -> int:
    # Open stages in their order, then won, then lost: the funnel reads top to bottom.
    return {StageKind.OPEN: 0, StageKind.WON: 1, StageKind.LOST: 2}.get(stage.kind, 3)


# Every stage figure but the median adds up across reps (a median does not).
ADDITIVE_STAGE_VALUES = tuple(name for name in STAGE_ROLLUP_VALUES if name != "median_stay_days")


def stage_totals(rows: list[StageFigures]) -> list[StageFigures]:
    """The team's figures per stage: the reps' stage sums added up, in the same order."""
    totals: dict[int, StageFigures] = {}
    for row in rows:
        total = totals.setdefault(row.stage.pk, StageFigures(stage=row.stage))
        for name in ADDITIVE_STAGE_VALUES:
            setattr(total, name, getattr(total, name) + getattr(row, name))
        total.computed_at = last_refreshed(total.computed_at, row.computed_at)
    return list(totals.values())


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


def _split(rep_ids, start, end, *, won: bool, column: str, names=None, require=None):
    queryset = ClosedDay.objects.filter(rep_id__in=rep_ids, day__range=(start, end), won=won)
    if require:
        queryset = queryset.filter(**require)
    queryset = queryset.values(column).annotate(n=_sum("deals"), total=_sum("amount", MONEY), at=Max("computed_at"))
    if names is not None:
        queryset = queryset.annotate(name=Subquery(names.filter(pk=OuterRef(column)).values("name")[:1]))
    return list(queryset.order_by("-total", column))


def revenue_split(*, reps: Iterable[User], start: date, end: date) -> RevenueSplit:
    """METRICS.md "revenue" split by lead source, territory, market (company segment) and deal type
    (new business vs existing customers = expansion and renewal), won deals closed in the range;
    and "lost to competitors": lost deals closed in the range with a competitor set, count and
    amount per competitor. From ``ClosedDay``, each a GROUP BY in SQL: five queries."""
    rep_ids = [rep.pk for rep in reps]
    split = RevenueSplit()
    stamps = []
    none_label = str(_("None"))

    def rows(result, label):
        out = []
        for row in result:
            stamps.append(row["at"])
            out.append(SplitRow(row["key"], label(row), row["n"], row["total"]))
        return out

    def keyed(result, column):
        for row in result:
            row["key"] = row[column]
        return result

    split.lead_source = rows(
        keyed(
            _split(rep_ids, start, end, won=True, column="lead_source_id", names=LeadSource.objects), "lead_source_id"
        ),
        lambda r: r["name"] or none_label,
    )
    split.territory = rows(
        keyed(_split(rep_ids, start, end, won=True, column="territory_id", names=Territory.objects), "territory_id"),
        lambda r: r["name"] or none_label,
    )
    segments = dict(Segment.choices)
    split.segment = rows(
        keyed(_split(rep_ids, start, end, won=True, column="segment"), "segment"),
        lambda r: str(segments.get(r["segment"], none_label)),
    )
    # New business against existing customers (expansion and renewal): the CASE is the SQL group.
    group = Case(
        When(deal_type__in=[DealType.EXPANSION, DealType.RENEWAL], then=Value("existing")),
        default=Value("new"),
        output_field=CharField(),
    )
    by_type = {
        row["group"]: row
        for row in ClosedDay.objects.filter(rep_id__in=rep_ids, day__range=(start, end), won=True)
        .annotate(group=group)
        .values("group")
        .annotate(n=_sum("deals"), total=_sum("amount", MONEY), at=Max("computed_at"))
        .order_by()
    }
    labels = {"new": str(_("New business")), "existing": str(_("Existing customers"))}
    for key, label in labels.items():
        row = by_type.get(key, {"n": 0, "total": ZERO, "at": None})
        stamps.append(row["at"])
        split.deal_type.append(SplitRow(key, label, row["n"], row["total"]))
    split.competitors = rows(
        keyed(
            _split(
                rep_ids,
                start,
                end,
                won=False,
                column="competitor_id",
                names=Competitor.objects,
                require={"competitor_id__isnull": False},
            ),
            "competitor_id",
        ),
        lambda r: r["name"] or none_label,
    )
    split.computed_at = last_refreshed(*stamps)
    return split


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


def trend_periods(*, unit: str, count: int, end: date, fiscal_start: int = 1) -> list[Period]:
    """The ``count`` weeks or months ending with the one that holds ``end``, oldest first."""
    if unit not in ("week", "month"):
        raise ValueError("trend unit is week or month")
    periods = [Period.containing(end, unit, fiscal_start)]
    while len(periods) < count:
        periods.insert(0, periods[0].previous())
    return periods


def trend(*, reps: Iterable[User], unit: str = "week", count: int = 12, end: date) -> list[TrendPoint]:
    """The last ``count`` weeks or months (ending with the one holding ``end``) of calls, emails,
    meetings (occurring), meetings booked, meetings held, won deals and revenue, and lost deals,
    summed over ``reps``. Two queries (one per dashboard table), each a GROUP BY on the period
    that holds the row's day (a CASE over the ``count`` periods)."""
    rep_ids = [rep.pk for rep in reps]
    periods = trend_periods(unit=unit, count=count, end=end)
    first, last = periods[0].start, periods[-1].end
    bucket = Case(*(When(day__range=(p.start, p.end), then=Value(p.start)) for p in periods), output_field=DateField())
    meetings = list(MEETING_KINDS)
    activity = {
        row["bucket"]: row
        for row in ActivityDay.objects.filter(rep_id__in=rep_ids, day__range=(first, last))
        .annotate(bucket=bucket)
        .values("bucket")
        .annotate(
            calls=_sum("count", kind=Kind.CALL),
            emails=_sum("count", kind=Kind.EMAIL),
            meetings=_sum("count", kind__in=meetings),
            booked=_sum("booked", kind__in=meetings),
            held=_sum("held", kind__in=meetings),
            at=Max("computed_at"),
        )
        .order_by()
    }
    closed = {
        row["bucket"]: row
        for row in ClosedDay.objects.filter(rep_id__in=rep_ids, day__range=(first, last))
        .annotate(bucket=bucket)
        .values("bucket")
        .annotate(
            won_deals=_sum("deals", won=True),
            won_amount=_sum("amount", MONEY, won=True),
            lost_deals=_sum("deals", won=False),
            at=Max("computed_at"),
        )
        .order_by()
    }
    at = last_refreshed(*(row["at"] for row in (*activity.values(), *closed.values())))
    points = []
    for p in periods:
        point = TrendPoint(period=p, computed_at=at)
        for source in (activity.get(p.start), closed.get(p.start)):
            for name, value in (source or {}).items():
                if name not in ("bucket", "at"):
                    setattr(point, name, value)
        points.append(point)
    return points


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


def quota_share_history(*, reps: Iterable[User], period: Period, measure: str, count: int = 6) -> list[QuotaShare]:
    """Share of reps at quota for ``period`` and the ``count - 1`` before it (same kind and measure),
    oldest first, counted in SQL from ``Attainment``: one query."""
    periods = [period]
    while len(periods) < count:
        periods.insert(0, periods[0].previous())
    rows = (
        Quota.objects.filter(rep__in=list(reps), measure=measure)
        .filter(_period_q(periods))
        .values("period_start")
        .annotate(with_quota=Count("pk"), at_quota=Count("pk", filter=Q(attainment__attainment__gte=1)))
        .order_by()
    )
    found = {row["period_start"]: row for row in rows}
    return [
        QuotaShare(p, found.get(p.start, {}).get("at_quota", 0), found.get(p.start, {}).get("with_quota", 0))
        for p in periods
    ]
