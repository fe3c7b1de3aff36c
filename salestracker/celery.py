"""The Celery application.

Configuration lives in Django settings under the ``CELERY_`` prefix: a Redis
broker with short socket timeouts in production, eager in-process execution
in the embedded default.
"""

import logging
import os

from celery import Celery, bootsteps
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salestracker.settings")

logger = logging.getLogger(__name__)

app = Celery("salestracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class DrainOnConnect(bootsteps.StartStopStep):
    """Each time a worker (re)connects to the broker, it enqueues a rollup drain.

    Writes made while the broker was down left their dirty marks in the database with no
    task to refresh them; beat drains every minute, but a worker coming back should catch
    up at once, with or without beat. The consumer restarts its steps after every lost
    connection, so this runs on each reconnect as well as at start."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def start(self, consumer):
        try:
            consumer.app.send_task("dashboards.tasks.drain_rollups")
        except (OperationalError, OSError):
            # Lost again already: the consumer reconnects and this runs once more.
            logger.warning("Could not enqueue the catch-up drain after connecting.", exc_info=True)


app.steps["consumer"].add(DrainOnConnect)
