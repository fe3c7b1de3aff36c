"""Who may write which keys when: PostgreSQL advisory locks (SQLite has one writer at a time).

Public: ``lock_reps_and_teams(rep_ids, team_ids=())`` (a refresh's), ``lock_everything(*,
held, table=None)`` (a rebuild step's), ``rebuild_lock()`` (a whole rebuild's), and the lock
namespaces ``LOCK_ALL``, ``LOCK_REPS``, ``LOCK_TEAMS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from accounts.models import User

from .sql import run
from .tables import Table

LOCK_ALL, LOCK_REPS, LOCK_TEAMS = 7300, 7301, 7302  # advisory lock namespaces


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
