"""The bench generator's forecast history: close dates pushed and categories changed at realistic
rates, every deal's last row the deal as it is, and the dashboard tables verify clean."""

from itertools import pairwise

import pytest

from bench import generate as bench_generate


@pytest.fixture
def organisation(db):
    # Half a year of four reps: about 500 deals, enough for the rates to show (under a second).
    bench_generate.generate(reps=4, years=0.5, quiet=True)


def _histories():
    from pipeline.models import Deal

    for deal in Deal.objects.prefetch_related("forecast_history"):
        yield deal, sorted(deal.forecast_history.all(), key=lambda c: (c.changed_at, c.pk))


def test_about_a_third_of_deals_have_their_close_date_pushed_once_and_a_tenth_more_often(organisation):
    pushes = []
    for _deal, rows in _histories():
        dates = [row.expected_close_date for row in rows]
        pushes.append(sum(1 for before, after in pairwise(dates) if after > before))
    once = sum(1 for n in pushes if n == 1) / len(pushes)
    more = sum(1 for n in pushes if n >= 2) / len(pushes)
    assert 0.22 < once < 0.38 and 0.05 < more < 0.15, (once, more)


def test_categories_rise_as_deals_advance_and_some_commit_deals_slip(organisation):
    slipped = committed = 0
    for deal, rows in _histories():
        categories = [row.forecast_category for row in rows]
        assert categories[0] == "pipeline"
        committed += "commit" in categories
        slipped += any(
            a.forecast_category == "commit" and b.forecast_category == "best_case" and b.stage_id == a.stage_id
            for a, b in pairwise(rows)
        )
        # The deal is what its last row says.
        last = rows[-1]
        assert (last.stage_id, last.forecast_category, last.expected_close_date) == (
            deal.stage_id,
            deal.forecast_category,
            deal.expected_close_date,
        )
        assert last.changed_at <= deal.updated_at
    assert committed > 50 and 0 < slipped < committed


def test_the_dashboard_tables_verify_clean_after_generation(organisation):
    from dashboards import rollups

    assert rollups.verify() == []
