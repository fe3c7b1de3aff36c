"""One-time submission keys on every create form, and the answer to a database connection that drops.

A create form carries a fresh key; the same key posted again (a retry after an error page, a
reload, a double click) is answered as the first time and writes nothing. A GET that meets a
dropped connection is run once more; a POST gets a 503 page that says it is safe to send again.
"""

import re
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import submissions
from accounts.models import Submission
from activities.models import Activity, ActivityImport, ImportStatus
from pipeline import services as pipeline_services
from pipeline.models import Company, Contact, Deal, Segment
from salestracker.celery import app as celery_app
from tests.factories import CompanyFactory, make_pipeline, stage

HTMX = {"HTTP_HX_REQUEST": "true"}
KEY = "k" * 22
KEY_INPUT = re.compile(r'<input type="hidden" name="submission_key" value="([A-Za-z0-9_-]{22,})">')


def _keys(response) -> list[str]:
    return KEY_INPUT.findall(response.content.decode())


def _log_data(**overrides):
    data = {"kind": "call", "outcome": "connected", "who": "", "occurred_at": "", "duration_minutes": "", "notes": ""}
    return data | overrides


def _company_data(**overrides):
    return {"name": "Globex", "segment": Segment.ENTERPRISE, "employees": "1200"} | overrides


def _contact_data(**overrides):
    return {"first_name": "Grace", "last_name": "Hopper", "email": "grace@globex.example"} | overrides


@pytest.fixture
def pipeline(db):
    return make_pipeline()


def _deal_data(pipeline, company):
    return {
        "title": "Globex expansion",
        "company": company.pk,
        "pipeline": pipeline.pk,
        "stage": stage(pipeline, "Lead").pk,
        "amount": "2500",
        "deal_type": "new_business",
    }


@pytest.fixture
def forms(pipeline, rep):
    """(url, data, model) of each plain create form: the first POST redirects to what it saved."""
    company = CompanyFactory(name="Initech", owner=rep)
    return {
        "activity": (reverse("activities:log"), _log_data(), Activity),
        "deal": (reverse("pipeline:deal_create"), _deal_data(pipeline, company), Deal),
        "company": (reverse("pipeline:company_create"), _company_data(), Company),
        "contact": (reverse("pipeline:contact_create"), _contact_data(), Contact),
    }


FORMS = ["activity", "deal", "company", "contact"]


# --- the key on every create form ------------------------------------------------


@pytest.mark.parametrize(
    "name, headers",
    [
        ("activities:log", {}),
        ("activities:log", HTMX),
        ("pipeline:deal_create", {}),
        ("pipeline:company_create", {}),
        ("pipeline:contact_create", {}),
        ("activities:import_upload", {}),
    ],
)
def test_it_renders_a_key_in_each_create_form(client_as, rep, name, headers):
    response = client_as(rep).get(reverse(name), **headers)
    assert response.status_code == 200
    assert len(_keys(response)) == 1


def test_it_renders_a_new_key_each_time(client_as, rep):
    client, url = client_as(rep), reverse("pipeline:company_create")
    assert _keys(client.get(url)) != _keys(client.get(url))


def test_it_renders_a_key_in_the_activity_import_confirmation(client_as, rep):
    job = ActivityImport.objects.create(
        created_by=rep, file_name="a.csv", content="kind\ncall\n", status=ImportStatus.READY, total_rows=1
    )
    response = client_as(rep).get(reverse("activities:import_detail", args=[job.pk]))
    assert len(_keys(response)) == 1


def test_it_renders_a_key_in_the_pipeline_import_confirmation(client_as, rep):
    response = _pipeline_preview(client_as(rep))
    assert len(_keys(response)) == 1


def test_edit_forms_carry_no_key(client_as, rep):
    company = CompanyFactory(name="Initech", owner=rep)
    assert _keys(client_as(rep).get(reverse("pipeline:company_edit", args=[company.pk]))) == []


# --- a key posted twice ------------------------------------------------------------


