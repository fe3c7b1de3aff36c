"""Moving a deal between stages, from its move page and from the board (htmx)."""

from django.urls import reverse
from django.utils import timezone

from tests.factories import CompetitorFactory, LostReasonFactory, make_deal, make_pipeline, stage
from tests.pipeline.views.helpers import _snapshot

# --- move -------------------------------------------------------------------


def _move(client, deal, **data):
    return client.post(reverse("pipeline:deal_move", args=[deal.pk]), data)


def test_it_moves_a_deal_with_exactly_one_stage_change(client_as, rep, deal, pipeline):
    demo = stage(pipeline, "Demo")
    response = _move(client_as(rep), deal, stage=demo.pk, closed_on=timezone.localdate().isoformat())
    assert response.status_code == 302
    assert response.url == reverse("pipeline:deal_detail", args=[deal.pk])
    deal.refresh_from_db()
    assert deal.stage == demo
    assert deal.closed_on is None
    assert deal.stage_changes.count() == 2
    assert deal.stage_changes.last().changed_by == rep


def test_it_returns_to_the_board_after_a_move_from_its_link(client_as, rep, deal, pipeline):
    board = reverse("pipeline:pipeline_board", args=[pipeline.pk]) + "?territory=1"
    response = _move(client_as(rep), deal, stage=stage(pipeline, "Demo").pk, next=board)
    assert response.url == board


def test_it_ignores_a_next_address_on_another_site(client_as, rep, deal, pipeline):
    response = _move(client_as(rep), deal, stage=stage(pipeline, "Demo").pk, next="https://evil.example/")
    assert response.url == reverse("pipeline:deal_detail", args=[deal.pk])


def test_it_lets_the_managers_of_the_owner_move_the_deal(client_as, manager, deal, pipeline):
    _move(client_as(manager), deal, stage=stage(pipeline, "Demo").pk)
    assert deal.stage_changes.last().changed_by == manager


def test_it_refuses_a_win_without_a_close_date(client_as, rep, deal, pipeline):
    before = _snapshot()
    response = _move(client_as(rep), deal, stage=stage(pipeline, "Won").pk, closed_on="")
    assert response.status_code == 422
    assert response.context["form"].errors["closed_on"] == ["Enter the date the deal was won."]
    assert _snapshot() == before


def test_it_refuses_a_loss_without_a_reason(client_as, rep, deal, pipeline):
    before = _snapshot()
    response = _move(client_as(rep), deal, stage=stage(pipeline, "Lost").pk, closed_on=timezone.localdate().isoformat())
    assert response.status_code == 422
    assert response.context["form"].errors["lost_reason"] == ["Choose why the deal was lost."]
    assert _snapshot() == before


def test_it_refuses_a_stage_of_another_pipeline(client_as, rep, deal):
    before = _snapshot()
    response = _move(client_as(rep), deal, stage=stage(make_pipeline("Renewals"), "Demo").pk)
    assert response.status_code == 422
    assert response.context["form"].errors["stage"]
    assert _snapshot() == before


def test_it_records_a_loss_with_reason_and_competitor(client_as, rep, deal, pipeline):
    reason, rival = LostReasonFactory(name="Price"), CompetitorFactory(name="Initrode")
    today = timezone.localdate()
    _move(
        client_as(rep),
        deal,
        stage=stage(pipeline, "Lost").pk,
        closed_on=today.isoformat(),
        lost_reason=reason.pk,
        competitor=rival.pk,
    )
    deal.refresh_from_db()
    assert (deal.stage.name, deal.closed_on, deal.lost_reason, deal.competitor) == ("Lost", today, reason, rival)


def test_it_reopens_a_lost_deal_and_keeps_its_history(client_as, rep, deal, pipeline):
    client = client_as(rep)
    today = timezone.localdate().isoformat()
    _move(
        client,
        deal,
        stage=stage(pipeline, "Lost").pk,
        closed_on=today,
        lost_reason=LostReasonFactory().pk,
        competitor=CompetitorFactory().pk,
    )
    response = _move(client, deal, stage=stage(pipeline, "Demo").pk, closed_on=today, lost_reason="", competitor="")
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.stage.name, deal.closed_on, deal.lost_reason, deal.competitor) == ("Demo", None, None, None)
    assert [c.to_stage.name for c in deal.stage_changes.all()] == ["Lead", "Lost", "Demo"]


def test_it_does_nothing_when_moving_to_the_current_stage(client_as, rep, deal, pipeline):
    response = _move(client_as(rep), deal, stage=stage(pipeline, "Lead").pk)
    assert response.status_code == 302
    assert deal.stage_changes.count() == 1


