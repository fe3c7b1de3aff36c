"""What the integration tests share: a call logged through the quick-log panel, the rollup row it
lands in, and polling until something a real worker does shows."""

import time

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards.models import ActivityDay

SECONDS = 20  # how long a refresh through the worker may take to show


def log_a_call(client):
    data = {"kind": "call", "outcome": "connected", "who": "", "occurred_at": "", "duration_minutes": "", "notes": ""}
    return client.post(reverse("activities:log"), data, HTTP_HX_REQUEST="true")


def calls_today(rep) -> int:
    row = ActivityDay.objects.filter(rep=rep, day=timezone.localdate(), kind="call").first()
    return row.count if row else 0


def eventually(check, what: str, seconds: float = SECONDS):
    """Poll ``check`` until it returns something truthy; that value."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"{what} did not happen within {seconds}s")
