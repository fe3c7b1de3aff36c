"""The top-down planner (METRICS.md, "Top-down planner"): the reverse funnel's
arithmetic (pure functions) and ``plan_build``, which splits a target across
the reps and teams of a scope, with rates from their history (``history.py``).

A case METRICS.md leaves open, defined here: a rep **has history** for the
realism check when they closed at least one deal (won or lost) in the four
previous periods; a period with nothing won counts 0.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from fractions import Fraction

from accounts.models import Team, User

from .history import History, Rates, activity_history, history_window, rates_for, scope_filter, won_history
from .models import OrgSettings
from .periods import Period
from .services import Share, split_target

# METRICS.md: a realistic quota is reached by 70-80% of reps.
REALISTIC_SHARE = (Fraction(70, 100), Fraction(80, 100))
REALISM_PERIODS = 4


# --- the reverse funnel -------------------------------------------------------------


@dataclass(frozen=True)
class Funnel:
    deals: int
    meetings: int
    calls: int
    weeks_left: int

    @property
    def deals_per_week(self) -> int:
        return math.ceil(self.deals / self.weeks_left)

    @property
    def meetings_per_week(self) -> int:
        return math.ceil(self.meetings / self.weeks_left)

    @property
    def calls_per_week(self) -> int:
        return math.ceil(self.calls / self.weeks_left)


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding="ROUND_CEILING"))


def reverse_funnel(
    *, gap: Decimal, average_deal: Decimal, meeting_to_win: Decimal, call_to_meeting: Decimal, weeks_left: int
) -> Funnel:
    """Deals, meetings and calls needed to close ``gap``, each rounded up to a whole number.

    deals = gap / average deal; meetings = deals / (meeting -> won rate);
    calls = meetings / (call -> meeting rate). A gap of zero or less needs nothing.
    Rates are fractions (0.05 = 5%), computed in Decimal so the worked example is exact.
    """
    if gap <= 0:
        return Funnel(0, 0, 0, max(1, weeks_left))
    if average_deal <= 0 or meeting_to_win <= 0 or call_to_meeting <= 0:
        raise ValueError("the planner needs a positive deal size and positive rates")
    deals = _ceil(gap / average_deal)
    meetings = _ceil(Decimal(deals) / meeting_to_win)
    calls = _ceil(Decimal(meetings) / call_to_meeting)
    return Funnel(deals, meetings, calls, max(1, weeks_left))


# --- the plan ------------------------------------------------------------------------


@dataclass(frozen=True)
class RepPlan:
    rep: User
    quota: Share  # the rep's even share of the target
    gap: Share  # the rep's even share of the gap
    won: Decimal  # won so far in the period
    rates: Rates
    funnel: Funnel
    median: Decimal | None  # median won revenue over the last four periods; None: no history
    reaches: bool | None  # would have reached ``quota`` in that median period


@dataclass(frozen=True)
class TeamPlan:
    team: Team | None  # None: reps without a team
    reps: int
    gap: Decimal
    rates: Rates
    funnel: Funnel


@dataclass(frozen=True)
class Realism:
    """Share of reps at quota (METRICS.md), from history: reps whose median period would have reached their
    proposed quota / reps with history. Reps with no history are listed apart and left out of the share."""

    reached: int
    counted: int
    no_history: tuple[User, ...]

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.reached, self.counted) if self.counted else None

    @property
    def percent(self) -> int | None:
        share = self.share
        return None if share is None else round(share * 100)

    @property
    def warns(self) -> bool:
        return realism_warns(self.share)


def realism_warns(share: Fraction | None) -> bool:
    """True when history puts the share of reps at quota outside 70-80% (bounds included as realistic)."""
    if share is None:
        return False
    low, high = REALISTIC_SHARE
    return not low <= share <= high


@dataclass(frozen=True)
class Plan:
    period: Period
    team: Team | None  # the scope; None: the whole organisation
    target: Decimal
    last_year: Decimal | None  # won in the same period last year, when the target came from growth
    growth: Decimal | None
    won: Decimal
    gap: Decimal
    weeks_left: int
    teams: tuple[TeamPlan, ...]
    reps: tuple[RepPlan, ...]
    realism: Realism
    history_periods: tuple[Period, ...]

    @property
    def quotas_to_set(self) -> int:
        return len(self.reps) + (1 if self.team else 0)


def _whole(amount: Decimal, rounding=ROUND_HALF_UP) -> Decimal:
    return amount.quantize(Decimal(1), rounding=rounding)


def growth_target(*, last_year: Decimal, growth: Decimal) -> Decimal:
    """Last year's won revenue grown by ``growth`` percent, in whole currency units."""
    return _whole(last_year * (1 + growth / 100))


