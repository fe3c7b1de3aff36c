"""How accurate a forecast turned out, once its period closed (METRICS.md "Forecast: accuracy").

For a month or a fiscal quarter that has ended and a set of reps: what actually closed won in it
(the closed-deal rollup), against each forecast made for it: each team call submitted before
it ended, and the weekly snapshots' commit and best case. Beside them, how the deals that
were the period's commit at its start ended, and how many of its deals slipped out of it.

Public: ``figure(*, called, actual) -> Score``, ``snapshot_weeks(...)``, ``period_accuracy(...)``
(a page's, four queries), ``accuracy_summaries(...)`` (the dashboards' last closed month and
quarter, three queries), and their dataclasses.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, Sum

from dashboards.models import ClosedDay, ForecastWeek
from forecast.models import ForecastCall
from pipeline.models import ForecastCategory, StageKind
from quotas.periods import Period

from .waterfall import ZERO, Waterfall, in_pipeline, waterfall

PERIOD_KINDS = ("month", "quarter")


@dataclass(frozen=True)
class Score:
    """A forecast figure against what was won. ``accuracy`` = max(0, 1 - |called - actual| / actual);
    ``bias`` = (called - actual) / actual, above 0 over-called; both fractions, None when nothing
    was won (shown "—")."""

    called: Decimal
    actual: Decimal

    @property
    def accuracy(self) -> Decimal | None:
        if not self.actual:
            return None
        return max(Decimal(0), 1 - abs(self.called - self.actual) / self.actual)

    @property
    def bias(self) -> Decimal | None:
        if not self.actual:
            return None
        return (self.called - self.actual) / self.actual

    @property
    def accuracy_percent(self) -> Decimal | None:
        return None if self.accuracy is None else self.accuracy * 100

    @property
    def bias_percent(self) -> Decimal | None:
        return None if self.bias is None else self.bias * 100

    @property
    def bias_size_percent(self) -> Decimal | None:
        """How far off, over or under, in percent of what was won."""
        return None if self.bias is None else abs(self.bias) * 100


def figure(*, called: Decimal, actual: Decimal) -> Score:
    return Score(called=called, actual=actual)


@dataclass(frozen=True)
class WeekForecast:
    """The forecast for the period as it stood at the end of one week: won in the period so far,
    open commit deals and open best case deals for it. Commit = won + open commit; best case =
    commit + open best case (a best case includes the commit)."""

    week_start: date
    won: Decimal
    open_commit: Decimal
    open_best_case: Decimal

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def commit(self) -> Decimal:
        return self.won + self.open_commit

    @property
    def best_case(self) -> Decimal:
        return self.commit + self.open_best_case


def _won_by_day(rep_ids: Collection[int], period: Period) -> dict[date, Decimal]:
    rows = (
        ClosedDay.objects.filter(rep_id__in=rep_ids, won=True, day__gte=period.start, day__lte=period.end)
        .values("day")
        .annotate(amount=Sum("amount"))
        .values_list("day", "amount")
    )
    return dict(rows)


def snapshot_weeks(
    *, rep_ids: Collection[int], period: Period, won_by_day: dict[date, Decimal], last_week: date
) -> list[WeekForecast]:
    """The forecast at the end of every week from the one holding the period's first day up to
    the week starting ``last_week``: the snapshots' open commit and best case (the changes of
    every week up to it added up), and the won amount closed in the period by the week's end.
    One query."""
    first_week = period.start - timedelta(days=period.start.weekday())
    rows = (
        ForecastWeek.objects.filter(
            rep_id__in=rep_ids,
            period_kind=period.kind,
            period_start=period.start,
            week_start__lte=last_week,
            category__in=(ForecastCategory.COMMIT, ForecastCategory.BEST_CASE),
        )
        .values("week_start", "category")
        .annotate(amount=Sum("amount"))
        .order_by("week_start")
    )
    changes: dict[date, dict[str, Decimal]] = {}
    for row in rows:
        changes.setdefault(row["week_start"], {})[row["category"]] = row["amount"]
    totals = {ForecastCategory.COMMIT: ZERO, ForecastCategory.BEST_CASE: ZERO}
    for week in sorted(day for day in changes if day < first_week):
        for category, amount in changes[week].items():
            totals[category] += amount
    weeks, week = [], first_week
    while week <= last_week:
        for category, amount in changes.get(week, {}).items():
            totals[category] += amount
        week_end = week + timedelta(days=6)
        won = sum((amount for day, amount in won_by_day.items() if day <= week_end), ZERO)
        weeks.append(WeekForecast(week, won, totals[ForecastCategory.COMMIT], totals[ForecastCategory.BEST_CASE]))
        week += timedelta(days=7)
    return weeks


@dataclass(frozen=True)
class CallScore:
    call: ForecastCall
    commit: Score
    best_case: Score


@dataclass
class PeriodAccuracy:
    """Every accuracy figure of one closed period for a set of reps."""

    period: Period
    actual: Decimal
    weeks: list[WeekForecast]
    calls: list[CallScore] = field(default_factory=list)  # newest first; the first one counts
    commit_deals: int = 0  # open commit deals for the period at its start
    commit_amount: Decimal = ZERO
    commit_won: int = 0  # of those, won by its end
    commit_won_amount: Decimal = ZERO
    planned_deals: int = 0  # open deals expected to close in the period, at its start
    slipped: int = 0  # of those, pushed out of it by its end
    slipped_amount: Decimal = ZERO

    @property
    def opening(self) -> WeekForecast | None:
        """The first snapshot in the period: the end of the week holding its first day."""
        return self.weeks[0] if self.weeks else None

    @property
    def commit(self) -> Score | None:
        """The opening commit's score (the dashboards' compact figure)."""
        return self.opening and figure(called=self.opening.commit, actual=self.actual)

    @property
    def call(self) -> CallScore | None:
        return self.calls[0] if self.calls else None

    def week_scores(self) -> list[tuple[WeekForecast, Score, Score]]:
        return [
            (week, figure(called=week.commit, actual=self.actual), figure(called=week.best_case, actual=self.actual))
            for week in self.weeks
        ]

    @property
    def commit_closed_share(self) -> Decimal | None:
        """Commit deals at the period's start won by its end / those deals; None without any."""
        return Decimal(self.commit_won) / self.commit_deals if self.commit_deals else None

    @property
    def slip_rate(self) -> Decimal | None:
        """Deals expected to close in the period at its start, pushed out of it by its end / those deals."""
        return Decimal(self.slipped) / self.planned_deals if self.planned_deals else None

    @property
    def commit_closed_percent(self) -> Decimal | None:
        share = self.commit_closed_share
        return None if share is None else share * 100

    @property
    def slip_percent(self) -> Decimal | None:
        rate = self.slip_rate
        return None if rate is None else rate * 100


