"""verify() (dashboards/rollups/verifying.py) compares the tables with a fresh recompute."""

from datetime import date
from decimal import Decimal

import pytest

from dashboards import rollups
from tests.dashboards.rollups.helpers import MON, attained, deal_for, quota, win
from tests.helpers import at

pytestmark = pytest.mark.django_db


def test_verify_accepts_an_attainment_that_does_not_end_in_four_decimals(rep, pipeline):
    win(deal_for(rep, pipeline, at(MON), amount="1000"), date(2026, 3, 10))
    q = quota(rep, start=date(2026, 3, 1), target="3000")
    rollups.drain()
    assert attained(q)[2:] == (Decimal("0.3333"), Decimal("0.2667"))
    assert rollups.verify() == []


# --- the stored local days (METRICS.md "Time zone and the stored local day") ---------------------


def _a_late_evening_call_and_a_deal(rep, pipeline):
    """A call and a deal's first stage change at 23:30 UTC on 1 March: 2 March in Auckland."""
    from datetime import UTC, datetime

    from activities import services as activity_services

    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    call = activity_services.activity_log(
        owner=rep, by=rep, kind="call", outcome="connected", occurred_at=late, created_at=late
    )
    deal = deal_for(rep, pipeline, late)
    return call, deal.stage_changes.get()


def test_verify_reports_stored_days_left_in_another_zone_and_is_clean_after_the_change(
    rep, pipeline, django_capture_on_commit_callbacks
):
    from quotas import services
    from quotas.models import OrgSettings

    call, move = _a_late_evening_call_and_a_deal(rep, pipeline)
    rollups.drain()
    assert rollups.verify() == []

    # The zone saved behind the settings page's back: every stored day is still in UTC.
    OrgSettings.objects.create(pk=1, time_zone="Pacific/Auckland")
    differences = rollups.verify()
    zone = "in Pacific/Auckland"
    assert f"Activity {call.pk}: stored day 2026-03-01, expected 2026-03-02 (the local date of occurred_at {zone})" in (
        differences
    )
    assert (
        f"Activity {call.pk}: stored created_day 2026-03-01, expected 2026-03-02 (the local date of created_at {zone})"
        in (differences)
    )
    assert (
        f"StageChange {move.pk}: stored day 2026-03-01, expected 2026-03-02 (the local date of changed_at {zone})"
        in (differences)
    )
    assert f"Activity.day: 1 rows not the local date of occurred_at {zone}" in differences

    # Saved through the settings: the change's job moves the days and rebuilds.
    OrgSettings.objects.filter(pk=1).update(time_zone="UTC")
    org = OrgSettings.load()
    org.time_zone = "Pacific/Auckland"
    with django_capture_on_commit_callbacks(execute=True):
        services.org_settings_save(org_settings=org)
    assert rollups.verify() == []


def test_verify_lists_the_first_wrong_days_of_a_column_and_counts_them_all(rep, pipeline, monkeypatch):
    from activities.models import Activity
    from dashboards.rollups import verifying

    monkeypatch.setattr(verifying, "WRONG_DAYS_SHOWN", 1)
    for _ in range(3):
        _a_late_evening_call_and_a_deal(rep, pipeline)
    Activity.objects.update(day=date(2026, 2, 28))
    differences = [line for line in rollups.verify() if line.startswith(("Activity ", "Activity."))]
    first = Activity.objects.order_by("pk").first()
    assert differences == [
        f"Activity {first.pk}: stored day 2026-02-28, expected 2026-03-01 (the local date of occurred_at in UTC)",
        "Activity.day: 3 rows not the local date of occurred_at in UTC",
    ]
