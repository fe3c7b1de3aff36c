"""Splitting a team target among its reps."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from quotas.models import OrgSettings, Quota, QuotaChange
from tests.factories import RepFactory, TeamFactory
from tests.quotas.views.helpers import Q4


@pytest.fixture
def trio(db):
    team = TeamFactory(name="Trio")
    reps = [
        RepFactory(username=name, first_name=name.title(), last_name="Rep", team=team) for name in ("ann", "bob", "cy")
    ]
    RepFactory(username="left", first_name="Zed", team=team, is_active=False)
    return team, reps


def _split(team, **extra):
    return {
        "team": team.pk,
        "kind": "quarter",
        "start": "2026-10-01",
        "measure": "revenue",
        "total": "100000",
        "method": "even",
        **extra,
    }


def _shares(response):
    return [(share.rep.username, share.amount, share.got_remainder) for share in response.context["shares"]]


def test_it_previews_a_split_and_writes_nothing(client_as, admin_user, trio):
    team, _reps = trio
    response = client_as(admin_user).post(reverse("quotas:split"), _split(team, method="even", action="preview"))
    assert response.status_code == 200
    assert _shares(response) == [
        ("ann", Decimal("33334"), True),
        ("bob", Decimal("33333"), False),
        ("cy", Decimal("33333"), False),
    ]
    content = response.content.decode()
    assert "+1 rounding" in content and "33,334" in content and "FY2026-Q4" in content
    assert not Quota.objects.exists() and not QuotaChange.objects.exists()


def _share_cells(response) -> list[str]:
    return re.findall(r'data-testid="share"><span class="fw-semibold">([^<]*)<', response.content.decode())


def test_it_previews_revenue_shares_as_money_and_deal_shares_as_plain_numbers(client_as, admin_user, trio):
    team, _reps = trio
    OrgSettings.objects.update_or_create(pk=1, defaults={"currency": "EUR"})
    client = client_as(admin_user)
    revenue = client.post(reverse("quotas:split"), _split(team, action="preview"))
    assert _share_cells(revenue) == ["33,334 EUR", "33,333 EUR", "33,333 EUR"]
    assert "100,000 EUR" in revenue.content.decode()  # the total
    deals = client.post(reverse("quotas:split"), _split(team, measure="won_deals", total="10", action="preview"))
    assert _share_cells(deals) == ["4", "3", "3"]
    assert "EUR" not in deals.content.decode()


def test_it_previews_with_htmx_as_the_form_alone(client_as, admin_user, trio):
    team, _reps = trio
    response = client_as(admin_user).post(
        reverse("quotas:split"), _split(team, method="even", action="preview"), headers={"HX-Request": "true"}
    )
    content = response.content.decode()
    assert content.lstrip().startswith('<form id="split-form"') and "<html" not in content
    assert "+1 rounding" in content
    assert not Quota.objects.exists()


def test_it_shows_a_weight_per_active_rep_of_the_chosen_team(client_as, admin_user, trio):
    team, reps = trio
    response = client_as(admin_user).get(reverse("quotas:split"), {"team": team.pk})
    form = response.context["form"]
    assert form.reps == reps
    assert [form[f"weight_{rep.pk}"].value() for rep in reps] == [1, 1, 1]


def test_it_applies_an_even_split(client_as, admin_user, trio):
    team, reps = trio
    client = client_as(admin_user)
    response = client.post(reverse("quotas:split"), _split(team, method="even", action="apply"))
    assert response.status_code == 302
    assert response["Location"] == reverse("quotas:grid") + "?kind=quarter&measure=revenue&start=2026-10-01"
    targets = [Quota.objects.get(rep=rep, period_start=Q4.start).target for rep in reps]
    assert targets == [Decimal("33334"), Decimal("33333"), Decimal("33333")]
    assert Quota.objects.get(team=team).target == Decimal("100000")
    content = client.get(response["Location"]).content.decode()
    assert "33,334" in content and "33,333" in content


def test_it_applies_a_split_by_weights(client_as, admin_user, trio):
    team, (ann, bob, cy) = trio
    data = _split(team, method="weights", action="apply", **{f"weight_{ann.pk}": "2", f"weight_{bob.pk}": "1"})
    data[f"weight_{cy.pk}"] = "1"
    client_as(admin_user).post(reverse("quotas:split"), data)
    assert [Quota.objects.get(rep=rep).target for rep in (ann, bob, cy)] == [
        Decimal("50000"),
        Decimal("25000"),
        Decimal("25000"),
    ]


def test_it_ignores_weights_for_an_even_split(client_as, admin_user, trio):
    team, (ann, _bob, _cy) = trio
    data = _split(team, method="even", action="preview", **{f"weight_{ann.pk}": "5"})
    assert _shares(client_as(admin_user).post(reverse("quotas:split"), data))[0][1] == Decimal("33334")


def test_it_refuses_all_zero_weights(client_as, admin_user, trio):
    team, reps = trio
    data = _split(team, method="weights", action="apply", **{f"weight_{rep.pk}": "0" for rep in reps})
    response = client_as(admin_user).post(reverse("quotas:split"), data)
    assert "At least one weight must be above zero." in response.content.decode()
    assert not Quota.objects.exists()


def test_it_refuses_a_total_in_fractions(client_as, admin_user, trio):
    team, _reps = trio
    response = client_as(admin_user).post(reverse("quotas:split"), _split(team, total="100.50", action="apply"))
    assert response.context["form"].errors["total"] == ["Enter the team target in whole units."]
    assert not Quota.objects.exists()
