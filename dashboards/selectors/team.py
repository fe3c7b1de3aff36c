"""Reads for the manager's team dashboard: the page's figures (``team_figures``) and each of their
parts, beyond the per-rep rows: sorting and leaderboards, stage flow, the revenue split, trends and
the share of reps at quota. The one-on-one page compares a rep with the team through the same
stage and trend reads.

Each function costs a fixed number of queries whatever the number of reps or
rows: ``stage_rows`` 2 (3 with ``closed``), ``stage_medians`` 1, ``opportunity_cohorts`` 1,
``revenue_split`` 5, ``trend`` 2, ``quota_share_history`` 1, ``team_time_spent`` 1.

Public API (keyword-only arguments; ``reps`` is any iterable of users):

- ``sort_rows(rows, *, by, descending=True) -> list[RepFigures]``, ``leaderboard(rows, *, by) -> list[RepFigures]``
- ``stage_period(start, end, fiscal_start=1) -> (period_kind, period_start)``
- ``stage_rows(*, reps, period_kind=None, period_start=None, start=None, end=None, closed=None) -> list[StageFigures]``
- ``stage_days(*, start, end, fiscal_start=1)``, ``stage_medians(*, reps, first, last) -> {stage id: days}``,
  ``opportunity_cohorts(*, reps, start, end) -> {pipeline id: (reached, won)}``
- ``stage_totals(rows) -> list[StageFigures]``
- ``revenue_split(*, reps, start, end) -> RevenueSplit``
- ``trend(*, reps, unit="week", count=12, end) -> list[TrendPoint]``
- ``quota_share_history(*, reps, end, measure, fiscal_start=1, count=6) -> list[QuotaShare]``
- ``team_figures(*, scope, pipeline, trend_unit) -> TeamFigures`` (the page), and its parts for the
  CSV exports: ``team_rows``, ``team_total_row``, ``team_stage_rows``, ``team_funnels`` (with the
  medians and opportunity cohorts: ``team_funnels_shown``),
  ``team_quota_shares``, ``leaderboards``, ``team_time_spent``

Cases METRICS.md leaves open, defined here:

- **Stage figures for a range** that is not one whole week, month, fiscal
  quarter or fiscal year: the sum of the weekly ``StageRollup`` rows of the
  weeks that *start* inside the range (a week straddling the start is left
  out, one straddling the end counted whole).
- **Days in stage** shown per stage is the average (stay days / completed
  stays); a team's is the average over all its reps' stays, never an average
  of averages; beside it the median of the same stays (``stage_medians``).
- **Won and lost stages** in the team funnel count the range's closed deals
  (``_closed_stage_figures``); the **opportunity-to-win rate** follows the
  deals that reached the opportunity stage in the range (``opportunity_cohorts``).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Case, CharField, Count, DateField, Max, OuterRef, Q, Subquery, Sum, Value, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, Territory, User
from activities.models import MEETING_KINDS, Kind
from pipeline.models import Competitor, DealType, LeadSource, Segment, Stage, StageKind
from quotas.models import Quota
from quotas.periods import Period

from ..models import ActivityDay, ClosedDay, StageRollup
from ..rollups.sql import CHANGE, DEAL, STAGE, days_between
from .figures import (
    ADDITIVE_STAGE_VALUES,
    MONEY,
    QUOTA_KINDS,
    ZERO,
    QuotaShare,
    RepFigures,
    RevenueSplit,
    SplitRow,
    StageFigures,
    TrendPoint,
    last_refreshed,
    percent,
    sum_of,
)
from .per_rep import rep_rows, team_total
from .time_spent import TimeSpent, time_spent

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
    closed: tuple[date, date] | None = None,
) -> list[StageFigures]:
    """Stage figures per (rep, stage) from ``StageRollup``, summed in SQL, in pipeline and stage order.

    Give ``period_kind`` and ``period_start`` for one stored period (week,
    month, fiscal quarter, fiscal year); or ``start`` and ``end`` for any other
    range, which sums the weekly rows of the weeks that *start* inside the
    range (so a custom range reads whole weeks: the week holding ``start`` is
    left out unless it starts on ``start``, the week holding ``end`` is counted
    whole). Only stages with any figure appear. Two queries.

    With ``closed`` (first and last day), the won and lost stages count the closed deals of those
    days instead of their entries, from ``ClosedDay`` as the closed-deal figures do (see
    ``_closed_stage_figures``): three queries.
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
    closings = _closings(reps, *closed) if closed else {}
    stage_ids = {row["stage_id"] for row in sums} | {stage_id for _, stage_id in closings}
    stages = Stage.objects.in_bulk(stage_ids) if stage_ids else {}
    found: dict[tuple[int, int], StageFigures] = {}
    for row in sums:
        stage = stages.get(row["stage_id"])
        if stage is None:
            continue
        values = {name[:-1]: value for name, value in row.items() if name.endswith("_")}
        found[row["rep_id"], stage.pk] = StageFigures(stage=stage, rep=reps[row["rep_id"]], **values)
    if closed:
        _closed_stage_figures(found, closings, stages, reps)
    rows = list(found.values())
    rows.sort(key=lambda r: (r.stage.pipeline_id, _stage_rank(r.stage), r.stage.order, r.stage.pk, str(r.rep)))
    return rows


