"""A change of the organisation's time zone, after the settings are saved: every stored local
day recomputed from its timestamp in the new zone, in batches, then every dashboard table
rebuilt (METRICS.md "Time zone and the stored local day").

Public: ``zone_change_run(*, zone_change_id)`` (the job), ``zone_change_active() -> bool`` (drains
and the nightly rebuild wait while it is), ``zone_change_enqueue`` (the receiver of
``quotas.signals.zone_change_requested``, connected in ``DashboardsConfig.ready``),
``zone_change_resume()`` (each minute's drain task: sends a stuck change's job again).

While the job runs, ordinary refreshes skip (their marks wait): a refresh would write figures
from days of which some are in the old zone and some in the new one. On PostgreSQL the job also
takes the rebuild's lock first, which waits for a refresh already running. The rebuild at the
end covers every mark written meanwhile.

A job whose message or worker is lost would hold every refresh off for good, so each step
records ``progress_at``; a change with none for ``ZoneChange.STUCK_AFTER`` is queued and sent
again by the drain each minute, or by the admin's "Retry". One worker runs a change at a time:
on PostgreSQL it holds ``zone_change_lock``; everywhere it claims the change by moving it out of
"queued" under a row lock, and stops when a later claim (a retry) took the change from it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from quotas.models import OrgSettings, ZoneChange, ZoneChangeStatus
from quotas.organisation import forget_org_time_zone
from quotas.services import zone_change_retry

from .rollups import rebuild
from .rollups.local_days import STORED_DAYS, StoredDay, local_days_recompute
from .rollups.locks import rebuild_lock, zone_change_lock

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


class _Superseded(Exception):
    """The change was queued again (a retry) and another run claimed it: this one stops."""


def _record(change_id: int, claim: datetime, **values) -> None:
    """Write ``values`` (and a sign of life) to the change, if this run still holds its claim."""
    if not ZoneChange.objects.filter(pk=change_id, started_at=claim).update(progress_at=timezone.now(), **values):
        raise _Superseded


def _touch(change_id: int, claim: datetime) -> None:
    """A sign of life between rebuild steps; a rebuild superseded halfway finishes anyway (it is
    whole-table and safe to run twice), rather than stop between its steps."""
    ZoneChange.objects.filter(pk=change_id, started_at=claim).update(progress_at=timezone.now())


def _claim(change_id: int, *, alone: bool) -> datetime | None:
    """Take the change for this run: its claim (``started_at``), or None when the change is not
    active or (``alone`` unknown, on SQLite) another run made progress on it lately."""
    with transaction.atomic():
        change = ZoneChange.objects.select_for_update().filter(pk=change_id).first()
        if change is None or not change.is_active:
            return None  # finished, failed, or a duplicate delivery after either
        if change.status != ZoneChangeStatus.QUEUED and not alone and not change.is_stuck:
            return None  # another worker is converting it now
        claim = timezone.now()
        # Only from the state read: SQLite takes no row lock, so two runs may both read it.
        claimed = ZoneChange.objects.filter(pk=change_id, status=change.status, started_at=change.started_at).update(
            status=ZoneChangeStatus.CONVERTING,
            rows_done=0,
            started_at=claim,
            progress_at=claim,
            finished_at=None,
            error="",
        )
    return claim if claimed else None


def _convert(change_id: int, claim: datetime, stored: StoredDay, zone: str) -> None:
    for first_id, last_id, rows in _batches(stored.model):
        with transaction.atomic():
            local_days_recompute(stored, zone=zone, first_id=first_id, last_id=last_id)
            _record(change_id, claim, rows_done=F("rows_done") + rows)


def zone_change_run(*, zone_change_id: int) -> None:
    """Recompute every stored local day in the organisation's zone, then rebuild every dashboard
    table, recording progress on the ``ZoneChange``. Safe to run twice: each run starts over
    from the timestamps; a change already finished or failed is left alone, and one another
    worker is running is left to it. A failure is recorded (and logged), for the settings page
    to show and offer to start again."""
    with zone_change_lock(zone_change_id) as held:
        if held is False:
            return  # another worker runs this change now
        claim = _claim(zone_change_id, alone=bool(held))
        if claim is None:
            return
        _run(zone_change_id, claim)


def _run(change_id: int, claim: datetime) -> None:
    # The zone saved now (a change is refused while this one runs, so it is the change's).
    zone = OrgSettings.objects.filter(pk=1).values_list("time_zone", flat=True).first()
    zone = zone or ZoneChange.objects.values_list("to_zone", flat=True).get(pk=change_id)
    forget_org_time_zone()  # this worker may hold the old zone for a minute
    try:
        with timezone.override(zone), rebuild_lock():
            total = sum(stored.model.objects.count() for stored in STORED_DAYS)
            _record(change_id, claim, rows_total=total)
            for stored in STORED_DAYS:
                _convert(change_id, claim, stored, zone)
            _record(change_id, claim, status=ZoneChangeStatus.REBUILDING)
            rebuild(progress=lambda done, steps: _touch(change_id, claim))
    except _Superseded:
        logger.warning("The time zone change %s was started again elsewhere; this run stops.", change_id)
        return
    except Exception as error:
        logger.exception("The time zone change %s to %s failed.", change_id, zone)
        ZoneChange.objects.filter(pk=change_id, started_at=claim).update(
            status=ZoneChangeStatus.FAILED,
            finished_at=timezone.now(),
            error=f"{type(error).__name__}: {error}"[:2000],
        )
        return
    ZoneChange.objects.filter(pk=change_id, started_at=claim).update(
        status=ZoneChangeStatus.DONE, finished_at=timezone.now()
    )


def zone_change_resume() -> list[int]:
    """Send again the job of every change stuck (no progress for ``ZoneChange.STUCK_AFTER``):
    its message was lost or its worker died, and the refreshes wait on it. Returns their ids.
    On PostgreSQL a change whose job still holds its lock is left to it (slow, not lost)."""
    resumed = []
    for change in ZoneChange.objects.stuck():
        with zone_change_lock(change.pk) as held:
            if held is False:
                continue
        try:
            zone_change_retry(zone_change=change)
        except ValidationError:
            continue  # finished meanwhile, or a newer change replaced it
        logger.warning("The time zone change %s made no progress since %s: sent again.", change.pk, change.progress_at)
        resumed.append(change.pk)
    return resumed


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
