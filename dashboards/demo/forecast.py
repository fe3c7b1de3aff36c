"""Demo forecast history for `manage.py seed_demo`: how each rep keeps the forecast category and
the expected close date of their deals while the deals move, and the weekly calls the demo
managers made, so forecast accuracy tells a story on first run.

Sam is the optimist: commits most new deals to this month and pushes each to the next when
it passes, so many commit deals slip or are lost. Taylor sandbags: holds deals in pipeline or
best case until they close won, often before the date named. Alex (``rep``) forecasts
accurately: the demo draws each deal's story first, so Alex commits the deals that will be won,
dated when they will be. The others sit in between. Every change is written through
``pipeline.services`` at its past moment.
"""

import random
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Team
from dashboards.demo.locales import DemoLocale
from forecast.models import CallPeriodKind, ForecastCall
from pipeline import services
from pipeline.models import Deal, DealChange, ForecastCategory, StageKind
from quotas.models import OrgSettings
from quotas.periods import Period

# The stage defaults an admin would set: a deal in proposal is best case, in negotiation commit.
# By the stage's key in ``dashboards/demo/pipeline.py``.
STAGE_CATEGORIES = {
    "proposal": ForecastCategory.BEST_CASE,
    "negotiation": ForecastCategory.COMMIT,
    "in_talks": ForecastCategory.BEST_CASE,
}


@dataclass(frozen=True)
class ForecastHabit:
    """How a rep forecasts. Positions count the pipeline's open stages from 0 (Lead)."""

    commit_from: int  # the first stage at which the rep commits a deal...
    commit_share: float  # ...and how often (the accurate rep: how often they commit a deal that will be won)
    best_case_from: int  # the first stage at which a deal not committed is best case
    close_factor: float  # first close date named, as a share of how long deals of this rep take
    push_days: tuple[int, int]  # how far a close date that passed is pushed
    diligence: float  # chance a passed close date is pushed when the rep next looks
    keeps_commit: bool  # a pushed commit deal stays commit (else it drops to best case)
    hopeful: bool = False  # commits name this month's end and a push the next month's
    reads_deals: bool = False  # commits the deals that will be won, on the date they will be


OPTIMIST = ForecastHabit(1, 0.9, 1, 0.55, (10, 35), 0.9, True, hopeful=True)
SANDBAGGER = ForecastHabit(4, 0.15, 3, 1.6, (7, 14), 0.95, False)
ACCURATE = ForecastHabit(1, 0.9, 2, 1.0, (7, 21), 0.95, False, reads_deals=True)
TYPICAL = ForecastHabit(2, 0.7, 2, 0.9, (7, 28), 0.85, False)
HABITS = {"sam": OPTIMIST, "taylor": SANDBAGGER, "rep": ACCURATE}


def habit_of(username: str) -> ForecastHabit:
    return HABITS.get(username, TYPICAL)


def _morning(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=timezone.get_current_timezone())


def _month_end(day: date, later: int = 0) -> date:
    period = Period.containing(day, "month")
    for _ in range(later):
        period = period.next()
    return period.end


class DealForecaster:
    """One deal's forecast kept by its owner's habit, between and after the deal's moves. Its own
    random stream, so the demo's deals and activity stay what they were without forecasts.
    ``outcome``: how the deal will end, (stage kind, close date), or None while it stays open."""

    def __init__(self, *, habit: ForecastHabit, rng: random.Random, last: datetime, outcome=None):
        self.habit, self.rng, self.last, self.outcome = habit, rng, last, outcome
        self.deal: Deal | None = None  # set once created
        # The rep's own call, not the stage default a move may have given the deal.
        self.committed = False

    def _will_be_won(self) -> bool:
        return self.outcome is not None and self.outcome[0] == StageKind.WON

    def first_forecast(self, *, start: datetime, typical_days: float) -> dict:
        """The close date named when the deal is created, and the category when the rep picks one
        at once (the optimist commits most new deals to this month)."""
        if self.habit.reads_deals and self.outcome is not None:
            close = max(self.outcome[1] + timedelta(days=self.rng.randint(-2, 3)), timezone.localdate(start))
            return {"expected_close_date": close}
        close = timezone.localdate(start + timedelta(days=typical_days * self.habit.close_factor))
        if self.habit.hopeful and self.rng.random() < self.habit.commit_share:
            self.committed = True
            month_end = _month_end(timezone.localdate(start))
            return {"expected_close_date": min(close, month_end), "forecast_category": ForecastCategory.COMMIT}
        return {"expected_close_date": close}

    def _update(self, at: datetime, **fields) -> None:
        services.deal_update(deal=self.deal, by=self.deal.owner, at=at, **fields)
        self.last = at

    def pass_time(self, *, until: datetime) -> None:
        """Until ``until``: each time the expected close date passes while the deal is open, the
        rep pushes it a few days later (or, now and then, leaves it past due)."""
        while self.deal.expected_close_date is not None and not self.deal.stage.is_closed:
            due = _morning(self.deal.expected_close_date + timedelta(days=self.rng.randint(1, 4)))
            due = max(due, self.last + timedelta(hours=1))
            if due >= until or self.rng.random() > self.habit.diligence:
                return
            if self.habit.hopeful:
                pushed = _month_end(due.date(), later=1)  # "it will close next month"
            else:
                pushed = due.date() + timedelta(days=self.rng.randint(*self.habit.push_days))
            fields = {"expected_close_date": pushed}
            if self.deal.forecast_category == ForecastCategory.COMMIT and not self.habit.keeps_commit:
                fields["forecast_category"] = ForecastCategory.BEST_CASE
                self.committed = False
            if self.rng.random() < 0.15:  # a slipping deal often shrinks too
                fields["amount"] = (self.deal.amount * Decimal("0.85")).quantize(Decimal("100"))
            self._update(due, **fields)

    def entered(self, *, position: int, at: datetime) -> None:
        """The deal moved into the open stage at ``position``: the rep sets the category they believe."""
        habit = self.habit
        fields = {}
        if habit.reads_deals:
            believes = self._will_be_won() and self.rng.random() < habit.commit_share
        else:
            believes = self.rng.random() < habit.commit_share
        if position >= habit.commit_from and (self.committed or believes):
            category = ForecastCategory.COMMIT
            if habit.hopeful and not self.committed:
                month_end = _month_end(timezone.localdate(at))
                fields["expected_close_date"] = min(self.deal.expected_close_date or month_end, month_end)
            self.committed = True
        elif position >= habit.best_case_from:
            category = ForecastCategory.BEST_CASE
        else:
            category = ForecastCategory.PIPELINE
        if category != self.deal.forecast_category:
            fields["forecast_category"] = category
        if fields:
            # At the move's moment: its row comes first (by id), so the history reads move, then category.
            self._update(at, **fields)


