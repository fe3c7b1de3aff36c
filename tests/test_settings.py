"""Settings come from the environment; production settings pass Django's deploy checks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 64 + "-a-production-like-secret-key",
    "ALLOWED_HOSTS": "sales.example.com",
    "DATABASE_URL": "postgres://u:p@db.example.com:5432/sales",
    "REDIS_URL": "redis://redis.example.com:6379/0",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CACHE_URL"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "TESTING": "", **env},
        capture_output=True,
        text=True,
    )


def _setting(code: str, env: dict[str, str]):
    script = f"import django, json; django.setup(); from django.conf import settings; print(json.dumps({code}))"
    result = _manage("shell", "-c", script, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_passes_the_deploy_checks_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = _manage("check", env={k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_uses_sqlite_by_default_and_postgresql_when_database_url_is_set():
    assert _setting("settings.DATABASES['default']['ENGINE']", {}) == "django.db.backends.sqlite3"
    assert _setting("settings.DATABASES['default']['ENGINE']", PRODUCTION) == "django.db.backends.postgresql"


def test_postgresql_connections_plan_for_data_in_memory_unless_told_otherwise():
    options = "settings.DATABASES['default'].get('OPTIONS', {}).get('options')"
    assert _setting(options, PRODUCTION) == "-c random_page_cost=1.1"
    assert _setting(options, {**PRODUCTION, "PG_RANDOM_PAGE_COST": "2"}) == "-c random_page_cost=2"
    assert _setting(options, {**PRODUCTION, "PG_RANDOM_PAGE_COST": ""}) is None
    assert _setting(options, {}) is None  # SQLite


@pytest.mark.postgres
def test_the_postgresql_connection_gets_the_random_page_cost(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"


def test_it_runs_tasks_eagerly_without_redis():
    assert _setting("[settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL]", {}) == [True, "memory://"]


def test_it_uses_redis_with_short_socket_timeouts_in_production():
    always_eager, broker, options = _setting(
        "[settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS]",
        PRODUCTION,
    )
    assert (always_eager, broker) == (False, PRODUCTION["REDIS_URL"])
    assert options["socket_timeout"] <= 5 and options["socket_connect_timeout"] <= 5


def test_it_collects_static_files_including_the_front_end_packages(tmp_path):
    result = _manage("collectstatic", "--noinput", env={**PRODUCTION, "STATIC_ROOT": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for path in (
        "vendor/bootstrap/css/bootstrap.min.css",
        "vendor/htmx/htmx.min.js",
        "vendor/chart.js/chart.umd.min.js",
        "vendor/sortablejs/Sortable.min.js",
        "css/app.css",
    ):
        assert path in manifest


def test_the_cache_is_per_process_by_default_and_redis_when_cache_url_says_so():
    backend = "[settings.CACHES['default']['BACKEND'], settings.CACHES['default'].get('LOCATION')]"
    assert _setting(backend, {})[0] == "django.core.cache.backends.locmem.LocMemCache"
    redis = {**PRODUCTION, "CACHE_URL": "redis://redis.example.com:6379/1"}
    assert _setting(backend, redis) == ["django_redis.cache.RedisCache", "redis://redis.example.com:6379/1"]
    # A Redis outage degrades to the database instead of failing requests, and a hung Redis
    # costs each cache call well under a second.
    options = _setting("settings.CACHES['default']['OPTIONS']", redis)
    assert options["IGNORE_EXCEPTIONS"] is True
    assert options["SOCKET_TIMEOUT"] <= 1 and options["SOCKET_CONNECT_TIMEOUT"] <= 1


def test_session_timeouts_and_the_address_lockout_come_from_the_environment():
    names = "[settings.SESSION_IDLE_TIMEOUT, settings.SESSION_COOKIE_AGE, settings.AXES_ADDRESS_FAILURE_LIMIT]"
    assert _setting(names, PRODUCTION) == [30 * 60, 12 * 3600, 20]
    tuned = {**PRODUCTION, "SESSION_IDLE_MINUTES": "15", "SESSION_MAX_HOURS": "8", "AXES_ADDRESS_FAILURE_LIMIT": "50"}
    assert _setting(names, tuned) == [15 * 60, 8 * 3600, 50]
