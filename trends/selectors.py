"""The reads of growth, revenue retention and early warnings (docs/metrics.md "Growth and retention"
and "Early warnings"), all from the dashboard tables: ``ActivityDay``, ``ClosedDay`` and this app's
``CompanyDay``. Each function reads a fixed number of queries, whatever the number of reps.

- ``growth(*, reps, period) -> Growth``: per rep and in total, won revenue, won deals and selling
  activities in ``period`` against the same period a year earlier.
- ``revenue_retention(*, rep_ids, end) -> Retention``: the customers' revenue in the twelve months
  ending ``end`` against the twelve months before.
- ``early_warnings(*, reps, today, drop_percent) -> list[RepFlags]``: the reps flagged today.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F, Q, Sum
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from activities.models import MEETING_KINDS, SELLING_KINDS, Kind
from dashboards.models import ActivityDay, ClosedDay
from dashboards.selectors.figures import GOAL_COLUMNS, MONEY, ZERO, percent, sum_of
from dashboards.selectors.per_rep import goal_plan
from quotas.models import ActivityGoal
from quotas.periods import Period

from .models import CompanyDay

# --- growth ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A figure in the period (``now``) and in the same period a year earlier (``before``)."""

    now: Decimal | int
    before: Decimal | int

    @property
    def growth(self) -> float | None:
        """(now - before) / before, in percent; None (shown "—") when there was nothing before."""
        return percent(self.now - self.before, self.before)


@dataclass(frozen=True)
class GrowthRow:
    rep: User | None  # None: the total of the reps shown
    won_amount: Change
    won_deals: Change
    activities: Change

    @property
    def name(self) -> str:
        return str(self.rep) if self.rep else str(_("Total"))


@dataclass(frozen=True)
class Growth:
    period: Period
    earlier: Period
    rows: list[GrowthRow]
    total: GrowthRow


def _per_rep(rows, names: tuple[str, ...]) -> dict[int, dict]:
    return {row["rep_id"]: {name: row[name] for name in names} for row in rows}


def growth(*, reps: list[User], period: Period) -> Growth:
    """Won revenue and won deals (closed in a won stage on a day of the period, for the deal's current
    owner) and selling activities (dated in the period) per rep, in ``period`` and in the same period a
    year earlier; the total adds the rows up. Two queries."""
    earlier = period.same_period_last_year()
    rep_ids = [rep.pk for rep in reps]
    spans = {"now": (period.start, period.end), "before": (earlier.start, earlier.end)}
    either = Q(day__range=spans["now"]) | Q(day__range=spans["before"])
    closed = _per_rep(
        ClosedDay.objects.filter(either, rep_id__in=rep_ids, won=True)
        .values("rep_id")
        .annotate(
            **{f"amount_{key}": sum_of("amount", MONEY, day__range=span) for key, span in spans.items()},
            **{f"deals_{key}": sum_of("deals", day__range=span) for key, span in spans.items()},
        )
        .order_by(),
        ("amount_now", "amount_before", "deals_now", "deals_before"),
    )
    activity = _per_rep(
        ActivityDay.objects.filter(either, rep_id__in=rep_ids, kind__in=sorted(SELLING_KINDS))
        .values("rep_id")
        .annotate(**{f"count_{key}": sum_of("count", day__range=span) for key, span in spans.items()})
        .order_by(),
        ("count_now", "count_before"),
    )
    rows = []
    for rep in reps:
        won = closed.get(rep.pk, {})
        done = activity.get(rep.pk, {})
        rows.append(
            GrowthRow(
                rep=rep,
                won_amount=Change(won.get("amount_now", ZERO), won.get("amount_before", ZERO)),
                won_deals=Change(won.get("deals_now", 0), won.get("deals_before", 0)),
                activities=Change(done.get("count_now", 0), done.get("count_before", 0)),
            )
        )

    def added(figure: str, zero) -> Change:
        changes = [getattr(row, figure) for row in rows]
        return Change(sum((c.now for c in changes), zero), sum((c.before for c in changes), zero))

    total = GrowthRow(None, added("won_amount", ZERO), added("won_deals", 0), added("activities", 0))
    return Growth(period=period, earlier=earlier, rows=rows, total=total)


# --- revenue retention ----------------------------------------------------------------------


