"""Pipeline movement between two days, the "waterfall" (METRICS.md "Forecast: waterfall").

The pipeline of a range is the open deals of the chosen reps whose expected close date falls in
the range: what a manager means by "the pipeline for this quarter". Each deal is compared as it
stood at the start (its last ``DealChange`` dated before the first day) and at the end (its last
one dated on or before the last day), and its difference falls in exactly one or two movements,
so that pipeline at start + every movement = pipeline at end, to the cent.

Public: ``waterfall(*, rep_ids, start, end) -> Waterfall`` (one query), ``movements(before,
after, *, rep_ids, start, end)`` (one deal's, pure), ``DealState``, ``BUCKETS``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection
from django.utils.translation import gettext_lazy as _

from pipeline.models import DealChange, Stage, StageKind

ZERO = Decimal("0.00")

# The movements in the order the chart and the table show them: what came in, what changed,
# what went out. Each is one-signed: entries add, exits subtract, amount changes either.
BUCKETS = {
    "new": _("New"),
    "pulled_in": _("Pulled in"),
    "reassigned_in": _("Reassigned in"),
    "amount_up": _("Amount up"),
    "amount_down": _("Amount down"),
    "pushed_out": _("Pushed out"),
    "reassigned_out": _("Reassigned out"),
    "won": _("Won"),
    "lost": _("Lost"),
}


@dataclass(frozen=True)
class DealState:
    """A deal's forecast fields as one ``DealChange`` row left them."""

    owner_id: int
    kind: str  # its stage's: open, won or lost
    amount: Decimal
    close: date | None  # expected close date
    category: str = ""
    probability: int = 0

    @property
    def is_open(self) -> bool:
        return self.kind == StageKind.OPEN


def in_pipeline(state: DealState | None, *, rep_ids: Collection[int], start: date, end: date) -> bool:
    """Open, owned by one of the reps, and expected to close in the range."""
    return (
        state is not None
        and state.is_open
        and state.owner_id in rep_ids
        and state.close is not None
        and start <= state.close <= end
    )


def movements(
    before: DealState | None, after: DealState, *, rep_ids: Collection[int], start: date, end: date
) -> list[tuple[str, Decimal]]:
    """One deal's movements (bucket, signed amount) between its state at the range's start
    (``before``; None: it did not exist yet) and at its end. They always add up to the deal's
    amount in the pipeline at the end minus its amount at the start."""
    was = in_pipeline(before, rep_ids=rep_ids, start=start, end=end)
    now = in_pipeline(after, rep_ids=rep_ids, start=start, end=end)
    closed_here = after.kind in (StageKind.WON, StageKind.LOST) and after.owner_id in rep_ids
    if was and now:
        change = after.amount - before.amount
        return [("amount_up" if change > 0 else "amount_down", change)] if change else []
    if was:
        if after.owner_id not in rep_ids:
            return [("reassigned_out", -before.amount)]
        if closed_here:
            # A deal won at another amount: the change shows as such, the win at the amount won.
            change = after.amount - before.amount
            moved = [("amount_up" if change > 0 else "amount_down", change)] if change else []
            return [*moved, (after.kind, -after.amount)]
        return [("pushed_out", -before.amount)]
    if before is None or not before.is_open:
        entry = "new"  # created in the range, or reopened
    elif before.owner_id not in rep_ids:
        entry = "reassigned_in"
    else:
        entry = "pulled_in"  # its close date moved into the range (or was set)
    if now:
        return [(entry, after.amount)]
    if closed_here and (before is None or before.is_open):
        # Closed in the range without being in its pipeline at either end (created and won, or
        # won ahead of its close date): in and out again, so every deal closed in the range shows.
        return [(entry, after.amount), (after.kind, -after.amount)]
    return []


@dataclass(frozen=True)
class Move:
    deal_id: int
    bucket: str
    amount: Decimal
    before: DealState | None
    after: DealState


@dataclass
class Bar:
    key: str
    label: str
    amount: Decimal
    deals: int


