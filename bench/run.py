"""Measure the product on a generated organisation, print a table and write JSON.

    .venv/bin/python bench/run.py --scale small      # `make bench`: 20 reps x 1 year, PostgreSQL and SQLite
    .venv/bin/python bench/run.py --scale standard   # `make bench-large`: 250 reps x 3 years on PostgreSQL

For each database (a throwaway PostgreSQL cluster started like the test suite's,
or ``--database-url`` of an *empty* database; and the embedded SQLite default in
a temporary file, at no more than 20 reps x 1 year) it runs, in a child process:

1. the generator (``bench/generate.py``) and, on PostgreSQL, a ``VACUUM (ANALYZE)``;
   then a full rollup rebuild timed against the floor: one raw ``GROUP BY (owner, day,
   kind)`` over the activities plus one ``GROUP BY (owner, to_stage, day)`` over the
   stage changes, computing the same sums the rollups keep (each the best of two runs);
2. incremental refresh: one activity logged (and one deal moved) through the domain
   services, then ``rollups.drain()`` timed; then 1,000 writes spread over every rep
   and many days, and one drain;
3. SQL queries per page, with Django's test client in-process (a warm request);
4. pages under load: gunicorn on loopback with production settings (DEBUG off, a
   secret key, allowed hosts, static files collected and served by WhiteNoise,
   ``X-Forwarded-Proto: https`` as from the TLS proxy), ``--clients`` signed-in
   clients per page (closed loop), p50/p95/p99, throughput and errors; then the same
   clients POSTing activities through the quick-log panel. A page whose URL does not
   exist yet is "missing". How the rollups are refreshed follows the deployment:
   - PostgreSQL runs as ``docker-compose.yml`` does: a real redis-server and a real
     Celery worker (``tests/services.py``), gunicorn with ``REDIS_URL``, so a POST
     only writes its dirty marks and enqueues, and the worker refreshes the rollups
     asynchronously; gunicorn also gets ``CONN_MAX_AGE`` (60 s by default,
     ``--conn-max-age``). Without redis-server (or with ``--eager``) it falls back
     to eager and says so.
   - SQLite is the embedded default: no REDIS_URL, Celery eager, each write
     refreshes its rollups inside the request; ``CONN_MAX_AGE`` 0.
   After the POSTs, the time the worker takes to clear every dirty mark is shown.

The results go to ``bench/results/<date>-<scale>.json``; the figures are checked
against the targets of the scale issue and printed.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import loadgen  # noqa: E402
from bench.generate import PASSWORD, SCALES  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SQLITE_MAX = (20, 1.0)  # the embedded default is measured at no more than this
TARGETS = {
    "rebuild_ratio": 3.0,  # rebuild within 3x of the raw GROUP BY floor
    "refresh_one_ms": 50.0,  # refresh after one write
    "page_p95_ms": 150.0,  # every page, 10 concurrent clients, zero errors
    "log_p95_ms": 100.0,  # logging an activity
}
SINGLE_WRITES = 20  # single writes (and deal moves) whose refresh is timed one by one
DEFAULT_SECONDS = {"tiny": 1.0, "small": 10.0, "standard": 20.0, "stress": 20.0}

# (key, label, who opens it, how to find its URL)
PAGES = [
    ("my_week", "rep home (my week)", "rep", "dashboards:my_week"),
    ("team", "team dashboard", "manager", "dashboards:team"),
    ("one_on_one", "one-on-one", "manager", "one_on_one"),
    ("board", "kanban board", "rep", "pipeline:pipeline_board"),
    ("activities", "activity list", "rep", "activities:list"),
]
LOG = ("log", "log an activity (POST)", "rep", "activities:log")


# --- in the child: measurements ---------------------------------------------------------------


def _timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return time.perf_counter() - started, value


def _floor_sql(vendor: str) -> list[tuple[str, str]]:
    """The raw GROUP BYs: the least work any rebuild has to do over the same source rows."""
    from activities.models import HELD_OUTCOMES, MEETING_KINDS, Activity
    from pipeline.models import StageChange

    held = ", ".join(f"'{o}'" for o in sorted(HELD_OUTCOMES))
    meetings = ", ".join(f"'{k}'" for k in sorted(MEETING_KINDS))
    if vendor == "postgresql":
        stay = "EXTRACT(EPOCH FROM changed_at - from_entered_at) / 86400.0"
    else:
        stay = "julianday(changed_at) - julianday(from_entered_at)"
    activities = f"""
        SELECT count(*), sum(n), sum(m), sum(c), sum(r), sum(h), sum(p) FROM (
            SELECT owner_id, day, kind, count(*) AS n, sum(duration_minutes) AS m,
                sum(CASE WHEN outcome = 'connected' THEN 1 ELSE 0 END) AS c,
                sum(CASE WHEN outcome = 'replied' THEN 1 ELSE 0 END) AS r,
                sum(CASE WHEN kind IN ({meetings}) AND outcome IN ({held}) THEN 1 ELSE 0 END) AS h,
                sum(CASE WHEN outcome = 'positive' THEN 1 ELSE 0 END) AS p
            FROM {Activity._meta.db_table} GROUP BY owner_id, day, kind) AS grouped"""
    changes = f"""
        SELECT count(*), sum(n), sum(d) FROM (
            SELECT owner_id, to_stage_id, day, count(*) AS n, sum({stay}) AS d
            FROM {StageChange._meta.db_table} GROUP BY owner_id, to_stage_id, day) AS grouped"""
    return [
        ("activities GROUP BY (owner, day, kind)", activities),
        ("stage changes GROUP BY (owner, stage, day)", changes),
    ]


def measure_rebuild(*, repeat: int = 2) -> dict:
    """Full rebuild time against the floor, each the best of ``repeat`` runs (this machine's
    seconds move 10-30 % between runs of the same statement)."""
    from django.db import connection

    from dashboards import rollups

    floor = {}
    with connection.cursor() as cursor:
        for label, sql in _floor_sql(connection.vendor):
            best = None
            for _ in range(repeat):
                seconds, _rows = _timed(lambda s=sql: (cursor.execute(s), cursor.fetchall()))
                best = seconds if best is None else min(best, seconds)
            floor[label] = round(best, 3)
    floor_seconds = sum(floor.values())
    rebuild_seconds = min(_timed(rollups.rebuild)[0] for _ in range(repeat))
    return {
        "rebuild_seconds": round(rebuild_seconds, 3),
        "floor_seconds": round(floor_seconds, 3),
        "floor": floor,
        "ratio": round(rebuild_seconds / floor_seconds, 2) if floor_seconds else None,
    }


def _people():
    from accounts.models import Role, User

    reps = list(User.objects.filter(role=Role.REP).order_by("username"))
    managers = list(User.objects.filter(role=Role.MANAGER, managed_teams__parent__isnull=False).order_by("username"))
    return reps, managers


def measure_refresh(*, writes: int = 1000, seed: int = 7) -> dict:
    """Refresh time after one write (an activity; a deal moved) and after ``writes`` writes
    spread over every rep and the last 90 days, each written through the domain services
    in its own transaction, as requests do. Needs Celery not eager (the child sets it)."""
    import random

    from django.db import transaction
    from django.utils import timezone

    from activities import services as activity_services
    from dashboards import rollups
    from dashboards.models import DirtyMark
    from pipeline import services as pipeline_services
    from pipeline.models import Deal, Stage, StageKind

    rng = random.Random(seed)
    reps, _managers = _people()
    rollups.drain()  # start from a clean slate
    now = timezone.now()

    def log_one(rep, days_ago: int = 0):
        with transaction.atomic():
            activity_services.activity_log(
                owner=rep,
                by=rep,
                kind="call",
                outcome="connected",
                duration_minutes=5,
                occurred_at=now - timedelta(days=days_ago, minutes=rng.randint(1, 600)),
            )

    def move_one(deal):
        stages = list(Stage.objects.filter(pipeline_id=deal.pipeline_id, kind=StageKind.OPEN).order_by("order"))
        target = next((s for s in stages if s.order > deal.stage.order), stages[0])
        with transaction.atomic():
            pipeline_services.deal_move(deal=deal, to_stage=target, by=deal.owner)

    # Twenty of each, the deals drawn at random: a plan that goes wrong for some reps'
    # histories only (one did, taking 1.2 s instead of 40 ms) shows in the p95 and the max.
    one_write, one_move = [], []
    write_seconds, move_write_seconds = [], []
    for _ in range(SINGLE_WRITES):
        seconds, _ = _timed(log_one, rng.choice(reps))
        write_seconds.append(seconds)
        one_write.append(_timed(rollups.drain)[0])
    open_ids = list(Deal.objects.filter(stage__kind=StageKind.OPEN).order_by("pk").values_list("pk", flat=True))
    sample = rng.sample(open_ids, min(SINGLE_WRITES, len(open_ids)))
    for deal in Deal.objects.filter(pk__in=sample).select_related("stage").order_by("pk"):
        move_write_seconds.append(_timed(move_one, deal)[0])
        one_move.append(_timed(rollups.drain)[0])

    movable = list(Deal.objects.filter(stage__kind=StageKind.OPEN).select_related("stage").order_by("?")[:100])
    started = time.perf_counter()
    for number in range(writes):
        if number % 10 == 9 and movable:
            move_one(movable.pop())
        else:
            log_one(reps[number % len(reps)], days_ago=rng.randint(0, 90))
    batch_write_seconds = time.perf_counter() - started
    marks = DirtyMark.objects.count()
    drain_seconds, _cleared = _timed(rollups.drain)
    return {
        "one_activity_ms": _ms(statistics.median(one_write)),
        "one_activity_p95_ms": _ms(_p95(one_write)),
        "one_activity_max_ms": _ms(max(one_write)),
        "one_move_ms": _ms(statistics.median(one_move)) if one_move else None,
        "one_move_p95_ms": _ms(_p95(one_move)) if one_move else None,
        "one_move_max_ms": _ms(max(one_move)) if one_move else None,
        "write_in_process_ms": _ms(statistics.median(write_seconds)),
        "move_in_process_ms": _ms(statistics.median(move_write_seconds)) if move_write_seconds else None,
        "batch_writes": writes,
        "batch_write_seconds": round(batch_write_seconds, 2),
        "batch_marks": marks,
        "batch_drain_ms": _ms(drain_seconds),
        "batch_drain_per_write_ms": round(drain_seconds * 1000 / writes, 2),
    }


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _url_for(name: str, user, team_rep=None) -> str | None:
    """The page's URL for ``user``, or None when the app has no such page (yet)."""
    from django.urls import NoReverseMatch, get_resolver, reverse

    from pipeline.models import Pipeline

    if name == "one_on_one":
        names = sorted(n for n in get_resolver().reverse_dict if isinstance(n, str) and "one_on_one" in n) + sorted(
            f"{ns}:{n}"
            for ns, (_prefix, resolver) in get_resolver().namespace_dict.items()
            for n in resolver.reverse_dict
            if isinstance(n, str) and "one_on_one" in n
        )
        for candidate in sorted(names, key=lambda n: n != "dashboards:one_on_one"):
            for args in ([team_rep.pk], [team_rep.username]) if team_rep else ([],):
                try:
                    return reverse(candidate, args=args)
                except NoReverseMatch:
                    continue
        return None
    try:
        if name == "pipeline:pipeline_board":
            pipeline = Pipeline.objects.filter(is_active=True).order_by("name").first()
            return reverse(name, args=[pipeline.pk]) if pipeline else None
        return reverse(name)
    except NoReverseMatch:
        return None


