"""Celery tasks of the quotas app: thin wrappers around its services, safe to run twice or at once."""

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from . import rewards


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def record_earned_rewards() -> int:
    """Record the rewards earned in the periods that closed (nightly); returns how many. "Today" is
    the organisation's: tasks run in its time zone (``QuotasConfig.ready``)."""
    return rewards.earned_rewards_record(today=timezone.localdate())
