"""CSV import of companies, contacts and deals: check every row, preview, confirm, write all or nothing."""

import csv
import io
import threading
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pipeline import importers
from pipeline.models import Company, Contact, Deal, DealType, Segment, StageChange, StageKind
from tests.factories import (
    CompanyFactory,
    CompetitorFactory,
    ContactFactory,
    LeadSourceFactory,
    LostReasonFactory,
    TerritoryFactory,
    make_pipeline,
)

LOGIN = "/accounts/login/"


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def _upload(client, kind, text: str | bytes, filename="data.csv"):
    content = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(
        reverse("pipeline:import_upload", args=[kind]), {"file": SimpleUploadedFile(filename, content, "text/csv")}
    )


def _confirm(client, kind, response):
    return client.post(reverse("pipeline:import_upload", args=[kind]), {"token": response.context["token"]})


def _errors(response) -> list[tuple]:
    return [(e.row, e.column, e.message) for e in response.context["result"].errors]


def _counts():
    return (Company.objects.count(), Contact.objects.count(), Deal.objects.count(), StageChange.objects.count())


@pytest.fixture
def org(db):
    """The named things the example rows refer to."""
    pipeline = make_pipeline("New business")
    return {
        "pipeline": pipeline,
        "territory": TerritoryFactory(name="Northeast"),
        "referral": LeadSourceFactory(name="Referral"),
        "price": LostReasonFactory(name="Price"),
        "rival": CompetitorFactory(name="Rival Inc"),
    }


@pytest.fixture
def acme(org, rep):
    company = CompanyFactory(name="Acme Corporation", owner=rep)
    ContactFactory(first_name="Ada", email="ada@acme.example", company=company, owner=rep)
    return company


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


# --- companies ----------------------------------------------------------------------


COMPANIES = _csv(
    [
        ["name", "segment", "territory", "employees", "customer", "website"],
        ["Globex", "Enterprise", "northeast", "1,200", "yes", "globex.example"],
        ["Initech", "smb", "", "", "no", ""],
        ["Umbrella", "", "", "15", "TRUE", "https://umbrella.example"],
    ]
)


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


def _choices(choices) -> str:
    return ", ".join(f"{m.value} ({m.label})" for m in choices)


def test_it_rechecks_on_confirm_and_writes_nothing_if_something_changed(client_as, rep, org):
    client = client_as(rep)
    preview = _upload(client, "companies", COMPANIES)
    org["territory"].is_active = False
    org["territory"].save()
    response = _confirm(client, "companies", preview)
    assert response.status_code == 200
    assert _errors(response) == [(2, "territory", "No active territory is called “northeast”.")]
    assert Company.objects.count() == 0


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


# --- contacts -----------------------------------------------------------------------


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
                "+1 555",
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


# --- deals ---------------------------------------------------------------------------


DEAL_HEADER = [
    "title",
    "company",
    "contact",
    "owner",
    "pipeline",
    "stage",
    "amount",
    "type",
    "expected_close_date",
    "closed_on",
    "lost_reason",
    "competitor",
    "lead_source",
    "created_at",
]


def _deal_row(**cells) -> list[str]:
    base = {
        "title": "Deal",
        "company": "Acme Corporation",
        "pipeline": "New business",
        "stage": "Lead",
        "amount": "100",
    }
    return [(base | cells).get(column, "") for column in DEAL_HEADER]


