"""The weekly forecast snapshots (dashboards/rollups/tables/forecast.py): changes per rep, week,
target period and category, whose sums up to a week are the totals as they stood at its end."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboards import rollups
from dashboards.models import DirtyMark, ForecastWeek
from pipeline import services as pipeline_services
from pipeline.models import ForecastCategory
from quotas.models import OrgSettings
from tests.dashboards.rollups.helpers import MON, deal_for, drained_clean, move, win
from tests.helpers import at

pytestmark = pytest.mark.django_db

COMMIT, BEST = ForecastCategory.COMMIT, ForecastCategory.BEST_CASE
COLUMNS = ("rep_id", "week_start", "period_kind", "period_start", "category", "deals", "amount", "weighted")


def edit(monkeypatch, deal, when, **fields):
    """``deal_update`` at a given moment (it stamps its change with the clock)."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: when)
    pipeline_services.deal_update(deal=deal, by=deal.owner, **fields)
    monkeypatch.undo()


def totals(rep, kind, start, through_week) -> dict[str, tuple]:
    """Each category's (deals, amount, weighted) for a period at the end of a week."""
    rows = (
        ForecastWeek.objects.filter(rep=rep, period_kind=kind, period_start=start, week_start__lte=through_week)
        .values("category")
        .annotate(deals=Sum("deals"), amount=Sum("amount"), weighted=Sum("weighted"))
    )
    return {
        r["category"]: (r["deals"], r["amount"], r["weighted"])
        for r in rows
        if r["deals"] or r["amount"] or r["weighted"]
    }


def test_a_snapshot_adds_up_the_changes_of_the_weeks_up_to_it(rep, pipeline, monkeypatch):
    # Created on Monday 2 March in Lead (10%), commit, to close on 20 March; raised to 2,000 on
    # 10 March; pushed to 10 April on 17 March.
    deal = deal_for(
        rep, pipeline, at(MON), amount="1000", expected_close_date=date(2026, 3, 20), forecast_category=COMMIT
    )
    edit(monkeypatch, deal, at(date(2026, 3, 10)), amount=Decimal("2000"))
    edit(monkeypatch, deal, at(date(2026, 3, 17)), expected_close_date=date(2026, 4, 10))
    drained_clean()
    march, april = date(2026, 3, 1), date(2026, 4, 1)
    week1, week2, week3 = MON, MON + timedelta(days=7), MON + timedelta(days=14)
    assert totals(rep, "month", march, week1) == {COMMIT: (1, Decimal("1000.00"), Decimal("100.0000"))}
    assert totals(rep, "month", march, week2) == {COMMIT: (1, Decimal("2000.00"), Decimal("200.0000"))}
    assert totals(rep, "month", march, week3) == {}
    assert totals(rep, "month", april, week3) == {COMMIT: (1, Decimal("2000.00"), Decimal("200.0000"))}
    # Fiscal quarters from January: March is Q1, April Q2.
    assert totals(rep, "quarter", date(2026, 1, 1), week3) == {}
    assert totals(rep, "quarter", april, week3) == {COMMIT: (1, Decimal("2000.00"), Decimal("200.0000"))}


def test_a_category_change_moves_the_deal_between_categories_in_its_week(rep, pipeline, monkeypatch):
    deal = deal_for(rep, pipeline, at(MON), amount="500", expected_close_date=date(2026, 3, 27))
    edit(monkeypatch, deal, at(date(2026, 3, 11)), forecast_category=BEST)
    edit(monkeypatch, deal, at(date(2026, 3, 12)), forecast_category=COMMIT)
    drained_clean()
    march = date(2026, 3, 1)
    assert totals(rep, "month", march, MON) == {"pipeline": (1, Decimal("500.00"), Decimal("50.0000"))}
    # Best case on Wednesday and commit on Thursday: the week's net change is pipeline -> commit.
    assert totals(rep, "month", march, MON + timedelta(days=7)) == {COMMIT: (1, Decimal("500.00"), Decimal("50.0000"))}
    assert not ForecastWeek.objects.filter(category=BEST).exists()


def test_a_won_deal_leaves_every_category_and_a_new_stage_reweights_it(rep, pipeline):
    deal = deal_for(
        rep, pipeline, at(MON), amount="1000", expected_close_date=date(2026, 3, 31), forecast_category=COMMIT
    )
    move(deal, "Demo", at(date(2026, 3, 4)))  # 50%
    drained_clean()
    march = date(2026, 3, 1)
    assert totals(rep, "month", march, MON) == {COMMIT: (1, Decimal("1000.00"), Decimal("500.0000"))}
    win(deal, date(2026, 3, 12))
    drained_clean()
    assert totals(rep, "month", march, MON + timedelta(days=7)) == {}


