"""Every figure the team dashboard, the one-on-one page and My week show, against the reference
implementation (``tests/reference``: plain Python over the raw rows, straight from docs/metrics.md),
over random organisations written through the app's own services and drained, and random ranges.

Each difference is named by the figure and the page; they are grouped by the issue 20 item whose
definition they follow (``core``: everything docs/metrics.md defined before issue 20), so a group
that has not landed yet can be expected to fail on its own.
"""

from __future__ import annotations

import math
import random
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from accounts import services as account_services
from accounts.models import User
from activities import services as activity_services
from activities.models import OUTCOMES_BY_KIND, Kind
from dashboards import rollups
from dashboards.forms_period import DateRange
from dashboards.selectors import one_on_one as one_on_one_reads
from dashboards.selectors import rep as rep_reads
from dashboards.selectors.per_rep import open_pipeline_by_rep
from dashboards.selectors.team import TeamScope, team_figures, trend
from dashboards.selectors.time_spent import time_spent
from pipeline import services as pipeline_services
from pipeline.models import DealType, Segment
from quotas import services as quota_services
from quotas.models import ActivityGoal, OrgSettings
from quotas.organisation import CACHE_KEY, CURRENCY_CACHE_KEY
from quotas.periods import Period
from tests.factories import (
    AdminFactory,
    CompanyFactory,
    CompetitorFactory,
    LeadSourceFactory,
    LostReasonFactory,
    RepFactory,
    TeamFactory,
    TerritoryFactory,
    make_pipeline,
    stage,
)
from tests.reference import calendar as cal
from tests.reference.figures import COLUMNS, STAGE_VALUES, Reference
from tests.reference.rows import load_org

ZONES = ("UTC", "Pacific/Auckland", "America/Los_Angeles")
OPEN_STAGES = ("Lead", "Qualified", "Demo", "Proposal")
AMOUNTS = ("1000.50", "2500.00", "333.33", "12000.25", "750.10", "40000.00")

# Which issue 20 item each figure's definition belongs to (``core``: defined before issue 20).
QUOTA_FIGURES = (
    "quota_target",
    "quota_stretch_target",
    "quota_achieved",
    "attainment",
    "stretch_attainment",
    "pace",
    "revenue_progress",
)
GOAL_FIGURES = (
    *(f"{c}_goal" for c in COLUMNS),
    *(f"{c}_goal_count" for c in COLUMNS),
    *(f"{c}_progress" for c in COLUMNS),
    "booked_goal_count",
    "booked_progress",
)
ROW_FIGURES = (
    *("calls", "connected", "emails", "replied", "meetings", "booked", "held", "positive"),
    *("selling_minutes", "minutes", "won_deals", "won_amount", "won_units", "lost_deals", "cycle_days"),
    *("open_deals", "open_amount", "weighted_amount", "stale_deals"),
    *("connect_rate", "reply_rate", "positive_rate", "selling_share", "win_rate", "average_deal", "cycle_length"),
)
GROUPS = ("core", "item 1", "item 2", "item 3", "item 4", "item 5", "item 7", "still open", "weighted to the cent")


