"""Who may view, add, edit and delete in the shared address book (pipeline/views_contacts.py)."""

import pytest
from django.urls import reverse

from pipeline.models import Company, Contact
from tests.pipeline.views_contacts.helpers import _company_data, _contact_data

LOGIN = "/accounts/login/"


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
