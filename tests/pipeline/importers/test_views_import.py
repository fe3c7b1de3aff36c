"""The import screens (pipeline/views_import.py): who may open them, the templates, the one-time
confirmation, and the files the upload reads or refuses, whatever the kind."""

import csv
import io
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from pipeline import importers
from pipeline.models import Company
from tests.factories import CompanyFactory
from tests.pipeline.importers.helpers import COMPANIES, _confirm, _csv, _errors, _upload

LOGIN = "/accounts/login/"


# --- access and templates ------------------------------------------------------


@pytest.mark.parametrize("kind", ["companies", "contacts", "deals"])
def test_it_sends_anonymous_visitors_to_sign_in(client, kind):
    for url in (
        reverse("pipeline:import_upload", args=[kind]),
        reverse("pipeline:import_template", args=[kind]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(LOGIN)


@pytest.mark.parametrize("who", ["rep", "manager", "admin_user"])
@pytest.mark.parametrize("kind", ["companies", "contacts", "deals"])
def test_it_lets_every_role_open_every_import(request, client_as, who, kind):
    response = client_as(request.getfixturevalue(who)).get(reverse("pipeline:import_upload", args=[kind]))
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_it_answers_404_for_an_unknown_kind(client_as, rep):
    client = client_as(rep)
    assert client.get(reverse("pipeline:import_upload", args=["activities"])).status_code == 404
    assert client.get(reverse("pipeline:import_template", args=["users"])).status_code == 404
    assert _upload(client, "users", "name\nx\n").status_code == 404


@pytest.mark.parametrize("kind", ["companies", "contacts", "deals"])
def test_it_offers_a_template_whose_example_row_imports(request, client_as, rep, org, kind):
    """The template's header and example are exactly what the import accepts."""
    if kind == "contacts":
        CompanyFactory(name="Acme Corporation", owner=rep)
    if kind == "deals":
        request.getfixturevalue("acme")  # the company and the contact the example names
    response = client_as(rep).get(reverse("pipeline:import_template", args=[kind]))
    assert response["Content-Disposition"] == f'attachment; filename="{kind}-template.csv"'
    text = b"".join(response.streaming_content).decode("utf-8")
    header, _example = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header == importers.KINDS[kind].column_names
    result = importers.parse_csv(kind, text, rep)
    assert result.errors == []
    assert result.total == 1


# --- the one-time confirmation --------------------------------------------------------------------


def test_it_imports_only_once_per_upload(client_as, rep, org):
    client = client_as(rep)
    preview = _upload(client, "companies", COMPANIES)
    _confirm(client, "companies", preview)
    response = _confirm(client, "companies", preview)
    assert response.status_code == 302
    assert Company.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_imports_once_when_the_confirmation_is_sent_twice_at_once(client_as, rep, org):
    """A double-click: two confirmations of one upload, in two real PostgreSQL transactions."""
    client = client_as(rep)
    text = _csv([["name"], *([f"Company {n}"] for n in range(300))])
    token = _upload(client, "companies", text).context["token"]
    session_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    start = threading.Barrier(2)
    statuses, errors = [], []

    def confirm():
        try:
            double = Client()
            double.cookies[settings.SESSION_COOKIE_NAME] = session_cookie
            start.wait(10)
            response = double.post(reverse("pipeline:import_upload", args=["companies"]), {"token": token})
            statuses.append((response.status_code, response.get("Location")))
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    # One imports; the other finds nothing waiting and goes back to the upload page.
    assert sorted(statuses) == [
        (302, reverse("pipeline:company_list")),
        (302, reverse("pipeline:import_upload", args=["companies"])),
    ]
    assert Company.objects.count() == 300


def test_it_refuses_a_stale_confirmation(client_as, rep, org):
    client = client_as(rep)
    first = _upload(client, "companies", COMPANIES)
    _upload(client, "companies", _csv([["name"], ["Other"]]))
    response = _confirm(client, "companies", first)
    assert response.status_code == 302
    assert Company.objects.count() == 0
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "That file is no longer waiting to be imported. Please upload it again." in messages


# --- the file itself ---------------------------------------------------------------------


def test_it_reports_unknown_columns_on_row_one(client_as, rep):
    response = _upload(client_as(rep), "companies", "name,colour,size\nAcme,red,big\n")
    assert [(row, column) for row, column, _message in _errors(response)] == [(1, "colour"), (1, "size")]
    assert "Unknown column" in _errors(response)[0][2]
    assert Company.objects.count() == 0


def test_it_reports_missing_and_repeated_columns(client_as, rep):
    response = _upload(client_as(rep), "contacts", "last_name,email,email\nLovelace,a@b.example,a@b.example\n")
    assert _errors(response) == [
        (1, "email", "This column appears more than once."),
        (1, "first_name", "This column is required."),
    ]


def test_it_accepts_headers_as_people_write_them(client_as, rep):
    response = _upload(client_as(rep), "contacts", "First Name,Last Name,Decision maker\nAda,Lovelace,Yes\n")
    assert response.context["result"].ok


@pytest.mark.parametrize(
    "content, message",
    [
        (b"   \r\n", "The file is empty."),
        (b"name,segment\r\n", "The file has a header row but no data rows."),
        (b"name,segment\r\n,\r\n\r\n", "The file has a header row but no data rows."),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "This is not a CSV file: it contains binary data."),
    ],
)
def test_it_explains_a_file_with_nothing_to_import(client_as, rep, content, message):
    response = _upload(client_as(rep), "companies", content)
    assert _errors(response) == [(None, "", message)]
    assert message in response.content.decode()
    assert Company.objects.count() == 0


@pytest.mark.parametrize(
    "encoding, content",
    [
        ("utf-8 with BOM", "\ufeffname,website\nCafé Müller,\n".encode("utf-8")),
        ("utf-8", "name,website\nCafé Müller,\n".encode()),
        ("latin-1", "name,website\nCafé Müller,\n".encode("latin-1")),
        ("windows-1252", "name;website\r\nCafé Müller;\r\n".encode("cp1252")),
        ("utf-16 (Excel unicode text)", "name\twebsite\r\nCafé Müller\t\r\n".encode("utf-16")),
    ],
)
def test_it_reads_the_encodings_spreadsheets_save(client_as, rep, encoding, content):
    client = client_as(rep)
    _confirm(client, "companies", _upload(client, "companies", content))
    assert list(Company.objects.values_list("name", flat=True)) == ["Café Müller"]


def test_it_refuses_an_empty_upload(client_as, rep):
    response = _upload(client_as(rep), "companies", b"")
    assert response.context["form"].errors["file"] == ["The submitted file is empty."]
    assert importers.parse_csv("companies", "", rep).errors == [importers.RowError(None, "", "The file is empty.")]


def test_it_refuses_a_file_over_the_size_limit(client_as, rep, monkeypatch):
    monkeypatch.setattr(importers, "MAX_FILE_BYTES", 100)
    response = _upload(client_as(rep), "companies", "name\n" + "Acme\n" * 50)
    assert response.status_code == 200
    assert "files of up to 100" in response.context["form"].errors["file"][0]
    assert response.context["result"] is None