def _closings(reps: dict[int, User], start: date, end: date) -> dict[tuple[int, int], dict]:
    """(rep id, stage id) -> the deals closed on ``start``..``end`` in that won or lost stage, and when
    they were last computed: one query on ``ClosedDay``."""
    rows = (
        ClosedDay.objects.filter(rep_id__in=list(reps), day__range=(start, end), stage_id__isnull=False)
        .values("rep_id", "stage_id")
        .annotate(deals=Sum("deals"), at=Max("computed_at"))
        .order_by()
    )
    return {(row["rep_id"], row["stage_id"]): row for row in rows}


def _closed_stage_figures(found: dict, closings: dict, stages: dict, reps: dict) -> None:
    """Won and lost stages in the funnel (docs/metrics.md, "Pipeline"): "entered" is the deals closed in
    the range in that stage, each once on its current close date as in the closed-deal figures (a deal
    won, reopened and won again counts once, on its last win; won, reopened and lost counts as lost
    only); "won" is the same count on a won stage, 0 on a lost one; advanced, lost and still open are
    0. Stays (a reopened deal's time in the won stage) and follow-ups stay as stored."""
    for (rep_id, stage_id), stage in ((key, stages.get(key[1])) for key in {*found, *closings}):
        if stage is None or not stage.is_closed:
            continue
        figures = found.get((rep_id, stage_id)) or StageFigures(stage=stage, rep=reps[rep_id])
        closing = closings.get((rep_id, stage_id), {"deals": 0, "at": None})
        figures.entered = closing["deals"]
        figures.won = closing["deals"] if stage.kind == StageKind.WON else 0
        figures.advanced = figures.lost = figures.still_open = 0
        figures.computed_at = last_refreshed(figures.computed_at, closing["at"])
        if figures.entered or figures.stays or figures.followups:
            found[rep_id, stage_id] = figures
        else:
            found.pop((rep_id, stage_id), None)


def stage_days(*, start: date, end: date, fiscal_start: int = 1) -> tuple[date, date] | None:
    """The days whose stays the range's stage figures hold: the range itself when it is one stored
    period; else the whole weeks that start inside it (None when no week does)."""
    if stage_period(start, end, fiscal_start)[0]:
        return start, end
    first = start + timedelta(days=-start.weekday() % 7)  # the first Monday on or after start
    if first > end:
        return None
    return first, end + timedelta(days=6 - end.weekday())


