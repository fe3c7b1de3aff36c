"""The health endpoint against a real Redis broker and a real Celery worker: it reports the
worker up while one runs and down, quickly, once it has stopped."""

import time

import kombu.pools
import pytest

from salestracker.celery import app as celery_app
from tests import services

pytestmark = [pytest.mark.services, pytest.mark.django_db]

HEALTH = "/health/"


def _reset_broker_connections():
    """Forget kombu's pooled connections to the previous broker (they are kept per URL)."""
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def through_redis(redis_url, settings):
    """The web side as in production: tasks and control messages go through Redis."""
    settings.REDIS_URL = redis_url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url")}
    celery_app.conf.update(task_always_eager=False, broker_url=redis_url)
    _reset_broker_connections()
    yield redis_url
    celery_app.conf.update(saved)
    _reset_broker_connections()


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
