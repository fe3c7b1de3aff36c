"""`seed_demo`'s early-warnings story: Taylor's activity dropped last week, and only Taylor is flagged."""

from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from activities.models import Activity
from tests.helpers import at
from trends.demo import with_activity_drop
from trends.selectors import early_warnings


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo with ten weeks of activity (the eight weeks before the last two, and those), seeded once."""
    from django.conf import settings

    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "DEBUG", True)
        patch.setattr("dashboards.demo.activities.DAYS", 75)
        call_command("seed_demo")
        yield
        call_command("flush", interactive=False, verbosity=0)


def test_taylors_activity_is_flagged_and_no_one_elses(demo, db):
    reps = list(User.objects.reps().order_by("username"))

    flagged = early_warnings(reps=reps, today=timezone.localdate(), drop_percent=60)

    # A rep's win rate may dip in the demo's random wins (a real flag); activity drops only Taylor's.
    activity = {found.rep.username: {f.figure for f in found.flags if not f.is_rate} for found in flagged}
    assert {name for name, figures in activity.items() if figures} == {"taylor"}
    assert {"calls", "emails"} <= activity["taylor"]


def test_the_drop_keeps_other_reps_kinds_and_days():
    taylor, sam = User(username="taylor"), User(username="sam")
    wednesday = date(2026, 12, 2)  # last week's Monday: 23 November

    def row(owner, day, kind="call"):
        return Activity(owner=owner, kind=kind, day=day, occurred_at=at(day))

    kept_before = [row(taylor, date(2026, 11, 22)) for _ in range(50)]
    others = [row(sam, date(2026, 11, 30)) for _ in range(50)] + [row(taylor, date(2026, 11, 30), "admin")]
    dropped = [row(taylor, date(2026, 11, 23)) for _ in range(500)]

    kept = with_activity_drop(kept_before + others + dropped, today=wednesday)

    assert kept[: len(kept_before) + len(others)] == kept_before + others
    assert 25 <= len(kept) - len(kept_before) - len(others) <= 75  # about one in ten of 500
