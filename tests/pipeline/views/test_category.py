"""Setting a deal's forecast category from its card on the board (``pipeline:deal_category``)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline.models import Deal, DealChange, StageChange
from tests.factories import LostReasonFactory, make_deal

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/"}


def _post(client, deal, category, **headers):
    return client.post(reverse("pipeline:deal_category", args=[deal.pk]), {"forecast_category": category}, **headers)


def _written():
    """Everything a category change could write, to prove a refused one wrote nothing."""
    return list(Deal.objects.order_by("pk").values()), DealChange.objects.count(), StageChange.objects.count()


# --- who may --------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status",
    [("rep", 302), ("teammate", 404), ("outsider", 404), ("manager", 302), ("other_manager", 404), ("admin_user", 302)],
)
def test_it_lets_whoever_may_edit_the_deal_set_its_category(request, client_as, deal, who, status):
    response = _post(client_as(request.getfixturevalue(who)), deal, "commit")
    assert response.status_code == status
    deal.refresh_from_db()
    assert deal.forecast_category == ("commit" if status == 302 else "pipeline")


def test_it_sends_anonymous_visitors_to_sign_in(client, deal):
    response = _post(client, deal, "commit")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    deal.refresh_from_db()
    assert deal.forecast_category == "pipeline"


def test_it_takes_posts_only(client_as, rep, deal):
    assert client_as(rep).get(reverse("pipeline:deal_category", args=[deal.pk])).status_code == 405


# --- what it writes --------------------------------------------------------------


def test_it_records_the_change_in_the_forecast_history(client_as, rep, deal):
    response = _post(client_as(rep), deal, "best_case")
    assert response.url == reverse("pipeline:deal_detail", args=[deal.pk])
    change = deal.forecast_history.order_by("changed_at", "pk").last()
    assert (change.forecast_category, change.changed_by, change.stage) == ("best_case", rep, deal.stage)
    assert deal.forecast_history.count() == 2


def test_it_returns_to_the_board_it_came_from(client_as, rep, deal, pipeline):
    board = reverse("pipeline:pipeline_board", args=[pipeline.pk]) + "?territory=1"
    response = client_as(rep).post(
        reverse("pipeline:deal_category", args=[deal.pk]), {"forecast_category": "commit", "next": board}
    )
    assert response.url == board


def test_it_answers_htmx_with_the_board_showing_the_new_category(client_as, rep, deal):
    response = _post(client_as(rep), deal, "commit", headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="board"')
    assert "Acme renewal is now Commit." in html
    (card,) = [d for column in response.context["columns"] for d in column.deals]
    assert card.forecast_category == "commit"


def test_it_writes_no_row_when_the_category_stays(client_as, rep, deal):
    _post(client_as(rep), deal, "pipeline")
    assert deal.forecast_history.count() == 1


# --- bad input ------------------------------------------------------------------


def test_it_refuses_an_unknown_category_and_writes_nothing(client_as, rep, deal):
    before = _written()
    response = _post(client_as(rep), deal, "certain", headers=HTMX)
    assert response.status_code == 422
    assert "Choose pipeline, best case, commit or omitted." in response.content.decode()
    assert _written() == before


def test_it_says_why_without_javascript(client_as, rep, deal):
    response = client_as(rep).post(
        reverse("pipeline:deal_category", args=[deal.pk]), {"forecast_category": ""}, follow=True
    )
    assert "This field is required." in response.content.decode()
    deal.refresh_from_db()
    assert deal.forecast_category == "pipeline"


def test_it_refuses_a_closed_deal_and_writes_nothing(client_as, rep, pipeline):
    lost = make_deal(
        owner=rep, pipeline=pipeline, stage_name="Lost", lost_reason=LostReasonFactory(), closed_on=timezone.localdate()
    )
    before = _written()
    response = _post(client_as(rep), lost, "commit", headers=HTMX)
    assert response.status_code == 422
    assert "A closed deal is no longer forecast" in response.content.decode()
    assert _written() == before