def test_it_imports_deals_each_with_its_first_stage_change(client_as, rep, acme, org):
    last_week = timezone.localdate() - timedelta(days=7)
    text = _csv(
        [
            DEAL_HEADER,
            _deal_row(title="Open", contact="ADA@acme.example", amount="1,234.50", type="Renewal"),
            _deal_row(
                title="Won",
                stage="won",
                owner="owner",
                closed_on=last_week.isoformat(),
                created_at="2025-01-15",
                expected_close_date="2025-03-31",
            ),
            _deal_row(title="Lost", stage="Lost", lost_reason="price", competitor="Rival Inc", type="expansion"),
        ]
    )
    client = client_as(rep)
    preview = _upload(client, "deals", text)
    assert preview.context["result"].ok, _errors(preview)
    response = _confirm(client, "deals", preview)
    assert response.url == reverse("pipeline:deal_list")

    deals = {deal.title: deal for deal in Deal.objects.all()}
    assert set(deals) == {"Open", "Won", "Lost"}
    assert all(deal.owner == rep for deal in deals.values())
    opened = deals["Open"]
    assert (opened.amount, opened.deal_type, opened.contact.email) == (
        Decimal("1234.50"),
        DealType.RENEWAL,
        "ada@acme.example",
    )
    won = deals["Won"]
    assert (won.stage.kind, won.closed_on, won.expected_close_date) == (StageKind.WON, last_week, date(2025, 3, 31))
    assert timezone.localdate(won.created_at) == date(2025, 1, 15)
    lost = deals["Lost"]
    assert (lost.lost_reason, lost.competitor, lost.deal_type) == (org["price"], org["rival"], DealType.EXPANSION)
    for deal in deals.values():
        (change,) = StageChange.objects.filter(deal=deal)
        assert (change.from_stage, change.to_stage, change.changed_by, change.owner) == (None, deal.stage, rep, rep)
    assert StageChange.objects.get(deal=won).day == date(2025, 1, 15)


def test_it_reports_every_bad_deal_row_and_writes_nothing(client_as, rep, acme, org):
    other = CompanyFactory(name="Other Co", owner=rep)
    ContactFactory(email="bob@other.example", company=other, owner=rep)
    before = _counts()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    text = _csv(
        [
            DEAL_HEADER,
            _deal_row(title="", company="", pipeline="", stage="", amount="", type="renewal"),
            _deal_row(company="Nope", contact="nobody@x.example", pipeline="Renewals", amount="-5", type="upsell"),
            _deal_row(contact="bob@other.example", stage="Archive", amount="1.234", expected_close_date="31/12/2026"),
            _deal_row(stage="Won", lost_reason="Price"),
            _deal_row(stage="Lost", closed_on=tomorrow, created_at=tomorrow),
            _deal_row(stage="Lead", amount="1,5", lead_source="TV", competitor="Nobody"),
        ]
    )
    response = _upload(client_as(rep), "deals", text)
    assert _errors(response) == [
        (2, "title", "This value is required."),
        (2, "company", "This value is required."),
        (2, "pipeline", "This value is required."),
        (2, "stage", "This value is required."),
        (2, "amount", "This value is required."),
        (3, "company", "No company is called “Nope”; import or add it first."),
        (3, "contact", "No contact has the email nobody@x.example."),
        (3, "pipeline", "No active pipeline is called “Renewals”."),
        (3, "amount", "The amount cannot be negative."),
        (3, "type", f"Choose one of: {_choices(DealType)}."),
        (4, "contact", "bob@other.example is not a contact of Acme Corporation."),
        (4, "stage", "“Archive” is not a stage of the pipeline New business."),
        (4, "amount", "Ensure that there are no more than 2 decimal places."),
        (4, "expected_close_date", "Write the date as YYYY-MM-DD, for example 2026-03-31."),
        (5, "closed_on", "Enter the date the deal was won."),
        (5, "lost_reason", "Only lost deals have a lost reason or competitor."),
        (6, "closed_on", "This date is in the future."),
        (6, "lost_reason", "Choose why the deal was lost."),
        (6, "created_at", "This date is in the future."),
        (7, "amount", "Write the amount like 1234.50 or 1,234.50."),
        (7, "competitor", "No active competitor is called “Nobody”."),
        (7, "competitor", "Only lost deals have a lost reason or competitor."),
        (7, "lead_source", "No active lead source is called “TV”."),
    ]
    assert _counts() == before


def test_it_refuses_a_rep_importing_a_deal_for_someone_else(client_as, rep, teammate, acme, org):
    text = _csv([DEAL_HEADER, _deal_row(title="Mine"), _deal_row(title="Theirs", owner="teammate")])
    response = _upload(client_as(rep), "deals", text)
    assert _errors(response) == [
        (3, "owner", "You can import deals only for yourself: leave owner empty or write your own username.")
    ]
    assert Deal.objects.count() == 0


def test_it_lets_a_manager_import_deals_for_their_team_only(client_as, manager, rep, outsider, acme, org):
    client = client_as(manager)
    text = _csv([DEAL_HEADER, _deal_row(title="Rep's", owner="owner"), _deal_row(title="Outsider's", owner="outsider")])
    assert _errors(_upload(client, "deals", text)) == [
        (3, "owner", "“outsider” is neither you nor a member of a team you manage.")
    ]
    text = _csv([DEAL_HEADER, _deal_row(title="Rep's", owner="owner"), _deal_row(title="Own")])
    _confirm(client, "deals", _upload(client, "deals", text))
    assert set(Deal.objects.values_list("title", "owner")) == {("Rep's", rep.pk), ("Own", manager.pk)}


