"""Moving a deal on the pipeline board by dragging its card, in a real browser."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from pipeline.models import StageChange
from tests.e2e.helpers import sign_in
from tests.factories import CompanyFactory, RepFactory, make_deal, make_pipeline, stage


@pytest.fixture
def board(live_server):
    rep = RepFactory(username="dana", first_name="Dana", last_name="Scully")
    pipeline = make_pipeline()
    deal = make_deal(owner=rep, pipeline=pipeline, title="Acme renewal", company=CompanyFactory(name="Acme"))
    make_deal(owner=rep, pipeline=pipeline, stage_name="Demo", title="Globex pilot")
    return {"rep": rep, "pipeline": pipeline, "deal": deal, "url": live_server.url}


def column(page: Page, stage_obj):
    return page.locator(f'ol[data-stage-id="{stage_obj.pk}"]')


def drag(page: Page, card, target) -> None:
    """SortableJS listens to real pointer events: press, move in small steps, release."""
    card_box, target_box = card.bounding_box(), target.bounding_box()
    x, y = card_box["x"] + card_box["width"] / 2, card_box["y"] + 12
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 10, y + 10, steps=5)
    tx, ty = target_box["x"] + target_box["width"] / 2, target_box["y"] + 30
    page.mouse.move(tx, ty, steps=20)
    # Sortable ignores the pointer while a card it just moved is still animating
    # (150 ms): rest over the target, as a person does, before letting go.
    page.wait_for_timeout(300)
    page.mouse.move(tx + 5, ty + 5, steps=3)
    page.mouse.up()


def test_rep_drags_a_deal_to_another_stage(board, page: Page):
    pipeline, deal = board["pipeline"], board["deal"]
    lead, qualified = stage(pipeline, "Lead"), stage(pipeline, "Qualified")
    # Wide enough for every column of the board to be on screen, so a drag can reach it.
    sign_in(page, board["url"], "dana", width=1600)
    page.goto(board["url"] + reverse("pipeline:pipeline_board", args=[pipeline.pk]))
    card = column(page, lead).get_by_test_id("deal-card").filter(has_text="Acme renewal")
    expect(card).to_be_visible()
    before = StageChange.objects.filter(deal=deal).count()

    target = column(page, qualified)
    with page.expect_response(
        lambda r: r.url.endswith(reverse("pipeline:deal_move", args=[deal.pk])) and r.request.method == "POST"
    ) as move:
        drag(page, card, target)
    assert move.value.status == 200
    # The board the server sent back has the card in its new column.
    expect(column(page, qualified).get_by_test_id("deal-card").filter(has_text="Acme renewal")).to_be_visible()
    expect(page.locator("#board-status")).to_contain_text("Moved Acme renewal to Qualified.")

    page.reload()
    expect(column(page, qualified).get_by_test_id("deal-card").filter(has_text="Acme renewal")).to_be_visible()
    expect(column(page, lead).get_by_test_id("deal-card")).to_have_count(0)
    changes = StageChange.objects.filter(deal=deal)
    assert changes.count() == before + 1
    assert (changes.last().from_stage, changes.last().to_stage, changes.last().changed_by) == (
        lead,
        qualified,
        board["rep"],
    )


def test_dropping_on_won_asks_for_the_close_date_and_keeps_the_card_until_confirmed(board, page: Page):
    pipeline, deal = board["pipeline"], board["deal"]
    lead, won = stage(pipeline, "Lead"), stage(pipeline, "Won")
    # Wide enough for every column of the board to be on screen, so a drag can reach it.
    sign_in(page, board["url"], "dana", width=1600)
    page.goto(board["url"] + reverse("pipeline:pipeline_board", args=[pipeline.pk]))
    card = column(page, lead).get_by_test_id("deal-card").filter(has_text="Acme renewal")

    with page.expect_response(lambda r: r.request.method == "POST"):
        drag(page, card, column(page, won))
    modal = page.locator("#deal-modal")
    expect(modal).to_be_visible()
    expect(modal.get_by_role("heading")).to_contain_text("Move “Acme renewal” to Won")
    # Not won yet: the card is back where the database says it is.
    expect(column(page, lead).get_by_test_id("deal-card").filter(has_text="Acme renewal")).to_be_visible()
    assert StageChange.objects.filter(deal=deal).count() == 1

    with page.expect_response(lambda r: r.request.method == "POST"):
        modal.get_by_role("button", name="Move").click()
    expect(modal).to_be_hidden()
    expect(column(page, won).get_by_test_id("deal-card").filter(has_text="Acme renewal")).to_be_visible()
    assert StageChange.objects.filter(deal=deal).count() == 2


def test_rep_sets_a_deals_forecast_category_on_its_card(board, page: Page):
    pipeline, deal = board["pipeline"], board["deal"]
    sign_in(page, board["url"], "dana", width=1600)
    page.goto(board["url"] + reverse("pipeline:pipeline_board", args=[pipeline.pk]))
    card = column(page, stage(pipeline, "Lead")).get_by_test_id("deal-card").filter(has_text="Acme renewal")
    with page.expect_response(
        lambda r: r.url.endswith(reverse("pipeline:deal_category", args=[deal.pk])) and r.request.method == "POST"
    ) as answer:
        card.get_by_label("Forecast category of Acme renewal").select_option("commit")
    assert answer.value.status == 200
    # The board came back from the server: the card's badge and its column's commit total say so.
    card = column(page, stage(pipeline, "Lead")).get_by_test_id("deal-card").filter(has_text="Acme renewal")
    expect(card.get_by_test_id("forecast-badge")).to_have_text("Commit")
    expect(page.locator("#board-status")).to_contain_text("Acme renewal is now Commit.")
    expect(page.get_by_test_id("column-commit")).to_have_count(1)
    deal.refresh_from_db()
    assert deal.forecast_category == "commit"
    assert deal.forecast_history.order_by("changed_at", "pk").last().changed_by == board["rep"]
