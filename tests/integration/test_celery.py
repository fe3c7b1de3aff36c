"""Celery against a real redis-server and a real worker process."""

import pytest
from kombu.exceptions import OperationalError

from tests import services

pytestmark = pytest.mark.services


def test_a_real_worker_answers_over_redis(redis_url):
    with services.celery_worker(redis_url=redis_url, database_url=None):
        replies = services.celery_app_for(redis_url).control.ping(timeout=2)
    assert any(reply.get("ok") == "pong" for answer in replies for reply in answer.values())


@pytest.fixture
def hung_redis():
    """A port that accepts connections and never answers, like a Redis stuck on a full disk."""
    with services.hung_server() as port:
        yield f"redis://127.0.0.1:{port}/0"


@pytest.mark.timeout(60)
def test_an_enqueue_to_a_hung_redis_fails_instead_of_hanging(hung_redis):
    # The pytest timeout turns a hang into a failure; the broker socket timeouts
    # from settings must make the publish give up with an error first.
    app = services.celery_app_for(hung_redis)
    with pytest.raises(OperationalError):
        app.send_task("salestracker.nothing")
