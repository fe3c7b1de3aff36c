"""The health endpoint (``/health/``) for load balancers, compose and uptime monitors, built on
django-health-check: the database, the cache, the Redis broker and a Celery worker (when the
site runs with them), and whether the rollup refreshes keep up.

It answers anyone, so it says only "ok" or "failing" per check; what failed and why goes to
the log (the library logs each failure) and, for admins, to the system status page."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import JsonResponse
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.contrib.celery import Ping
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable, ServiceWarning
from health_check.views import HealthCheckView
from redis.asyncio import Redis as RedisClient

from .status import refresh_status

# Short enough that the endpoint answers within a load balancer's usual 5 s timeout even
# when a service hangs.
BROKER_TIMEOUT = 2
WORKER_TIMEOUT = timedelta(seconds=1.5)


@dataclasses.dataclass
class RollupRefresh(HealthCheck):
    """The oldest pending dirty mark is younger than ``ROLLUP_LAG_ALERT_MINUTES``, and no key
    is set aside after a failed refresh (a warning: the other keys still refresh)."""

    async def run(self):
        # On the request's own thread and connection (thread-sensitive), not a pool thread's.
        status = await sync_to_async(refresh_status)()
        if status.lagging:
            raise ServiceUnavailable("refreshes lag")
        if status.failed:
            raise ServiceWarning("keys failed to refresh")


def health_checks() -> dict[str, HealthCheck]:
    """The checks by name; the broker and worker only when tasks go through Redis."""
    checks: dict[str, HealthCheck] = {"database": Database(), "cache": Cache()}
    if settings.REDIS_URL:
        url = settings.REDIS_URL
        checks["broker"] = Redis(
            client_factory=lambda: RedisClient.from_url(
                url, socket_timeout=BROKER_TIMEOUT, socket_connect_timeout=BROKER_TIMEOUT
            )
        )
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        from salestracker.celery import app

        # One answering worker is enough (limit=1): it returns at once instead of waiting out the timeout.
        checks["worker"] = Ping(app=app, timeout=WORKER_TIMEOUT, limit=1)
    checks["rollups"] = RollupRefresh()
    return checks


class HealthView(HealthCheckView):
    """200 when every check passes, 500 otherwise, as the library answers; the body names each
    check with "ok" or "failing", nothing more, in every format. ``only`` names a subset."""

    only: tuple[str, ...] = ()

    def _checks(self) -> dict[str, HealthCheck]:
        checks = health_checks()
        return {name: check for name, check in checks.items() if name in self.only} if self.only else checks

    def get_checks(self):
        yield from self._checks().values()

    async def get(self, request, *args, **kwargs):
        checks = self._checks()
        with self.get_executor() as executor:
            results = await asyncio.gather(*(check.get_result(executor) for check in checks.values()))
        states = {name: "failing" if result.error else "ok" for name, result in zip(checks, results, strict=True)}
        failing = "failing" in states.values()
        return JsonResponse(
            {"status": "failing" if failing else "ok", "checks": states}, status=500 if failing else 200
        )