def _same(a, b) -> bool:
    """Equal, numbers to a relative 1e-9 (the app's floats against the reference's decimals)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float | Decimal) and isinstance(b, int | float | Decimal):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-6)
    return a == b


@dataclass
class Differences:
    found: dict[str, list[str]] = field(default_factory=lambda: {group: [] for group in GROUPS})

    def check(self, group: str, where: str, expected, actual) -> None:
        if not _same(expected, actual):
            self.found[group].append(f"{where}: reference {expected!r}, app {actual!r}")

    def of(self, group: str) -> list[str]:
        return self.found[group]


# --- a random organisation, written through the services ------------------------------------------


@dataclass
class World:
    rnd: random.Random
    now: datetime
    zone: str
    fiscal_start: int
    admin: User = None
    teams: list = field(default_factory=list)
    reps: list = field(default_factory=list)
    deals: list = field(default_factory=list)

    @property
    def today(self) -> date:
        return cal.local_day(self.now, self.zone)

    def moment(self, days_back_max: int, *, after: datetime | None = None) -> datetime:
        """A random moment up to ``days_back_max`` days before now (after ``after`` when given)."""
        low = after or self.now - timedelta(days=days_back_max)
        span = max(int((self.now - low).total_seconds()), 1)
        return low + timedelta(seconds=self.rnd.randrange(1, span + 1))

    def build(self) -> None:
        r = self.rnd
        OrgSettings.objects.update_or_create(
            pk=1, defaults={"fiscal_year_start_month": self.fiscal_start, "time_zone": self.zone}
        )
        self.admin = AdminFactory(username="boss")
        first, second = TeamFactory(name="Enterprise East"), TeamFactory(name="Mid-Market West")
        if r.random() < 0.3:  # a department: the second team below the first
            second.parent = first
            account_services.team_save(team=second)
        self.teams = [first, second]
        pipeline = make_pipeline()
        if r.random() < 0.5:
            demo = stage(pipeline, "Demo")
            demo.rotting_days = r.choice((3, 7, 20))
            pipeline_services.stage_save(stage=demo)
        self.pipeline = pipeline
        sources = [LeadSourceFactory(name="Web"), LeadSourceFactory(name="Event")]
        competitors = [CompetitorFactory(name="Acme"), CompetitorFactory(name="Globex")]
        territories = [TerritoryFactory(name="North"), TerritoryFactory(name="South")]
        self.reason = LostReasonFactory(name="Price")
        for n in range(r.randint(2, 5)):
            self.reps.append(RepFactory(username=f"rep{n}", first_name=f"Rep{n}", team=r.choice(self.teams)))
        for rep in self.reps:
            for _ in range(r.randint(0, 5)):
                company = CompanyFactory(
                    owner=rep,
                    segment=r.choice(["", *Segment.values]),
                    territory=r.choice([None, *territories]),
                )
                self.deal(rep, company, r.choice([None, *sources]), competitors)
        for rep in self.reps:
            for _ in range(r.randint(0, 25)):
                self.activity(rep)
        for rep in self.reps:
            self.quotas(owner={"rep": rep})
        for team in self.teams:
            if r.random() < 0.6:
                self.quotas(owner={"team": team})
        for rep in self.reps:
            for _ in range(r.randint(0, 2)):
                self.goal(rep=rep, metric=r.choice(["call", "email", "meeting", "demo", "meetings_demos", "outreach"]))
        for team in self.teams:
            for metric in r.sample(["call", "email", "meetings_demos"], r.randint(0, 2)):
                self.goal(team=team, metric=metric, collective=r.random() < 0.6)
        # People move after the fact: a deal changes hands, reps change team or leave.
        for deal in self.deals:
            if r.random() < 0.1:
                pipeline_services.deal_update(deal=deal, by=self.admin, owner=r.choice(self.reps))
        for rep in self.reps:
            roll = r.random()
            if roll < 0.15:
                rep.is_active = False
                account_services.user_update(user=rep)
            elif roll < 0.3:
                rep.team = next(t for t in self.teams if t != rep.team)
                account_services.user_update(user=rep)
            elif roll < 0.35:  # on no team: on no team dashboard, and no team average
                rep.team = None
                account_services.user_update(user=rep)

    def deal(self, rep, company, source, competitors) -> None:
        r = self.rnd
        created = self.moment(r.choice((30, 120, 400)))
        deal = pipeline_services.deal_create(
            by=rep,
            title="Deal",
            company=company,
            owner=rep,
            pipeline=self.pipeline,
            stage=stage(self.pipeline, r.choice(OPEN_STAGES)),
            amount=Decimal(r.choice(AMOUNTS)),
            units=r.randint(0, 9),
            deal_type=r.choice(DealType.values),
            lead_source=source,
            created_at=created,
        )
        at = created
        for _ in range(r.randint(0, 5)):
            at = self.moment(0, after=at)
            current = deal.stage.name
            if current in ("Won", "Lost"):
                target = r.choice(OPEN_STAGES)  # reopened
            else:
                target = r.choice([s for s in (*OPEN_STAGES, "Won", "Won", "Lost") if s != current])
            fields = {}
            local = cal.local_day(at, self.zone)
            if target == "Won":
                fields["closed_on"] = local - timedelta(days=r.choice((0, 0, 1, 3)))
            elif target == "Lost":
                fields["closed_on"] = r.choice((None, local))
                fields["lost_reason"] = self.reason
                fields["competitor"] = r.choice([None, *competitors])
            pipeline_services.deal_move(deal=deal, to_stage=stage(self.pipeline, target), by=rep, at=at, **fields)
        self.deals.append(deal)

    def activity(self, rep) -> None:
        r = self.rnd
        kind = r.choice(Kind.values)
        future = kind in ("meeting", "demo") and r.random() < 0.2
        if future:
            occurred = self.now + timedelta(minutes=r.randrange(10, 20 * 24 * 60))
            outcome = r.choice(("scheduled", "cancelled"))
            created = self.moment(5)
        else:
            occurred = self.moment(r.choice((2, 10, 60, 400)))
            outcome = r.choice(OUTCOMES_BY_KIND.get(kind, ("",)))
            created = min(occurred + timedelta(hours=r.choice((0, 0, 5, 30, 200))), self.now)  # back-dated logging
        deal = r.choice(self.deals) if self.deals and r.random() < 0.4 else None
        company = deal.company if deal else (CompanyFactory(owner=rep) if kind == "prospecting" else None)
        activity_services.activity_log(
            owner=rep,
            by=self.admin,
            kind=kind,
            outcome=outcome,
            occurred_at=occurred,
            duration_minutes=r.choice((0, 5, 15, 30, 45, 90)),
            deal=deal,
            company=company,
            created_at=created,
        )

    def quotas(self, *, owner) -> None:
        r = self.rnd
        for _ in range(r.randint(0, 3)):
            kind = r.choice(("month", "quarter", "year"))
            day = self.today + timedelta(days=r.randint(-400, 100))
            measure = r.choice(("revenue", "revenue", "revenue", "won_deals", "units"))
            target = r.choice((0, 3, 10, 5000, 25000, 90000)) if measure == "revenue" else r.choice((0, 2, 5, 12))
            quota_services.quota_set(
                by=self.admin,
                period=Period.containing(day, kind, self.fiscal_start),
                target=Decimal(target),
                measure=measure,
                stretch_percent=r.choice((100, 125, 150, 200)),
                **owner,
            )

    def goal(self, *, metric, rep=None, team=None, collective=False) -> None:
        r = self.rnd
        target = r.randint(1, 60)
        ramp = r.random() < 0.3
        quota_services.goal_save(
            goal=ActivityGoal(
                rep=rep,
                team=team,
                metric=metric,
                frequency=r.choice(("week", "month")),
                target=target,
                ramp_start=r.randint(1, target) if ramp else None,
                ramp_step=r.randint(1, 10) if ramp else None,
                starts_on=self.today - timedelta(days=r.randint(0, 200)),
                priority=r.randint(1, 3),
                is_collective=collective,
            )
        )


def _ranges(world: World) -> dict[str, tuple[date, date]]:
    """The period picker's presets (docs/metrics.md, "The period picker"), quarter-to-date and a custom range."""
    today, fs = world.today, world.fiscal_start
    ranges = {}
    for kind in ("week", "month", "quarter", "year"):
        this = cal.period(kind, today, fs)
        ranges[f"this {kind}"] = this
        ranges[f"last {kind}"] = cal.previous(kind, this, fs)
    ranges["quarter to date"] = (cal.quarter(today, fs)[0], today)
    start = today - timedelta(days=world.rnd.randint(0, 400))
    ranges["custom"] = (start, start + timedelta(days=world.rnd.randint(0, 120)))
    return ranges