@dataclass(frozen=True)
class Retention:
    """Revenue of the twelve months ``start``..``end`` against the twelve months before, per company
    (docs/metrics.md "Revenue retention"). Money in the organisation's currency."""

    start: date
    end: date
    starting: Decimal  # the customers' revenue in the twelve months before
    new: Decimal  # companies with no revenue in the twelve months before
    expansion: Decimal
    contraction: Decimal
    churned: Decimal
    customers: int  # companies with revenue in the twelve months before
    churned_customers: int

    @property
    def ending(self) -> Decimal:
        """All revenue of the twelve months: the starting revenue, changed, plus the new."""
        return self.starting + self.new + self.expansion - self.contraction - self.churned

    @property
    def previous_start(self) -> date:
        return _twelve_months_before(self.start)

    @property
    def gross_retention(self) -> float | None:
        """GRR, in percent: (starting - contraction - churned) / starting; None without customers."""
        return percent(self.starting - self.contraction - self.churned, self.starting)

    @property
    def net_retention(self) -> float | None:
        """NRR, in percent: (starting + expansion - contraction - churned) / starting."""
        return percent(self.starting + self.expansion - self.contraction - self.churned, self.starting)


def _twelve_months_before(day: date) -> date:
    return day.replace(year=day.year - 1)


def revenue_retention(*, rep_ids: list[int], end: date) -> Retention:
    """Retention of the revenue the reps ``rep_ids`` won (deals they own now), over the twelve months
    ending ``end`` (the last day of a month) against the twelve months before. One query: a sum per
    company of each year, summed again by how the company's revenue changed."""
    start = _twelve_months_before(end + timedelta(days=1))
    previous_start = _twelve_months_before(start)
    companies = (
        CompanyDay.objects.filter(rep_id__in=rep_ids, day__range=(previous_start, end))
        .values("company_id")
        .annotate(now=sum_of("amount", MONEY, day__gte=start), before=sum_of("amount", MONEY, day__lt=start))
        .order_by()
    )
    customer = Q(before__gt=0)
    sums = companies.aggregate(
        starting=Sum("before", default=ZERO, output_field=MONEY),
        new=Sum("now", filter=Q(before=0), default=ZERO, output_field=MONEY),
        expansion=Sum(
            F("now") - F("before"), filter=customer & Q(now__gt=F("before")), default=ZERO, output_field=MONEY
        ),
        contraction=Sum(
            F("before") - F("now"),
            filter=customer & Q(now__gt=0, now__lt=F("before")),
            default=ZERO,
            output_field=MONEY,
        ),
        churned=Sum("before", filter=customer & Q(now=0), default=ZERO, output_field=MONEY),
        customers=Sum(1, filter=customer, default=0),
        churned_customers=Sum(1, filter=customer & Q(now=0), default=0),
    )
    cents = Decimal("0.01")
    amounts = {
        key: Decimal(str(sums[key])).quantize(cents)
        for key in ("starting", "new", "expansion", "contraction", "churned")
    }
    return Retention(
        start=start,
        end=end,
        customers=int(sums["customers"]),
        churned_customers=int(sums["churned_customers"]),
        **amounts,
    )


# --- early warnings -------------------------------------------------------------------------

RECENT_DAYS = 14  # the last two weeks, today included
TRAILING_WEEKS = 8  # the eight weeks before them
# Fewer activities of a kind than this in the eight weeks: too few to call anything a drop.
TRAILING_MINIMUM = 8
RATE_DROP_POINTS = 15  # a rate this many percentage points below the trailing one dropped "sharply"
MIN_CLOSED = 5  # closed deals in each window before a win rate is judged
MIN_CALLS = 20  # calls in each window before a connect rate is judged

ACTIVITY_FIGURES = {
    "calls": ((Kind.CALL,), _("Calls")),
    "emails": ((Kind.EMAIL,), _("Emails")),
    "meetings": (tuple(sorted(MEETING_KINDS)), _("Meetings")),
}
RATE_FIGURES = {"win_rate": _("Win rate"), "connect_rate": _("Connect rate")}


@dataclass(frozen=True)
class Flag:
    """One figure of one rep that fell: ``recent`` (a count over the last two weeks, or a rate in
    percent) against ``usual`` (the two-week average of the eight weeks before, the ramped plan for
    the last two weeks, or the rate of the eight weeks before)."""

    figure: str  # a key of ACTIVITY_FIGURES or RATE_FIGURES
    recent: float
    usual: float
    against_plan: bool = False

    @property
    def label(self) -> str:
        return str({**{k: v[1] for k, v in ACTIVITY_FIGURES.items()}, **RATE_FIGURES}[self.figure])

    @property
    def is_rate(self) -> bool:
        return self.figure in RATE_FIGURES

    @property
    def share(self) -> float | None:
        """recent / usual in percent, for counts."""
        return None if self.is_rate else percent(self.recent, self.usual)


@dataclass
class RepFlags:
    rep: User
    flags: list[Flag] = field(default_factory=list)
    in_ramp: bool = False


def warning_windows(today: date) -> tuple[date, date]:
    """The first day of the trailing eight weeks and the first of the last two weeks."""
    recent_start = today - timedelta(days=RECENT_DAYS - 1)
    return recent_start - timedelta(weeks=TRAILING_WEEKS), recent_start


