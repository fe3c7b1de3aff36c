"""Contact pages: add, edit, delete, a contact's page, and the list with its search and filters."""

import pytest
from django.urls import reverse

from pipeline.models import Contact
from tests.factories import ContactFactory, LeadSourceFactory, make_deal
from tests.pipeline.views_contacts.helpers import LIST_QUERY_LIMIT, _contact_data


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


def test_it_stores_the_number_typed_as_e164(client_as, rep):
    client_as(rep).post(reverse("pipeline:contact_create"), _contact_data(phone="(415) 555-0100"))
    assert Contact.objects.get(email="grace@globex.example").phone == "+14155550100"


def test_it_refuses_a_number_it_cannot_read_next_to_the_field(client_as, rep, contact):
    before = list(Contact.objects.values())
    for url in (reverse("pipeline:contact_create"), reverse("pipeline:contact_edit", args=[contact.pk])):
        response = client_as(rep).post(url, _contact_data(phone="ask reception"))
        assert response.context["form"].errors["phone"] == ["Enter a valid phone number, e.g. +31 20 123 4567."]
        page = response.content.decode()
        field = page[page.index('id="id_phone"') :]
        assert "Enter a valid phone number, e.g. +31 20 123 4567." in field[: field.index("</div>")]
    assert list(Contact.objects.values()) == before


def test_it_edits_a_number_in_the_format_it_is_read_in(client_as, rep, contact):
    Contact.objects.filter(pk=contact.pk).update(phone="+31201234567")
    response = client_as(rep).get(reverse("pipeline:contact_edit", args=[contact.pk]))
    assert response.context["form"]["phone"].value() == "+31 20 123 4567"


def test_it_shows_a_number_for_reading_and_dials_it(client_as, rep, company, contact):
    Contact.objects.filter(pk=contact.pk).update(phone="+31201234567")
    pages = [
        reverse("pipeline:contact_detail", args=[contact.pk]),
        reverse("pipeline:contact_list"),
        reverse("pipeline:company_detail", args=[company.pk]),
    ]
    for url in pages:
        assert '<a href="tel:+31201234567">+31 20 123 4567</a>' in client_as(rep).get(url).content.decode(), url


def test_it_shows_a_number_the_migration_kept_as_it_is_without_dialling_it(client_as, rep, contact):
    Contact.objects.filter(pk=contact.pk).update(phone="ask reception")
    page = client_as(rep).get(reverse("pipeline:contact_detail", args=[contact.pk])).content.decode()
    assert "ask reception" in page
    assert "tel:" not in page
