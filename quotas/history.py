"""What history says: activity goal progress and the planner's rates (the planner
itself, with its realism check, is in ``planner.py``).

Reads over ``Deal`` and ``Activity`` only; definitions follow METRICS.md
("Activity", "Pipeline", "Quotas and goals", "Top-down planner"). Every read
here is a GROUP BY over all the people involved at once, so a page costs the
same number of queries for 5 reps as for 50.

Cases METRICS.md leaves open, defined here:

- **Trailing 180 days** is the 180 days ending with ``today``, ``today`` included.
- A team's **members** are the users whose team it is (sub-teams not included).
  Goal counts and collective parts use the team's active reps; a team's history
  (for the planner's rates) uses every member's rows, under the team they are
  in now.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from activities.models import HELD_OUTCOMES, MEETING_KINDS, Activity, Kind
from pipeline.models import Deal, StageKind

from .models import ActivityGoal, OrgSettings
from .periods import Period

HISTORY_DAYS = 180
# A history is used for the planner's rates only when it holds at least this much
# in the trailing window; below it the next level (team, then defaults) is used.
MIN_WON_DEALS = 3
MIN_MEETINGS_HELD = 10
MIN_CALLS = 50
RAMP_AHEAD = 3

SOURCE_REP = _("rep history")
SOURCE_TEAM = _("team history")
SOURCE_DEFAULT = _("default")


# --- activity goals -------------------------------------------------------------


@dataclass(frozen=True)
class MemberPart:
    rep: User
    count: int
    part: int

    @property
    def met(self) -> bool:
        return self.count >= self.part


@dataclass(frozen=True)
class GoalProgress:
    """Activity goal progress (METRICS.md): activity count in the period / target for that period.

    ``ratio`` and ``pace`` are fractions (1.0 = 100%), ``None`` when the target
    (or the elapsed part of it) is zero, shown as "—".
    """

    period: Period
    count: int
    target: int
    elapsed_share: float
    members: tuple[MemberPart, ...] = ()  # collective goals only: each member's count and part
    collective: bool = False

    @property
    def ratio(self) -> float | None:
        return self.count / self.target if self.target else None

    @property
    def pace(self) -> float | None:
        """count / (target x elapsed share of the period): "behind" versus "early in the week"."""
        expected = self.target * self.elapsed_share
        return self.count / expected if expected else None

    @property
    def ratio_percent(self) -> float | None:
        return None if self.ratio is None else self.ratio * 100

    @property
    def pace_percent(self) -> float | None:
        return None if self.pace is None else self.pace * 100

    @property
    def members_met(self) -> int:
        return sum(member.met for member in self.members)

    @property
    def met(self) -> bool:
        """Met when the count reaches the target; a collective goal only when every member meets their part."""
        if not self.target:
            return False
        if self.collective:
            return bool(self.members) and all(member.met for member in self.members)
        return self.count >= self.target


@dataclass(frozen=True)
class GoalRow:
    goal: ActivityGoal
    target: int
    upcoming: tuple[int, ...]  # ramped goals: the next periods' targets, while still rising
    still_rising: bool  # the ramp goes on past the last of ``upcoming``
    progress: GoalProgress


def goal_period(goal: ActivityGoal, today: date) -> Period:
    """The goal's current week or month."""
    return Period.containing(today, goal.frequency)


def _team_reps(team_ids) -> dict[int, list[User]]:
    reps: dict[int, list[User]] = defaultdict(list)
    for rep in User.objects.reps().filter(team_id__in=team_ids).order_by("first_name", "last_name", "pk"):
        reps[rep.team_id].append(rep)
    return reps


def _counts(*, owner_ids, kinds, periods: list[Period]) -> dict[tuple[int, str, Period], int]:
    """Activity counts by (owner, kind, period), by ``day``: one GROUP BY query for all periods."""
    if not owner_ids or not periods:
        return {}
    aggregates = {
        f"p{i}": Count("pk", filter=Q(day__range=(period.start, period.end))) for i, period in enumerate(periods)
    }
    rows = (
        Activity.objects.filter(
            owner_id__in=owner_ids,
            kind__in=kinds,
            day__range=(min(p.start for p in periods), max(p.end for p in periods)),
        )
        .values("owner_id", "kind")
        .annotate(**aggregates)
        .order_by()
    )
    counts = {}
    for row in rows:
        for i, period in enumerate(periods):
            counts[(row["owner_id"], row["kind"], period)] = row[f"p{i}"]
    return counts


