"""The shared address book: companies and contacts, their permissions, search, exports and type-ahead."""

import csv
import io

import pytest
from django.urls import reverse

from pipeline.models import Company, Contact, Segment
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    LeadSourceFactory,
    TerritoryFactory,
    make_deal,
    make_pipeline,
)

LOGIN = "/accounts/login/"
# A list page answers in a fixed number of queries, whatever the number of rows.
LIST_QUERY_LIMIT = 6
DETAIL_QUERY_LIMIT = 12

EVERYONE = ["rep", "teammate", "manager", "other_manager", "outsider", "admin_user"]
# Who may edit or delete a row the rep owns: the owner, the owner's manager, admins.
EDIT_RIGHTS = [
    ("rep", 200),
    ("teammate", 403),
    ("manager", 200),
    ("other_manager", 403),
    ("outsider", 403),
    ("admin_user", 200),
]


@pytest.fixture
def company(rep):
    return CompanyFactory(name="Acme Corporation", owner=rep)


@pytest.fixture
def contact(rep, company):
    return ContactFactory(first_name="Ada", last_name="Lovelace", email="ada@acme.example", company=company, owner=rep)


def _read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def _company_data(**overrides):
    data = {"name": "Globex", "segment": Segment.ENTERPRISE, "employees": "1200", "website": "https://globex.example"}
    return data | overrides


def _contact_data(**overrides):
    data = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@globex.example", "title": "CTO"}
    return data | overrides


# --- permissions ----------------------------------------------------------


def _urls(company, contact):
    return {
        "company_list": reverse("pipeline:company_list"),
        "company_create": reverse("pipeline:company_create"),
        "company_detail": reverse("pipeline:company_detail", args=[company.pk]),
        "company_export": reverse("pipeline:company_export"),
        "company_search": reverse("pipeline:company_search") + "?q=ac",
        "contact_list": reverse("pipeline:contact_list"),
        "contact_create": reverse("pipeline:contact_create"),
        "contact_detail": reverse("pipeline:contact_detail", args=[contact.pk]),
        "contact_export": reverse("pipeline:contact_export"),
        "contact_search": reverse("pipeline:contact_search") + "?q=ad",
    }


EDIT_URLS = ["company_edit", "company_delete", "contact_edit", "contact_delete"]


def _edit_url(name, company, contact):
    obj = company if name.startswith("company") else contact
    return reverse(f"pipeline:{name}", args=[obj.pk])


