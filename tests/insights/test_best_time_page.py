"""The best-time page (/insights/best-time/): whose calls each role may see, what a cell says, bad
input, and a fixed number of queries."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.insights.helpers import calls, drained

pytestmark = pytest.mark.django_db

URL = reverse("insights:best_time")
MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


def _get(client, **query):
    return client.get(URL, {**MARCH, **query})


def _attempts(response) -> int:
    return response.context["heatmap"].attempts


@pytest.fixture
def logged(rep, teammate, outsider):
    calls(rep, 2, 10, attempts=10, connected=4)
    calls(teammate, 2, 10, attempts=3, connected=3)
    calls(outsider, 2, 10, attempts=5, connected=0)
    drained()


def test_it_shows_a_rep_their_own_calls(client_as, rep, logged):
    response = _get(client_as(rep))
    assert response.status_code == 200
    assert _attempts(response) == 10
    html = response.content.decode()
    assert "10 calls, 4 connected." in html
    assert 'data-weekday="2" data-hour="10" data-shade="5"' in html


def test_a_rep_gets_404_for_a_teammate_or_a_team(client_as, rep, teammate, team, logged):
    client = client_as(rep)
    assert _get(client, rep=teammate.pk).status_code == 404
    assert _get(client, team=team.pk).status_code == 404
    assert _get(client, rep=rep.pk).status_code == 200


def test_a_manager_sees_their_teams_reps_and_one_of_them(client_as, manager, rep, logged):
    client = client_as(manager)
    assert _attempts(_get(client)) == 13
    assert _attempts(_get(client, rep=rep.pk)) == 10


def test_a_manager_gets_404_for_another_teams_rep_or_team(client_as, manager, outsider, logged):
    client = client_as(manager)
    assert _get(client, rep=outsider.pk).status_code == 404
    assert _get(client, team=outsider.team_id).status_code == 404


def test_an_admin_sees_everyone_or_a_team(client_as, admin_user, outsider, logged):
    client = client_as(admin_user)
    assert _attempts(_get(client)) == 18
    assert _attempts(_get(client, team=outsider.team_id)) == 5


def test_a_thin_slot_is_greyed_and_says_why(client_as, manager, teammate, logged):
    response = _get(client_as(manager), rep=teammate.pk)
    html = response.content.decode()
    assert 'data-weekday="2" data-hour="10" data-shade="0"' in html
    assert "not rated, too few attempts" in html
    assert "No slot has 10 attempts yet in this range." in html


def test_the_best_slots_are_listed(client_as, rep, logged):
    response = _get(client_as(rep))
    assert [(s.weekday, s.hour) for s in response.context["heatmap"].top] == [(2, 10)]
    assert response.content.decode().count('data-testid="top-slot"') == 1


def test_emails_show_the_reply_rate(client_as, rep, logged):
    response = _get(client_as(rep), kind="email")
    assert response.context["heatmap"].kind == "email"
    assert "0 emails, 0 replied." in response.content.decode()


def test_the_range_defaults_to_the_last_90_days(client_as, rep, frozen):
    heatmap = client_as(rep).get(URL).context["heatmap"]
    assert (heatmap.kind, heatmap.start, heatmap.end) == ("call", date(2026, 8, 21), date(2026, 11, 18))


def test_an_end_before_the_start_is_refused_beside_the_field(client_as, rep, frozen):
    response = client_as(rep).get(URL, {"start": "2026-03-31", "end": "2026-03-01"})
    assert response.status_code == 200
    assert response.context["form"].errors["end"] == ["The end date is before the start date."]
    assert "The end date is before the start date." in response.content.decode()
    assert response.context["heatmap"].end == date(2026, 11, 18)  # the default range meanwhile


def test_a_date_outside_the_accepted_window_is_refused(client_as, rep):
    response = client_as(rep).get(URL, {"start": "9999-12-31"})
    assert response.status_code == 200
    assert "start" in response.context["form"].errors


def test_it_builds_the_page_in_a_fixed_number_of_queries(client_as, admin_user, rep, teammate, outsider):
    client = client_as(admin_user)
    calls(rep, 2, 10, attempts=1, connected=1)
    drained()
    _get(client)  # warm the session
    with CaptureQueriesContext(connection) as small:
        _get(client)
    calls(rep, 3, 11, attempts=12, connected=5)
    calls(teammate, 4, 15, attempts=12, connected=5, week=2)
    calls(outsider, 1, 9, attempts=3, connected=1)
    drained()
    with CaptureQueriesContext(connection) as large:
        response = _get(client)
    assert _attempts(response) == 28
    assert len(large.captured_queries) == len(small.captured_queries) <= 6
