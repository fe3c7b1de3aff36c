"""The stored local days: dates kept on source rows beside the timestamp they are the
organisation's local date of (``Activity.day`` of ``occurred_at``, ``Activity.created_day`` of
``created_at``, ``StageChange.day`` and ``DealChange.day`` of ``changed_at``). Every figure groups on them.

Public: ``STORED_DAYS``; ``local_days_recompute(stored, *, zone, first_id, last_id) -> int``
(a time zone change's batch); ``local_days_wrong(stored, column, *, zone, limit)`` (verify's
check). Both derive the day in SQL with the backend's own ``datetime_cast_date_sql``:
``(ts AT TIME ZONE zone)::date`` on PostgreSQL; on SQLite, which has no zone database, Django's
own SQL function that converts with Python's ``zoneinfo`` (as the closed-deal table's created
date does), so both databases agree with ``timezone.localdate``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, models

from activities.models import Activity
from pipeline.models import DealChange, StageChange


@dataclass(frozen=True)
class StoredDay:
    model: type[models.Model]
    columns: tuple[tuple[str, str], ...]  # (day column, the timestamp column it is the local date of)

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def name(self) -> str:
        return self.model.__name__


STORED_DAYS = (
    StoredDay(Activity, (("day", "occurred_at"), ("created_day", "created_at"))),
    StoredDay(StageChange, (("day", "changed_at"),)),
    StoredDay(DealChange, (("day", "changed_at"),)),
)


def _local_day(column: str, zone: str) -> tuple[str, list]:
    sql, params = connection.ops.datetime_cast_date_sql(column, (), zone)
    return sql, list(params)


def local_days_recompute(stored: StoredDay, *, zone: str, first_id: int, last_id: int) -> int:
    """Set every stored day of the rows ``first_id``..``last_id`` to its timestamp's local date in
    ``zone``: one UPDATE, which writes only the rows whose day moves. The rows changed.

    Plain SQL on purpose: ``StageChange``'s manager refuses updates, as its history is
    append-only; its day is no history but a derived copy of ``changed_at`` in the zone."""
    sets, differs, set_params, differ_params = [], [], [], []
    for day, moment in stored.columns:
        sql, params = _local_day(moment, zone)
        sets.append(f"{day} = {sql}")
        set_params += params
        differs.append(f"{day} <> {sql}")
        differ_params += params
    statement = f"UPDATE {stored.table} SET {', '.join(sets)} WHERE id BETWEEN %s AND %s AND ({' OR '.join(differs)})"
    with connection.cursor() as cursor:
        cursor.execute(statement, [*set_params, first_id, last_id, *differ_params])
        return cursor.rowcount


def local_days_wrong(stored: StoredDay, column: tuple[str, str], *, zone: str, limit: int) -> tuple[int, list]:
    """How many rows' stored ``day`` is not their timestamp's local date in ``zone``, and the
    first ``limit`` of them as (id, stored day, expected day)."""
    day, moment = column
    sql, params = _local_day(moment, zone)
    where = f"FROM {stored.table} WHERE {day} <> {sql}"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) {where}", params)
        (count,) = cursor.fetchone()
        if not count:
            return 0, []
        cursor.execute(f"SELECT id, {day}, {sql} {where} ORDER BY id LIMIT %s", [*params, *params, limit])
        return count, cursor.fetchall()
