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


def test_the_funnels_won_and_lost_stages_count_the_closed_deals_once_on_their_last_close(client_as, manager, closings):
    response = client_as(manager).get(URL)
    total = response.context["figures"].total
    assert (total.won_deals, total.lost_deals) == (2, 2)
    stages = _stages(response)
    # The deal won, reopened and won again counts once, on 10 November: 2 won, not 3 entries.
    won, lost = stages["Won"]["total"], stages["Lost"]["total"]
    assert (won.entered, won.won) == (total.won_deals, total.won_deals) == (2, 2)
    assert (lost.entered, lost.won) == (total.lost_deals, 0) == (2, 0)
    # Per rep as well: the owner's 2 won and 1 lost, the teammate's 1 lost.
    assert [cell and cell.entered for cell in stages["Won"]["cells"]] == [2, None]
    by_rep = {row.rep.pk: row for row in response.context["figures"].rows}
    assert [cell.entered if cell else 0 for cell in stages["Lost"]["cells"]] == [
        by_rep[rep.pk].lost_deals for rep in response.context["dashboard"].reps
    ]


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
