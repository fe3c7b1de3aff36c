"""The benchmark at a tiny scale, so it never rots: the generator, every measurement
and the load generator run end to end. Timings are printed by the bench, never asserted."""

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from bench import generate as bench_generate
from bench import loadgen
from bench import run as bench_run

ROOT = Path(__file__).resolve().parents[2]
TINY = {"reps": 4, "years": 0.05, "quiet": True}


def test_it_generates_an_organisation_that_keeps_the_domain_rules(db):
    from accounts.models import Role, User
    from activities.models import Activity
    from dashboards.models import ActivityDay
    from pipeline.models import Deal, StageChange

    counts = bench_generate.generate(**TINY)

    assert User.objects.filter(role=Role.REP).count() == 4
    assert counts["activities"] == Activity.objects.count() > 0
    assert counts["stage_changes"] == StageChange.objects.count() >= counts["deals"] == Deal.objects.count() > 0
    # Every deal's history starts with its creation and ends in its current stage.
    for deal in Deal.objects.prefetch_related("stage_changes"):
        changes = sorted(deal.stage_changes.all(), key=lambda c: (c.changed_at, c.pk))
        assert changes[0].from_stage_id is None
        assert changes[-1].to_stage_id == deal.stage_id
        assert (deal.closed_on is not None) == deal.stage.is_closed
    on_deals = Activity.objects.exclude(deal=None)
    assert on_deals.exists()
    assert ActivityDay.objects.exists()  # the rollups were rebuilt


def test_it_measures_rebuild_refresh_and_queries(db):
    bench_generate.generate(**TINY, rebuild=False)

    rebuild = bench_run.measure_rebuild(repeat=1)
    refresh = bench_run.measure_refresh(writes=20)
    plan = bench_run.page_plan(clients=2)
    queries = bench_run.count_queries(plan)

    assert rebuild["floor_seconds"] >= 0 and rebuild["rebuild_seconds"] > 0
    assert refresh["one_activity_ms"] is not None and refresh["batch_marks"] > 0
    for key in ("my_week", "team", "one_on_one", "board", "activities", "forecast", "log"):
        assert queries[key]["status"] == 200, key
        assert queries[key]["queries"] > 0
    report = {"database": "x", "reps": 4, "years": 0.05, "rebuild": rebuild, "refresh": refresh, "queries": queries}
    assert "Targets" in bench_run.render(report)


@pytest.mark.django_db(transaction=True)
def test_it_drives_the_pages_with_signed_in_clients(live_server):
    from django.db import connection

    bench_generate.generate(**TINY, rebuild=False)
    # The live server shares one SQLite connection between its threads: one client there.
    clients = 2 if connection.vendor == "postgresql" else 1
    plan = bench_run.page_plan(clients=clients)
    results = bench_run.load_pages(live_server.url, plan, seconds=0.3, queries={})

    for key in ("my_week", "team", "one_on_one", "board", "activities", "forecast", "log"):
        assert results[key]["requests"] > 0, key
        assert results[key]["errors"] == 0, (key, results[key]["first_error"])


def test_a_lost_session_counts_as_an_error(live_server):
    session = loadgen.Session(live_server.url)
    result = loadgen.run("anonymous", [session], loadgen.get("/activities/"), seconds=0.2, warmup=0)

    assert result.requests > 0 and result.errors == result.requests
    assert "HTTP 302" in result.first_error


def test_think_time_spaces_each_clients_requests(live_server):
    """With think time a client pauses 0.5 to 1.5 x ``think`` after each answer: over 1 s with
    0.2 s pauses it sends at most 1 / 0.1 requests; without, it sends as fast as answers come."""
    session = loadgen.Session(live_server.url)
    paced = loadgen.run("paced", [session], loadgen.get("/accounts/login/"), seconds=1.0, warmup=0, think=0.2)
    flat_out = loadgen.run("flat out", [session], loadgen.get("/accounts/login/"), seconds=1.0, warmup=0)

    assert 2 <= paced.requests <= 11
    assert flat_out.requests > paced.requests


@pytest.mark.postgres
def test_the_runner_runs_end_to_end_on_postgresql(test_database_url, tmp_path):
    """bench/run.py as `make bench` runs it, at the tiny scale, into a fresh database of the test cluster."""
    import psycopg2

    server = test_database_url.rsplit("/", 1)[0]
    name = f"bench_smoke_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(f"{server}/postgres")
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}")
    output = tmp_path / "result.json"
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("TESTING", "DATABASE_URL")}
        command = [sys.executable, "bench/run.py", "--scale", "tiny", "--database", "postgres", "--quiet", "--smoke"]
        command += ["--database-url", f"{server}/{name}", "--seconds", "0.3", "--clients", "2", "--writes", "20"]
        command += ["--think", "0.05"]
        command += ["--output", str(output)]
        finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
        assert finished.returncode == 0, finished.stderr[-3000:]
    finally:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()

    summary = json.loads(output.read_text())
    (report,) = summary["runs"]
    assert report["database"] == "postgresql"
    assert report["rebuild"]["ratio"] is not None
    assert report["pages"]["my_week"]["requests"] > 0
    assert report["pages_users"]["my_week"]["requests"] > 0  # the run with think time, then the saturated one
    assert "0.05 s think time" in finished.stdout and "saturated, no think time" in finished.stdout
    assert "Targets" in finished.stdout
    # As in production: the POSTs enqueue, a real Celery worker refreshes (eager only without redis-server).
    assert report["conn_max_age"] == 60
    if shutil.which("redis-server"):
        assert report["refresh_mode"] == "celery", report["refresh_mode_note"]
        assert report["pages"]["log"]["requests"] > 0 and report["pages"]["log"]["errors"] == 0
        assert report["refresh_catch_up"]["marks_left"] == 0
    else:
        assert report["refresh_mode"] == "eager" and "fell back" in report["refresh_mode_note"]
        assert "fell back to eager" in finished.stderr
