"""Helpers of the activity pages' tests: activities written through the service, moments, form data."""

from datetime import timedelta

from django.utils import timezone

from activities import services
from activities.models import Kind, Outcome

HTMX = {"HTTP_HX_REQUEST": "true"}


def log(owner, **fields):
    """An activity written through the service, as every real one is."""
    fields.setdefault("kind", Kind.CALL)
    fields.setdefault("outcome", Outcome.CONNECTED if fields["kind"] == Kind.CALL else "")
    return services.activity_log(owner=owner, by=fields.pop("by", owner), **fields)


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def ahead(**delta):
    return timezone.now() + timedelta(**delta)


def local_input(moment) -> str:
    """A datetime as the browser's datetime-local input sends it (organisation time zone)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def log_data(**overrides):
    data = {"kind": "call", "outcome": "connected", "who": "", "occurred_at": "", "duration_minutes": "", "notes": ""}
    data.update(overrides)
    return data