def _deal_outcomes(result: PeriodAccuracy, flow: Waterfall, rep_ids: frozenset[int]) -> None:
    """The commit closed share and the slip rate, from the deals as they stood at the period's
    start and end (the waterfall of the period's own days)."""
    period = result.period
    for before, after in flow.states.values():
        if not in_pipeline(before, rep_ids=rep_ids, start=period.start, end=period.end):
            continue
        result.planned_deals += 1
        if before.category == ForecastCategory.COMMIT:
            result.commit_deals += 1
            result.commit_amount += before.amount
            if after.kind == StageKind.WON:
                result.commit_won += 1
                result.commit_won_amount += after.amount
    for move in flow.moves_in("pushed_out"):
        result.slipped += 1
        result.slipped_amount -= move.amount


def period_accuracy(*, rep_ids: Collection[int], period: Period, team=None) -> PeriodAccuracy:
    """Every accuracy figure of ``period`` (a month or a fiscal quarter, ended) for the reps; with
    ``team``, its calls for the period submitted before it ended too. Four queries."""
    reps = frozenset(rep_ids)
    won = _won_by_day(reps, period)
    actual = sum(won.values(), ZERO)
    last_week = period.end - timedelta(days=period.end.weekday())
    result = PeriodAccuracy(
        period=period,
        actual=actual,
        weeks=snapshot_weeks(rep_ids=reps, period=period, won_by_day=won, last_week=last_week),
    )
    if team is not None:
        calls = ForecastCall.objects.filter(
            team=team, period_kind=period.kind, period_start=period.start, submitted_at__date__lte=period.end
        ).select_related("submitted_by")
        result.calls = [
            CallScore(call, figure(called=call.commit, actual=actual), figure(called=call.best_case, actual=actual))
            for call in calls
        ]
    _deal_outcomes(result, waterfall(rep_ids=reps, start=period.start, end=period.end), reps)
    return result


