"""CSV import of activities: upload, choose the columns, check every row, confirm, write all or nothing.

Tasks run eagerly here, as in the embedded default, once the request's
transaction commits (``django_capture_on_commit_callbacks(execute=True)``);
tests/integration/test_activity_import_worker.py runs them on a real worker.
"""

import csv
import io
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from activities import importers, tasks, views_import
from activities.models import Activity, ActivityImport, ImportStatus, Kind, Outcome
from tests.factories import CompanyFactory, ContactFactory, LeadSourceFactory, RepFactory, make_deal, make_pipeline

LOGIN = "/accounts/login/"
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


@pytest.fixture
def org(rep):
    pipeline = make_pipeline("New business")
    acme = CompanyFactory(name="Acme Corporation", owner=rep)
    return {
        "pipeline": pipeline,
        "acme": acme,
        "ada": ContactFactory(first_name="Ada", email="ada@acme.example", company=acme, owner=rep),
        "deal": make_deal(owner=rep, pipeline=pipeline, stage_name="Demo", company=acme, title="Acme - 50 seats"),
        "referral": LeadSourceFactory(name="Referral"),
    }


@pytest.fixture
def signed_in(client_as, rep):
    return client_as(rep)


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


# --- a good file -----------------------------------------------------------------------------


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
    assert {a.created_day for a in (call, meeting, email)} == {timezone.localdate(call.created_at)}


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


# --- bad files and bad rows ---------------------------------------------------------------


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


def test_it_reports_every_bad_row_and_writes_nothing(signed_in, org, django_capture_on_commit_callbacks):
    text = _csv(
        [
            ["Type", "When", "Result", "Minutes", "Account", "Contact email", "Deal", "Source"],
            ["call", _days_ago(1), "connected", "5", "Acme Corporation", "", "", ""],  # good, and still not written
            ["phone", "yesterday", "", "-5", "", "", "", ""],
            ["email", "2026-02-30", "sent", "1.5", "Nobody Inc", "nobody@example.com", "No such deal", "Fax"],
            [],  # blank rows are skipped, but keep their number
            ["meeting", _days_ago(1, "09:00"), "held", "30", "", "", "", "", "extra cell"],
        ]
    )
    job = _check(
        signed_in,
        django_capture_on_commit_callbacks,
        text,
        kind=0,
        occurred_at=1,
        outcome=2,
        duration_minutes=3,
        company=4,
        contact=5,
        deal=6,
        lead_source=7,
    )
    assert job.status == ImportStatus.INVALID
    expected = [
        (3, "Type", "Choose one of: call (Call), email (Email), meeting (Meeting)"),
        (3, "When", "Write the date as YYYY-MM-DD or YYYY-MM-DD HH:MM"),
        (3, "Minutes", "Write a whole number of minutes, 0 or more."),
        (4, "When", "Write the date as YYYY-MM-DD or YYYY-MM-DD HH:MM"),
        (4, "Minutes", "Write a whole number of minutes, 0 or more."),
        (4, "Account", "No company is called “Nobody Inc”; add it to the address book first."),
        (4, "Contact email", "No contact has the email nobody@example.com."),
        (4, "Deal", "No deal you can see is called “No such deal”."),
        (4, "Source", "No active lead source is called “Fax”."),
        (6, "", "This row has more cells (9) than the header has columns (8)."),
    ]
    errors = _errors(job)
    assert [(row, column) for row, column, _reason in errors] == [(row, column) for row, column, _start in expected]
    for (*_where, reason), (*_, start) in zip(errors, expected, strict=True):
        assert reason.startswith(start)
    assert not Activity.objects.exists()

    page = signed_in.get(reverse("activities:import_detail", args=[job.pk])).content.decode()
    assert "10 problems" in page and "No active lead source is called “Fax”." in page

    # Confirming an invalid import does nothing.
    response = _confirm(signed_in, django_capture_on_commit_callbacks, job)
    assert (response.status_code, job.status) == (302, ImportStatus.INVALID)
    assert not Activity.objects.exists()


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


@pytest.mark.parametrize(
    "kind, outcome",
    [("call", "replied"), ("email", "connected"), ("Demo", "Voicemail"), ("travel", "held")],
)
def test_it_refuses_an_outcome_that_does_not_fit_the_kind(
    signed_in, org, django_capture_on_commit_callbacks, kind, outcome
):
    job = _check(
        signed_in,
        django_capture_on_commit_callbacks,
        _rows({"kind": kind, "outcome": outcome, "occurred_at": _days_ago(1)}),
    )
    assert job.status == ImportStatus.INVALID
    [(row, column, reason)] = _errors(job)
    assert (row, column) == (2, "outcome")
    assert "does not fit" in reason or "has no outcome" in reason