def test_a_reassigned_deal_leaves_the_old_owner_and_joins_the_new_one_in_that_week(
    rep, teammate, pipeline, monkeypatch
):
    deal = deal_for(
        rep, pipeline, at(MON), amount="800", expected_close_date=date(2026, 4, 15), forecast_category=COMMIT
    )
    drained_clean()
    edit(monkeypatch, deal, at(date(2026, 3, 18)), owner=teammate)
    # The change is the teammate's, and it takes the deal away from the rep: both are marked.
    assert set(DirtyMark.objects.values_list("rep_id", "day")) >= {
        (rep.pk, date(2026, 3, 18)),
        (teammate.pk, date(2026, 3, 18)),
    }
    drained_clean()
    april, week3 = date(2026, 4, 1), MON + timedelta(days=14)
    assert totals(rep, "month", april, MON) == {COMMIT: (1, Decimal("800.00"), Decimal("80.0000"))}
    assert totals(rep, "month", april, week3) == {}
    assert totals(teammate, "month", april, week3) == {COMMIT: (1, Decimal("800.00"), Decimal("80.0000"))}


def test_a_reassignment_refreshed_one_mark_at_a_time_still_leaves_the_old_owner(rep, teammate, pipeline, monkeypatch):
    # Each mark its own refresh (as when a batch ends between the two owners' marks): the old
    # owner's refresh finds the deal by its earlier rows, though its change this week is the new
    # owner's.
    deal = deal_for(rep, pipeline, at(MON), amount="800", expected_close_date=date(2026, 4, 15))
    drained_clean()
    edit(monkeypatch, deal, at(date(2026, 3, 18)), owner=teammate)
    rollups.drain(batch=1)
    assert DirtyMark.objects.count() == 0
    assert rollups.verify() == []
    april, week3 = date(2026, 4, 1), MON + timedelta(days=14)
    assert totals(rep, "month", april, week3) == {}
    assert totals(teammate, "month", april, week3) == {"pipeline": (1, Decimal("800.00"), Decimal("80.0000"))}


def test_a_change_dated_back_moves_the_next_changes_week_too(rep, pipeline, monkeypatch):
    # A move recorded later but dated before the deal's last change (it records the deal's fields
    # as they are now: best case): the later change now takes away the moved state, in its week.
    deal = deal_for(
        rep, pipeline, at(MON), amount="300", expected_close_date=date(2026, 3, 30), forecast_category=COMMIT
    )
    edit(monkeypatch, deal, at(date(2026, 3, 20)), forecast_category=BEST)
    drained_clean()
    move(deal, "Demo", at(date(2026, 3, 10)))
    drained_clean()  # verify: the drained rows equal a rebuild's
    march = date(2026, 3, 1)
    assert totals(rep, "month", march, MON) == {COMMIT: (1, Decimal("300.00"), Decimal("30.0000"))}
    # Demo (50%) from 10 March; the 20 March row was taken at Lead's 10%.
    assert totals(rep, "month", march, MON + timedelta(days=7)) == {BEST: (1, Decimal("300.00"), Decimal("150.0000"))}
    assert totals(rep, "month", march, MON + timedelta(days=14)) == {BEST: (1, Decimal("300.00"), Decimal("30.0000"))}


def test_a_quarter_follows_the_fiscal_year_start(rep, pipeline):
    org = OrgSettings.load()
    org.fiscal_year_start_month = 2  # quarters from February, May, August, November
    org.save()
    rollups.rebuild()
    deal_for(rep, pipeline, at(MON), amount="100", expected_close_date=date(2026, 4, 30), forecast_category=COMMIT)
    drained_clean()
    assert totals(rep, "quarter", date(2026, 2, 1), MON) == {COMMIT: (1, Decimal("100.00"), Decimal("10.0000"))}


def test_rebuild_writes_the_same_rows_as_the_drain(rep, teammate, pipeline, monkeypatch):
    deal = deal_for(rep, pipeline, at(MON), amount="1000", expected_close_date=date(2026, 3, 20))
    edit(monkeypatch, deal, at(date(2026, 3, 9)), owner=teammate, forecast_category=COMMIT)
    move(deal, "Proposal", at(date(2026, 3, 16)))
    rollups.drain()
    drained = set(ForecastWeek.objects.values_list(*COLUMNS))
    rollups.rebuild()
    assert set(ForecastWeek.objects.values_list(*COLUMNS)) == drained
    assert rollups.verify() == []


def test_verify_recomputes_the_snapshots_and_reports_a_row_that_differs(rep, pipeline):
    deal_for(rep, pipeline, at(MON), amount="100", expected_close_date=date(2026, 3, 20), forecast_category=COMMIT)
    drained_clean()
    row = ForecastWeek.objects.get(rep=rep, period_kind="month")
    ForecastWeek.objects.filter(pk=row.pk).update(amount=Decimal("99"))
    differences = rollups.verify()
    assert len(differences) == 1 and differences[0].startswith("ForecastWeek")
    rollups.rebuild()
    assert rollups.verify() == []


