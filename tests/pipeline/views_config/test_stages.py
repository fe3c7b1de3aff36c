"""Stages in the settings area: add, edit, change their kind, archive them and move their deals."""

from datetime import date

import pytest
from django.urls import reverse

from pipeline.models import Deal, Stage, StageChange, StageKind
from tests.factories import make_deal, make_pipeline, stage
from tests.pipeline.views_config.helpers import _order, _snapshot, _stage_data

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


def test_it_lists_each_open_stages_default_forecast_category(admin_client, pipeline):
    proposal = stage(pipeline, "Proposal")
    proposal.forecast_category = "commit"
    proposal.save()
    response = admin_client.get(reverse("pipeline:pipeline_edit", args=[pipeline.pk]))
    cells = response.content.decode().split('data-testid="stage-forecast-category">')[1:]
    shown = [cell.split("</td>")[0] for cell in cells]
    closed = '<span class="text-body-secondary">—</span>'
    assert shown == ["Pipeline", "Pipeline", "Pipeline", "Commit", closed, closed]
