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

Every user's password is ``bench``: reps ``rep0001``..., managers
``manager001``..., ``director`` and ``admin``.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import random
import sys
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench"
TEAM_SIZE = 10

# Named sizes, used by bench/run.py and the Makefile.
SCALES = {
    "tiny": (4, 0.1),  # the smoke test: two teams of two, five weeks
    "small": (20, 1),  # `make bench`
    "standard": (250, 3),  # `make bench-large`: the organisation of the targets
    "stress": (1000, 3),
}

TERRITORIES = ["Northeast", "Southeast", "Midwest", "Mountain", "West Coast", "Pacific Northwest", "Texas", "Canada"]
LEAD_SOURCES = ["Website", "Referral", "Outbound", "Event", "Partner", "Webinar"]
COMPETITORS = ["Acme CRM", "Globex Sales Cloud", "Initech Pipeline", "Umbrella Suite"]
LOST_REASONS = ["Price", "Timing", "No decision", "Chose a competitor", "Missing feature"]
SEGMENTS = ["smb", "mid_market", "enterprise", "public"]
WORDS = [
    "Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware", "Proseware", "Adatum", "Wingtip", "Lucerne",
    "Alpine", "Blue Yonder", "Woodgrove", "Humongous", "Trey", "Relecloud", "Southridge", "Wide World",
    "Graphic", "Bellows", "Datum", "Coho", "Fourth Coffee", "Margie", "Munson", "VanArsdel", "Wingtip",
]  # fmt: skip
FIRST = ["Maria", "James", "Wei", "Olivia", "Noah", "Aisha", "Lucas", "Sofia", "Mateo", "Emma", "Hiro", "Fatima"]
LAST = ["Garcia", "Smith", "Chen", "Okafor", "Müller", "Rossi", "Kim", "Novak", "Silva", "Haddad", "Berg", "Ito"]

# name, probability, kind, opportunity, rotting days
NEW_BUSINESS = [
    ("Lead", 10, "open", False, None),
    ("Qualified", 25, "open", True, 21),
    ("Demo", 50, "open", False, None),
    ("Proposal", 70, "open", False, 14),
    ("Negotiation", 85, "open", False, None),
    ("Won", 100, "won", False, None),
    ("Lost", 0, "lost", False, None),
]
RENEWALS = [
    ("Upcoming", 60, "open", False, None),
    ("In talks", 80, "open", True, 30),
    ("Renewed", 100, "won", False, None),
    ("Churned", 0, "lost", False, None),
]

ACTIVITY_FIELDS = (
    "owner", "kind", "outcome", "occurred_at", "day", "duration_minutes", "company", "contact", "deal",
    "deal_stage", "lead_source", "notes", "created_at", "created_day",
)  # fmt: skip
DEAL_FIELDS = (
    "id", "title", "company", "contact", "owner", "pipeline", "stage", "amount", "units", "deal_type",
    "lead_source", "expected_close_date", "closed_on", "lost_reason", "competitor", "stage_entered_at",
    "created_at", "updated_at",
)  # fmt: skip
CHANGE_FIELDS = ("deal", "from_stage", "to_stage", "changed_at", "from_entered_at", "day", "changed_by", "owner")
COMPANY_FIELDS = ("id", "name", "segment", "territory", "employees", "is_customer", "website", "owner", "created_at")
CONTACT_FIELDS = (
    "id", "company", "first_name", "last_name", "title", "phone", "email", "is_decision_maker", "pain_points",
    "lead_source", "owner", "created_at",
)  # fmt: skip

COMPANIES_PER_REP = 120
CONTACTS_PER_COMPANY = 2
# Minutes of the working day (08:00 to 18:00) as "HH:MM:00", precomputed for speed.
_CLOCK = [f"{m // 60:02d}:{m % 60:02d}:00" for m in range(24 * 60)]
_DAY = 86400.0


