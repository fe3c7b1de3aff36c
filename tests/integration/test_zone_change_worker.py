"""A time zone change end to end on real services: an admin saves a new zone on the settings page,
the web side enqueues the job to a real Redis, a real Celery worker recomputes every stored day
in the test's PostgreSQL database and rebuilds the dashboards, while the page's progress part is
polled as htmx polls it."""

import re
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import redis
from django.urls import reverse

from activities.models import Activity
from dashboards import marks, rollups
from dashboards.models import ActivityDay
from quotas.models import OrgSettings, ZoneChange, ZoneChangeStatus
from tests import services
from tests.factories import AdminFactory, RepFactory, TeamFactory

pytestmark = [pytest.mark.postgres, pytest.mark.services, pytest.mark.django_db(transaction=True)]

DAYS = 40
CALLS_A_DAY = 300  # 12,000 calls: more than two of the job's batches
WAIT_SECONDS = 120
PROGRESS = re.compile(r'data-status="(\w+)"\s+data-done="(\d+)" data-total="(\d+)"')
SETTINGS = {
    "fiscal_year_start_month": "1",
    "time_zone": "Pacific/Auckland",
    "currency": "USD",
    "default_deal_size": "25000",
    "meeting_to_win_percent": "25",
    "call_to_meeting_percent": "5",
}


@pytest.fixture
def web(redis_url, settings, client, monkeypatch):
    """The web side as in production: after a commit, tasks go to Redis; nothing runs in-process."""
    monkeypatch.setattr(marks, "_broker_down_since", None)
    with services.web_enqueues_to(redis_url, settings):
        yield client


def _late_evening_calls(rep) -> None:
    """Calls at 23:30 UTC on each of ``DAYS`` days in March and April 2026: the next day in Auckland."""
    first = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    rows = []
    for n in range(DAYS):
        moment = first + timedelta(days=n)
        rows += [
            Activity(
                owner=rep,
                kind="call",
                outcome="connected",
                occurred_at=moment,
                day=moment.date(),
                created_at=moment,
                created_day=moment.date(),
            )
            for _ in range(CALLS_A_DAY)
        ]
    Activity.objects.bulk_create(rows, batch_size=2_000)


def _poll(client) -> list[tuple[str, int, int]]:
    """Poll the progress part until the change is done; every (status, done, total) seen."""
    seen = []
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        body = client.get(reverse("quotas:zone_change"), headers={"HX-Request": "true"}).content.decode()
        status, done, total = PROGRESS.search(body).groups()
        seen.append((status, int(done), int(total)))
        if status == ZoneChangeStatus.DONE:
            return seen
        assert status != ZoneChangeStatus.FAILED, body
        time.sleep(0.05)
    pytest.fail(f"the time zone change did not finish within {WAIT_SECONDS}s (last seen: {seen[-1:]})")


@pytest.mark.timeout(300)
def test_a_real_worker_moves_every_stored_day_to_the_new_zone_and_rebuilds(web, redis_url, test_database_url):
    rep = RepFactory(username="owner", team=TeamFactory(name="Enterprise East"))
    _late_evening_calls(rep)
    rollups.rebuild()
    assert ActivityDay.objects.get(rep=rep, day=date(2026, 3, 1), kind="call").count == CALLS_A_DAY
    web.force_login(AdminFactory(username="admin"))
    queue = redis.Redis.from_url(redis_url)
    queued_before = queue.llen("celery")

    # With no worker running the request answers at once and converts nothing itself.
    response = web.post(reverse("quotas:org_settings"), SETTINGS)
    assert response.status_code == 302
    assert OrgSettings.load().time_zone == "Pacific/Auckland"
    assert ZoneChange.objects.get().status == ZoneChangeStatus.QUEUED
    assert queue.llen("celery") > queued_before
    assert Activity.objects.filter(day=date(2026, 3, 1)).count() == CALLS_A_DAY
    page = web.get(reverse("quotas:org_settings")).content.decode()
    assert "Recomputing every stored day in it is waiting for a worker" in page

    with services.celery_worker(redis_url=redis_url, database_url=test_database_url):
        seen = _poll(web)

    total = DAYS * CALLS_A_DAY
    assert seen[-1] == (ZoneChangeStatus.DONE, total, total)
    change = ZoneChange.objects.get()
    assert change.started_at <= change.finished_at
    assert not Activity.objects.filter(day=date(2026, 3, 1)).exists()
    assert Activity.objects.filter(day=date(2026, 3, 2), created_day=date(2026, 3, 2)).count() == CALLS_A_DAY
    calls = dict(ActivityDay.objects.filter(rep=rep, kind="call").values_list("day", "count"))
    assert calls == {date(2026, 3, 2) + timedelta(days=n): CALLS_A_DAY for n in range(DAYS)}
    assert rollups.verify() == []
    page = web.get(reverse("quotas:org_settings")).content.decode()
    assert "The time zone changed from UTC to Pacific/Auckland: the days of 12,000 rows were recomputed" in page
