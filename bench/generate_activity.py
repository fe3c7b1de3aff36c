"""About 50 activities per rep per working day (calls, emails, meetings, demos,
prospecting, follow-ups and non-selling time), each linked to the rep's contacts,
companies and the deals open that day;
streamed to the database in chunks.

Rows are plain tuples, not model instances: at ten million rows the difference is
minutes. ``dashboards/demo/activities.py`` builds the demo's activity with other
habits and through the models, so the two do not share this code."""

from __future__ import annotations

import random
from datetime import date, timedelta

from bench.generate_deals import DealTrack
from bench.generate_people import Habits
from bench.rows import CLOCK, BulkLoad, Progress, epoch

ACTIVITY_FIELDS = (
    "owner", "kind", "outcome", "occurred_at", "day", "duration_minutes", "company", "contact", "deal",
    "lead_source", "notes", "created_at", "created_day",
)  # fmt: skip
CHUNK = 200_000


def write_activities(*, writer, reps, habits, book, tracks, days, sources, today, seed, stream, quiet) -> int:
    """Every rep's working days and the week ahead; returns how many rows were written."""
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
            for rows in _rep_days(rng, rep.pk, h, book[rep.pk], tracks[rep.pk], days, source_ids, writer.tz):
                chunk.extend(rows)
                if len(chunk) >= CHUNK:
                    writer.write(Activity, ACTIVITY_FIELDS, chunk)
                    progress.update(len(chunk))
                    written += len(chunk)
                    chunk = []
            chunk.extend(_week_ahead(rng, rep.pk, h, today, book[rep.pk], writer.tz))
        writer.write(Activity, ACTIVITY_FIELDS, chunk)
        progress.update(len(chunk))
        written += len(chunk)
        progress.close()
        load.restore(None if quiet else stream)
    return written


def _rep_days(rng, owner, h: Habits, book, deals: list[DealTrack], days, source_ids, tz):
    """One list of rows per working day the rep worked, with the deals open at noon that day."""
    live: list[DealTrack] = []
    waiting = 0  # deals are in order of creation
    for day in days:
        noon = epoch(day) + 12 * 3600
        while waiting < len(deals) and deals[waiting].start <= noon:
            live.append(deals[waiting])
            waiting += 1
        live = [d for d in live if d.end >= noon]
        if day < h.hired or rng.random() < h.vacation:
            continue
        yield _one_day(rng, owner, day, h, book, live, source_ids, tz)


def _week_ahead(rng, owner, h: Habits, today: date, book, tz) -> list[tuple]:
    """The week ahead: meetings and demos booked, not yet held."""
    rows = []
    for ahead in range(1, 8):
        day = today + timedelta(days=ahead)
        if day.weekday() < 5 and rng.random() < h.meetings:
            rows.append(_booked(rng, owner, day, today, book, tz))
    return rows


def _daily_mean(h: Habits) -> float:
    return h.calls + h.emails + h.prospecting + h.followups + h.meetings + h.non_selling


class _Day:
    """One rep's working day: when things happen, what they link to, and the rows in ACTIVITY_FIELDS order."""

    def __init__(self, rng, owner, day: date, book, live, tz):
        self.rnd = rng.random
        self.owner, self.day, self.book, self.live, self.tz = owner, day, book, live, tz
        self.day_text = day.isoformat()
        self.base = epoch(day)
        self.rows: list[tuple] = []

    def when(self) -> tuple[str, float]:
        minute = 480 + int(self.rnd() * 600)
        return f"{self.day_text} {CLOCK[minute]}{self.tz}", self.base + minute * 60

    def link(self, deal_share: float):
        """(company, contact, deal) for a linked activity."""
        if self.live and self.rnd() < deal_share:
            deal = self.live[int(self.rnd() * len(self.live))]
            return deal.company_id, None, deal
        contact, company = self.book[int(self.rnd() * len(self.book))]
        return company, contact, None

    def scaled(self, mean: float) -> int:
        return int(mean * (0.7 + 0.6 * self.rnd()) + self.rnd())

    def add(self, kind, outcome, at, moment, minutes, company, contact, deal, created=None, created_day=None):
        """A row (``moment``: when it happened; the rollups find the deal's stage then from its history)."""
        self.rows.append(
            (self.owner, kind, outcome, at, self.day_text, minutes, company, contact, deal and deal.id,
             None, "", created or at, created_day or self.day_text)
        )  # fmt: skip


