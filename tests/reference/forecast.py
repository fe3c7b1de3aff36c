"""The forecast's history figures, recomputed from an ``Org``'s raw rows, straight from
docs/metrics.md ("Forecast": "Waterfall (pipeline movement)", "Weekly snapshots", "Forecast
accuracy"), sharing no code with ``forecast`` or ``dashboards.rollups``.

A deal's forecast history is its ``DealChange`` rows in order (the moment, then the id); each row
is dated by the local day of its moment in the organisation's zone, worked out here. The deal at a
moment is its last row at or before it. Money is ``Decimal``; ratios are ``Decimal`` fractions,
``None`` for "—".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from . import calendar as cal
from .figures import Reference
from .rows import Org

ZERO = Decimal(0)
# The movements, entries first; docs/metrics.md's table names them.
BUCKETS = (
    "new",
    "pulled_in",
    "reassigned_in",
    "amount_up",
    "amount_down",
    "pushed_out",
    "reassigned_out",
    "won",
    "lost",
)


@dataclass(frozen=True)
class State:
    """A deal as one history row left it."""

    owner_id: int
    kind: str  # its stage's: open, won, lost
    amount: Decimal
    close: date | None
    category: str
    probability: int

    @property
    def is_open(self) -> bool:
        return self.kind == "open"


def score(called: Decimal, won: Decimal) -> dict:
    """Accuracy max(0, 1 - |called - won| / won) and bias (called - won) / won; "—" (None) when
    nothing was won."""
    if not won:
        return {"accuracy": None, "bias": None}
    return {"accuracy": max(ZERO, 1 - abs(called - won) / won), "bias": (called - won) / won}


class ForecastReference:
    def __init__(self, org: Org):
        self.org = org
        self.fs = org.fiscal_start
        self.today = cal.local_day(org.now, org.zone)
        self.closed = Reference(org)  # the closed-deal figures (won by close date, current owner)
        self.history: dict[int, list[tuple[date, State]]] = defaultdict(list)
        for row in sorted(org.deal_changes, key=lambda r: (r.at, r.id)):
            state = State(
                row.owner_id, org.stages[row.stage_id].kind, row.amount, row.close, row.category, row.probability
            )
            self.history[row.deal_id].append((cal.local_day(row.at, org.zone), state))

    # --- the deal at a moment -------------------------------------------------------------------

    def stood(self, deal_id: int, *, through: date) -> State | None:
        """The deal at the end of ``through``: its last row dated on or before it (None: not created yet)."""
        found = None
        for day, state in self.history[deal_id]:
            if day <= through:
                found = state
        return found

    def in_pipeline(self, state: State | None, reps: set[int], first: date, last: date) -> bool:
        """The pipeline of a range: open deals of the reps expected to close in it."""
        return (
            state is not None
            and state.is_open
            and state.owner_id in reps
            and state.close is not None
            and first <= state.close <= last
        )

    # --- the waterfall ------------------------------------------------------------------------------

    def movements(self, before: State | None, after: State | None, reps: set[int], first: date, last: date):
        """One deal's movements (bucket, signed amount) between the start and the end of the range,
        row by row from docs/metrics.md's table."""
        if after is None:
            return []
        was = self.in_pipeline(before, reps, first, last)
        now = self.in_pipeline(after, reps, first, last)
        closed_by_reps = not after.is_open and after.owner_id in reps

        def amount_change():
            change = after.amount - before.amount
            if change > 0:
                return [("amount_up", change)]
            return [("amount_down", change)] if change < 0 else []

        if was and now:
            return amount_change()
        if was:
            if after.owner_id not in reps:
                return [("reassigned_out", -before.amount)]
            if after.is_open:
                return [("pushed_out", -before.amount)]
            return [*amount_change(), (after.kind, -after.amount)]
        # Not in at the start: how it entered, if it did.
        if before is None or not before.is_open:
            entry = "new"
        elif before.owner_id not in reps:
            entry = "reassigned_in"
        else:
            entry = "pulled_in"
        if now:
            return [(entry, after.amount)]
        # Closed by the reps during the range without being in at either end; a deal closed at the
        # start as well (reopened and closed again) moves nothing.
        if closed_by_reps and (before is None or before.is_open):
            return [(entry, after.amount), (after.kind, -after.amount)]
        return []

    def waterfall(self, rep_ids, first: date, last: date) -> dict:
        """The pipeline of first..last at its start and end, each bucket's total and deal count, and
        the deals each bucket lists (by id, in order)."""
        reps = set(rep_ids)
        found = {
            "opening": ZERO,
            "opening_deals": 0,
            "closing": ZERO,
            "closing_deals": 0,
            "at_start": [],
            "at_end": [],
            "buckets": dict.fromkeys(BUCKETS, (ZERO, 0)),
            "deals": {key: [] for key in BUCKETS},
        }
        for deal_id in sorted(self.history):
            before = self.stood(deal_id, through=first - cal.ONE_DAY)
            after = self.stood(deal_id, through=last)
            if self.in_pipeline(before, reps, first, last):
                found["opening"] += before.amount
                found["opening_deals"] += 1
                found["at_start"].append(deal_id)
            if self.in_pipeline(after, reps, first, last):
                found["closing"] += after.amount
                found["closing_deals"] += 1
                found["at_end"].append(deal_id)
            for bucket, amount in self.movements(before, after, reps, first, last):
                total, deals = found["buckets"][bucket]
                found["buckets"][bucket] = (total + amount, deals + 1)
                found["deals"][bucket].append(deal_id)
        return found

    # --- the weekly snapshots ----------------------------------------------------------------------

    def target(self, kind: str, close: date) -> date:
        """The first day of the month or fiscal quarter holding an expected close date."""
        return cal.period(kind, close, self.fs)[0]

    def snapshot(self, rep_ids, kind: str, period_start: date, week_end: date) -> dict[str, tuple]:
        """Each category's (deals, amount, weighted) of the reps' open deals expected to close in
        the period, as they stood at the end of the week ending ``week_end``; empty ones left out."""
        reps = set(rep_ids)
        found: dict[str, list] = {}
        for deal_id in self.history:
            state = self.stood(deal_id, through=week_end)
            if (
                state is None
                or not state.is_open
                or state.close is None
                or state.owner_id not in reps
                or self.target(kind, state.close) != period_start
            ):
                continue
            line = found.setdefault(state.category, [0, ZERO, ZERO])
            line[0] += 1
            line[1] += state.amount
            line[2] += state.amount * state.probability / 100
        return {category: tuple(line) for category, line in found.items()}

    # --- forecast accuracy -------------------------------------------------------------------------

    def won(self, rep_ids, first: date, last: date) -> Decimal:
        return self.closed.closed(rep_ids, first, last)["won_amount"]

    def weeks(self, period: cal.Span) -> list[cal.Span]:
        """Every week from the one holding the period's first day to the one holding its last."""
        return cal.periods_over("week", *period)

    def accuracy(self, rep_ids, kind: str, period_start: date) -> dict:
        """Every accuracy figure of a closed month or fiscal quarter for the reps."""
        first, last = cal.period(kind, period_start, self.fs)
        actual = self.won(rep_ids, first, last)
        weeks = []
        for week_first, week_last in self.weeks((first, last)):
            snapshot = self.snapshot(rep_ids, kind, first, week_last)
            won = self.won(rep_ids, first, min(week_last, last))
            commit = won + (snapshot.get("commit") or (0, ZERO))[1]
            best_case = commit + (snapshot.get("best_case") or (0, ZERO))[1]
            weeks.append(
                {
                    "week_start": week_first,
                    "won": won,
                    "commit": commit,
                    "best_case": best_case,
                    "commit_score": score(commit, actual),
                    "best_case_score": score(best_case, actual),
                    "snapshot": snapshot,
                }
            )
        reps = set(rep_ids)
        found = {
            "actual": actual,
            "weeks": weeks,
            "opening_commit": weeks[0]["commit"],
            "opening_score": weeks[0]["commit_score"],
            "commit_deals": 0,
            "commit_amount": ZERO,
            "commit_won": 0,
            "commit_won_amount": ZERO,
            "planned_deals": 0,
            "slipped": 0,
            "slipped_amount": ZERO,
        }
        for deal_id in sorted(self.history):
            before = self.stood(deal_id, through=first - cal.ONE_DAY)
            if not self.in_pipeline(before, reps, first, last):
                continue
            after = self.stood(deal_id, through=last)
            found["planned_deals"] += 1
            if before.category == "commit":
                found["commit_deals"] += 1
                found["commit_amount"] += before.amount
                if after.kind == "won":
                    found["commit_won"] += 1
                    found["commit_won_amount"] += after.amount
            # Slipped: still open and the reps', its close date moved out of the period (or cleared).
            if after.is_open and after.owner_id in reps and not self.in_pipeline(after, reps, first, last):
                found["slipped"] += 1
                found["slipped_amount"] += before.amount
        found["commit_won_share"] = _share(found["commit_won"], found["commit_deals"])
        found["slip_rate"] = _share(found["slipped"], found["planned_deals"])
        return found

    def closed_periods(self) -> list[tuple[str, date]]:
        """(kind, first day) of every month and fiscal quarter that ended before today and has a day
        in the organisation's history."""
        days = [day for rows in self.history.values() for day, _ in rows]
        if not days:
            return []
        found = []
        for kind in ("month", "quarter"):
            for first, last in cal.periods_over(kind, min(days), self.today, self.fs):
                if last < self.today:
                    found.append((kind, first))
        return found


def _share(part: int, whole: int) -> Decimal | None:
    return Decimal(part) / whole if whole else None
