"""Reads that answer one screen's question each."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone

from .models import Deal, DealChange, ForecastCategory, Pipeline, Stage, StageChange, StageKind

STALE_LOOKBACK_DAYS = 180
# How long a process may keep the stage medians (seconds) when no stage change is added: a deleted
# deal's stays leave the medians within this time at the latest. A new stage change anywhere
# changes the cache key at once.
MEDIANS_CACHE_SECONDS = 3600
CLOSED_ON_BOARD_DAYS = 30


def median_stays(*, stage_ids: Iterable[int], since: datetime) -> dict[int, float]:
    """Each stage's median days in stage over the completed stays that left it at or after ``since``
    (METRICS.md "stale deal"), taken in the database; stages without such stays are absent.

    PostgreSQL: ``percentile_cont(0.5)`` over the ``(from_stage, changed_at)`` index (an index-only
    scan). Elsewhere: the middle one or two stays of each stage by window functions, averaged.
    Both give ``statistics.median`` of the stays (the mean of the two middle ones for an even count).

    The medians read every stay of the window (tens of milliseconds for a large organisation), on
    every board and dashboard, so they are cached under the newest stage change's id: one primary
    key lookup a request, and the medians are taken again as soon as any deal moves. Stage changes
    are only ever added; a deal deleted with its history leaves the cache within
    ``MEDIANS_CACHE_SECONDS``.
    """
    stage_ids = sorted(set(stage_ids))
    if not stage_ids:
        return {}
    newest = StageChange.objects.aggregate(newest=Max("pk"))["newest"]
    key = f"stage-medians:{newest}:{since.isoformat()}:{','.join(map(str, stage_ids))}"
    medians = cache.get(key)
    if medians is None:
        medians = _median_stays(stage_ids=stage_ids, since=since)
        cache.set(key, medians, MEDIANS_CACHE_SECONDS)
    return medians


def _median_stays(*, stage_ids: list[int], since: datetime) -> dict[int, float]:
    table = StageChange._meta.db_table
    marks = ", ".join(["%s"] * len(stage_ids))
    where = f"sc.from_stage_id IN ({marks}) AND sc.changed_at >= %s AND sc.from_entered_at IS NOT NULL"
    if connection.vendor == "postgresql":
        sql = f"""
            SELECT sc.from_stage_id, percentile_cont(0.5) WITHIN GROUP (
                ORDER BY EXTRACT(EPOCH FROM (sc.changed_at - sc.from_entered_at))::float8 / 86400.0)
            FROM {table} sc WHERE {where} GROUP BY sc.from_stage_id"""
    else:
        days = "(julianday(sc.changed_at) - julianday(sc.from_entered_at))"
        sql = f"""
            SELECT stage_id, AVG(days) FROM (
                SELECT sc.from_stage_id AS stage_id, {days} AS days,
                    ROW_NUMBER() OVER (PARTITION BY sc.from_stage_id ORDER BY {days}, sc.id) AS rn,
                    COUNT(*) OVER (PARTITION BY sc.from_stage_id) AS cnt
                FROM {table} sc WHERE {where}
            ) ranked
            WHERE rn IN ((cnt + 1) / 2, (cnt + 2) / 2)
            GROUP BY stage_id"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [*stage_ids, since])
        return {stage_id: float(median) for stage_id, median in cursor.fetchall()}


def thresholds_from(stages: Iterable[tuple[int, int | None]]) -> dict[int, float | None]:
    """Stale thresholds for ``(stage id, rotting days)`` pairs: the rotting days when set, else
    2 x the stage's median stay of the stays that ended since midnight 180 days ago (the
    organisation's time zone; ``median_stays``, one query, only when some stage has no rotting
    days), else None (never stale). The window starts at a midnight so that it moves once a day
    and the medians can be cached."""
    thresholds: dict[int, float | None] = dict(stages)
    unset = [pk for pk, rotting in thresholds.items() if rotting is None]
    if unset:
        midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        since = midnight - timedelta(days=STALE_LOOKBACK_DAYS)
        medians = median_stays(stage_ids=unset, since=since)
        for pk in unset:
            thresholds[pk] = 2 * medians[pk] if pk in medians else None
    return thresholds


def stage_stale_thresholds(*, pipeline: Pipeline) -> dict[int, float | None]:
    """Days after which a deal in each stage is stale.

    The stage's rotting days when an admin set them; otherwise 2 x the stage's
    median days in stage over completed stays that ended in the last 180 days
    (METRICS.md); None when there is no such history yet (never stale).
    Two queries at most: the stages, and the medians in the database (``median_stays``).
    """
    return thresholds_from(Stage.objects.filter(pipeline=pipeline).values_list("pk", "rotting_days"))


@dataclass
class BoardColumn:
    stage: Stage
    deals: list[Deal] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.deals)

    @property
    def total(self) -> Decimal:
        return sum((d.amount for d in self.deals), Decimal("0"))

    @property
    def weighted(self) -> Decimal:
        return sum((d.amount * self.stage.probability / 100 for d in self.deals), Decimal("0"))

    @property
    def commit(self) -> Decimal:
        """The amount of the column's commit deals; a closed column forecasts nothing."""
        if self.stage.is_closed:
            return Decimal("0")
        return sum((d.amount for d in self.deals if d.forecast_category == ForecastCategory.COMMIT), Decimal("0"))