# --- the comparisons -------------------------------------------------------------------------------


def _row_groups(name: str, *, total: bool) -> str:
    if name in QUOTA_FIGURES:
        return "item 4" if total else "item 1"
    if name in GOAL_FIGURES:
        return "item 3" if total and name.endswith(("_goal", "_goal_count")) else "item 2"
    return "item 3" if total else "core"


def _compare_row(diff: Differences, where: str, expected: dict, actual, *, total: bool = False) -> None:
    for name in (*ROW_FIGURES, *QUOTA_FIGURES, *GOAL_FIGURES):
        diff.check(_row_groups(name, total=total), f"{where} {name}", expected[name], getattr(actual, name))


def _compare_stages(diff: Differences, where: str, expected: dict, actual: dict) -> None:
    """(rep, stage) -> figures; the won and lost stages' entered and won are item 7, follow-ups item 5."""
    for key in sorted(set(expected) | set(actual)):
        mine, theirs = expected.get(key), actual.get(key)
        for name in STAGE_VALUES:
            group = _stage_group(name)
            if name in ("entered", "won") and key[1] in _closed_stage_ids(diff):
                group = "item 7"
            diff.check(group, f"{where} {key} {name}", mine and mine[name], theirs and theirs[name])


def _stage_group(name: str) -> str:
    return {"followups": "item 5", "still_open": "still open"}.get(name, "core")