def test_it_sends_anonymous_visitors_to_sign_in(client, company, contact):
    for url in [*_urls(company, contact).values(), *(_edit_url(n, company, contact) for n in EDIT_URLS)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(LOGIN)


@pytest.mark.parametrize("who", EVERYONE)
def test_it_lets_everyone_signed_in_view_and_add(request, client_as, company, contact, who):
    client = client_as(request.getfixturevalue(who))
    for name, url in _urls(company, contact).items():
        assert client.get(url).status_code == 200, name


@pytest.mark.parametrize("url_name", EDIT_URLS)
@pytest.mark.parametrize("who, status", EDIT_RIGHTS)
def test_it_lets_only_owner_managers_and_admins_edit_or_delete(
    request, client_as, company, contact, url_name, who, status
):
    response = client_as(request.getfixturevalue(who)).get(_edit_url(url_name, company, contact))
    assert response.status_code == status


@pytest.mark.parametrize("who", ["teammate", "other_manager", "outsider"])
def test_it_changes_nothing_when_a_viewer_posts_an_edit(request, client_as, company, contact, who):
    client = client_as(request.getfixturevalue(who))
    before = (list(Company.objects.values()), list(Contact.objects.values()))
    responses = [
        client.post(reverse("pipeline:company_edit", args=[company.pk]), _company_data(name="Hacked")),
        client.post(reverse("pipeline:company_delete", args=[company.pk])),
        client.post(reverse("pipeline:contact_edit", args=[contact.pk]), _contact_data(first_name="Hacked")),
        client.post(reverse("pipeline:contact_delete", args=[contact.pk])),
    ]
    assert [r.status_code for r in responses] == [403] * 4
    assert (list(Company.objects.values()), list(Contact.objects.values())) == before


@pytest.mark.parametrize(
    "url_name", ["company_detail", "company_edit", "company_delete", "contact_detail", "contact_edit", "contact_delete"]
)
def test_it_answers_404_for_a_missing_row(client_as, admin_user, url_name):
    assert client_as(admin_user).get(reverse(f"pipeline:{url_name}", args=[999999])).status_code == 404


def test_it_shows_edit_buttons_only_to_those_who_may_edit(client_as, company, rep, teammate):
    url = reverse("pipeline:company_detail", args=[company.pk])
    edit_url = reverse("pipeline:company_edit", args=[company.pk])
    assert edit_url in client_as(rep).get(url).content.decode()
    assert edit_url not in client_as(teammate).get(url).content.decode()


# --- company pages ----------------------------------------------------------


def test_it_adds_a_company_owned_by_whoever_adds_it(client_as, teammate):
    territory = TerritoryFactory(name="Northeast")
    response = client_as(teammate).post(reverse("pipeline:company_create"), _company_data(territory=territory.pk))
    company = Company.objects.get(name="Globex")
    assert response.status_code == 302
    assert response.url == reverse("pipeline:company_detail", args=[company.pk])
    assert (company.owner, company.territory, company.employees) == (teammate, territory, 1200)


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"name": ""}, "name"),
        ({"employees": "-5"}, "employees"),
        ({"employees": "many"}, "employees"),
        ({"website": "not a url"}, "website"),
        ({"segment": "galactic"}, "segment"),
        ({"territory": "999999"}, "territory"),
    ],
)
def test_it_refuses_a_bad_company_and_changes_nothing(client_as, rep, company, bad, field):
    before = list(Company.objects.values())
    response = client_as(rep).post(reverse("pipeline:company_create"), _company_data(**bad))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    response = client_as(rep).post(reverse("pipeline:company_edit", args=[company.pk]), _company_data(**bad))
    assert field in response.context["form"].errors
    assert list(Company.objects.values()) == before


def test_it_lets_a_manager_edit_a_reps_company_and_keeps_the_owner(client_as, manager, rep, company):
    response = client_as(manager).post(
        reverse("pipeline:company_edit", args=[company.pk]), _company_data(name="Acme Holdings", is_customer="on")
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.name, company.is_customer, company.owner) == ("Acme Holdings", True, rep)


def test_it_offers_inactive_territories_only_when_already_chosen(client_as, rep):
    closed = TerritoryFactory(name="Closed region", is_active=False)
    kept = CompanyFactory(owner=rep, territory=closed)
    response = client_as(rep).get(reverse("pipeline:company_create"))
    assert closed not in response.context["form"].fields["territory"].queryset
    response = client_as(rep).get(reverse("pipeline:company_edit", args=[kept.pk]))
    assert closed in response.context["form"].fields["territory"].queryset


def test_it_deletes_an_unreferenced_company_after_confirming(client_as, rep):
    company = CompanyFactory(owner=rep)
    url = reverse("pipeline:company_delete", args=[company.pk])
    assert "This cannot be undone." in client_as(rep).get(url).content.decode()
    response = client_as(rep).post(url)
    assert response.status_code == 302
    assert not Company.objects.filter(pk=company.pk).exists()


def test_it_refuses_to_delete_a_company_that_deals_reference(client_as, rep, company):
    make_deal(owner=rep, company=company)
    response = client_as(rep).post(reverse("pipeline:company_delete", args=[company.pk]))
    assert response.status_code == 409
    assert "cannot be deleted: it is used by 1 deal." in response.content.decode()
    assert Company.objects.filter(pk=company.pk).exists()


def test_it_refuses_to_delete_a_company_that_has_contacts(client_as, rep, company, contact):
    response = client_as(rep).post(reverse("pipeline:company_delete", args=[company.pk]))
    assert response.status_code == 409
    assert "it is used by 1 contact." in response.content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists() and Company.objects.filter(pk=company.pk).exists()