@pytest.mark.parametrize("name", FORMS)
def test_same_key_twice_writes_once_and_answers_the_same(client_as, rep, forms, name):
    url, data, model = forms[name]
    before = model.objects.count()
    client = client_as(rep)
    first = client.post(url, data | {"submission_key": KEY})
    again = client.post(url, data | {"submission_key": KEY})
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert model.objects.count() == before + 1
    assert "already" in " ".join(str(m) for m in get_messages(again.wsgi_request))


@pytest.mark.parametrize("name", FORMS)
def test_new_keys_write_again(client_as, rep, forms, name):
    url, data, model = forms[name]
    before = model.objects.count()
    client = client_as(rep)
    client.post(url, data | {"submission_key": KEY})
    client.post(url, data | {"submission_key": "z" * 22})
    assert model.objects.count() == before + 2


def test_a_refused_form_does_not_use_its_key(client_as, rep):
    client = client_as(rep)
    refused = client.post(reverse("pipeline:company_create"), _company_data(name="", submission_key=KEY))
    assert refused.status_code == 200
    saved = client.post(reverse("pipeline:company_create"), _company_data(submission_key=KEY))
    assert saved.status_code == 302
    assert Company.objects.count() == 1
    assert Submission.objects.count() == 1


def test_another_users_key_answers_with_their_own_result(client_as, rep, outsider):
    client = client_as(rep)
    mine = client.post(reverse("pipeline:company_create"), _company_data(submission_key=KEY))
    client.force_login(outsider)
    theirs = client.post(reverse("pipeline:company_create"), _company_data(name="Hooli", submission_key=KEY))
    assert theirs["Location"] != mine["Location"]
    assert sorted(Company.objects.values_list("name", "owner")) == [("Globex", rep.pk), ("Hooli", outsider.pk)]


def test_a_malformed_key_is_ignored(client_as, rep):
    client = client_as(rep)
    for key in ["", "short", "x" * 100_000, "a\x00" * 20]:
        assert client.post(reverse("pipeline:company_create"), _company_data(submission_key=key)).status_code == 302
    assert Company.objects.count() == 4
    assert Submission.objects.count() == 0


def test_a_post_without_a_key_still_saves(client_as, rep):
    assert client_as(rep).post(reverse("pipeline:company_create"), _company_data()).status_code == 302
    assert Company.objects.count() == 1


# --- the quick-log panel -----------------------------------------------------------


def test_the_panel_answers_a_repeat_with_the_same_confirmation_and_row(client_as, rep):
    client = client_as(rep)
    headers = {**HTMX, "HTTP_X_ACTIVITY_LIST": "1"}
    first = client.post(reverse("activities:log"), _log_data(submission_key=KEY), **headers)
    again = client.post(reverse("activities:log"), _log_data(submission_key=KEY), **headers)
    activity = Activity.objects.get()
    assert first.status_code == again.status_code == 200
    for response in (first, again):
        html = response.content.decode()
        assert "Call logged." in html
        assert f'id="activity-{activity.pk}"' in html
        assert response["HX-Trigger"] == first["HX-Trigger"]


def test_the_panel_comes_back_with_a_fresh_key_so_the_next_call_is_saved(client_as, rep):
    client = client_as(rep)
    key = _keys(client.get(reverse("activities:log"), **HTMX))[0]
    for notes in ("first call", "second call"):
        response = client.post(reverse("activities:log"), _log_data(notes=notes, submission_key=key), **HTMX)
        assert "Call logged." in response.content.decode()
        (next_key,) = _keys(response)
        assert next_key != key
        key = next_key
    assert sorted(Activity.objects.values_list("notes", flat=True)) == ["first call", "second call"]


def test_the_panel_keeps_the_key_of_a_refused_form_usable(client_as, rep):
    client = client_as(rep)
    refused = client.post(reverse("activities:log"), _log_data(kind="nonsense", submission_key=KEY), **HTMX)
    assert refused.status_code == 422
    saved = client.post(reverse("activities:log"), _log_data(submission_key=KEY), **HTMX)
    assert "Call logged." in saved.content.decode()
    assert Activity.objects.count() == 1


# --- imports -------------------------------------------------------------------------

