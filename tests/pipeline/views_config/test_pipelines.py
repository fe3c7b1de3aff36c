"""Pipelines in the settings area: list, add, rename, their page, and reordering their stages."""

import pytest
from django.urls import reverse

from pipeline.models import Pipeline, Stage
from tests.factories import make_deal, make_pipeline, stage
from tests.pipeline.views_config.helpers import _ids, _order, _snapshot

HTMX = {"HX-Request": "true"}


def _positions(html, names):
    return [html.index(f">{name}</a>") for name in names]


# --- pipelines --------------------------------------------------------------


def test_it_lists_pipelines_with_their_live_stages_and_deals(admin_client, pipeline, rep):
    make_deal(owner=rep, pipeline=pipeline)
    make_pipeline("Renewals")
    response = admin_client.get(reverse("pipeline:pipeline_list"))
    rows = {p.name: (p.stage_count, p.deal_count) for p in response.context["pipelines"]}
    assert rows == {"New business": (6, 1), "Renewals": (6, 0)}


def test_it_adds_a_pipeline_and_opens_it_for_stages(admin_client, db):
    response = admin_client.post(reverse("pipeline:pipeline_create"), {"name": "Partners", "is_active": "on"})
    created = Pipeline.objects.get(name="Partners")
    assert response.url == reverse("pipeline:pipeline_edit", kwargs={"pipeline_id": created.pk})
    assert created.is_active


def test_it_renames_and_deactivates_a_pipeline(admin_client, pipeline):
    response = admin_client.post(
        reverse("pipeline:pipeline_edit", kwargs={"pipeline_id": pipeline.pk}), {"name": "SMB"}
    )
    assert response.status_code == 302
    pipeline.refresh_from_db()
    assert (pipeline.name, pipeline.is_active) == ("SMB", False)


@pytest.mark.parametrize(
    "name, message",
    [("", "This field is required."), ("Renewals", "Pipeline with this Name already exists.")],
)
def test_it_refuses_a_bad_pipeline_name(admin_client, pipeline, name, message):
    make_pipeline("Renewals")
    before = _snapshot()
    for url in (
        reverse("pipeline:pipeline_create"),
        reverse("pipeline:pipeline_edit", kwargs={"pipeline_id": pipeline.pk}),
    ):
        response = admin_client.post(url, {"name": name, "is_active": "on"})
        assert response.status_code == 200
        assert response.context["form"].errors["name"] == [message]
    assert _snapshot() == before


def test_it_shows_the_live_stages_in_order(admin_client, pipeline):
    Stage.objects.filter(pk=stage(pipeline, "Demo").pk).update(rotting_days=14)
    response = admin_client.get(reverse("pipeline:pipeline_edit", kwargs={"pipeline_id": pipeline.pk}))
    html = response.content.decode()
    names = ["Lead", "Qualified", "Demo", "Proposal", "Won", "Lost"]
    assert [s.name for s in response.context["rows"]] == names
    assert _positions(html, names) == sorted(_positions(html, names))
    assert html.count(">Opportunity</span>") == 1
    assert html.count(">default</span>") == 5
    assert reverse("pipeline:stage_create", kwargs={"pipeline_id": pipeline.pk}) in html
    assert reverse("pipeline:stage_archive", kwargs={"stage_id": stage(pipeline, "Demo").pk}) in html


def test_it_shows_archived_stages_apart_in_a_collapsed_section(admin_client, pipeline):
    old = Stage.objects.create(pipeline=pipeline, name="Discovery", order=9, is_archived=True)
    response = admin_client.get(reverse("pipeline:pipeline_edit", kwargs={"pipeline_id": pipeline.pk}))
    html = response.content.decode()
    assert old not in response.context["rows"]
    assert list(response.context["archived"]) == [old]
    assert html.index("<details") < html.index("Discovery")
    assert reverse("pipeline:stage_edit", kwargs={"stage_id": old.pk}) not in html


