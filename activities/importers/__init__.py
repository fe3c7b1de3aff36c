"""CSV import of activities, for teams moving from spreadsheets: upload, map the
columns, check every row, confirm, then write all of them or none.

The work runs in Celery tasks (``tasks.py``) on an ``ActivityImport`` row that
holds the file's text, so a worker on another machine reads exactly what was
uploaded:

1. ``import_create`` keeps the text (UPLOADED);
2. ``import_map`` saves which column of the file feeds each of our fields
   (VALIDATING); ``import_validate`` checks every row, writes none, and stores
   every error or a preview (INVALID or READY);
3. ``import_confirm`` (IMPORTING); ``import_run`` checks every row again, since
   the data may have changed, and writes them all in one transaction (DONE).

Progress: while checking, ``processed_rows`` is set every 2,000 rows by a plain
UPDATE that commits at once, so the page sees it move. While writing it cannot
be: the rows and the DONE status go into one transaction, which is what makes
the import all-or-nothing and safe to run twice, and nothing in it is visible
before it commits (a second connection reporting progress would not help
either: SQLite lets only one connection write at a time). So the page shows an
indeterminate "Importing" bar for that step, which ``bulk_create`` keeps to
seconds for 100,000 rows.

The rules are those of ``services.activity_log`` (``check_activity`` for kind,
outcome and time; ``check_prospecting``: prospecting names a company or contact;
a deal the importer can see; contact and deal of the company given) and rows are
built as it builds them, but written with ``bulk_create``: a few INSERTs per
thousands of rows rather than several statements per row. Names are looked up
once per import: one query per referenced model (per 5,000 distinct names),
whatever the number of rows.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salestracker.csvimport import RowError

from ..models import Activity, ActivityImport, ImportStatus
from ..signals import activities_created
from .checking import BATCH_SIZE, CheckResult, check_rows
from .fields import FIELD_NAMES, FIELDS, file_columns, file_problem, guess_mapping, template_rows

__all__ = [
    "FIELDS",
    "FIELD_NAMES",
    "MAPPABLE",
    "MAX_FILE_BYTES",
    "SHOWN_ERRORS",
    "check_rows",
    "file_columns",
    "file_problem",
    "guess_mapping",
    "import_confirm",
    "import_create",
    "import_fail",
    "import_map",
    "import_run",
    "import_validate",
    "template_rows",
]

MAX_FILE_BYTES = 20 * 1024 * 1024
# Errors listed on the page; the download (import_errors) lists every one kept.
SHOWN_ERRORS = 500

# An import can be (re)mapped until it is being checked or written.
MAPPABLE = (ImportStatus.UPLOADED, ImportStatus.INVALID, ImportStatus.READY, ImportStatus.FAILED)


def import_create(*, by, file_name: str, content: str) -> ActivityImport:
    """Keep an uploaded file's text for the columns to be chosen."""
    return ActivityImport.objects.create(
        created_by=by, file_name=file_name[:255], content=content, status=ImportStatus.UPLOADED
    )


def import_map(*, job: ActivityImport, mapping: dict[str, int | None]) -> bool:
    """Save the column mapping and mark the import for checking; False when it is being checked or written.

    One conditional UPDATE, so two submissions at once start one check. The
    caller enqueues ``validate_import`` once this commits.
    """
    mapping = {name: mapping.get(name) for name in FIELD_NAMES}
    return bool(
        ActivityImport.objects.filter(pk=job.pk, status__in=MAPPABLE).update(
            mapping=mapping,
            status=ImportStatus.VALIDATING,
            total_rows=0,
            processed_rows=0,
            imported_rows=0,
            errors=[],
            preview=[],
            finished_at=None,
        )
    )


def import_confirm(*, job: ActivityImport) -> bool:
    """Mark a checked import for writing; False unless it was READY (a double click confirms once).

    The caller enqueues ``run_import`` once this commits.
    """
    return bool(
        ActivityImport.objects.filter(pk=job.pk, status=ImportStatus.READY).update(
            status=ImportStatus.IMPORTING, processed_rows=0
        )
    )


