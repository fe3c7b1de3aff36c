"""Reads for operators: how far behind the rollup refreshes are, and which keys failed.

Shared by the health endpoint, the admins' system status page and their banner, so all
three say the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from accounts.models import User

from .models import DirtyMark


def lag_threshold() -> timedelta:
    return timedelta(minutes=settings.ROLLUP_LAG_ALERT_MINUTES)


@dataclass(frozen=True)
class RefreshStatus:
    oldest_pending: datetime | None  # the oldest mark still waiting for an ordinary refresh
    failed: int  # marks set aside after a failed refresh
    now: datetime

    @property
    def lag(self) -> timedelta:
        return self.now - self.oldest_pending if self.oldest_pending else timedelta(0)

    @property
    def lagging(self) -> bool:
        return self.lag > lag_threshold()


def refresh_status() -> RefreshStatus:
    """One query: the oldest pending mark (those set aside are counted apart) and the failed ones."""
    found = DirtyMark.objects.aggregate(
        oldest=Min("created_at", filter=Q(failed_at__isnull=True)),
        failed=Count("pk", filter=Q(failed_at__isnull=False)),
    )
    return RefreshStatus(oldest_pending=found["oldest"], failed=found["failed"], now=timezone.now())


def refresh_needs_attention() -> bool:
    """Whether a refresh lags beyond the threshold or a key failed: one query that stops at the
    first such mark (the marks table holds a few rows when the refreshes keep up)."""
    late = timezone.now() - lag_threshold()
    return DirtyMark.objects.filter(Q(failed_at__isnull=False) | Q(created_at__lt=late)).exists()


def failed_marks(*, limit: int = 100) -> list[tuple[DirtyMark, User | None]]:
    """The marks set aside after a failed refresh, newest failure first, each with its rep."""
    marks = list(DirtyMark.objects.failed().order_by("-failed_at", "-pk")[:limit])
    reps = User.objects.in_bulk({mark.rep_id for mark in marks if mark.rep_id})
    return [(mark, reps.get(mark.rep_id)) for mark in marks]
