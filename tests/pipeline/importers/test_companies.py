"""Importing companies (pipeline/importers/companies.py): preview, confirm, every bad row, the check
again on confirm, and the cost of a large file."""

from django.urls import reverse

from pipeline.models import Company, Segment
from tests.factories import CompanyFactory
from tests.pipeline.importers.helpers import (
    COMPANIES,
    _choices,
    _confirm,
    _count_queries,
    _counts,
    _csv,
    _errors,
    _upload,
)

# --- companies ----------------------------------------------------------------------


def test_it_previews_companies_and_writes_nothing_before_confirming(client_as, rep, org):
    response = _upload(client_as(rep), "companies", COMPANIES, filename="prospects.csv")
    assert response.status_code == 200
    html = response.content.decode()
    assert "prospects.csv: 3 rows are ready to import" in html
    assert "Import 3 rows" in html
    assert response.context["result"].preview()[0] == (
        2,
        ["Globex", "Enterprise", "Northeast", "1200", "yes", "https://globex.example"],
    )
    assert Company.objects.count() == 0


def test_it_imports_companies_on_confirm(client_as, rep, org):
    client = client_as(rep)
    response = _confirm(client, "companies", _upload(client, "companies", COMPANIES))
    assert response.status_code == 302
    assert response.url == reverse("pipeline:company_list")
    assert [str(m) for m in response.wsgi_request._messages] == ["Imported 3 companies."]
    globex = Company.objects.get(name="Globex")
    assert (globex.segment, globex.territory, globex.employees, globex.is_customer, globex.website) == (
        Segment.ENTERPRISE,
        org["territory"],
        1200,
        True,
        "https://globex.example",
    )
    assert set(Company.objects.values_list("name", "owner", "is_customer")) == {
        ("Globex", rep.pk, True),
        ("Initech", rep.pk, False),
        ("Umbrella", rep.pk, True),
    }


def test_it_reports_every_bad_company_row_and_writes_nothing(client_as, rep, org):
    CompanyFactory(name="Existing Ltd", owner=rep)
    before = _counts()
    text = _csv(
        [
            ["name", "segment", "territory", "employees", "customer", "website"],
            ["Good One", "smb", "", "", "", ""],
            ["", "galactic", "Atlantis", "lots", "maybe", "not a url"],
            ["existing ltd", "", "", "-4", "", ""],
            ["Good One", "", "", "", "", ""],
        ]
    )
    response = _upload(client_as(rep), "companies", text)
    assert _errors(response) == [
        (3, "name", "This value is required."),
        (3, "segment", f"Choose one of: {_choices(Segment)}."),
        (3, "territory", "No active territory is called “Atlantis”."),
        (3, "employees", "Write a whole number, for example 250."),
        (3, "customer", "Write yes or no (or true/false, 1/0)."),
        (3, "website", "Enter a valid URL."),
        (4, "name", "A company called “existing ltd” is already in the address book."),
        (4, "employees", "Write a whole number, for example 250."),
        (5, "name", "“Good One” is also on row 2."),
    ]
    html = response.content.decode()
    assert "Nothing was imported" in html and "Import " not in html.split("Nothing was imported")[1][:200]
    assert _counts() == before


def test_it_rechecks_on_confirm_and_writes_nothing_if_something_changed(client_as, rep, org):
    client = client_as(rep)
    preview = _upload(client, "companies", COMPANIES)
    org["territory"].is_active = False
    org["territory"].save()
    response = _confirm(client, "companies", preview)
    assert response.status_code == 200
    assert _errors(response) == [(2, "territory", "No active territory is called “northeast”.")]
    assert Company.objects.count() == 0


# --- size: a fixed cost per row -------------------------------------------------------------------


def test_it_imports_two_thousand_companies_in_a_bounded_number_of_queries(client_as, rep, org):
    """Checking costs a fixed number of queries; writing costs a fixed number per row, all of them
    inside company_save (its full_clean checks each foreign key, then one INSERT, in a savepoint)."""
    client = client_as(rep)

    def import_file(rows: int, prefix: str) -> dict:
        text = _csv([["name", "territory", "customer"], *([f"{prefix} {n}", "Northeast", "yes"] for n in range(rows))])
        with _count_queries() as counts:
            response = _confirm(client, "companies", _upload(client, "companies", text))
        assert response.status_code == 302
        return counts

    small, large = import_file(200, "Small"), import_file(2_000, "Large")
    assert Company.objects.count() == 2_200
    per_row = (large["all"] - small["all"]) / 1_800
    assert per_row == int(per_row) and per_row <= 5  # savepoint, 2 foreign-key checks, INSERT, release
    assert small["all"] - 200 * per_row <= 30  # everything else: session, user, look-ups
    assert (large["select"] - small["select"]) / 1_800 <= 2  # only company_save's foreign-key checks
