"""How the generator writes rows: as a bulk loader does (COPY on PostgreSQL, batched
INSERT on SQLite, big tables' indexes and foreign keys dropped during the load), with a
progress bar and timestamps written as text."""

from __future__ import annotations

import io
import sys
import time
from datetime import UTC, date, datetime, timedelta

# Minutes of the working day (08:00 to 18:00) as "HH:MM:00", precomputed for speed.
CLOCK = [f"{m // 60:02d}:{m % 60:02d}:00" for m in range(24 * 60)]
DAY = 86400.0


class Progress:
    """A one-line progress bar on stderr (rows, rate, time left); quiet when not a terminal and asked."""

    def __init__(self, label: str, total: int, *, stream=None, quiet: bool = False):
        self.label, self.total, self.done = label, max(total, 1), 0
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.started = self.last = time.monotonic()

    def update(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if not self.quiet and (now - self.last > 0.5 or self.done >= self.total):
            self.last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        share = min(self.done / self.total, 1.0)
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        bar = "#" * int(share * 30)
        self.stream.write(
            f"\r{self.label:<22} [{bar:<30}] {share:6.1%} {self.done:>12,} {rate:>10,.0f}/s  {left:5.0f}s left "
        )
        self.stream.flush()

    def close(self) -> None:
        self.total = self.done  # the total was an estimate
        if not self.quiet:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()


# --- writing rows ------------------------------------------------------------


class Writer:
    """Bulk insert of plain tuples: COPY on PostgreSQL, batched INSERT on SQLite."""

    def __init__(self, connection):
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        # Timestamps are written as text; PostgreSQL gets the offset, SQLite stores naive UTC.
        self.tz = "+00" if self.postgres else ""

    def columns(self, model, names) -> list[str]:
        return [model._meta.get_field(name).column for name in names]

    def write(self, model, names, rows: list[tuple]) -> None:
        if not rows:
            return
        table = model._meta.db_table
        columns = self.columns(model, names)
        with self.connection.cursor() as cursor:
            if self.postgres:
                buffer = io.StringIO()
                buffer.writelines(_tsv(row) for row in rows)
                buffer.seek(0)
                quoted = ", ".join(f'"{c}"' for c in columns)
                cursor.copy_expert(f'COPY "{table}" ({quoted}) FROM STDIN', buffer)
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                sql = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({placeholders})'
                for start in range(0, len(rows), 5000):
                    cursor.executemany(sql, rows[start : start + 5000])

    def reset_sequences(self, models) -> None:
        from django.core.management.color import no_style

        with self.connection.cursor() as cursor:
            for sql in self.connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)


def _escape(value) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    if "\t" in text or "\n" in text or "\\" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return text


def _tsv(row: tuple) -> str:
    return "\t".join(map(_escape, row)) + "\n"


class BulkLoad:
    """On PostgreSQL, drop a table's foreign keys and secondary indexes for a big load and
    put them back afterwards (the foreign keys validated in one pass each), as bulk loaders do;
    a row-by-row foreign-key check on ten million rows would take longer than the load."""

    def __init__(self, connection, tables: list[str], *, enabled: bool):
        self.connection, self.tables = connection, tables
        self.enabled = enabled and connection.vendor == "postgresql"
        self.indexes: list[str] = []
        self.constraints: list[tuple[str, str, str]] = []

    def __enter__(self):
        if not self.enabled:
            return self
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
                [self.tables],
            )
            self.constraints = cursor.fetchall()
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
                " WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary AND NOT EXISTS"
                " (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                [self.tables],
            )
            found = cursor.fetchall()
            self.indexes = [definition for _name, definition in found]
            for table, name, _definition in self.constraints:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _definition in found:
                cursor.execute(f"DROP INDEX {name}")
        return self

    def restore(self, progress_stream=None) -> None:
        if not self.enabled:
            return
        with self.connection.cursor() as cursor:
            for number, definition in enumerate(self.indexes, 1):
                say(progress_stream, f"\rRebuilding indexes {number}/{len(self.indexes)}")
                cursor.execute(definition)
            for number, (table, name, definition) in enumerate(self.constraints, 1):
                say(progress_stream, f"\rValidating foreign keys {number}/{len(self.constraints)}")
                cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            say(progress_stream, "\rAnalyzing                       \n")
            for table in self.tables:
                cursor.execute(f'ANALYZE "{table}"')
        self.enabled = False

    def __exit__(self, *exc):
        if exc[0] is None:
            self.restore()
        return False


def say(stream, text: str) -> None:
    if stream is not None:
        stream.write(text)
        stream.flush()


def working_days(start: date, end: date) -> list[date]:
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


def stamp(moment: float, tz: str) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S") + tz


def next_id(model) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
