"""The account touches rollup (portfolio/rollup.py) worked out by hand: an activity's account is its
company, else its contact's company, else its deal's company; kept per owner, day and account, and
recomputed when a contact or a deal that stands for an activity's account moves to another company."""

from datetime import timedelta

import pytest

from activities.models import Activity
from dashboards import rollups
from portfolio.models import AccountTouch
from tests.dashboards.rollups.helpers import MON, drained_clean, log
from tests.factories import CompanyFactory, ContactFactory, make_deal

pytestmark = pytest.mark.django_db


def touches():
    return sorted(AccountTouch.objects.values_list("rep_id", "day", "company_id", "touches"))


def test_touches_count_per_owner_day_and_account(rep, teammate):
    acme, globex = CompanyFactory(name="Acme", owner=rep), CompanyFactory(name="Globex", owner=rep)
    log(rep, "call", "connected", company=acme)
    log(rep, "email", "sent", contact=ContactFactory(company=acme))  # the service fills the company in
    log(rep, "call", "no_answer", company=globex, day=MON + timedelta(days=1))
    log(teammate, "call", "connected", company=acme)
    log(rep, "admin", minutes=30)  # no account: no touch
    drained_clean()

    assert touches() == [
        (rep.pk, MON, acme.pk, 2),
        (rep.pk, MON + timedelta(days=1), globex.pk, 1),
        (teammate.pk, MON, acme.pk, 1),
    ]


def test_an_activity_without_a_company_counts_for_its_contacts_company_else_its_deals(rep):
    acme, globex, initech = (CompanyFactory(name=name, owner=rep) for name in ("Acme", "Globex", "Initech"))
    by_contact = log(rep, "call", "connected", contact=ContactFactory(company=acme))
    by_deal = log(rep, "call", "connected", deal=make_deal(owner=rep, company=globex))
    # Written without the service (an import of old rows, say): its own company wins over both.
    both = log(
        rep, "call", "connected", contact=ContactFactory(company=acme), deal=make_deal(owner=rep, company=globex)
    )
    Activity.objects.filter(pk__in=[by_contact.pk, by_deal.pk]).update(company=None)
    Activity.objects.filter(pk=both.pk).update(company=initech)
    rollups.rebuild()

    assert touches() == [(rep.pk, MON, acme.pk, 1), (rep.pk, MON, globex.pk, 1), (rep.pk, MON, initech.pk, 1)]
    assert rollups.verify() == []


@pytest.mark.parametrize("link", ["contact", "deal"])
def test_a_contact_or_deal_that_moves_takes_its_companyless_activities_along(rep, link):
    acme, globex = CompanyFactory(name="Acme", owner=rep), CompanyFactory(name="Globex", owner=rep)
    linked = ContactFactory(company=acme) if link == "contact" else make_deal(owner=rep, company=acme)
    activity = log(rep, "call", "connected", **{link: linked})
    Activity.objects.filter(pk=activity.pk).update(company=None)
    rollups.rebuild()
    assert touches() == [(rep.pk, MON, acme.pk, 1)]

    linked.company = globex
    linked.save()
    drained_clean()  # verify: the drain left no stale row

    assert touches() == [(rep.pk, MON, globex.pk, 1)]


def test_editing_an_activitys_company_moves_its_touch(rep):
    acme, globex = CompanyFactory(name="Acme", owner=rep), CompanyFactory(name="Globex", owner=rep)
    activity = log(rep, "call", "connected", company=acme)
    drained_clean()
    activity.company = globex
    activity.save()
    drained_clean()

    assert touches() == [(rep.pk, MON, globex.pk, 1)]
