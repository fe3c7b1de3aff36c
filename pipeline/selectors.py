"""Reads that answer one screen's question each."""

import statistics
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import F, QuerySet
from django.utils import timezone

from .models import Deal, Pipeline, Stage, StageChange

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
    thresholds = stage_stale_thresholds(pipeline=pipeline)
    now = timezone.now()
    for deal in board_deals(pipeline=pipeline, user=user, **filters):
        column = columns.get(deal.stage_id)
        if column is None:
            continue
        deal.age_days = deal.days_in_stage(now)
        limit = thresholds.get(deal.stage_id)
        deal.is_stale = not deal.stage.is_closed and limit is not None and deal.age_days > limit
        column.deals.append(deal)
    return list(columns.values())


def deal_timeline(*, deal: Deal) -> QuerySet[StageChange]:
    """The deal's stage history, oldest first, with who moved it and the days spent in the stage it left."""
    return (
        StageChange.objects.filter(deal=deal)
        .select_related("from_stage", "to_stage", "changed_by")
        .annotate(stay=F("changed_at") - F("from_entered_at"))
        .order_by("changed_at", "pk")
    )
