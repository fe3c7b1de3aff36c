"""Coverage and neglected accounts (portfolio/selectors.py) against docs/metrics.md "Account coverage",
on the worked example of ``conftest.accounts``."""

from datetime import date
from decimal import Decimal

import pytest

from portfolio.selectors import Coverage, coverage, neglected_accounts
from tests.factories import CompanyFactory, RepFactory

pytestmark = pytest.mark.django_db

NOVEMBER = {"start": date(2026, 11, 1), "end": date(2026, 11, 30)}
TODAY = date(2026, 11, 18)


def test_coverage_is_the_share_of_assigned_accounts_anyone_touched_in_the_period(accounts, rep, teammate):
    nobody = RepFactory(team=rep.team)
    figures = coverage(rep_ids=[rep.pk, teammate.pk, nobody.pk], **NOVEMBER)

    # Alex: Acme (the teammate's call counts), Globex (assigned), Initech, Hooli; touched Acme and Initech.
    assert figures[rep.pk] == Coverage(assigned=4, touched=2)
    assert figures[rep.pk].share == Decimal("0.5")
    # The teammate: Umbrella only (Globex is assigned away); touched by Alex's call: covered.
    assert figures[teammate.pk] == Coverage(assigned=1, touched=1)
    # No assigned accounts: no share (shown "—").
    assert figures[nobody.pk] == Coverage(assigned=0, touched=0)
    assert figures[nobody.pk].share is None


def test_coverage_of_customers_and_of_a_segment(accounts, rep):
    customers = coverage(rep_ids=[rep.pk], scope="customers", **NOVEMBER)[rep.pk]
    smb = coverage(rep_ids=[rep.pk], scope="smb", **NOVEMBER)[rep.pk]

    assert (customers.assigned, customers.touched, customers.share) == (2, 1, Decimal("0.5"))  # Acme, Globex
    assert (smb.assigned, smb.touched) == (2, 1)  # Globex, Initech
    with pytest.raises(ValueError):
        coverage(rep_ids=[rep.pk], scope="prospects", **NOVEMBER)


def test_the_period_bounds_are_inclusive(accounts, rep):
    october = coverage(rep_ids=[rep.pk], start=date(2026, 10, 2), end=date(2026, 11, 2))[rep.pk]
    from_the_third = coverage(rep_ids=[rep.pk], start=date(2026, 11, 3), end=date(2026, 11, 3))[rep.pk]

    assert october.touched == 1  # Globex on 2 October
    assert from_the_third.touched == 1  # Acme on 3 November


def test_coverage_takes_one_query_whatever_the_number_of_reps(accounts, rep, teammate, django_assert_num_queries):
    reps = [rep.pk, teammate.pk] + [RepFactory(team=rep.team).pk for _ in range(5)]
    with django_assert_num_queries(1):
        figures = coverage(rep_ids=reps, **NOVEMBER)
    assert list(figures) == reps


def test_neglected_accounts_are_those_untouched_for_30_days_never_touched_first(accounts, rep):
    neglected = neglected_accounts(rep=rep, today=TODAY)

    # Since 20 October nobody touched Hooli (never) or Globex (2 October, by Alex).
    assert [(a.company.name, a.last_day, a.last_rep_id, a.last_by) for a in neglected.accounts] == [
        ("Hooli", None, None, None),
        ("Globex", date(2026, 10, 2), rep.pk, str(rep)),
    ]
    assert (neglected.count, neglected.assigned) == (2, 4)


def test_a_touch_30_days_ago_is_still_recent_and_31_days_ago_is_not(accounts, rep):
    def neglected_on(day):
        return [a.company.name for a in neglected_accounts(rep=rep, today=day).accounts]

    # Globex's last touch, 2 October, is the 30th day of the 30 up to 31 October, today included.
    assert "Globex" not in neglected_on(date(2026, 10, 31))
    assert "Globex" in neglected_on(date(2026, 11, 1))
    # A touch after the day asked about is no touch yet: on 31 October Acme was never touched.
    assert neglected_on(date(2026, 10, 31)) == ["Acme", "Hooli", "Initech"]


def test_neglected_accounts_shows_the_first_few_and_counts_them_all(accounts, rep):
    neglected = neglected_accounts(rep=rep, today=TODAY, limit=1)

    assert [a.company.name for a in neglected.accounts] == ["Hooli"]
    assert (neglected.count, neglected.assigned) == (2, 4)


def test_neglected_accounts_take_two_queries_whatever_their_number(accounts, rep, django_assert_num_queries):
    with django_assert_num_queries(2):  # the counts; the accounts with their last touch and who made it
        few = neglected_accounts(rep=rep, today=TODAY)
    for n in range(10):
        CompanyFactory(name=f"Stray {n}", owner=rep)
    with django_assert_num_queries(2):
        many = neglected_accounts(rep=rep, today=TODAY, limit=20)
    assert (few.count, many.count) == (2, 12)


def test_the_last_touch_is_by_whoever_touched_the_account_most_that_day(frozen, rep, teammate):
    from activities import services as activity_services
    from dashboards import rollups
    from tests.helpers import at

    hooli = CompanyFactory(name="Hooli", owner=rep)
    teammate.first_name, teammate.last_name = "", ""
    teammate.save()
    for owner, hour in ((rep, 9), (teammate, 10), (teammate, 11)):
        activity_services.activity_log(
            owner=owner,
            by=owner,
            kind="call",
            outcome="no_answer",
            occurred_at=at(date(2026, 10, 1), hour),
            company=hooli,
        )
    rollups.drain()

    (account,) = neglected_accounts(rep=rep, today=TODAY).accounts
    # Two calls by the teammate against one: theirs; named by username when they have no name.
    assert (account.last_day, account.last_rep_id, account.last_by) == (date(2026, 10, 1), teammate.pk, "teammate")