def _closed_stage_ids(diff) -> set[int]:
    return diff.closed_stage_ids


def _stage_dict(figures) -> dict:
    return {name: getattr(figures, name) for name in STAGE_VALUES}


def _compare_team_dashboard(diff: Differences, ref: Reference, world: World, team, first: date, last: date, label):
    team_ids = ref.team_and_below(team.pk) if team else {t.pk for t in world.teams}
    reps = list(User.objects.reps().filter(team_id__in=team_ids).order_by("first_name", "last_name", "username"))
    scope = TeamScope(reps=reps, team=team, start=first, end=last, today=world.today, fiscal_start=world.fiscal_start)
    pipeline = open_pipeline_by_rep(rep_ids=[rep.pk for rep in reps], now=world.now)
    page = team_figures(scope=scope, pipeline=pipeline, trend_unit="week")
    expected = ref.team_dashboard(team_id=team and team.pk, first=first, last=last, trend_end=world.today)
    where = f"team dashboard ({team or 'all teams'}, {label} {first}..{last})"
    diff.check("core", f"{where} reps", expected["reps"], [rep.pk for rep in reps])
    for row in page.rows:
        _compare_row(diff, f"{where} row {row.rep.username}", expected["rows"][row.rep.pk], row)
    _compare_row(diff, f"{where} total", expected["total"], page.total, total=True)
    _compare_stages(
        diff,
        f"{where} funnel",
        expected["stages"],
        {
            (s.rep.pk, s.stage.pk): _stage_dict(s)
            for s in page.stage_figures
            if any(getattr(s, name) for name in STAGE_VALUES)
        },
    )
    split = page.split
    for group in ("lead_source", "territory", "segment", "competitors"):
        actual = {row.key or None: (row.deals, row.amount) for row in getattr(split, group)}
        diff.check("core", f"{where} revenue by {group}", _plain(expected["split"][group]), _plain(actual))
    actual = {row.key: (row.deals, row.amount) for row in split.deal_type}
    diff.check("core", f"{where} revenue by deal type", _plain(expected["split"]["deal_type"]), _plain(actual))
    for unit, points in (("week", page.points), ("month", trend(reps=reps, unit="month", end=scope.trend_end))):
        _compare_trend(diff, f"{where} {unit}ly trend", expected[f"trend_{unit}"], points)


