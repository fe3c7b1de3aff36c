"""The forecast page's reads: per period, what is won, what is open by forecast category, the quota
and the gap; the team calls rolled up the team tree; the commit deals at risk.

Definitions are docs/metrics.md "Forecast". Money is a ``Decimal`` in the organisation's currency,
never rounded here (display rounds). Public API (keyword-only):

- ``forecast_periods(*, today, fiscal_start) -> list[Period]``: the periods the page shows and a
  call may be submitted for.
- ``period_key(period) -> str`` / ``period_from_key(key, periods) -> Period | None``
- ``forecast_figures(*, reps, team, periods, today, fiscal_start) -> Forecast``   (three queries)
- ``team_calls(*, team, teams, forecast) -> dict[str, TeamCall]``   (one query)
- ``deals_at_risk(*, reps, today, quiet_days) -> list[AtRisk]``   (two queries)
- ``call_history(*, team, fiscal_start, period=None) -> list[ForecastCall]``   (one query)
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Sum, Window
from django.db.models.functions import Lag
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Team, User
from activities.models import Activity
from dashboards.models import ClosedDay
from dashboards.selectors.figures import MONEY, ZERO, sum_of
from dashboards.selectors.per_rep import prorated_quota, quotas_overlapping
from pipeline.models import Deal, DealChange, ForecastCategory, StageKind
from quotas.models import Measure, Quota
from quotas.periods import Period

from .models import ForecastCall

# Categories that count in the forecast's totals; omitted deals are shown apart.
COUNTED = (ForecastCategory.COMMIT, ForecastCategory.BEST_CASE, ForecastCategory.PIPELINE)
CATEGORIES = (*COUNTED, ForecastCategory.OMITTED)
# A commit deal whose expected close date moved later this many times is at risk.
PUSHES_AT_RISK = 2


# --- periods ---------------------------------------------------------------------------------


def forecast_periods(*, today: date, fiscal_start: int) -> list[Period]:
    """This month and the next two, this fiscal quarter and the next."""
    month = Period.containing(today, "month", fiscal_start)
    quarter = Period.containing(today, "quarter", fiscal_start)
    return [month, month.next(), month.next().next(), quarter, quarter.next()]


def period_key(period: Period) -> str:
    """How a period travels in a form or a URL: ``month:2026-11-01``."""
    return f"{period.kind}:{period.start.isoformat()}"


def period_from_key(key: str, periods: Iterable[Period]) -> Period | None:
    """The offered period ``key`` names; None for anything else (an old or a made-up period)."""
    return next((period for period in periods if period_key(period) == key), None)


def period_from_text(key: str, fiscal_start: int) -> Period | None:
    """The month or fiscal quarter ``key`` names (``quarter:2026-10-01``), offered or not; None when it
    names none (for the call history of a past period)."""
    kind, _sep, start = key.partition(":")
    if kind not in ("month", "quarter"):
        return None
    try:
        first = date.fromisoformat(start)
    except ValueError:
        return None
    period = Period.containing(first, kind, fiscal_start)
    return period if period.start == first else None


def period_label(period: Period) -> str:
    """ "November 2026" for a month (the viewer's language), "FY2027-Q3" for a quarter."""
    if period.kind == "month":
        return date_format(period.start, "YEAR_MONTH_FORMAT")
    return str(period)


# --- figures ---------------------------------------------------------------------------------


@dataclass
class CategoryFigures:
    """Open deals of one category: count, amount and weighted amount (amount x stage win %)."""

    deals: int = 0
    amount: Decimal = ZERO
    weighted: Decimal = ZERO

    def add(self, other: CategoryFigures) -> None:
        self.deals += other.deals
        self.amount += other.amount
        self.weighted += other.weighted


def _categories() -> dict[str, CategoryFigures]:
    return {category: CategoryFigures() for category in CATEGORIES}


@dataclass
class OpenLine:
    """Open deals by category, for one period or one line apart (no close date, overdue)."""

    categories: dict[str, CategoryFigures] = field(default_factory=_categories)

    def __getitem__(self, category: str) -> CategoryFigures:
        return self.categories[category]

    @property
    def counted(self) -> CategoryFigures:
        """Commit, best case and pipeline together (omitted left out)."""
        total = CategoryFigures()
        for category in COUNTED:
            total.add(self.categories[category])
        return total

    @property
    def deals(self) -> int:
        return sum(figures.deals for figures in self.categories.values())


@dataclass
class PeriodForecast(OpenLine):
    """One period: won so far, open deals with an expected close date from today to its end, the
    quota prorated to it (None without one) and what is left to close."""

    period: Period | None = None
    won: Decimal = ZERO
    quota: Decimal | None = None

    @property
    def key(self) -> str:
        return period_key(self.period)

    @property
    def label(self) -> str:
        return period_label(self.period)

    @property
    def gap(self) -> Decimal | None:
        """Quota - won so far - open commit, never below 0; None without a quota."""
        if self.quota is None:
            return None
        return max(self.quota - self.won - self["commit"].amount, ZERO)

    @property
    def rolled_up_commit(self) -> Decimal:
        """What the reps commit to: won so far + open commit deals."""
        return self.won + self["commit"].amount

    @property
    def rolled_up_best_case(self) -> Decimal:
        """Commit + open best case deals."""
        return self.rolled_up_commit + self["best_case"].amount


@dataclass
class Forecast:
    """The page's figures: each period, the open deals outside every period, and each team's own
    reps' roll-up per period (``by_team``: team id -> period key -> PeriodForecast; direct members
    only, so a parent team's roll-up can add its children's calls instead)."""

    periods: list[PeriodForecast]
    undated: OpenLine
    overdue: OpenLine
    by_team: dict[int | None, dict[str, PeriodForecast]]
    computed_at: datetime | None


def _in_period(period: Period, today: date) -> Q:
    # An open deal whose close date has passed is overdue: it counts in no period (shown apart).
    return Q(expected_close_date__range=(max(period.start, today), period.end))


def _open_by_team(*, rep_ids: list[int], periods: list[Period], today: date) -> list[dict]:
    """Open deals of ``rep_ids`` by owner's team and category: per period and for the lines apart,
    the count, the amount and the amount x win % (divided by 100 after). One GROUP BY query."""
    buckets = {period_key(period): _in_period(period, today) for period in periods}
    buckets["undated"] = Q(expected_close_date__isnull=True)
    buckets["overdue"] = Q(expected_close_date__lt=today)
    sums = {}
    for name, condition in buckets.items():
        sums[f"{name}|deals"] = Count("pk", filter=condition)
        sums[f"{name}|amount"] = Sum("amount", filter=condition, output_field=MONEY)
        sums[f"{name}|weighted"] = Sum(F("amount") * F("stage__probability"), filter=condition, output_field=MONEY)
    return list(
        Deal.objects.filter(owner_id__in=rep_ids, stage__kind=StageKind.OPEN)
        .values("owner__team_id", "forecast_category")
        .annotate(**sums)
        .order_by()
    )


def _won_by_team(*, rep_ids: list[int], periods: list[Period]) -> list[dict]:
    """Won amount per owner's team and period from the closed-deal table: one query."""
    first, last = min(p.start for p in periods), max(p.end for p in periods)
    return list(
        ClosedDay.objects.filter(rep_id__in=rep_ids, won=True, day__range=(first, last))
        .values("rep__team_id")
        .annotate(
            **{period_key(p): sum_of("amount", MONEY, day__range=(p.start, p.end)) for p in periods},
            computed_at=Max("computed_at"),
        )
        .order_by()
    )


def _quotas(*, reps: list[User], team: Team | None, periods: list[Period], fiscal_start: int) -> dict[str, Decimal]:
    """Each period's revenue quota: the picked team's own quotas prorated to it when it has any,
    else the reps' own prorated quotas added up (docs/metrics.md "Team attainment"). One query."""
    first, last = min(p.start for p in periods), max(p.end for p in periods)
    owners = Q(rep_id__in=[rep.pk for rep in reps])
    if team is not None:
        owners |= Q(team=team)
    quotas = list(
        Quota.objects.filter(owners, measure=Measure.REVENUE).filter(quotas_overlapping(first, last, fiscal_start))
    )
    own = [quota for quota in quotas if quota.team_id is not None]
    by_rep: dict[int, list[Quota]] = defaultdict(list)
    for quota in quotas:
        if quota.rep_id is not None:
            by_rep[quota.rep_id].append(quota)
    result = {}
    for period in periods:
        span = {"start": period.start, "end": period.end, "fiscal_start": fiscal_start}
        prorated = prorated_quota(own, **span)
        if prorated is None:
            parts = [prorated_quota(rep_quotas, **span) for rep_quotas in by_rep.values()]
            parts = [part.target for part in parts if part is not None]
            if parts:
                result[period_key(period)] = sum(parts, ZERO)
        else:
            result[period_key(period)] = prorated.target
    return result


def forecast_figures(
    *, reps: list[User], team: Team | None, periods: list[Period], today: date, fiscal_start: int
) -> Forecast:
    """The forecast of ``reps``' deals for each of ``periods`` (docs/metrics.md "Forecast"): three
    queries whatever the number of reps and deals. ``team``: the picked team, whose own quota wins."""
    rep_ids = [rep.pk for rep in reps]
    keys = [period_key(period) for period in periods]
    by_team: dict[int | None, dict[str, PeriodForecast]] = defaultdict(
        lambda: {period_key(p): PeriodForecast(period=p) for p in periods}
    )
    undated, overdue = OpenLine(), OpenLine()
    for row in _open_by_team(rep_ids=rep_ids, periods=periods, today=today):
        lines = [(key, by_team[row["owner__team_id"]][key]) for key in keys]
        for name, line in [*lines, ("undated", undated), ("overdue", overdue)]:
            line[row["forecast_category"]].add(
                CategoryFigures(
                    deals=row[f"{name}|deals"],
                    amount=row[f"{name}|amount"] or ZERO,
                    weighted=(row[f"{name}|weighted"] or ZERO) / 100,
                )
            )
    stamps = []
    for row in _won_by_team(rep_ids=rep_ids, periods=periods):
        stamps.append(row["computed_at"])
        for key in keys:
            by_team[row["rep__team_id"]][key].won += row[key]

    quotas = _quotas(reps=reps, team=team, periods=periods, fiscal_start=fiscal_start)
    totals = []
    for period, key in zip(periods, keys, strict=True):
        total = PeriodForecast(period=period, quota=quotas.get(key))
        for team_periods in by_team.values():
            total.won += team_periods[key].won
            for category in CATEGORIES:
                total[category].add(team_periods[key][category])
        totals.append(total)
    return Forecast(
        periods=totals,
        undated=undated,
        overdue=overdue,
        by_team=dict(by_team),
        computed_at=max(stamps) if stamps else None,
    )


# --- team calls ------------------------------------------------------------------------------


@dataclass
class TeamCall:
    """One team's call for one period: its latest submission (None: none yet), the roll-up the form
    is pre-filled with (its own reps' commit and best case plus each child team's call), and the
    child teams' calls it adds up."""

    team: Team
    period: PeriodForecast
    latest: ForecastCall | None
    own: PeriodForecast
    children: list[TeamCall]

    @property
    def rolled_up_commit(self) -> Decimal:
        return self.own.rolled_up_commit + sum((child.commit for child in self.children), ZERO)

    @property
    def rolled_up_best_case(self) -> Decimal:
        return self.own.rolled_up_best_case + sum((child.best_case for child in self.children), ZERO)

    @property
    def commit(self) -> Decimal:
        """What counts for the team: its latest call, else its roll-up."""
        return self.latest.commit if self.latest else self.rolled_up_commit

    @property
    def best_case(self) -> Decimal:
        return self.latest.best_case if self.latest else self.rolled_up_best_case


def _latest_calls(*, team_ids: Iterable[int], periods: list[PeriodForecast]) -> dict[tuple, ForecastCall]:
    """The latest call of each team and period: one query."""
    newest = ForecastCall.objects.filter(
        team_id=OuterRef("team_id"), period_kind=OuterRef("period_kind"), period_start=OuterRef("period_start")
    ).order_by("-submitted_at", "-pk")
    offered = Q(pk__in=[])
    for line in periods:
        offered |= Q(period_kind=line.period.kind, period_start=line.period.start)
    calls = (
        ForecastCall.objects.filter(offered, team_id__in=list(team_ids))
        .filter(pk=Subquery(newest.values("pk")[:1]))
        .select_related("submitted_by")
    )
    return {(call.team_id, period_key(Period(call.period_start, call.period_kind))): call for call in calls}


def team_calls(*, team: Team, teams: list[Team], forecast: Forecast) -> dict[str, TeamCall]:
    """``team``'s call per period key, with its child teams' calls below it (``teams``: the loaded
    teams it and its children are among; the forecast must cover their reps). One query."""
    children_of: dict[int | None, list[Team]] = defaultdict(list)
    for candidate in teams:
        children_of[candidate.parent_id].append(candidate)
    tree, frontier = [team], [team]
    while frontier:
        frontier = [child for parent in frontier for child in children_of[parent.pk]]
        tree += frontier
    latest = _latest_calls(team_ids=[t.pk for t in tree], periods=forecast.periods)

    def call_for(node: Team, line: PeriodForecast, seen: frozenset) -> TeamCall:
        own = forecast.by_team.get(node.pk, {}).get(line.key) or PeriodForecast(period=line.period)
        children = [call_for(child, line, seen | {node.pk}) for child in children_of[node.pk] if child.pk not in seen]
        return TeamCall(team=node, period=line, latest=latest.get((node.pk, line.key)), own=own, children=children)

    return {line.key: call_for(team, line, frozenset()) for line in forecast.periods}


def call_history(*, team: Team, fiscal_start: int, period: Period | None = None) -> list[ForecastCall]:
    """Every call submitted for ``team`` (for ``period`` when given), newest first, each with its
    period's ``label`` and ``counts`` (the latest of its period, the one that counts). One query."""
    calls = ForecastCall.objects.filter(team=team).select_related("submitted_by").order_by("-submitted_at", "-pk")
    if period is not None:
        calls = calls.filter(period_kind=period.kind, period_start=period.start)
    seen = set()
    calls = list(calls)
    for call in calls:
        call.label = period_label(Period(call.period_start, call.period_kind, fiscal_start))
        call.counts = (call.period_kind, call.period_start) not in seen
        seen.add((call.period_kind, call.period_start))
    return calls


# --- deals at risk ---------------------------------------------------------------------------


@dataclass
class AtRisk:
    """A commit deal at risk and why: its close date passed, no activity for ``quiet_days`` days
    (``quiet_since``: its last activity's day, None when it never had one), and how often its
    expected close date was pushed later."""

    deal: Deal
    overdue: bool
    quiet: bool
    quiet_since: date | None
    pushes: int
    quiet_days: int

    @property
    def reasons(self) -> list[str]:
        found = []
        if self.overdue:
            found.append(_("close date passed"))
        if self.quiet:
            found.append(_("no activity for %(days)s days") % {"days": self.quiet_days})
        if self.pushes >= PUSHES_AT_RISK:
            found.append(_("close date pushed %(count)s times") % {"count": self.pushes})
        return found


def _pushes(deal_ids: list[int]) -> Counter:
    """How often each deal's expected close date moved later than in its previous history row
    (both rows with a date): one query, the comparison in a window (LAG) in the database."""
    rows = (
        DealChange.objects.filter(deal_id__in=deal_ids)
        .annotate(
            previous=Window(
                Lag("expected_close_date"), partition_by=[F("deal_id")], order_by=[F("changed_at"), F("pk")]
            )
        )
        .filter(expected_close_date__gt=F("previous"))
        .values_list("deal_id", flat=True)
    )
    return Counter(rows)


def deals_at_risk(*, reps: list[User], today: date, quiet_days: int) -> list[AtRisk]:
    """``reps``' open commit deals with a close date before ``today``, no activity for
    ``quiet_days`` days (the organisation's setting), or a close date pushed at least twice; the
    soonest close date first. Two queries: the commit deals with their last activity, then their
    history; each deal's last activity and history are read through its own index entries (a
    director's page has a thousand commit deals with their years of activity)."""
    commit = (
        Deal.objects.filter(
            owner_id__in=[rep.pk for rep in reps],
            stage__kind=StageKind.OPEN,
            forecast_category=ForecastCategory.COMMIT,
        )
        .annotate(
            # A meeting booked ahead is no activity yet: the latest dated up to today.
            last_activity=Subquery(
                Activity.objects.filter(deal=OuterRef("pk"), day__lte=today).order_by("-occurred_at").values("day")[:1]
            )
        )
        .select_related("owner", "company", "stage")
    )
    commit = list(commit)
    pushes = _pushes([deal.pk for deal in commit])
    quiet_after = today - timedelta(days=quiet_days)
    found = []
    for deal in commit:
        # A deal without activity is quiet once it is that old.
        quiet = (deal.last_activity or timezone.localdate(deal.created_at)) <= quiet_after
        overdue = deal.expected_close_date is not None and deal.expected_close_date < today
        pushed = pushes.get(deal.pk, 0)
        if overdue or quiet or pushed >= PUSHES_AT_RISK:
            found.append(
                AtRisk(
                    deal=deal,
                    overdue=overdue,
                    quiet=quiet,
                    quiet_since=deal.last_activity,
                    pushes=pushed,
                    quiet_days=quiet_days,
                )
            )
    # The soonest close date first, undated ones before every date.
    found.sort(
        key=lambda risk: (
            risk.deal.expected_close_date is not None,
            risk.deal.expected_close_date or today,
            risk.deal.pk,
        )
    )
    return found
