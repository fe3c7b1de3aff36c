"""The best-time rollup (insights/rollup.py) against docs/metrics.md "Best time to reach prospects",
worked out by hand: each call or email counts at its prospect's local weekday and hour."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from dashboards import rollups
from insights.models import ReachHour
from insights.selectors import reach_heatmap
from pipeline import services as pipeline_services
from quotas.models import OrgSettings
from tests.dashboards.rollups.helpers import MON, drained_clean, log
from tests.factories import CompanyFactory, ContactFactory
from tests.helpers import at

pytestmark = pytest.mark.django_db

NEXT_MON = MON + timedelta(days=7)  # 9 March 2026: New York is on daylight saving time since the 8th


def rows(rep, kind="call") -> dict[tuple, tuple[int, int]]:
    return {
        (r.day, r.weekday, r.hour): (r.attempts, r.successes)
        for r in ReachHour.objects.filter(rep=rep, kind=kind).order_by("day", "weekday", "hour")
    }


@pytest.fixture
def acme(rep):
    """A company in New York (UTC-5 until 8 March 2026, then UTC-4), with Ada in Berlin (UTC+1
    in March) and Bob, who has no zone of his own."""
    company = CompanyFactory(owner=rep, name="Acme", time_zone="America/New_York")
    return {
        "company": company,
        "ada": ContactFactory(company=company, owner=rep, first_name="Ada", time_zone="Europe/Berlin"),
        "bob": ContactFactory(company=company, owner=rep, first_name="Bob"),
    }


def _worked_example(rep, acme):
    ada, bob = acme["ada"], acme["bob"]
    # Monday 2 March, in the organisation's zone (UTC):
    log(rep, "call", "connected", hour=8, contact=ada)  # 08:00 UTC, 09:00 in Berlin: Monday 9h
    log(rep, "call", "no_answer", hour=14, contact=bob)  # 14:00 UTC, 09:00 at Acme (New York): Monday 9h
    log(rep, "call", "connected", hour=9)  # no contact or company: the organisation's 09:00
    log(rep, "call", "voicemail", hour=3, contact=bob)  # 03:00 UTC Monday is 22:00 Sunday in New York
    log(rep, "email", "replied", hour=16, contact=ada)  # 17:00 in Berlin
    log(rep, "email", "sent", hour=16, contact=bob)  # 11:00 in New York
    # A week later New York is on summer time: 13:00 UTC is its 09:00.
    log(rep, "call", "connected", day=NEXT_MON, hour=13, contact=bob)


def test_each_attempt_counts_at_its_prospects_local_weekday_and_hour(rep, acme):
    _worked_example(rep, acme)
    drained_clean()

    assert rows(rep) == {
        (MON, 1, 9): (3, 2),
        (MON, 7, 22): (1, 0),  # dated Monday (the organisation's day), made on the prospect's Sunday
        (NEXT_MON, 1, 9): (1, 1),
    }
    assert rows(rep, "email") == {(MON, 1, 11): (1, 0), (MON, 1, 17): (1, 1)}
    # Over March: Monday 9h 3 of 4 connected, 75%, but not rated (4 < 10).
    monday_nine = reach_heatmap(rep_ids=[rep.pk], kind="call", start=date(2026, 3, 1), end=date(2026, 3, 31)).slot(1, 9)
    assert (monday_nine.attempts, monday_nine.successes, monday_nine.percent, monday_nine.rated) == (4, 3, 75.0, False)


def test_meetings_and_other_kinds_are_not_counted(rep, acme):
    log(rep, "meeting", "held", contact=acme["ada"])
    log(rep, "prospecting", company=acme["company"])
    drained_clean()
    assert not ReachHour.objects.exists()


def test_without_a_contact_or_company_zone_the_organisations_zone_applies(rep):
    OrgSettings.load()
    OrgSettings.objects.filter(pk=1).update(time_zone="Asia/Tokyo")
    contact = ContactFactory(owner=rep, company=CompanyFactory(owner=rep))
    with timezone.override("Asia/Tokyo"):  # the stored local day follows the organisation's zone too
        log(rep, "call", "connected", hour=1, contact=contact)  # 01:00 UTC Monday is 10:00 in Tokyo
    drained_clean()
    assert rows(rep) == {(MON, 1, 10): (1, 1)}


def test_a_contacts_new_zone_moves_its_calls(rep, acme):
    _worked_example(rep, acme)
    drained_clean()
    ada = acme["ada"]
    ada.time_zone = "Asia/Tokyo"  # 08:00 UTC is 17:00 in Tokyo
    pipeline_services.contact_save(contact=ada)
    drained_clean()
    assert rows(rep) == {(MON, 1, 9): (2, 1), (MON, 1, 17): (1, 1), (MON, 7, 22): (1, 0), (NEXT_MON, 1, 9): (1, 1)}


def test_a_companys_new_zone_moves_the_calls_of_its_contacts_without_one(rep, acme):
    _worked_example(rep, acme)
    drained_clean()
    company = acme["company"]
    company.time_zone = "Europe/London"  # GMT in early March, BST from the 29th
    pipeline_services.company_save(company=company)
    drained_clean()
    # Bob's calls at 14:00, 03:00 and (a week later) 13:00 UTC; Ada keeps Berlin's 09:00, and the
    # call without a contact the organisation's.
    assert rows(rep) == {
        (MON, 1, 3): (1, 0),
        (MON, 1, 9): (2, 2),
        (MON, 1, 14): (1, 0),
        (NEXT_MON, 1, 13): (1, 1),
    }


def test_clearing_a_zone_falls_back_to_the_next_one(rep, acme):
    _worked_example(rep, acme)
    drained_clean()
    ada = acme["ada"]
    ada.time_zone = ""  # Ada now reads Acme's New York: 08:00 UTC is 03:00
    pipeline_services.contact_save(contact=ada)
    drained_clean()
    assert rows(rep)[(MON, 1, 3)] == (1, 1)


def test_a_rebuild_gives_the_same_rows_as_the_drains(rep, acme):
    _worked_example(rep, acme)
    drained_clean()
    before = rows(rep)
    rollups.rebuild()
    assert rows(rep) == before
    assert rollups.verify() == []


def test_verify_reports_a_stored_row_that_differs(rep, acme):
    _worked_example(rep, acme)
    drained_clean()
    ReachHour.objects.filter(rep=rep, day=MON, hour=9).update(successes=3)
    differences = rollups.verify()
    assert len(differences) == 1 and differences[0].startswith("ReachHour")


def test_deleting_a_call_removes_it_from_its_hour(rep, acme):
    _worked_example(rep, acme)
    drained_clean()
    from activities.models import Activity

    Activity.objects.get(occurred_at=at(MON, 3)).delete()
    drained_clean()
    assert (MON, 7, 22) not in rows(rep)


def test_the_weekday_is_iso_monday_first(rep):
    sunday = date(2026, 3, 8)
    log(rep, "call", "no_answer", day=sunday, hour=12)
    drained_clean()
    assert rows(rep) == {(sunday, 7, 12): (1, 0)}
