"""Celery tasks: thin wrappers around the rollup engine. Safe to run twice or at once."""

from celery import shared_task
from django.db import DatabaseError

from . import rollups

# Retries back off up to 5 minutes, far below Redis's visibility timeout (1 hour),
# so a task is never handed to a second worker while the first still retries it.
RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 8,
}


@shared_task(**RETRY)
def drain_rollups() -> int:
    """Recompute the dashboard rows of every key marked dirty; returns how many marks it cleared."""
    return rollups.drain()


@shared_task(**RETRY)
def rebuild_rollups() -> None:
    """Recompute every dashboard table from scratch (nightly, and after a fiscal year change)."""
    rollups.rebuild()
