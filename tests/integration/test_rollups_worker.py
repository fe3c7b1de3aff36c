"""The rollups end to end on real services: the web side enqueues to a real Redis after its commit
and a real ``celery worker`` process refreshes the dashboard rows in the test's PostgreSQL
database; Redis goes away and comes back; a worker is killed in the middle of a refresh.

Plus the beat schedule in settings, which needs no service.
"""

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import psycopg2
import pytest
import redis
from celery.schedules import crontab, maybe_schedule
from django.conf import settings as django_settings

from activities.models import Activity
from dashboards import marks, rollups, tasks
from dashboards.models import DirtyMark
from dashboards.rollups.locks import LOCK_REPS
from salestracker.celery import app as celery_app
from tests import services
from tests.factories import RepFactory, TeamFactory
from tests.integration.helpers import calls_today, eventually, log_a_call

ROOT = Path(__file__).resolve().parents[2]


# --- the beat schedule --------------------------------------------------------------------


def test_the_beat_schedule_drains_every_minute_and_rebuilds_nightly_with_existing_tasks():
    schedule = {entry["task"]: entry["schedule"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert celery_app.conf.beat_schedule == django_settings.CELERY_BEAT_SCHEDULE
    drain, rebuild = tasks.drain_rollups.name, tasks.rebuild_rollups.name
    assert {drain, rebuild} <= set(schedule)
    celery_app.loader.import_default_modules()  # what a worker and beat do at start
    for name in schedule:
        assert name in celery_app.tasks, f"the beat schedule names {name}, which no app defines"

    assert maybe_schedule(schedule[drain]).run_every == timedelta(minutes=1)
    nightly = schedule[rebuild]
    assert isinstance(nightly, crontab)
    assert len(nightly.hour) == 1 and len(nightly.minute) == 1
    assert nightly.day_of_week == set(range(7)) and len(nightly.day_of_month) == 31
    # A lost worker or a database error never loses a refresh.
    for task in (tasks.drain_rollups, tasks.rebuild_rollups):
        assert task.acks_late and task.reject_on_worker_lost
        assert task.retry_backoff and task.max_retries
        assert any(issubclass(error, Exception) and error.__name__ == "DatabaseError" for error in task.autoretry_for)


# --- real services --------------------------------------------------------------------------


@pytest.fixture
def broker(redis_server):
    """Redis as the workers' broker (tests/integration/conftest.py: one that can be stopped and started)."""
    return redis_server


@pytest.fixture
def web(broker, settings, client, monkeypatch):
    """The web side as in production: after a commit, refreshes go to Redis; nothing runs in-process."""
    monkeypatch.setattr(marks, "_broker_down_since", None)
    with services.web_enqueues_to(broker.url(), settings):
        yield client


@contextmanager
def worker(broker_url: str, database_url: str):
    """A real ``celery worker`` in its own process group (so it can be killed as a whole)."""
    env = {**os.environ, "REDIS_URL": broker_url, "CELERY_TASK_ALWAYS_EAGER": "0", "DATABASE_URL": database_url}
    folder = Path(tempfile.mkdtemp(prefix="salestracker-worker-"))
    log_path = folder / "worker.log"
    command = [sys.executable, "-m", "celery", "-A", "salestracker", "worker", "--pool=solo", "--loglevel=INFO"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--hostname=rollups-worker@%h"]
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    app = services.celery_app_for(broker_url)
    try:
        services.wait_for(lambda: process.poll() is None and bool(app.control.ping(timeout=0.5)), "the worker", 60)
        process.log_path = log_path
        yield process
    except Exception as exc:
        raise AssertionError(f"{exc}; worker log:\n{log_path.read_text()}") from exc
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def rep(db):
    return RepFactory(username="owner", team=TeamFactory(name="Enterprise East"))


@pytest.mark.timeout(180)
@pytest.mark.postgres
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_call_logged_on_the_web_shows_in_the_rollups_through_a_real_worker(web, broker, rep, test_database_url):
    web.force_login(rep)
    queue = redis.Redis.from_url(broker.url())
    # With no worker running the request answers at once and recomputes nothing itself:
    # its refresh waits in Redis.
    assert log_a_call(web).status_code == 200
    assert queue.llen("celery") == 1
    assert calls_today(rep) == 0
    assert DirtyMark.objects.filter(rep_id=rep.pk).exists()

    with worker(broker.url(), test_database_url):
        eventually(lambda: calls_today(rep) == 1, "the first call reaching ActivityDay")
        assert log_a_call(web).status_code == 200
        eventually(lambda: calls_today(rep) == 2, "the second call reaching ActivityDay")
        eventually(lambda: not DirtyMark.objects.exists(), "the marks being cleared")
    assert rollups.verify() == []


@pytest.mark.timeout(180)
@pytest.mark.postgres
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_calls_logged_while_redis_is_down_are_saved_and_caught_up_by_the_next_drain(
    web, broker, rep, test_database_url, caplog
):
    web.force_login(rep)
    caplog.set_level(logging.INFO, logger="dashboards.marks")
    with worker(broker.url(), test_database_url) as process:
        assert log_a_call(web).status_code == 200
        eventually(lambda: calls_today(rep) == 1, "the first call reaching ActivityDay")

        broker.stop()
        started = time.monotonic()
        for _ in range(2):
            assert log_a_call(web).status_code == 200  # the call is saved, Redis or not
        assert time.monotonic() - started < 15, "a request waited on the dead broker"
        assert Activity.objects.filter(owner=rep).count() == 3
        assert DirtyMark.objects.filter(rep_id=rep.pk).count() == 2  # the marks are in the database
        warnings = [r for r in caplog.records if r.name == "dashboards.marks" and r.levelno == logging.WARNING]
        assert len(warnings) == 1, "the failure is logged once, not once per request"
        assert "periodic drain will catch up" in warnings[0].getMessage()
        assert calls_today(rep) == 1

        broker.start()
        if process.poll() is not None:  # pragma: no cover - the worker gave up on the broker
            pytest.fail(f"the worker exited while Redis was down:\n{process.log_path.read_text()[-3000:]}")
        # The periodic drain (what beat sends every minute) catches up.
        tasks.drain_rollups.delay()
        eventually(lambda: calls_today(rep) == 3, "the drain catching up on the calls logged while Redis was down")
        eventually(lambda: not DirtyMark.objects.exists(), "the marks being cleared")

        # Once the back-off is over, requests enqueue their refresh again by themselves.
        marks._broker_down_since = time.monotonic() - marks.BROKER_RETRY_AFTER - 1
        assert log_a_call(web).status_code == 200
        eventually(lambda: calls_today(rep) == 4, "the next call's own refresh")
        assert "broker is back" in caplog.text
    assert rollups.verify() == []


def _psql(database_url: str):
    connection = psycopg2.connect(database_url)
    connection.autocommit = True
    return connection


def _blocked_on_rep_lock(cursor, rep_id: int) -> int | None:
    """The pid of a backend waiting for the rollups advisory lock of ``rep_id``, if any."""
    cursor.execute(
        "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND NOT l.granted AND l.classid = %s AND l.objid = %s "
        "AND a.wait_event_type = 'Lock' AND a.state = 'active' AND a.xact_start IS NOT NULL",
        [LOCK_REPS, rep_id],
    )
    row = cursor.fetchone()
    return row[0] if row else None


def _backend_alive(cursor, pid: int) -> bool:
    cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
    return cursor.fetchone() is not None


@pytest.mark.timeout(180)
@pytest.mark.postgres
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_a_refresh_loses_nothing(web, broker, rep, test_database_url):
    web.force_login(rep)
    locker = _psql(test_database_url)
    cursor = locker.cursor()
    try:
        with worker(broker.url(), test_database_url) as process:
            # Hold the rep's refresh lock, as a slow refresh of the same rep in another worker would.
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_REPS, rep.pk])
            assert log_a_call(web).status_code == 200
            waiting = eventually(lambda: _blocked_on_rep_lock(cursor, rep.pk), "the worker blocking inside its refresh")
            # It has claimed the mark in its open transaction: nobody else can take it now.
            cursor.execute(f"SELECT id FROM {DirtyMark._meta.db_table} FOR UPDATE SKIP LOCKED")
            assert cursor.fetchall() == []
            assert DirtyMark.objects.filter(rep_id=rep.pk).count() == 1

            os.killpg(os.getpgid(process.pid), signal.SIGKILL)
            assert process.wait(timeout=10) == -signal.SIGKILL
            # acks_late: the message of the killed task is kept, unacknowledged, for redelivery.
            assert redis.Redis.from_url(broker.url()).hlen("unacked") == 1

        # The orphaned database session gets its lock, finds its client gone and rolls back.
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_REPS, rep.pk])
        eventually(lambda: not _backend_alive(cursor, waiting), "the killed worker's session ending")
        assert calls_today(rep) == 0
        assert DirtyMark.objects.filter(rep_id=rep.pk, claim__isnull=True).count() == 1

        # The next run (another worker, fed by the periodic drain) finishes the job.
        with worker(broker.url(), test_database_url):
            tasks.drain_rollups.delay()
            eventually(lambda: calls_today(rep) == 1, "the next worker refreshing the rep's day")
            eventually(lambda: not DirtyMark.objects.exists(), "the marks being cleared")
    finally:
        locker.close()
    assert rollups.verify() == []