def plan_build(
    *,
    period: Period,
    team: Team | None,
    today: date,
    org: OrgSettings,
    target: Decimal | None = None,
    growth: Decimal | None = None,
) -> Plan:
    """The top-down plan (METRICS.md, "Top-down planner") for a team or, with ``team=None``, the organisation.

    Give ``target`` (revenue, whole units) or ``growth`` (percent over the won
    revenue of the same period last year). Won so far = won deals with
    ``closed_on`` in the period, owners in the scope; gap = target - won (none
    when negative). The gap and the target are split evenly across the scope's
    active reps (``split_target``); each rep's and each team's deals, meetings
    and calls come from ``reverse_funnel`` with rates from ``rates_for``. A
    constant number of queries, whatever the number of reps.
    """
    history_periods = _history_periods(period)
    won_rows = won_history(
        team=team,
        ranges=_won_ranges(period, today, history_periods),
        closed_range=(history_periods[-1].start, history_periods[0].end),
    )
    people, teams = _histories(won_rows, activity_history(team=team, today=today))
    won = sum((values["now"][1] for values in won_rows.values()), Decimal(0))
    target, last_year = _target(won_rows, target=target, growth=growth)
    gap = max(target - won, Decimal(0))
    weeks_left = period.weeks_left(today)
    reps = _scope_reps(team)
    rep_plans, realism = _rep_plans(
        reps, won_rows=won_rows, people=people, teams=teams, org=org, target=target, gap=gap, weeks_left=weeks_left
    )
    return Plan(
        period=period,
        team=team,
        target=target,
        last_year=last_year,
        growth=growth if last_year is not None else None,
        won=won,
        gap=gap,
        weeks_left=weeks_left,
        teams=tuple(_team_plans(reps, rep_plans, teams=teams, org=org, weeks_left=weeks_left)),
        reps=tuple(rep_plans),
        realism=realism,
        history_periods=tuple(history_periods),
    )


def _history_periods(period: Period) -> list[Period]:
    """The ``REALISM_PERIODS`` periods before ``period``, the latest first."""
    periods, cursor = [], period
    for _i in range(REALISM_PERIODS):
        cursor = cursor.previous()
        periods.append(cursor)
    return periods


def _won_ranges(period: Period, today: date, history_periods: list[Period]) -> dict[str, tuple[date, date]]:
    """The date ranges won deals are summed over: the history window, the period, the same period
    last year (for growth) and each of the previous periods (for the realism check)."""
    last = period.same_period_last_year()
    return {
        "window": history_window(today),
        "now": (period.start, period.end),
        "last": (last.start, last.end),
        **{f"h{i}": (p.start, p.end) for i, p in enumerate(history_periods)},
    }


def _histories(won_rows, activity_rows) -> tuple[dict[int, History], dict[int | None, History]]:
    """Each person's history in the trailing window, and each team's as the sum of its members'."""
    people: dict[int, History] = defaultdict(History)
    teams: dict[int | None, History] = defaultdict(History)
    for (owner_id, team_id), values in won_rows.items():
        count, amount = values["window"]
        people[owner_id] += History(won_deals=count, won_amount=amount)
        teams[team_id] += History(won_deals=count, won_amount=amount)
    for (owner_id, team_id), history in activity_rows.items():
        people[owner_id] += history
        teams[team_id] += history
    return people, teams


