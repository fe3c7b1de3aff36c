"""The closed-deal rollup (dashboards/rollups/tables/closed.py) against METRICS.md, worked out by hand:
revenue, win rate, deal size, cycle, lost to competitors."""

from datetime import date
from decimal import Decimal

import pytest

from dashboards import rollups
from dashboards.models import ClosedDay
from pipeline.models import DealType, Segment
from tests.dashboards.rollups.helpers import (
    MON,
    attained,
    deal_for,
    drained_clean,
    flow,
    lose,
    move,
    quota,
    stage_row,
    win,
)
from tests.factories import CompanyFactory, CompetitorFactory, LeadSourceFactory, TerritoryFactory
from tests.helpers import at

pytestmark = pytest.mark.django_db


def test_closed_deals_are_split_by_source_territory_segment_type_and_competitor(rep, pipeline):
    north, south = TerritoryFactory(name="North"), TerritoryFactory(name="South")
    referral, web = LeadSourceFactory(name="Referral"), LeadSourceFactory(name="Web")
    acme, globex = CompetitorFactory(name="Acme"), CompetitorFactory(name="Globex")
    small = CompanyFactory(owner=rep, territory=north, segment=Segment.SMB)
    big = CompanyFactory(owner=rep, territory=south, segment=Segment.ENTERPRISE)
    created = at(MON)

    def deal(amount, company=small, **fields):
        return deal_for(rep, pipeline, created, amount=amount, company=company, **fields)

    win(deal("1000", units=3, lead_source=referral), date(2026, 3, 10))
    win(deal("2500.50", units=1, lead_source=referral), date(2026, 3, 10))
    win(deal("4000", company=big, lead_source=web, deal_type=DealType.EXPANSION), date(2026, 3, 12))
    lose(deal("700"), date(2026, 3, 11), competitor=acme)
    lose(deal("300"), date(2026, 3, 11), competitor=acme)
    lose(deal("900"), date(2026, 3, 11), competitor=globex)
    lose(deal("100"), date(2026, 3, 11))
    deal("5000")  # still open: not closed, not counted
    drained_clean()

    won = {
        (r.day, r.lead_source_id, r.territory_id, r.segment, r.deal_type): (r.deals, r.amount, r.units, r.cycle_days)
        for r in ClosedDay.objects.filter(rep=rep, won=True)
    }
    assert won == {
        (date(2026, 3, 10), referral.pk, north.pk, "smb", "new_business"): (2, Decimal("3500.50"), 4, 16),
        (date(2026, 3, 12), web.pk, south.pk, "enterprise", "expansion"): (1, Decimal("4000.00"), 0, 10),
    }
    lost = {r.competitor_id: (r.deals, r.amount) for r in ClosedDay.objects.filter(rep=rep, won=False)}
    # Lost to competitors: Acme 2 deals for 1,000, Globex 1 for 900; the one with no competitor apart.
    assert lost == {acme.pk: (2, Decimal("1000.00")), globex.pk: (1, Decimal("900.00")), None: (1, Decimal("100.00"))}
    assert all(row.competitor_id is None for row in ClosedDay.objects.filter(won=True))

    # Win rate 3 / 7; average deal size 7,500.50 / 3; sales cycle (8 + 8 + 10) / 3 days.
    march = ClosedDay.objects.filter(rep=rep, day__month=3)
    won_rows = [r for r in march if r.won]
    assert (sum(r.deals for r in won_rows), sum(r.deals for r in march)) == (3, 7)
    assert sum((r.amount for r in won_rows), Decimal(0)) == Decimal("7500.50")
    assert sum(r.cycle_days for r in won_rows) == 26


def test_a_reopened_deal_counts_once_on_its_last_close(rep, pipeline):
    deal = deal_for(rep, pipeline, at(MON), amount="2000")
    win(deal, date(2026, 3, 10))
    march = quota(rep, start=date(2026, 3, 1), target="4000")
    april = quota(rep, start=date(2026, 4, 1), target="4000")
    rollups.drain()
    assert list(ClosedDay.objects.values_list("day", "deals")) == [(date(2026, 3, 10), 1)]
    assert attained(march)[0] == Decimal("2000")

    move(deal, "Proposal", at(date(2026, 3, 16)))  # reopened
    rollups.drain()
    assert not ClosedDay.objects.exists()
    assert attained(march)[:3] == (Decimal("0"), Decimal("4000"), Decimal("0"))

    win(deal, date(2026, 4, 2))  # won again
    drained_clean()
    assert list(ClosedDay.objects.values_list("day", "won", "deals", "amount", "cycle_days")) == [
        (date(2026, 4, 2), True, 1, Decimal("2000.00"), 31)
    ]
    assert attained(march)[0] == Decimal("0")
    assert attained(april)[:3] == (Decimal("2000"), Decimal("4000"), Decimal("0.5"))
    # The stage history keeps both wins: Won was entered once in March and once in April.
    assert stage_row(rep, pipeline, "Won", "month", date(2026, 3, 1)).entered == 1
    assert stage_row(rep, pipeline, "Won", "month", date(2026, 4, 1)).entered == 1
    # Proposal (entered on reopening) advanced to the second win.
    assert flow(stage_row(rep, pipeline, "Proposal", "month", date(2026, 3, 1))) == (1, 1, 0, 1, 0)
    assert flow(stage_row(rep, pipeline, "Lead", "month", date(2026, 3, 1))) == (1, 1, 0, 1, 0)


def test_a_deal_won_reopened_and_lost_counts_as_lost_only(rep, pipeline):
    deal = deal_for(rep, pipeline, at(MON), amount="2000")
    win(deal, date(2026, 3, 10))
    move(deal, "Demo", at(date(2026, 3, 11)))
    lose(deal, date(2026, 3, 12))
    drained_clean()
    assert list(ClosedDay.objects.values_list("day", "won", "deals")) == [(date(2026, 3, 12), False, 1)]