def stage_medians(*, reps: Iterable[User], first: date, last: date) -> dict[int, float]:
    """Median days in stage per stage id (METRICS.md): the median of the completed stays that ended
    on ``first``..``last`` (the local day of the move that ended them) in the deals the reps own now,
    the mean of the two middle ones for an even count. The stays are those the stored average
    counts: a history row to the next in the deal's history order, from the two timestamps. A
    median does not add up across reps or weeks, so it is taken here from the stage history of
    the deals with a move in those days: one query."""
    rep_ids = [rep.pk for rep in reps]
    if not rep_ids:
        return {}
    owners = ", ".join(["%s"] * len(rep_ids))
    sql = f"""
        SELECT s.stage_id, s.days FROM (
            SELECT sc.to_stage_id AS stage_id, LEAD(sc.day) OVER w AS ended,
                {days_between("LEAD(sc.changed_at) OVER w", "sc.changed_at")} AS days
            FROM {CHANGE} sc JOIN {DEAL} d ON d.id = sc.deal_id
            WHERE d.owner_id IN ({owners})
                AND sc.deal_id IN (SELECT m.deal_id FROM {CHANGE} m WHERE m.day BETWEEN %s AND %s)
            WINDOW w AS (PARTITION BY sc.deal_id ORDER BY sc.changed_at, sc.id)
        ) s
        WHERE s.ended BETWEEN %s AND %s"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [*rep_ids, first, last, first, last])
        stays: dict[int, list[float]] = {}
        for stage_id, days in cursor.fetchall():
            stays.setdefault(stage_id, []).append(float(days))
    return {stage_id: statistics.median(values) for stage_id, values in stays.items()}


def opportunity_cohorts(*, reps: Iterable[User], start: date, end: date) -> dict[int, tuple[int, int]]:
    """Per pipeline id: (deals that reached the opportunity stage in ``start``..``end``, of those the
    deals won now). A deal reached it on the local day of its first move into the stage flagged
    "counts as opportunity" or any later stage (an open stage of that order or higher, or a won
    stage: a deal that skipped it reached it too); the deals the reps own now. Pipelines without
    the flag have no cohort. One query."""
    rep_ids = [rep.pk for rep in reps]
    if not rep_ids:
        return {}
    owners = ", ".join(["%s"] * len(rep_ids))
    won, open_ = StageKind.WON, StageKind.OPEN
    sql = f"""
        SELECT r.pipeline_id, COUNT(*), SUM(r.won) FROM (
            SELECT st.pipeline_id AS pipeline_id, MIN(sc.day) AS reached,
                MAX(CASE WHEN cur.kind = '{won}' THEN 1 ELSE 0 END) AS won
            FROM {DEAL} d JOIN {STAGE} cur ON cur.id = d.stage_id
                JOIN {CHANGE} sc ON sc.deal_id = d.id JOIN {STAGE} st ON st.id = sc.to_stage_id
                JOIN {STAGE} op ON op.pipeline_id = st.pipeline_id AND op.is_opportunity
            WHERE d.owner_id IN ({owners})
                AND d.id IN (SELECT m.deal_id FROM {CHANGE} m WHERE m.day BETWEEN %s AND %s)
                AND (st.kind = '{won}' OR (st.kind = '{open_}' AND st."order" >= op."order"))
            GROUP BY d.id, st.pipeline_id
        ) r
        WHERE r.reached BETWEEN %s AND %s
        GROUP BY r.pipeline_id"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [*rep_ids, start, end, start, end])
        return {pipeline_id: (int(reached), int(won or 0)) for pipeline_id, reached, won in cursor.fetchall()}


def _stage_rank(stage: Stage) -> int:
    # Open stages in their order, then won, then lost: the funnel reads top to bottom.
    return {StageKind.OPEN: 0, StageKind.WON: 1, StageKind.LOST: 2}.get(stage.kind, 3)


def stage_totals(rows: list[StageFigures]) -> list[StageFigures]:
    """The team's figures per stage: the reps' stage sums added up, in the same order."""
    totals: dict[int, StageFigures] = {}
    for row in rows:
        total = totals.setdefault(row.stage.pk, StageFigures(stage=row.stage))
        for name in ADDITIVE_STAGE_VALUES:
            setattr(total, name, getattr(total, name) + getattr(row, name))
        total.computed_at = last_refreshed(total.computed_at, row.computed_at)
    return list(totals.values())


def _split(rep_ids, start, end, *, won: bool, column: str, names=None, require=None):
    queryset = ClosedDay.objects.filter(rep_id__in=rep_ids, day__range=(start, end), won=won)
    if require:
        queryset = queryset.filter(**require)
    queryset = queryset.values(column).annotate(n=sum_of("deals"), total=sum_of("amount", MONEY), at=Max("computed_at"))
    if names is not None:
        queryset = queryset.annotate(name=Subquery(names.filter(pk=OuterRef(column)).values("name")[:1]))
    return list(queryset.order_by("-total", column))


def _won_by_deal_type(rep_ids, start, end) -> dict[str, dict]:
    """Won deals and amount of new business against existing customers (expansion and renewal):
    the CASE is the SQL group."""
    group = Case(
        When(deal_type__in=[DealType.EXPANSION, DealType.RENEWAL], then=Value("existing")),
        default=Value("new"),
        output_field=CharField(),
    )
    return {
        row["group"]: row
        for row in ClosedDay.objects.filter(rep_id__in=rep_ids, day__range=(start, end), won=True)
        .annotate(group=group)
        .values("group")
        .annotate(n=sum_of("deals"), total=sum_of("amount", MONEY), at=Max("computed_at"))
        .order_by()
    }


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
    by_type = _won_by_deal_type(rep_ids, start, end)
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
            calls=sum_of("count", kind=Kind.CALL),
            emails=sum_of("count", kind=Kind.EMAIL),
            meetings=sum_of("count", kind__in=meetings),
            booked=sum_of("booked", kind__in=meetings),
            held=sum_of("held", kind__in=meetings),
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
            won_deals=sum_of("deals", won=True),
            won_amount=sum_of("amount", MONEY, won=True),
            lost_deals=sum_of("deals", won=False),
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


