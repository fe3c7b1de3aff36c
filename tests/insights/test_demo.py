"""`seed_demo`'s best-time story: prospects answer in the morning more than at lunch, and Jordan
calls at the wrong hours."""

from datetime import date

import pytest
from django.core.management import call_command

from accounts.models import User
from insights.selectors import reach_heatmap
from pipeline.models import Company, Contact


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo with three months of activity, seeded once."""
    from django.conf import settings

    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "DEBUG", True)
        patch.setattr("dashboards.demo.activities.DAYS", 90)
        call_command("seed_demo")
        yield
        call_command("flush", interactive=False, verbosity=0)


def _by_hour(usernames) -> dict[int, tuple[int, int]]:
    reps = User.objects.filter(username__in=usernames).values_list("pk", flat=True)
    heatmap = reach_heatmap(rep_ids=reps, kind="call", start=date(2000, 1, 1), end=date(2100, 1, 1))
    hours: dict[int, tuple[int, int]] = {}
    for slot in heatmap.slots.values():
        attempts, successes = hours.get(slot.hour, (0, 0))
        hours[slot.hour] = (attempts + slot.attempts, successes + slot.successes)
    return hours


def _share(hours: dict[int, tuple[int, int]], picked) -> float:
    return sum(hours.get(hour, (0, 0))[0] for hour in picked) / sum(attempts for attempts, _ in hours.values())


def test_companies_and_some_contacts_have_time_zones(demo, db):
    assert set(Company.objects.values_list("time_zone", flat=True)) <= {
        "America/New_York",
        "America/Chicago",
        "America/Los_Angeles",
    }
    assert Contact.objects.filter(time_zone="America/Denver").exists()


def test_jordan_calls_over_lunch_and_late_where_the_others_call_through_the_day(demo, db):
    # Hours of the prospects' local time (every demo company has a US zone).
    wrong = (12, 13, 18)
    assert _share(_by_hour(["jordan"]), wrong) > 0.4
    assert _share(_by_hour(["rep", "sam", "taylor"]), wrong) < 0.3


def test_prospects_answer_mornings_more_than_at_lunch(demo, db):
    hours = _by_hour(["rep", "sam", "jordan", "taylor", "casey", "riley", "jamie", "drew"])

    def rate(picked):
        return sum(hours[h][1] for h in picked) / sum(hours[h][0] for h in picked)

    assert rate((8, 9)) > 2 * rate((12, 13))
