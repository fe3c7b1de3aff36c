"""Who may open and write the deal pages (pipeline/views.py): a deal the user may not see is a 404."""

import pytest
from django.urls import reverse

from tests.factories import stage
from tests.pipeline.views.helpers import _edit_data, _snapshot

LOGIN = "/accounts/login/"


DEAL_PAGES = ["pipeline:deal_detail", "pipeline:deal_edit", "pipeline:deal_move"]

ALLOWED = {"rep": 200, "teammate": 404, "manager": 200, "other_manager": 404, "admin_user": 200}


@pytest.mark.parametrize("who, expected", ALLOWED.items())
@pytest.mark.parametrize("url_name", DEAL_PAGES)
def test_it_shows_deal_pages_only_to_those_who_may_see_the_deal(
    request, client_as, deal, teammate, manager, other_manager, admin_user, url_name, who, expected
):
    user = request.getfixturevalue(who)
    response = client_as(user).get(reverse(url_name, args=[deal.pk]))
    assert response.status_code == expected


@pytest.mark.parametrize(
    "url_name", [*DEAL_PAGES, "pipeline:deal_list", "pipeline:deal_create", "pipeline:deal_export"]
)
def test_it_sends_anonymous_visitors_to_sign_in(client, deal, url_name):
    args = [deal.pk] if url_name in DEAL_PAGES else []
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_it_gives_404_for_a_deal_that_does_not_exist(client_as, admin_user):
    assert client_as(admin_user).get(reverse("pipeline:deal_detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("who", ["teammate", "other_manager"])
def test_it_refuses_a_move_by_an_outsider_and_writes_nothing(request, client_as, deal, pipeline, who):
    before = _snapshot()
    response = client_as(request.getfixturevalue(who)).post(
        reverse("pipeline:deal_move", args=[deal.pk]), {"stage": stage(pipeline, "Demo").pk}
    )
    assert response.status_code == 404
    assert _snapshot() == before


@pytest.mark.parametrize("who", ["teammate", "other_manager"])
def test_it_refuses_an_edit_by_an_outsider_and_writes_nothing(request, client_as, deal, who):
    before = _snapshot()
    response = client_as(request.getfixturevalue(who)).post(
        reverse("pipeline:deal_edit", args=[deal.pk]), _edit_data(deal, title="Hijacked")
    )
    assert response.status_code == 404
    assert _snapshot() == before


def test_it_refuses_an_htmx_move_by_an_outsider(client_as, deal, pipeline, teammate):
    before = _snapshot()
    response = client_as(teammate).post(
        reverse("pipeline:deal_move", args=[deal.pk]),
        {"stage": stage(pipeline, "Demo").pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 404
    assert _snapshot() == before