COMPANIES = "name,segment\nGlobex,enterprise\nInitech,smb\n"


def _pipeline_preview(client):
    upload = SimpleUploadedFile("companies.csv", COMPANIES.encode(), "text/csv")
    return client.post(reverse("pipeline:import_upload", args=["companies"]), {"file": upload})


def test_a_repeated_pipeline_import_confirmation_imports_once_and_answers_the_same(client_as, rep):
    client = client_as(rep)
    token = _pipeline_preview(client).context["token"]
    data = {"token": token, "submission_key": KEY}
    first = client.post(reverse("pipeline:import_upload", args=["companies"]), data)
    again = client.post(reverse("pipeline:import_upload", args=["companies"]), data)
    assert first["Location"] == again["Location"] == reverse("pipeline:company_list")
    assert Company.objects.count() == 2


def test_a_repeated_activity_upload_keeps_one_import(client_as, rep):
    client = client_as(rep)

    def upload():
        file = SimpleUploadedFile("a.csv", b"kind,occurred_at\ncall,2025-01-02 10:00\n", "text/csv")
        return client.post(reverse("activities:import_upload"), {"file": file, "submission_key": KEY})

    first, again = upload(), upload()
    assert first["Location"] == again["Location"]
    assert ActivityImport.objects.count() == 1


def test_a_repeated_activity_import_confirmation_answers_the_same(client_as, rep, django_capture_on_commit_callbacks):
    job = ActivityImport.objects.create(
        created_by=rep, file_name="a.csv", content="kind\ncall\n", status=ImportStatus.READY, total_rows=1
    )
    client = client_as(rep)
    url = reverse("activities:import_confirm", args=[job.pk])
    with django_capture_on_commit_callbacks() as callbacks:
        first = client.post(url, {"submission_key": KEY})
        again = client.post(url, {"submission_key": KEY})
    assert first["Location"] == again["Location"] == reverse("activities:import_detail", args=[job.pk])
    assert len(callbacks) == 1  # one import run enqueued
    assert "not waiting" not in " ".join(str(m) for m in get_messages(again.wsgi_request))


# --- expiry --------------------------------------------------------------------------


def test_old_keys_expire(rep):
    old = Submission.objects.create(user=rep, key="o" * 22, location="/")
    Submission.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    fresh = Submission.objects.create(user=rep, key="f" * 22, location="/")
    assert submissions.submissions_expire(older_than=timedelta(days=1)) == 1
    assert list(Submission.objects.all()) == [fresh]


def test_beat_expires_keys_with_a_registered_task():
    entry = settings.CELERY_BEAT_SCHEDULE["expire-submission-keys"]
    celery_app.loader.import_default_modules()
    assert entry["task"] in celery_app.tasks


# --- a dropped database connection (simulated here; real on PostgreSQL below) ----------


@pytest.fixture
def dropped_once(monkeypatch):
    """The next call of ``target`` fails as a query on a connection the server closed."""

    def drop(module, name):
        real = getattr(module, name)
        calls = []

        def failing(*args, **kwargs):
            calls.append(1)
            if len(calls) == 1:
                # The connection is still fine (and inside the test's transaction): keep it open.
                monkeypatch.setattr(connections["default"], "is_usable", lambda: False)
                monkeypatch.setattr(connections["default"], "close", lambda: None)
                raise OperationalError("server closed the connection unexpectedly")
            monkeypatch.undo()
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, failing)
        return calls

    return drop


def test_a_get_meets_a_dropped_connection_and_is_run_again(client_as, rep, dropped_once):
    from pipeline import views_contacts

    calls = dropped_once(views_contacts, "_filtered_companies")
    client = client_as(rep)
    client.raise_request_exception = False
    response = client.get(reverse("pipeline:company_list"))
    assert response.status_code == 200
    assert len(calls) == 2


