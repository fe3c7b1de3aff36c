"""The import screens (activities/views_import.py): upload, the column mapping, progress, preview,
errors and their download, confirming once, and who may see an import."""

import csv
import io
from types import SimpleNamespace

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError as KombuOperationalError

from activities import importers, views_import
from activities.models import Activity, ActivityImport, ImportStatus
from tests.activities.importers.helpers import _check, _confirm, _csv, _days_ago, _rows, _upload

LOGIN = "/accounts/login/"


# --- preview, progress and the result -------------------------------------------------------------


def test_it_shows_the_preview_and_the_result(signed_in, org, django_capture_on_commit_callbacks):
    job = _check(
        signed_in,
        django_capture_on_commit_callbacks,
        _rows({"kind": "demo", "occurred_at": _days_ago(1), "outcome": "held", "company": "acme corporation"}),
    )
    page = signed_in.get(reverse("activities:import_detail", args=[job.pk])).content.decode()
    assert "Acme Corporation" in page and "Import 1 activity" in page and 'hx-trigger="every 1s"' not in page
    _confirm(signed_in, django_capture_on_commit_callbacks, job)
    page = signed_in.get(reverse("activities:import_detail", args=[job.pk])).content.decode()
    assert "1 activity imported." in page and reverse("activities:list") in page


