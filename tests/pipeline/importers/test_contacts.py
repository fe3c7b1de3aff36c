"""Importing contacts (pipeline/importers/contacts.py): the fields they carry and every bad row."""

from django.urls import reverse

from pipeline.models import Contact
from tests.factories import CompanyFactory
from tests.pipeline.importers.helpers import _confirm, _counts, _csv, _errors, _upload


def test_it_imports_contacts(client_as, teammate, acme, org):
    text = _csv(
        [
            [
                "first_name",
                "last_name",
                "company",
                "title",
                "phone",
                "email",
                "decision_maker",
                "pain_points",
                "lead_source",
            ],
            [
                "Grace",
                "Hopper",
                "ACME corporation",
                "CTO",
                "(212) 555-0100",
                "grace@acme.example",
                "yes",
                "Reports",
                "referral",
            ],
            ["Alan", "", "", "", "", "", "", "", ""],
        ]
    )
    client = client_as(teammate)
    response = _confirm(client, "contacts", _upload(client, "contacts", text))
    assert response.url == reverse("pipeline:contact_list")
    grace = Contact.objects.get(email="grace@acme.example")
    assert (grace.company, grace.is_decision_maker, grace.lead_source, grace.owner, grace.pain_points) == (
        acme,
        True,
        org["referral"],
        teammate,
        "Reports",
    )
    assert grace.phone == "+12125550100"  # stored as E.164, national numbers read as the default region's
    alan = Contact.objects.get(first_name="Alan")
    assert (alan.company, alan.is_decision_maker, alan.owner) == (None, False, teammate)


def test_it_reports_every_bad_contact_row_and_writes_nothing(client_as, rep, acme, org):
    CompanyFactory(name="Twin", owner=rep)
    CompanyFactory(name="twin", owner=rep)
    before = _counts()
    text = _csv(
        [
            ["first_name", "company", "email", "decision_maker", "lead_source", "phone"],
            ["", "Nowhere Ltd", "not-an-email", "perhaps", "Billboard", "1" * 60],
            ["Ok", "Twin", "ADA@acme.example", "", "", ""],
            ["Ok", "", "new@x.example", "", "", ""],
            ["Ok", "", "NEW@x.example", "", "", ""],
        ]
    )
    response = _upload(client_as(rep), "contacts", text)
    assert _errors(response) == [
        (2, "first_name", "This value is required."),
        (2, "company", "No company is called “Nowhere Ltd”; import or add it first."),
        (2, "email", "Enter a valid email address."),
        (2, "decision_maker", "Write yes or no (or true/false, 1/0)."),
        (2, "lead_source", "No active lead source is called “Billboard”."),
        (2, "phone", "Ensure this value has at most 50 characters (it has 60)."),
        (3, "company", "Several companies are called “Twin”; rename them apart first."),
        (3, "email", "A contact with this email is already in the address book."),
        (5, "email", "This email is also on row 4."),
    ]
    assert _counts() == before


def test_it_reports_a_phone_number_it_cannot_read_and_writes_nothing(client_as, rep):
    before = _counts()
    text = _csv(
        [
            ["first_name", "phone"],
            ["Ada", "+44 20 7946 0958"],
            ["Grace", "ask reception"],
            ["Alan", "+1 415 555 0100 x12"],
        ]
    )
    response = _upload(client_as(rep), "contacts", text)
    assert _errors(response) == [
        (3, "phone", "Enter a valid phone number, e.g. +31 20 123 4567."),
        (4, "phone", "Enter the number without its extension."),
    ]
    assert _counts() == before