def closed_periods(*, today: date, fiscal_start: int, months: int = 12, quarters: int = 8) -> list[Period]:
    """The months and fiscal quarters that ended before today, newest first: the last closed
    month first, then the other months, then the quarters."""
    found = []
    for kind, count in (("month", months), ("quarter", quarters)):
        period = last_closed(kind, today=today, fiscal_start=fiscal_start)
        for _ in range(count):
            found.append(period)
            period = period.previous()
    return found


def last_closed(kind: str, *, today: date, fiscal_start: int) -> Period:
    """The last month or fiscal quarter that ended before today."""
    return Period.containing(today, kind, fiscal_start).previous()


@dataclass(frozen=True)
class Summary:
    """The compact figure: the opening commit's score for a closed period."""

    period: Period
    score: Score | None


def accuracy_summaries(*, rep_ids: Collection[int], today: date, fiscal_start: int) -> list[Summary]:
    """The opening commit's accuracy and bias in the last closed month and fiscal quarter, for the
    dashboards (METRICS.md "Forecast: accuracy"). Two queries: the won amounts, the snapshots."""
    periods = [last_closed(kind, today=today, fiscal_start=fiscal_start) for kind in PERIOD_KINDS]
    reps = frozenset(rep_ids)
    if not reps:
        return [Summary(period, None) for period in periods]
    first = min(period.start for period in periods)
    last = max(period.end for period in periods)
    won_days = dict(
        ClosedDay.objects.filter(rep_id__in=reps, won=True, day__gte=first, day__lte=last)
        .values("day")
        .annotate(amount=Sum("amount"))
        .values_list("day", "amount")
    )
    # The opening snapshot of each period: its changes up to the week holding its first day.
    rows = (
        ForecastWeek.objects.filter(rep_id__in=reps, category=ForecastCategory.COMMIT)
        .filter(
            _period_q(periods[0], periods[0].start - timedelta(days=periods[0].start.weekday()))
            | _period_q(periods[1], periods[1].start - timedelta(days=periods[1].start.weekday()))
        )
        .values("period_kind", "period_start")
        .annotate(amount=Sum("amount"))
    )
    open_commit = {(row["period_kind"], row["period_start"]): row["amount"] for row in rows}
    summaries = []
    for period in periods:
        won = {day: amount for day, amount in won_days.items() if period.start <= day <= period.end}
        actual = sum(won.values(), ZERO)
        week_end = period.start - timedelta(days=period.start.weekday()) + timedelta(days=6)
        won_by_then = sum((amount for day, amount in won.items() if day <= week_end), ZERO)
        called = won_by_then + (open_commit.get((period.kind, period.start)) or ZERO)
        summaries.append(Summary(period, figure(called=called, actual=actual)))
    return summaries


def _period_q(period: Period, last_week: date) -> Q:
    return Q(period_kind=period.kind, period_start=period.start, week_start__lte=last_week)