def import_validate(*, import_id: int) -> str:
    """Check every row of an import and store the errors or a preview; returns the new status.

    Only an import still VALIDATING is checked, so a task delivered twice does
    the work once more at worst and never overwrites a later state.
    """
    job = ActivityImport.objects.select_related("created_by").filter(pk=import_id).first()
    if job is None or job.status != ImportStatus.VALIDATING:
        return job.status if job else ""
    pending = ActivityImport.objects.filter(pk=job.pk, status=ImportStatus.VALIDATING)
    now = timezone.now()
    # Each of these UPDATEs commits on its own (the task runs outside a transaction), so the page sees them.
    result = check_rows(
        job,
        now=now,
        on_start=lambda total: pending.update(total_rows=total, processed_rows=0),
        on_progress=lambda done: pending.update(processed_rows=done),
    )
    status = ImportStatus.READY if result.ok else ImportStatus.INVALID
    pending.update(
        status=status,
        total_rows=result.total,
        processed_rows=result.total,
        errors=result.stored_errors(),
        preview=result.preview if result.ok else [],
        finished_at=None if result.ok else timezone.now(),
    )
    return status


class _RowsRefused(Exception):
    def __init__(self, result: CheckResult):
        super().__init__(f"{result.error_count} row errors")
        self.result = result


def import_run(*, import_id: int) -> int:
    """Write every row of a confirmed import in one transaction; returns how many were imported.

    The rows are checked again first (a deal may have moved to another rep since
    the preview). The import's row stays locked until the transaction ends and
    the rows and the DONE status commit together, so a second run (a duplicate
    delivery) waits, then finds it DONE and writes nothing; and a worker that
    dies halfway leaves nothing behind, the import still IMPORTING, for the
    redelivered task to do again.
    """
    try:
        with transaction.atomic():
            job = ActivityImport.objects.select_for_update().filter(pk=import_id).first()
            if job is None or job.status != ImportStatus.IMPORTING:
                return 0
            now = timezone.now()
            created_day = timezone.localdate(now)

            def write(rows: list[dict]) -> None:
                written = Activity.objects.bulk_create(
                    [Activity(**values, created_at=now, created_day=created_day) for values in rows],
                    batch_size=BATCH_SIZE,
                )
                activities_created.send(sender=Activity, activities=written)

            try:
                with transaction.atomic():  # a savepoint: the rows written so far go if a later one fails
                    result = check_rows(job, now=now, on_rows=write)
                    if not result.ok:
                        raise _RowsRefused(result)
            except _RowsRefused as refused:
                _finish(job, ImportStatus.INVALID, refused.result)
                return 0
            job.imported_rows = result.total
            _finish(job, ImportStatus.DONE, result)
    except IntegrityError:
        # A record the rows refer to was deleted while they were written: the
        # database refused the commit, so nothing was written.
        result = CheckResult()
        result.add(
            RowError(
                None,
                "",
                _("A record this file refers to was removed while importing. Nothing was imported; check it again."),
            )
        )
        job = ActivityImport.objects.get(pk=import_id)
        _finish(job, ImportStatus.INVALID, result)
        return 0
    return job.imported_rows


def _finish(job: ActivityImport, status: str, result: CheckResult) -> None:
    job.status = status
    job.total_rows = job.processed_rows = result.total
    job.errors = result.stored_errors()
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "total_rows", "processed_rows", "imported_rows", "errors", "finished_at"])


def import_fail(*, import_id: int) -> None:
    """Mark an import whose task gave up (an unexpected error, retries used up) as failed, so the page stops
    waiting; its columns can be chosen again to retry."""
    ActivityImport.objects.filter(pk=import_id, status__in=(ImportStatus.VALIDATING, ImportStatus.IMPORTING)).update(
        status=ImportStatus.FAILED, finished_at=timezone.now()
    )