@dataclass
class Habits:
    """One rep's way of working: volumes per working day, rates, speed and size of deals."""

    calls: float
    connect: float
    emails: float
    reply: float
    prospecting: float
    followups: float
    meetings: float
    positive: float
    non_selling: float
    deals_per_day: float
    deal_size: float
    stage_days: float
    lose: float
    hired: date
    vacation: float = 0.04


@dataclass
class DealTrack:
    """What the activity pass needs of one deal: when it was open and the stage at each moment."""

    id: int
    company_id: int
    contact_id: int | None
    start: float
    end: float
    times: list[float] = field(default_factory=list)
    stages: list[int] = field(default_factory=list)

    def stage_at(self, moment: float) -> int:
        index = bisect_right(self.times, moment) - 1
        return self.stages[max(index, 0)]


class Progress:
    """A one-line progress bar on stderr (rows, rate, time left); quiet when not a terminal and asked."""

    def __init__(self, label: str, total: int, *, stream=None, quiet: bool = False):
        self.label, self.total, self.done = label, max(total, 1), 0
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.started = self.last = time.monotonic()

    def update(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if not self.quiet and (now - self.last > 0.5 or self.done >= self.total):
            self.last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        share = min(self.done / self.total, 1.0)
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        bar = "#" * int(share * 30)
        self.stream.write(
            f"\r{self.label:<22} [{bar:<30}] {share:6.1%} {self.done:>12,} {rate:>10,.0f}/s  {left:5.0f}s left "
        )
        self.stream.flush()

    def close(self) -> None:
        self.total = self.done  # the total was an estimate
        if not self.quiet:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()


# --- writing rows ------------------------------------------------------------


class Writer:
    """Bulk insert of plain tuples: COPY on PostgreSQL, batched INSERT on SQLite."""

    def __init__(self, connection):
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        # Timestamps are written as text; PostgreSQL gets the offset, SQLite stores naive UTC.
        self.tz = "+00" if self.postgres else ""

    def columns(self, model, names) -> list[str]:
        return [model._meta.get_field(name).column for name in names]

    def write(self, model, names, rows: list[tuple]) -> None:
        if not rows:
            return
        table = model._meta.db_table
        columns = self.columns(model, names)
        with self.connection.cursor() as cursor:
            if self.postgres:
                buffer = io.StringIO()
                buffer.writelines(_tsv(row) for row in rows)
                buffer.seek(0)
                quoted = ", ".join(f'"{c}"' for c in columns)
                cursor.copy_expert(f'COPY "{table}" ({quoted}) FROM STDIN', buffer)
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                sql = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({placeholders})'
                for start in range(0, len(rows), 5000):
                    cursor.executemany(sql, rows[start : start + 5000])

    def reset_sequences(self, models) -> None:
        from django.core.management.color import no_style

        with self.connection.cursor() as cursor:
            for sql in self.connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)


def _escape(value) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    if "\t" in text or "\n" in text or "\\" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return text


def _tsv(row: tuple) -> str:
    return "\t".join(map(_escape, row)) + "\n"


class BulkLoad:
    """On PostgreSQL, drop a table's foreign keys and secondary indexes for a big load and
    put them back afterwards (the foreign keys validated in one pass each), as bulk loaders do;
    a row-by-row foreign-key check on ten million rows would take longer than the load."""

    def __init__(self, connection, tables: list[str], *, enabled: bool):
        self.connection, self.tables = connection, tables
        self.enabled = enabled and connection.vendor == "postgresql"
        self.indexes: list[str] = []
        self.constraints: list[tuple[str, str, str]] = []

    def __enter__(self):
        if not self.enabled:
            return self
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
                [self.tables],
            )
            self.constraints = cursor.fetchall()
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
                " WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary AND NOT EXISTS"
                " (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                [self.tables],
            )
            found = cursor.fetchall()
            self.indexes = [definition for _name, definition in found]
            for table, name, _definition in self.constraints:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _definition in found:
                cursor.execute(f"DROP INDEX {name}")
        return self

    def restore(self, progress_stream=None) -> None:
        if not self.enabled:
            return
        with self.connection.cursor() as cursor:
            for number, definition in enumerate(self.indexes, 1):
                _say(progress_stream, f"\rRebuilding indexes {number}/{len(self.indexes)}")
                cursor.execute(definition)
            for number, (table, name, definition) in enumerate(self.constraints, 1):
                _say(progress_stream, f"\rValidating foreign keys {number}/{len(self.constraints)}")
                cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            _say(progress_stream, "\rAnalyzing                       \n")
            for table in self.tables:
                cursor.execute(f'ANALYZE "{table}"')
        self.enabled = False

    def __exit__(self, *exc):
        if exc[0] is None:
            self.restore()
        return False


