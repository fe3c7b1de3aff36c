from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from pipeline import selectors, services
from tests.factories import make_deal, make_pipeline, stage


@pytest.fixture
def pipeline(db):
    return make_pipeline()


def _stay(pipeline, owner, stage_name, days, ago):
    """A deal that spent ``days`` in ``stage_name`` and left it ``ago`` days ago."""
    left = timezone.now() - timedelta(days=ago)
    deal = make_deal(owner=owner, pipeline=pipeline, stage_name=stage_name, created_at=left - timedelta(days=days))
    services.deal_move(deal=deal, to_stage=stage(pipeline, "Proposal"), by=owner, at=left)


def test_stale_threshold_uses_rotting_days_when_set(pipeline):
    demo = stage(pipeline, "Demo")
    demo.rotting_days = 9
    demo.save()
    assert selectors.stage_stale_thresholds(pipeline=pipeline)[demo.pk] == 9


def test_stale_threshold_defaults_to_twice_the_median_of_recent_stays(pipeline, rep):
    for days in (2, 4, 10):
        _stay(pipeline, rep, "Demo", days, ago=5)
    _stay(pipeline, rep, "Demo", 100, ago=200)  # ended before the 180-day window: ignored
    assert selectors.stage_stale_thresholds(pipeline=pipeline)[stage(pipeline, "Demo").pk] == pytest.approx(8)


def test_stale_threshold_is_none_without_history(pipeline):
    assert selectors.stage_stale_thresholds(pipeline=pipeline)[stage(pipeline, "Lead").pk] is None


def test_board_columns_total_and_weight_each_stage(pipeline, rep, teammate):
    make_deal(owner=rep, pipeline=pipeline, stage_name="Demo", amount="1000")
    make_deal(owner=rep, pipeline=pipeline, stage_name="Demo", amount="3000.50")
    make_deal(owner=teammate, pipeline=pipeline, stage_name="Demo", amount="99999")
    columns = {c.stage.name: c for c in selectors.board_columns(pipeline=pipeline, user=rep)}
    assert list(columns) == ["Lead", "Qualified", "Demo", "Proposal", "Won", "Lost"]
    demo = columns["Demo"]
    assert (demo.count, demo.total, demo.weighted) == (2, Decimal("4000.50"), Decimal("2000.25"))


def test_board_flags_a_deal_past_its_rotting_days(pipeline, rep):
    demo = stage(pipeline, "Demo")
    demo.rotting_days = 7
    demo.save()
    old = make_deal(owner=rep, pipeline=pipeline, stage_name="Demo", created_at=timezone.now() - timedelta(days=8))
    fresh = make_deal(owner=rep, pipeline=pipeline, stage_name="Demo")
    cards = {d.pk: d for c in selectors.board_columns(pipeline=pipeline, user=rep) for d in c.deals}
    assert cards[old.pk].is_stale and cards[old.pk].age_days == pytest.approx(8, abs=0.01)
    assert not cards[fresh.pk].is_stale


def test_board_hides_deals_closed_more_than_30_days_ago(pipeline, rep):
    long_ago = make_deal(owner=rep, pipeline=pipeline, created_at=timezone.now() - timedelta(days=90))
    services.deal_move(
        deal=long_ago,
        to_stage=stage(pipeline, "Won"),
        by=rep,
        closed_on=timezone.localdate() - timedelta(days=40),
        at=timezone.now() - timedelta(days=40),
    )
    recent = make_deal(owner=rep, pipeline=pipeline)
    services.deal_move(deal=recent, to_stage=stage(pipeline, "Won"), by=rep, closed_on=timezone.localdate())
    won = next(c for c in selectors.board_columns(pipeline=pipeline, user=rep) if c.stage.name == "Won")
    assert [d.pk for d in won.deals] == [recent.pk]


def test_deal_timeline_gives_days_spent_in_the_stage_left(pipeline, rep):
    start = timezone.now() - timedelta(days=6)
    deal = make_deal(owner=rep, pipeline=pipeline, created_at=start)
    services.deal_move(deal=deal, to_stage=stage(pipeline, "Demo"), by=rep, at=start + timedelta(days=1.5))
    rows = list(selectors.deal_timeline(deal=deal))
    assert [r.to_stage.name for r in rows] == ["Lead", "Demo"]
    assert rows[0].stay is None
    assert rows[1].stay == timedelta(days=1.5)


def test_stale_thresholds_are_cached_until_a_deal_moves(pipeline, rep, django_assert_num_queries):
    demo = stage(pipeline, "Demo")
    for days in (2, 4, 10):
        _stay(pipeline, rep, "Demo", days, ago=5)
    assert selectors.stage_stale_thresholds(pipeline=pipeline)[demo.pk] == pytest.approx(8)
    with django_assert_num_queries(2):  # the stages and the newest stage change; the medians come from the cache
        assert selectors.stage_stale_thresholds(pipeline=pipeline)[demo.pk] == pytest.approx(8)
    _stay(pipeline, rep, "Demo", 20, ago=1)  # a new stay: median of 2, 4, 10, 20 is 7
    assert selectors.stage_stale_thresholds(pipeline=pipeline)[demo.pk] == pytest.approx(14)
