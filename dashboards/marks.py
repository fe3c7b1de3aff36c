"""Dirty marks: the writer's half of the rollup engine.

A mark is written in the writer's own transaction, so the change and the
news that it happened commit (or roll back) together. After the commit one
refresh is enqueued per transaction; when the broker is down the write still
succeeds, the failure is logged once, and the next periodic drain catches up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import date

from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from .models import DirtyMark, Scope

logger = logging.getLogger(__name__)

# After a failed enqueue, skip enqueuing for this long (seconds): each attempt
# against a dead broker costs its socket timeout, and the drain catches up anyway.
BROKER_RETRY_AFTER = 30
_broker_down_since: float | None = None


def mark_days(scope: str, keys: Iterable[tuple[int | None, date | None]]) -> None:
    """Mark (rep, day) keys of ``scope`` dirty; keys with no rep or no day are skipped."""
    rows = [DirtyMark(scope=scope, rep_id=rep, day=day) for rep, day in set(keys) if rep and day]
    if rows:
        DirtyMark.objects.bulk_create(rows)
        schedule_refresh()


def mark_quotas(quota_ids: Iterable[int]) -> None:
    rows = [DirtyMark(scope=Scope.QUOTA, quota_id=pk) for pk in set(quota_ids)]
    if rows:
        DirtyMark.objects.bulk_create(rows)
        schedule_refresh()


def mark_all() -> None:
    """Ask for a full rebuild: stage order or kinds, or the fiscal year, changed."""
    DirtyMark.objects.create(scope=Scope.ALL)
    schedule_refresh()


def schedule_refresh() -> None:
    """Enqueue one refresh after the current transaction commits (at once outside one)."""
    connection = transaction.get_connection()
    if any(callback is _enqueue for _, callback, _ in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue, robust=True)


def _enqueue() -> None:
    global _broker_down_since
    from .tasks import drain_rollups

    if _broker_down_since is not None and time.monotonic() - _broker_down_since < BROKER_RETRY_AFTER:
        return
    try:
        drain_rollups.delay()
    except (BrokerError, OSError):
        if _broker_down_since is None:
            logger.warning("Could not enqueue a rollup refresh; the periodic drain will catch up.", exc_info=True)
        _broker_down_since = time.monotonic()
        return
    if _broker_down_since is not None:
        logger.info("The broker is back; rollup refreshes are enqueued again.")
        _broker_down_since = None
