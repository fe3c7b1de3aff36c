"""Company pages: add, edit, delete, a company's page, and the list with its search and filters."""

import pytest
from django.urls import reverse

from pipeline.models import Company, Contact, Segment
from tests.factories import CompanyFactory, ContactFactory, TerritoryFactory, make_deal, make_pipeline
from tests.pipeline.views_contacts.helpers import LIST_QUERY_LIMIT, _company_data

DETAIL_QUERY_LIMIT = 12


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