def _team_rep(manager, reps):
    from accounts.models import Team

    team_ids = Team.managed_team_ids(manager)
    return next((r for r in reps if r.team_id in team_ids), None)


def page_plan(clients: int) -> list[dict]:
    """Each page with, per client, who signs in and the URL they open (None: missing)."""
    reps, managers = _people()
    plan = []
    for key, label, role, name in [*PAGES, LOG]:
        people = reps if role == "rep" else managers
        visits = []
        for number in range(clients):
            user = people[number % len(people)]
            url = _url_for(name, user, _team_rep(user, reps) if role == "manager" else None)
            visits.append((user.username, url))
        plan.append({"key": key, "label": label, "role": role, "visits": visits})
    return plan


LOG_FORM = {"kind": "call", "outcome": "connected", "duration_minutes": "5", "who": "", "notes": "bench"}


def count_queries(plan: list[dict]) -> dict:
    """SQL queries per page for its first visitor, on a warm second request (in-process),
    and on a cold one: after the organisation's figure version moved, as after any
    change, so the dashboards' cached figures are computed afresh."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from dashboards import figure_cache

    counts = {}
    for page in plan:
        username, url = page["visits"][0]
        if url is None:
            counts[page["key"]] = {"queries": None, "status": "missing"}
            continue
        client = Client(HTTP_X_FORWARDED_PROTO="https")
        client.force_login(User.objects.get(username=username))
        if page["key"] == "log":
            headers = {"HX-Request": "true"}
            client.post(url, LOG_FORM, headers=headers)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.post(url, LOG_FORM, headers=headers)
                elapsed = time.perf_counter() - started
        else:
            client.get(url)
            figure_cache.bump_organisation()
            with CaptureQueriesContext(connection) as cold:
                started = time.perf_counter()
                client.get(url)
                cold_elapsed = time.perf_counter() - started
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - started
            counts[page["key"]] = {"cold_queries": len(cold), "cold_in_process_ms": _ms(cold_elapsed)}
        status = "missing" if response.status_code == 404 else response.status_code
        counts.setdefault(page["key"], {}).update(
            {"queries": len(queries), "status": status, "in_process_ms": _ms(elapsed)}
        )
    return counts


def load_pages(base_url: str, plan: list[dict], *, seconds: float, queries: dict, think: float = 0.0) -> dict:
    """Every page under load from signed-in clients, then quick-log POSTs; ``think``: each
    client's pause between an answer and its next request (``loadgen.run``)."""
    sessions: dict[str, loadgen.Session] = {}

    def session_for(username: str, number: int) -> loadgen.Session:
        key = f"{username}#{number}"
        if key not in sessions:
            session = loadgen.Session(base_url)
            session.login(username, PASSWORD)
            sessions[key] = session
        return sessions[key]

    results = {}
    for page in plan:
        if any(url is None for _u, url in page["visits"]) or queries.get(page["key"], {}).get("status") == "missing":
            results[page["key"]] = {"status": "missing"}
            continue
        clients = [session_for(username, number) for number, (username, _url) in enumerate(page["visits"])]
        urls = {id(s): url for s, (_u, url) in zip(clients, page["visits"], strict=True)}
        if page["key"] == "log":

            def step(session, number, urls=urls):
                return (
                    "POST",
                    urls[id(session)],
                    LOG_FORM | {"csrfmiddlewaretoken": session.csrf_token()},
                    {"HX-Request": "true"},
                )

        else:

            def step(session, number, urls=urls):
                return "GET", urls[id(session)], None, None

        result = loadgen.run(page["label"], clients, step, seconds=seconds, think=think)
        results[page["key"]] = result.summary()
    for session in sessions.values():
        session.close()
    return results


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def refresh_services(database_url: str, *, vendor: str, eager: bool = False):
    """How writes refresh the rollups while the pages are under load, as deployed.

    PostgreSQL: a real redis-server and a real Celery worker (one process, solo pool)
    on the same database, as in ``docker-compose.yml``; yields
    ``{"mode": "celery", "redis_url": ...}``. SQLite (the embedded default), ``eager``,
    or no redis-server installed: ``{"mode": "eager", "redis_url": "", "note": why}``."""
    from contextlib import ExitStack

    from tests.services import ServiceUnavailable, celery_worker, redis_server

    if vendor != "postgresql":
        yield {"mode": "eager", "redis_url": "", "note": "embedded default: no Redis, refresh inside the request"}
        return
    if eager:
        yield {"mode": "eager", "redis_url": "", "note": "--eager: no Redis, refresh inside the request"}
        return
    with ExitStack() as stack:
        try:
            redis_url = stack.enter_context(redis_server())
            stack.enter_context(celery_worker(redis_url=redis_url, database_url=database_url))
        except (ServiceUnavailable, RuntimeError) as exc:
            stack.close()
            note = f"fell back to eager (refresh inside the request): {str(exc).splitlines()[0]}"
            print(f"[bench] {note}", file=sys.stderr, flush=True)
            yield {"mode": "eager", "redis_url": "", "note": note}
            return
        yield {"mode": "celery", "redis_url": redis_url, "note": "Redis + one Celery worker (solo pool)"}