@pytest.mark.parametrize(
    "who, sees",
    [
        ("rep", True),
        ("teammate", False),
        ("manager", True),
        ("other_manager", False),
        ("outsider", False),
        ("admin_user", True),
    ],
)
def test_it_lists_on_a_company_page_only_the_deals_the_user_may_see(request, client_as, rep, company, who, sees):
    make_deal(owner=rep, company=company, title="Secret expansion")
    response = client_as(request.getfixturevalue(who)).get(reverse("pipeline:company_detail", args=[company.pk]))
    assert response.status_code == 200
    assert ("Secret expansion" in response.content.decode()) is sees


def test_it_lists_the_companys_contacts(client_as, outsider, company, contact):
    response = client_as(outsider).get(reverse("pipeline:company_detail", args=[company.pk]))
    assert "Ada Lovelace" in response.content.decode()


def test_it_shows_a_company_page_in_a_fixed_number_of_queries(
    client_as, manager, rep, company, django_assert_max_num_queries
):
    pipeline = make_pipeline()
    for n in range(10):
        ContactFactory(company=company, owner=rep)
        make_deal(owner=rep, company=company, pipeline=pipeline, title=f"Deal {n}")
    client = client_as(manager)
    with django_assert_max_num_queries(DETAIL_QUERY_LIMIT):
        assert client.get(reverse("pipeline:company_detail", args=[company.pk])).status_code == 200


# --- company list: search, filters, pagination ------------------------------


def _names(response) -> list[str]:
    return [company.name for company in response.context["page"]]


def test_it_searches_companies_by_partial_name_ignoring_case(client_as, outsider, rep):
    for name in ("Acme Corporation", "ACME Labs", "Beta Industries"):
        CompanyFactory(name=name, owner=rep)
    response = client_as(outsider).get(reverse("pipeline:company_list"), {"q": "acme"})
    assert set(_names(response)) == {"ACME Labs", "Acme Corporation"}


def test_it_filters_companies_by_segment_territory_and_status(client_as, rep):
    north = TerritoryFactory(name="North")
    CompanyFactory(name="A", owner=rep, segment=Segment.SMB, territory=north, is_customer=True)
    CompanyFactory(name="B", owner=rep, segment=Segment.SMB, territory=north, is_customer=False)
    CompanyFactory(name="C", owner=rep, segment=Segment.ENTERPRISE, territory=north, is_customer=True)
    CompanyFactory(name="D", owner=rep, segment=Segment.SMB, is_customer=True)
    url = reverse("pipeline:company_list")
    client = client_as(rep)
    assert _names(client.get(url, {"segment": "smb"})) == ["A", "B", "D"]
    assert _names(client.get(url, {"territory": north.pk})) == ["A", "B", "C"]
    assert _names(client.get(url, {"status": "customer"})) == ["A", "C", "D"]
    assert _names(client.get(url, {"status": "prospect"})) == ["B"]
    assert _names(client.get(url, {"segment": "smb", "territory": north.pk, "status": "customer"})) == ["A"]


def test_it_ignores_a_filter_that_is_not_valid(client_as, rep):
    CompanyFactory(name="A", owner=rep, segment=Segment.SMB)
    CompanyFactory(name="B", owner=rep, segment=Segment.PUBLIC)
    response = client_as(rep).get(reverse("pipeline:company_list"), {"territory": "nope", "segment": "smb"})
    assert response.status_code == 200
    assert _names(response) == ["A"]


def test_it_shows_fifty_companies_a_page(client_as, rep):
    CompanyFactory.create_batch(51, owner=rep)
    url = reverse("pipeline:company_list")
    assert len(client_as(rep).get(url).context["page"]) == 50
    assert len(client_as(rep).get(url, {"page": 2}).context["page"]) == 1


def test_it_shows_each_companys_details_in_the_list(client_as, rep):
    CompanyFactory(
        name="Initech",
        owner=rep,
        segment=Segment.MID_MARKET,
        territory=TerritoryFactory(name="Texas"),
        employees=1500,
        is_customer=True,
    )
    html = client_as(rep).get(reverse("pipeline:company_list")).content.decode()
    for text in ("Initech", "Mid-market", "Texas", "1,500", "Customer", str(rep)):
        assert text in html


