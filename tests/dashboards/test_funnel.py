"""The team dashboard's stage funnel against the closed-deal figures and the metric docs (docs/metrics.md,
"Pipeline"): won and lost stages, median days in stage, follow-ups per advance and the
opportunity-to-win rate, worked out by hand.

The clock is frozen on Wednesday 18 November 2026, 12:00 UTC (fiscal year from January); the page's
default range is this month, November.
"""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from dashboards import rollups
from pipeline import services as pipeline_services
from quotas.models import OrgSettings
from tests.factories import LostReasonFactory, make_deal, make_pipeline, stage
from tests.helpers import at

URL = reverse("dashboards:team")


def _move(deal, name, day, **fields):
    return pipeline_services.deal_move(
        deal=deal, to_stage=stage(deal.pipeline, name), by=deal.owner, at=at(day), **fields
    )


def _win(deal, day):
    return _move(deal, "Won", day, closed_on=day)


def _lose(deal, day):
    return _move(deal, "Lost", day, closed_on=day, lost_reason=LostReasonFactory(name="Price"))


def _stages(response) -> dict:
    [funnel] = response.context["figures"].funnels
    return {s["total"].stage.name: s for s in funnel["stages"]}


def _csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def closings(frozen, rep, teammate):
    """In November: the owner's deal won on 4 November, reopened on 5 and won again on 10; another
    won on 6 November; one won on 20 October, reopened on 3 November and lost on 12; the teammate's
    deal lost on 9 November."""
    OrgSettings.load()
    pipeline = make_pipeline()
    twice = make_deal(owner=rep, pipeline=pipeline, stage_name="Proposal", created_at=at(date(2026, 11, 2)))
    _win(twice, date(2026, 11, 4))
    _move(twice, "Proposal", date(2026, 11, 5))
    _win(twice, date(2026, 11, 10))
    _win(
        make_deal(owner=rep, pipeline=pipeline, stage_name="Proposal", created_at=at(date(2026, 11, 2))),
        date(2026, 11, 6),
    )
    back = make_deal(owner=rep, pipeline=pipeline, stage_name="Proposal", created_at=at(date(2026, 10, 1)))
    _win(back, date(2026, 10, 20))
    _move(back, "Proposal", date(2026, 11, 3))
    _lose(back, date(2026, 11, 12))
    _lose(
        make_deal(owner=teammate, pipeline=pipeline, stage_name="Lead", created_at=at(date(2026, 11, 2))),
        date(2026, 11, 9),
    )
    rollups.rebuild()
    return pipeline


def test_the_funnels_won_and_lost_stages_count_the_closed_deals_once_on_their_last_close(
    client_as, manager, rep, teammate, closings
):
    response = client_as(manager).get(URL)
    total = response.context["figures"].total
    assert (total.won_deals, total.lost_deals) == (2, 2)
    stages = _stages(response)
    # The deal won, reopened and won again counts once, on 10 November: 2 won, not 3 entries.
    won, lost = stages["Won"]["total"], stages["Lost"]["total"]
    assert (won.entered, won.won) == (total.won_deals, total.won_deals) == (2, 2)
    assert (lost.entered, lost.won) == (total.lost_deals, 0) == (2, 0)
    # Per rep as well: the owner's 2 won and 1 lost, the teammate's 1 lost.
    by_rep = {row.rep.pk: row for row in response.context["figures"].rows}
    for name, figure in (("Won", "won_deals"), ("Lost", "lost_deals")):
        cells = [cell.entered if cell else 0 for cell in stages[name]["cells"]]
        assert cells == [getattr(by_rep[rep.pk], figure) for rep in response.context["dashboard"].reps]
    assert (by_rep[rep.pk].won_deals, by_rep[teammate.pk].won_deals) == (2, 0)


def test_the_funnel_csv_agrees_with_the_page_on_won_and_lost(client_as, manager, closings):
    rows = _csv(client_as(manager).get(reverse("dashboards:team_export", args=["funnel"])))
    team = {row["Stage"]: row for row in rows if row["Rep"] == "Team"}
    assert (team["Won"]["Entered"], team["Won"]["Won"]) == ("2", "2")
    assert (team["Lost"]["Entered"], team["Lost"]["Won"]) == ("2", "0")


def test_a_custom_range_counts_the_closed_deals_of_its_days(client_as, manager, closings):
    # 5 to 11 November (a Thursday to a Wednesday): won on 6 and 10 November, lost on 9.
    response = client_as(manager).get(URL, {"period": "custom", "start": "2026-11-05", "end": "2026-11-11"})
    total = response.context["figures"].total
    stages = _stages(response)
    assert (total.won_deals, total.lost_deals) == (2, 1)
    assert (stages["Won"]["total"].entered, stages["Lost"]["total"].entered) == (2, 1)


# --- median days in stage, follow-ups per advance, opportunity-to-win rate ----------------------------


def _log(owner, deal, day):
    from activities import services as activity_services

    return activity_services.activity_log(
        owner=owner,
        by=owner,
        kind="call",
        outcome="connected",
        occurred_at=at(day, 11),
        deal=deal,
        created_at=at(day, 11),
    )


