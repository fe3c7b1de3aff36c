"""Reads that answer one screen's question each."""

import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from .models import Deal, Pipeline, Stage, StageChange, StageKind

STALE_LOOKBACK_DAYS = 180
CLOSED_ON_BOARD_DAYS = 30


def stage_stale_thresholds(*, pipeline: Pipeline) -> dict[int, float | None]:
    """Days after which a deal in each stage is stale.

    The stage's rotting days when an admin set them; otherwise 2 x the stage's
    median days in stage over completed stays that ended in the last 180 days
    (METRICS.md); None when there is no such history yet (never stale).
    """
    stages = list(Stage.objects.filter(pipeline=pipeline).values_list("pk", "rotting_days"))
    thresholds: dict[int, float | None] = dict(stages)
    unset = [pk for pk, rotting in stages if rotting is None]
    if unset:
        since = timezone.now() - timedelta(days=STALE_LOOKBACK_DAYS)
        stays: dict[int, list[float]] = {}
        rows = StageChange.objects.filter(
            from_stage_id__in=unset, changed_at__gte=since, from_entered_at__isnull=False
        ).values_list("from_stage_id", "changed_at", "from_entered_at")
        for stage_id, left, entered in rows:
            stays.setdefault(stage_id, []).append((left - entered).total_seconds() / 86400)
        for pk in unset:
            thresholds[pk] = 2 * statistics.median(stays[pk]) if stays.get(pk) else None
    return thresholds


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
    if owner:
        deals = deals.filter(owner=owner)
    if team:
        deals = deals.filter(owner__team=team)
    if territory:
        deals = deals.filter(company__territory=territory)
    return deals


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
    if owner:
        deals = deals.filter(owner=owner)
    if team:
        deals = deals.filter(owner__team=team)
    if territory:
        deals = deals.filter(company__territory=territory)
    return deals.order_by("-created_at", "-pk")


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
