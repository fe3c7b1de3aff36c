"""CSV import of companies, contacts and deals: parse and validate every row, then write all or nothing.

Two steps, so the screen can show a preview (or every error) before anything is written:

- ``parse_csv(kind, text, user)`` reads the file and checks every row; it
  writes nothing. Names the rows refer to (territories, companies, owners,
  stages ...) are looked up once per import, in a few queries, never per row.
- ``import_rows(kind, rows, user)`` writes the parsed rows through the
  pipeline services in one transaction; if any row fails, nothing is kept.

Each kind is an ``ImportKind`` in its own module (companies, contacts, deals);
the reading, checking and writing they share is ``salestracker/csvimport.py``.
"""

from salestracker import csvimport
from salestracker.csvimport import PREVIEW_ROWS, ImportFailed, ImportKind, ImportResult, ParsedRow, RowError

from .companies import CompanyImport
from .contacts import ContactImport
from .deals import DealImport

__all__ = ["KINDS", "PREVIEW_ROWS", "ImportFailed", "ImportKind", "RowError", "import_rows", "parse_csv"]

MAX_FILE_BYTES = 5 * 1024 * 1024
# Pipeline imports are written inside the request, through the same services as
# the forms (about 8 statements a deal): 2,000 rows stay well inside a web
# worker's timeout on either database. Bigger files are split by the user.
MAX_ROWS = 2_000

KINDS: dict[str, ImportKind] = {kind.slug: kind for kind in (CompanyImport(), ContactImport(), DealImport())}


def parse_csv(kind: str, text: str, user) -> ImportResult:
    """Read and check every row of a CSV file of ``kind``; writes nothing."""
    return csvimport.parse_csv(KINDS[kind], text, user, max_rows=MAX_ROWS)


def import_rows(kind: str, rows: list[ParsedRow], user) -> int:
    """Write every parsed row through the services in one transaction (``ImportFailed`` if one is refused)."""
    return csvimport.import_rows(KINDS[kind], rows, user)


def template_rows(kind: str) -> tuple[list[str], list[str]]:
    """The header and one example row of the downloadable template."""
    spec = KINDS[kind]
    return spec.column_names, [spec.example.get(name, "") for name in spec.column_names]