@dataclass(frozen=True)
class BoardTotal:
    """The open pipeline a board shows: its open columns added up (won and lost columns are not pipeline)."""

    count: int
    value: Decimal
    weighted: Decimal


def board_total(*, columns: list[BoardColumn]) -> BoardTotal:
    """The deals in the board's open stages, for its filter: how many, their value and their value
    weighted by each stage's win probability (METRICS.md "Pipeline"). No query: from the columns."""
    open_columns = [column for column in columns if not column.stage.is_closed]
    return BoardTotal(
        count=sum(column.count for column in open_columns),
        value=sum((column.total for column in open_columns), Decimal("0")),
        weighted=sum((column.weighted for column in open_columns), Decimal("0")),
    )


def board_deals(*, pipeline: Pipeline, user, owner=None, team=None, territory=None) -> QuerySet[Deal]:
    """The deals a board shows: the user's visible deals of this pipeline,
    open ones and those closed in the last 30 days, filtered."""
    recent = timezone.localdate() - timedelta(days=CLOSED_ON_BOARD_DAYS)
    deals = (
        Deal.objects.visible_to(user)
        .filter(pipeline=pipeline)
        .exclude(stage__kind__in=["won", "lost"], closed_on__lt=recent)
        .select_related("company", "owner", "stage")
        .order_by("stage_entered_at", "pk")
    )
    return _whose(deals, owner=owner, team=team, territory=territory)


def board_columns(*, pipeline: Pipeline, user, **filters) -> list[BoardColumn]:
    """One column per live stage, in order, with its deals; each deal carries
    ``age_days`` and ``is_stale`` (computed now, from stored timestamps)."""
    columns = {stage.pk: BoardColumn(stage) for stage in Stage.objects.filter(pipeline=pipeline).current()}
    for deal in deals_with_age(board_deals(pipeline=pipeline, user=user, **filters)):
        if deal.stage_id in columns:
            columns[deal.stage_id].deals.append(deal)
    return list(columns.values())


def deal_timeline(*, deal: Deal) -> QuerySet[StageChange]:
    """The deal's stage history, oldest first, with who moved it and the days spent in the stage it left."""
    return (
        StageChange.objects.filter(deal=deal)
        .select_related("from_stage", "to_stage", "changed_by")
        .annotate(stay=F("changed_at") - F("from_entered_at"))
        .order_by("changed_at", "pk")
    )


def deal_forecast_history(*, deal: Deal) -> QuerySet[DealChange]:
    """The deal's forecast history (``DealChange``), newest first, with the stage and who wrote each row."""
    return DealChange.objects.filter(deal=deal).select_related("stage", "changed_by").order_by("-changed_at", "-pk")


def deal_list(
    *, user, q="", pipeline=None, stage=None, status="", owner=None, team=None, territory=None
) -> QuerySet[Deal]:
    """The deals this user may see, filtered, newest first, with what a list row shows."""
    deals = Deal.objects.visible_to(user).select_related("company", "owner", "pipeline", "stage")
    if q:
        deals = deals.filter(Q(title__icontains=q) | Q(company__name__icontains=q))
    if pipeline:
        deals = deals.filter(pipeline=pipeline)
    if stage:
        deals = deals.filter(stage=stage)
    if status in StageKind.values:
        deals = deals.filter(stage__kind=status)
    return _whose(deals, owner=owner, team=team, territory=territory).order_by("-created_at", "-pk")


def deals_with_age(deals: Iterable[Deal]) -> Iterator[Deal]:
    """Yield each deal with ``age_days`` (open age in its stage, computed now)
    and ``is_stale``; one threshold lookup per pipeline met."""
    thresholds: dict[int, dict] = {}
    now = timezone.now()
    for deal in deals:
        if deal.pipeline_id not in thresholds:
            thresholds[deal.pipeline_id] = stage_stale_thresholds(pipeline=deal.pipeline)
        limit = thresholds[deal.pipeline_id].get(deal.stage_id)
        deal.age_days = deal.days_in_stage(now)
        deal.is_stale = not deal.stage.is_closed and limit is not None and deal.age_days > limit
        yield deal


@dataclass
class TimelineEvent:
    at: datetime
    change: StageChange | None = None
    activity: object | None = None


def deal_events(*, changes: Iterable[StageChange], activities: Iterable) -> list[TimelineEvent]:
    """A deal's stage changes and its activities in one list, newest first."""
    events = [TimelineEvent(at=c.changed_at, change=c) for c in changes]
    events += [TimelineEvent(at=a.occurred_at, activity=a) for a in activities]
    return sorted(events, key=lambda e: e.at, reverse=True)


def _whose(deals: QuerySet[Deal], *, owner=None, team=None, territory=None) -> QuerySet[Deal]:
    """The deals of one owner, of one team's members, of companies in one territory: the board's and the
    list's filters alike; each applies only when given."""
    if owner:
        deals = deals.filter(owner=owner)
    if team:
        deals = deals.filter(owner__team=team)
    if territory:
        deals = deals.filter(company__territory=territory)
    return deals
