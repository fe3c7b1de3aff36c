"""A change of the organisation's time zone, after the settings are saved: every stored local
day recomputed from its timestamp in the new zone, in batches, then every dashboard table
rebuilt (METRICS.md "Time zone and the stored local day").

Public: ``zone_change_run(*, zone_change_id)`` (the job), ``zone_change_active() -> bool`` (drains
and the nightly rebuild wait while it is), ``zone_change_enqueue`` (the receiver of
``quotas.signals.zone_change_requested``, connected in ``DashboardsConfig.ready``).

While the job runs, ordinary refreshes skip (their marks wait): a refresh would write figures
from days of which some are in the old zone and some in the new one. On PostgreSQL the job also
takes the rebuild's lock first, which waits for a refresh already running. The rebuild at the
end covers every mark written meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from quotas.models import OrgSettings, ZoneChange, ZoneChangeStatus
from quotas.organisation import forget_org_time_zone

from .rollups import rebuild
from .rollups.local_days import STORED_DAYS, StoredDay, local_days_recompute
from .rollups.locks import rebuild_lock

logger = logging.getLogger("dashboards.rollups")

BATCH = 5_000  # rows per UPDATE, each in its own transaction: progress shows, locks stay short


def zone_change_active() -> bool:
    """Whether a time zone change is queued or running: stored days may be half converted."""
    return ZoneChange.objects.active().exists()


def _batches(model) -> Iterator[tuple[int, int, int]]:
    """(first id, last id, rows) of consecutive batches of ``model``'s rows, in id order. Rows
    added while it runs are in a later batch (ids only grow)."""
    last = 0
    while True:
        ids = list(model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return
        yield ids[0], ids[-1], len(ids)
        last = ids[-1]


def _convert(change: ZoneChange, stored: StoredDay, zone: str) -> None:
    for first_id, last_id, rows in _batches(stored.model):
        with transaction.atomic():
            local_days_recompute(stored, zone=zone, first_id=first_id, last_id=last_id)
            ZoneChange.objects.filter(pk=change.pk).update(rows_done=F("rows_done") + rows)


def _record(change: ZoneChange, **values) -> None:
    ZoneChange.objects.filter(pk=change.pk).update(**values)


def zone_change_run(*, zone_change_id: int) -> None:
    """Recompute every stored local day in the organisation's zone, then rebuild every dashboard
    table, recording progress on the ``ZoneChange``. Safe to run twice: each run starts over
    from the timestamps; a change already finished or failed is left alone. A failure is
    recorded (and logged), for the settings page to show and offer to start again."""
    change = ZoneChange.objects.filter(pk=zone_change_id).first()
    if change is None or not change.is_active:
        return
    # The zone saved now (a change is refused while this one runs, so it is the change's).
    zone = OrgSettings.objects.filter(pk=1).values_list("time_zone", flat=True).first() or change.to_zone
    forget_org_time_zone()  # this worker may hold the old zone for a minute
    try:
        with timezone.override(zone), rebuild_lock():
            if not ZoneChange.objects.active().filter(pk=change.pk).exists():
                return  # a duplicate delivery, which waited for the lock while the first ran
            total = sum(stored.model.objects.count() for stored in STORED_DAYS)
            _record(
                change,
                status=ZoneChangeStatus.CONVERTING,
                rows_total=total,
                rows_done=0,
                started_at=timezone.now(),
                finished_at=None,
                error="",
            )
            for stored in STORED_DAYS:
                _convert(change, stored, zone)
            _record(change, status=ZoneChangeStatus.REBUILDING)
            rebuild()
    except Exception as error:
        logger.exception("The time zone change %s to %s failed.", change.pk, zone)
        _record(
            change,
            status=ZoneChangeStatus.FAILED,
            finished_at=timezone.now(),
            error=f"{type(error).__name__}: {error}"[:2000],
        )
        return
    _record(change, status=ZoneChangeStatus.DONE, finished_at=timezone.now())


def zone_change_enqueue(sender, zone_change_id: int, **kwargs) -> None:
    """Send the job to the workers; a broker that cannot take it marks the change failed, so
    the settings page stops waiting and offers to start it again."""
    from .tasks import change_time_zone

    try:
        change_time_zone.delay(zone_change_id)
    except Exception as error:
        logger.warning("Could not enqueue the time zone change %s.", zone_change_id, exc_info=True)
        ZoneChange.objects.filter(pk=zone_change_id, status=ZoneChangeStatus.QUEUED).update(
            status=ZoneChangeStatus.FAILED,
            finished_at=timezone.now(),
            error=f"Could not reach the task queue: {type(error).__name__}: {error}"[:2000],
        )