# (team's key in locales.py, who submits its calls, how they treat the reps' roll-up: commit factor,
# best-case factor); a manager who discounts commits says so in the call's note.
CALLERS = {
    "east": ("manager", Decimal("0.8"), Decimal("1")),
    "west": ("manager2", Decimal("1"), Decimal("1.1")),
}
DIRECTOR_TEAM = "department"
CALL_WEEKS = 52


def seed_forecast_calls(*, users: dict, words: DemoLocale) -> int:
    """Every Monday of the past year, each demo manager's call for their team for the month and the
    fiscal quarter under way, pre-filled with the reps' roll-up as it stood that morning, and the
    director's call for the department: the sum of the teams' calls. Returns how many."""
    org = OrgSettings.load()
    history = _History()
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    teams = {team.name: team for team in Team.objects.all()}
    # The commits discounted are the optimist's (``HABITS``).
    note = words.discount_note.format(first=users["sam"].first_name, last=users["sam"].last_name)
    calls = []
    for weeks_ago in range(CALL_WEEKS, -1, -1):
        day = monday - timedelta(weeks=weeks_ago)
        for kind in (CallPeriodKind.MONTH, CallPeriodKind.QUARTER):
            period = org.period(day, kind)
            department = [Decimal(0)] * 4
            for key, (caller, commit_factor, best_factor) in CALLERS.items():
                team = teams[words.teams[key]]
                at = _morning(day) + timedelta(hours=1)
                commit, best = history.roll_up(team.members.values_list("pk", flat=True), period=period, at=at)
                call = ForecastCall(
                    team=team,
                    period_kind=kind,
                    period_start=period.start,
                    rolled_up_commit=commit,
                    rolled_up_best_case=best,
                    commit=(commit * commit_factor).quantize(Decimal("100")),
                    best_case=(best * best_factor).quantize(Decimal("100")),
                    note=note if commit_factor != 1 else "",
                    submitted_by=users[caller],
                    submitted_at=at,
                )
                calls.append(call)
                figures = (call.commit, call.best_case, call.commit, call.best_case)
                department = [a + b for a, b in zip(department, figures, strict=True)]
            calls.append(
                ForecastCall(
                    team=teams[words.teams[DIRECTOR_TEAM]],
                    period_kind=kind,
                    period_start=period.start,
                    commit=department[0],
                    best_case=department[1],
                    rolled_up_commit=department[2],
                    rolled_up_best_case=department[3],
                    submitted_by=users["director"],
                    submitted_at=_morning(day) + timedelta(hours=7),
                )
            )
    # Append-only rows with nothing to check but what is built above: one insert.
    ForecastCall.objects.bulk_create(calls)
    return len(calls)


class _History:
    """Every deal's forecast history in memory (a demo holds a few thousand rows), to tell the
    reps' roll-up at any past moment as the forecast page showed it then."""

    def __init__(self):
        self.rows = defaultdict(list)
        self.times = defaultdict(list)
        changes = DealChange.objects.select_related("stage").order_by("changed_at", "pk")
        for change in changes:
            self.rows[change.deal_id].append(change)
            self.times[change.deal_id].append(change.changed_at)
        self.won = list(Deal.objects.filter(stage__kind=StageKind.WON).values_list("owner_id", "closed_on", "amount"))

    def roll_up(self, owner_ids, *, period: Period, at: datetime) -> tuple[Decimal, Decimal]:
        """The call's pre-fill as the forecast page showed it at ``at`` (METRICS.md "Team calls and
        their roll-up"): won so far in ``period`` + the commit deals expected to close in the rest of
        it, and that plus the best case deals."""
        owners = set(owner_ids)
        today = timezone.localdate(at)
        won = sum(
            (amount for owner, day, amount in self.won if owner in owners and period.start <= day <= today),
            Decimal(0),
        )
        commit = best = won
        for deal_id, times in self.times.items():
            index = bisect_right(times, at) - 1
            if index < 0:
                continue
            row = self.rows[deal_id][index]
            if row.owner_id not in owners or row.stage.is_closed or not row.expected_close_date:
                continue
            if not today <= row.expected_close_date <= period.end:
                continue
            if row.forecast_category == ForecastCategory.COMMIT:
                commit += row.amount
                best += row.amount
            elif row.forecast_category == ForecastCategory.BEST_CASE:
                best += row.amount
        return commit, best
