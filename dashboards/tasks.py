"""Celery tasks: thin wrappers around the rollup engine. Safe to run twice or at once."""

from celery import shared_task
from django.db import DatabaseError

from . import rollups, zone_change

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
    """Recompute the dashboard rows of every key marked dirty; returns how many marks it cleared.
    First, send again a time zone change's job that was lost: the drains wait while it is active."""
    zone_change.zone_change_resume()
    return rollups.drain()


@shared_task(**RETRY)
def rebuild_rollups() -> None:
    """Recompute every dashboard table from scratch (nightly, and after a fiscal year change)."""
    if zone_change.zone_change_active():
        return  # the time zone change rebuilds once its days are converted
    rollups.rebuild()


# Not retried: the job records its failure for the settings page, which offers to start it
# again; a lost worker redelivers it (acks_late), a lost message is sent again by the drain
# (``zone_change_resume``), and a rerun starts over from the timestamps.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def change_time_zone(zone_change_id: int) -> None:
    """Recompute every stored local day in the organisation's new time zone, then rebuild."""
    zone_change.zone_change_run(zone_change_id=zone_change_id)
