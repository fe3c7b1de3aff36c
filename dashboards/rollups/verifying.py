"""Verify: recompute every table into memory and list each difference from the stored rows;
first, check every stored local day against its timestamp in the organisation's time zone.

Public: ``verify(*, chunk=VERIFY_CHUNK) -> list[str]``.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

from django.db import connection

from accounts.models import User
from quotas.models import OrgSettings

from .local_days import STORED_DAYS, local_days_wrong
from .sql import everything, rep_chunk
from .tables import TABLES

VERIFY_CHUNK = 25  # reps compared at a time by verify
WRONG_DAYS_SHOWN = 10  # rows listed per stored day column whose day is wrong (all are counted)


def _rep_chunks(size: int) -> list[list[int]]:
    ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
    return [ids[i : i + size] for i in range(0, len(ids), size)] or [[]]


def _normalise(value):
    if isinstance(value, float | Decimal):
        return float(value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        return date.fromisoformat(value)
    if isinstance(value, bool):
        return int(value)
    return value


def _same(want: tuple | None, have: tuple | None) -> bool:
    """Two rows of values agree; figures in days (floats) to a millionth of a day, as stored
    figures and a fresh recompute may round the same stays differently in the last bits."""
    if want is None or have is None:
        return want is have
    return len(want) == len(have) and all(
        math.isclose(a, b, rel_tol=0, abs_tol=1e-6) if isinstance(a, float) and isinstance(b, float) else a == b
        for a, b in zip(want, have, strict=True)
    )


def _rows(sql: str, params: list, width: int) -> dict[tuple, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [tuple(_normalise(v) for v in row) for row in cursor.fetchall()]
    return {row[:width]: row[width:] for row in rows}


def verify(*, chunk: int = VERIFY_CHUNK) -> list[str]:
    """Every difference between the stored dashboard rows and a fresh recompute,
    as readable lines; empty when they agree. Reads only; writes nothing.

    The recompute groups on the stored local days, as the refreshes do; so the stored days
    are checked first, each against the local date of its timestamp in the organisation's
    time zone (a day left in an old zone is a difference too)."""
    differences = _stored_day_differences()
    chunks = [(rep_chunk(ids), ids) for ids in _rep_chunks(chunk)] + [(everything(), None)]
    for f, rep_ids in chunks:
        tables = [table for table in TABLES if table.by_rep == (rep_ids is not None)]
        for table in tables:
            select, params = table.select(f)
            fresh = _rows(select, params, len(table.key))
            stored_sql = f"SELECT {', '.join(table.columns)} FROM {table.model._meta.db_table}"
            if rep_ids is not None:
                stored_sql += f" WHERE rep_id IN ({', '.join(str(pk) for pk in rep_ids) or 'NULL'})"
            stored = _rows(stored_sql, [], len(table.key))
            name = table.model.__name__
            for key in sorted(fresh.keys() | stored.keys(), key=repr):
                want, have = fresh.get(key), stored.get(key)
                if not _same(want, have):
                    differences.append(
                        f"{name} {dict(zip(table.key, key, strict=True))}: stored {have}, expected {want}"
                    )
    return differences


def _stored_day_differences() -> list[str]:
    """A line per stored local day that is not its timestamp's local date in the organisation's
    zone (the first ``WRONG_DAYS_SHOWN`` of each column), and one counting them all."""
    # Read, not the cached zone: a zone saved a moment ago counts.
    zone = OrgSettings.objects.filter(pk=1).values_list("time_zone", flat=True).first() or "UTC"
    lines = []
    for stored in STORED_DAYS:
        for column in stored.columns:
            count, rows = local_days_wrong(stored, column, zone=zone, limit=WRONG_DAYS_SHOWN)
            day, moment = column
            for pk, have, want in rows:
                lines.append(
                    f"{stored.name} {pk}: stored {day} {_normalise(have)}, expected {_normalise(want)}"
                    f" (the local date of {moment} in {zone})"
                )
            if count:
                lines.append(f"{stored.name}.{day}: {count} rows not the local date of {moment} in {zone}")
    return lines
