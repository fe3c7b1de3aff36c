"""Redis down, as broker and as cache at once (docker-compose's configuration): the web side
keeps answering from the database, and a real worker outlives the outage and catches up by
itself once Redis is back."""

import json
import os
import subprocess
import sys
import time

import pytest
import redis
from django.urls import reverse
from kombu.exceptions import OperationalError

from activities.models import Activity
from dashboards import marks, rollups
from dashboards.models import DirtyMark
from salestracker.celery import app as celery_app
from tests import services
from tests.integration.helpers import calls_today, eventually, log_a_call

CATCH_UP_SECONDS = 60  # the worker's reconnect backs off up to 30 s


def production_caches(cache_url: str) -> dict:
    """CACHES exactly as settings.py builds them for ``CACHE_URL=cache_url``."""
    script = "import json, salestracker.settings as s; print(json.dumps(s.CACHES))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=services.ROOT,
        env={**os.environ, "CACHE_URL": cache_url},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


@pytest.fixture
def web(redis_server, settings, client, monkeypatch):
    """The web side as docker-compose runs it: refreshes enqueued to Redis database 0, the
    cache in Redis database 1."""
    settings.CACHES = production_caches(redis_server.url(1))
    monkeypatch.setattr(marks, "_broker_down_since", None)
    with services.web_enqueues_to(redis_server.url(0), settings):
        yield client


@pytest.mark.services
@pytest.mark.timeout(120)
def test_calls_are_logged_and_pages_served_while_redis_as_broker_and_cache_is_down(web, redis_server, rep, caplog):
    web.force_login(rep)
    assert log_a_call(web).status_code == 200
    assert redis.Redis.from_url(redis_server.url(1)).dbsize() > 0, "the cache is not the Redis under test"

    redis_server.stop()
    started = time.monotonic()
    assert log_a_call(web).status_code == 200
    assert web.get(reverse("dashboards:home"), follow=True).status_code == 200  # My week, its cached figures
    assert time.monotonic() - started < 5, "a request waited on the dead Redis"
    assert Activity.objects.filter(owner=rep).count() == 2
    assert DirtyMark.objects.filter(rep_id=rep.pk).exists()  # for the drain once Redis is back
    assert any(record.name.startswith("django_redis") for record in caplog.records), "cache failures are logged"


@pytest.mark.timeout(120)
def test_a_hung_cache_costs_a_request_about_a_second_not_a_minute(settings, client, rep):
    with services.hung_server() as port:
        settings.CACHES = production_caches(f"redis://127.0.0.1:{port}/1")
        client.force_login(rep)
        started = time.monotonic()
        assert log_a_call(client).status_code == 200
        assert time.monotonic() - started < 3
    assert Activity.objects.filter(owner=rep).count() == 1


@pytest.mark.timeout(240)
@pytest.mark.postgres
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_worker_outlives_a_redis_outage_and_catches_up_by_itself(web, redis_server, rep, test_database_url):
    web.force_login(rep)
    broker, cache = redis_server.url(0), redis_server.url(1)
    with services.celery_worker(redis_url=broker, database_url=test_database_url, env={"CACHE_URL": cache}) as worker:
        assert log_a_call(web).status_code == 200
        eventually(lambda: calls_today(rep) == 1, "the first call reaching the rollups", 20)

        redis_server.stop()
        for _ in range(2):
            assert log_a_call(web).status_code == 200
        assert Activity.objects.filter(owner=rep).count() == 3
        assert DirtyMark.objects.filter(rep_id=rep.pk).exists()
        time.sleep(5)  # the worker used to give up 2 s into an outage
        assert worker.poll() is None, f"the worker exited:\n{worker.log_path.read_text()[-3000:]}"

        # Back, empty: no task was queued for the calls above, and nobody drains by hand or by beat.
        redis_server.start()
        eventually(
            lambda: calls_today(rep) == 3 and not DirtyMark.objects.exists(),
            "the worker catching up after the outage",
            CATCH_UP_SECONDS,
        )
        assert worker.poll() is None
    assert rollups.verify() == []


@pytest.mark.timeout(60)
def test_the_worker_reconnects_forever_while_the_web_enqueue_fails_fast():
    assert celery_app.conf.broker_connection_max_retries is None
    assert celery_app.conf.task_publish_retry_policy["max_retries"] <= 1
    started = time.monotonic()
    with pytest.raises(OperationalError):
        services.celery_app_for(f"redis://127.0.0.1:{services.free_port()}/0").send_task("salestracker.nothing")
    assert time.monotonic() - started < 1
