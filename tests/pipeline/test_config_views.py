"""The pipeline settings area: admins configure pipelines, stages and the editable lists."""

from datetime import date

import pytest
from django.urls import reverse

from pipeline import urls
from pipeline.models import Competitor, Deal, LeadSource, LostReason, Pipeline, Stage, StageChange, StageKind
from tests.factories import (
    CompetitorFactory,
    LeadSourceFactory,
    LostReasonFactory,
    make_deal,
    make_pipeline,
    stage,
)

LOGIN = "/accounts/login/"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def pipeline(db):
    return make_pipeline()


@pytest.fixture
def admin_client(client_as, admin_user):
    return client_as(admin_user)


def _order(pipeline):
    return list(pipeline.stages.current().values_list("name", flat=True))


def _ids(pipeline, *names):
    return [stage(pipeline, name).pk for name in names]


def _snapshot():
    """Every row the settings area could change, to show that a refusal changed nothing."""
    return [
        list(model.objects.order_by("pk").values())
        for model in (Pipeline, Stage, Deal, StageChange, LeadSource, Competitor, LostReason)
    ]


def _stage_data(**overrides):
    data = {"name": "Negotiation", "kind": StageKind.OPEN, "probability": "80", "rotting_days": ""}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _positions(html, names):
    return [html.index(f">{name}</a>") for name in names]


# --- who may do what ------------------------------------------------------

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


# --- stages -----------------------------------------------------------------


def test_it_adds_a_stage_at_the_end(admin_client, pipeline):
    response = admin_client.post(
        reverse("pipeline:stage_create", kwargs={"pipeline_id": pipeline.pk}), _stage_data(rotting_days="21")
    )
    assert response.url == reverse("pipeline:pipeline_edit", kwargs={"pipeline_id": pipeline.pk})
    added = stage(pipeline, "Negotiation")
    assert (added.probability, added.rotting_days, added.kind) == (80, 21, StageKind.OPEN)
    assert _order(pipeline)[-1] == "Negotiation"


def test_it_edits_a_stage_and_moves_the_opportunity_flag(admin_client, pipeline):
    demo = stage(pipeline, "Demo")
    admin_client.post(
        reverse("pipeline:stage_edit", kwargs={"stage_id": demo.pk}),
        _stage_data(name="Live demo", probability="55", is_opportunity="on"),
    )
    demo.refresh_from_db()
    assert (demo.name, demo.probability, demo.rotting_days, demo.is_opportunity) == ("Live demo", 55, None, True)
    assert not stage(pipeline, "Qualified").is_opportunity


@pytest.mark.parametrize(
    "data, field, message",
    [
        (_stage_data(probability="120"), "probability", "Ensure this value is less than or equal to 100."),
        (_stage_data(name=""), "name", "This field is required."),
        (_stage_data(name="Demo"), "name", "This pipeline already has a stage with this name."),
        (_stage_data(name="demo"), "name", "This pipeline already has a stage with this name."),
    ],
)
@pytest.mark.parametrize("action", ["create", "edit"])
def test_it_refuses_bad_stage_input_and_changes_nothing(admin_client, pipeline, data, field, message, action):
    if action == "create":
        url = reverse("pipeline:stage_create", kwargs={"pipeline_id": pipeline.pk})
    else:
        url = reverse("pipeline:stage_edit", kwargs={"stage_id": stage(pipeline, "Proposal").pk})
    before = _snapshot()
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert _snapshot() == before


def test_it_lets_a_new_stage_take_an_archived_stage_name(admin_client, pipeline):
    Stage.objects.create(pipeline=pipeline, name="Negotiation", is_archived=True)
    admin_client.post(reverse("pipeline:stage_create", kwargs={"pipeline_id": pipeline.pk}), _stage_data())
    assert pipeline.stages.filter(name="Negotiation").count() == 2


def test_it_lets_another_pipeline_use_the_same_stage_name(admin_client, pipeline):
    other = make_pipeline("Renewals")
    response = admin_client.post(
        reverse("pipeline:stage_create", kwargs={"pipeline_id": other.pk}), _stage_data(name="Negotiation")
    )
    assert response.status_code == 302
    admin_client.post(reverse("pipeline:stage_create", kwargs={"pipeline_id": pipeline.pk}), _stage_data())
    assert Stage.objects.filter(name="Negotiation").count() == 2


