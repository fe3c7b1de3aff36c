"""The activity import end to end on real services: the web side enqueues to Redis and a real
Celery worker checks, then writes, 100,000 rows in the test's PostgreSQL database while the
page is polled the way htmx polls it."""

import re
import time
from datetime import timedelta

import pytest
import redis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from activities import importers
from activities.models import Activity, ActivityImport, ImportStatus
from tests import services
from tests.factories import CompanyFactory, RepFactory, TeamFactory

pytestmark = [pytest.mark.postgres, pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROWS = 100_000
WAIT_SECONDS = 240
PROGRESS = re.compile(r'data-status="(\w+)" data-processed="(\d+)" data-total="(\d+)"')


@pytest.fixture
def web_enqueues_to_redis(redis_url, settings):
    """The web side as in production: tasks go to Redis instead of running in this process."""
    with services.web_enqueues_to(redis_url, settings):
        yield redis.Redis.from_url(redis_url)


def _activities_csv(rows: int) -> bytes:
    days = [f"{timezone.localdate() - timedelta(days=1 + n):%Y-%m-%d}" for n in range(300)]
    kinds = [("call", "connected"), ("email", ""), ("meeting", "held"), ("travel", "")]
    lines = [",".join(importers.FIELD_NAMES)]
    for n in range(rows):
        kind, outcome = kinds[n % 4]
        company = "Acme Corporation" if n % 3 == 0 else ""
        lines.append(f",{kind},{outcome},{days[n % 300]} 10:{n % 60:02d},{n % 45},{company},,,,row {n}")
    return ("\n".join(lines) + "\n").encode()


def _wait_for(client, url, status: str) -> list[tuple[int, int]]:
    """Poll the progress part, as htmx does, until the import reaches ``status``; the (done, total) seen."""
    seen = []
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        response = client.get(url, headers={"HX-Request": "true"})
        current, done, total = PROGRESS.search(response.content.decode()).groups()
        seen.append((int(done), int(total)))
        if current == status:
            return seen
        assert current not in (ImportStatus.INVALID, ImportStatus.FAILED), response.content.decode()[:2000]
        time.sleep(0.1)
    pytest.fail(f"the import did not become {status} within {WAIT_SECONDS}s (last seen: {seen[-1:]})")


def _upload_and_map(client, name: str, content: bytes) -> ActivityImport:
    response = client.post(reverse("activities:import_upload"), {"file": SimpleUploadedFile(name, content, "text/csv")})
    job = ActivityImport.objects.get(file_name=name)
    assert response.url == reverse("activities:import_mapping", args=[job.pk])
    mapping = {name: str(index) for index, name in enumerate(importers.FIELD_NAMES)}
    response = client.post(reverse("activities:import_mapping", args=[job.pk]), mapping)
    assert response.url == reverse("activities:import_detail", args=[job.pk])
    return job


@pytest.mark.timeout(600)
def test_a_real_worker_checks_and_imports_100000_rows(client, web_enqueues_to_redis, redis_url, test_database_url):
    queue = web_enqueues_to_redis
    rep = RepFactory(username="owner", team=TeamFactory(name="Enterprise East"))
    acme = CompanyFactory(name="Acme Corporation", owner=rep)
    client.force_login(rep)

    # With no worker running, a mapped import waits in Redis: the request did not check it itself.
    queued_before = queue.llen("celery")
    small = _upload_and_map(client, "small.csv", _activities_csv(10))
    small.refresh_from_db()
    assert (small.status, small.processed_rows) == (ImportStatus.VALIDATING, 0)
    assert queue.llen("celery") == queued_before + 1

    with services.celery_worker(redis_url=redis_url, database_url=test_database_url):
        _wait_for(client, reverse("activities:import_detail", args=[small.pk]), ImportStatus.READY)

        job = _upload_and_map(client, "spreadsheet.csv", _activities_csv(ROWS))
        detail = reverse("activities:import_detail", args=[job.pk])
        seen = _wait_for(client, detail, ImportStatus.READY)
        assert any(0 < done < total for done, total in seen), f"no progress seen between 0 and the total: {seen}"
        assert seen[-1] == (ROWS, ROWS)
        assert not Activity.objects.exists()

        response = client.post(reverse("activities:import_confirm", args=[job.pk]))
        assert response.url == detail
        _wait_for(client, detail, ImportStatus.DONE)

    job.refresh_from_db()
    assert (job.status, job.imported_rows) == (ImportStatus.DONE, ROWS)
    assert Activity.objects.count() == ROWS
    assert Activity.objects.filter(owner=rep, company=acme).count() == (ROWS + 2) // 3
    assert "100000 activities imported." in client.get(detail).content.decode()


def test_the_worker_writes_row_errors_in_the_senders_language(
    client, web_enqueues_to_redis, redis_url, test_database_url
):
    rep = RepFactory(username="ro_rep", language="ro")
    client.force_login(rep)
    yesterday = f"{timezone.localdate() - timedelta(days=1):%Y-%m-%d} 10:00"
    content = f"{','.join(importers.FIELD_NAMES)}\n,call,,{yesterday},,,,,,\n".encode()
    with services.celery_worker(redis_url=redis_url, database_url=test_database_url):
        job = _upload_and_map(client, "ro.csv", content)
        deadline = time.monotonic() + WAIT_SECONDS
        while job.status != ImportStatus.INVALID and time.monotonic() < deadline:
            time.sleep(0.1)
            job.refresh_from_db()
    assert job.status == ImportStatus.INVALID
    with translation.override("ro"):
        reason = translation.gettext("Choose how it went.")
    assert reason != "Choose how it went."
    assert [(error["row"], error["column"], error["reason"]) for error in job.errors] == [(2, "outcome", reason)]