def _say(stream, text: str) -> None:
    if stream is not None:
        stream.write(text)
        stream.flush()


# --- the organisation ------------------------------------------------------------


def _habits(rng: random.Random, start: date, end: date, segment: str) -> Habits:
    size = {"smb": 6000, "mid_market": 18000, "enterprise": 60000, "public": 35000}[segment]
    # One rep in ten joined during the period: they ramp up, and their goals ramp with them.
    hired = start
    if rng.random() < 0.1:
        hired = start + timedelta(days=int(rng.random() * (end - start).days * 0.8))
    return Habits(
        calls=rng.uniform(16, 34),
        connect=rng.uniform(0.08, 0.35),
        emails=rng.uniform(10, 22),
        reply=rng.uniform(0.05, 0.2),
        prospecting=rng.uniform(1, 5),
        followups=rng.uniform(2, 6),
        meetings=rng.uniform(0.5, 1.6),
        positive=rng.uniform(0.25, 0.6),
        non_selling=rng.uniform(2, 6),
        deals_per_day=rng.uniform(0.9, 1.4),
        deal_size=size * rng.uniform(0.6, 1.5),
        stage_days=rng.uniform(4, 16),
        lose=rng.uniform(0.05, 0.2),
        hired=hired,
    )


def _working_days(start: date, end: date) -> list[date]:
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


def _stamp(moment: float, tz: str) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S") + tz