def wait_for_refresh(*, timeout: float = 300.0) -> dict:
    """After the load: how long until every dirty mark is cleared (the worker caught up)."""
    from dashboards.models import DirtyMark

    pending = DirtyMark.objects.count()
    started = time.monotonic()
    left = pending
    while left and time.monotonic() - started < timeout:
        time.sleep(0.2)
        left = DirtyMark.objects.count()
    return {"marks_pending": pending, "marks_left": left, "seconds": round(time.monotonic() - started, 2)}


@contextmanager
def gunicorn(database_url: str, *, workers: int, smoke: bool = False, redis_url: str = "", conn_max_age: int = 0):
    """gunicorn on loopback with production settings; yields its base URL.

    ``redis_url`` empty: Celery runs eagerly in the request (the embedded mode); set:
    a POST enqueues its refresh for the worker. ``smoke`` (the CI smoke test only) adds
    the test settings block: a fast password hasher and the plain static storage,
    which needs no collectstatic (~15 s)."""
    folder = Path(tempfile.mkdtemp(prefix="salestracker-bench-web-"))
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        # As docker-compose.yml: with Redis, the cache is a Redis database of its own.
        "CACHE_URL": redis_url.rsplit("/", 1)[0] + "/1" if redis_url else "locmemcache://",
        "CONN_MAX_AGE": str(conn_max_age),
        "STATIC_ROOT": str(folder / "static"),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    env.pop("TESTING", None)
    if smoke:
        env["TESTING"] = "1"
    else:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
    log = open(folder / "gunicorn.log", "w")  # noqa: SIM115 (closed in finally)
    command = [sys.executable, "-m", "gunicorn", "salestracker.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {(folder / 'gunicorn.log').read_text()}")
            try:
                status, _body, _s = loadgen.Session(base).request("GET", "/accounts/login/")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def child(args) -> dict:
    """Everything for one database, in this process (DATABASE_URL set by the parent)."""
    from bench.generate import generate, setup_django

    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from dashboards import rollups

    report: dict = {"database": connection.vendor, "reps": args.reps, "years": args.years}
    say = (lambda text: None) if args.quiet else (lambda text: print(text, file=sys.stderr, flush=True))
    say(f"[{connection.vendor}] migrating")
    call_command("migrate", verbosity=0, interactive=False)
    say(f"[{connection.vendor}] generating {args.reps} reps x {args.years:g} years")
    report["rows"] = generate(reps=args.reps, years=args.years, seed=args.seed, quiet=args.quiet, rebuild=False)
    if connection.vendor == "postgresql":
        # As autovacuum would have by now on a database in use; left to it, it would start
        # on the ten million new rows in the middle of the measurements.
        say("[postgresql] vacuuming the new rows")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    say(f"[{connection.vendor}] first rebuild")
    report["first_rebuild_seconds"] = round(_timed(rollups.rebuild)[0], 2)
    say(f"[{connection.vendor}] rebuild against the floor")
    report["rebuild"] = measure_rebuild()
    say(f"[{connection.vendor}] incremental refresh")
    report["refresh"] = measure_refresh(writes=args.writes)
    plan = page_plan(args.clients)
    say(f"[{connection.vendor}] queries per page")
    report["queries"] = count_queries(plan)
    if args.seconds > 0:
        say(f"[{connection.vendor}] pages under load ({args.clients} clients, {args.seconds:g} s each)")
        rollups.drain()  # the query counts' POSTs left marks (Celery not eager in this process)
        conn_max_age = args.conn_max_age if connection.vendor == "postgresql" else 0
        with refresh_services(args.database_url, vendor=connection.vendor, eager=args.eager) as refresh:
            say(f"[{connection.vendor}] rollup refresh under load: {refresh['mode']} ({refresh['note']})")
            with gunicorn(
                args.database_url,
                workers=args.workers,
                smoke=args.smoke,
                redis_url=refresh["redis_url"],
                conn_max_age=conn_max_age,
            ) as base:
                # People at work first (think time), then the same clients with none (saturation).
                if args.think > 0:
                    say(f"[{connection.vendor}] ... as people: {args.think:g} s think time (0.5-1.5x)")
                    report["pages_users"] = load_pages(
                        base, plan, seconds=args.seconds, queries=report["queries"], think=args.think
                    )
                say(f"[{connection.vendor}] ... saturated: no think time")
                report["pages"] = load_pages(base, plan, seconds=args.seconds, queries=report["queries"])
            catch_up = wait_for_refresh() if refresh["mode"] == "celery" else None
        report["refresh_mode"] = refresh["mode"]
        report["refresh_mode_note"] = refresh["note"]
        report["refresh_catch_up"] = catch_up
        report["conn_max_age"] = conn_max_age
        report["workers"] = args.workers
        report["clients"] = args.clients
        report["think"] = args.think
    return report


