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

Where each part lives: ``measure`` (rebuild and refresh), ``pages`` (queries per page,
pages under load), ``servers`` (gunicorn, Redis and the Celery worker), ``report``
(targets and the table); this module runs them per database.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate import SCALES  # noqa: E402
from bench.measure import measure_rebuild, measure_refresh, timed  # noqa: E402
from bench.pages import count_queries, load_pages, page_plan  # noqa: E402
from bench.report import TARGETS, machine, render  # noqa: E402
from bench.servers import gunicorn, refresh_services, wait_for_refresh  # noqa: E402

# What the smoke test and the Makefile reach through this module.
__all__ = ["count_queries", "load_pages", "main", "measure_rebuild", "measure_refresh", "page_plan", "render"]

RESULTS = ROOT / "bench" / "results"
SQLITE_MAX = (20, 1.0)  # the embedded default is measured at no more than this
DEFAULT_SECONDS = {"tiny": 1.0, "small": 10.0, "standard": 20.0, "stress": 20.0}


# --- in the child: one database ----------------------------------------------------------------


def child(args) -> dict:
    """Everything for one database, in this process (DATABASE_URL set by the parent)."""
    from bench.generate import setup_django

    setup_django()
    from django.db import connection

    from dashboards import rollups

    report: dict = {"database": connection.vendor, "reps": args.reps, "years": args.years}
    say = (
        (lambda text: None)
        if args.quiet
        else (lambda text: print(f"[{connection.vendor}] {text}", file=sys.stderr, flush=True))
    )
    report["rows"] = _fill(args, say)
    say("first rebuild")
    report["first_rebuild_seconds"] = round(timed(rollups.rebuild)[0], 2)
    say("rebuild against the floor")
    report["rebuild"] = measure_rebuild()
    say("incremental refresh")
    report["refresh"] = measure_refresh(writes=args.writes)
    plan = page_plan(args.clients)
    say("queries per page")
    report["queries"] = count_queries(plan)
    if args.seconds > 0:
        say(f"pages under load ({args.clients} clients, {args.seconds:g} s each)")
        rollups.drain()  # the query counts' POSTs left marks (Celery not eager in this process)
        report.update(_under_load(args, plan, report["queries"], say))
    return report


def _fill(args, say) -> dict:
    """Migrate and generate the organisation (the rollups left empty); on PostgreSQL, vacuum."""
    from django.core.management import call_command
    from django.db import connection

    from bench.generate import generate

    say("migrating")
    call_command("migrate", verbosity=0, interactive=False)
    say(f"generating {args.reps} reps x {args.years:g} years")
    rows = generate(reps=args.reps, years=args.years, seed=args.seed, quiet=args.quiet, rebuild=False)
    if connection.vendor == "postgresql":
        # As autovacuum would have by now on a database in use; left to it, it would start
        # on the ten million new rows in the middle of the measurements.
        say("vacuuming the new rows")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    return rows


def _under_load(args, plan: list[dict], queries: dict, say) -> dict:
    """The pages under load behind gunicorn, the rollups refreshed as deployed."""
    from django.db import connection

    report: dict = {}
    conn_max_age = args.conn_max_age if connection.vendor == "postgresql" else 0
    with refresh_services(args.database_url, vendor=connection.vendor, eager=args.eager) as refresh:
        say(f"rollup refresh under load: {refresh['mode']} ({refresh['note']})")
        with gunicorn(
            args.database_url,
            workers=args.workers,
            smoke=args.smoke,
            redis_url=refresh["redis_url"],
            conn_max_age=conn_max_age,
        ) as base:
            # People at work first (think time), then the same clients with none (saturation).
            if args.think > 0:
                say(f"... as people: {args.think:g} s think time (0.5-1.5x)")
                report["pages_users"] = load_pages(base, plan, seconds=args.seconds, queries=queries, think=args.think)
            say("... saturated: no think time")
            report["pages"] = load_pages(base, plan, seconds=args.seconds, queries=queries)
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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    reps, years = SCALES[args.scale]
    args.reps, args.years = args.reps or reps, args.years or years
    if args.seconds is None:
        args.seconds = DEFAULT_SECONDS.get(args.scale, 10.0)

    if args.child:
        report = child(args)
        args.json.write_text(json.dumps(report, indent=2, default=str))
        return 0

    summary = _run_all(args)
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


def _parser() -> argparse.ArgumentParser:
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
    return parser


def _run_all(args) -> dict:
    """A child per database asked for, SQLite at no more than ``SQLITE_MAX``."""
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
    return summary


if __name__ == "__main__":
    sys.exit(main())
