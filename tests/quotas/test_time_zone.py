"""The organisation's time zone decides what "today" and an activity's local day are."""

from datetime import UTC, datetime

from django.urls import reverse
from django.utils import timezone

from activities.models import Activity
from quotas import services
from quotas.models import OrgSettings


def test_it_logs_a_call_on_the_organisations_local_day(client_as, rep, django_capture_on_commit_callbacks):
    org = OrgSettings.load()
    org.time_zone = "Pacific/Auckland"
    with django_capture_on_commit_callbacks(execute=True):
        services.org_settings_save(org_settings=org)
    client = client_as(rep)
    # 23:30 UTC on 1 March is already 2 March in Auckland (UTC+13 in March).
    late_evening_utc = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    with timezone.override("Pacific/Auckland"):
        local = timezone.localtime(late_evening_utc).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("activities:log"), {"kind": "call", "outcome": "connected", "occurred_at": local})
    assert response.status_code in (200, 302)
    activity = Activity.objects.get()
    assert activity.occurred_at == late_evening_utc
    assert str(activity.day) == "2026-03-02"


def test_saving_the_settings_applies_the_new_zone_at_once(django_capture_on_commit_callbacks, db):
    from quotas.organisation import forget_org_time_zone, org_time_zone

    forget_org_time_zone()
    assert org_time_zone() == "UTC"  # no settings saved yet: the default
    org = OrgSettings.load()
    org.time_zone = "Europe/Berlin"
    with django_capture_on_commit_callbacks(execute=True):
        services.org_settings_save(org_settings=org)
    assert org_time_zone() == "Europe/Berlin"