def test_a_post_meets_a_dropped_connection_and_gets_a_503_that_says_send_again(client_as, rep, dropped_once):
    dropped_once(pipeline_services, "company_save")
    client = client_as(rep)
    client.raise_request_exception = False
    response = client.post(reverse("pipeline:company_create"), _company_data(submission_key=KEY))
    assert response.status_code == 503
    html = response.content.decode()
    assert "may or may not have been saved" in html
    # The form comes back ready to send again, with the same key.
    assert f'name="submission_key" value="{KEY}"' in html
    assert Company.objects.count() == 0
    assert client.post(reverse("pipeline:company_create"), _company_data(submission_key=KEY)).status_code == 302
    assert client.post(reverse("pipeline:company_create"), _company_data(submission_key=KEY)).status_code == 302
    assert Company.objects.count() == 1


def test_other_errors_stay_500(client_as, rep, monkeypatch):
    from pipeline import views_contacts

    def broken(request):
        raise OperationalError("canceling statement due to statement timeout")

    monkeypatch.setattr(views_contacts, "_filtered_companies", broken)
    client = client_as(rep)
    client.raise_request_exception = False
    assert client.get(reverse("pipeline:company_list")).status_code == 500


def test_connections_are_health_checked():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


# --- PostgreSQL: real transactions and real dropped connections ------------------------


def _terminate(pid: int) -> None:
    """End a backend from another connection, as a server restart does, and wait until it is gone."""
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    finally:
        other.close()


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_posts_of_one_key_at_once_write_once(client_as, rep, monkeypatch):
    """A double click: two real transactions with the same key; the second waits for the first and answers as it."""
    real = pipeline_services.company_save

    def slow(**kwargs):
        time.sleep(0.3)  # both requests are in flight together
        return real(**kwargs)

    monkeypatch.setattr(pipeline_services, "company_save", slow)
    session_cookie = client_as(rep).cookies[settings.SESSION_COOKIE_NAME].value
    start = threading.Barrier(2)
    answers, errors = [], []

    def post():
        try:
            twin = Client()
            twin.cookies[settings.SESSION_COOKIE_NAME] = session_cookie
            start.wait(10)
            response = twin.post(reverse("pipeline:company_create"), _company_data(submission_key=KEY))
            answers.append((response.status_code, response["Location"]))
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    company = Company.objects.get()
    assert answers == [(302, reverse("pipeline:company_detail", args=[company.pk]))] * 2
    assert Submission.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_get_after_the_server_closed_the_connection_succeeds(client_as, rep):
    client = client_as(rep)
    client.raise_request_exception = False
    # The test client keeps its connection between requests, as CONN_MAX_AGE > 0 does, and does not
    # health-check it at the start of a request: the request's first query meets the dead connection.
    _terminate(_backend_pid())
    response = client.get(reverse("pipeline:company_list"))
    assert response.status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_post_after_the_server_closed_the_connection_is_a_503_and_saved_once(client_as, rep):
    client = client_as(rep)
    client.raise_request_exception = False
    _terminate(_backend_pid())
    response = client.post(reverse("pipeline:company_create"), _company_data(submission_key=KEY))
    assert response.status_code == 503
    assert client.post(reverse("pipeline:company_create"), _company_data(submission_key=KEY)).status_code == 302
    assert client.post(reverse("pipeline:company_create"), _company_data(submission_key=KEY)).status_code == 302
    assert Company.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_create_committed_before_the_connection_dropped_is_not_saved_twice(client_as, rep, monkeypatch):
    """The issue's case: the write committed, then the connection died and the user saw an error page."""
    real = pipeline_services.company_save

    def then_drop(**kwargs):
        company = real(**kwargs)

        def drop():
            _terminate(_backend_pid())
            Company.objects.count()  # the request's next query fails on the dead connection

        transaction.on_commit(drop)
        return company

    monkeypatch.setattr(pipeline_services, "company_save", then_drop)
    client = client_as(rep)
    client.raise_request_exception = False
    assert client.post(reverse("pipeline:company_create"), _company_data(submission_key=KEY)).status_code == 503
    monkeypatch.undo()
    assert Company.objects.count() == 1
    again = client.post(reverse("pipeline:company_create"), _company_data(submission_key=KEY))
    assert again["Location"] == reverse("pipeline:company_detail", args=[Company.objects.get().pk])
    assert Company.objects.count() == 1