# --- in the parent: databases, table, JSON ---------------------------------------------------


@contextmanager
def postgres_database(url: str | None):
    """An empty PostgreSQL database: ``url`` as given, or a throwaway cluster (fsync off)
    started the way the test suite starts one, removed afterwards."""
    if url:
        yield url
        return
    from tests.services import postgres_server

    with postgres_server() as server:
        yield server


def run_child(database_url: str, args, reps: int, years: float, out: Path) -> dict:
    command = [sys.executable, str(Path(__file__)), "--child", "--json", str(out)]
    command += ["--reps", str(reps), "--years", str(years), "--seed", str(args.seed)]
    command += ["--seconds", str(args.seconds), "--clients", str(args.clients), "--workers", str(args.workers)]
    command += ["--writes", str(args.writes), "--database-url", database_url]
    command += ["--conn-max-age", str(args.conn_max_age), "--think", str(args.think)]
    if args.eager:
        command.append("--eager")
    if args.quiet:
        command.append("--quiet")
    if args.smoke:
        command.append("--smoke")
    env = {**os.environ, "DATABASE_URL": database_url, "CELERY_TASK_ALWAYS_EAGER": "0", "REDIS_URL": ""}
    env["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    env.setdefault("LOG_LEVEL", "WARNING")  # no sign-in chatter from django-axes between the figures
    env.pop("TESTING", None)
    if args.smoke:
        env["TESTING"] = "1"  # passwords hashed as the smoke test's server checks them
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return json.loads(out.read_text())


def check_targets(report: dict) -> list[tuple[str, str, bool | None]]:
    """(what, measured, met) for every target; None when not measured."""
    checks = []
    ratio = report.get("rebuild", {}).get("ratio")
    checks.append(("rebuild within 3x of the floor", f"{ratio}x", ratio is not None and ratio <= 3.0))
    refresh = report.get("refresh", {})
    for key, label in (("one_activity_ms", "activity"), ("one_move_ms", "deal move")):
        value = refresh.get(key)
        checks.append(
            (f"refresh after one write ({label}) < 50 ms", f"{value} ms", None if value is None else value < 50)
        )
    for run_key, how in _load_runs(report):
        for key, label, _role, _name in [*PAGES, LOG]:
            page = report[run_key].get(key)
            limit = TARGETS["log_p95_ms"] if key == "log" else TARGETS["page_p95_ms"]
            what = f"{label} ({how}): p95 < {limit:g} ms, no errors"
            if not page or page.get("status") == "missing":
                checks.append((what, "missing", None))
                continue
            met = page["p95_ms"] is not None and page["p95_ms"] < limit and page["errors"] == 0
            checks.append((what, f"{page['p95_ms']} ms, {page['errors']} errors", met))
    return checks


def _load_runs(report: dict) -> list[tuple[str, str]]:
    """The load runs in ``report``: (its key, how the clients behaved)."""
    runs = []
    if report.get("pages_users"):
        runs.append(("pages_users", f"{report.get('think', 1):g} s think time"))
    if report.get("pages"):
        runs.append(("pages", "saturated, no think time"))
    return runs


def _page_table(report: dict, pages: dict) -> list[str]:
    """One load run's figures, a line per page."""
    lines = [
        f"   {'page':<26}{'queries':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>8}{'requests':>9}{'errors':>7}"
    ]
    for key, label, _role, _name in [*PAGES, LOG]:
        q = report.get("queries", {}).get(key, {})
        p = pages.get(key, {})
        if q.get("status") == "missing" or p.get("status") == "missing":
            lines.append(f"   {label:<26}{'missing':>8}")
            continue

        def cell(value, width):
            return f"{'-' if value is None else value:>{width}}"

        lines.append(
            f"   {label:<26}{cell(q.get('queries'), 8)}{cell(p.get('p50_ms'), 9)}{cell(p.get('p95_ms'), 9)}"
            f"{cell(p.get('p99_ms'), 9)}{cell(p.get('throughput_rps'), 8)}{cell(p.get('requests'), 9)}"
            f"{cell(p.get('errors'), 7)}"
        )
        if p.get("first_error"):
            lines.append(f"      first error: {p['first_error']}")
    return lines


def render(report: dict) -> str:
    """The human table for one database."""
    lines = []
    rows = report.get("rows", {})
    lines.append(
        f"== {report['database']}: {report['reps']} reps x {report['years']:g} years — "
        f"{rows.get('activities', 0):,} activities, {rows.get('deals', 0):,} deals, "
        f"{rows.get('stage_changes', 0):,} stage changes (generated in {rows.get('generate_seconds')} s)"
    )
    rebuild = report.get("rebuild", {})
    lines.append("")
    lines.append("1. Full rebuild against the raw GROUP BY floor")
    for label, seconds in rebuild.get("floor", {}).items():
        lines.append(f"   floor: {label:<46} {seconds:>9.3f} s")
    lines.append(f"   floor total {'':<46} {rebuild.get('floor_seconds', 0):>9.3f} s")
    lines.append(f"   rollups.rebuild() {'':<40} {rebuild.get('rebuild_seconds', 0):>9.3f} s")
    lines.append(f"   ratio {'':<52} {rebuild.get('ratio')}x  (first rebuild: {report.get('first_rebuild_seconds')} s)")
    r = report.get("refresh", {})
    lines.append("")
    lines.append("2. Incremental refresh (rollups.drain())")
    for key, label in (("one_activity", "after 1 activity logged"), ("one_move", "after 1 deal moved")):
        lines.append(
            f"   {label:<30} {r.get(f'{key}_ms')} ms median, p95 {r.get(f'{key}_p95_ms')} ms,"
            f" max {r.get(f'{key}_max_ms')} ms ({SINGLE_WRITES} writes)"
        )
    lines.append(
        f"   after {r.get('batch_writes')} writes ({r.get('batch_marks')} marks)  {r.get('batch_drain_ms')} ms"
        f" ({r.get('batch_drain_per_write_ms')} ms per write)"
    )
    lines.append(f"   one activity_log() in-process  {r.get('write_in_process_ms')} ms (marks included, no refresh)")
    lines.append("")
    lines.append(
        f"3./4. Pages: {report.get('clients', '-')} clients, gunicorn {report.get('workers', '-')} workers,"
        f" closed loop, CONN_MAX_AGE {report.get('conn_max_age', '-')}"
    )
    mode = report.get("refresh_mode")
    if mode:
        how = "Celery worker via Redis (asynchronous)" if mode == "celery" else "eager, inside each write's request"
        lines.append(f"   rollup refresh: {how} — {report.get('refresh_mode_note')}")
    catch_up = report.get("refresh_catch_up")
    if catch_up:
        lines.append(
            f"   after the POSTs: {catch_up['marks_pending']} dirty marks pending, cleared by the worker in"
            f" {catch_up['seconds']} s ({catch_up['marks_left']} left)"
        )
    for run_key, how in _load_runs(report):
        lines.append(f"   -- {how}")
        lines.extend(_page_table(report, report[run_key]))
    lines.append("   -- one request in-process: warm (the figures cached) and cold (after a change)")
    for key, label, _role, _name in PAGES:
        q = report.get("queries", {}).get(key, {})
        if "cold_queries" in q:
            lines.append(
                f"   {label:<26} warm {q['in_process_ms']:>7} ms, {q['queries']:>3} queries;"
                f" cold {q['cold_in_process_ms']:>7} ms, {q['cold_queries']:>3} queries"
            )
    lines.append("")
    lines.append("Targets")
    for what, measured, met in check_targets(report):
        mark = "n/a " if met is None else "PASS" if met else "MISS"
        lines.append(f"   [{mark}] {what:<52} {measured}")
    return "\n".join(lines)


def machine() -> dict:
    import platform

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "date": datetime.now(UTC).date().isoformat(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--reps", type=int, help="override the scale's reps")
    parser.add_argument("--years", type=float, help="override the scale's years")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--database-url", help="an empty PostgreSQL database to use instead of a throwaway cluster")
    parser.add_argument("--seconds", type=float, help="load time per page (0: no load test)")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="seconds each client pauses between requests in the first load run (0.5-1.5x; 0: skip it);"
        " a second run has no pause (saturation)",
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (docker-compose runs 3)")
    parser.add_argument("--writes", type=int, default=1000, help="writes before the batch refresh")
    parser.add_argument(
        "--eager", action="store_true", help="PostgreSQL too: no Redis or Celery worker, refresh inside the request"
    )
    parser.add_argument("--conn-max-age", type=int, default=60, help="gunicorn's CONN_MAX_AGE on PostgreSQL")
    parser.add_argument("--output", type=Path, help="JSON file (default bench/results/<date>-<scale>.json)")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument(
        "--smoke", action="store_true", help="CI smoke test: the server gets the test settings (not production's)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    reps, years = SCALES[args.scale]
    args.reps, args.years = args.reps or reps, args.years or years
    if args.seconds is None:
        args.seconds = DEFAULT_SECONDS.get(args.scale, 10.0)

    if args.child:
        report = child(args)
        args.json.write_text(json.dumps(report, indent=2, default=str))
        return 0

    started = time.monotonic()
    summary = {"scale": args.scale, "machine": machine(), "targets": TARGETS, "runs": []}
    with tempfile.TemporaryDirectory(prefix="salestracker-bench-") as folder:
        work = Path(folder)
        if args.database in ("postgres", "both"):
            with postgres_database(args.database_url) as url:
                summary["runs"].append(run_child(url, args, args.reps, args.years, work / "postgres.json"))
        if args.database in ("sqlite", "both"):
            reps, years = min(args.reps, SQLITE_MAX[0]), min(args.years, SQLITE_MAX[1])
            url = f"sqlite:///{work / 'bench.sqlite3'}"
            summary["runs"].append(run_child(url, args, reps, years, work / "sqlite.json"))
    summary["seconds"] = round(time.monotonic() - started, 1)
    output = args.output or RESULTS / f"{summary['machine']['date']}-{args.scale}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    print()
    print(f"Machine: {summary['machine']['cpus']} CPUs, {summary['machine']['platform']}, {summary['machine']['date']}")
    for report in summary["runs"]:
        print()
        print(render(report))
    print()
    print(f"Written to {output} ({summary['seconds']} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
