"""PostgreSQL's copy-and-swap: a rebuild fills an empty copy of a table while the pages still
read the table, indexes it, and swaps it in under the table's name.

Public: ``TableCopy(model)`` with ``create()``, ``index_size() -> int``, ``index()``,
``drop()``, and ``TableCopy.swap(copies)``.
"""

from __future__ import annotations

import time

from django.db import OperationalError, connection, transaction

from .. import figure_cache

SWAP_ATTEMPTS, SWAP_LOCK_TIMEOUT = 30, "2s"  # the swap waits for the readers at most a minute or so
LOCK_NOT_AVAILABLE = "55P03"


class TableCopy:
    """An empty copy of a table's columns (PostgreSQL), filled while the pages still read the
    table, then indexed as the table is and swapped in under the table's name, with its
    index, constraint and sequence names: to Django and its migrations, the same table."""

    def __init__(self, model: type):
        self.name, self.pk = model._meta.db_table, model._meta.pk.column
        self.copy = f"{self.name}__rebuild"

    def create(self) -> None:
        """The copy, with the table's columns, defaults, checks and grants (a reporting role
        given read access keeps it)."""
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.copy}")  # left by a rebuild that died
            cursor.execute(
                f"CREATE TABLE {self.copy} (LIKE {self.name} INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
                " INCLUDING IDENTITY INCLUDING STORAGE)"
            )
            # Ids taken a thousand at a time while it fills, not one by one; the swap puts the
            # table's own setting back.
            cursor.execute(f"ALTER TABLE {self.copy} ALTER COLUMN {self.pk} SET CACHE 1000")
            cursor.execute(
                "SELECT a.privilege_type, COALESCE(quote_ident(r.rolname), 'PUBLIC'), a.is_grantable"
                " FROM pg_class t, aclexplode(t.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee"
                " WHERE t.oid = %s::regclass AND a.grantee <> t.relowner",
                [self.name],
            )
            for privilege, grantee, grantable in cursor.fetchall():
                option = " WITH GRANT OPTION" if grantable else ""
                cursor.execute(f"GRANT {privilege} ON {self.copy} TO {grantee}{option}")

    def _indexes(self) -> list[tuple[str, str, bool]]:
        """(name, definition, is a constraint) of every index of the table."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.relname, COALESCE(pg_get_constraintdef(c.oid), pg_get_indexdef(i.oid)), c.oid IS NOT NULL"
                " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
                " LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid"
                " WHERE x.indrelid = %s::regclass ORDER BY i.relname",
                [self.name],
            )
            return cursor.fetchall()

    @staticmethod
    def _temporary(name: str) -> str:
        return f"{name[:54]}__rebuild"

    def index_size(self) -> int:
        """The bytes of the table's indexes (how long the copy's take to build)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_indexes_size(%s::regclass)", [self.name])
            return cursor.fetchone()[0]

    def index(self) -> None:
        """Build the table's indexes on the full copy (one sort each, in parallel workers where
        PostgreSQL has them), then vacuum it: the pages read it by index-only scans at once."""
        with connection.cursor() as cursor:
            for name, definition, constraint in self._indexes():
                temporary = self._temporary(name)
                if constraint:
                    cursor.execute(f"ALTER TABLE {self.copy} ADD CONSTRAINT {temporary} {definition}")
                else:
                    unique = "UNIQUE " if definition.startswith("CREATE UNIQUE") else ""
                    method = definition.split(" USING ", 1)[1]
                    cursor.execute(f"CREATE {unique}INDEX {temporary} ON {self.copy} USING {method}")
            cursor.execute(f"VACUUM (ANALYZE) {self.copy}")

    @classmethod
    def swap(cls, copies: list[TableCopy]) -> None:
        """Replace each table by its copy, all in one transaction: the pages see every new
        table at once. It waits for the pages reading a table (seconds at most); the pages
        that start meanwhile wait for it (milliseconds)."""
        for attempt in range(SWAP_ATTEMPTS):
            try:
                with transaction.atomic():
                    cls._swap(copies)
                return
            except OperationalError as error:
                if getattr(error.__cause__, "pgcode", None) != LOCK_NOT_AVAILABLE or attempt == SWAP_ATTEMPTS - 1:
                    raise
                time.sleep(1)

    @classmethod
    def _swap(cls, copies: list[TableCopy]) -> None:
        with connection.cursor() as cursor:
            # A long reader (a backup, say) must not make the pages queue behind this lock:
            # it gives up after a moment and tries again (``swap``).
            cursor.execute(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
            names = ", ".join(copy.name for copy in copies)
            cursor.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
            for copy in copies:
                indexes = copy._indexes()
                cursor.execute(
                    "SELECT pg_get_serial_sequence(%s, %s), pg_get_serial_sequence(%s, %s)",
                    [copy.name, copy.pk, copy.copy, copy.pk],
                )
                sequence, new_sequence = cursor.fetchone()
                cursor.execute("SELECT seqcache FROM pg_sequence WHERE seqrelid = %s::regclass", [sequence])
                cursor.execute(f"ALTER SEQUENCE {new_sequence} CACHE {cursor.fetchone()[0]}")
                cursor.execute(f"DROP TABLE {copy.name}")
                cursor.execute(f"ALTER TABLE {copy.copy} RENAME TO {copy.name}")
                for name, _definition, constraint in indexes:
                    if constraint:
                        cursor.execute(f"ALTER TABLE {copy.name} RENAME CONSTRAINT {cls._temporary(name)} TO {name}")
                    else:
                        cursor.execute(f"ALTER INDEX {cls._temporary(name)} RENAME TO {name}")
                cursor.execute(f"ALTER SEQUENCE {new_sequence} RENAME TO {sequence.split('.')[-1]}")
            figure_cache.bump_organisation()

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.copy}")
