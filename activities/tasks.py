"""Celery tasks of the activity CSV import: thin wrappers that take the import's id.

Both are safe to run twice (a duplicate delivery after ``acks_late``): the
work in ``importers`` looks at the import's status before doing anything. A
lost database connection is retried with backoff, well inside the broker's
visibility timeout; any other error, or retries used up, marks the import
failed, so its page stops waiting and offers to try again.
"""

from celery import Task, shared_task
from celery.exceptions import Retry
from django.db import OperationalError
from django.utils import translation

from . import importers


class ImportTask(Task):
    """Marks the import failed when the task gives up (also in eager mode, where ``on_failure`` is not called)."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except Retry:
            raise  # it will run again
        except Exception:
            importers.import_fail(import_id=args[0] if args else kwargs["import_id"])
            raise


# Both tasks alike: retried with backoff on a lost connection, well inside the broker's visibility timeout.
TASK_OPTIONS = {
    "base": ImportTask,
    "acks_late": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "max_retries": 5,
}


# Each takes the language of the person who sent the file: the row errors and the result are kept as
# text, written in the worker, and must read in that person's language.


@shared_task(**TASK_OPTIONS)
def validate_import(import_id: int, language: str = "en") -> str:
    """Check every row of an import without writing any; returns its new status."""
    with translation.override(language):
        return importers.import_validate(import_id=import_id)


@shared_task(**TASK_OPTIONS)
def run_import(import_id: int, language: str = "en") -> int:
    """Write every row of a confirmed import in one transaction; returns how many (0 if it was done already)."""
    with translation.override(language):
        return importers.import_run(import_id=import_id)
