"""Every dashboard figure, recomputed from an ``Org`` of plain rows, straight from docs/metrics.md.

Figures are plain dicts of numbers (``Decimal`` for money and prorated targets, ``None`` for "—",
percentages as floats). ``Reference(org)`` answers the team dashboard (``rep_rows``, ``team_total``,
``stage_figures``, ``revenue_split``, ``trend``), the one-on-one page (``one_on_one``) and My week
(``my_week``).
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from . import calendar as cal
from .rows import Deal, Goal, Org, Quota

SELLING_KINDS = {"call", "email", "meeting", "demo", "prospecting", "follow_up"}
MEETING_KINDS = {"meeting", "demo"}
HELD = {"held", "positive", "neutral", "negative"}
MEASURES = ("revenue", "won_deals", "units")  # the page's measure: the first any quota in scope has
QUOTA_KINDS = ("month", "quarter", "year")  # finest first
GOAL_KINDS = {"outreach": {"call", "email"}, "meetings_demos": {"meeting", "demo"}}
# The team table's goal columns: the goal metrics behind each, and the activity kinds it counts.
COLUMNS = {
    "calls": ({"call"}, {"call"}),
    "emails": ({"email"}, {"email"}),
    "meetings": ({"meetings_demos", "meeting", "demo"}, MEETING_KINDS),
}
ZERO = Decimal(0)
ADDITIVE = (
    "calls",
    "connected",
    "emails",
    "replied",
    "meetings",
    "booked",
    "held",
    "positive",
    "selling_minutes",
    "minutes",
    "won_deals",
    "won_amount",
    "won_units",
    "lost_deals",
    "cycle_days",
    "open_deals",
    "open_amount",
    "weighted_amount",
    "stale_deals",
    "calls_goal_count",
    "emails_goal_count",
    "meetings_goal_count",
    "booked_goal_count",
)
STAGE_VALUES = ("entered", "advanced", "lost", "won", "still_open", "stays", "stay_days", "left_forward", "followups")


def percent(numerator, denominator) -> float | None:
    """numerator / denominator in percent; None ("—") for a zero denominator."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return float(Decimal(numerator) / Decimal(denominator) * 100)


def half_up(value, places: str = "1") -> Decimal:
    return Decimal(value).quantize(Decimal(places), ROUND_HALF_UP)


def goal_kinds(metric: str) -> set[str]:
    return GOAL_KINDS.get(metric, {metric})


def add_ratios(figures: dict) -> dict:
    """The ratios of a row (or a total), from its counts and sums (docs/metrics.md)."""
    f = figures
    f["connect_rate"] = percent(f["connected"], f["calls"])
    f["reply_rate"] = percent(f["replied"], f["emails"])
    f["positive_rate"] = percent(f["positive"], f["held"])
    f["selling_share"] = percent(f["selling_minutes"], f["minutes"])
    f["win_rate"] = percent(f["won_deals"], f["won_deals"] + f["lost_deals"])
    f["average_deal"] = f["won_amount"] / f["won_deals"] if f["won_deals"] else None
    f["cycle_length"] = f["cycle_days"] / f["won_deals"] if f["won_deals"] else None
    target, achieved = f.get("quota_target"), f.get("quota_achieved")
    f["attainment"] = percent(achieved, target)
    f["stretch_attainment"] = percent(achieved, f.get("quota_stretch_target"))
    share = f.get("elapsed_share", 0.0)
    f["pace"] = None if target is None else percent(achieved, target * Decimal(str(share)))
    for column in COLUMNS:
        f[f"{column}_progress"] = percent(f[f"{column}_goal_count"], f[f"{column}_goal"])
    f["booked_progress"] = percent(f["booked_goal_count"], f["meetings_goal"])
    f["revenue_progress"] = percent(f["won_amount"], target) if f.get("quota_measure") == "revenue" else None
    return f


@dataclass(frozen=True)
class Prorated:
    kind: str
    target: Decimal
    stretch: Decimal


