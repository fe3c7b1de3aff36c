"""The organisation the generator writes first: reference data (territories, lead
sources, competitors, lost reasons, the two pipelines), the people (admin, director,
a manager per team of ten, the reps), each rep's habits and their address book."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bench.rows import DAY, epoch, next_id, stamp

PASSWORD = "bench"
TEAM_SIZE = 10

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
COMPANY_FIELDS = ("id", "name", "segment", "territory", "employees", "is_customer", "website", "owner", "created_at")
CONTACT_FIELDS = (
    "id", "company", "first_name", "last_name", "title", "phone", "email", "is_decision_maker", "pain_points",
    "lead_source", "owner", "created_at",
)  # fmt: skip

COMPANIES_PER_REP = 120
CONTACTS_PER_COMPANY = 2


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
class Organisation:
    """The rows later steps link to."""

    sources: list
    competitors: list
    reasons: list
    pipelines: dict
    admin: object
    department: object
    teams: list
    reps: list


def create_organisation(*, reps: int, start: date, org) -> Organisation:
    """Reference data and people in one transaction; the organisation's time zone set to UTC."""
    from django.db import transaction

    with transaction.atomic():
        territories, sources, competitors, reasons, pipelines = _reference_data()
        admin, department, teams, rep_users = _people(reps=reps, start=start, territories=territories)
        org.time_zone = "UTC"
        org.save()
    return Organisation(sources, competitors, reasons, pipelines, admin, department, teams, rep_users)


def _reference_data():
    from accounts.models import Territory
    from pipeline.models import Competitor, LeadSource, LostReason, Pipeline, Stage

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
    return territories, sources, competitors, reasons, pipelines


def _people(*, reps: int, start: date, territories: list):
    from django.contrib.auth.hashers import make_password

    from accounts.models import Role, Team, User

    # One password hash for everyone (hashing it per user would take minutes).
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

    admin, director = User.objects.bulk_create([person("admin", Role.ADMIN, 0), person("director", Role.MANAGER, 1)])
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
    return admin, department, teams, rep_users


def rep_habits(*, reps: list, seed: int, start: date, end: date) -> dict:
    """Each rep's (segment, habits), from a generator seeded per rep so one rep's draws never shift another's."""
    habits = {}
    for index, rep in enumerate(reps):
        segment = SEGMENTS[(index // TEAM_SIZE) % len(SEGMENTS)]
        habits[rep.pk] = (segment, _habits(random.Random(seed * 1_000_003 + index), start, end, segment))
    return habits


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


def write_address_book(*, rng: random.Random, writer, reps: list, habits: dict, sources: list, start: date):
    """Each rep's own companies, two contacts each; returns the book (rep -> [(contact, company)]) and the counts."""
    from django.db import transaction

    from pipeline.models import Company, Contact

    company_rows, contact_rows = [], []
    book: dict[int, list[tuple[int, int | None]]] = {}
    company_id = next_id(Company)
    contact_id = next_id(Contact)
    for rep in reps:
        segment, _h = habits[rep.pk]
        entries = book.setdefault(rep.pk, [])
        for n in range(COMPANIES_PER_REP):
            created = stamp(epoch(start) - rng.random() * 300 * DAY, writer.tz)
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
    return book, {"companies": len(company_rows), "contacts": len(contact_rows)}
