"""The editable lists of the settings area: lead sources, competitors and lost reasons."""

import pytest
from django.urls import reverse

from tests.factories import CompetitorFactory, LeadSourceFactory, LostReasonFactory
from tests.pipeline.views_config.helpers import _snapshot

LISTS = {"lead-sources": LeadSourceFactory, "competitors": CompetitorFactory, "lost-reasons": LostReasonFactory}


@pytest.mark.parametrize("kind", sorted(LISTS))
def test_it_lists_active_and_inactive_entries(admin_client, kind):
    LISTS[kind](name="Trade show")
    LISTS[kind](name="Cold list", is_active=False)
    response = admin_client.get(reverse("pipeline:list_items", kwargs={"kind": kind}))
    assert [item.name for item in response.context["items"]] == ["Cold list", "Trade show"]
    assert ">Inactive</span>" in response.content.decode()


def test_it_lists_entries_in_a_fixed_number_of_queries(admin_client, db, django_assert_max_num_queries):
    for n in range(40):
        LostReasonFactory(name=f"Reason {n}")
    with django_assert_max_num_queries(4):  # +1: the admins' refresh-lag banner
        response = admin_client.get(reverse("pipeline:list_items", kwargs={"kind": "lost-reasons"}))
    assert len(response.context["items"]) == 40


@pytest.mark.parametrize("kind", sorted(LISTS))
def test_it_adds_an_entry(admin_client, db, kind):
    response = admin_client.post(
        reverse("pipeline:list_item_create", kwargs={"kind": kind}), {"name": "Webinar", "is_active": "on"}
    )
    assert response.url == reverse("pipeline:list_items", kwargs={"kind": kind})
    assert LISTS[kind]._meta.model.objects.get(name="Webinar").is_active


@pytest.mark.parametrize("kind", sorted(LISTS))
def test_it_renames_and_deactivates_an_entry(admin_client, db, kind):
    item = LISTS[kind](name="Webinar")
    admin_client.post(
        reverse("pipeline:list_item_edit", kwargs={"kind": kind, "item_id": item.pk}), {"name": "Webinars"}
    )
    item.refresh_from_db()
    assert (item.name, item.is_active) == ("Webinars", False)


@pytest.mark.parametrize("name", ["", "Referral"])
@pytest.mark.parametrize("kind", sorted(LISTS))
def test_it_refuses_a_bad_entry_name_and_changes_nothing(admin_client, db, kind, name):
    LISTS[kind](name="Referral")
    item = LISTS[kind](name="Webinar")
    before = _snapshot()
    for url in (
        reverse("pipeline:list_item_create", kwargs={"kind": kind}),
        reverse("pipeline:list_item_edit", kwargs={"kind": kind, "item_id": item.pk}),
    ):
        response = admin_client.post(url, {"name": name, "is_active": "on"})
        assert response.status_code == 200
        assert response.context["form"].errors["name"]
    assert _snapshot() == before


@pytest.mark.parametrize(
    "url_name, kwargs",
    [
        ("pipeline:list_items", {}),
        ("pipeline:list_item_create", {}),
        ("pipeline:list_item_edit", {"item_id": 1}),
    ],
)
def test_it_gives_404_for_an_unknown_list(admin_client, db, url_name, kwargs):
    LeadSourceFactory(name="Referral")
    response = admin_client.get(reverse(url_name, kwargs={"kind": "partners", **kwargs}))
    assert response.status_code == 404


def test_it_gives_404_for_an_entry_of_another_list(admin_client, db):
    competitor = CompetitorFactory(name="Acme CRM")
    url = reverse("pipeline:list_item_edit", kwargs={"kind": "lost-reasons", "item_id": competitor.pk})
    assert admin_client.get(url).status_code == 404


def test_it_shows_the_settings_tabs_with_the_current_one_active(admin_client, db):
    html = admin_client.get(reverse("pipeline:list_items", kwargs={"kind": "competitors"})).content.decode()
    assert reverse("accounts:user_list") in html
    assert reverse("pipeline:pipeline_list") in html
    # The main navigation marks Settings; the settings pills mark the current list.
    pills = html[html.index("nav-pills") :]
    active = pills[pills.index('nav-link active"') :]
    assert active.index("Competitors") < active.index("</a>")
