"""The Celery application.

Configuration lives in Django settings under the ``CELERY_`` prefix: a Redis
broker with short socket timeouts in production, eager in-process execution
in the embedded default.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salestracker.settings")

app = Celery("salestracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