def test_it_offers_only_live_stages_of_the_deals_pipeline(client_as, rep, deal, pipeline):
    make_pipeline("Renewals")
    archived = stage(pipeline, "Proposal")
    archived.is_archived = True
    archived.save()
    form = client_as(rep).get(reverse("pipeline:deal_move", args=[deal.pk])).context["form"]
    assert [s.name for s in form.fields["stage"].queryset] == ["Lead", "Qualified", "Demo", "Won", "Lost"]
    assert form["closed_on"].value() == timezone.localdate()


# --- move from the board (htmx) -----------------------------------------------

HTMX = {"HX-Request": "true"}


def _board_headers(pipeline, query=""):
    return {
        **HTMX,
        "HX-Current-URL": f"http://testserver{reverse('pipeline:pipeline_board', args=[pipeline.pk])}{query}",
    }


def _column_of(response, deal):
    for column in response.context["columns"]:
        if any(d.pk == deal.pk for d in column.deals):
            return column.stage.name
    return None


def test_it_answers_an_htmx_move_with_the_board(client_as, rep, deal, pipeline):
    response = client_as(rep).post(
        reverse("pipeline:deal_move", args=[deal.pk]),
        {"stage": stage(pipeline, "Demo").pk},
        headers=_board_headers(pipeline),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="board"')
    assert "<html" not in html
    assert _column_of(response, deal) == "Demo"
    assert response["HX-Trigger-After-Settle"] == "deal-moved"
    assert "Moved Acme renewal to Demo." in html
    assert deal.stage_changes.count() == 2


def test_it_keeps_the_board_filters_of_the_page_after_an_htmx_move(client_as, manager, rep, teammate, deal, pipeline):
    other = make_deal(owner=teammate, pipeline=pipeline)
    response = client_as(manager).post(
        reverse("pipeline:deal_move", args=[deal.pk]),
        {"stage": stage(pipeline, "Demo").pk},
        headers=_board_headers(pipeline, f"?owner={rep.pk}"),
    )
    assert _column_of(response, deal) == "Demo"
    assert _column_of(response, other) is None


def test_it_asks_for_the_close_date_when_a_card_is_dropped_on_won(client_as, rep, deal, pipeline):
    before = _snapshot()
    response = client_as(rep).post(
        reverse("pipeline:deal_move", args=[deal.pk]),
        {"stage": stage(pipeline, "Won").pk},
        headers=_board_headers(pipeline),
    )
    assert response.status_code == 200
    assert response["HX-Trigger-After-Settle"] == "deal-move-form"
    html = response.content.decode()
    assert 'id="deal-modal-content" hx-swap-oob="innerHTML"' in html
    assert 'name="closed_on"' in html and 'name="lost_reason"' not in html
    assert not response.context["form"].errors
    # The card stays where the database says it is.
    assert _column_of(response, deal) == "Lead"
    assert _snapshot() == before


def test_it_asks_for_the_reason_when_a_card_is_dropped_on_lost(client_as, rep, deal, pipeline):
    response = client_as(rep).post(
        reverse("pipeline:deal_move", args=[deal.pk]),
        {"stage": stage(pipeline, "Lost").pk},
        headers=_board_headers(pipeline),
    )
    html = response.content.decode()
    assert 'name="lost_reason"' in html and 'name="competitor"' in html
    assert deal.stage_changes.count() == 1


def test_it_answers_422_with_the_form_and_the_board_when_the_modal_is_incomplete(client_as, rep, deal, pipeline):
    before = _snapshot()
    response = client_as(rep).post(
        reverse("pipeline:deal_move", args=[deal.pk]),
        {
            "stage": stage(pipeline, "Lost").pk,
            "closed_on": timezone.localdate().isoformat(),
            "lost_reason": "",
            "competitor": "",
        },
        headers=_board_headers(pipeline),
    )
    assert response.status_code == 422
    assert response["HX-Trigger-After-Settle"] == "deal-move-form"
    assert "Choose why the deal was lost." in response.content.decode()
    assert _column_of(response, deal) == "Lead"
    assert _snapshot() == before


def test_it_completes_a_win_from_the_modal(client_as, rep, deal, pipeline):
    today = timezone.localdate()
    response = client_as(rep).post(
        reverse("pipeline:deal_move", args=[deal.pk]),
        {"stage": stage(pipeline, "Won").pk, "closed_on": today.isoformat()},
        headers=_board_headers(pipeline),
    )
    assert response.status_code == 200
    assert response["HX-Trigger-After-Settle"] == "deal-moved"
    assert _column_of(response, deal) == "Won"
    deal.refresh_from_db()
    assert deal.closed_on == today
