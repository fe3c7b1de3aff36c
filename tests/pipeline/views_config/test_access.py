"""Who may use the pipeline settings area (pipeline/views_config.py): admins only."""

import pytest
from django.urls import reverse

from pipeline import urls
from tests.factories import CompetitorFactory, make_deal, stage
from tests.pipeline.views_config.helpers import _ids, _order, _snapshot, _stage_data

LOGIN = "/accounts/login/"


# url name -> kwargs builder; every page of the settings area answers GET.
PAGES = {
    "pipeline:pipeline_list": lambda o: {},
    "pipeline:pipeline_create": lambda o: {},
    "pipeline:pipeline_edit": lambda o: {"pipeline_id": o["pipeline"].pk},
    "pipeline:stage_create": lambda o: {"pipeline_id": o["pipeline"].pk},
    "pipeline:stage_edit": lambda o: {"stage_id": stage(o["pipeline"], "Demo").pk},
    "pipeline:stage_archive": lambda o: {"stage_id": stage(o["pipeline"], "Demo").pk},
    "pipeline:list_items": lambda o: {"kind": "competitors"},
    "pipeline:list_item_create": lambda o: {"kind": "competitors"},
    "pipeline:list_item_edit": lambda o: {"kind": "competitors", "item_id": o["competitor"].pk},
}

POST_ONLY = {"pipeline:stage_reorder": lambda o: {"pipeline_id": o["pipeline"].pk}}


@pytest.fixture
def objects(pipeline):
    return {"pipeline": pipeline, "competitor": CompetitorFactory(name="Acme CRM")}


def test_it_covers_every_url_of_the_settings_area():
    settings_area = [p for p in urls.urlpatterns if str(p.pattern).startswith("settings/")]
    assert {f"pipeline:{p.name}" for p in settings_area} == set(PAGES) | set(POST_ONLY)


@pytest.mark.parametrize("url_name", sorted(PAGES))
def test_it_shows_each_page_to_an_admin(client_as, admin_user, objects, url_name):
    response = client_as(admin_user).get(reverse(url_name, kwargs=PAGES[url_name](objects)))
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["rep", "manager"])
@pytest.mark.parametrize("url_name", sorted(PAGES | POST_ONLY))
def test_it_forbids_each_url_to_reps_and_managers(client_as, rep, manager, objects, url_name, role):
    url = reverse(url_name, kwargs=(PAGES | POST_ONLY)[url_name](objects))
    client = client_as(rep if role == "rep" else manager)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url_name", sorted(PAGES | POST_ONLY))
def test_it_sends_anonymous_visitors_to_sign_in(client, objects, url_name):
    response = client.get(reverse(url_name, kwargs=(PAGES | POST_ONLY)[url_name](objects)))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


@pytest.mark.parametrize("role", ["rep", "manager"])
def test_it_refuses_every_write_to_reps_and_managers(client_as, rep, manager, objects, role):
    pipeline = objects["pipeline"]
    make_deal(owner=rep, pipeline=pipeline, stage_name="Demo")
    demo = stage(pipeline, "Demo")
    client = client_as(rep if role == "rep" else manager)
    before = _snapshot()
    posts = [
        (reverse("pipeline:pipeline_create"), {"name": "Hacked", "is_active": "on"}),
        (reverse("pipeline:pipeline_edit", kwargs={"pipeline_id": pipeline.pk}), {"name": "Hacked"}),
        (reverse("pipeline:stage_create", kwargs={"pipeline_id": pipeline.pk}), _stage_data()),
        (reverse("pipeline:stage_edit", kwargs={"stage_id": demo.pk}), _stage_data(name="Hacked")),
        (reverse("pipeline:stage_archive", kwargs={"stage_id": demo.pk}), {"move_to": stage(pipeline, "Lead").pk}),
        (
            reverse("pipeline:stage_reorder", kwargs={"pipeline_id": pipeline.pk}),
            {"stage": list(reversed(_ids(pipeline, *_order(pipeline))))},
        ),
        (reverse("pipeline:list_item_create", kwargs={"kind": "competitors"}), {"name": "Hacked"}),
        (
            reverse("pipeline:list_item_edit", kwargs={"kind": "competitors", "item_id": objects["competitor"].pk}),
            {"name": "Hacked"},
        ),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert _snapshot() == before


def test_it_answers_405_to_a_get_of_the_reorder_endpoint(admin_client, pipeline):
    response = admin_client.get(reverse("pipeline:stage_reorder", kwargs={"pipeline_id": pipeline.pk}))
    assert response.status_code == 405


def test_it_gives_404_for_a_missing_pipeline(admin_client):
    response = admin_client.get(reverse("pipeline:pipeline_edit", kwargs={"pipeline_id": 999999}))
    assert response.status_code == 404
