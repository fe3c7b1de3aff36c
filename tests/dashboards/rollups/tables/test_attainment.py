"""The attainment rollup (dashboards/rollups/tables/attainment.py): each quota against what was won in its period."""

from datetime import date
from decimal import Decimal

import pytest

from accounts import services as account_services
from dashboards import rollups
from dashboards.models import Attainment, ClosedDay
from quotas.models import Quota
from tests.dashboards.rollups.helpers import MON, attained, deal_for, drained_clean, lose, quota, win
from tests.factories import make_deal
from tests.helpers import at

pytestmark = pytest.mark.django_db


def test_attainment_of_revenue_won_deals_and_units_quotas(rep, pipeline):
    win(deal_for(rep, pipeline, at(MON), amount="3000", units=5), date(2026, 3, 10))
    win(deal_for(rep, pipeline, at(MON), amount="1500", units=2), date(2026, 3, 20))
    lose(deal_for(rep, pipeline, at(MON), amount="8000", units=9), date(2026, 3, 21))
    win(deal_for(rep, pipeline, at(MON), amount="999", units=1), date(2026, 4, 1))  # next month
    march = date(2026, 3, 1)
    revenue = quota(rep, start=march, target="6000")
    won_deals = quota(rep, start=march, target="4", measure="won_deals")
    units = quota(rep, start=march, target="10", measure="units", stretch=200)
    quarter = quota(rep, kind="quarter", start=date(2026, 1, 1), target="9000")
    empty = quota(rep, start=date(2026, 2, 1), target="5000")
    drained_clean()

    # 4,500 / 6,000; stretch 4,500 / (6,000 x 125%).
    assert attained(revenue) == (Decimal("4500"), Decimal("6000"), Decimal("0.75"), Decimal("0.6"))
    assert attained(won_deals) == (Decimal("2"), Decimal("4"), Decimal("0.5"), Decimal("0.4"))
    # Units: 7 / 10; stretch 7 / (10 x 200%).
    assert attained(units) == (Decimal("7"), Decimal("10"), Decimal("0.7"), Decimal("0.35"))
    assert attained(quarter)[0] == Decimal("4500")
    # A period with no wins: achieved 0 and attainment 0% (the target is not zero).
    assert attained(empty) == (Decimal("0"), Decimal("5000"), Decimal("0"), Decimal("0"))


def test_attainment_with_a_zero_target_is_empty(rep, pipeline):
    win(deal_for(rep, pipeline, at(MON), amount="3000"), date(2026, 3, 10))
    q = quota(rep, start=date(2026, 3, 1), target="0")
    drained_clean()
    # achieved / 0 has no value: NULL, shown as "—", never 0% and never an error.
    assert attained(q) == (Decimal("3000"), Decimal("0"), None, None)


def test_team_attainment_follows_the_current_members_when_a_rep_changes_team(rep, teammate, outsider, team, pipeline):
    april = date(2026, 4, 1)
    win(deal_for(rep, pipeline, at(MON), amount="1000"), date(2026, 4, 2))
    win(deal_for(teammate, pipeline, at(MON), amount="2000"), date(2026, 4, 3))
    win(deal_for(outsider, pipeline, at(MON), amount="4000"), date(2026, 4, 6))
    other_team = outsider.team
    ours = quota(team=team, kind="quarter", start=april, target="10000")
    theirs = quota(team=other_team, kind="quarter", start=april, target="5000")
    own = quota(rep, kind="quarter", start=april, target="2000")
    drained_clean()
    assert attained(ours)[0::2] == (Decimal("3000"), Decimal("0.3"))
    assert attained(theirs)[0::2] == (Decimal("4000"), Decimal("0.8"))

    outsider.team = team
    account_services.user_update(user=outsider)
    drained_clean()
    assert attained(ours)[0::2] == (Decimal("7000"), Decimal("0.7"))
    assert attained(theirs)[0::2] == (Decimal("0"), Decimal("0"))

    rep.team = other_team
    account_services.user_update(user=rep)
    drained_clean()
    assert attained(ours)[0::2] == (Decimal("6000"), Decimal("0.6"))
    assert attained(theirs)[0::2] == (Decimal("1000"), Decimal("0.2"))
    # A rep's own quota and rows go with the rep, whatever the team.
    assert attained(own)[0::2] == (Decimal("1000"), Decimal("0.5"))
    assert ClosedDay.objects.get(rep=rep).amount == Decimal("1000")

    # A rep with no team any more counts for no team.
    rep.team = None
    account_services.user_update(user=rep)
    drained_clean()
    assert attained(theirs)[0] == Decimal("0")


def test_attainment_counts_won_revenue_in_the_quota_period(rep, teammate, team):
    make_deal(owner=rep, stage_name="Won", amount="3000", closed_on=date(2026, 3, 31), created_at=at(MON))
    make_deal(owner=teammate, stage_name="Won", amount="1000", closed_on=date(2026, 4, 1), created_at=at(MON))
    rep_q = Quota.objects.create(rep=rep, period_kind="month", period_start=date(2026, 3, 1), target=Decimal("4000"))
    team_q = Quota.objects.create(team=team, period_kind="quarter", period_start=date(2026, 4, 1), target=Decimal(0))
    rollups.drain()
    attainment = Attainment.objects.get(quota=rep_q)
    assert (attainment.achieved, attainment.attainment, attainment.stretch_attainment) == (
        Decimal("3000"),
        Decimal("0.75"),
        Decimal("0.6"),
    )
    team_attainment = Attainment.objects.get(quota=team_q)
    assert (team_attainment.achieved, team_attainment.attainment) == (Decimal("1000"), None)