@dataclass
class Waterfall:
    start: date
    end: date
    opening: Decimal = ZERO
    closing: Decimal = ZERO
    opening_deals: int = 0
    closing_deals: int = 0
    moves: list[Move] = field(default_factory=list)
    states: dict[int, tuple[DealState | None, DealState]] = field(default_factory=dict)

    @property
    def bars(self) -> list[Bar]:
        """Every movement, in ``BUCKETS`` order, with its total and its number of deals (zero ones too)."""
        totals = {key: [ZERO, 0] for key in BUCKETS}
        for move in self.moves:
            totals[move.bucket][0] += move.amount
            totals[move.bucket][1] += 1
        return [Bar(key, label, *totals[key]) for key, label in BUCKETS.items()]

    def moves_in(self, bucket: str) -> list[Move]:
        return [move for move in self.moves if move.bucket == bucket]

    def pipeline_deals(self, *, at_end: bool) -> list[int]:
        """The deals in the pipeline at the start (or the end)."""
        return [
            deal_id
            for deal_id, (before, after) in self.states.items()
            if in_pipeline(after if at_end else before, rep_ids=self._rep_ids, start=self.start, end=self.end)
        ]

    _rep_ids: frozenset[int] = frozenset()


def deal_states(*, rep_ids: Collection[int], start: date, end: date) -> dict[int, tuple[DealState | None, DealState]]:
    """Every deal one of the reps owned on or before ``end``: its state before ``start`` (None if
    it did not exist) and on ``end``. One query: the last row of each deal on each side of ``start``."""
    if not rep_ids:
        return {}
    change, stage = DealChange._meta.db_table, Stage._meta.db_table
    reps = ", ".join(str(int(pk)) for pk in sorted(rep_ids))
    # Rows of a deal are ordered as its history is (changed_at, then id); ``early`` is 1 for the
    # rows dated before the range, and each side's newest row is ranked 1.
    sql = f"""
        SELECT deal_id, early, owner_id, kind, amount, close_on, category, probability FROM (
            SELECT dc.deal_id AS deal_id, CASE WHEN dc.day < %s THEN 1 ELSE 0 END AS early,
                dc.owner_id AS owner_id, st.kind AS kind, dc.amount AS amount,
                dc.expected_close_date AS close_on, dc.forecast_category AS category,
                dc.probability AS probability,
                ROW_NUMBER() OVER (PARTITION BY dc.deal_id, CASE WHEN dc.day < %s THEN 1 ELSE 0 END
                    ORDER BY dc.changed_at DESC, dc.id DESC) AS rn
            FROM {change} dc JOIN {stage} st ON st.id = dc.stage_id
            WHERE dc.day <= %s
                AND dc.deal_id IN (SELECT w.deal_id FROM {change} w WHERE w.owner_id IN ({reps}) AND w.day <= %s)
        ) ranked
        WHERE rn = 1"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, start, end, end])
        rows = cursor.fetchall()
    early: dict[int, DealState] = {}
    late: dict[int, DealState] = {}
    for deal_id, is_early, owner_id, kind, amount, close_on, category, probability in rows:
        state = DealState(
            owner_id=owner_id,
            kind=kind,
            amount=_decimal(amount),
            close=_date(close_on),
            category=category,
            probability=probability,
        )
        (early if is_early else late)[deal_id] = state
    return {deal_id: (early.get(deal_id), late.get(deal_id) or early[deal_id]) for deal_id in early.keys() | late}


def waterfall(*, rep_ids: Collection[int], start: date, end: date) -> Waterfall:
    """The pipeline of ``start``..``end`` (both included) for the reps, at its start and its end,
    and every movement between them (METRICS.md "Forecast: waterfall"). One query."""
    reps = frozenset(rep_ids)
    states = deal_states(rep_ids=reps, start=start, end=end)
    result = Waterfall(start=start, end=end, states=states, _rep_ids=reps)
    for deal_id in sorted(states):
        before, after = states[deal_id]
        if in_pipeline(before, rep_ids=reps, start=start, end=end):
            result.opening += before.amount
            result.opening_deals += 1
        if in_pipeline(after, rep_ids=reps, start=start, end=end):
            result.closing += after.amount
            result.closing_deals += 1
        for bucket, amount in movements(before, after, rep_ids=reps, start=start, end=end):
            result.moves.append(Move(deal_id, bucket, amount, before, after))
    return result


def _decimal(value) -> Decimal:
    # SQLite hands a decimal column back as a float or an int: two places, as stored.
    return value if isinstance(value, Decimal) else Decimal(str(value)).quantize(Decimal("0.01"))


def _date(value) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value
