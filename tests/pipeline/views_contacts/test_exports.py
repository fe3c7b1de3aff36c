"""The address book's CSV exports."""

import csv
import io

from django.urls import reverse

from pipeline.models import Segment
from tests.factories import CompanyFactory, ContactFactory


def _read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def test_it_exports_the_filtered_companies(client_as, outsider, rep):
    CompanyFactory(name="Acme", owner=rep, segment=Segment.SMB, employees=12, website="https://acme.example")
    CompanyFactory(name="Beta", owner=rep)
    response = client_as(outsider).get(reverse("pipeline:company_export"), {"q": "acm"})
    assert response["Content-Disposition"] == 'attachment; filename="companies.csv"'
    rows = _read_csv(response)
    assert rows[0][:7] == ["name", "segment", "territory", "employees", "customer", "website", "owner"]
    assert [row[:7] for row in rows[1:]] == [
        ["Acme", "Small business", "", "12", "no", "https://acme.example", str(rep)]
    ]


def test_it_neutralises_formulas_in_the_company_export(client_as, rep):
    CompanyFactory(name='=HYPERLINK("http://evil.example","Click")', owner=rep)
    rows = _read_csv(client_as(rep).get(reverse("pipeline:company_export")))
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example","Click")'


def test_it_exports_the_filtered_contacts(client_as, rep, people):
    response = client_as(rep).get(reverse("pipeline:contact_export"), {"decision_maker": "yes"})
    rows = _read_csv(response)
    assert rows[0][:3] == ["first name", "last name", "company"]
    assert [row[:7] for row in rows[1:]] == [["Alan", "Turing", "Globex", "", "", "alan@globex.example", "yes"]]


def test_it_neutralises_formulas_in_the_contact_export(client_as, rep):
    ContactFactory(first_name="@SUM(A1)", last_name="-1+1", owner=rep)
    rows = _read_csv(client_as(rep).get(reverse("pipeline:contact_export")))
    assert rows[1][:2] == ["'@SUM(A1)", "'-1+1"]