def _plain(split: dict) -> dict:
    return {str(key): (n, str(Decimal(amount).quantize(Decimal("0.01")))) for key, (n, amount) in split.items()}


def _compare_trend(diff, where, expected: list[dict], points) -> None:
    diff.check("core", f"{where} weeks", [p["start"] for p in expected], [p.period.start for p in points])
    for mine, theirs in zip(expected, points, strict=False):
        for name, value in mine.items():
            if name != "start":
                diff.check("core", f"{where} {mine['start']} {name}", value, getattr(theirs, name))


def _compare_one_on_one(diff: Differences, ref: Reference, world: World, rep, first: date, last: date, label):
    page = one_on_one_reads.one_on_one_page(
        rep=rep,
        viewer=world.admin,
        date_range=DateRange(first, last, "custom"),
        today=world.today,
        now=world.now,
    )
    expected = ref.one_on_one(rep.pk, first, last)
    where = f"one-on-one ({rep.username}, {label} {first}..{last})"
    _compare_row(diff, f"{where} rep", expected["row"], page.rep_row)
    diff.check("core", f"{where} team size", expected["team_size"], page.team_size)
    if expected["average"] is None or page.average is None:
        diff.check("core", f"{where} team average", expected["average"] is None, page.average is None)
    else:
        _compare_row(diff, f"{where} team average", expected["average"], page.average, total=True)
    _compare_trend(diff, f"{where} rep trend", expected["rep_trend"], page.rep_trend)
    _compare_trend(diff, f"{where} team trend", expected["team_trend"], page.team_trend)
    actual_stages = {s.stage.pk: s for s in page.stages}
    for stage_id in sorted(set(expected["stages"]) | set(actual_stages)):
        mine = expected["stages"].get(stage_id, (None, None))
        theirs = actual_stages.get(stage_id)
        sides = (theirs and theirs.rep, theirs and theirs.team)
        for who, mine_side, their_side in zip(("rep", "team"), mine, sides, strict=True):
            their_values = _stage_dict(their_side) if their_side is not None else None
            if their_values is not None and not any(their_values.values()):
                their_values = None
            for name in STAGE_VALUES:
                diff.check(
                    _stage_group(name),
                    f"{where} stage {stage_id} {who} {name}",
                    mine_side and mine_side[name],
                    their_values and their_values[name],
                )
    _compare_goal_history(diff, where, expected["goals"], page.goals)
    _compare_quota_lines(diff, where, expected["quotas"], page.quotas)
    _compare_time(diff, where, expected["time_spent"], time_spent(rep_ids=[rep.pk], start=first, end=last))


def _compare_goal_history(diff, where, expected: dict, histories) -> None:
    actual = {h.goal.pk: [_progress_dict(p, None) for p in h.periods] for h in histories}
    diff.check("core", f"{where} goal history", _strip_members(expected), _strip_members(actual))


def _strip_members(history: dict) -> dict:
    return {goal: [(p["start"], p["count"], p["target"]) for p in periods] for goal, periods in history.items()}


def _progress_dict(progress, rep_id) -> dict:
    found = {"start": progress.period.start, "count": progress.count, "target": progress.target}
    if progress.collective:
        found["members"] = {m.rep.pk: (m.count, m.part) for m in progress.members}
    return found


def _compare_quota_lines(diff, where, expected: dict, lines) -> None:
    actual = {line.quota.pk: line for line in lines}
    diff.check("core", f"{where} quota lines", sorted(expected), sorted(actual))
    for quota_id, mine in expected.items():
        line = actual.get(quota_id)
        if line is None:
            continue
        for name, value in (
            ("achieved", line.achieved),
            ("attainment", line.attainment),
            ("stretch_attainment", line.stretch_attainment),
            ("pace", line.pace),
        ):
            diff.check("core", f"{where} quota {quota_id} {name}", mine[name], value)