def test_a_call_needs_an_outcome(signed_in, org, django_capture_on_commit_callbacks):
    job = _check(signed_in, django_capture_on_commit_callbacks, _rows({"kind": "call", "occurred_at": _days_ago(1)}))
    assert _errors(job) == [(2, "outcome", "Choose how it went.")]


def test_it_refuses_a_call_in_the_future(signed_in, org, django_capture_on_commit_callbacks):
    tomorrow = f"{timezone.localdate() + timedelta(days=1):%Y-%m-%d}"
    text = _rows(
        {"kind": "call", "outcome": "connected", "occurred_at": tomorrow},
        {"kind": "meeting", "occurred_at": f"{tomorrow} 15:00"},  # booked ahead: scheduled
        {"kind": "meeting", "outcome": "held", "occurred_at": f"{tomorrow} 15:00"},
    )
    job = _check(signed_in, django_capture_on_commit_callbacks, text)
    assert [(row, column) for row, column, _reason in _errors(job)] == [(2, "occurred_at"), (4, "outcome")]
    assert "cannot be logged in the future" in _errors(job)[0][2]


# --- whose activities -------------------------------------------------------------------------


def test_a_rep_cannot_import_for_someone_else(signed_in, teammate, org, django_capture_on_commit_callbacks):
    text = _rows(
        {"rep": "teammate", "kind": "call", "outcome": "connected", "occurred_at": _days_ago(1)},
        {"rep": "OWNER", "kind": "call", "outcome": "connected", "occurred_at": _days_ago(1)},
    )
    job = _check(signed_in, django_capture_on_commit_callbacks, text)
    assert _errors(job) == [
        (2, "rep", "You can import activities only for yourself: leave rep empty or write your own username.")
    ]


def test_a_manager_imports_for_the_team_but_not_for_others(
    client_as, manager, rep, outsider, org, django_capture_on_commit_callbacks
):
    client = client_as(manager)
    text = _rows(
        {"rep": "owner", "kind": "call", "outcome": "connected", "occurred_at": _days_ago(1)},
        {"rep": "outsider", "kind": "call", "outcome": "connected", "occurred_at": _days_ago(1)},
        {"rep": "ghost", "kind": "call", "outcome": "connected", "occurred_at": _days_ago(1)},
    )
    job = _check(client, django_capture_on_commit_callbacks, text)
    assert _errors(job) == [
        (3, "rep", "“outsider” is neither you nor an active member of a team you manage."),
        (4, "rep", "“ghost” is neither you nor an active member of a team you manage."),
    ]
    job = _check(
        client,
        django_capture_on_commit_callbacks,
        _rows({"rep": "owner", "kind": "admin", "occurred_at": _days_ago(1)}),
    )
    _confirm(client, django_capture_on_commit_callbacks, job)
    assert Activity.objects.get().owner == rep


def test_an_admin_imports_for_anyone_but_an_unknown_rep(
    client_as, admin_user, outsider, org, django_capture_on_commit_callbacks
):
    text = _rows(
        {"rep": "outsider", "kind": "call", "outcome": "connected", "occurred_at": _days_ago(1)},
        {"rep": "ghost", "kind": "call", "outcome": "connected", "occurred_at": _days_ago(1)},
    )
    job = _check(client_as(admin_user), django_capture_on_commit_callbacks, text)
    assert _errors(job) == [(3, "rep", "No active user is called “ghost”.")]


def test_nobody_imports_for_someone_who_has_left(client_as, admin_user, org, django_capture_on_commit_callbacks):
    RepFactory(username="gone", is_active=False)
    text = _rows({"rep": "gone", "kind": "call", "outcome": "connected", "occurred_at": _days_ago(1)})
    job = _check(client_as(admin_user), django_capture_on_commit_callbacks, text)
    assert _errors(job) == [(2, "rep", "No active user is called “gone”.")]


