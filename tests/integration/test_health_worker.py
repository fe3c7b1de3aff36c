"""The health endpoint against a real Redis broker and a real Celery worker: it reports the
worker up while one runs and down, quickly, once it has stopped."""

import time

import pytest

from tests import services

pytestmark = [pytest.mark.services, pytest.mark.django_db]

HEALTH = "/health/"


@pytest.fixture
def through_redis(redis_url, settings):
    """The web side as in production: tasks and control messages go through Redis."""
    settings.REDIS_URL = redis_url
    with services.web_enqueues_to(redis_url, settings):
        yield redis_url


def test_it_reports_the_worker_up_while_one_runs_and_down_once_it_stops(client, through_redis):
    with services.celery_worker(redis_url=through_redis, database_url=None):
        response = client.get(HEALTH)
        assert response.json()["checks"] == {
            "database": "ok",
            "cache": "ok",
            "broker": "ok",
            "worker": "ok",
            "rollups": "ok",
        }
        assert response.status_code == 200

    started = time.monotonic()
    response = client.get(HEALTH)
    assert time.monotonic() - started < 5  # a load balancer's usual timeout
    assert response.status_code == 500
    assert response.json()["checks"]["worker"] == "failing"
    assert response.json()["checks"]["broker"] == "ok"
