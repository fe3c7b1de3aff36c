"""The fields of an activity import (activities/importers/fields.py): the template and the first
guess of which column feeds which field."""

import csv
import io

from django.urls import reverse

from activities import importers
from activities.models import Activity, ActivityImport, ImportStatus, Outcome
from tests.activities.importers.helpers import HEADER, _check, _confirm, _csv, _days_ago, _mapping_data, _upload

# --- the template ----------------------------------------------------------------------


def test_it_offers_a_template_with_two_example_rows(signed_in):
    response = signed_in.get(reverse("activities:import_template"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="activities-template.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == HEADER
    assert len(rows) == 3


def test_the_template_imports_as_it_is(signed_in, org, django_capture_on_commit_callbacks):
    text = b"".join(signed_in.get(reverse("activities:import_template")).streaming_content).decode("utf-8-sig")
    job = _check(signed_in, django_capture_on_commit_callbacks, text)
    assert (job.status, job.errors) == (ImportStatus.READY, [])


# --- the first guess of the columns ---------------------------------------------------------------


def test_it_maps_renamed_headers(signed_in, rep, org, django_capture_on_commit_callbacks):
    text = _csv(
        [
            ["Activity Date", "Type", "Result", "Duration", "Account", "Comments", "Internal ID"],
            [_days_ago(1), "Call", "No answer", "3", "Acme Corporation", "Try again Monday", "X-1"],
        ],
        delimiter=";",
    )
    job_id = _upload(signed_in, text).url.split("/")[-3]
    form = signed_in.get(reverse("activities:import_mapping", args=[job_id])).context["form"]
    guessed = {name: form[name].initial for name in importers.FIELD_NAMES}
    # Names and usual other names match whatever the case; "Activity Date" is not guessed.
    assert guessed == {
        "rep": None,
        "kind": 1,
        "outcome": 2,
        "occurred_at": None,
        "duration_minutes": 3,
        "company": 4,
        "contact": None,
        "deal": None,
        "lead_source": None,
        "notes": 5,
    }

    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(
            reverse("activities:import_mapping", args=[job_id]), _mapping_data(signed_in, job_id, occurred_at=0)
        )
    job = ActivityImport.objects.get(pk=job_id)
    assert job.status == ImportStatus.READY, job.errors
    _confirm(signed_in, django_capture_on_commit_callbacks, job)
    activity = Activity.objects.get()
    assert (activity.outcome, activity.duration_minutes, activity.notes) == (Outcome.NO_ANSWER, 3, "Try again Monday")
