"""Celery tasks of the API: thin wrappers, safe to run twice or at once."""

from celery import shared_task
from django.db import DatabaseError

from . import services


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def expire_idempotency_keys() -> int:
    """Delete the API's idempotency keys older than a day; returns how many."""
    return services.idempotency_keys_expire()
