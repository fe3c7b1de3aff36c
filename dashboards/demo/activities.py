"""Demo activity for `manage.py seed_demo`: a year of working days per rep,
each rep with habits of their own (call volume, connect and reply rates,
meetings, how much time goes to non-selling work), linked to the rep's
companies, contacts and open deals.

Written with one bulk insert (tens of thousands of rows): every row is built
to satisfy the same rules ``services.activity_log`` enforces. The bench's
generator (``bench/generate_activity.py``) writes its activity as plain tuples
with habits of another shape, for ten million rows; the two share no logic.
"""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from activities.models import MEETING_KINDS, Activity, Kind, Outcome
from activities.signals import activities_created
from dashboards.demo.locales import ENGLISH, DemoLocale
from insights.demo import TERRITORY_ZONES, best_time_demo
from pipeline.models import Contact, Deal
from trends.demo import with_activity_drop

# calls/day, connect rate, emails/day, reply rate, meetings/week, positive share, non-selling minutes/day
HABITS = {
    "rep": (14, 0.22, 10, 0.12, 4, 0.45, 60),
    "sam": (9, 0.30, 14, 0.18, 5, 0.40, 90),
    "jordan": (18, 0.12, 6, 0.08, 2, 0.25, 150),
    "taylor": (12, 0.26, 12, 0.15, 6, 0.55, 45),
    "casey": (7, 0.35, 18, 0.20, 3, 0.50, 120),
    "riley": (15, 0.18, 9, 0.10, 4, 0.35, 75),
    "jamie": (10, 0.15, 8, 0.09, 2, 0.30, 180),
    "drew": (13, 0.24, 11, 0.14, 4, 0.42, 60),
}
DAYS = 365


def seed_activity_demo(*, users: dict, rng: random.Random, words: DemoLocale) -> int:
    """Create the demo activity (the last ``DAYS`` days and the next week); returns how many rows."""
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    rows: list[Activity] = []
    for username, habits in HABITS.items():
        owner = users[username]
        contacts = list(Contact.objects.filter(owner=owner).select_related("company"))
        deals = list(Deal.objects.filter(owner=owner))
        for offset in range(DAYS, -8, -1):
            day = today - timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            rows.extend(
                _one_day(
                    owner=owner,
                    day=day,
                    today=today,
                    habits=habits,
                    contacts=contacts,
                    deals=deals,
                    tz=tz,
                    rng=rng,
                )
            )
    rows = with_activity_drop(rows, today=today)  # the early warnings' story (trends/demo.py)
    written = Activity.objects.bulk_create(best_time_demo(rows, territory_zones=_zones(words)), batch_size=2000)
    activities_created.send(sender=Activity, activities=written)
    return len(rows)


def _zones(words: DemoLocale) -> dict[str, str]:
    """Each territory's time zone, by its name in the demo's language: the English demo's are in the
    US (``insights/demo.py``), another language's all in its one country's zone."""
    if words.time_zone is None:
        return {words.territories[key]: TERRITORY_ZONES[name] for key, name in ENGLISH.territories.items()}
    return dict.fromkeys(words.territories.values(), words.time_zone)


def _at(day, tz, rng: random.Random) -> datetime:
    return datetime.combine(day, time(8, 0), tzinfo=tz) + timedelta(minutes=rng.randint(0, 9 * 60))


def _one_day(*, owner, day, today, habits, contacts, deals, tz, rng):
    """One rep's activity on ``day``: the selling and non-selling work of a past day, and
    on any day perhaps a meeting or demo (booked ahead; on a future day, still scheduled)."""
    calls, connect, emails, reply, meetings_week, positive, non_selling = habits
    rows = _DayRows(owner=owner, day=day, today=today, contacts=contacts, deals=deals, tz=tz, rng=rng)
    out = []
    if day <= today:
        out += _selling(rows, rng, calls=calls, connect=connect, emails=emails, reply=reply)
        out += _non_selling(rows, rng, minutes=non_selling)
    if rng.random() < meetings_week / 5:
        out.append(_meeting(rows, rng, positive=positive))
    return out