def _one_day(rng, owner, day, h: Habits, book, live, source_ids, tz) -> list[tuple]:
    """One rep's working day of activity, as row tuples in ACTIVITY_FIELDS order."""
    d = _Day(rng, owner, day, book, live, tz)
    _calls(d, h)
    _emails(d, h)
    _prospecting(d, h, source_ids)
    _follow_ups(d, h)
    _meetings(d, h)
    _non_selling(d, h)
    return d.rows


def _calls(d: _Day, h: Habits) -> None:
    rnd = d.rnd
    for _n in range(d.scaled(h.calls)):
        at, moment = d.when()
        company, contact, deal = d.link(0.25)
        if rnd() < h.connect:
            outcome, minutes = "connected", 3 + int(rnd() * 22)
        else:
            pick = rnd()
            outcome = "no_answer" if pick < 0.6 else "voicemail" if pick < 0.95 else "wrong_number"
            minutes = 1
        d.add("call", outcome, at, moment, minutes, company, contact, deal)


def _emails(d: _Day, h: Habits) -> None:
    rnd = d.rnd
    for _n in range(d.scaled(h.emails)):
        at, moment = d.when()
        company, contact, deal = d.link(0.25)
        pick = rnd()
        outcome = "bounced" if pick < 0.02 else "replied" if pick < 0.02 + h.reply else "sent"
        d.add("email", outcome, at, moment, 2 + int(rnd() * 7), company, contact, deal)


def _prospecting(d: _Day, h: Habits, source_ids) -> None:
    rnd = d.rnd
    for _n in range(d.scaled(h.prospecting)):
        at, _moment = d.when()
        contact, company = d.book[int(rnd() * len(d.book))]
        d.rows.append(
            (d.owner, "prospecting", "", at, d.day_text, 10 + int(rnd() * 35), company, contact, None,
             source_ids[int(rnd() * len(source_ids))], "", at, d.day_text)
        )  # fmt: skip


def _follow_ups(d: _Day, h: Habits) -> None:
    for _n in range(d.scaled(h.followups)):
        at, moment = d.when()
        company, contact, deal = d.link(0.8)
        d.add("follow_up", "", at, moment, 5 + int(d.rnd() * 15), company, contact, deal)


def _meetings(d: _Day, h: Habits) -> None:
    rnd = d.rnd
    for _n in range(d.scaled(h.meetings)):
        at, moment = d.when()
        company, contact, deal = d.link(0.6)
        outcome = _meeting_outcome(rnd, h)
        booked_day = d.day - timedelta(days=1 + int(rnd() * 14))
        booked = f"{booked_day.isoformat()} {CLOCK[480 + int(rnd() * 600)]}{d.tz}"
        kind = "demo" if rnd() < 0.35 else "meeting"
        minutes = 30 + 15 * int(rnd() * 3)
        d.add(kind, outcome, at, moment, minutes, company, contact, deal, booked, booked_day.isoformat())


def _meeting_outcome(rnd, h: Habits) -> str:
    pick = rnd()
    if pick < 0.08:
        return "no_show"
    if pick < 0.13:
        return "cancelled"
    held = rnd()
    return (
        "positive" if held < h.positive else "negative" if held < h.positive + 0.15
        else "held" if held < h.positive + 0.25 else "neutral"
    )  # fmt: skip


def _non_selling(d: _Day, h: Habits) -> None:
    rnd = d.rnd
    for _n in range(d.scaled(h.non_selling)):
        at, _moment = d.when()
        pick = rnd()
        kind = "internal_meeting" if pick < 0.4 else "admin" if pick < 0.75 else "travel" if pick < 0.9 else "training"
        d.rows.append(
            (d.owner, kind, "", at, d.day_text, 15 * (1 + int(rnd() * 4)), None, None, None, None, "", at,
             d.day_text)
        )  # fmt: skip


def _booked(rng, owner, day, today, book, tz) -> tuple:
    contact, company = book[int(rng.random() * len(book))]
    at = f"{day.isoformat()} {CLOCK[540 + int(rng.random() * 480)]}{tz}"
    booked = f"{today.isoformat()} 07:00:00{tz}"
    return (owner, "meeting" if rng.random() < 0.65 else "demo", "scheduled", at, day.isoformat(), 30, company,
            contact, None, None, "", booked, today.isoformat())  # fmt: skip
