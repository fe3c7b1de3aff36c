"""The growth page: whose figures each role sees, the period picker, what it shows and in how many
queries."""

from datetime import date

import pytest
from django.urls import reverse

from tests.factories import CompanyFactory, RepFactory, TeamFactory
from tests.trends.helpers import drained, logged, won

pytestmark = pytest.mark.django_db

URL = reverse("trends:growth")
OCTOBER = {"period": "month:2026-10-01"}


@pytest.fixture
def figures(rep, teammate, pipeline):
    acme = CompanyFactory(owner=rep, name="Acme")
    won(rep, pipeline, date(2026, 10, 3), "5000", acme)
    won(rep, pipeline, date(2025, 10, 10), "4000", acme)
    logged(teammate, date(2026, 10, 5), "call", 3)
    drained()


def test_it_shows_each_rep_and_the_total_against_a_year_earlier(client_as, manager, rep, teammate, figures, frozen):
    response = client_as(manager).get(URL, OCTOBER)

    assert response.status_code == 200
    html = response.content.decode()
    assert "October 2026 against the same period a year earlier" in html
    rows = response.context["growth"].rows
    assert {row.rep for row in rows} == {rep, teammate}
    assert response.context["growth"].total.won_amount.growth == 25.0
    # 5,000 against 4,000: +25%; the teammate's calls had nothing a year earlier: "—".
    assert "+25%" in html and "—" in html
    # Acme bought 4,000 in the twelve months before and 5,000 since: expansion 1,000, NRR 125%.
    assert '<div class="fs-5" data-testid="expansion">1,000 USD</div>' in html
    assert '<div class="fs-5" data-testid="nrr">125%</div>' in html


def test_the_default_period_is_the_last_month_that_ended(client_as, manager, frozen):
    response = client_as(manager).get(URL)

    # Frozen on 18 November 2026: October.
    assert response.context["period_key"] == "month:2026-10-01"


def test_a_period_not_over_yet_is_refused_beside_the_picker(client_as, manager, frozen):
    response = client_as(manager).get(URL, {"period": "month:2026-11-01"})

    assert response.status_code == 200
    assert response.context["period_key"] == "month:2026-10-01"
    assert 'id="period-error"' in response.content.decode()
    assert "That period has not ended yet" in response.context["error"]


@pytest.mark.parametrize("key", ["year:2024-01-01", "quarter:2025-10-01"])
def test_any_past_period_may_be_asked_for(client_as, manager, frozen, key):
    response = client_as(manager).get(URL, {"period": key})

    assert (response.context["period_key"], response.context["error"]) == (key, "")


@pytest.mark.parametrize(
    "key", ["week:2026-11-02", "month:2026-11-02", "month:0001-01-01", "month:9999-12-01", "year:x", "quarter:"]
)
def test_a_period_that_names_no_month_quarter_or_year_is_refused(client_as, manager, frozen, key):
    response = client_as(manager).get(URL, {"period": key})

    assert response.status_code == 200
    assert response.context["error"]


def test_a_rep_picked_shows_only_that_rep(client_as, manager, rep, teammate, figures, frozen):
    response = client_as(manager).get(URL, OCTOBER | {"rep": teammate.pk})

    assert [row.rep for row in response.context["growth"].rows] == [teammate]
    # The teammate sold nothing to Acme: no customer.
    assert response.context["retention"].customers == 0


def test_a_manager_sees_neither_another_teams_rep_nor_its_team(client_as, manager, outsider):
    client = client_as(manager)

    assert client.get(URL, {"rep": outsider.pk}).status_code == 404
    assert client.get(URL, {"team": outsider.team_id}).status_code == 404


def test_a_department_head_sees_the_teams_below(client_as, rep, team):
    department = TeamFactory(name="North America")
    team.parent = department
    team.save()

    response = client_as(department.manager).get(URL, {"team": department.pk})

    assert [row.rep for row in response.context["growth"].rows] == [rep]


def test_it_reads_a_fixed_number_of_queries(client_as, manager, team, figures, frozen, django_assert_num_queries):
    client = client_as(manager)
    client.get(URL, OCTOBER)
    for n in range(5):
        RepFactory(username=f"extra{n}", team=team)

    # Session and user, the teams (three), reps, settings, closed deals, activity, retention.
    with django_assert_num_queries(10):
        client.get(URL, OCTOBER)
