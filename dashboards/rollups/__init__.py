"""The rollup engine: keeps the dashboard tables equal to what the domain rows say.

Writers mark keys dirty (``marks.py``) in their own transaction; ``drain``
claims the marks, recomputes only the rows those keys touch with GROUP BY
queries in the database (``INSERT ... SELECT``, never a Python loop over
source rows), and deletes the marks it claimed, all in one transaction.
``rebuild`` recomputes everything; ``verify`` recomputes into memory and lists
every difference from the stored rows.

- ``drain(*, batch=BATCH) -> int``: the dirty keys; how many marks it cleared (``draining``).
- ``rebuild(*, progress=None) -> None``: every table from scratch (``rebuilding``, and
  ``copies`` for PostgreSQL's copy-and-swap).
- ``verify(*, chunk=VERIFY_CHUNK) -> list[str]``: every difference, empty when none (``verifying``).

One module per job: ``calendar`` (the period calendar the statements join), ``sql``
(filters: which keys a statement recomputes, and the two databases' dialects),
``tables`` (one SELECT and one DELETE per dashboard table), ``locks`` (who may
write which keys when), and the three above.

Safety under concurrency:

- Marks are claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` (PostgreSQL), so
  two workers never claim the same mark, and a worker that dies rolls its
  claim back with its transaction: the marks are there for the next run.
- Before recomputing, a worker takes a transaction-scoped advisory lock per rep
  and per team it touches (in id order, so no deadlock): two workers never
  process the same key at the same time, and the second one recomputes from a
  snapshot that includes the first one's work. SQLite runs one writer at a time.
- Rows of a key are deleted and re-inserted in the same transaction, so a
  figure that fell to zero disappears and a rerun gives the same rows.

SQL here is the subset PostgreSQL and SQLite share (row values, ``VALUES``
lists, window functions, ``INSERT ... SELECT``); the two differences (days
between two timestamps, a timestamp's local date) come from ``sql.days_between``
and the backend's own ``datetime_cast_date_sql``.
"""

from .draining import drain
from .rebuilding import rebuild
from .verifying import verify

__all__ = ["drain", "rebuild", "verify"]
