"""Celery tasks of the accounts app: thin wrappers, safe to run twice or at once."""

from celery import shared_task
from django.db import DatabaseError

from . import submissions


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def expire_submissions() -> int:
    """Delete the create forms' one-time keys older than a day; returns how many."""
    return submissions.submissions_expire()
