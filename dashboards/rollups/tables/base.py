"""What every dashboard table is: its columns, the SELECT that computes them and the DELETE
that clears the same keys; ``write`` and ``insert`` run them."""

from __future__ import annotations

from abc import ABC, abstractmethod

from ..sql import Filter, run


class Table(ABC):
    """One dashboard table: its columns, the SELECT that computes them and the DELETE
    that clears the same keys (both filtered by a ``Filter``)."""

    model: type
    key: tuple[str, ...]
    values: tuple[str, ...]
    rebuild_settings: tuple[str, ...] = ()  # PostgreSQL settings for its whole-table rebuild statements
    reads_calendar = False  # its SELECT joins the calendar (a rebuild writes the calendar before it)
    # The scopes (``Scope``) whose dirty marks recompute it: a drain writes it when it claimed one.
    refreshed_by: frozenset[str] = frozenset({"pipeline"})
    by_rep = True  # its rows have a rep_id: ``verify`` compares them a chunk of reps at a time

    @property
    def columns(self) -> tuple[str, ...]:
        return self.key + self.values

    @abstractmethod
    def select(self, f: Filter) -> tuple[str, list]:
        """The rows for the keys of ``f``: key columns then values, in ``columns`` order."""

    @abstractmethod
    def delete(self, f: Filter) -> tuple[str, list]:
        """Remove the stored rows for the keys of ``f``."""


class DayTable(Table):
    """A table keyed by (rep, day), whose keys are those of the marks of ``scope``."""

    scope: str

    @property
    def refreshed_by(self) -> frozenset[str]:
        return frozenset({self.scope})

    def _keys(self, f: Filter, rep: str, day: str) -> str:
        return getattr(f, f"{self.scope}_days").format(rep=rep, day=day)

    def delete(self, f):
        return f"DELETE FROM {self.model._meta.db_table} WHERE {self._keys(f, 'rep_id', 'day')}", []


def delete_periods(table: Table, f: Filter, *, kind: str, start: str) -> tuple[str, list]:
    """The DELETE of ``table``'s rows for the (rep, period) keys of ``f``, ``kind`` and ``start``
    naming each row's period kind and first day (SQL on its columns). The keys are read from the
    row alone: joined to the calendar for them, the condition spanned two tables, and with either
    table's statistics taken while its rows were uncommitted PostgreSQL planned nested loops that
    ran for minutes."""
    name = table.model._meta.db_table
    where = f.periods.format(rep="c.rep_id")
    return (
        f"DELETE FROM {name} WHERE id IN (SELECT c.id FROM (SELECT id, rep_id, {kind} AS period_kind, "
        f"{start} AS period_start FROM {name}) c WHERE {where})",
        [],
    )


def write(table: Table, f: Filter, now) -> None:
    """Recompute ``table``'s rows for the keys of ``f``: delete them, insert them afresh."""
    # Two refreshes never meet on a key: each holds the locks of its reps and teams
    # (a team quota is its team's), and a rebuild holds them all.
    run(*table.delete(f))
    insert(table, f, now)


def insert(table: Table, f: Filter, now, *, into: str | None = None) -> None:
    """Insert ``table``'s rows for the keys of ``f`` into the table, or into its copy ``into``."""
    select, params = table.select(f)
    columns = ", ".join((*table.columns, "computed_at"))
    # In key order: the key's index (and the heap) are then written left to right, page after
    # page, instead of at random places; a rebuild writes them several times faster. A copy
    # has no index yet: its indexes are built, sorted, once it is full.
    order = "" if into else " ORDER BY " + ", ".join(str(n) for n in range(1, len(table.key) + 1))
    name = into or table.model._meta.db_table
    run(f"INSERT INTO {name} ({columns}) SELECT s.*, %s FROM ({select}) s{order}", [now, *params])
