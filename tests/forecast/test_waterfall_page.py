"""The waterfall page (forecast/views_history.py): who sees whose pipeline, the bars and the deals
behind each, in a fixed number of queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from pipeline import services as pipeline_services
from tests.dashboards.rollups.helpers import deal_for
from tests.factories import RepFactory, TeamFactory
from tests.helpers import at

pytestmark = pytest.mark.django_db

URL = reverse("forecast:waterfall")
Q4 = {"period": "custom", "start": "2026-10-01", "end": "2026-12-31"}


@pytest.fixture
def deals(rep, teammate, monkeypatch):
    """The rep's deal pushed out of the fourth quarter, the teammate's new one in it."""
    pushed = deal_for(rep, None, at(date(2026, 9, 1)), amount="4000", expected_close_date=date(2026, 12, 20))
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(date(2026, 11, 2)))
    pipeline_services.deal_update(deal=pushed, by=rep, expected_close_date=date(2027, 1, 15))
    monkeypatch.undo()
    new = deal_for(
        teammate, None, at(date(2026, 10, 5)), amount="2500", expected_close_date=date(2026, 11, 30), title="Fresh"
    )
    return pushed, new


def test_it_shows_the_teams_bars_and_adds_up(client_as, manager, deals):
    response = client_as(manager).get(URL, Q4)
    assert response.status_code == 200
    flow = response.context["flow"]
    assert (flow.opening, flow.closing) == (Decimal("4000.00"), Decimal("2500.00"))
    bars = {bar.key: bar.amount for bar in flow.bars if bar.deals}
    assert bars == {"new": Decimal("2500.00"), "pushed_out": Decimal("-4000.00")}
    html = response.content.decode()
    assert "movement=pushed_out" in html and "4,000 USD" in html


def test_a_rows_link_lists_the_deals_behind_it(client_as, manager, deals):
    pushed, _new = deals
    response = client_as(manager).get(URL, {**Q4, "movement": "pushed_out"})
    lines = response.context["lines"]
    assert [line.deal for line in lines] == [pushed]
    assert lines[0].amount == Decimal("-4000.00")
    assert lines[0].after.close == date(2027, 1, 15)


def test_an_htmx_request_for_the_deals_gets_the_list_alone(client_as, manager, deals):
    response = client_as(manager).get(
        URL, {**Q4, "movement": "new"}, headers={"HX-Request": "true", "HX-Target": "waterfall-deals"}
    )
    html = response.content.decode()
    assert "Fresh" in html and "<html" not in html


def test_a_rep_sees_only_their_own_pipeline(client_as, rep, deals):
    response = client_as(rep).get(URL, Q4)
    flow = response.context["flow"]
    assert (flow.opening, flow.closing) == (Decimal("4000.00"), Decimal("0.00"))


def test_a_rep_asking_for_a_teammate_or_a_team_gets_404(client_as, rep, teammate, team):
    client = client_as(rep)
    assert client.get(URL, {"rep": teammate.pk}).status_code == 404
    assert client.get(URL, {"team": team.pk}).status_code == 404
    assert client.get(URL, {"rep": rep.pk}).status_code == 200


def test_a_manager_picks_one_rep_of_the_team(client_as, manager, rep, deals):
    response = client_as(manager).get(URL, {**Q4, "rep": rep.pk})
    assert response.context["flow"].opening == Decimal("4000.00")
    assert response.context["flow"].closing == Decimal("0.00")


def test_another_managers_team_or_rep_is_404(client_as, other_manager, rep, team):
    client = client_as(other_manager)
    assert client.get(URL, {"team": team.pk}).status_code == 404
    assert client.get(URL, {"rep": rep.pk}).status_code == 404


def test_a_department_includes_the_teams_below_it(client_as, manager, team, deals):
    below = TeamFactory(name="Enterprise East SMB", parent=team, manager=None)
    junior = RepFactory(username="junior", team=below)
    deal_for(junior, None, at(date(2026, 10, 7)), amount="700", expected_close_date=date(2026, 12, 1))
    response = client_as(manager).get(URL, {**Q4, "team": team.pk})
    assert response.context["flow"].closing == Decimal("3200.00")


def test_it_answers_in_a_fixed_number_of_queries(client_as, manager, team, deals, django_assert_max_num_queries):
    client = client_as(manager)
    client.get(URL, Q4)  # the session and the cached settings are warm
    for n in range(5):
        deal_for(
            RepFactory(username=f"more{n}", team=team),
            None,
            at(date(2026, 9, 3)),
            amount="100",
            expected_close_date=date(2026, 10, 9),
        )
    with django_assert_max_num_queries(9):
        response = client.get(URL, {**Q4, "movement": "start"})
    assert len(response.context["lines"]) == 6


def test_an_empty_rep_or_team_is_the_viewers_own_page(client_as, rep):
    assert client_as(rep).get(URL, {"rep": "", "team": ""}).status_code == 200
