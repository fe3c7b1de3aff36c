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
from django.utils import timezone

from activities.models import Activity
from dashboards import marks, rollups
from dashboards.models import ActivityDay
from dashboards.rollups.locks import zone_change_lock
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
    "quiet_days": "14",
    "activity_drop_percent": "60",
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


# --- a lost message, a worker that still runs it -------------------------------------------------


def _stuck_change(status: str) -> ZoneChange:
    """The zone saved as Auckland and its change ``status`` with no progress for longer than
    ``STUCK_AFTER``, and no message for it on the queue: Redis lost it, or its worker died."""
    OrgSettings.objects.create(pk=1, time_zone="Pacific/Auckland")
    long_ago = timezone.now() - ZoneChange.STUCK_AFTER - timedelta(minutes=1)
    return ZoneChange.objects.create(
        from_zone="UTC",
        to_zone="Pacific/Auckland",
        status=status,
        progress_at=long_ago,
        started_at=None if status == ZoneChangeStatus.QUEUED else long_ago,
    )


def _calls_at_late_evening(rep, days: int) -> None:
    first = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    Activity.objects.bulk_create(
        Activity(
            owner=rep,
            kind="call",
            outcome="connected",
            occurred_at=first + timedelta(days=n),
            day=(first + timedelta(days=n)).date(),
            created_at=first + timedelta(days=n),
            created_day=(first + timedelta(days=n)).date(),
        )
        for n in range(days)
    )


def _wait_for(check, what: str, worker) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if check():
            return
        assert worker.poll() is None, f"the worker exited:\n{worker.log_path.read_text()[-3000:]}"
        time.sleep(0.1)
    pytest.fail(f"{what} did not happen within {WAIT_SECONDS}s; worker log:\n{worker.log_path.read_text()[-3000:]}")


@pytest.mark.timeout(300)
def test_a_worker_coming_back_finishes_a_change_whose_message_was_lost(redis_url, test_database_url):
    rep = RepFactory(username="owner", team=TeamFactory(name="Enterprise East"))
    _calls_at_late_evening(rep, days=3)
    rollups.rebuild()
    change = _stuck_change(ZoneChangeStatus.QUEUED)

    # Nothing is queued: the drain the worker sends itself on connecting finds the change stuck.
    with services.celery_worker(redis_url=redis_url, database_url=test_database_url) as worker:
        _wait_for(lambda: ZoneChange.objects.get().status == ZoneChangeStatus.DONE, "the change", worker)

    change.refresh_from_db()
    assert (change.rows_done, change.rows_total) == (3, 3)
    assert change.progress_at > change.requested_at
    assert set(Activity.objects.values_list("day", flat=True)) == {date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)}
    assert rollups.verify() == []


@pytest.mark.timeout(300)
def test_a_change_another_worker_still_runs_is_neither_sent_again_nor_run_twice(redis_url, test_database_url):
    rep = RepFactory(username="owner", team=TeamFactory(name="Enterprise East"))
    _calls_at_late_evening(rep, days=1)
    change = _stuck_change(ZoneChangeStatus.REBUILDING)

    # This test's connection stands for a worker that is slow, not lost: it holds the change's lock.
    with zone_change_lock(change.pk) as held:
        assert held
        with services.celery_worker(redis_url=redis_url, database_url=test_database_url) as worker:
            services.celery_app_for(redis_url).send_task("dashboards.tasks.change_time_zone", args=[change.pk])
            _wait_for(
                lambda: (
                    "dashboards.tasks.change_time_zone[" in worker.log_path.read_text()
                    and worker.log_path.read_text().count("succeeded") >= 2
                ),
                "the connect drain and the duplicate job",
                worker,
            )
    row = ZoneChange.objects.get()
    assert (row.status, row.progress_at, row.started_at) == (change.status, change.progress_at, change.started_at)
    assert Activity.objects.get().day == date(2026, 3, 1)