class Reference:
    def __init__(self, org: Org):
        self.org = org
        self.fs = org.fiscal_start
        self.zone = org.zone
        self.now = org.now
        self.today = cal.local_day(org.now, org.zone)
        self.day = {a.id: cal.local_day(a.occurred_at, org.zone) for a in org.activities}
        self.created_day = {a.id: cal.local_day(a.created_at, org.zone) for a in org.activities}
        self.history: dict[int, list] = defaultdict(list)
        for change in sorted(org.changes, key=lambda c: (c.at, c.id)):
            self.history[change.deal_id].append(change)
        self.change_day = {c.id: cal.local_day(c.at, org.zone) for c in org.changes}

    # --- who --------------------------------------------------------------------------------

    def active_reps(self, team_ids) -> list[int]:
        """Active users with the rep role in those teams, in name order."""
        people = [p for p in self.org.people.values() if p.role == "rep" and p.is_active and p.team_id in set(team_ids)]
        return [p.id for p in sorted(people, key=lambda p: p.sort_key)]

    def team_and_below(self, team_id: int) -> set[int]:
        found = {team_id}
        while True:
            more = {t for t, parent in self.org.team_parents.items() if parent in found} - found
            if not more:
                return found
            found |= more

    def stage(self, stage_id):
        return self.org.stages[stage_id]

    # --- activity -------------------------------------------------------------------------------

    def activity(self, rep_ids, first: date, last: date) -> dict:
        """docs/metrics.md "Activity": counts by the local day it happened; booked by the day logged."""
        f = dict.fromkeys(("calls", "connected", "emails", "replied", "meetings", "booked", "held", "positive"), 0) | {
            "selling_minutes": 0,
            "minutes": 0,
        }
        reps = set(rep_ids)
        for a in self.org.activities:
            if a.owner_id not in reps:
                continue
            if a.kind in MEETING_KINDS and cal.inside(self.created_day[a.id], first, last):
                f["booked"] += 1
            if not cal.inside(self.day[a.id], first, last):
                continue
            f["minutes"] += a.minutes
            if a.kind in SELLING_KINDS:
                f["selling_minutes"] += a.minutes
            if a.kind == "call":
                f["calls"] += 1
                f["connected"] += a.outcome == "connected"
            elif a.kind == "email":
                f["emails"] += 1
                f["replied"] += a.outcome == "replied"
            elif a.kind in MEETING_KINDS:
                f["meetings"] += 1
                f["held"] += a.outcome in HELD
                f["positive"] += a.outcome == "positive"
        return f

    def count(self, rep_ids, kinds, first: date, last: date, *, booked: bool = False) -> int:
        reps = set(rep_ids)
        days = self.created_day if booked else self.day
        return sum(
            1
            for a in self.org.activities
            if a.owner_id in reps and a.kind in kinds and cal.inside(days[a.id], first, last)
        )

    # --- closed deals ----------------------------------------------------------------------

    def closed_deals(self, rep_ids, first: date, last: date) -> list[tuple[Deal, bool]]:
        """Deals closed (won or lost now, with a close date) on first..last, by their current owner:
        each once, on its current close date, in its current stage."""
        reps = set(rep_ids)
        found = []
        for deal in self.org.deals.values():
            kind = self.stage(deal.stage_id).kind
            if deal.owner_id in reps and kind != "open" and deal.closed_on and cal.inside(deal.closed_on, first, last):
                found.append((deal, kind == "won"))
        return found

    def closed(self, rep_ids, first: date, last: date) -> dict:
        f = {"won_deals": 0, "won_amount": ZERO, "won_units": 0, "lost_deals": 0, "cycle_days": 0}
        for deal, won in self.closed_deals(rep_ids, first, last):
            if won:
                f["won_deals"] += 1
                f["won_amount"] += deal.amount
                f["won_units"] += deal.units
                f["cycle_days"] += (deal.closed_on - cal.local_day(deal.created_at, self.zone)).days
            else:
                f["lost_deals"] += 1
        return f

    def won_in(self, measure: str, rep_ids, first: date, last: date) -> Decimal:
        c = self.closed(rep_ids, first, last)
        return {"revenue": c["won_amount"], "won_deals": Decimal(c["won_deals"]), "units": Decimal(c["won_units"])}[
            measure
        ]

    # --- pipeline now -----------------------------------------------------------------------

    def stays(self):
        """Every completed stay: (deal, stage id, entered at, left at, the stage it went to)."""
        for deal_id, changes in self.history.items():
            for here, there in itertools.pairwise(changes):
                yield deal_id, here, there

    def stale_threshold(self, stage_id: int) -> float | None:
        """The stage's rotting days, else 2 x the median stay of the stays that left it since local
        midnight 180 days ago; None (never stale) without such a stay."""
        stage = self.stage(stage_id)
        if stage.rotting_days:
            return float(stage.rotting_days)
        since = datetime.combine(self.today - timedelta(days=180), time(), ZoneInfo(self.zone))
        lengths = [
            (there.at - here.at).total_seconds() / 86400
            for _deal, here, there in self.stays()
            if here.to_stage_id == stage_id and there.at >= since
        ]
        return 2 * statistics.median(lengths) if lengths else None

    def open_age(self, deal: Deal) -> float:
        return (self.now - deal.stage_entered_at).total_seconds() / 86400

    def is_stale(self, deal: Deal, thresholds: dict) -> bool:
        limit = thresholds.get(deal.stage_id)
        return limit is not None and self.open_age(deal) > limit

    def thresholds(self) -> dict[int, float | None]:
        return {stage_id: self.stale_threshold(stage_id) for stage_id in self.org.stages}

    def open_deals(self, rep_ids) -> list[Deal]:
        reps = set(rep_ids)
        return [d for d in self.org.deals.values() if d.owner_id in reps and self.stage(d.stage_id).kind == "open"]

    def pipeline(self, rep_ids, thresholds) -> dict:
        deals = self.open_deals(rep_ids)
        return {
            "open_deals": len(deals),
            "open_amount": sum((d.amount for d in deals), ZERO),
            "weighted_amount": sum((d.amount * self.stage(d.stage_id).probability for d in deals), ZERO) / 100,
            "stale_deals": sum(1 for d in deals if self.is_stale(d, thresholds)),
        }

    # --- quotas ------------------------------------------------------------------------------

    def quota_span(self, quota: Quota) -> cal.Span:
        return cal.period(quota.kind, quota.start, self.fs)

    def overlapping(self, quotas, first: date, last: date) -> list[Quota]:
        return [q for q in quotas if cal.overlap(self.quota_span(q), first, last)]

    @staticmethod
    def measure_of(quotas) -> str | None:
        measures = {q.measure for q in quotas}
        return next((m for m in MEASURES if m in measures), None)

    def prorate(self, quotas, first: date, last: date) -> Prorated | None:
        """docs/metrics.md "Quota over a chosen range": the quotas of the finest kind with one
        overlapping the range, each target x its period's share of days inside the range."""
        for kind in QUOTA_KINDS:
            inside = [q for q in quotas if q.kind == kind and cal.overlap(self.quota_span(q), first, last)]
            if inside:
                target = stretch = ZERO
                for q in inside:
                    span = self.quota_span(q)
                    share = Decimal(cal.overlap(span, first, last)) / Decimal(cal.days(span))
                    target += q.target * share
                    stretch += q.target * q.stretch_percent / 100 * share
                return Prorated(kind, target, stretch)
        return None

    def stored_attainment(self, quota: Quota) -> dict:
        """docs/metrics.md "quota attainment" over the quota's whole period (what My week shows)."""
        first, last = self.quota_span(quota)
        if quota.rep_id:
            owners = [quota.rep_id]
        else:  # the users whose team it is now, any role, active or not
            owners = [p.id for p in self.org.people.values() if p.team_id == quota.team_id]
        achieved = self.won_in(quota.measure, owners, first, last)
        target, stretch = quota.target, quota.target * quota.stretch_percent / 100
        return {
            "achieved": achieved,
            "attainment": half_up(achieved / target, "0.0001") if target else None,
            "stretch_attainment": half_up(achieved / stretch, "0.0001") if stretch else None,
        }

    # --- goals -----------------------------------------------------------------------------

    def goal_period(self, goal: Goal, day: date) -> cal.Span:
        return cal.period(goal.frequency, day)

    def in_force_from(self, goal: Goal) -> date:
        return self.goal_period(goal, goal.starts_on)[0]

    def goal_target(self, goal: Goal, span: cal.Span) -> int:
        """0 before the period holding the start; then the target, or the ramp's step of it."""
        first = self.goal_period(goal, goal.starts_on)
        if span[0] < first[0]:
            return 0
        if goal.ramp_start is None:
            return goal.target
        if goal.frequency == "week":
            steps = (span[0] - first[0]).days // 7
        else:
            steps = (span[0].year - first[0].year) * 12 + span[0].month - first[0].month
        return min(goal.target, goal.ramp_start + goal.ramp_step * steps)

    def goal_plan(self, goal: Goal, first: date, last: date, part_of: int = 1) -> Decimal:
        """docs/metrics.md "Plan for a range", not rounded."""
        total = ZERO
        for span in cal.periods_over(goal.frequency, first, last):
            target = self.goal_target(goal, span)
            if part_of > 1:
                target = math.ceil(target / part_of)
            total += Decimal(target) * Decimal(cal.overlap(span, first, last)) / Decimal(cal.days(span))
        return total

    @staticmethod
    def column_goals(goals, column: str) -> list[Goal]:
        metrics, _kinds = COLUMNS[column]
        chosen = [g for g in goals if g.metric in metrics]
        if column == "meetings" and any(g.metric == "meetings_demos" for g in chosen):
            chosen = [g for g in chosen if g.metric == "meetings_demos"]
        return chosen

    def rep_goal_columns(self, rep_id: int) -> dict[str, tuple[list[Goal], int]]:
        """A rep's goals per column: their own, else their part of their team's collective goal."""
        person = self.org.people[rep_id]
        own = [g for g in self.org.goals if g.rep_id == rep_id]
        collective = [g for g in self.org.goals if g.team_id and g.team_id == person.team_id and g.is_collective]
        members = max(len(self.active_reps([person.team_id])), 1) if person.team_id else 1
        columns = {}
        for column in COLUMNS:
            if goals := self.column_goals(own, column):
                columns[column] = (goals, 1)
            elif goals := self.column_goals(collective, column):
                columns[column] = (goals, members)
        return columns

    def column_plan(self, goals, part_of, first: date, last: date) -> tuple[date, Decimal]:
        """The first day counted and the plan shown (rounded half up)."""
        start = max(first, min(self.in_force_from(g) for g in goals))
        plan = sum((self.goal_plan(g, first, last, part_of) for g in goals), ZERO)
        return start, half_up(plan)

    # --- the rep table -----------------------------------------------------------------------

    def rep_rows(self, rep_ids, first: date, last: date, *, thresholds=None) -> dict[int, dict]:
        """Each rep's row for first..last (docs/metrics.md "The pages", "Team dashboard")."""
        thresholds = self.thresholds() if thresholds is None else thresholds
        reps = set(rep_ids)
        quotas = self.overlapping([q for q in self.org.quotas if q.rep_id in reps], first, last)
        measure = self.measure_of(quotas)
        share = cal.elapsed_share(first, last, self.today)
        rows = {}
        for rep_id in rep_ids:
            row = (
                {"rep_id": rep_id}
                | self.activity([rep_id], first, last)
                | self.closed([rep_id], first, last)
                | self.pipeline([rep_id], thresholds)
            )
            row |= {"quota_target": None, "quota_stretch_target": None, "quota_achieved": None}
            row |= {"quota_measure": None, "quota_kind": None, "elapsed_share": share}
            prorated = self.prorate([q for q in quotas if q.rep_id == rep_id and q.measure == measure], first, last)
            if prorated:
                row |= {
                    "quota_target": prorated.target,
                    "quota_stretch_target": prorated.stretch,
                    "quota_achieved": self.won_in(measure, [rep_id], first, last),
                    "quota_measure": measure,
                    "quota_kind": prorated.kind,
                }
            columns = self.rep_goal_columns(rep_id)
            for column, (_metrics, kinds) in COLUMNS.items():
                row[f"{column}_goal"] = None
                start = first
                if column in columns:
                    start, row[f"{column}_goal"] = self.column_plan(*columns[column], first, last)
                row[f"{column}_goal_count"] = self.count([rep_id], kinds, start, last)
                if column == "meetings":
                    row["booked_goal_count"] = self.count([rep_id], kinds, start, last, booked=True)
            rows[rep_id] = add_ratios(row)
        return rows

    def team_total(self, rows: list[dict], *, team_id: int | None, first: date, last: date) -> dict:
        """docs/metrics.md "Team total row" and "Team attainment"."""
        total = {name: sum((row[name] for row in rows), 0) for name in ADDITIVE}
        for money in ("won_amount", "open_amount", "weighted_amount"):
            total[money] = Decimal(total[money])
        total |= {"quota_target": None, "quota_stretch_target": None, "quota_achieved": None, "quota_measure": None}
        total["elapsed_share"] = cal.elapsed_share(first, last, self.today)
        total["quota_is_own"] = False
        reps = [row["rep_id"] for row in rows]
        with_quota = [row for row in rows if row["quota_target"] is not None]
        measure = with_quota[0]["quota_measure"] if with_quota else None
        if with_quota:
            total["quota_target"] = sum((row["quota_target"] for row in with_quota), ZERO)
            total["quota_stretch_target"] = sum((row["quota_stretch_target"] for row in with_quota), ZERO)
        if team_id is not None:
            team_quotas = self.overlapping([q for q in self.org.quotas if q.team_id == team_id], first, last)
            measure = measure or self.measure_of(team_quotas)
            own = self.prorate([q for q in team_quotas if q.measure == measure], first, last)
            if own:
                total |= {"quota_target": own.target, "quota_stretch_target": own.stretch, "quota_is_own": True}
        if total["quota_target"] is not None:
            total["quota_measure"] = measure
            total["quota_achieved"] = self.won_in(measure, reps, first, last)
        for column in COLUMNS:
            plans = [row[f"{column}_goal"] for row in rows if row[f"{column}_goal"] is not None]
            total[f"{column}_goal"] = sum(plans, ZERO) if plans else None
        if team_id is not None:
            own_goals = [g for g in self.org.goals if g.team_id == team_id and not g.is_collective]
            for column, (_metrics, kinds) in COLUMNS.items():
                if goals := self.column_goals(own_goals, column):
                    start, total[f"{column}_goal"] = self.column_plan(goals, 1, first, last)
                    total[f"{column}_goal_count"] = self.count(reps, kinds, start, last)
                    if column == "meetings":
                        total["booked_goal_count"] = self.count(reps, kinds, start, last, booked=True)
        return add_ratios(total)

    def team_average(self, total: dict, reps: int) -> dict:
        """The one-on-one page's average rep: every count, amount, target and plan / the reps."""
        average = dict(total)
        n = Decimal(reps or 1)
        divided = [*ADDITIVE, "quota_target", "quota_achieved", "quota_stretch_target"]
        divided += [f"{column}_goal" for column in COLUMNS]
        for name in divided:
            if average[name] is not None:
                average[name] = Decimal(average[name]) / n
        return add_ratios(average)

    # --- stage flow --------------------------------------------------------------------------

    def stage_at(self, deal_id: int, moment: datetime) -> int | None:
        """The stage the deal sat in at ``moment``: its last change at or before it, else the first
        stage it entered."""
        changes = self.history.get(deal_id)
        if not changes:
            return None
        found = changes[0].to_stage_id
        for change in changes:
            if change.at <= moment:
                found = change.to_stage_id
        return found

    def forward(self, from_stage: int, to_stage: int) -> bool:
        """A move to a won stage or an open stage of higher order."""
        here, there = self.stage(from_stage), self.stage(to_stage)
        return there.kind == "won" or (there.kind == "open" and there.order > here.order)

    def stage_flow(self, rep_ids, first: date, last: date) -> dict[tuple[int, int], dict]:
        """One stored period's stage figures per (rep, stage) (docs/metrics.md "Pipeline")."""
        reps = set(rep_ids)
        out: dict[tuple[int, int], dict] = defaultdict(lambda: dict.fromkeys(STAGE_VALUES, 0))
        for deal_id, changes in self.history.items():
            deal = self.org.deals[deal_id]
            if deal.owner_id not in reps:
                continue
            entered: dict[int, int] = {}  # stage -> index of the first entry in the period
            for i, change in enumerate(changes):
                if cal.inside(self.change_day[change.id], first, last):
                    entered.setdefault(change.to_stage_id, i)
            for stage_id, i in entered.items():
                f = out[deal.owner_id, stage_id]
                f["entered"] += 1
                if self.stage(stage_id).kind != "open":
                    continue
                later = changes[i + 1 :]
                f["advanced"] += any(
                    self.stage(c.to_stage_id).kind == "won"
                    or (
                        self.stage(c.to_stage_id).kind == "open"
                        and self.stage(c.to_stage_id).order > self.stage(stage_id).order
                    )
                    for c in later
                )
                f["won"] += any(self.stage(c.to_stage_id).kind == "won" for c in later)
                f["lost"] += any(
                    c.to_stage_id == stage_id
                    and cal.inside(self.change_day[c.id], first, last)
                    and j + 1 < len(changes)
                    and self.stage(changes[j + 1].to_stage_id).kind == "lost"
                    for j, c in enumerate(changes)
                )
                f["still_open"] += deal.stage_id == stage_id
            left: set[int] = set()
            for here, there in itertools.pairwise(changes):
                if not cal.inside(self.change_day[there.id], first, last):
                    continue
                f = out[deal.owner_id, here.to_stage_id]
                f["stays"] += 1
                f["stay_days"] += (there.at - here.at).total_seconds() / 86400
                if self.forward(here.to_stage_id, there.to_stage_id):
                    left.add(here.to_stage_id)
            for stage_id in left:
                out[deal.owner_id, stage_id]["left_forward"] += 1
        for a in self.org.activities:
            if a.deal_id is None or a.owner_id not in reps or not cal.inside(self.day[a.id], first, last):
                continue
            stage_id = self.stage_at(a.deal_id, a.occurred_at)
            if stage_id is not None:
                out[a.owner_id, stage_id]["followups"] += 1
        return dict(out)

    def stored_period(self, first: date, last: date) -> str | None:
        for kind in ("week", "month", "quarter", "year"):
            if cal.period(kind, first, self.fs) == (first, last):
                return kind
        return None

    def stage_figures(self, rep_ids, first: date, last: date, *, closed: bool) -> dict[tuple[int, int], dict]:
        """docs/metrics.md "Stage figures for a range": one stored period's figures, else the weeks that
        start inside the range summed; with ``closed`` (the team funnel), won and lost stages count the
        range's closed deals (entered; won on a won stage), advanced, lost and still open 0."""
        if self.stored_period(first, last):
            found = self.stage_flow(rep_ids, first, last)
        else:
            found = defaultdict(lambda: dict.fromkeys(STAGE_VALUES, 0))
            monday = first + timedelta(days=(7 - first.weekday()) % 7)
            while monday <= last:
                for key, values in self.stage_flow(rep_ids, monday, monday + timedelta(days=6)).items():
                    for name, value in values.items():
                        found[key][name] += value
                monday += timedelta(days=7)
            found = dict(found)
        if closed:
            for (_rep_id, stage_id), values in list(found.items()):
                if self.stage(stage_id).kind != "open":
                    values.update(entered=0, won=0, advanced=0, lost=0, still_open=0)
            for deal, won in self.closed_deals(rep_ids, first, last):
                values = found.setdefault((deal.owner_id, deal.stage_id), dict.fromkeys(STAGE_VALUES, 0))
                values["entered"] += 1
                values["won"] += won
        return {key: values for key, values in found.items() if any(values.values())}

    # --- splits and trends ------------------------------------------------------------------

    def revenue_split(self, rep_ids, first: date, last: date) -> dict[str, dict]:
        """Won deals and amount by lead source, territory, segment and deal type; lost to each competitor."""
        split: dict[str, dict] = {
            name: {} for name in ("lead_source", "territory", "segment", "deal_type", "competitors")
        }
        split["deal_type"] = {"new": (0, ZERO), "existing": (0, ZERO)}

        def add(group, key, deal):
            n, amount = split[group].get(key, (0, ZERO))
            split[group][key] = (n + 1, amount + deal.amount)

        for deal, won in self.closed_deals(rep_ids, first, last):
            if won:
                add("lead_source", deal.lead_source_id, deal)
                add("territory", deal.territory_id, deal)
                add("segment", deal.segment or None, deal)
                add("deal_type", "existing" if deal.deal_type in ("expansion", "renewal") else "new", deal)
            elif deal.competitor_id is not None:
                add("competitors", deal.competitor_id, deal)
        return split

    def trend(self, rep_ids, unit: str, end: date, count: int = 12) -> list[dict]:
        spans = [cal.period(unit, end)]
        while len(spans) < count:
            spans.insert(0, cal.previous(unit, spans[0]))
        points = []
        for first, last in spans:
            a, c = self.activity(rep_ids, first, last), self.closed(rep_ids, first, last)
            points.append(
                {"start": first}
                | {k: a[k] for k in ("calls", "emails", "meetings", "booked", "held")}
                | {k: c[k] for k in ("won_deals", "won_amount", "lost_deals")}
            )
        return points

    # --- goals on a rep's pages ----------------------------------------------------------------

    def rep_goals(self, rep_id: int) -> list[Goal]:
        team_id = self.org.people[rep_id].team_id
        goals = [g for g in self.org.goals if g.rep_id == rep_id or (team_id and g.team_id == team_id)]
        return sorted(goals, key=lambda g: (g.priority, g.id))

    def goal_progress(self, goal: Goal, span: cal.Span, rep_id: int) -> dict:
        """docs/metrics.md "goal progress": the count of the goal's kinds in the period against its target
        after ramp; a team goal counts the team's active reps, a collective one gives each their part."""
        kinds = goal_kinds(goal.metric)
        target = self.goal_target(goal, span)
        if goal.rep_id:
            return {"start": span[0], "count": self.count([goal.rep_id], kinds, *span), "target": target}
        members = self.active_reps([goal.team_id])
        counts = {m: self.count([m], kinds, *span) for m in members}
        progress = {"start": span[0], "count": sum(counts.values()), "target": target}
        if goal.is_collective:
            part = math.ceil(target / len(members)) if members else target
            progress["members"] = {m: (n, part) for m, n in counts.items()}
        return progress

    def goal_history(self, rep_id: int, periods: int = 4) -> dict[int, list[dict]]:
        """Each goal's current period and up to three before it, never one wholly before it started."""
        history = {}
        for goal in self.rep_goals(rep_id):
            spans = [self.goal_period(goal, self.today)]
            while len(spans) < periods and spans[0][0] > goal.starts_on:
                spans.insert(0, cal.previous(goal.frequency, spans[0]))
            history[goal.id] = [self.goal_progress(goal, span, rep_id) for span in spans]
        return history

    def quota_lines(self, rep_id: int) -> dict[int, dict]:
        """The rep's quotas of this month and this fiscal quarter, with the stored attainment and pace."""
        lines = {}
        for kind in ("month", "quarter"):
            span = cal.period(kind, self.today, self.fs)
            for quota in self.org.quotas:
                if quota.rep_id == rep_id and quota.kind == kind and quota.start == span[0]:
                    stored = self.stored_attainment(quota)
                    gone = (min(self.today, span[1]) - span[0]).days + 1 if self.today >= span[0] else 0
                    share = Decimal(gone) / Decimal(cal.days(span))
                    att = stored["attainment"]
                    stored["pace"] = att / share if att is not None and share else None
                    lines[quota.id] = stored
        return lines

    def time_spent(self, rep_ids, first: date, last: date) -> dict:
        reps = set(rep_ids)
        kinds: dict[str, list[int]] = {}
        for a in self.org.activities:
            if a.owner_id in reps and cal.inside(self.day[a.id], first, last):
                n, minutes = kinds.get(a.kind, (0, 0))
                kinds[a.kind] = (n + 1, minutes + a.minutes)
        total = sum(m for _n, m in kinds.values())
        selling = sum(m for kind, (_n, m) in kinds.items() if kind in SELLING_KINDS)
        return {"kinds": kinds, "selling_share": percent(selling, total)}

    # --- the pages -------------------------------------------------------------------------------

    def team_dashboard(self, *, team_id: int | None, first: date, last: date, trend_end: date) -> dict:
        team_ids = self.team_and_below(team_id) if team_id else set(self.org.team_parents)
        reps = self.active_reps(team_ids)
        rows = self.rep_rows(reps, first, last)
        return {
            "reps": reps,
            "rows": rows,
            "total": self.team_total(list(rows.values()), team_id=team_id, first=first, last=last),
            "stages": self.stage_figures(reps, first, last, closed=True),
            "split": self.revenue_split(reps, first, last),
            "trend_week": self.trend(reps, "week", min(last, trend_end)),
            "trend_month": self.trend(reps, "month", min(last, trend_end)),
        }

    def one_on_one(self, rep_id: int, first: date, last: date) -> dict:
        team_id = self.org.people[rep_id].team_id
        members = self.active_reps([team_id]) if team_id else []
        people = members if rep_id in members else [*members, rep_id]
        rows = self.rep_rows(people, first, last)
        average = None
        if members:
            total = self.team_total([rows[m] for m in members], team_id=team_id, first=first, last=last)
            average = self.team_average(total, len(members))
        stages = self.stage_figures(people, first, last, closed=False)
        compare = {}
        for (_rep, stage_id), _values in stages.items():
            if self.stage(stage_id).kind != "open":
                continue
            mine = stages.get((rep_id, stage_id))
            team = [stages[m, stage_id] for m in members if (m, stage_id) in stages]
            compare[stage_id] = (
                mine,
                {name: sum(v[name] for v in team) for name in STAGE_VALUES} if team else None,
            )
        trend_end = min(last, self.today)
        return {
            "row": rows[rep_id],
            "average": average,
            "team_size": len(members),
            "rep_trend": self.trend([rep_id], "week", trend_end),
            "team_trend": self.trend(members, "week", trend_end) if members else [],
            "stages": compare,
            "goals": self.goal_history(rep_id),
            "quotas": self.quota_lines(rep_id),
            "time_spent": self.time_spent([rep_id], first, last),
        }

    def my_week(self, rep_id: int) -> dict:
        thresholds = self.thresholds()
        goals = {}
        for goal in self.rep_goals(rep_id):
            goals[goal.id] = self.goal_progress(goal, self.goal_period(goal, self.today), rep_id)
        by_stage: dict[int, tuple] = {}
        for deal in self.open_deals([rep_id]):
            n, value, weighted = by_stage.get(deal.stage_id, (0, ZERO, ZERO))
            by_stage[deal.stage_id] = (
                n + 1,
                value + deal.amount,
                weighted + deal.amount * self.stage(deal.stage_id).probability,
            )
        pipeline = {s: (n, v, half_up(w / 100, "0.01")) for s, (n, v, w) in by_stage.items()}
        stale = sorted(
            (d for d in self.open_deals([rep_id]) if self.is_stale(d, thresholds)),
            key=lambda d: (d.stage_entered_at, d.id),
        )[:50]
        upcoming = sorted(
            (
                a
                for a in self.org.activities
                if a.owner_id == rep_id
                and a.kind in MEETING_KINDS
                and a.outcome == "scheduled"
                and a.occurred_at >= self.now
            ),
            key=lambda a: (a.occurred_at, a.id),
        )[:8]
        today: dict[str, dict] = {}
        for a in self.org.activities:
            if a.owner_id != rep_id:
                continue
            on_day = self.day[a.id] == self.today
            booked = a.kind in MEETING_KINDS and self.created_day[a.id] == self.today
            if not (on_day or booked):
                continue
            k = today.setdefault(
                a.kind, dict.fromkeys(("count", "minutes", "connected", "replied", "held", "booked"), 0)
            )
            if on_day:
                k["count"] += 1
                k["minutes"] += a.minutes
                k["connected"] += a.outcome == "connected"
                k["replied"] += a.outcome == "replied"
                k["held"] += a.outcome in HELD
            k["booked"] += booked
        week = cal.week(self.today)
        return {
            "goals": goals,
            "quotas": self.quota_lines(rep_id),
            "pipeline": pipeline,
            "stale": [(d.id, self.open_age(d), thresholds[d.stage_id]) for d in stale],
            "upcoming": [a.id for a in upcoming],
            "today": today,
            "time_spent": self.time_spent([rep_id], *week),
            "planner": self.planner_history(rep_id),
        }

    def planner_history(self, rep_id: int) -> dict:
        """The trailing 180 days (today included): won deals and amount, meetings held (by the day they
        happened) and booked (by the day logged), calls; the rep's and the team's (everyone whose team
        it is now)."""
        first, last = self.today - timedelta(days=179), self.today

        def history(owners):
            a, c = self.activity(owners, first, last), self.closed(owners, first, last)
            return (c["won_deals"], c["won_amount"], a["held"], a["booked"], a["calls"])

        team_id = self.org.people[rep_id].team_id
        team = None
        if team_id:
            team = history([p.id for p in self.org.people.values() if p.team_id == team_id or p.id == rep_id])
        return {"rep": history([rep_id]), "team": team}
