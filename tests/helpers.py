"""Helpers shared by the tests: the dashboards' frozen clock, moments by day, a real sign-in."""

from datetime import UTC, date, datetime

from django.test import Client
from django.urls import reverse

# The dashboards' tests freeze the clock here (the ``frozen`` fixture of tests/conftest.py):
# Wednesday 18 November 2026, 12:00 UTC.
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """That day at that time, UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def can_sign_in(username: str, password: str) -> bool:
    """Sign in through the real login form, in a fresh browser session."""
    response = Client().post(reverse("accounts:login"), {"username": username, "password": password})
    return response.status_code == 302
