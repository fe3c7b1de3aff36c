"""Growth against the same period a year earlier and revenue retention (docs/metrics.md "Growth and
retention"), worked out by hand from deals and activities written through the services."""

from datetime import date
from decimal import Decimal

import pytest

from dashboards import rollups
from quotas.periods import Period
from tests.dashboards.rollups.helpers import move
from tests.factories import CompanyFactory
from tests.helpers import at
from tests.trends.helpers import drained, logged, lost, won
from trends.selectors import growth, revenue_retention

pytestmark = pytest.mark.django_db

NOVEMBER = Period(date(2026, 11, 1), "month")


def test_growth_compares_each_rep_with_the_same_period_a_year_earlier(rep, teammate, pipeline):
    won(rep, pipeline, date(2026, 11, 3), "3000")
    won(rep, pipeline, date(2026, 11, 30), "2000")
    won(rep, pipeline, date(2025, 11, 10), "4000")
    won(rep, pipeline, date(2025, 12, 1), "9000")  # the month after last year's: not counted
    lost(rep, pipeline, date(2026, 11, 4))  # lost: no revenue, no won deal
    logged(rep, date(2026, 11, 5), "call", 3)
    logged(rep, date(2026, 11, 6), "email", 2)
    logged(rep, date(2026, 11, 6), "admin", 4)  # not a selling kind
    logged(rep, date(2025, 11, 6), "meeting", 4)
    logged(teammate, date(2025, 11, 20), "call", 2)
    drained()

    result = growth(reps=[rep, teammate], period=NOVEMBER)

    assert result.earlier == Period(date(2025, 11, 1), "month")
    mine, theirs = result.rows
    # Revenue 5,000 against 4,000: +25%; deals 2 against 1: +100%; activities 5 against 4: +25%.
    assert (mine.won_amount.now, mine.won_amount.before, mine.won_amount.growth) == (
        Decimal("5000.00"),
        Decimal("4000.00"),
        25.0,
    )
    assert (mine.won_deals.now, mine.won_deals.before, mine.won_deals.growth) == (2, 1, 100.0)
    assert (mine.activities.now, mine.activities.before, mine.activities.growth) == (5, 4, 25.0)
    # Nothing a year earlier: no growth figure ("—"), whatever the figure now.
    assert (theirs.won_amount.now, theirs.won_amount.growth) == (Decimal("0"), None)
    # 0 calls against 2: -100%.
    assert (theirs.activities.now, theirs.activities.before, theirs.activities.growth) == (0, 2, -100.0)
    total = result.total
    assert (total.won_amount.now, total.won_amount.before) == (Decimal("5000.00"), Decimal("4000.00"))
    # The total's growth is taken from its sums: 5 against 6 activities = -16.7%.
    assert (total.activities.now, total.activities.before) == (5, 6)
    assert round(total.activities.growth, 1) == -16.7


def test_growth_of_a_fiscal_quarter_and_a_fiscal_year(rep, pipeline):
    # Fiscal year from April: FY2027-Q1 is April-June 2026, against April-June 2025.
    won(rep, pipeline, date(2026, 6, 30), "1500")
    won(rep, pipeline, date(2025, 4, 1), "1000")
    won(rep, pipeline, date(2025, 3, 31), "7000")  # FY2025: in neither
    drained()

    quarter = growth(reps=[rep], period=Period(date(2026, 4, 1), "quarter", 4))
    year = growth(reps=[rep], period=Period(date(2026, 4, 1), "year", 4))

    assert (quarter.total.won_amount.now, quarter.total.won_amount.before) == (Decimal("1500.00"), Decimal("1000.00"))
    assert quarter.total.won_amount.growth == 50.0
    assert (year.total.won_amount.now, year.total.won_amount.before) == (Decimal("1500.00"), Decimal("1000.00"))


def test_growth_of_reps_with_nothing_is_zero_with_no_percentage(rep):
    result = growth(reps=[rep], period=NOVEMBER)

    assert result.total.won_amount.now == Decimal(0)
    assert [result.total.won_amount.growth, result.total.won_deals.growth, result.total.activities.growth] == [
        None,
        None,
        None,
    ]