def test_it_refuses_changing_the_kind_of_a_stage_that_holds_deals(admin_client, pipeline, rep):
    make_deal(owner=rep, pipeline=pipeline, stage_name="Proposal")
    proposal = stage(pipeline, "Proposal")
    before = _snapshot()
    response = admin_client.post(
        reverse("pipeline:stage_edit", kwargs={"stage_id": proposal.pk}),
        _stage_data(name="Proposal", kind=StageKind.WON, probability="70"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["kind"] == [
        "This stage holds 1 deal; move it to another stage before changing the kind."
    ]
    assert _snapshot() == before


def test_it_changes_the_kind_of_an_empty_stage(admin_client, pipeline):
    proposal = stage(pipeline, "Proposal")
    admin_client.post(
        reverse("pipeline:stage_edit", kwargs={"stage_id": proposal.pk}),
        _stage_data(name="Proposal", kind=StageKind.LOST, probability="0"),
    )
    proposal.refresh_from_db()
    assert proposal.kind == StageKind.LOST


@pytest.mark.parametrize("url_name", ["pipeline:stage_edit", "pipeline:stage_archive"])
def test_it_gives_404_for_an_archived_stage(admin_client, pipeline, url_name):
    old = Stage.objects.create(pipeline=pipeline, name="Discovery", is_archived=True)
    assert admin_client.get(reverse(url_name, kwargs={"stage_id": old.pk})).status_code == 404


# --- archiving --------------------------------------------------------------


def test_it_asks_where_the_deals_go_among_the_other_live_open_stages(admin_client, pipeline, rep):
    make_deal(owner=rep, pipeline=pipeline, stage_name="Demo")
    make_deal(owner=rep, pipeline=pipeline, stage_name="Demo")
    make_pipeline("Renewals")
    Stage.objects.create(pipeline=pipeline, name="Discovery", is_archived=True)
    response = admin_client.get(reverse("pipeline:stage_archive", kwargs={"stage_id": stage(pipeline, "Demo").pk}))
    choices = response.context["form"].fields["move_to"].queryset
    assert [s.name for s in choices] == ["Lead", "Qualified", "Proposal"]
    assert {s.pipeline_id for s in choices} == {pipeline.pk}
    assert "This stage holds 2 deals." in response.content.decode()


def test_it_archives_a_stage_and_moves_its_deals_with_one_history_row_each(admin_client, pipeline, rep, admin_user):
    demo, qualified = stage(pipeline, "Demo"), stage(pipeline, "Qualified")
    moved = [make_deal(owner=rep, pipeline=pipeline, stage_name="Demo") for _ in range(2)]
    stayed = make_deal(owner=rep, pipeline=pipeline, stage_name="Lead")
    history_before = list(StageChange.objects.order_by("pk").values())
    response = admin_client.post(
        reverse("pipeline:stage_archive", kwargs={"stage_id": demo.pk}), {"move_to": qualified.pk}
    )
    assert response.url == reverse("pipeline:pipeline_edit", kwargs={"pipeline_id": pipeline.pk})
    demo.refresh_from_db()
    assert demo.is_archived
    assert set(Deal.objects.filter(stage=qualified)) == set(moved)
    assert Deal.objects.get(pk=stayed.pk).stage.name == "Lead"
    new_rows = StageChange.objects.exclude(pk__in=[row["id"] for row in history_before])
    assert sorted(new_rows.values_list("deal_id", "from_stage_id", "to_stage_id", "changed_by_id")) == sorted(
        (deal.pk, demo.pk, qualified.pk, admin_user.pk) for deal in moved
    )
    # History is never rewritten: the rows into the archived stage still point at it.
    assert list(StageChange.objects.filter(pk__in=[row["id"] for row in history_before]).values()) == history_before


def test_it_archives_an_empty_stage_without_asking(admin_client, pipeline):
    demo = stage(pipeline, "Demo")
    before = StageChange.objects.count()
    response = admin_client.get(reverse("pipeline:stage_archive", kwargs={"stage_id": demo.pk}))
    assert "No deal is in this stage." in response.content.decode()
    admin_client.post(reverse("pipeline:stage_archive", kwargs={"stage_id": demo.pk}))
    demo.refresh_from_db()
    assert demo.is_archived
    assert StageChange.objects.count() == before
    assert "Demo" not in _order(pipeline)


def test_it_clears_the_opportunity_flag_of_an_archived_stage(admin_client, pipeline):
    qualified = stage(pipeline, "Qualified")
    admin_client.post(reverse("pipeline:stage_archive", kwargs={"stage_id": qualified.pk}))
    qualified.refresh_from_db()
    assert (qualified.is_archived, qualified.is_opportunity) == (True, False)


def test_it_refuses_archiving_without_a_target_when_the_stage_holds_deals(admin_client, pipeline, rep):
    make_deal(owner=rep, pipeline=pipeline, stage_name="Demo")
    before = _snapshot()
    response = admin_client.post(reverse("pipeline:stage_archive", kwargs={"stage_id": stage(pipeline, "Demo").pk}))
    assert response.context["form"].errors["move_to"] == ["Choose where this stage's deals go."]
    assert "Choose where this stage&#x27;s deals go." in response.content.decode()
    assert _snapshot() == before


@pytest.mark.parametrize("target", ["Won", "Demo", "other pipeline"])
def test_it_refuses_an_unfit_target_and_changes_nothing(admin_client, pipeline, rep, target):
    make_deal(owner=rep, pipeline=pipeline, stage_name="Demo")
    other = make_pipeline("Renewals")
    move_to = stage(other, "Lead") if target == "other pipeline" else stage(pipeline, target)
    before = _snapshot()
    response = admin_client.post(
        reverse("pipeline:stage_archive", kwargs={"stage_id": stage(pipeline, "Demo").pk}), {"move_to": move_to.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["move_to"]
    assert _snapshot() == before


def test_it_refuses_archiving_a_closed_stage_that_holds_deals(admin_client, pipeline, rep):
    make_deal(owner=rep, pipeline=pipeline, stage_name="Won", closed_on=date(2025, 1, 15))
    won = stage(pipeline, "Won")
    page = admin_client.get(reverse("pipeline:stage_archive", kwargs={"stage_id": won.pk})).content.decode()
    assert "archiving it would reopen it" in page
    before = _snapshot()
    response = admin_client.post(
        reverse("pipeline:stage_archive", kwargs={"stage_id": won.pk}), {"move_to": stage(pipeline, "Lead").pk}
    )
    assert response.context["form"].non_field_errors()
    assert _snapshot() == before


# --- editable lists ---------------------------------------------------------

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
