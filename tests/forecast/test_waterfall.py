"""The waterfall (forecast/waterfall.py): the pipeline of a range at its start and end, and the
movements between them, which always add up."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forecast.waterfall import BUCKETS, DealState, movements, waterfall
from pipeline import services as pipeline_services
from pipeline.models import StageKind
from tests.dashboards.rollups.helpers import deal_for, lose, move, win
from tests.helpers import at

START, END = date(2026, 10, 1), date(2026, 12, 31)  # the fourth quarter
BEFORE = date(2026, 9, 14)


def edit(monkeypatch, deal, when, **fields):
    monkeypatch.setattr("django.utils.timezone.now", lambda: when)
    pipeline_services.deal_update(deal=deal, by=deal.owner, **fields)
    monkeypatch.undo()


def totals(flow) -> dict[str, tuple[Decimal, int]]:
    return {bar.key: (bar.amount, bar.deals) for bar in flow.bars if bar.deals}


@pytest.mark.django_db
def test_the_waterfall_of_a_quarter_adds_up_from_start_to_end(rep, teammate, outsider, monkeypatch):
    """The worked example of docs/metrics.md ("Forecast: waterfall")."""

    def deal(amount, close, created=None, owner=rep):
        return deal_for(owner, None, created or at(BEFORE), amount=amount, expected_close_date=close)

    steady = deal("10000", date(2026, 11, 15))  # in at the start, raised to 12,000
    edit(monkeypatch, steady, at(date(2026, 10, 5)), amount=Decimal("12000"))
    cut = deal("8000", date(2026, 12, 1))  # in, cut to 5,000
    edit(monkeypatch, cut, at(date(2026, 10, 6)), amount=Decimal("5000"))
    pushed = deal("4000", date(2026, 12, 20))  # in, pushed to January
    edit(monkeypatch, pushed, at(date(2026, 11, 2)), expected_close_date=date(2027, 1, 15))
    won = deal("6000", date(2026, 10, 30))  # in, won at 6,500
    edit(monkeypatch, won, at(date(2026, 10, 20)), amount=Decimal("6500"))
    win(won, date(2026, 10, 28))
    lost = deal("3000", date(2026, 11, 30))  # in, lost
    lose(lost, date(2026, 11, 10))
    given_away = deal("2000", date(2026, 12, 5))  # in, reassigned to the teammate
    edit(monkeypatch, given_away, at(date(2026, 11, 3)), owner=teammate)
    pulled = deal("7000", date(2027, 2, 1))  # out at the start (February), pulled into December
    edit(monkeypatch, pulled, at(date(2026, 10, 12)), expected_close_date=date(2026, 12, 10))
    deal("5500", date(2026, 12, 15), created=at(date(2026, 10, 14)))  # new in the quarter
    quick = deal("1500", date(2027, 3, 1), created=at(date(2026, 10, 19)))  # new and won at once
    win(quick, date(2026, 10, 21))
    taken = deal("2500", date(2026, 11, 20), owner=teammate)  # the teammate's, given to the rep
    edit(monkeypatch, taken, at(date(2026, 10, 8)), owner=rep)
    deal("9000", date(2026, 9, 30))  # closes before the quarter: never in it
    deal("9999", date(2026, 11, 1), owner=outsider)  # someone else's

    flow = waterfall(rep_ids={rep.pk}, start=START, end=END)

    # At the start: 10,000 + 8,000 + 4,000 + 6,000 + 3,000 + 2,000 = 33,000 in six deals.
    assert (flow.opening, flow.opening_deals) == (Decimal("33000.00"), 6)
    assert totals(flow) == {
        "new": (Decimal("7000.00"), 2),  # 5,500 + the 1,500 won at once
        "pulled_in": (Decimal("7000.00"), 1),
        "reassigned_in": (Decimal("2500.00"), 1),
        "amount_up": (Decimal("2500.00"), 2),  # +2,000 and +500 (the won deal)
        "amount_down": (Decimal("-3000.00"), 1),
        "pushed_out": (Decimal("-4000.00"), 1),
        "reassigned_out": (Decimal("-2000.00"), 1),
        "won": (Decimal("-8000.00"), 2),  # 6,500 + 1,500
        "lost": (Decimal("-3000.00"), 1),
    }
    # At the end: 12,000 + 5,000 + 7,000 + 5,500 + 2,500 = 32,000 in five deals.
    assert (flow.closing, flow.closing_deals) == (Decimal("32000.00"), 5)
    assert flow.opening + sum(bar.amount for bar in flow.bars) == flow.closing
    assert [move.deal_id for move in flow.moves_in("pushed_out")] == [pushed.pk]


@pytest.mark.django_db
def test_the_teams_waterfall_reads_one_query(rep, teammate, django_assert_num_queries):
    for owner in (rep, teammate):
        deal = deal_for(owner, None, at(BEFORE), expected_close_date=date(2026, 11, 1))
        move(deal, "Demo", at(date(2026, 10, 3)))
    with django_assert_num_queries(1):
        flow = waterfall(rep_ids={rep.pk, teammate.pk}, start=START, end=END)
    assert flow.opening == flow.closing == Decimal("2000.00")


@pytest.mark.django_db
def test_a_change_on_the_first_day_counts_as_a_movement_and_one_on_the_last_day_too(rep, monkeypatch):
    first = deal_for(rep, None, at(BEFORE), amount="100", expected_close_date=date(2026, 10, 20))
    edit(monkeypatch, first, at(START, 9), amount=Decimal("150"))
    last = deal_for(rep, None, at(BEFORE), amount="100", expected_close_date=date(2026, 10, 20))
    edit(monkeypatch, last, at(END, 23), expected_close_date=date(2027, 1, 5))
    flow = waterfall(rep_ids={rep.pk}, start=START, end=END)
    assert flow.opening == Decimal("200.00")
    assert totals(flow) == {"amount_up": (Decimal("50.00"), 1), "pushed_out": (Decimal("-100.00"), 1)}
    assert flow.closing == Decimal("150.00")


# --- one deal's movements, whatever its two states ------------------------------------------

REPS = {1, 2}
STATES = st.builds(
    DealState,
    owner_id=st.sampled_from([1, 2, 3]),
    kind=st.sampled_from([StageKind.OPEN, StageKind.OPEN, StageKind.WON, StageKind.LOST]),
    amount=st.decimals(min_value=0, max_value=10_000, places=2),
    close=st.one_of(st.none(), st.dates(min_value=date(2026, 8, 1), max_value=date(2027, 3, 31))),
)


def _pipeline_amount(state) -> Decimal:
    inside = state and state.is_open and state.owner_id in REPS and state.close and START <= state.close <= END
    return state.amount if inside else Decimal(0)


@given(before=st.one_of(st.none(), STATES), after=STATES)
def test_a_deals_movements_add_up_to_its_change_in_the_pipeline(before, after):
    moved = movements(before, after, rep_ids=REPS, start=START, end=END)
    assert sum((amount for _, amount in moved), Decimal(0)) == _pipeline_amount(after) - _pipeline_amount(before)
    assert {bucket for bucket, _ in moved} <= set(BUCKETS)
    # Each movement has one sign: entries add, exits take away.
    for bucket, amount in moved:
        if bucket in ("new", "pulled_in", "reassigned_in", "amount_up"):
            assert amount >= 0
        else:
            assert amount <= 0