def _compare_time(diff, where, expected: dict, actual) -> None:
    diff.check(
        "core",
        f"{where} time spent by kind",
        expected["kinds"],
        {k.kind: (k.count, k.minutes) for k in actual.kinds},
    )
    diff.check("core", f"{where} selling time share", expected["selling_share"], actual.selling_share)


def _compare_my_week(diff: Differences, ref: Reference, world: World, rep) -> None:
    week = rep_reads.my_week(rep=rep, today=world.today, now=world.now)
    expected = ref.my_week(rep.pk)
    where = f"My week ({rep.username}, {world.today})"
    actual_goals = {line.goal.pk: _progress_dict(line.progress, rep.pk) for line in week.goals}
    diff.check("core", f"{where} goals", expected["goals"], actual_goals)
    diff.check("core", f"{where} goal order", list(expected["goals"]), [line.goal.pk for line in week.goals])
    _compare_quota_lines(diff, where, expected["quotas"], week.quotas)
    actual = {s.stage_id: (s.deals, s.value, s.weighted) for s in week.pipeline.stages}
    mine, theirs = _plain3(expected["pipeline"]), _plain3(actual)
    diff.check("core", f"{where} open pipeline by stage", _drop_weighted(mine), _drop_weighted(theirs))
    diff.check("weighted to the cent", f"{where} open pipeline by stage, weighted", mine, theirs)
    diff.check("core", f"{where} stale deals", [d for d, *_ in expected["stale"]], [d.pk for d in week.stale])
    for (deal_id, age, limit), deal in zip(expected["stale"], week.stale, strict=False):
        diff.check("core", f"{where} stale deal {deal_id} age", age, deal.age_days)
        diff.check("core", f"{where} stale deal {deal_id} limit", limit, deal.limit_days)
    diff.check("core", f"{where} upcoming", expected["upcoming"], [a.pk for a in week.upcoming])
    actual_today = {
        k.kind: {
            "count": k.count,
            "minutes": k.minutes,
            "connected": k.connected,
            "replied": k.replied,
            "held": k.held,
            "booked": k.booked,
        }
        for k in week.day.kinds
    }
    diff.check("core", f"{where} logged today", expected["today"], actual_today)
    _compare_time(
        diff,
        f"{where} this week",
        expected["time_spent"],
        time_spent(rep_ids=[rep.pk], start=week.week.start, end=week.week.end),
    )
    history = rep_reads.planner_history(rep=rep, today=world.today)

    def plain(h):
        return h and (
            h.won_deals,
            str(h.won_amount.quantize(Decimal("0.01"))),
            h.meetings_held,
            h.meetings_booked,
            h.calls,
        )

    mine = expected["planner"]
    diff.check("core", f"{where} planner history (rep)", plain_tuple(mine["rep"]), plain(history.rep))
    diff.check("core", f"{where} planner history (team)", plain_tuple(mine["team"]), plain(history.team))


def plain_tuple(values):
    return values and (values[0], str(Decimal(values[1]).quantize(Decimal("0.01"))), *values[2:])


def _drop_weighted(pipeline: dict) -> dict:
    return {stage_id: (n, value) for stage_id, (n, value, _weighted) in pipeline.items()}


def _plain3(pipeline: dict) -> dict:
    return {k: (n, str(Decimal(v).quantize(Decimal("0.01"))), str(w)) for k, (n, v, w) in pipeline.items()}


# --- the test ---------------------------------------------------------------------------------------


def _closed_ids(ref: Reference) -> set[int]:
    return {s.id for s in ref.org.stages.values() if s.kind != "open"}


def compare_everything(world: World, picks: random.Random) -> Differences:
    ref = Reference(load_org(now=world.now))
    diff = Differences()
    diff.closed_stage_ids = _closed_ids(ref)
    ranges = _ranges(world)
    for label in picks.sample(sorted(ranges), 4):
        first, last = ranges[label]
        team = picks.choice([None, *world.teams])
        _compare_team_dashboard(diff, ref, world, team, first, last, label)
        _compare_one_on_one(diff, ref, world, picks.choice(world.reps), first, last, label)
    active = [rep for rep in world.reps if rep.is_active]
    if active:
        _compare_my_week(diff, ref, world, picks.choice(active))
    return diff


