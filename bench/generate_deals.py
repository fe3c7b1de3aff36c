"""Deals and their stage histories, following each rep's habits (conversion, speed,
deal size; some moved backwards, some skipping a stage, some reopened after being
lost, some left to rot), and their forecast histories: categories that rise as a deal
advances, close dates pushed (about 30 % of deals once, 10 % twice or more), commit
deals that slip back to best case. What the activity pass needs of each deal is kept
as a ``DealTrack``."""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from bench.generate_people import Habits, Organisation
from bench.rows import DAY, BulkLoad, Progress, epoch, next_id, stamp

DEAL_FIELDS = (
    "id", "title", "company", "contact", "owner", "pipeline", "stage", "amount", "units", "deal_type",
    "lead_source", "expected_close_date", "forecast_category", "closed_on", "lost_reason", "competitor",
    "stage_entered_at", "created_at", "updated_at",
)  # fmt: skip
CHANGE_FIELDS = ("deal", "from_stage", "to_stage", "changed_at", "from_entered_at", "day", "changed_by", "owner")
FORECAST_FIELDS = (
    "deal", "changed_at", "day", "changed_by", "owner", "stage", "amount", "probability", "expected_close_date",
    "forecast_category",
)  # fmt: skip


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


@dataclass
class _Rows:
    """The deal and stage-change rows built so far, and the next deal id."""

    next_id: int
    tz: str
    deals: list[tuple] = field(default_factory=list)
    changes: list[tuple] = field(default_factory=list)
    forecast: list[tuple] = field(default_factory=list)


def write_deals(
    *,
    writer,
    organisation: Organisation,
    habits: dict,
    book: dict,
    days: list[date],
    end: date,
    seed: int,
    stream,
    quiet: bool,
) -> tuple[dict[int, list[DealTrack]], dict]:
    """Every rep's deals with their histories; returns each rep's tracks (in order of creation) and the counts."""
    from django.db import connection, transaction

    from pipeline.models import Deal, DealChange, StageChange

    rows = _Rows(next_id=next_id(Deal), tz=writer.tz)
    tracks: dict[int, list[DealTrack]] = {}
    end_moment = epoch(end) + 18 * 3600
    stage_sets = _stage_sets(organisation.pipelines)
    progress = Progress("deals (reps done)", len(organisation.reps), stream=stream, quiet=quiet)
    for index, rep in enumerate(organisation.reps):
        deal_rng = random.Random(seed * 7_000_003 + index)
        # The forecast's draws come from a stream of their own, so every other field stays what it was.
        forecast_rng = random.Random(seed * 9_000_011 + index)
        _segment, h = habits[rep.pk]
        mine = tracks.setdefault(rep.pk, [])
        for day in days:
            if day < h.hired or deal_rng.random() >= h.deals_per_day:
                continue
            mine.append(
                _one_deal(deal_rng, forecast_rng, rep, day, h, book[rep.pk], stage_sets, organisation, end_moment, rows)
            )
        progress.update(1)
    progress.close()
    tables = [Deal._meta.db_table, StageChange._meta.db_table, DealChange._meta.db_table]
    load = BulkLoad(connection, tables, enabled=len(rows.changes) > 200_000)
    with transaction.atomic(), load:
        for begin in range(0, len(rows.deals), 50_000):
            writer.write(Deal, DEAL_FIELDS, rows.deals[begin : begin + 50_000])
        for begin in range(0, len(rows.changes), 100_000):
            writer.write(StageChange, CHANGE_FIELDS, rows.changes[begin : begin + 100_000])
        for begin in range(0, len(rows.forecast), 100_000):
            writer.write(DealChange, FORECAST_FIELDS, rows.forecast[begin : begin + 100_000])
        writer.reset_sequences([Deal])
        load.restore(None if quiet else stream)
    return tracks, {"deals": len(rows.deals), "stage_changes": len(rows.changes), "deal_changes": len(rows.forecast)}


def _stage_sets(pipelines: dict) -> dict:
    """Per pipeline: its open stages in order, its won stage, its lost stage and the pipeline."""
    return {
        name: (
            [s for s in stages if s.kind == "open"],
            next(s for s in stages if s.kind == "won"),
            next(s for s in stages if s.kind == "lost"),
            pipeline,
        )
        for name, (pipeline, stages) in pipelines.items()
    }