def quota_share_history(
    *, reps: Iterable[User], end: date, measure: str, fiscal_start: int = 1, count: int = 6
) -> list[QuotaShare]:
    """Share of reps at quota (from the stored ``Attainment``) for the quota period holding ``end`` and
    the ``count - 1`` before it, oldest first, in ``measure``: of the finest kind (month, fiscal quarter,
    fiscal year) that any of ``reps`` has a quota of in the period holding ``end``; empty when none
    has. One query for the three kinds."""
    chains = {}
    for kind in QUOTA_KINDS:
        chain = [Period.containing(end, kind, fiscal_start)]
        while len(chain) < count:
            chain.insert(0, chain[0].previous())
        chains[kind] = chain
    rows = (
        Quota.objects.filter(rep__in=list(reps), measure=measure)
        .filter(periods_q([p for chain in chains.values() for p in chain]))
        .values("period_kind", "period_start")
        .annotate(with_quota=Count("pk"), at_quota=Count("pk", filter=Q(attainment__attainment__gte=1)))
        .order_by()
    )
    found = {(row["period_kind"], row["period_start"]): row for row in rows}
    for kind, chain in chains.items():
        if (kind, chain[-1].start) in found:
            return [
                QuotaShare(
                    p,
                    found.get((kind, p.start), {}).get("at_quota", 0),
                    found.get((kind, p.start), {}).get("with_quota", 0),
                )
                for p in chain
            ]
    return []


def periods_q(periods: list[Period]) -> Q:
    """Quotas of exactly these periods."""
    condition = Q(pk__in=[])
    for period in periods:
        condition |= Q(period_kind=period.kind, period_start=period.start)
    return condition


# --- the page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamScope:
    """What a team dashboard request shows: the reps (of the team and the teams below it, or of every
    team the viewer may see when ``team`` is None) and the date range."""

    reps: list[User]
    team: Team | None
    start: date
    end: date
    today: date
    fiscal_start: int

    @property
    def trend_end(self) -> date:
        """Trends run up to the range's end, or up to today while the range runs."""
        return min(self.end, self.today)


@dataclass
class TeamFigures:
    """Everything the team dashboard's figures section shows."""

    rows: list[RepFigures]
    total: RepFigures
    stage_figures: list[StageFigures]
    stage_is_weekly_sum: bool
    funnels: list[dict]
    split: RevenueSplit
    points: list[TrendPoint]
    quota_shares: list[QuotaShare]
    leaderboards: list[dict]
    time_spent: TimeSpent
    refreshed_at: datetime | None


def team_rows(*, scope: TeamScope, pipeline: dict[int, dict] | None = None) -> list[RepFigures]:
    return rep_rows(
        reps=scope.reps,
        start=scope.start,
        end=scope.end,
        today=scope.today,
        fiscal_start=scope.fiscal_start,
        pipeline=pipeline,
    )


def team_total_row(*, scope: TeamScope, rows: list[RepFigures]) -> RepFigures:
    """The total row, with the team's own quota and goals when one team is shown."""
    return team_total(
        rows, team=scope.team, start=scope.start, end=scope.end, today=scope.today, fiscal_start=scope.fiscal_start
    )


def team_stage_rows(*, scope: TeamScope) -> list[StageFigures]:
    """The funnel's rows: the range's stage figures, the won and lost stages counting the closed deals
    of the range's own days (a custom range included), as the closed-deal figures beside them do."""
    kind, period_start = stage_period(scope.start, scope.end, scope.fiscal_start)
    closed = (scope.start, scope.end)
    if kind:
        return stage_rows(reps=scope.reps, period_kind=kind, period_start=period_start, closed=closed)
    return stage_rows(reps=scope.reps, start=scope.start, end=scope.end, closed=closed)


