"""The pipeline board: columns, totals, stale cards, filters and who sees what."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pipeline import services
from pipeline.models import Deal, Pipeline
from tests.factories import CompanyFactory, LostReasonFactory, TerritoryFactory, make_deal, make_pipeline, stage

LOGIN = "/accounts/login/"


@pytest.fixture
def pipeline(db):
    return make_pipeline()


def _board(client, pipeline, **params):
    return client.get(reverse("pipeline:pipeline_board", args=[pipeline.pk]), params)


def _columns(response):
    return {column.stage.name: column for column in response.context["columns"]}


def _cards(response):
    return {column.stage.name: [d.title for d in column.deals] for column in response.context["columns"]}


def _column_html(response, stage_name):
    """The HTML of one column, from its heading to the next column."""
    html = response.content.decode()
    start = html.index(f">{stage_name}</h2>")
    end = html.find('data-testid="board-column"', start)
    return html[start : end if end != -1 else None]


# --- getting there ----------------------------------------------------------


def test_it_opens_the_first_active_pipeline(client_as, rep):
    Pipeline.objects.create(name="Aardvark", is_active=False)
    make_pipeline("Zeta")
    alpha = make_pipeline("Alpha")
    response = client_as(rep).get(reverse("pipeline:board"))
    assert response.status_code == 302
    assert response.url == reverse("pipeline:pipeline_board", args=[alpha.pk])


@pytest.mark.parametrize("who", ["rep", "admin_user"])
def test_it_shows_a_friendly_page_when_there_is_no_pipeline(request, client_as, who):
    response = client_as(request.getfixturevalue(who)).get(reverse("pipeline:board"))
    assert response.status_code == 200
    assert "No pipeline yet" in response.content.decode()


@pytest.mark.parametrize("url_name, args", [("pipeline:board", []), ("pipeline:pipeline_board", [1])])
def test_it_sends_anonymous_visitors_to_sign_in(client, url_name, args):
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_it_gives_404_for_a_missing_pipeline(client_as, rep):
    assert client_as(rep).get(reverse("pipeline:pipeline_board", args=[999999])).status_code == 404


# --- columns ----------------------------------------------------------------


def test_it_shows_one_column_per_live_stage_in_order(client_as, rep, pipeline):
    archived = stage(pipeline, "Proposal")
    archived.is_archived = True
    archived.save()
    response = _board(client_as(rep), pipeline)
    assert list(_columns(response)) == ["Lead", "Qualified", "Demo", "Won", "Lost"]


def test_it_totals_each_column(client_as, rep, pipeline):
    today = timezone.localdate()
    make_deal(owner=rep, pipeline=pipeline, stage_name="Demo", amount="1000")
    make_deal(owner=rep, pipeline=pipeline, stage_name="Demo", amount="2500.50")
    make_deal(owner=rep, pipeline=pipeline, stage_name="Proposal", amount="4000")
    make_deal(owner=rep, pipeline=pipeline, stage_name="Won", amount="12000", closed_on=today)
    make_deal(owner=rep, pipeline=pipeline, stage_name="Won", amount="9999", closed_on=today - timedelta(days=31))
    response = _board(client_as(rep), pipeline)
    columns = _columns(response)
    # Demo is 50 %, Proposal 70 %, Won 100 %.
    assert (columns["Demo"].count, columns["Demo"].total, columns["Demo"].weighted) == (
        2,
        Decimal("3500.50"),
        Decimal("1750.25"),
    )
    assert (columns["Proposal"].count, columns["Proposal"].total, columns["Proposal"].weighted) == (
        1,
        Decimal("4000"),
        Decimal("2800"),
    )
    # The deal won 31 days ago has left the board.
    assert (columns["Won"].count, columns["Won"].total) == (1, Decimal("12000"))
    assert (columns["Lead"].count, columns["Lead"].total) == (0, Decimal("0"))
    demo = _column_html(response, "Demo")
    assert re.search(r'data-testid="column-count">2<', demo)
    assert 'data-testid="column-total">3,501 USD<' in demo
    assert 'data-testid="column-weighted">1,750 USD<' in demo
    assert "Weighted (50%)" in demo
    assert 'data-testid="column-total">12,000 USD<' in _column_html(response, "Won")


def test_it_flags_stale_cards_by_the_stages_rotting_days(client_as, rep, pipeline):
    demo = stage(pipeline, "Demo")
    demo.rotting_days = 5
    demo.save()
    now = timezone.now()
    make_deal(owner=rep, pipeline=pipeline, stage_name="Demo", title="Sitting", created_at=now - timedelta(days=10))
    moved = make_deal(owner=rep, pipeline=pipeline, title="Moved in lately", created_at=now - timedelta(days=20))
    services.deal_move(deal=moved, to_stage=demo, by=rep, at=now - timedelta(days=4))
    # Qualified has no rotting days and no history yet: never stale.
    make_deal(
        owner=rep, pipeline=pipeline, stage_name="Qualified", title="Old lead", created_at=now - timedelta(days=90)
    )
    response = _board(client_as(rep), pipeline)
    deals = {d.title: d for column in response.context["columns"] for d in column.deals}
    assert deals["Sitting"].is_stale and round(deals["Sitting"].age_days) == 10
    assert not deals["Moved in lately"].is_stale
    assert not deals["Old lead"].is_stale
    html = response.content.decode()
    assert html.count('data-testid="stale-badge"') == 1
    assert "Stale · 10 days" in html
    assert ">4 days</span>" in _column_html(response, "Demo")
    assert ">90 days</span>" in _column_html(response, "Qualified")
    assert "border-danger" in _column_html(response, "Demo")
    assert "border-danger" not in _column_html(response, "Qualified")


def test_it_shows_each_card_with_its_details_and_a_move_link(client_as, rep, pipeline):
    deal = make_deal(
        owner=rep, pipeline=pipeline, title="Acme", amount="1234567", company=CompanyFactory(name="Acme Corp")
    )
    Deal.objects.filter(pk=deal.pk).update(stage_entered_at=timezone.now() - timedelta(hours=30))
    response = _board(client_as(rep), pipeline)
    html = response.content.decode()
    assert ">1 day</span>" in html  # 1.25 days, rounded half up as floatformat does, singular
    assert "1,234,567" in html
    assert "Acme Corp" in html
    assert str(rep) in html.replace("&#x27;", "'")
    move = reverse("pipeline:deal_move", args=[deal.pk])
    assert f'href="{move}?next=/pipeline/board/{pipeline.pk}/"' in html
    assert f'data-move-url="{move}"' in html


def test_it_shows_each_cards_forecast_category_with_a_select_to_change_it(client_as, rep, pipeline):
    deal = make_deal(owner=rep, pipeline=pipeline, title="Acme", forecast_category="commit")
    html = _column_html(_board(client_as(rep), pipeline), "Lead")
    assert '<span class="badge text-bg-success" data-testid="forecast-badge">Commit</span>' in html
    category = reverse("pipeline:deal_category", args=[deal.pk])
    assert f'hx-post="{category}"' in html and f'action="{category}"' in html
    assert '<option value="commit" selected>Commit</option>' in html
    assert 'name="next" value="/pipeline/board/' in html


def test_it_offers_no_category_select_on_a_closed_card(client_as, rep, pipeline):
    make_deal(owner=rep, pipeline=pipeline, stage_name="Won", closed_on=timezone.localdate())
    html = _column_html(_board(client_as(rep), pipeline), "Won")
    assert 'data-testid="forecast-badge"' in html
    assert 'data-testid="category-select"' not in html


# --- who sees what ----------------------------------------------------------


def test_it_shows_a_rep_only_their_own_deals(client_as, rep, teammate, pipeline):
    make_deal(owner=rep, pipeline=pipeline, title="Mine")
    make_deal(owner=teammate, pipeline=pipeline, title="Theirs")
    response = _board(client_as(rep), pipeline)
    assert _cards(response)["Lead"] == ["Mine"]
    assert set(response.context["filters"].fields) == {"territory"}


def test_it_shows_a_manager_their_team_and_filters_by_owner(client_as, manager, rep, teammate, outsider, pipeline):
    make_deal(owner=rep, pipeline=pipeline, title="Rep's")
    make_deal(owner=teammate, pipeline=pipeline, title="Teammate's")
    make_deal(owner=outsider, pipeline=pipeline, title="Outsider's")
    client = client_as(manager)
    assert sorted(_cards(_board(client, pipeline))["Lead"]) == ["Rep's", "Teammate's"]
    assert _cards(_board(client, pipeline, owner=teammate.pk))["Lead"] == ["Teammate's"]
    # Another team's member is not a choice: the filter is refused, not applied.
    response = _board(client, pipeline, owner=outsider.pk)
    assert response.context["filters"].errors["owner"]
    assert "Outsider's" not in _cards(response)["Lead"]


def test_it_filters_by_team_and_territory(client_as, admin_user, rep, outsider, pipeline):
    north = TerritoryFactory(name="North")
    make_deal(owner=rep, pipeline=pipeline, title="North deal", company=CompanyFactory(territory=north))
    make_deal(owner=rep, pipeline=pipeline, title="Elsewhere")
    make_deal(owner=outsider, pipeline=pipeline, title="Other team")
    client = client_as(admin_user)
    assert _cards(_board(client, pipeline, territory=north.pk))["Lead"] == ["North deal"]
    assert _cards(_board(client, pipeline, team=outsider.team_id))["Lead"] == ["Other team"]


def test_it_answers_htmx_with_the_board_fragment(client_as, rep, pipeline):
    make_deal(owner=rep, pipeline=pipeline, title="Mine")
    response = client_as(rep).get(
        reverse("pipeline:pipeline_board", args=[pipeline.pk]), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="board"')
    assert "<html" not in html and "Mine" in html


def test_it_shows_the_board_in_a_fixed_number_of_queries(
    client_as, manager, rep, teammate, pipeline, django_assert_max_num_queries
):
    stages = ["Lead", "Demo", "Proposal", "Won", "Lost"]
    reason = LostReasonFactory()

    def add(count):
        for i in range(count):
            name = stages[i % len(stages)]
            closing = {"closed_on": timezone.localdate()} if name == "Won" else {}
            closing = {"lost_reason": reason, "closed_on": timezone.localdate()} if name == "Lost" else closing
            make_deal(owner=(rep, teammate)[i % 2], pipeline=pipeline, stage_name=name, **closing)

    add(5)
    client = client_as(manager)
    with CaptureQueriesContext(connection) as few:
        response = _board(client, pipeline)
    assert sum(c.count for c in response.context["columns"]) == 5
    add(45)
    with django_assert_max_num_queries(len(few)):
        response = _board(client, pipeline)
    assert sum(c.count for c in response.context["columns"]) == 50