def test_it_polls_only_while_the_import_runs(signed_in, org):
    job = importers.import_create(by=org["acme"].owner, file_name="a.csv", content=_rows({"kind": "call"}))
    ActivityImport.objects.filter(pk=job.pk).update(
        status=ImportStatus.VALIDATING, total_rows=10_000, processed_rows=4_000
    )
    url = reverse("activities:import_detail", args=[job.pk])
    page = signed_in.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'aria-valuenow="40"' in page and "<html" in page.lower()

    partial = signed_in.get(url, headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<section id="import-progress"') and "4000 of 10000" in partial

    ActivityImport.objects.filter(pk=job.pk).update(status=ImportStatus.READY)
    partial = signed_in.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in partial and "Import 10000 activities" in partial


# --- choosing the columns ------------------------------------------------------------------


def test_it_needs_a_column_for_kind_and_when(signed_in, org):
    text = _csv([["Type", "Notes"], ["call", "x"]])
    job_id = _upload(signed_in, text).url.split("/")[-3]
    response = signed_in.post(reverse("activities:import_mapping", args=[job_id]), {"kind": "0", "notes": "0"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"occurred_at", "notes"}  # required; a column used twice
    assert ActivityImport.objects.get(pk=job_id).status == ImportStatus.UPLOADED


def test_the_mapping_page_sends_a_running_import_to_its_progress(signed_in, org):
    job = importers.import_create(by=org["acme"].owner, file_name="a.csv", content=_rows({"kind": "call"}))
    ActivityImport.objects.filter(pk=job.pk).update(status=ImportStatus.VALIDATING)
    response = signed_in.post(reverse("activities:import_mapping", args=[job.pk]), {"kind": "1", "occurred_at": "3"})
    assert response.url == reverse("activities:import_detail", args=[job.pk])
    assert ActivityImport.objects.get(pk=job.pk).mapping == {}


# --- bad files, and the errors shown --------------------------------------------------------------


@pytest.mark.parametrize(
    "content, message",
    [
        (b" \r\n\r\n", "The file is empty."),
        (b"\x00\x01\x02binary", "binary data"),
        (b",,,\n", "The first row must name the columns."),
    ],
)
def test_it_refuses_a_file_it_cannot_read(signed_in, content, message):
    response = _upload(signed_in, content)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors["file"])
    assert not ActivityImport.objects.exists()


def test_it_refuses_a_file_over_20_mb(signed_in):
    response = _upload(signed_in, b"kind,occurred_at\n" + b"x" * (20 * 1024 * 1024))
    assert "files of up to 20.0\xa0MB can be imported" in str(response.context["form"].errors["file"])
    assert not ActivityImport.objects.exists()


def test_it_shows_500_errors_and_counts_the_rest(signed_in, org, django_capture_on_commit_callbacks):
    text = _rows(*[{"kind": "fax", "occurred_at": _days_ago(1)} for _ in range(620)])
    job = _check(signed_in, django_capture_on_commit_callbacks, text)
    response = signed_in.get(reverse("activities:import_detail", args=[job.pk]))
    assert len(response.context["errors"]) == 500
    assert "and 120 more" in response.content.decode()


def test_the_errors_download_lists_every_error(signed_in, org, django_capture_on_commit_callbacks):
    text = _rows(*[{"kind": "call", "outcome": "sent", "occurred_at": _days_ago(1)} for _ in range(600)])
    job = _check(signed_in, django_capture_on_commit_callbacks, text)
    response = signed_in.get(reverse("activities:import_errors", args=[job.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="import-{job.pk}-errors.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["row", "column", "problem"]
    assert len(rows) == 601
    assert rows[1] == ["2", "outcome", "“Sent” does not fit a call."]
    assert rows[-1][0] == "601"


# --- confirming once, and a broker that is down ---------------------------------------------------


def test_a_double_click_on_confirm_imports_once(signed_in, org, django_capture_on_commit_callbacks):
    job = _check(signed_in, django_capture_on_commit_callbacks, _rows({"kind": "travel", "occurred_at": _days_ago(1)}))
    _confirm(signed_in, django_capture_on_commit_callbacks, job)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        signed_in.post(reverse("activities:import_confirm", args=[job.pk]))
    assert callbacks == []  # nothing enqueued the second time
    assert Activity.objects.count() == 1


def test_a_broker_that_is_down_fails_the_import_not_the_request(
    signed_in, org, monkeypatch, django_capture_on_commit_callbacks
):
    def refused(import_id):
        raise KombuOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(views_import, "validate_import", SimpleNamespace(delay=refused))
    job = _check(signed_in, django_capture_on_commit_callbacks, _rows({"kind": "travel", "occurred_at": _days_ago(1)}))
    assert job.status == ImportStatus.FAILED


# --- who may see an import ------------------------------------------------------------------------

OK, FOUND, NOT_FOUND, NOT_ALLOWED = 200, 302, 404, 405

# url name -> (method, expected for: creator, teammate, the creator's manager, outsider, admin)
IMPORT_URLS = {
    "activities:import_upload": ("get", (OK, OK, OK, OK, OK)),
    "activities:import_template": ("get", (OK, OK, OK, OK, OK)),
    "activities:import_detail": ("get", (OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK)),
    "activities:import_mapping": ("get", (OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK)),
    "activities:import_errors": ("get", (OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK)),
    "activities:import_confirm": ("post", (FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FOUND)),
}

ROLES = ("creator", "teammate", "manager", "outsider", "admin")


def test_the_matrix_covers_every_import_url():
    from activities import urls_import

    assert {f"activities:{pattern.name}" for pattern in urls_import.urlpatterns} == set(IMPORT_URLS)


@pytest.mark.parametrize("role_index, role", list(enumerate(ROLES)))
@pytest.mark.parametrize("url_name", sorted(IMPORT_URLS))
def test_an_import_is_seen_only_by_its_creator_and_admins(
    client, rep, teammate, manager, outsider, admin_user, url_name, role_index, role
):
    job = importers.import_create(by=rep, file_name="a.csv", content=_rows({"kind": "call"}))
    method, expected = IMPORT_URLS[url_name]
    url = reverse(
        url_name, kwargs={"import_id": job.pk} if "upload" not in url_name and "template" not in url_name else None
    )
    user = {"creator": rep, "teammate": teammate, "manager": manager, "outsider": outsider, "admin": admin_user}[role]
    client.force_login(user)
    assert getattr(client, method)(url).status_code == expected[role_index], f"{role} {method} {url}"


@pytest.mark.parametrize("url_name", sorted(IMPORT_URLS))
def test_anonymous_visitors_are_sent_to_sign_in(client, rep, url_name):
    job = importers.import_create(by=rep, file_name="a.csv", content=_rows({"kind": "call"}))
    method, _expected = IMPORT_URLS[url_name]
    kwargs = {"import_id": job.pk} if "upload" not in url_name and "template" not in url_name else None
    response = getattr(client, method)(reverse(url_name, kwargs=kwargs))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_confirm_takes_only_post(signed_in, rep):
    job = importers.import_create(by=rep, file_name="a.csv", content=_rows({"kind": "call"}))
    assert signed_in.get(reverse("activities:import_confirm", args=[job.pk])).status_code == NOT_ALLOWED