def team_funnels(
    *,
    scope: TeamScope,
    stage_figures: list[StageFigures],
    medians: dict[int, float] | None = None,
    cohorts: dict[int, tuple[int, int]] | None = None,
) -> list[dict]:
    """Per pipeline: the team's stage totals, and each stage's figures per rep (for the matrices); with
    ``medians`` (``stage_medians``) each stage's median days, with ``cohorts`` (``opportunity_cohorts``)
    the pipeline's opportunity-to-win rate."""
    by_stage: dict[int, dict[int, StageFigures]] = {}
    for row in stage_figures:
        by_stage.setdefault(row.stage.pk, {})[row.rep.pk] = row
    pipelines: dict[int, dict] = {}
    for total in stage_totals(stage_figures):
        pipeline_id = total.stage.pipeline_id
        funnel = pipelines.get(pipeline_id)
        if funnel is None:
            reached, won = (cohorts or {}).get(pipeline_id, (0, 0))
            funnel = pipelines[pipeline_id] = {
                "stages": [],
                "pipeline_id": pipeline_id,
                "opportunities": reached,
                "opportunities_won": won,
                "opportunity_to_win": percent(won, reached),
            }
        cells = [by_stage.get(total.stage.pk, {}).get(rep.pk) for rep in scope.reps]
        funnel["stages"].append({"total": total, "cells": cells, "median": (medians or {}).get(total.stage.pk)})
    return list(pipelines.values())


def team_funnels_shown(*, scope: TeamScope, stage_figures: list[StageFigures]) -> list[dict]:
    """``team_funnels`` as the page shows them, for its funnel CSV as well: each stage's median days
    over the stays its average counts (``stage_days``), each pipeline's opportunity-to-win rate."""
    days = stage_days(start=scope.start, end=scope.end, fiscal_start=scope.fiscal_start)
    return team_funnels(
        scope=scope,
        stage_figures=stage_figures,
        medians=stage_medians(reps=scope.reps, first=days[0], last=days[1]) if days else {},
        cohorts=opportunity_cohorts(reps=scope.reps, start=scope.start, end=scope.end),
    )


def team_time_spent(*, scope: TeamScope) -> TimeSpent:
    """The reps' logged minutes by kind over the range (docs/metrics.md "time spent"), one query."""
    return time_spent(rep_ids=[rep.pk for rep in scope.reps], start=scope.start, end=scope.end)


def team_quota_shares(*, scope: TeamScope, total: RepFigures) -> list[QuotaShare]:
    """The share of reps at quota in the measure the page shows (METRICS.md "Share of reps at quota")."""
    if total.quota_measure is None:
        return []
    return quota_share_history(
        reps=scope.reps, end=scope.end, measure=total.quota_measure, fiscal_start=scope.fiscal_start
    )


def leaderboards(rows: list[RepFigures]) -> list[dict]:
    """The three boards, each ranked by its figure and by its % of the rep's own plan."""
    boards = [
        ("booked", gettext("Meetings booked"), "booked", "booked_progress", ""),
        ("revenue", gettext("Revenue won"), "won_amount", "revenue_progress", "money"),
        ("calls", gettext("Calls"), "calls", "calls_progress", ""),
    ]
    return [
        {
            "key": key,
            "title": title,
            "figure": figure,
            "progress": progress,
            "unit": unit,
            "by_figure": [(row, getattr(row, figure), getattr(row, progress)) for row in leaderboard(rows, by=figure)],
            "by_plan": [(row, getattr(row, figure), getattr(row, progress)) for row in leaderboard(rows, by=progress)],
        }
        for key, title, figure, progress, unit in boards
    ]


def team_figures(*, scope: TeamScope, pipeline: dict[int, dict], trend_unit: str) -> TeamFigures:
    """The team dashboard's figures, in a fixed number of queries whatever the number of reps."""
    rows = team_rows(scope=scope, pipeline=pipeline)
    total = team_total_row(scope=scope, rows=rows)
    stage_figures = team_stage_rows(scope=scope)
    funnels = team_funnels_shown(scope=scope, stage_figures=stage_figures)
    split = revenue_split(reps=scope.reps, start=scope.start, end=scope.end)
    points = trend(reps=scope.reps, unit=trend_unit, count=12, end=scope.trend_end)
    spent = team_time_spent(scope=scope)
    return TeamFigures(
        rows=rows,
        total=total,
        stage_figures=stage_figures,
        stage_is_weekly_sum=stage_period(scope.start, scope.end, scope.fiscal_start)[0] is None,
        funnels=funnels,
        split=split,
        points=points,
        quota_shares=team_quota_shares(scope=scope, total=total),
        leaderboards=leaderboards(rows),
        time_spent=spent,
        refreshed_at=last_refreshed(
            total.computed_at,
            split.computed_at,
            spent.computed_at,
            points[0].computed_at if points else None,
            *(s["total"].computed_at for f in funnels for s in f["stages"]),
        ),
    )