def test_it_answers_an_htmx_search_with_only_the_results(client_as, rep, company):
    response = client_as(rep).get(reverse("pipeline:company_list"), {"q": "acme"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert "Acme Corporation" in html and "<nav" not in html


@pytest.mark.parametrize("rows", [5, 50])
def test_it_lists_companies_in_a_fixed_number_of_queries(client_as, rep, rows, django_assert_max_num_queries):
    territory = TerritoryFactory()
    CompanyFactory.create_batch(rows, territory=territory)
    client = client_as(rep)
    with django_assert_max_num_queries(LIST_QUERY_LIMIT):
        assert client.get(reverse("pipeline:company_list")).status_code == 200


# --- contact pages -----------------------------------------------------------


def test_it_adds_a_contact_owned_by_whoever_adds_it(client_as, outsider, company):
    source = LeadSourceFactory(name="Referral")
    data = _contact_data(company=company.pk, lead_source=source.pk, is_decision_maker="on", pain_points="Slow reports")
    response = client_as(outsider).post(reverse("pipeline:contact_create"), data)
    contact = Contact.objects.get(email="grace@globex.example")
    assert response.url == reverse("pipeline:contact_detail", args=[contact.pk])
    assert (contact.owner, contact.company, contact.lead_source, contact.is_decision_maker) == (
        outsider,
        company,
        source,
        True,
    )


def test_it_starts_a_new_contact_with_the_company_it_was_added_from(client_as, rep, company):
    response = client_as(rep).get(reverse("pipeline:contact_create"), {"company": company.pk})
    assert response.context["form"]["company"].value() == str(company.pk)


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"first_name": ""}, "first_name"),
        ({"email": "not-an-email"}, "email"),
        ({"company": "999999"}, "company"),
        ({"lead_source": "999999"}, "lead_source"),
        ({"phone": "1" * 60}, "phone"),
    ],
)
def test_it_refuses_a_bad_contact_and_changes_nothing(client_as, rep, contact, bad, field):
    before = list(Contact.objects.values())
    response = client_as(rep).post(reverse("pipeline:contact_create"), _contact_data(**bad))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    response = client_as(rep).post(reverse("pipeline:contact_edit", args=[contact.pk]), _contact_data(**bad))
    assert field in response.context["form"].errors
    assert list(Contact.objects.values()) == before


def test_it_lets_an_admin_edit_any_contact(client_as, admin_user, rep, contact, company):
    response = client_as(admin_user).post(
        reverse("pipeline:contact_edit", args=[contact.pk]), _contact_data(company=company.pk, title="CEO")
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.title, contact.owner) == ("CEO", rep)


def test_it_deletes_an_unreferenced_contact(client_as, manager, contact):
    response = client_as(manager).post(reverse("pipeline:contact_delete", args=[contact.pk]))
    assert response.status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_it_refuses_to_delete_a_contact_that_deals_reference(client_as, rep, company, contact):
    make_deal(owner=rep, company=company, contact=contact)
    response = client_as(rep).post(reverse("pipeline:contact_delete", args=[contact.pk]))
    assert response.status_code == 409
    assert "it is used by 1 deal." in response.content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_it_lists_on_a_contact_page_only_the_deals_the_user_may_see(client_as, rep, outsider, company, contact):
    make_deal(owner=rep, company=company, contact=contact, title="Ada's deal")
    url = reverse("pipeline:contact_detail", args=[contact.pk])
    assert "Ada&#x27;s deal" in client_as(rep).get(url).content.decode()
    assert "Ada&#x27;s deal" not in client_as(outsider).get(url).content.decode()


def _contact_names(response) -> list[str]:
    return [str(contact) for contact in response.context["page"]]


@pytest.fixture
def people(rep):
    acme = CompanyFactory(name="Acme", owner=rep)
    globex = CompanyFactory(name="Globex", owner=rep)
    referral = LeadSourceFactory(name="Referral")
    ContactFactory(first_name="Ada", last_name="Lovelace", email="ada@acme.example", company=acme, owner=rep)
    ContactFactory(
        first_name="Alan",
        last_name="Turing",
        email="alan@globex.example",
        company=globex,
        owner=rep,
        is_decision_maker=True,
        lead_source=referral,
    )
    ContactFactory(first_name="Grace", last_name="Hopper", email="grace@navy.example", company=None, owner=rep)
    return {"acme": acme, "globex": globex, "referral": referral}