def _one_deal(
    deal_rng, forecast_rng, rep, day, h: Habits, book, stage_sets, organisation, end_moment, rows: _Rows
) -> DealTrack:
    """One deal created on ``day``: its stage changes, its forecast history and its own row appended to ``rows``."""
    deal_id = rows.next_id
    kind_pick = deal_rng.random()
    deal_type = "new_business" if kind_pick < 0.7 else "expansion" if kind_pick < 0.9 else "renewal"
    opens, won, lost, pipeline = stage_sets["Renewals" if deal_type == "renewal" else "New business"]
    contact, company = book[deal_rng.randrange(len(book))]
    created = epoch(day) + (8 + deal_rng.random() * 10) * 3600
    history = _simulate(deal_rng, h, opens, won, lost, created, end_moment)
    track = DealTrack(deal_id, company, contact, created, history[-1][0] if history[-1][1].is_closed else 1e12)
    tz = rows.tz
    amount = f"{h.deal_size * math.exp(deal_rng.gauss(0, 0.5)) * (0.5 if deal_type == 'expansion' else 1):.2f}"
    previous, entered = None, created
    for moment, stage in history:
        day = datetime.fromtimestamp(moment, UTC).date().isoformat()
        rows.changes.append(
            (deal_id, previous.pk if previous else None, stage.pk, stamp(moment, tz),
             stamp(entered, tz) if previous else None, day, rep.pk, rep.pk)
        )  # fmt: skip
        track.times.append(moment)
        track.stages.append(stage.pk)
        previous, entered = stage, moment
    expected, category, last_write = _forecast(
        forecast_rng, deal_id, rep, history, opens, amount, created, end_moment, rows
    )
    final_at, final = history[-1]
    closed_on = datetime.fromtimestamp(final_at, UTC).date().isoformat() if final.is_closed else None
    is_lost = final.kind == "lost"
    sources, reasons, competitors = organisation.sources, organisation.reasons, organisation.competitors
    rows.deals.append(
        (deal_id, f"{'Renewal' if deal_type == 'renewal' else 'Deal'} {deal_id}", company, contact, rep.pk,
         pipeline.pk, final.pk, amount, deal_rng.randint(1, 50), deal_type,
         sources[deal_rng.randrange(len(sources))].pk, expected, category, closed_on,
         reasons[deal_rng.randrange(len(reasons))].pk if is_lost else None,
         competitors[deal_rng.randrange(len(competitors))].pk if is_lost and deal_rng.random() < 0.4 else None,
         stamp(final_at, tz), stamp(created, tz), stamp(last_write, tz))
    )  # fmt: skip
    rows.next_id += 1
    return track


# How many times a deal's close date is pushed: about 60 % never, 30 % once, 10 % two to four times.
PUSHES = ((0.60, 0), (0.90, 1), (0.97, 2), (0.99, 3), (1.0, 4))


def _forecast(rng: random.Random, deal_id, rep, history, opens, amount, created: float, end: float, rows: _Rows):
    """The deal's forecast history (``DealChange`` rows) beside its stage history: one row per
    stage change, and one per close-date push, each while the deal is open. The category rises as
    the deal advances (best case from the middle of the funnel, commit in its last open stage,
    seven times in ten), stays when a deal closes and drops from commit to best case when a push
    slips the deal (half the time). Returns the deal's final expected close date, category, and
    the moment of its last row."""
    tz = rows.tz
    expected = datetime.fromtimestamp(created, UTC).date() + timedelta(days=60)
    # Pushes happen while the deal is open: before it closed, or before the generated time ends.
    open_until = history[-1][0] if history[-1][1].is_closed else end
    roll = rng.random()
    count = next(n for limit, n in PUSHES if roll < limit)
    pushes = sorted(created + rng.random() * (open_until - created) for _ in range(count))
    events = sorted(
        [(moment, 0, stage) for moment, stage in history] + [(moment, 1, None) for moment in pushes],
        key=lambda event: event[:2],
    )
    category, stage, commits = opens[0].forecast_category, opens[0], rng.random() < 0.7
    last = created
    for moment, is_push, moved_to in events:
        if is_push:
            expected = max(expected, datetime.fromtimestamp(moment, UTC).date()) + timedelta(days=rng.randint(14, 45))
            if category == "commit" and rng.random() < 0.5:
                category = "best_case"
        else:
            stage = moved_to
            if not stage.is_closed:
                category = _category_in(stage, opens, commits)
        day = datetime.fromtimestamp(moment, UTC).date().isoformat()
        rows.forecast.append(
            (deal_id, stamp(moment, tz), day, rep.pk, rep.pk, stage.pk, amount, stage.probability,
             expected.isoformat(), category)
        )  # fmt: skip
        last = moment
    return expected.isoformat(), category, last


def _category_in(stage, opens, commits: bool) -> str:
    """The category a deal takes entering an open stage: the stage's default when it has one other
    than pipeline, else by how far along the funnel the stage is."""
    if stage.forecast_category != "pipeline":
        return stage.forecast_category
    position = opens.index(stage) / max(len(opens) - 1, 1)
    if position >= 1 and commits:
        return "commit"
    return "best_case" if position >= 0.5 else "pipeline"


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
        moment += dwell * DAY
        if moment > end:
            return history
        roll = rng.random()
        lose = h.lose * (1.4 if position == 0 else 1.0)
        if roll < lose:
            history.append((moment, lost))
            if rng.random() < 0.04:
                moment += rng.expovariate(1 / 30) * DAY
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