def _progress(*, goal, period, today, counts, team_reps) -> GoalProgress:
    target = goal.target_for(period)
    share = period.elapsed_share(today)

    def count_for(owner_id: int) -> int:
        return sum(counts.get((owner_id, kind, period), 0) for kind in goal.kinds)

    if goal.rep_id:
        return GoalProgress(period, count_for(goal.rep_id), target, share)
    reps = team_reps.get(goal.team_id, [])
    per_rep = [(rep, count_for(rep.pk)) for rep in reps]
    total = sum(count for _rep, count in per_rep)
    if not goal.is_collective:
        return GoalProgress(period, total, target, share)
    # Each member's part is the target shared evenly, rounded up, so the parts cover the whole target.
    part = math.ceil(target / len(reps)) if reps else target
    members = tuple(MemberPart(rep, count, part) for rep, count in per_rep)
    return GoalProgress(period, total, target, share, members=members, collective=True)


def goal_progress(*, goal: ActivityGoal, period: Period, today: date) -> GoalProgress:
    """Progress of one goal in ``period`` (see ``GoalProgress``).

    Counts activities of the goal's kinds (a group such as outreach counts calls
    and emails) whose ``day`` falls in the period: a rep goal that rep's, a team
    goal all the team's active reps'. A collective goal gives each member the
    target / members, rounded up, and is met only when every member meets theirs.
    """
    team_reps = _team_reps([goal.team_id]) if goal.team_id else {}
    owner_ids = [goal.rep_id] if goal.rep_id else [rep.pk for rep in team_reps.get(goal.team_id, [])]
    counts = _counts(owner_ids=owner_ids, kinds=goal.kinds, periods=[period])
    return _progress(goal=goal, period=period, today=today, counts=counts, team_reps=team_reps)


def ramp_targets(goal: ActivityGoal, period: Period, ahead: int = RAMP_AHEAD) -> tuple[tuple[int, ...], bool]:
    """The targets of the next ``ahead`` periods while the ramp still rises, and whether it rises further."""
    if goal.ramp_start is None:
        return (), False
    upcoming, cursor = [], period
    for _i in range(ahead):
        if goal.target_for(cursor) >= goal.target:
            break
        cursor = cursor.next()
        upcoming.append(goal.target_for(cursor))
    return tuple(upcoming), goal.target_for(cursor) < goal.target


def goal_rows(*, goals, today: date) -> list[GoalRow]:
    """The goal list: each goal's current target, its ramp ahead and its progress, in two queries."""
    goals = list(goals)
    team_reps = _team_reps({g.team_id for g in goals if g.team_id})
    owner_ids = {g.rep_id for g in goals if g.rep_id} | {r.pk for reps in team_reps.values() for r in reps}
    kinds = {kind for g in goals for kind in g.kinds}
    periods = sorted({goal_period(g, today) for g in goals})
    counts = _counts(owner_ids=owner_ids, kinds=kinds, periods=periods)
    rows = []
    for goal in goals:
        period = goal_period(goal, today)
        upcoming, rising = ramp_targets(goal, period)
        progress = _progress(goal=goal, period=period, today=today, counts=counts, team_reps=team_reps)
        rows.append(GoalRow(goal, progress.target, upcoming, rising, progress))
    return rows


# --- history for the planner ----------------------------------------------------------


@dataclass
class History:
    """One person's (or one team's) record in the trailing window."""

    won_deals: int = 0
    won_amount: Decimal = Decimal(0)
    meetings_held: int = 0
    meetings_booked: int = 0
    calls: int = 0

    def __add__(self, other: History) -> History:
        return History(
            self.won_deals + other.won_deals,
            self.won_amount + other.won_amount,
            self.meetings_held + other.meetings_held,
            self.meetings_booked + other.meetings_booked,
            self.calls + other.calls,
        )

    @property
    def is_enough(self) -> bool:
        return self.won_deals >= MIN_WON_DEALS and self.meetings_held >= MIN_MEETINGS_HELD and self.calls >= MIN_CALLS

    def figures(self) -> dict[str, Decimal | None]:
        """Average deal size, meeting -> won and call -> meeting rates; ``None`` for any this history cannot give.

        A history below the thresholds gives none; one that gives a zero (no
        meetings booked, deals won at zero) gives ``None`` for that figure, so
        the planner falls back instead of dividing by zero.
        """
        if not self.is_enough:
            return dict.fromkeys(FIGURES)
        return {
            "average_deal": self.won_amount / self.won_deals if self.won_amount > 0 else None,
            "meeting_to_win": Decimal(self.won_deals) / self.meetings_held,
            "call_to_meeting": Decimal(self.meetings_booked) / self.calls if self.meetings_booked else None,
        }