def test_a_deal_of_another_team_is_refused(signed_in, outsider, org, django_capture_on_commit_callbacks):
    make_deal(owner=outsider, pipeline=org["pipeline"], title="Globex renewal")
    text = _rows({"kind": "demo", "outcome": "held", "occurred_at": _days_ago(1), "deal": "Globex renewal"})
    job = _check(signed_in, django_capture_on_commit_callbacks, text)
    assert _errors(job) == [(2, "deal", "No deal you can see is called “Globex renewal”.")]


def test_a_deal_title_must_be_unique_among_the_deals_one_can_see(
    signed_in, rep, org, django_capture_on_commit_callbacks
):
    make_deal(owner=rep, pipeline=org["pipeline"], title="Acme - 50 seats")
    text = _rows({"kind": "demo", "outcome": "held", "occurred_at": _days_ago(1), "deal": "Acme - 50 seats"})
    job = _check(signed_in, django_capture_on_commit_callbacks, text)
    assert [reason for _row, _column, reason in _errors(job)] == [
        "Several deals you can see are called “Acme - 50 seats”; rename them apart first."
    ]


def test_the_contact_and_deal_must_belong_to_the_company_given(signed_in, rep, org, django_capture_on_commit_callbacks):
    CompanyFactory(name="Globex", owner=rep)
    text = _rows(
        {
            "kind": "demo",
            "outcome": "held",
            "occurred_at": _days_ago(1),
            "company": "Globex",
            "contact": "ada@acme.example",
            "deal": "Acme - 50 seats",
        }
    )
    job = _check(signed_in, django_capture_on_commit_callbacks, text)
    assert _errors(job) == [
        (2, "contact", "That contact works at another company."),
        (2, "deal", "That deal belongs to another company."),
    ]


def test_it_refuses_prospecting_without_a_company_or_contact(signed_in, rep, org, django_capture_on_commit_callbacks):
    # The quick-log form's rule holds on import too: a prospecting row names who it is about.
    text = _rows(
        {"kind": "prospecting", "occurred_at": _days_ago(1)},
        {"kind": "prospecting", "occurred_at": _days_ago(1), "company": "Acme Corporation"},
        {"kind": "prospecting", "occurred_at": _days_ago(1), "contact": "ada@acme.example"},
    )
    job = _check(signed_in, django_capture_on_commit_callbacks, text)
    assert _errors(job) == [(2, "company", "Prospecting is about a company: name it, or its decision maker.")]


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


# --- running twice, failing, query counts ---------------------------------------------------------------


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


def test_a_double_click_on_confirm_imports_once(signed_in, org, django_capture_on_commit_callbacks):
    job = _check(signed_in, django_capture_on_commit_callbacks, _rows({"kind": "travel", "occurred_at": _days_ago(1)}))
    _confirm(signed_in, django_capture_on_commit_callbacks, job)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        signed_in.post(reverse("activities:import_confirm", args=[job.pk]))
    assert callbacks == []  # nothing enqueued the second time
    assert Activity.objects.count() == 1


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


def test_a_broker_that_is_down_fails_the_import_not_the_request(
    signed_in, org, monkeypatch, django_capture_on_commit_callbacks
):
    def refused(import_id):
        raise KombuOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(views_import, "validate_import", SimpleNamespace(delay=refused))
    job = _check(signed_in, django_capture_on_commit_callbacks, _rows({"kind": "travel", "occurred_at": _days_ago(1)}))
    assert job.status == ImportStatus.FAILED


def _validation_selects(rep, rows: int) -> int:
    lines = [
        {
            "kind": "meeting",
            "outcome": "held",
            "occurred_at": _days_ago(1 + n % 20),
            "company": "Acme Corporation",
            "contact": "ada@acme.example",
            "deal": "Acme - 50 seats",
            "lead_source": "Referral",
            "rep": rep.username,
        }
        for n in range(rows)
    ]
    job = importers.import_create(by=rep, file_name="a.csv", content=_rows(*lines))
    importers.import_map(job=job, mapping={name: index for index, name in enumerate(HEADER)})
    with CaptureQueriesContext(connection) as queries:
        assert importers.import_validate(import_id=job.pk) == ImportStatus.READY
    return sum(1 for query in queries if query["sql"].lstrip().upper().startswith("SELECT"))


@pytest.mark.parametrize("who", ["rep", "manager"])
def test_validation_queries_do_not_grow_with_the_rows(request, org, who):
    user = request.getfixturevalue(who)
    small, large = _validation_selects(user, 100), _validation_selects(user, 1_000)
    assert small == large
    assert large <= 10


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
