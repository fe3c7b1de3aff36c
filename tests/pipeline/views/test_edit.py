"""Editing a deal: no stage change, who may become the owner, bad input."""

from decimal import Decimal

from django.urls import reverse

from tests.pipeline.views.helpers import _edit_data, _snapshot


def test_it_edits_a_deal_without_a_stage_change(client_as, rep, deal):
    response = client_as(rep).post(
        reverse("pipeline:deal_edit", args=[deal.pk]),
        _edit_data(deal, title="Acme renewal (3 years)", amount="4200", expected_close_date="2031-03-31"),
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.title, deal.amount, str(deal.expected_close_date)) == (
        "Acme renewal (3 years)",
        Decimal("4200"),
        "2031-03-31",
    )
    assert deal.stage_changes.count() == 1


def test_it_keeps_a_rep_as_owner_even_with_a_crafted_post(client_as, rep, teammate, deal):
    client_as(rep).post(reverse("pipeline:deal_edit", args=[deal.pk]), _edit_data(deal, owner=teammate.pk))
    deal.refresh_from_db()
    assert deal.owner == rep


def test_it_lets_a_manager_reassign_within_their_team(client_as, manager, teammate, deal):
    response = client_as(manager).post(
        reverse("pipeline:deal_edit", args=[deal.pk]), _edit_data(deal, owner=teammate.pk)
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.owner == teammate


def test_it_refuses_a_manager_reassigning_to_an_outsider(client_as, manager, outsider, deal):
    before = _snapshot()
    response = client_as(manager).post(
        reverse("pipeline:deal_edit", args=[deal.pk]), _edit_data(deal, owner=outsider.pk)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["owner"]
    assert _snapshot() == before


def test_it_lets_an_admin_reassign_to_anyone_active(client_as, admin_user, outsider, deal):
    client_as(admin_user).post(reverse("pipeline:deal_edit", args=[deal.pk]), _edit_data(deal, owner=outsider.pk))
    deal.refresh_from_db()
    assert deal.owner == outsider


def test_it_offers_owners_by_role(client_as, rep, teammate, manager, outsider, admin_user, deal):
    def owners(user):
        return set(
            client_as(user).get(reverse("pipeline:deal_edit", args=[deal.pk])).context["form"].fields["owner"].queryset
        )

    assert owners(rep) == {rep}
    assert owners(manager) == {manager, rep, teammate}
    assert {rep, teammate, manager, outsider, admin_user} <= owners(admin_user)


def test_it_explains_a_negative_amount_on_edit_and_writes_nothing(client_as, rep, deal):
    before = _snapshot()
    response = client_as(rep).post(reverse("pipeline:deal_edit", args=[deal.pk]), _edit_data(deal, amount="-1"))
    assert response.context["form"].errors["amount"] == ["The amount cannot be negative."]
    assert _snapshot() == before
