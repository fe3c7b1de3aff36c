"""Helpers of the activity import tests: a file from rows, the upload, the column mapping and the
confirmation through the screens, the errors a check found.

Tasks run eagerly here, as in the embedded default, once the request's
transaction commits (``django_capture_on_commit_callbacks(execute=True)``);
tests/integration/test_activity_import_worker.py runs them on a real worker.
"""

import csv
import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from activities import importers
from activities.models import ActivityImport

HEADER = list(importers.FIELD_NAMES)


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue()


def _rows(*rows: dict) -> str:
    """A file with our column names, one line per dict (missing cells empty)."""
    return _csv([HEADER, *[[row.get(name, "") for name in HEADER] for row in rows]])


def _days_ago(days: int, at: str = "10:00") -> str:
    return f"{timezone.localdate() - timedelta(days=days):%Y-%m-%d} {at}"


def _upload(client, text: str | bytes, filename: str = "activities.csv"):
    content = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(reverse("activities:import_upload"), {"file": SimpleUploadedFile(filename, content, "text/csv")})


def _mapping_data(client, job_id: int, **chosen) -> dict:
    """The mapping form as the page pre-selects it, with ``chosen`` (field -> column index or "") on top."""
    form = client.get(reverse("activities:import_mapping", args=[job_id])).context["form"]
    data = {name: "" if form[name].initial is None else str(form[name].initial) for name in importers.FIELD_NAMES}
    return data | {name: str(index) for name, index in chosen.items()}


def _check(client, capture, text: str, **chosen) -> ActivityImport:
    """Upload ``text``, submit the column mapping and let the check run; the import as it ends up."""
    response = _upload(client, text)
    assert response.status_code == 302, response.context and response.context["form"].errors
    job = ActivityImport.objects.latest("pk")
    with capture(execute=True):
        response = client.post(
            reverse("activities:import_mapping", args=[job.pk]), _mapping_data(client, job.pk, **chosen)
        )
    assert response.status_code == 302
    assert response.url == reverse("activities:import_detail", args=[job.pk])
    job.refresh_from_db()
    return job


def _confirm(client, capture, job):
    with capture(execute=True):
        response = client.post(reverse("activities:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    return response


def _errors(job) -> list[tuple]:
    return [(error["row"], error["column"], error["reason"]) for error in job.errors]
