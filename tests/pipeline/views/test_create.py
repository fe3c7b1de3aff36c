"""Creating a deal: one stage change, who owns it, the close date, the contact's company."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline.models import Deal
from tests.factories import CompanyFactory, ContactFactory, make_pipeline, stage
from tests.pipeline.views.helpers import _snapshot


def _create_data(pipeline, company, **overrides):
    data = {
        "title": "Globex expansion",
        "company": company.pk,
        "owner": "",
        "pipeline": pipeline.pk,
        "stage": stage(pipeline, "Lead").pk,
        "amount": "2500.50",
        "deal_type": "new_business",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_it_creates_a_deal_with_one_stage_change(client_as, rep, pipeline, company):
    response = client_as(rep).post(reverse("pipeline:deal_create"), _create_data(pipeline, company))
    deal = Deal.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("pipeline:deal_detail", args=[deal.pk])
    assert (deal.title, deal.owner, deal.amount, deal.stage.name) == (
        "Globex expansion",
        rep,
        Decimal("2500.50"),
        "Lead",
    )
    assert list(deal.stage_changes.values_list("from_stage", "to_stage", "changed_by")) == [
        (None, stage(pipeline, "Lead").pk, rep.pk)
    ]


def test_it_prefills_the_stage_from_the_board(client_as, rep, pipeline):
    demo = stage(pipeline, "Demo")
    response = client_as(rep).get(reverse("pipeline:deal_create"), {"pipeline": pipeline.pk, "stage": demo.pk})
    assert response.context["form"]["stage"].value() == str(demo.pk)


def test_it_keeps_a_rep_as_the_owner_of_a_new_deal_whatever_is_posted(client_as, rep, teammate, pipeline, company):
    client_as(rep).post(reverse("pipeline:deal_create"), _create_data(pipeline, company, owner=teammate.pk))
    assert Deal.objects.get().owner == rep


def test_it_lets_a_manager_create_a_deal_for_a_team_member(client_as, manager, teammate, pipeline, company):
    response = client_as(manager).post(
        reverse("pipeline:deal_create"), _create_data(pipeline, company, owner=teammate.pk)
    )
    assert response.status_code == 302
    assert Deal.objects.get().owner == teammate


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"title": ""}, "title", "This field is required."),
        ({"amount": "-5"}, "amount", "The amount cannot be negative."),
        ({"amount": "a lot"}, "amount", "Enter a number."),
        ({"stage": "other pipeline"}, "stage", "That stage belongs to another pipeline."),
        ({"stage": "Won"}, "closed_on", "Enter the date the deal was won."),
        ({"stage": "Lost"}, "lost_reason", "Choose why the deal was lost."),
    ],
)
def test_it_explains_bad_input_on_create_and_writes_nothing(
    client_as, rep, pipeline, company, overrides, field, message
):
    if overrides.get("stage") == "other pipeline":
        overrides["stage"] = stage(make_pipeline("Renewals"), "Lead").pk
    elif "stage" in overrides:
        overrides["stage"] = stage(pipeline, overrides["stage"]).pk
    before = _snapshot()
    response = client_as(rep).post(reverse("pipeline:deal_create"), _create_data(pipeline, company, **overrides))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert message in response.content.decode().replace("&#x27;", "'")
    assert _snapshot() == before


def test_it_creates_a_won_deal_with_its_close_date(client_as, rep, pipeline, company):
    today = timezone.localdate()
    client_as(rep).post(
        reverse("pipeline:deal_create"),
        _create_data(pipeline, company, stage=stage(pipeline, "Won").pk, closed_on=today.isoformat()),
    )
    assert Deal.objects.get().closed_on == today


def test_it_refuses_a_contact_from_another_company(client_as, rep, pipeline, company):
    stranger = ContactFactory(first_name="Ann", last_name="Other", company=CompanyFactory(name="Initech"))
    before = _snapshot()
    response = client_as(rep).post(
        reverse("pipeline:deal_create"), _create_data(pipeline, company, contact=stranger.pk)
    )
    assert response.context["form"].errors["contact"] == ["Ann Other does not work at Globex."]
    assert _snapshot() == before


def test_it_accepts_a_contact_of_the_company(client_as, rep, pipeline, company):
    contact = ContactFactory(company=company)
    client_as(rep).post(reverse("pipeline:deal_create"), _create_data(pipeline, company, contact=contact.pk))
    assert Deal.objects.get().contact == contact