def _empty_database() -> bool:
    from accounts.models import User
    from activities.models import Activity

    return not User.objects.exists() and not Activity.objects.exists()


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
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from accounts.models import Role, Team, Territory, User
    from pipeline.models import Company, Competitor, Contact, Deal, LeadSource, LostReason, Pipeline, Stage, StageChange
    from quotas.models import OrgSettings

    stream = stream or sys.stderr
    started = time.monotonic()
    rng = random.Random(seed)
    today = today or datetime.now(UTC).date()
    end = today - timedelta(days=1)  # history up to yesterday; meetings booked for the week ahead
    start = end - timedelta(days=max(round(years * 365), 7))
    writer = Writer(connection)
    counts: dict[str, int] = {}
    org = OrgSettings.load()

    with transaction.atomic():
        territories = Territory.objects.bulk_create([Territory(name=name) for name in TERRITORIES])
        sources = LeadSource.objects.bulk_create([LeadSource(name=name) for name in LEAD_SOURCES])
        competitors = Competitor.objects.bulk_create([Competitor(name=name) for name in COMPETITORS])
        reasons = LostReason.objects.bulk_create([LostReason(name=name) for name in LOST_REASONS])
        pipelines = {}
        for name, spec in (("New business", NEW_BUSINESS), ("Renewals", RENEWALS)):
            pipeline = Pipeline.objects.create(name=name)
            stages = Stage.objects.bulk_create(
                [
                    Stage(pipeline=pipeline, name=s, order=i, probability=p, kind=k, is_opportunity=o, rotting_days=r)
                    for i, (s, p, k, o, r) in enumerate(spec)
                ]
            )
            pipelines[name] = (pipeline, stages)

        # People: one password hash for everyone (hashing it per user would take minutes).
        password = make_password(PASSWORD)
        teams_count = math.ceil(reps / TEAM_SIZE)

        def person(username, role, number, **extra):
            return User(
                username=username,
                password=password,
                role=role,
                first_name=FIRST[number % len(FIRST)],
                last_name=f"{LAST[(number // len(FIRST)) % len(LAST)]} {number}",
                email=f"{username}@bench.example",
                is_staff=role == Role.ADMIN,
                date_joined=datetime.combine(start, datetime.min.time(), tzinfo=UTC),
                **extra,
            )

        admin, director = User.objects.bulk_create(
            [person("admin", Role.ADMIN, 0), person("director", Role.MANAGER, 1)]
        )
        managers = User.objects.bulk_create(
            [person(f"manager{i + 1:03d}", Role.MANAGER, i + 2) for i in range(teams_count)]
        )
        department = Team.objects.create(name="Sales", manager=director)
        teams = Team.objects.bulk_create(
            [
                Team(
                    name=f"{TERRITORIES[i % len(TERRITORIES)]} {SEGMENTS[i % len(SEGMENTS)]} {i + 1}",
                    manager=managers[i],
                    parent=department,
                )
                for i in range(teams_count)
            ]
        )
        rep_users = User.objects.bulk_create(
            [
                person(
                    f"rep{i + 1:04d}",
                    Role.REP,
                    i + 100,
                    team=teams[i // TEAM_SIZE],
                    territory=territories[(i // TEAM_SIZE) % len(territories)],
                )
                for i in range(reps)
            ]
        )
        counts["users"] = len(rep_users) + len(managers) + 2
        counts["teams"] = len(teams) + 1
        org.time_zone = "UTC"
        org.save()

    habits = {}
    for index, rep in enumerate(rep_users):
        segment = SEGMENTS[(index // TEAM_SIZE) % len(SEGMENTS)]
        habits[rep.pk] = (segment, _habits(random.Random(seed * 1_000_003 + index), start, end, segment))

    # Address book: each rep's own companies, two contacts each.
    company_rows, contact_rows = [], []
    book: dict[int, list[tuple[int, int | None]]] = {}
    company_id = _next_id(Company)
    contact_id = _next_id(Contact)
    for rep in rep_users:
        segment, _h = habits[rep.pk]
        entries = book.setdefault(rep.pk, [])
        for n in range(COMPANIES_PER_REP):
            created = _stamp(_epoch(start) - rng.random() * 300 * _DAY, writer.tz)
            name = f"{WORDS[rng.randrange(len(WORDS))]} {WORDS[rng.randrange(len(WORDS))]} {rep.pk}-{n}"
            company_rows.append(
                (company_id, name, segment if rng.random() < 0.8 else rng.choice(SEGMENTS), rep.territory_id,
                 rng.randint(5, 20000), rng.random() < 0.3, "", rep.pk, created)
            )  # fmt: skip
            for _c in range(CONTACTS_PER_COMPANY):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                contact_rows.append(
                    (contact_id, company_id, first, last, rng.choice(["VP Sales", "CFO", "Head of IT", "COO", ""]),
                     "", f"{first.lower()}.{contact_id}@example.com", rng.random() < 0.3, "",
                     rng.choice(sources).pk, rep.pk, created)
                )  # fmt: skip
                entries.append((contact_id, company_id))
                contact_id += 1
            company_id += 1
    with transaction.atomic():
        writer.write(Company, COMPANY_FIELDS, company_rows)
        writer.write(Contact, CONTACT_FIELDS, contact_rows)
        writer.reset_sequences([Company, Contact])
    counts["companies"], counts["contacts"] = len(company_rows), len(contact_rows)

    # Deals and their stage histories.
    days = _working_days(start, end)
    deal_rows, change_rows = [], []
    tracks: dict[int, list[DealTrack]] = {}
    deal_id = _next_id(Deal)
    end_moment = _epoch(end) + 18 * 3600
    stage_sets = {
        name: (
            [s for s in stages if s.kind == "open"],
            next(s for s in stages if s.kind == "won"),
            next(s for s in stages if s.kind == "lost"),
            pipeline,
        )
        for name, (pipeline, stages) in pipelines.items()
    }
    progress = Progress("deals (reps done)", len(rep_users), stream=stream, quiet=quiet)
    for index, rep in enumerate(rep_users):
        deal_rng = random.Random(seed * 7_000_003 + index)
        segment, h = habits[rep.pk]
        mine = tracks.setdefault(rep.pk, [])
        for day in days:
            if day < h.hired or deal_rng.random() >= h.deals_per_day:
                continue
            kind_pick = deal_rng.random()
            deal_type = "new_business" if kind_pick < 0.7 else "expansion" if kind_pick < 0.9 else "renewal"
            opens, won, lost, pipeline = stage_sets["Renewals" if deal_type == "renewal" else "New business"]
            contact, company = book[rep.pk][deal_rng.randrange(len(book[rep.pk]))]
            created = _epoch(day) + (8 + deal_rng.random() * 10) * 3600
            history = _simulate(deal_rng, h, opens, won, lost, created, end_moment)
            track = DealTrack(deal_id, company, contact, created, history[-1][0] if history[-1][1].is_closed else 1e12)
            previous, entered = None, created
            for moment, stage in history:
                change_rows.append(
                    (deal_id, previous.pk if previous else None, stage.pk, _stamp(moment, writer.tz),
                     _stamp(entered, writer.tz) if previous else None,
                     datetime.fromtimestamp(moment, UTC).date().isoformat(), rep.pk, rep.pk)
                )  # fmt: skip
                track.times.append(moment)
                track.stages.append(stage.pk)
                previous, entered = stage, moment
            final_at, final = history[-1]
            closed_on = datetime.fromtimestamp(final_at, UTC).date().isoformat() if final.is_closed else None
            amount = h.deal_size * math.exp(deal_rng.gauss(0, 0.5)) * (0.5 if deal_type == "expansion" else 1)
            is_lost = final.kind == "lost"
            deal_rows.append(
                (deal_id, f"{'Renewal' if deal_type == 'renewal' else 'Deal'} {deal_id}", company, contact, rep.pk,
                 pipeline.pk, final.pk, f"{amount:.2f}", deal_rng.randint(1, 50), deal_type,
                 sources[deal_rng.randrange(len(sources))].pk,
                 (datetime.fromtimestamp(created, UTC).date() + timedelta(days=60)).isoformat(), closed_on,
                 reasons[deal_rng.randrange(len(reasons))].pk if is_lost else None,
                 competitors[deal_rng.randrange(len(competitors))].pk if is_lost and deal_rng.random() < 0.4 else None,
                 _stamp(final_at, writer.tz), _stamp(created, writer.tz), _stamp(final_at, writer.tz))
            )  # fmt: skip
            mine.append(track)
            deal_id += 1
        progress.update(1)
    progress.close()
    load = BulkLoad(connection, [Deal._meta.db_table, StageChange._meta.db_table], enabled=len(change_rows) > 200_000)
    with transaction.atomic(), load:
        for begin in range(0, len(deal_rows), 50_000):
            writer.write(Deal, DEAL_FIELDS, deal_rows[begin : begin + 50_000])
        for begin in range(0, len(change_rows), 100_000):
            writer.write(StageChange, CHANGE_FIELDS, change_rows[begin : begin + 100_000])
        writer.reset_sequences([Deal])
        load.restore(None if quiet else stream)
    counts["deals"], counts["stage_changes"] = len(deal_rows), len(change_rows)
    del deal_rows, change_rows

    counts["activities"] = _activities(
        writer=writer, reps=rep_users, habits=habits, book=book, tracks=tracks, days=days, sources=sources,
        today=today, seed=seed, stream=stream, quiet=quiet,
    )  # fmt: skip
    counts.update(_quotas_and_goals(reps=rep_users, teams=teams, department=department, habits=habits,
                                    start=start, today=today, admin=admin, org=org))  # fmt: skip
    counts["generate_seconds"] = round(time.monotonic() - started, 1)
    if rebuild:
        from dashboards import rollups

        _say(None if quiet else stream, "Rebuilding the dashboard tables...\n")
        began = time.monotonic()
        rollups.rebuild()
        counts["rebuild_seconds"] = round(time.monotonic() - began, 2)
    return counts


def _next_id(model) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def _simulate(rng: random.Random, h: Habits, opens, won, lost, created: float, end: float) -> list[tuple]:
    """A deal's stage history as (moment, stage), first row its creation stage.

    Each stay lasts an exponential time around the rep's speed (one deal in
    twenty is left to rot far longer); at its end the deal advances (one move
    in twelve skips a stage), moves back one stage (one in twelve), or is lost
    (at the rep's rate, higher early in the funnel). One lost deal in twenty-five
    is reopened later. A deal whose next move would fall after ``end`` stays open.
    """
    history = [(created, opens[0])]
    moment, position = created, 0
    for _step in range(40):
        dwell = rng.expovariate(1 / h.stage_days) + 0.05
        if rng.random() < 0.05:
            dwell *= 8
        moment += dwell * _DAY
        if moment > end:
            return history
        roll = rng.random()
        lose = h.lose * (1.4 if position == 0 else 1.0)
        if roll < lose:
            history.append((moment, lost))
            if rng.random() < 0.04:
                moment += rng.expovariate(1 / 30) * _DAY
                if moment > end:
                    return history
                history.append((moment, opens[position]))
                continue
            return history
        if roll < lose + 0.08 and position > 0:
            position -= 1
        else:
            position += 2 if rng.random() < 0.08 and position + 2 < len(opens) else 1
            if position >= len(opens):
                history.append((moment, won))
                return history
        history.append((moment, opens[position]))
    return history


def _activities(*, writer, reps, habits, book, tracks, days, sources, today, seed, stream, quiet) -> int:
    """About 50 activities per rep per working day, streamed to the database in chunks."""
    from django.db import connection, transaction

    from activities.models import Activity

    expected = int(sum(_daily_mean(h) for _s, h in habits.values()) * len(days))
    progress = Progress("activities", expected, stream=stream, quiet=quiet)
    written = 0
    load = BulkLoad(connection, [Activity._meta.db_table], enabled=expected > 500_000)
    source_ids = [s.pk for s in sources]
    with transaction.atomic(), load:
        chunk: list[tuple] = []
        for index, rep in enumerate(reps):
            rng = random.Random(seed * 9_000_011 + index)
            _segment, h = habits[rep.pk]
            deals = tracks[rep.pk]  # in order of creation
            live: list[DealTrack] = []
            waiting = 0
            for day in days:
                noon = _epoch(day) + 12 * 3600
                while waiting < len(deals) and deals[waiting].start <= noon:
                    live.append(deals[waiting])
                    waiting += 1
                live = [d for d in live if d.end >= noon]
                if day < h.hired or rng.random() < h.vacation:
                    continue
                chunk.extend(_one_day(rng, rep.pk, day, h, book[rep.pk], live, source_ids, writer.tz))
                if len(chunk) >= 200_000:
                    writer.write(Activity, ACTIVITY_FIELDS, chunk)
                    progress.update(len(chunk))
                    written += len(chunk)
                    chunk = []
            # The week ahead: meetings and demos booked, not yet held.
            for ahead in range(1, 8):
                day = today + timedelta(days=ahead)
                if day.weekday() < 5 and rng.random() < h.meetings:
                    chunk.append(_booked(rng, rep.pk, day, today, book[rep.pk], writer.tz))
        writer.write(Activity, ACTIVITY_FIELDS, chunk)
        progress.update(len(chunk))
        written += len(chunk)
        progress.close()
        load.restore(None if quiet else stream)
    return written


def _daily_mean(h: Habits) -> float:
    return h.calls + h.emails + h.prospecting + h.followups + h.meetings + h.non_selling


def _one_day(rng, owner, day, h, book, live, source_ids, tz) -> list[tuple]:
    """One rep's working day of activity, as row tuples in ACTIVITY_FIELDS order."""
    rnd = rng.random
    day_text = day.isoformat()
    base = _epoch(day)
    rows = []
    append = rows.append

    def when() -> tuple[str, float]:
        minute = 480 + int(rnd() * 600)
        return f"{day_text} {_CLOCK[minute]}{tz}", base + minute * 60

    def link(deal_share: float):
        """(company, contact, deal, stage at that moment) for a linked activity."""
        if live and rnd() < deal_share:
            deal = live[int(rnd() * len(live))]
            return deal.company_id, None, deal
        contact, company = book[int(rnd() * len(book))]
        return company, contact, None

    def scaled(mean: float) -> int:
        return int(mean * (0.7 + 0.6 * rnd()) + rnd())

    for _n in range(scaled(h.calls)):
        at, moment = when()
        company, contact, deal = link(0.25)
        if rnd() < h.connect:
            outcome, minutes = "connected", 3 + int(rnd() * 22)
        else:
            pick = rnd()
            outcome = "no_answer" if pick < 0.6 else "voicemail" if pick < 0.95 else "wrong_number"
            minutes = 1
        append((owner, "call", outcome, at, day_text, minutes, company, contact, deal and deal.id,
                deal and deal.stage_at(moment), None, "", at, day_text))  # fmt: skip
    for _n in range(scaled(h.emails)):
        at, moment = when()
        company, contact, deal = link(0.25)
        pick = rnd()
        outcome = "bounced" if pick < 0.02 else "replied" if pick < 0.02 + h.reply else "sent"
        append((owner, "email", outcome, at, day_text, 2 + int(rnd() * 7), company, contact, deal and deal.id,
                deal and deal.stage_at(moment), None, "", at, day_text))  # fmt: skip
    for _n in range(scaled(h.prospecting)):
        at, _moment = when()
        contact, company = book[int(rnd() * len(book))]
        append((owner, "prospecting", "", at, day_text, 10 + int(rnd() * 35), company, contact, None, None,
                source_ids[int(rnd() * len(source_ids))], "", at, day_text))  # fmt: skip
    for _n in range(scaled(h.followups)):
        at, moment = when()
        company, contact, deal = link(0.8)
        append((owner, "follow_up", "", at, day_text, 5 + int(rnd() * 15), company, contact, deal and deal.id,
                deal and deal.stage_at(moment), None, "", at, day_text))  # fmt: skip
    for _n in range(scaled(h.meetings)):
        at, moment = when()
        company, contact, deal = link(0.6)
        pick = rnd()
        if pick < 0.08:
            outcome = "no_show"
        elif pick < 0.13:
            outcome = "cancelled"
        else:
            held = rnd()
            outcome = (
                "positive" if held < h.positive else "negative" if held < h.positive + 0.15
                else "held" if held < h.positive + 0.25 else "neutral"
            )  # fmt: skip
        booked_day = day - timedelta(days=1 + int(rnd() * 14))
        booked = f"{booked_day.isoformat()} {_CLOCK[480 + int(rnd() * 600)]}{tz}"
        append((owner, "demo" if rnd() < 0.35 else "meeting", outcome, at, day_text, 30 + 15 * int(rnd() * 3),
                company, contact, deal and deal.id, deal and deal.stage_at(moment), None, "", booked,
                booked_day.isoformat()))  # fmt: skip
    for _n in range(scaled(h.non_selling)):
        at, _moment = when()
        pick = rnd()
        kind = "internal_meeting" if pick < 0.4 else "admin" if pick < 0.75 else "travel" if pick < 0.9 else "training"
        append((owner, kind, "", at, day_text, 15 * (1 + int(rnd() * 4)), None, None, None, None, None, "", at,
                day_text))  # fmt: skip
    return rows


def _booked(rng, owner, day, today, book, tz) -> tuple:
    contact, company = book[int(rng.random() * len(book))]
    at = f"{day.isoformat()} {_CLOCK[540 + int(rng.random() * 480)]}{tz}"
    booked = f"{today.isoformat()} 07:00:00{tz}"
    return (owner, "meeting" if rng.random() < 0.65 else "demo", "scheduled", at, day.isoformat(), 30, company,
            contact, None, None, None, "", booked, today.isoformat())  # fmt: skip


def _quotas_and_goals(*, reps, teams, department, habits, start, today, admin, org) -> dict:
    """Quarterly revenue quotas per rep and team, a yearly one for the department,
    monthly won-deals quotas for the last year; call and meeting goals per rep, an email
    goal ramped for each rep hired during the period, a collective meetings goal per team."""
    from django.db import transaction

    from quotas.models import ActivityGoal, Quota, QuotaChange
    from quotas.periods import Period

    quotas, changes = [], []
    fiscal = org.fiscal_year_start_month
    quarter = Period.containing(start, "quarter", fiscal)
    last = Period.containing(today, "quarter", fiscal)
    by_team: dict[int, Decimal] = {}
    while quarter <= last:
        by_team.clear()
        for rep in reps:
            _segment, h = habits[rep.pk]
            if quarter.end < h.hired:
                continue
            # About a quarter's expected wins (deals x win rate x size), rounded to the thousand.
            expected = (
                h.deals_per_day
                * 63
                * 0.35
                * h.deal_size
                * random.Random(rep.pk * 31 + quarter.start.toordinal()).uniform(0.8, 1.2)
            )
            target = Decimal(round(expected, -3))
            quotas.append(Quota(rep=rep, period_kind="quarter", period_start=quarter.start, target=target))
            by_team[rep.team_id] = by_team.get(rep.team_id, Decimal(0)) + target
        for team in teams:
            if team.pk in by_team:
                quotas.append(
                    Quota(team=team, period_kind="quarter", period_start=quarter.start, target=by_team[team.pk])
                )
        quarter = quarter.next()
    year = Period.containing(start, "year", fiscal)
    while year.start <= today:
        total = sum((q.target for q in quotas if q.team_id and year.contains(q.period_start)), Decimal(0))
        quotas.append(Quota(team=department, period_kind="year", period_start=year.start, target=total))
        year = year.next()
    month = Period.containing(today, "month", fiscal)
    for _n in range(12):
        for rep in reps:
            if month.end >= habits[rep.pk][1].hired:
                quotas.append(
                    Quota(rep=rep, period_kind="month", period_start=month.start, measure="won_deals", target=8)
                )
        month = month.previous()
    goals = []
    for rep in reps:
        _segment, h = habits[rep.pk]
        goals.append(ActivityGoal(rep=rep, metric="call", target=100, starts_on=start, priority=1))
        goals.append(ActivityGoal(rep=rep, metric="meetings_demos", target=5, starts_on=start, priority=2))
        if h.hired > start:
            monday = h.hired - timedelta(days=h.hired.weekday())
            goals.append(
                ActivityGoal(rep=rep, metric="email", target=100, ramp_start=50, ramp_step=10, starts_on=monday,
                             priority=3)
            )  # fmt: skip
    for team in teams:
        goals.append(
            ActivityGoal(team=team, metric="meetings_demos", target=40, is_collective=True, starts_on=start, priority=1)
        )
    with transaction.atomic():
        made = Quota.objects.bulk_create(quotas, batch_size=2000)
        changes = [
            QuotaChange(quota=q, description=str(q)[:200], changed_by=admin, new_target=q.target,
                        new_stretch_percent=q.stretch_percent, reason="bench")
            for q in made
        ]  # fmt: skip
        QuotaChange.objects.bulk_create(changes, batch_size=2000)
        ActivityGoal.objects.bulk_create(goals, batch_size=2000)
    return {"quotas": len(quotas), "goals": len(goals)}


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
