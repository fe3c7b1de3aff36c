"""`seed_demo`'s coverage story (portfolio/demo.py): Jordan has left the existing customers alone for
two months, the other reps have not."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from dashboards import rollups
from portfolio.selectors import coverage, neglected_accounts


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo with 40 days of activity, seeded once for this module's tests."""
    from django.conf import settings

    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "DEBUG", True)
        patch.setattr("dashboards.demo.activities.DAYS", 40)
        call_command("seed_demo")
        yield
        call_command("flush", interactive=False, verbosity=0)


def test_jordan_neglects_every_customer_and_the_teammates_do_not(demo, db):
    today = timezone.localdate()
    reps = {user.username: user for user in User.objects.filter(username__in=["jordan", "rep", "sam", "taylor"])}
    last_30_days = {"start": today - timedelta(days=29), "end": today}
    customers = coverage(rep_ids=[r.pk for r in reps.values()], scope="customers", **last_30_days)

    jordan = reps.pop("jordan")
    assert customers[jordan.pk].assigned > 0
    assert customers[jordan.pk].touched == 0
    neglected = neglected_accounts(rep=jordan, today=today, limit=100)
    assert {a.company.pk for a in neglected.accounts if a.company.is_customer} == set(
        jordan.companies.filter(is_customer=True).values_list("pk", flat=True)
    )
    # The colleagues touched customers of theirs in the same days.
    assert all(customers[rep.pk].touched > 0 for rep in reps.values())


def test_the_demo_rollups_agree_with_a_recompute(demo, db):
    assert rollups.verify() == []
