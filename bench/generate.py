"""Generate a realistic sales organisation of any size in the configured database.

    .venv/bin/python bench/generate.py --reps 250 --years 3 [--seed 1] [--flush]

Teams of ten reps with their managers under one director, territories, two
pipelines, an address book, quotas and ramped goals, deals whose stage
histories follow each rep's habits (conversion, speed, deal size; some moved
backwards, some skipping a stage, some reopened after being lost, some left to
rot), and about 50 activities per rep per working day (calls, emails,
meetings, demos, prospecting, follow-ups and non-selling time), each linked to
the rep's contacts, companies and the deals open that day, with the stage the
deal sat in at the time. Local ``day`` columns are the organisation's time
zone, which the bench leaves at UTC.

Rows are written the way a bulk loader writes them, not through the domain
services: COPY from an in-memory buffer on PostgreSQL (with the big tables'
secondary indexes and foreign keys dropped during the load and rebuilt and
validated afterwards), batched INSERTs on SQLite. Every row keeps the rules the
services enforce (a stage change chain per deal, closed deals with a close
date and, when lost, a reason, no call in the future). The standard
organisation (250 reps x 3 years: about 10 M activities, 190,000 deals and
850,000 stage changes) takes a few minutes on two cores. Afterwards the
dashboard tables are rebuilt with ``dashboards.rollups.rebuild()``.

One module per step, in the order they run: ``generate_people`` (reference data,
people, habits, address book), ``generate_deals``, ``generate_activity``,
``generate_quotas``; ``rows`` holds how rows are written.

Every user's password is ``bench``: reps ``rep0001``..., managers
``manager001``..., ``director`` and ``admin``.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the repository is not
    sys.path.insert(0, str(ROOT))

from bench.generate_activity import write_activities  # noqa: E402
from bench.generate_deals import write_deals  # noqa: E402
from bench.generate_people import PASSWORD, create_organisation, rep_habits, write_address_book  # noqa: E402
from bench.generate_quotas import write_quotas_and_goals  # noqa: E402
from bench.rows import Writer, say, working_days  # noqa: E402

__all__ = ["PASSWORD", "SCALES", "generate", "main", "setup_django"]

# Named sizes, used by bench/run.py and the Makefile.
SCALES = {
    "tiny": (4, 0.1),  # the smoke test: two teams of two, five weeks
    "small": (20, 1),  # `make bench`
    "standard": (250, 3),  # `make bench-large`: the organisation of the targets
    "stress": (1000, 3),
}


def generate(
    *,
    reps: int,
    years: float,
    seed: int = 1,
    today: date | None = None,
    stream=None,
    quiet: bool = False,
    rebuild: bool = True,
) -> dict:
    """Write the organisation; return how many rows of each kind were written and how long it took."""
    from django.db import connection

    from quotas.models import OrgSettings

    stream = stream or sys.stderr
    started = time.monotonic()
    rng = random.Random(seed)
    today = today or datetime.now(UTC).date()
    end = today - timedelta(days=1)  # history up to yesterday; meetings booked for the week ahead
    start = end - timedelta(days=max(round(years * 365), 7))
    writer = Writer(connection)
    org = OrgSettings.load()

    organisation = create_organisation(reps=reps, start=start, org=org)
    people = organisation.reps
    counts: dict[str, int] = {"users": len(people) + len(organisation.teams) + 2, "teams": len(organisation.teams) + 1}
    habits = rep_habits(reps=people, seed=seed, start=start, end=end)
    book, written = write_address_book(
        rng=rng, writer=writer, reps=people, habits=habits, sources=organisation.sources, start=start
    )
    counts.update(written)
    days = working_days(start, end)
    tracks, written = write_deals(
        writer=writer, organisation=organisation, habits=habits, book=book, days=days, end=end, seed=seed,
        stream=stream, quiet=quiet,
    )  # fmt: skip
    counts.update(written)
    counts["activities"] = write_activities(
        writer=writer, reps=people, habits=habits, book=book, tracks=tracks, days=days,
        sources=organisation.sources, today=today, seed=seed, stream=stream, quiet=quiet,
    )  # fmt: skip
    counts.update(
        write_quotas_and_goals(
            reps=people, teams=organisation.teams, department=organisation.department, habits=habits,
            start=start, today=today, admin=organisation.admin, org=org,
        )
    )  # fmt: skip
    counts["generate_seconds"] = round(time.monotonic() - started, 1)
    if rebuild:
        counts["rebuild_seconds"] = _rebuild(None if quiet else stream)
    return counts


def _rebuild(stream) -> float:
    from dashboards import rollups

    say(stream, "Rebuilding the dashboard tables...\n")
    began = time.monotonic()
    rollups.rebuild()
    return round(time.monotonic() - began, 2)


def _empty_database() -> bool:
    from accounts.models import User
    from activities.models import Activity

    return not User.objects.exists() and not Activity.objects.exists()


def setup_django() -> None:
    """Configure Django for a script run from anywhere (the repository root on the path)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salestracker.settings")
    import django

    django.setup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate a realistic sales organisation in DATABASE_URL.")
    parser.add_argument("--reps", type=int, default=250, help="number of reps, in teams of ten (default 250)")
    parser.add_argument("--years", type=float, default=3, help="years of history (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--flush", action="store_true", help="empty the database first (never a real one!)")
    parser.add_argument("--no-migrate", action="store_true", help="the schema is already there")
    parser.add_argument("--no-rebuild", action="store_true", help="leave the dashboard tables empty")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    if not args.no_migrate:
        call_command("migrate", verbosity=0, interactive=False)
    if args.flush:
        call_command("flush", verbosity=0, interactive=False)
    elif not _empty_database():
        print(
            "The database already holds users or activities; the generator only fills an empty one "
            "(use a throwaway database, or --flush on one you mean to wipe).",
            file=sys.stderr,
        )
        return 2
    print(f"Generating {args.reps} reps x {args.years:g} years into {connection.vendor}...", file=sys.stderr)
    counts = generate(reps=args.reps, years=args.years, seed=args.seed, quiet=args.quiet, rebuild=not args.no_rebuild)
    print(", ".join(f"{key}: {value:,}" for key, value in counts.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
