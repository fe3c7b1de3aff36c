"""Rebuild: every dashboard table from scratch, pages never seeing a half-built one.

Public: ``rebuild(*, progress=None) -> None``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain

from django.db import connection, connections, transaction
from django.utils import timezone

from accounts.models import User

from .. import figure_cache
from ..models import DirtyMark
from .calendar import calendar_reset
from .copies import TableCopy
from .locks import lock_everything, rebuild_lock
from .sql import BATCH, Filter, everything, rep_chunk, run, statistics_ensure
from .tables import ACTIVITY, CLOSED, FORECAST, REACH, STAGES, TABLES, TOUCH, Table
from .tables.base import insert, write


def rebuild(*, progress: Callable[[int, int], None] | None = None) -> None:
    """Recompute every dashboard table from scratch: the calendar, then each table.

    On PostgreSQL, outside a transaction (``_rebuild_apart``), the activity, stage and
    closed-deal tables are written into copies by two connections at once, each part
    of them (a table for some reps) in its own transaction, indexed once full, and
    swapped in together in one short transaction; the pages read the old tables until
    then. Elsewhere (SQLite; the tests' transactions) each table is rewritten in place
    with one ``DELETE`` and one ``INSERT ... SELECT ... GROUP BY`` in its own
    transaction (readers keep seeing the old rows until it commits). The attainment
    table, which reads the closed deals' table, comes last, in place. Refreshes wait
    for the whole rebuild (``rebuild_lock``).

    ``progress(done, total)`` is called after each step. Marks written before it
    started are covered by it and deleted at the end.
    """
    # The marks committed before it starts: their writes are in every table it reads.
    # A mark with a lower id can still commit later (ids are taken at insert, not at
    # commit), so the end deletes these ids only, never "every id up to".
    covered = list(DirtyMark.objects.values_list("pk", flat=True))
    statistics_ensure()
    with rebuild_lock() as apart:
        # Apart: each part filled, each copy indexed, the swap, the attainment table.
        steps = sum(COPIED.values()) + len(COPIED) + 1 + len(IN_PLACE) if apart else len(TABLES)
        tick = _progress(progress, 1 + steps)
        if apart:
            _rebuild_apart(tick)
        else:
            for table in (None, *TABLES):  # the calendar first
                _rebuild_step(table, held=False)
                tick()
    for start in range(0, len(covered), BATCH):
        DirtyMark.objects.filter(pk__in=covered[start : start + BATCH]).delete()
    _vacuum([table for table in TABLES if table not in COPIED])  # the copies were vacuumed before the swap


def _progress(progress: Callable[[int, int], None] | None, total: int) -> Callable[[], None]:
    """A thread-safe ``tick()`` that reports one more step of ``total`` done."""
    done, counting = [0], threading.Lock()

    def tick() -> None:
        if progress:
            with counting:
                done[0] += 1
                progress(done[0], total)

    return tick


def _rebuild_step(table: Table | None, *, held: bool) -> None:
    """Recompute the calendar (``None``) or one whole table in place, in one transaction."""
    with transaction.atomic():
        lock_everything(held=held, table=table)
        if table is None:
            calendar_reset()
        else:
            run(f"DELETE FROM {table.model._meta.db_table}", [])
            write(table, everything(), timezone.now())
        figure_cache.bump_organisation()


# The tables a rebuild on PostgreSQL writes into copies and swaps in: the big ones, which
# no foreign key points from or to (dropping one drops nothing else). Each is written in
# ``parts`` transactions, a share of the reps each, so that two connections finish together.
# The account touches and best-time tables hold a row per few activities (7 M and 3 M at the
# standard organisation): in place they took 82% of a rebuild (bench/RESULTS.md, 2026-12-06).
COPIED: dict[Table, int] = {TOUCH: 2, REACH: 2, STAGES: 2, ACTIVITY: 2, FORECAST: 1, CLOSED: 1}
# The others, after the swap and in place: the attainment table reads the closed deals' copy.
IN_PLACE: tuple[Table, ...] = tuple(table for table in TABLES if table not in COPIED)
REBUILD_CONNECTIONS = 2  # this one and another: one INSERT ... SELECT runs on one core


def _rebuild_parts() -> list[tuple[Table, Filter]]:
    """(table, filter) for every part of the copied tables, the slowest tables first."""
    ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
    return [
        (table, rep_chunk(ids[part::parts]) if parts > 1 else everything())
        for table, parts in COPIED.items()
        for part in range(parts)
    ]


def _rebuild_apart(tick: Callable[[], None]) -> None:
    """Fill a copy of each ``COPIED`` table, index it, swap them all in at once; then the
    other tables in place (``IN_PLACE``). Copies are dropped if anything fails: the live tables
    are untouched until the swap."""
    copies = {table: TableCopy(table.model) for table in COPIED}
    try:
        for copy in copies.values():
            copy.create()

        def fill(table: Table, f: Filter) -> None:
            with transaction.atomic():
                lock_everything(held=True, table=table)
                insert(table, f, timezone.now(), into=copies[table].copy)
            tick()

        def calendar() -> None:
            _rebuild_step(None, held=True)
            tick()

        def index(table: Table) -> None:
            copies[table].index()
            tick()

        # Each connection takes the first job whose jobs before it are done: the stage parts
        # wait for the calendar (an activity part starts meanwhile), a table's indexes for
        # its own parts only. The parts of the tables written in more than one come first,
        # the slowest first, then their indexes, the biggest first; the closed deals (one
        # short part) last, beside the big tables' indexes.
        jobs: dict[Table | None, list[_Job]] = {None: [_Job(calendar)]}
        for table, f in _rebuild_parts():
            after = tuple(jobs[None]) if table.reads_calendar else ()
            jobs.setdefault(table, []).append(_Job(lambda t=table, f=f: fill(t, f), after=after))
        indexes = {table: _Job(lambda t=table: index(t), after=tuple(jobs[table])) for table in COPIED}
        parted = [table for table in COPIED if COPIED[table] > 1]
        whole = [table for table in COPIED if COPIED[table] == 1]
        _on_rebuild_connections(
            [
                *jobs[None],
                *chain.from_iterable(jobs[table] for table in parted),
                *(indexes[table] for table in sorted(parted, key=lambda t: -copies[t].index_size())),
                *chain.from_iterable((*jobs[table], indexes[table]) for table in whole),
            ]
        )
        TableCopy.swap(list(copies.values()))
        tick()
    finally:
        for copy in copies.values():
            copy.drop()
    for table in IN_PLACE:
        _rebuild_step(table, held=True)
        tick()


@dataclass(eq=False)
class _Job:
    """A step of a rebuild, to run once every job in ``after`` is done."""

    run: Callable[[], None]
    after: tuple[_Job, ...] = ()


def _on_rebuild_connections(jobs: list[_Job]) -> None:
    """Run ``jobs`` on this connection and one more (``REBUILD_CONNECTIONS``): as soon as it is
    done with one, each takes the first of ``jobs`` whose ``after`` jobs are done (waiting
    while none is); the first error stops both and is raised.

    Not an executor whose jobs wait on their dependencies' futures: a job waiting there holds
    its connection idle, where here the connection takes a later job that is ready."""
    pending, done, running, failed = list(jobs), set(), [0], []
    changed = threading.Condition()

    def take() -> _Job | None:
        with changed:
            while pending and not failed:
                job = next((job for job in pending if done.issuperset(job.after)), None)
                if job:
                    pending.remove(job)
                    running[0] += 1
                    return job
                if not running[0]:  # nothing running could make a job ready
                    failed.append(None)
                    changed.notify_all()
                    raise RuntimeError("rebuild jobs wait for jobs that are not there")
                changed.wait()
            return None

    def work() -> None:
        while job := take():
            try:
                job.run()
            except BaseException:
                with changed:
                    failed.append(job)
                    changed.notify_all()
                raise
            with changed:
                done.add(job)
                running[0] -= 1
                changed.notify_all()

    with ThreadPoolExecutor(max_workers=REBUILD_CONNECTIONS - 1) as pool:
        others = [pool.submit(_on_own_connection, work) for _ in range(REBUILD_CONNECTIONS - 1)]
        try:
            work()
        finally:
            errors = [other.exception() for other in others]
        for error in errors:
            if error:
                raise error


def _on_own_connection(function: Callable, *args, **kwargs) -> None:
    """``function(*args, **kwargs)`` in a pool thread, on that thread's own database
    connection, closed afterwards."""
    try:
        function(*args, **kwargs)
    finally:
        connections.close_all()


def _vacuum(tables) -> None:
    """PostgreSQL, outside any transaction: ``VACUUM (ANALYZE)`` the rewritten tables, so that
    the pages read them by index-only scans at once (a row written since the last vacuum is
    read from the heap too) and the planner knows their new sizes. Autovacuum would get there,
    but later. Inside a transaction (the tests) it is left to autovacuum."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {table.model._meta.db_table}")