@pytest.mark.parametrize(
    "q, found",
    [
        ("ada", ["Ada Lovelace"]),
        ("TURING", ["Alan Turing"]),
        ("navy.example", ["Grace Hopper"]),
        ("globex", ["Alan Turing"]),
        ("a", ["Ada Lovelace", "Alan Turing", "Grace Hopper"]),
        ("ada acme", ["Ada Lovelace"]),
        ("ada globex", []),
    ],
)
def test_it_searches_contacts_by_name_email_and_company(client_as, outsider, people, q, found):
    response = client_as(outsider).get(reverse("pipeline:contact_list"), {"q": q})
    assert _contact_names(response) == found


def test_it_filters_contacts_by_company_decision_maker_and_lead_source(client_as, rep, people):
    url = reverse("pipeline:contact_list")
    client = client_as(rep)
    assert _contact_names(client.get(url, {"company": people["acme"].pk})) == ["Ada Lovelace"]
    assert _contact_names(client.get(url, {"decision_maker": "yes"})) == ["Alan Turing"]
    assert _contact_names(client.get(url, {"decision_maker": "no"})) == ["Ada Lovelace", "Grace Hopper"]
    assert _contact_names(client.get(url, {"lead_source": people["referral"].pk})) == ["Alan Turing"]


@pytest.mark.parametrize("rows", [5, 50])
def test_it_lists_contacts_in_a_fixed_number_of_queries(client_as, rep, rows, django_assert_max_num_queries):
    source = LeadSourceFactory()
    ContactFactory.create_batch(rows, lead_source=source)
    client = client_as(rep)
    with django_assert_max_num_queries(LIST_QUERY_LIMIT + 1):  # one more filter list: companies
        assert client.get(reverse("pipeline:contact_list")).status_code == 200


# --- exports -------------------------------------------------------------------


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


# --- type-ahead ------------------------------------------------------------------


def test_it_offers_companies_as_htmx_options(client_as, outsider, rep):
    acme = CompanyFactory(name="Acme", owner=rep, segment=Segment.SMB)
    CompanyFactory(name="Beta", owner=rep)
    html = client_as(outsider).get(reverse("pipeline:company_search"), {"q": "ACM"}).content.decode()
    assert f'data-id="{acme.pk}"' in html
    assert "Beta" not in html


def test_it_offers_at_most_ten_options(client_as, rep):
    CompanyFactory.create_batch(12, owner=rep)
    html = client_as(rep).get(reverse("pipeline:company_search"), {"q": "company"}).content.decode()
    assert html.count("data-id=") == 10


def test_it_answers_a_company_search_in_json(client_as, rep):
    acme = CompanyFactory(name="Acme", owner=rep)
    response = client_as(rep).get(reverse("pipeline:company_search"), {"q": "acm", "format": "json"})
    assert response.json() == [{"id": acme.pk, "label": "Acme"}]


def test_it_offers_nothing_for_an_empty_search(client_as, rep, company):
    response = client_as(rep).get(reverse("pipeline:company_search"), {"q": " ", "format": "json"})
    assert response.json() == []
    assert "data-id" not in client_as(rep).get(reverse("pipeline:contact_search")).content.decode()


def test_it_answers_a_contact_search_by_email_or_company(client_as, rep, people):
    url = reverse("pipeline:contact_search")
    ada = Contact.objects.get(first_name="Ada")
    client = client_as(rep)
    assert client.get(url, {"q": "ada@", "format": "json"}).json() == [{"id": ada.pk, "label": "Ada Lovelace (Acme)"}]
    assert f'data-id="{ada.pk}"' in client.get(url, {"q": "acme"}).content.decode()


def test_it_keeps_a_contact_search_to_one_company(client_as, rep, people):
    response = client_as(rep).get(
        reverse("pipeline:contact_search"), {"q": "a", "company": people["globex"].pk, "format": "json"}
    )
    assert [option["label"] for option in response.json()] == ["Alan Turing (Globex)"]