def _target(won_rows, *, target: Decimal | None, growth: Decimal | None) -> tuple[Decimal, Decimal | None]:
    """The target in whole units and, when it comes from growth, last year's won revenue it grows."""
    last_year = None
    if target is None:
        last_year = sum((values["last"][1] for values in won_rows.values()), Decimal(0))
        target = growth_target(last_year=last_year, growth=growth or Decimal(0))
    return _whole(target), last_year


def _scope_reps(team: Team | None) -> list[User]:
    """The scope's reps in the plan's order: by team, then by name."""
    return list(
        User.objects.reps()
        .filter(scope_filter(team, prefix=""))
        .select_related("team")
        .order_by("team__name", "first_name", "last_name", "pk")
    )


def _rep_plans(
    reps: list[User], *, won_rows, people, teams, org: OrgSettings, target: Decimal, gap: Decimal, weeks_left: int
) -> tuple[list[RepPlan], Realism]:
    """Each rep's even share of the target and of the gap with the funnel to close it, and the realism
    check over them all."""
    quota_shares = split_target(total=target, reps=reps) if reps else []
    # The gap is split in whole units, rounded up so the shares cover all of it.
    gap_shares = split_target(total=_whole(gap, ROUND_CEILING), reps=reps) if reps else []
    by_owner = {owner_id: values for (owner_id, _team_id), values in won_rows.items()}
    rep_plans = []
    reached = counted = 0
    no_history = []
    for rep, quota, gap_share in zip(reps, quota_shares, gap_shares, strict=True):
        rates = rates_for(rep=people.get(rep.pk), team=teams.get(rep.team_id) if rep.team_id else None, org=org)
        values = by_owner.get(rep.pk)
        median = _median_won(values)
        reaches = None if median is None else median >= quota.amount
        if median is None:
            no_history.append(rep)
        else:
            counted += 1
            reached += reaches
        rep_plans.append(
            RepPlan(
                rep=rep,
                quota=quota,
                gap=gap_share,
                won=values["now"][1] if values else Decimal(0),
                rates=rates,
                funnel=_funnel(gap_share.amount, rates, weeks_left),
                median=median,
                reaches=reaches,
            )
        )
    return rep_plans, Realism(reached, counted, tuple(no_history))


def _median_won(values: dict | None) -> Decimal | None:
    """Median won revenue over the previous periods; ``None`` for a rep who closed no deal in them."""
    if not values or not values["closed"]:
        return None
    return Decimal(statistics.median(values[f"h{i}"][1] for i in range(REALISM_PERIODS)))


def _team_plans(reps: list[User], rep_plans: list[RepPlan], *, teams, org: OrgSettings, weeks_left: int):
    """Each team's gap (its reps' shares) and the funnel to close it, with rates from the team's history."""
    team_plans = []
    team_order: dict[int | None, Team | None] = {}
    for rep in reps:
        team_order.setdefault(rep.team_id, rep.team)
    for team_id, team_row in team_order.items():
        members = [plan for plan in rep_plans if plan.rep.team_id == team_id]
        team_gap = sum((plan.gap.amount for plan in members), Decimal(0))
        rates = rates_for(rep=None, team=teams.get(team_id) if team_id else None, org=org)
        team_plans.append(TeamPlan(team_row, len(members), team_gap, rates, _funnel(team_gap, rates, weeks_left)))
    return team_plans


def _funnel(gap: Decimal, rates: Rates, weeks_left: int) -> Funnel:
    return reverse_funnel(
        gap=gap,
        average_deal=rates.average_deal.value,
        meeting_to_win=rates.meeting_to_win.value,
        call_to_meeting=rates.call_to_meeting.value,
        weeks_left=weeks_left,
    )