def test_retention_sorts_each_companys_revenue_into_new_expansion_contraction_and_churn(rep, teammate, pipeline):
    acme, globex, initech, umbrella, hooli = (CompanyFactory(owner=rep, name=n) for n in "ABCDE")
    # The twelve months ending November 2026 (December 2025 - November 2026) against the twelve
    # before (December 2024 - November 2025).
    won(rep, pipeline, date(2025, 1, 15), "10000", acme)
    won(rep, pipeline, date(2026, 2, 1), "15000", acme)  # expansion 5,000
    won(rep, pipeline, date(2024, 12, 1), "8000", globex)
    won(teammate, pipeline, date(2026, 11, 30), "6000", globex)  # contraction 2,000, whoever sold it
    won(rep, pipeline, date(2025, 11, 30), "4000", initech)  # churned 4,000
    won(rep, pipeline, date(2025, 12, 1), "3000", umbrella)  # new 3,000
    won(rep, pipeline, date(2024, 11, 30), "50000", umbrella)  # before both years: umbrella is new
    won(rep, pipeline, date(2025, 6, 1), "3000", hooli)
    won(rep, pipeline, date(2026, 6, 1), "3000", hooli)  # flat
    drained()

    retention = revenue_retention(rep_ids=[rep.pk, teammate.pk], end=date(2026, 11, 30))

    assert (retention.start, retention.previous_start) == (date(2025, 12, 1), date(2024, 12, 1))
    assert retention.starting == Decimal("25000.00")  # 10,000 + 8,000 + 4,000 + 3,000
    assert (retention.new, retention.expansion, retention.contraction, retention.churned) == (
        Decimal("3000.00"),
        Decimal("5000.00"),
        Decimal("2000.00"),
        Decimal("4000.00"),
    )
    assert (retention.customers, retention.churned_customers) == (4, 1)
    assert retention.ending == Decimal("27000.00")  # 15,000 + 6,000 + 3,000 + 3,000
    # GRR (25,000 - 2,000 - 4,000) / 25,000 = 76%; NRR (25,000 + 5,000 - 2,000 - 4,000) / 25,000 = 96%.
    assert (retention.gross_retention, retention.net_retention) == (76.0, 96.0)


def test_retention_counts_only_the_reps_shown(rep, teammate, pipeline):
    acme = CompanyFactory(owner=rep)
    won(rep, pipeline, date(2025, 3, 1), "1000", acme)
    won(teammate, pipeline, date(2026, 3, 1), "1000", acme)
    drained()

    # The rep alone lost the customer; the two of them kept it.
    assert revenue_retention(rep_ids=[rep.pk], end=date(2026, 11, 30)).churned == Decimal("1000.00")
    both = revenue_retention(rep_ids=[rep.pk, teammate.pk], end=date(2026, 11, 30))
    assert (both.churned, both.gross_retention, both.net_retention) == (Decimal(0), 100.0, 100.0)


def test_retention_without_customers_has_no_rates(rep, pipeline):
    won(rep, pipeline, date(2026, 3, 1), "2500")
    drained()

    retention = revenue_retention(rep_ids=[rep.pk], end=date(2026, 11, 30))

    assert (retention.starting, retention.new, retention.customers) == (Decimal(0), Decimal("2500.00"), 0)
    assert (retention.gross_retention, retention.net_retention) == (None, None)


def test_the_company_table_follows_a_reopened_deal_and_passes_verify(rep, pipeline):
    deal = won(rep, pipeline, date(2026, 3, 1), "2500")
    drained()
    assert revenue_retention(rep_ids=[rep.pk], end=date(2026, 11, 30)).new == Decimal("2500.00")
    move(deal, "Proposal", at(date(2026, 3, 2)), closed_on=None)
    drained()

    assert revenue_retention(rep_ids=[rep.pk], end=date(2026, 11, 30)).new == Decimal(0)
    assert rollups.verify() == []
    rollups.rebuild()
    assert rollups.verify() == []