def test_a_time_zone_change_moves_a_change_to_the_week_of_its_new_local_day(
    rep, pipeline, django_capture_on_commit_callbacks
):
    from quotas import services as quota_services

    # 23:30 UTC on Sunday 1 March is Monday 2 March in Auckland: the next week.
    sunday_night = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    deal_for(rep, pipeline, sunday_night, amount="100", expected_close_date=date(2026, 3, 20), forecast_category=COMMIT)
    drained_clean()
    assert set(ForecastWeek.objects.values_list("week_start", flat=True)) == {date(2026, 2, 23)}
    org = OrgSettings.load()
    org.time_zone = "Pacific/Auckland"
    with django_capture_on_commit_callbacks(execute=True):
        quota_services.org_settings_save(org_settings=org, by=None)
    assert set(ForecastWeek.objects.values_list("week_start", flat=True)) == {MON}
    assert rollups.verify() == []


# --- any history: the drained changes add up to the states the history gives -------------------

WEEKS = [MON + timedelta(days=7 * n) for n in range(4)]
CLOSES = [date(2026, 3, 25), date(2026, 4, 10), date(2026, 5, 5), None]
CATEGORIES = [ForecastCategory.PIPELINE, BEST, COMMIT]
STEP = st.one_of(
    st.tuples(st.just("create"), st.integers(0, 1), st.sampled_from(CLOSES), st.sampled_from(CATEGORIES)),
    st.tuples(st.just("amount"), st.integers(0, 5), st.sampled_from(["100", "250.50", "1000"])),
    st.tuples(st.just("close"), st.integers(0, 5), st.sampled_from(CLOSES)),
    st.tuples(st.just("category"), st.integers(0, 5), st.sampled_from(CATEGORIES)),
    st.tuples(st.just("owner"), st.integers(0, 5), st.integers(0, 1)),
    st.tuples(st.just("move"), st.integers(0, 5), st.sampled_from(["Lead", "Demo", "Won", "Lost"])),
)


@settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.tuples(STEP, st.integers(0, 27)), min_size=3, max_size=12))
def test_any_history_drains_to_changes_that_add_up_to_each_weeks_states(rep, teammate, pipeline, steps):
    from forecast.waterfall import deal_states

    with transaction.atomic():
        people, deals = [rep, teammate], []
        for (kind, *args), offset in steps:
            when = at(MON + timedelta(days=offset), 9 + len(deals) % 8)
            try:
                if kind == "create":
                    owner, close, category = args
                    deals.append(
                        deal_for(people[owner], pipeline, when, expected_close_date=close, forecast_category=category)
                    )
                    continue
                if not deals:
                    continue
                deal = deals[args[0] % len(deals)]
                deal.refresh_from_db()
                if when < deal.created_at:
                    continue
                if kind == "move":
                    _move(deal, args[1], when, rep)
                elif not deal.stage.is_closed:
                    _update(deal, kind, args[1], when, people)
            except ValidationError:
                continue  # refused (a close date before the deal was created): nothing written
        rollups.drain()
        assert rollups.verify() == []
        for week in WEEKS:
            states = deal_states(
                rep_ids={rep.pk, teammate.pk}, start=week + timedelta(days=7), end=week + timedelta(days=6)
            )
            for person in people:
                for month in (date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)):
                    expected = {}
                    for before, _after in states.values():
                        mine = before and before.is_open and before.owner_id == person.pk and before.close
                        if mine and (before.close.year, before.close.month) == (month.year, month.month):
                            n, amount = expected.get(before.category, (0, Decimal(0)))
                            expected[before.category] = (n + 1, amount + before.amount)
                    have = {c: (n, amount) for c, (n, amount, _w) in totals(person, "month", month, week).items()}
                    assert have == expected, (person, week, month)
        transaction.set_rollback(True)


def _move(deal, name, when, by):
    from tests.factories import LostReasonFactory, stage

    closing = {"closed_on": when.date()} if name in ("Won", "Lost") else {}
    if name == "Lost":
        closing["lost_reason"] = LostReasonFactory(name="Price")
    pipeline_services.deal_move(deal=deal, to_stage=stage(deal.pipeline, name), by=by, at=when, **closing)


def _update(deal, kind, value, when, people):
    fields = {
        "amount": lambda: {"amount": Decimal(value)},
        "close": lambda: {"expected_close_date": value},
        "category": lambda: {"forecast_category": value},
        "owner": lambda: {"owner": people[value]},
    }[kind]()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: when)
        pipeline_services.deal_update(deal=deal, by=deal.owner, **fields)