MOMENTS = st.builds(
    lambda day, minutes: datetime.combine(day, time(), UTC) + timedelta(minutes=minutes),
    st.dates(date(2026, 1, 1), date(2027, 6, 30)),
    st.integers(0, 24 * 60 - 1),
)


@dataclass(frozen=True)
class Scenario:
    seed: int
    now: datetime
    zone: str
    fiscal_start: int
    drain: bool


SCENARIOS = st.builds(
    Scenario,
    seed=st.integers(0, 2**32 - 1),
    now=MOMENTS,
    zone=st.sampled_from(ZONES),
    fiscal_start=st.sampled_from((1, 4)),
    drain=st.booleans(),
)


def run_scenario(scenario: Scenario) -> Differences:
    """Build the organisation, refresh the dashboards, compare; everything rolled back after."""
    with ExitStack() as stack:
        stack.enter_context(mock.patch("django.utils.timezone.now", lambda: scenario.now))
        stack.enter_context(timezone.override(ZoneInfo(scenario.zone)))
        stack.enter_context(transaction.atomic())
        cache.clear()
        cache.set(CACHE_KEY, scenario.zone)
        cache.set(CURRENCY_CACHE_KEY, "USD")
        try:
            world = World(random.Random(scenario.seed), scenario.now, scenario.zone, scenario.fiscal_start)
            world.build()
            if scenario.drain:
                rollups.drain()
            else:
                rollups.rebuild()
            return compare_everything(world, random.Random(scenario.seed + 1))
        finally:
            transaction.set_rollback(True)
            cache.clear()


REFERENCE_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    # No shrinking: each step would build another organisation; the report names the example and its figures.
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


# The group tests draw the same scenarios (derandomised): each organisation is built and compared once.
_compared: dict[Scenario, Differences] = {}


def _differences(scenario: Scenario) -> Differences:
    if scenario not in _compared:
        _compared[scenario] = run_scenario(scenario)
    return _compared[scenario]


def _group_test(group: str):
    @REFERENCE_SETTINGS
    @given(scenario=SCENARIOS)
    def test(db, scenario):
        found = _differences(scenario).of(group)
        assert not found, f"{len(found)} differences ({group}), first ones:\n" + "\n".join(found[:15])

    return test


# Figures docs/metrics.md defined before issue 20: they must agree.
test_the_core_figures_agree_with_the_reference = _group_test("core")
# Issue 20's items 1-5 and 7, each its own test so one that has not landed yet can be marked apart.
test_quota_over_a_range_agrees_with_the_reference = _group_test("item 1")
test_goal_columns_agree_with_the_reference = _group_test("item 2")
test_team_totals_agree_with_the_reference = _group_test("item 3")
test_team_attainment_agrees_with_the_reference = _group_test("item 4")
test_follow_ups_agree_with_the_reference = _group_test("item 5")
test_funnel_won_and_lost_agree_with_the_reference = _group_test("item 7")

# --- differences the reference found, reported on issue 20 (the code is not this suite's to change) ----

# docs/metrics.md "still open": "of those [deals that entered S in the period], deals that are still in
# S now": a deal that entered Demo in October, left, came back in November and sits there now is
# still open in October's figures as well as November's.
test_still_open_agrees_with_the_reference = _group_test("still open")

# docs/metrics.md "Display and rounding": money rounds half up; My week's open pipeline rounds each
# stage's weighted value to the cent with Decimal.quantize's default, half to even (12,000.25 at 10%
# = 1,200.025 shows 1,200.02, not 1,200.03).
test_weighted_pipeline_cents_agree_with_the_reference = _group_test("weighted to the cent")
