"""Who may write which keys when: PostgreSQL advisory locks (SQLite has one writer at a time).

Public: ``lock_reps_and_teams(rep_ids, team_ids=())`` (a refresh's), ``lock_everything(*,
held, table=None)`` (a rebuild step's), ``rebuild_lock()`` (a whole rebuild's),
``zone_change_lock(zone_change_id)`` (a time zone change job's), and the lock namespaces
``LOCK_ALL``, ``LOCK_REPS``, ``LOCK_TEAMS``, ``LOCK_ZONE_CHANGE``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from accounts.models import User

from .sql import run
from .tables import Table

LOCK_ALL, LOCK_REPS, LOCK_TEAMS, LOCK_ZONE_CHANGE = 7300, 7301, 7302, 7303  # advisory lock namespaces


def _lock(namespace: int, ids) -> None:
    """Transaction-scoped advisory locks on ``ids``, taken in id order (PostgreSQL;
    SQLite has one writer at a time already)."""
    ids = sorted({int(pk) for pk in ids if pk is not None})
    if connection.vendor != "postgresql" or not ids:
        return
    run("SELECT pg_advisory_xact_lock(%s, k) FROM unnest(%s::int[]) AS k", [namespace, ids])


def lock_everything(*, held: bool, table: Table | None = None) -> None:
    """A rebuild step's lock: it waits for running refreshes and holds new ones off (unless
    the rebuild already ``held`` it for all its steps). It also gives the transaction the
    memory to group whole tables, no JIT, and then ``table``'s own settings (which may
    change either)."""
    if connection.vendor == "postgresql":
        if not held:
            run("SELECT pg_advisory_xact_lock(%s, 0)", [LOCK_ALL])
        run("SET LOCAL work_mem = '128MB'", [])
        # Compiling a statement this big (150 functions) takes longer than it saves.
        run("SET LOCAL jit = off", [])
        for setting in table.rebuild_settings if table else ():
            run(f"SET LOCAL {setting}", [])


def lock_reps_and_teams(rep_ids, team_ids=()) -> None:
    """A refresh's locks: shared with other refreshes, exclusive of a rebuild; then
    one per rep and per team, so no two refreshes work on the same key at once."""
    if connection.vendor == "postgresql":
        run("SELECT pg_advisory_xact_lock_shared(%s, 0)", [LOCK_ALL])
    rep_ids = list(rep_ids)
    teams = set(User.objects.filter(pk__in=rep_ids, team__isnull=False).values_list("team_id", flat=True))
    _lock(LOCK_REPS, rep_ids)
    _lock(LOCK_TEAMS, teams | set(team_ids))


@contextmanager
def rebuild_lock() -> Iterator[bool]:
    """Hold refreshes off for a whole rebuild; yields whether its tables can be rebuilt on
    two connections at once.

    PostgreSQL, outside a transaction: a session-level advisory lock on this connection,
    exclusive of every refresh's shared one (it waits for the running ones), released at
    the end even on an error; a second connection then needs no lock of its own. Inside
    a transaction (the tests), a second connection would not see its rows: one
    connection, each step under its transaction's lock (``lock_everything``), as on
    SQLite, which has one writer at a time."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield False
        return
    run("SELECT pg_advisory_lock(%s, 0)", [LOCK_ALL])
    try:
        yield True
    finally:
        run("SELECT pg_advisory_unlock(%s, 0)", [LOCK_ALL])


@contextmanager
def zone_change_lock(zone_change_id: int) -> Iterator[bool | None]:
    """One worker at a time on a time zone change's job; yields True when this connection holds
    the lock, False when another does (a worker runs the job now), None where there is no such
    lock (SQLite: the change's status and progress tell instead).

    PostgreSQL: a session-level advisory lock, taken without waiting and released at the end;
    a worker that dies loses its connection and so its lock, so a free lock means nobody runs
    the job, however its status reads."""
    if connection.vendor != "postgresql":
        yield None
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_ZONE_CHANGE, zone_change_id])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            run("SELECT pg_advisory_unlock(%s, %s)", [LOCK_ZONE_CHANGE, zone_change_id])