@pytest.fixture
def stays(frozen, rep, teammate):
    """Stays in Qualified that ended in November: the owner's of 1, 2 and 10 days, the teammate's of 3
    days (each deal entered Qualified at 10:00 and left it forward at 10:00); three calls while the
    owner's deals sat in Qualified."""
    OrgSettings.load()
    pipeline = make_pipeline()
    for owner, entered, days in ((rep, 2, 1), (rep, 2, 2), (rep, 3, 10), (teammate, 4, 3)):
        deal = make_deal(owner=owner, pipeline=pipeline, stage_name="Qualified", created_at=at(date(2026, 11, entered)))
        if owner == rep:
            _log(owner, deal, date(2026, 11, entered))
        _move(deal, "Demo", date(2026, 11, entered + days))
    rollups.rebuild()
    return pipeline


def test_the_funnel_shows_the_median_beside_the_average_and_follow_ups_per_advance(client_as, manager, stays):
    response = client_as(manager).get(URL)
    qualified = _stages(response)["Qualified"]
    # Stays of 1, 2, 3 and 10 days: average 16 / 4 = 4, median (2 + 3) / 2 = 2.5 over the team's
    # stays (never a median of the reps' medians: 2 and 3). 3 follow-ups / 4 deals that left forward.
    assert qualified["total"].days_in_stage == 4
    assert qualified["median"] == 2.5
    assert qualified["total"].followups_per_advance == 0.75
    table = response.content.decode()
    assert "Median days" in table and "2.5" in table and "Follow-ups per advance" in table


def test_a_custom_range_takes_the_median_over_the_stays_its_weeks_hold(client_as, manager, stays):
    # 2 to 10 November: the weeks of 2 and 9 November, whole, as the average beside it: the stays
    # that ended on 3, 4, 7 and 13 November, median 2.5 (the range's own days would hold 1, 2 and 3).
    response = client_as(manager).get(URL, {"period": "custom", "start": "2026-11-02", "end": "2026-11-10"})
    qualified = _stages(response)["Qualified"]
    assert (qualified["total"].stays, qualified["median"]) == (4, 2.5)


def test_the_funnel_csv_has_the_median_beside_the_average(client_as, manager, rep, stays):
    rows = _csv(client_as(manager).get(reverse("dashboards:team_export", args=["funnel"])))
    team = next(row for row in rows if row["Rep"] == "Team" and row["Stage"] == "Qualified")
    # The team's stays of 1, 2, 3 and 10 days, as on the page: average 4, median (2 + 3) / 2.
    assert (team["Average days in stage"], team["Median days in stage"]) == ("4.0", "2.5")
    owner = next(row for row in rows if row["Rep"] == str(rep) and row["Stage"] == "Qualified")
    assert (owner["Average days in stage"], owner["Median days in stage"]) == ("4.3", "")  # 13 / 3; team only


@pytest.fixture
def opportunities(frozen, rep, teammate):
    """The pipeline's opportunity stage is Demo. In November: the owner's deal reaches Demo on 3 November
    and is won; another jumps from Lead to Proposal on 4 November (past Demo: it reached the opportunity
    stage) and is lost; one reaches Demo on 5 November and sits there; the teammate's is won straight from
    Lead on 6 November (a won stage is past Demo). One reached Demo in October and is won in November:
    October's cohort, not November's. One is lost from Lead: it never reached Demo."""
    OrgSettings.load()
    pipeline = make_pipeline()
    demo = stage(pipeline, "Demo")
    demo.is_opportunity = True
    pipeline_services.stage_save(stage=demo)

    def deal(owner=rep, created=date(2026, 11, 2), name="Lead"):
        return make_deal(owner=owner, pipeline=pipeline, stage_name=name, created_at=at(created))

    first = deal()
    _move(first, "Demo", date(2026, 11, 3))
    _win(first, date(2026, 11, 9))
    jumped = deal()
    _move(jumped, "Proposal", date(2026, 11, 4))
    _lose(jumped, date(2026, 11, 10))
    _move(deal(), "Demo", date(2026, 11, 5))
    _win(deal(teammate), date(2026, 11, 6))
    october = deal(created=date(2026, 10, 1))
    _move(october, "Demo", date(2026, 10, 5))
    _win(october, date(2026, 11, 11))
    _lose(deal(), date(2026, 11, 12))
    rollups.rebuild()
    return pipeline


def test_the_opportunity_to_win_rate_follows_the_deals_that_reached_the_opportunity_stage_in_the_range(
    client_as, manager, opportunities
):
    response = client_as(manager).get(URL)
    [funnel] = response.context["figures"].funnels
    # 4 deals first reached Demo (or a later stage) in November; 2 of them are won now: 50%.
    assert (funnel["opportunities"], funnel["opportunities_won"], funnel["opportunity_to_win"]) == (4, 2, 50.0)
    assert "Opportunity-to-win rate" in response.content.decode()


def test_the_funnel_csv_has_each_pipelines_opportunity_to_win_rate(client_as, manager, opportunities):
    rows = _csv(client_as(manager).get(reverse("dashboards:team_export", args=["funnel"])))
    # 2 won of the 4 deals that reached Demo in November, on each of the team's rows of the pipeline.
    assert {row["Opportunity-to-win %"] for row in rows if row["Rep"] == "Team"} == {"50.0"}
    assert {row["Opportunity-to-win %"] for row in rows if row["Rep"] != "Team"} == {""}
