"""Drain: recompute the rows of the keys marked dirty, and only those.

Public: ``drain(*, batch=BATCH) -> int``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import uuid4

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Max
from django.utils import timezone

from quotas.models import Quota, ZoneChange

from .. import figure_cache
from ..models import DirtyMark, Scope
from .calendar import calendar_ensure
from .locks import lock_reps_and_teams
from .rebuilding import rebuild
from .sql import BATCH, claimed_filter, statistics_ensure
from .tables import TABLES
from .tables.base import write

logger = logging.getLogger("dashboards.rollups")  # the engine's one logger, as log filters know it

# A key whose refresh failed waits this long before its next try, twice as long after each
# failure up to the cap: one poison key costs a drain its time rarely, not every minute.
RETRY_FIRST, RETRY_MAX = timedelta(minutes=5), timedelta(hours=1)


def _claim(token: str, marks, *, limit: int | None = None) -> list[int]:
    """Claim up to ``limit`` of ``marks`` that no one else holds and that are due; their ids."""
    ids = list(
        marks.select_for_update(skip_locked=True)
        .ready()
        .filter(claim__isnull=True)
        .exclude(scope=Scope.ALL)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        DirtyMark.objects.filter(pk__in=ids).update(claim=token)
    return ids


def _refresh_claimed(token: str) -> None:
    claimed = list(DirtyMark.objects.filter(claim=token).values_list("scope", "rep_id", "day", "quota_id"))
    activity_keys = {(rep, day) for scope, rep, day, _ in claimed if scope == Scope.ACTIVITY}
    pipeline_keys = {(rep, day) for scope, rep, day, _ in claimed if scope == Scope.PIPELINE}
    quota_ids = {quota for scope, _, _, quota in claimed if scope == Scope.QUOTA}
    quotas = list(Quota.objects.filter(pk__in=quota_ids).values_list("rep_id", "team_id", "period_start"))
    lock_reps_and_teams(
        {rep for rep, _ in activity_keys | pipeline_keys} | {rep for rep, _, _ in quotas if rep},
        {team for _, team, _ in quotas if team},
    )
    days = [day for _, day in activity_keys | pipeline_keys] + [start for _, _, start in quotas]
    if days:
        calendar_ensure(min(days), max(days))
    f = claimed_filter(activity_keys, pipeline_keys, quota_ids)
    now = timezone.now()
    claimed_keys = ((Scope.ACTIVITY, activity_keys), (Scope.PIPELINE, pipeline_keys), (Scope.QUOTA, quota_ids))
    touched = {scope for scope, keys in claimed_keys if keys}
    for table in TABLES:  # in their order: the attainment table reads the closed deals' table
        if table.refreshed_by & touched:
            write(table, f, now)
    # Last, so the version rows are held only for the commit: the pages' cached figures
    # of these reps (of everyone, for a quota: a team's total shows its team quota) expire.
    figure_cache.bump({rep for rep, _ in activity_keys | pipeline_keys})
    if quota_ids:
        figure_cache.bump_organisation()


def drain(*, batch: int = BATCH) -> int:
    """Recompute the rows of every key marked dirty so far; returns how many marks it cleared.

    Marks written while it runs are left for the next drain (each writer
    enqueues one after its commit). A mark asking for everything runs a rebuild. While a
    time zone change runs (``dashboards.zone_change``) it does nothing.
    A key whose refresh fails is set aside (``_refresh_apart``): the other keys of its
    batch are refreshed and cleared, the failing one waits for a later drain.
    """
    if ZoneChange.objects.active().exists():
        # Stored days are being moved to a new time zone: figures computed now would mix the
        # two zones. The marks wait; the change's rebuild covers them.
        return 0
    up_to = DirtyMark.objects.aggregate(last=Max("pk"))["last"]
    if up_to is None:
        return 0
    statistics_ensure()
    everything = list(DirtyMark.objects.ready().filter(scope=Scope.ALL, pk__lte=up_to).values_list("pk", flat=True))
    if everything:
        try:
            rebuild()
            return 1
        except Exception as error:
            if _transient(error):
                raise
            _set_aside(everything, error)
    marks = DirtyMark.objects.filter(pk__lte=up_to)
    cleared = 0
    while True:
        ids: list[int] = []
        try:
            with transaction.atomic():
                token = uuid4().hex
                ids = _claim(token, marks, limit=batch)
                if not ids:
                    return cleared
                _refresh_claimed(token)
                DirtyMark.objects.filter(claim=token).delete()
            cleared += len(ids)
        except Exception as error:
            if not ids or _transient(error):
                raise
            cleared += _refresh_apart(ids, error)


def _transient(error: Exception) -> bool:
    """A lost connection, a deadlock or a lock timeout: the task retries the whole drain later
    (its marks are still there), rather than taking the keys for poison ones."""
    return isinstance(error, OperationalError | InterfaceError)


def _refresh_apart(ids: list[int], error: Exception) -> int:
    """Refresh the keys of a failed batch in halves, each in its own transaction, halving again
    the parts that fail, down to the failing keys, which are set aside; how many marks it
    cleared. Runs only after a batch failed: a normal drain never pays for it."""
    keys: dict[tuple, list[int]] = {}
    for pk, *key in DirtyMark.objects.filter(pk__in=ids).values_list("pk", "scope", "rep_id", "day", "quota_id"):
        keys.setdefault(tuple(key), []).append(pk)
    parts, cleared = [(list(keys.values()), error)], 0
    while parts:
        groups, failure = parts.pop()
        if len(groups) == 1:
            _set_aside(groups[0], failure)
            continue
        for half in (groups[: len(groups) // 2], groups[len(groups) // 2 :]):
            try:
                with transaction.atomic():
                    token = uuid4().hex
                    claimed = _claim(token, DirtyMark.objects.filter(pk__in=[pk for group in half for pk in group]))
                    if claimed:
                        _refresh_claimed(token)
                        DirtyMark.objects.filter(claim=token).delete()
                cleared += len(claimed)
            except Exception as half_error:
                if _transient(half_error):
                    raise
                parts.append((half, half_error))
    return cleared


def _set_aside(ids: list[int], error: Exception) -> None:
    """Record a failed refresh on the marks of one key: the ordinary drains skip them until a
    backoff has passed; logged once per failure, with the key, and listed to admins."""
    marks = DirtyMark.objects.filter(pk__in=ids)
    mark = marks.order_by("-attempts").first()
    if mark is None:  # cleared meanwhile by a rebuild
        return
    attempts = mark.attempts + 1
    now = timezone.now()
    retry_at = now + min(RETRY_FIRST * 2 ** (attempts - 1), RETRY_MAX)
    marks.update(
        claim=None, attempts=attempts, failed_at=now, retry_at=retry_at, error=f"{type(error).__name__}: {error}"[:2000]
    )
    key = [f"{name} {value}" for name, value in (("rep", mark.rep_id), ("day", mark.day), ("quota", mark.quota_id))]
    logger.error(
        "Rollup refresh failed for the %s key (%s), attempt %d; set aside until %s.",
        mark.scope,
        ", ".join(part for part in key if not part.endswith(" None")) or "everything",
        attempts,
        retry_at.isoformat(timespec="seconds"),
        exc_info=error,
    )
