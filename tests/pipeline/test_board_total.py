"""The board's pipeline total: the open deals behind its filter, their value and weighted value."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_deal, make_pipeline


@pytest.fixture
def pipeline(db):
    return make_pipeline()


def _board(client, pipeline, **params):
    return client.get(reverse("pipeline:pipeline_board", args=[pipeline.pk]), params)


def test_it_adds_up_the_open_columns_only(client_as, rep, pipeline):
    make_deal(owner=rep, pipeline=pipeline, stage_name="Lead", amount="1000")  # 10%
    make_deal(owner=rep, pipeline=pipeline, stage_name="Demo", amount="2000")  # 50%
    make_deal(owner=rep, pipeline=pipeline, stage_name="Won", amount="9000", closed_on=timezone.localdate())
    response = _board(client_as(rep), pipeline)
    total = response.context["total"]
    assert (total.count, total.value, total.weighted) == (2, Decimal("3000"), Decimal("1100"))
    html = response.content.decode()
    total_html = html.split('data-testid="board-total"')[1].split("</p>")[0]
    assert "2 deals" in total_html and "3,000" in total_html and "1,100" in total_html


def test_it_follows_the_boards_filter(client_as, manager, rep, teammate, pipeline):
    make_deal(owner=rep, pipeline=pipeline, stage_name="Lead", amount="1000")
    make_deal(owner=teammate, pipeline=pipeline, stage_name="Lead", amount="500")
    client = client_as(manager)
    assert _board(client, pipeline).context["total"].value == Decimal("1500")
    assert _board(client, pipeline, owner=teammate.pk).context["total"].value == Decimal("500")


def test_it_comes_back_with_the_board_after_a_move(client_as, rep, pipeline):
    deal = make_deal(owner=rep, pipeline=pipeline, stage_name="Lead", amount="1000")
    demo = pipeline.stages.get(name="Demo")
    response = client_as(rep).post(
        reverse("pipeline:deal_move", args=[deal.pk]),
        {"stage": demo.pk},
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/"},
    )
    assert response.context["total"].weighted == Decimal("500")
    assert 'data-testid="board-total"' in response.content.decode()


def test_it_shows_each_open_columns_commit_total(client_as, rep, pipeline):
    make_deal(owner=rep, pipeline=pipeline, stage_name="Demo", amount="2000", forecast_category="commit")
    make_deal(owner=rep, pipeline=pipeline, stage_name="Demo", amount="700", forecast_category="best_case")
    make_deal(owner=rep, pipeline=pipeline, stage_name="Lead", amount="300")
    response = _board(client_as(rep), pipeline)
    columns = {column.stage.name: column for column in response.context["columns"]}
    assert (columns["Demo"].commit, columns["Lead"].commit) == (Decimal("2000"), Decimal("0"))
    html = response.content.decode()
    assert html.count('data-testid="column-commit"') == 1
    assert ">2,000 USD</dd>" in html.split('data-testid="column-commit"')[1][:40]
