"""The steps of an activity import (activities/importers/__init__.py, tasks.py): a good file
checked, confirmed and written; checked again before writing; run twice; a task that fails."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from activities import importers, tasks
from activities.models import Activity, ImportStatus, Kind, Outcome
from tests.activities.importers.helpers import _check, _confirm, _days_ago, _errors, _mapping_data, _rows
from tests.factories import RepFactory


def test_it_imports_a_good_file_with_its_day_company_and_deal_stage(
    signed_in, rep, org, django_capture_on_commit_callbacks
):
    # The organisation's time zone decides the local day of each row.
    from quotas.models import OrgSettings
    from quotas.organisation import forget_org_time_zone

    OrgSettings.objects.update_or_create(pk=1, defaults={"time_zone": "America/New_York"})
    forget_org_time_zone()
    late_evening = f"{timezone.localdate() - timedelta(days=3):%Y-%m-%d} 23:30"
    text = _rows(
        {
            "kind": "call",
            "outcome": "connected",
            "occurred_at": late_evening,
            "duration_minutes": "12",
            "company": "Acme Corporation",
            "notes": "Talked budget",
        },
        {
            "kind": "Meeting",
            "outcome": "Held: positive",
            "occurred_at": _days_ago(2),
            "duration_minutes": "45",
            "contact": "ADA@acme.example",
            "deal": "acme - 50 SEATS",
            "lead_source": "referral",
        },
        {"kind": "email", "occurred_at": _days_ago(1)},
    )
    job = _check(signed_in, django_capture_on_commit_callbacks, text)
    assert (job.status, job.total_rows, job.processed_rows, job.errors) == (ImportStatus.READY, 3, 3, [])
    assert [row["row"] for row in job.preview] == [2, 3, 4]
    assert not Activity.objects.exists()  # nothing before the confirmation

    response = _confirm(signed_in, django_capture_on_commit_callbacks, job)
    assert response.url == reverse("activities:import_detail", args=[job.pk])
    assert (job.status, job.imported_rows) == (ImportStatus.DONE, 3)
    call, meeting, email = Activity.objects.order_by("occurred_at")
    new_york = ZoneInfo("America/New_York")
    assert call.occurred_at == datetime.fromisoformat(late_evening).replace(tzinfo=new_york)
    assert call.day == timezone.localdate() - timedelta(days=3)  # the local day, not UTC's next one
    assert (call.owner, call.kind, call.outcome, call.duration_minutes) == (rep, Kind.CALL, Outcome.CONNECTED, 12)
    assert (call.company, call.deal, call.notes) == (org["acme"], None, "Talked budget")
    assert (meeting.deal, meeting.contact) == (org["deal"], org["ada"])
    assert (meeting.company, meeting.lead_source) == (org["acme"], org["referral"])  # company from the deal
    assert (email.outcome, email.company, email.duration_minutes) == (Outcome.SENT, None, 0)  # emails are sent
    # Logged today in New York, whatever the date in UTC (this failed just after midnight UTC).
    assert {a.created_day for a in (call, meeting, email)} == {timezone.localdate(call.created_at, new_york)}


def test_the_import_checks_again_before_writing(signed_in, rep, org, django_capture_on_commit_callbacks):
    job = _check(
        signed_in,
        django_capture_on_commit_callbacks,
        _rows(
            {"kind": "demo", "outcome": "held", "occurred_at": _days_ago(1), "deal": "Acme - 50 seats"},
            {"kind": "call", "outcome": "connected", "occurred_at": _days_ago(1)},
        ),
    )
    assert job.status == ImportStatus.READY
    org["deal"].owner = RepFactory(username="newowner")  # the deal went to another team meanwhile
    org["deal"].save()
    _confirm(signed_in, django_capture_on_commit_callbacks, job)
    assert job.status == ImportStatus.INVALID
    assert _errors(job) == [(2, "deal", "No deal you can see is called “Acme - 50 seats”.")]
    assert not Activity.objects.exists()


def test_run_import_twice_imports_once(signed_in, org, django_capture_on_commit_callbacks):
    job = _check(
        signed_in,
        django_capture_on_commit_callbacks,
        _rows(*[{"kind": "travel", "occurred_at": _days_ago(1)} for _ in range(3)]),
    )
    importers.import_confirm(job=job)
    assert tasks.run_import.delay(job.pk).get() == 3
    assert tasks.run_import.delay(job.pk).get() == 0
    assert Activity.objects.count() == 3
    job.refresh_from_db()
    assert (job.status, job.imported_rows) == (ImportStatus.DONE, 3)


def test_a_task_that_fails_marks_the_import_failed(signed_in, org, monkeypatch, django_capture_on_commit_callbacks):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(importers, "import_validate", broken)
    job = _check(signed_in, django_capture_on_commit_callbacks, _rows({"kind": "travel", "occurred_at": _days_ago(1)}))
    assert job.status == ImportStatus.FAILED
    page = signed_in.get(reverse("activities:import_detail", args=[job.pk])).content.decode()
    assert "Try again" in page and 'hx-trigger="every 1s"' not in page
    monkeypatch.undo()
    # Choosing the columns again retries.
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(reverse("activities:import_mapping", args=[job.pk]), _mapping_data(signed_in, job.pk))
    job.refresh_from_db()
    assert job.status == ImportStatus.READY