def _ramping_goals(rep_ids: list[int], today: date) -> dict[int, list[ActivityGoal]]:
    """Each rep's own goals that started and are still ramping today (below their full target)."""
    goals = ActivityGoal.objects.filter(rep_id__in=rep_ids, ramp_start__isnull=False, starts_on__lte=today)
    ramping: dict[int, list[ActivityGoal]] = defaultdict(list)
    for goal in goals:
        if goal.target_for(Period.containing(today, goal.frequency)) < goal.target:
            ramping[goal.rep_id].append(goal)
    return ramping


def early_warnings(*, reps: list[User], today: date, drop_percent: int) -> list[RepFlags]:
    """The reps with at least one flag today, in the order given. Three queries.

    A count drops when the last two weeks' is below ``drop_percent`` % of the rep's two-week average
    over the eight weeks before; a rate when it is ``RATE_DROP_POINTS`` points or more below the
    eight weeks' rate, with enough events in both. A rep with a ramped goal still ramping is judged
    against that goal's plan for the two weeks instead, and on nothing else. Nothing is stored: a
    figure back above the line is no longer flagged."""
    rep_ids = [rep.pk for rep in reps]
    trailing_start, recent_start = warning_windows(today)
    windows = {"recent": (recent_start, today), "trailing": (trailing_start, recent_start - timedelta(days=1))}
    activity = _per_rep(
        ActivityDay.objects.filter(rep_id__in=rep_ids, day__range=(trailing_start, today))
        .values("rep_id")
        .annotate(
            **{
                f"{name}_{when}": sum_of("count", kind__in=kinds, day__range=span)
                for name, (kinds, _label) in ACTIVITY_FIGURES.items()
                for when, span in windows.items()
            },
            **{
                f"connected_{when}": sum_of("connected", kind=Kind.CALL, day__range=span)
                for when, span in windows.items()
            },
        )
        .order_by(),
        tuple(f"{name}_{when}" for name in (*ACTIVITY_FIGURES, "connected") for when in windows),
    )
    closed = _per_rep(
        ClosedDay.objects.filter(rep_id__in=rep_ids, day__range=(trailing_start, today))
        .values("rep_id")
        .annotate(
            **{f"won_{when}": sum_of("deals", won=True, day__range=span) for when, span in windows.items()},
            **{f"closed_{when}": sum_of("deals", day__range=span) for when, span in windows.items()},
        )
        .order_by(),
        tuple(f"{name}_{when}" for name in ("won", "closed") for when in windows),
    )
    ramping = _ramping_goals(rep_ids, today)
    flagged = []
    for rep in reps:
        counts, deals = activity.get(rep.pk, {}), closed.get(rep.pk, {})
        found = RepFlags(rep=rep, in_ramp=rep.pk in ramping)
        if found.in_ramp:
            found.flags = _against_plan(ramping[rep.pk], counts, recent_start, today, drop_percent)
        else:
            found.flags = _against_history(counts, deals, drop_percent)
        if found.flags:
            flagged.append(found)
    return flagged


def _against_history(counts: dict, deals: dict, drop_percent: int) -> list[Flag]:
    flags = []
    periods = TRAILING_WEEKS * 7 / RECENT_DAYS  # two-week spans in the trailing weeks
    for name in ACTIVITY_FIGURES:
        recent, trailing = counts.get(f"{name}_recent", 0), counts.get(f"{name}_trailing", 0)
        usual = trailing / periods
        if trailing >= TRAILING_MINIMUM and recent * 100 < drop_percent * usual:
            flags.append(Flag(name, recent, usual))
    rates = {
        "win_rate": (
            deals.get("won_recent", 0),
            deals.get("closed_recent", 0),
            deals.get("won_trailing", 0),
            deals.get("closed_trailing", 0),
            MIN_CLOSED,
        ),
        "connect_rate": (
            counts.get("connected_recent", 0),
            counts.get("calls_recent", 0),
            counts.get("connected_trailing", 0),
            counts.get("calls_trailing", 0),
            MIN_CALLS,
        ),
    }
    for name, (hits, events, hits_before, events_before, minimum) in rates.items():
        if events < minimum or events_before < minimum:
            continue
        recent, usual = percent(hits, events), percent(hits_before, events_before)
        if usual - recent >= RATE_DROP_POINTS:
            flags.append(Flag(name, recent, usual))
    return flags


def _against_plan(goals: list[ActivityGoal], counts: dict, start: date, today: date, drop_percent: int) -> list[Flag]:
    flags = []
    for name, metrics in GOAL_COLUMNS.items():
        chosen = [goal for goal in goals if goal.metric in metrics]
        plan = float(sum((goal_plan(goal, start=start, end=today) for goal in chosen), ZERO))
        recent = counts.get(f"{name}_recent", 0)
        if plan > 0 and recent * 100 < drop_percent * plan:
            flags.append(Flag(name, recent, plan, against_plan=True))
    return flags