def test_it_offers_up_and_down_orders_for_the_buttons_without_javascript(admin_client, pipeline):
    response = admin_client.get(reverse("pipeline:pipeline_edit", kwargs={"pipeline_id": pipeline.pk}))
    rows = response.context["rows"]
    assert rows[0].up_ids is None
    assert rows[0].down_ids == _ids(pipeline, "Qualified", "Lead", "Demo", "Proposal", "Won", "Lost")
    assert rows[2].up_ids == _ids(pipeline, "Lead", "Demo", "Qualified", "Proposal", "Won", "Lost")
    assert rows[-1].down_ids is None


def test_it_shows_the_pipeline_page_in_a_fixed_number_of_queries(
    admin_client, pipeline, rep, django_assert_max_num_queries
):
    for n in range(40):
        Stage.objects.create(pipeline=pipeline, name=f"Step {n}", order=10 + n)
        Stage.objects.create(pipeline=pipeline, name=f"Old step {n}", order=10 + n, is_archived=True)
    for name in ("Lead", "Demo", "Step 3"):
        make_deal(owner=rep, pipeline=pipeline, stage_name=name)
    # +1 on every admin page: whether the rollup refreshes lag (the banner of dashboards/status.py).
    with django_assert_max_num_queries(6):
        response = admin_client.get(reverse("pipeline:pipeline_edit", kwargs={"pipeline_id": pipeline.pk}))
    assert len(response.context["rows"]) == 46


def test_it_lists_pipelines_in_a_fixed_number_of_queries(admin_client, rep, django_assert_max_num_queries):
    for n in range(15):
        make_deal(owner=rep, pipeline=make_pipeline(f"Pipeline {n}"))
    with django_assert_max_num_queries(4):  # +1: the admins' refresh-lag banner
        response = admin_client.get(reverse("pipeline:pipeline_list"))
    assert len(response.context["pipelines"]) == 15


# --- reordering -------------------------------------------------------------


def test_it_reorders_stages_by_htmx_and_returns_the_rows(admin_client, pipeline):
    new_order = ["Qualified", "Lead", "Proposal", "Demo", "Won", "Lost"]
    response = admin_client.post(
        reverse("pipeline:stage_reorder", kwargs={"pipeline_id": pipeline.pk}),
        {"stage": _ids(pipeline, *new_order)},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith('<tbody id="stage-rows"')
    assert "<html" not in html
    assert _positions(html, new_order) == sorted(_positions(html, new_order))
    assert _order(pipeline) == new_order


def test_it_reorders_stages_with_a_plain_form_and_goes_back(admin_client, pipeline):
    new_order = ["Lead", "Demo", "Qualified", "Proposal", "Won", "Lost"]
    url = reverse("pipeline:pipeline_edit", kwargs={"pipeline_id": pipeline.pk})
    response = admin_client.post(
        reverse("pipeline:stage_reorder", kwargs={"pipeline_id": pipeline.pk}), {"stage": _ids(pipeline, *new_order)}
    )
    assert response.status_code == 302
    assert response.url == url
    assert _order(pipeline) == new_order


def _bad_orders(pipeline):
    other = make_pipeline("Renewals")
    archived = Stage.objects.create(pipeline=pipeline, name="Discovery", is_archived=True)
    live = _ids(pipeline, *_order(pipeline))
    return {
        "missing": live[1:],
        "foreign": [*live[:-1], stage(other, "Lost").pk],
        "archived": [*live, archived.pk],
        "duplicate": [*live, live[0]],
        "not a number": [*live[:-1], "x"],
        "empty": [],
    }


@pytest.mark.parametrize("case", ["missing", "foreign", "archived", "duplicate", "not a number", "empty"])
@pytest.mark.parametrize("htmx", [True, False])
def test_it_refuses_a_bad_order_and_changes_nothing(admin_client, pipeline, case, htmx):
    order = _bad_orders(pipeline)[case]
    before = _snapshot()
    response = admin_client.post(
        reverse("pipeline:stage_reorder", kwargs={"pipeline_id": pipeline.pk}),
        {"stage": order},
        headers=HTMX if htmx else {},
    )
    assert response.status_code == 400
    assert 'class="alert alert-danger' in response.content.decode()
    assert ("<html" in response.content.decode()) is not htmx
    assert _snapshot() == before