class _DayRows:
    """Builds one day's activities for one rep, linked as ``services.activity_log`` would link them."""

    def __init__(self, *, owner, day, today, contacts, deals, tz, rng):
        self.owner, self.day, self.today, self.tz, self.rng = owner, day, today, tz, rng
        self.contacts, self.deals = contacts, deals
        self.now = timezone.now()

    def row(self, kind, outcome, minutes, booked=None, link=True) -> Activity:
        rng, day, now = self.rng, self.day, self.now
        at = _at(day, self.tz, rng)
        if at > now:
            # Later today: only a booked meeting may lie ahead; anything else happened earlier.
            if kind in MEETING_KINDS:
                outcome = outcome if outcome in (Outcome.SCHEDULED, Outcome.CANCELLED) else Outcome.SCHEDULED
            else:
                at = now - timedelta(minutes=rng.randint(1, 240))
        contact = rng.choice(self.contacts) if self.contacts and link else None
        deal = None
        logged = min(booked or at, now)
        # Only deals that existed when it was done and logged, and were still open that day, get the
        # activity: the stage it counts against is the one the deal sat in then (docs/metrics.md).
        first, on = min(at, logged), timezone.localdate(at)
        live = [d for d in self.deals if d.created_at <= first and on <= (d.closed_on or self.today)] if link else []
        if live and rng.random() < 0.3:
            deal = rng.choice(live)
            contact = None
        return Activity(
            owner=self.owner,
            kind=kind,
            outcome=outcome,
            occurred_at=at,
            day=on,
            duration_minutes=minutes,
            contact=contact,
            company=deal.company if deal else (contact.company if contact else None),
            deal=deal,
            created_at=logged,
            created_day=timezone.localdate(logged),
        )


def _selling(rows: _DayRows, rng, *, calls, connect, emails, reply) -> list[Activity]:
    out = []
    for _ in range(max(0, round(rng.gauss(calls, calls / 4)))):
        if rng.random() < connect:
            out.append(rows.row(Kind.CALL, Outcome.CONNECTED, rng.randint(3, 25)))
        else:
            out.append(rows.row(Kind.CALL, rng.choice([Outcome.NO_ANSWER, Outcome.VOICEMAIL, Outcome.NO_ANSWER]), 1))
    for _ in range(max(0, round(rng.gauss(emails, emails / 4)))):
        outcome = Outcome.REPLIED if rng.random() < reply else Outcome.SENT
        out.append(rows.row(Kind.EMAIL, Outcome.BOUNCED if rng.random() < 0.02 else outcome, rng.randint(2, 8)))
    if rng.random() < 0.5:
        out.append(rows.row(Kind.PROSPECTING, "", rng.randint(20, 60)))
    if rng.random() < 0.4:
        out.append(rows.row(Kind.FOLLOW_UP, "", rng.randint(5, 20)))
    return out


def _non_selling(rows: _DayRows, rng, *, minutes) -> list[Activity]:
    out = []
    spent = 0
    while spent < minutes:
        kind = rng.choice([Kind.INTERNAL_MEETING, Kind.ADMIN, Kind.TRAVEL, Kind.TRAINING])
        length = rng.choice([15, 30, 45, 60])
        out.append(rows.row(kind, "", length, link=False))
        spent += length
    return out


def _meeting(rows: _DayRows, rng, *, positive) -> Activity:
    kind = Kind.DEMO if rng.random() < 0.35 else Kind.MEETING
    booked = _at(rows.day, rows.tz, rng) - timedelta(days=rng.randint(2, 14))
    if rows.day > rows.today:
        outcome = Outcome.SCHEDULED
    else:
        pick = rng.random()
        if pick < 0.1:
            outcome = Outcome.NO_SHOW
        elif pick < 0.15:
            outcome = Outcome.CANCELLED
        elif rows.day >= rows.today - timedelta(days=2) and pick < 0.4:
            outcome = Outcome.SCHEDULED  # happened, not yet marked: the rep's to-do
        else:
            outcome = Outcome.POSITIVE if rng.random() < positive else rng.choice([Outcome.NEUTRAL, Outcome.NEGATIVE])
    return rows.row(kind, outcome, rng.choice([30, 45, 60]), booked=booked)
