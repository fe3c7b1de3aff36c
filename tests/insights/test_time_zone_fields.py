"""A company's and a contact's time zone: optional, an IANA name zoneinfo knows, set by the forms and
the CSV imports; anything else is refused beside the field and nothing is written."""

import pytest
from django.urls import reverse

from pipeline.models import Company, Contact
from tests.factories import CompanyFactory, ContactFactory
from tests.pipeline.importers.helpers import _confirm, _csv, _errors, _upload

pytestmark = pytest.mark.django_db


def test_it_saves_a_companys_time_zone_from_the_form(client_as, rep):
    company = CompanyFactory(owner=rep, name="Acme")
    response = client_as(rep).post(
        reverse("pipeline:company_edit", args=[company.pk]), {"name": "Acme", "time_zone": "America/Chicago"}
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.time_zone == "America/Chicago"


def test_it_refuses_a_time_zone_that_does_not_exist(client_as, rep):
    contact = ContactFactory(owner=rep, first_name="Ada", company=CompanyFactory(owner=rep))
    response = client_as(rep).post(
        reverse("pipeline:contact_edit", args=[contact.pk]), {"first_name": "Ada", "time_zone": "Mars/Olympus_Mons"}
    )
    assert response.status_code == 200
    assert "time_zone" in response.context["form"].errors
    contact.refresh_from_db()
    assert contact.time_zone == ""


def test_an_empty_time_zone_is_the_fallback(client_as, rep):
    contact = ContactFactory(owner=rep, first_name="Ada", time_zone="Europe/Berlin")
    response = client_as(rep).post(
        reverse("pipeline:contact_edit", args=[contact.pk]), {"first_name": "Ada", "time_zone": ""}
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.time_zone == ""


def test_the_imports_read_a_time_zone_column(client_as, rep):
    client = client_as(rep)
    companies = _csv([["name", "time_zone"], ["Acme", "America/New_York"], ["Globex", ""]])
    assert _confirm(client, "companies", _upload(client, "companies", companies)).status_code == 302
    contacts = _csv([["first_name", "company", "time_zone"], ["Ada", "Acme", "Europe/Berlin"]])
    assert _confirm(client, "contacts", _upload(client, "contacts", contacts)).status_code == 302
    assert dict(Company.objects.values_list("name", "time_zone")) == {"Acme": "America/New_York", "Globex": ""}
    assert Contact.objects.get().time_zone == "Europe/Berlin"


def test_an_import_with_an_unknown_time_zone_writes_nothing(client_as, rep):
    response = _upload(client_as(rep), "companies", _csv([["name", "time_zone"], ["Acme", "EST5EDT-ish"]]))
    assert [(row, column) for row, column, _message in _errors(response)] == [(2, "time_zone")]
    assert "is not a time zone name" in _errors(response)[0][2]
    assert not Company.objects.exists()