def test_it_lets_an_admin_import_deals_for_anyone(client_as, admin_user, outsider, acme, org):
    client = client_as(admin_user)
    text = _csv([DEAL_HEADER, _deal_row(owner="OUTSIDER"), _deal_row(owner="ghost")])
    assert _errors(_upload(client, "deals", text)) == [(3, "owner", "No user is called “ghost”.")]
    _confirm(client, "deals", _upload(client, "deals", _csv([DEAL_HEADER, _deal_row(owner="outsider")])))
    assert Deal.objects.get().owner == outsider


def test_it_rolls_back_every_row_when_the_service_refuses_one(rep, acme, org):
    """Rows pass the check, then a lead source they name is deleted before the write:
    the import refuses with a clear message and no deal is kept."""
    text = _csv([DEAL_HEADER, _deal_row(title="A"), _deal_row(title="B", lead_source="Referral"), _deal_row(title="C")])
    result = importers.parse_csv("deals", text, rep)
    assert result.ok
    org["referral"].delete()
    with pytest.raises(importers.ImportFailed) as failed:
        importers.import_rows("deals", result.rows, rep)
    # The database's foreign keys catch it before the import commits.
    assert ["was removed while importing" in e.message for e in failed.value.errors] == [True]
    assert (Deal.objects.count(), StageChange.objects.count()) == (0, 0)


# --- size: names looked up once per import, not per row ----------------------------------


@contextmanager
def _count_queries():
    """Counts every statement, however many (Django's own query log keeps only the last 9,000)."""
    counts = {"select": 0, "all": 0}

    def count(execute, sql, params, many, context):
        counts["all"] += 1
        counts["select"] += sql.lstrip().upper().startswith("SELECT")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield counts


def _parse_selects(kind, text, user) -> int:
    with _count_queries() as counts:
        result = importers.parse_csv(kind, text, user)
    assert result.ok, result.errors[:3]
    return counts["select"]


def test_it_checks_a_file_in_the_same_number_of_queries_whatever_its_size(rep, manager, org):
    companies = CompanyFactory.create_batch(3, owner=rep)
    for n, company in enumerate(companies):
        ContactFactory(email=f"c{n}@x.example", company=company, owner=rep)

    def companies_file(rows):
        return _csv([["name", "territory"], *([f"New {n}", "Northeast"] for n in range(rows))])

    def contacts_file(rows):
        return _csv(
            [["first_name", "company", "email", "lead_source"]]
            + [[f"P{n}", companies[n % 3].name, f"p{n}@x.example", "Referral"] for n in range(rows)]
        )

    def deals_file(rows):
        return _csv(
            [DEAL_HEADER]
            + [
                _deal_row(
                    company=companies[n % 3].name, contact=f"c{n % 3}@x.example", owner="owner", lead_source="Referral"
                )
                for n in range(rows)
            ]
        )

    for kind, make_file in (("companies", companies_file), ("contacts", contacts_file), ("deals", deals_file)):
        assert _parse_selects(kind, make_file(200), manager) == _parse_selects(kind, make_file(2_000), manager), kind


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


def test_it_imports_deals_at_a_fixed_cost_per_row(rep, acme, org):
    def cost(rows):
        text = _csv([DEAL_HEADER, *(_deal_row(title=f"D{n}", contact="ada@acme.example") for n in range(rows))])
        with _count_queries() as counts:
            importers.import_rows("deals", importers.parse_csv("deals", text, rep).rows, rep)
        return counts["all"]

    small, large = cost(50), cost(250)
    per_row = (large - small) / 200
    # deal_create: savepoint, the stage lock, full_clean's constraint checks, the deal, its StageChange,
    # the StageChange's dirty mark for the dashboards, release.
    assert per_row == int(per_row) and per_row <= 9
    # Fixed: name lookups once per import, and one foreign-key check before commit.
    assert small - 50 * per_row <= 12
    assert StageChange.objects.count() == Deal.objects.count() == 300