FIGURES = ("average_deal", "meeting_to_win", "call_to_meeting")


@dataclass(frozen=True)
class Figure:
    value: Decimal
    source: str  # SOURCE_REP, SOURCE_TEAM or SOURCE_DEFAULT

    @property
    def percent(self) -> Decimal:
        return self.value * 100


@dataclass(frozen=True)
class Rates:
    average_deal: Figure
    meeting_to_win: Figure
    call_to_meeting: Figure


def history_window(today: date) -> tuple[date, date]:
    """The trailing 180 days ending with ``today``."""
    return today - timedelta(days=HISTORY_DAYS - 1), today


def rates_for(*, rep: History | None, team: History | None, org: OrgSettings) -> Rates:
    """Each figure from the rep's own history, else the team's, else the admin-set defaults.

    A history counts when it holds at least ``MIN_WON_DEALS`` (3) won deals,
    ``MIN_MEETINGS_HELD`` (10) meetings held and ``MIN_CALLS`` (50) calls in the
    trailing 180 days, and the figure itself is above zero. Average deal size =
    won amount / won deals (closed_on in the window); meeting -> won rate = won
    deals / meetings held (meetings and demos with a held outcome, by ``day``);
    call -> meeting rate = meetings booked (meetings and demos by ``created_day``)
    / calls (by ``day``).
    """
    defaults = {
        "average_deal": org.default_deal_size,
        "meeting_to_win": org.default_meeting_to_win_rate,
        "call_to_meeting": org.default_call_to_meeting_rate,
    }
    levels = [
        (SOURCE_REP, rep.figures() if rep else {}),
        (SOURCE_TEAM, team.figures() if team else {}),
    ]
    chosen = {}
    for name in FIGURES:
        chosen[name] = next(
            (Figure(values[name], source) for source, values in levels if values.get(name) is not None),
            Figure(defaults[name], SOURCE_DEFAULT),
        )
    return Rates(**chosen)


def scope_filter(team: Team | None, prefix: str = "owner__") -> Q:
    """Rows of ``team``'s members (``prefix`` leads to the user), or everyone's with no team."""
    return Q(**{f"{prefix}team": team}) if team else Q()


def activity_history(*, team: Team | None, today: date) -> dict[tuple[int, int | None], History]:
    """Calls, meetings held and meetings booked in the trailing window, by (owner, owner's team): one query."""
    window = history_window(today)
    meetings = Q(kind__in=MEETING_KINDS)
    rows = (
        Activity.objects.filter(scope_filter(team))
        .filter(Q(day__range=window) | Q(created_day__range=window))
        .values("owner_id", "owner__team_id")
        .annotate(
            calls=Count("pk", filter=Q(kind=Kind.CALL, day__range=window)),
            held=Count("pk", filter=meetings & Q(outcome__in=HELD_OUTCOMES, day__range=window)),
            booked=Count("pk", filter=meetings & Q(created_day__range=window)),
        )
        .order_by()
    )
    return {
        (row["owner_id"], row["owner__team_id"]): History(
            meetings_held=row["held"], meetings_booked=row["booked"], calls=row["calls"]
        )
        for row in rows
    }


def won_history(*, team: Team | None, ranges: dict[str, tuple[date, date]], closed_range: tuple[date, date] | None):
    """Won deals (count and amount, by ``closed_on``) per named date range, and deals closed
    (won or lost) in ``closed_range``, by (owner, owner's team): one query for every range."""
    bounds = list(ranges.values()) + ([closed_range] if closed_range else [])
    won = Q(stage__kind=StageKind.WON)
    aggregates = {}
    for name, (start, end) in ranges.items():
        aggregates[f"{name}_n"] = Count("pk", filter=won & Q(closed_on__range=(start, end)))
        aggregates[f"{name}_amount"] = Sum("amount", filter=won & Q(closed_on__range=(start, end)))
    if closed_range:
        aggregates["closed_n"] = Count("pk", filter=Q(closed_on__range=closed_range))
    rows = (
        Deal.objects.filter(scope_filter(team))
        .filter(
            stage__kind__in=(StageKind.WON, StageKind.LOST),
            closed_on__range=(min(b[0] for b in bounds), max(b[1] for b in bounds)),
        )
        .values("owner_id", "owner__team_id")
        .annotate(**aggregates)
        .order_by()
    )
    result = {}
    for row in rows:
        result[(row["owner_id"], row["owner__team_id"])] = {
            **{name: (row[f"{name}_n"], row[f"{name}_amount"] or Decimal(0)) for name in ranges},
            "closed": row.get("closed_n", 0),
        }
    return result
