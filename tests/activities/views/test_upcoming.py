"""Upcoming meetings and marking their outcome."""

import pytest
from django.urls import reverse

from activities.models import Kind, Outcome
from tests.activities.views.helpers import HTMX, ago, ahead, log
from tests.factories import ContactFactory


def test_it_shows_meetings_awaiting_an_outcome_and_those_coming_up(client_as, rep, teammate, meeting):
    demo = log(rep, kind=Kind.DEMO, outcome=Outcome.SCHEDULED, occurred_at=ahead(days=2))
    log(rep, kind=Kind.MEETING, outcome=Outcome.POSITIVE, occurred_at=ago(days=1))
    log(teammate, kind=Kind.MEETING, outcome=Outcome.SCHEDULED, occurred_at=ahead(days=1))
    response = client_as(rep).get(reverse("activities:upcoming"))
    meetings = response.context["meetings"]
    assert (meetings.awaiting, meetings.upcoming) == ([meeting], [demo])


def test_a_manager_sees_their_teams_meetings(client_as, manager, rep, teammate, outsider):
    ours = log(teammate, kind=Kind.DEMO, outcome=Outcome.SCHEDULED, occurred_at=ahead(days=1))
    log(outsider, kind=Kind.DEMO, outcome=Outcome.SCHEDULED, occurred_at=ahead(days=1))
    assert client_as(manager).get(reverse("activities:upcoming")).context["meetings"].upcoming == [ours]


def test_it_offers_only_cancelled_for_a_meeting_still_to_come(client_as, rep):
    log(rep, kind=Kind.MEETING, outcome=Outcome.SCHEDULED, occurred_at=ahead(days=1))
    html = client_as(rep).get(reverse("activities:upcoming")).content.decode()
    assert 'value="cancelled"' in html
    assert 'value="positive"' not in html and 'value="no_show"' not in html


def test_it_offers_every_outcome_for_a_meeting_that_is_over(client_as, rep, meeting):
    html = client_as(rep).get(reverse("activities:upcoming")).content.decode()
    for value in ("positive", "neutral", "negative", "no_show", "cancelled"):
        assert f'value="{value}"' in html


@pytest.mark.parametrize("outcome", [Outcome.POSITIVE, Outcome.NEGATIVE, Outcome.NO_SHOW, Outcome.HELD])
def test_it_marks_a_meeting_in_one_click(client_as, rep, meeting, outcome):
    response = client_as(rep).post(reverse("activities:mark", args=[meeting.pk]), {"outcome": outcome}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="list-group-item" id="meeting-{meeting.pk}"')
    assert str(outcome.label) in html
    meeting.refresh_from_db()
    assert meeting.outcome == outcome


def test_it_refuses_marking_a_meeting_still_to_come_held(client_as, rep):
    meeting = log(rep, kind=Kind.MEETING, outcome=Outcome.SCHEDULED, occurred_at=ahead(days=1))
    response = client_as(rep).post(reverse("activities:mark", args=[meeting.pk]), {"outcome": "no_show"}, **HTMX)
    assert response.status_code == 422
    assert "This meeting has not happened yet." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.outcome == Outcome.SCHEDULED


def test_it_cancels_a_meeting_still_to_come(client_as, rep):
    meeting = log(rep, kind=Kind.MEETING, outcome=Outcome.SCHEDULED, occurred_at=ahead(days=1))
    client_as(rep).post(reverse("activities:mark", args=[meeting.pk]), {"outcome": "cancelled"}, **HTMX)
    meeting.refresh_from_db()
    assert meeting.outcome == Outcome.CANCELLED


def test_it_refuses_an_outcome_that_is_not_a_button(client_as, rep, meeting):
    response = client_as(rep).post(reverse("activities:mark", args=[meeting.pk]), {"outcome": "replied"}, **HTMX)
    assert response.status_code == 422
    assert "Choose held, no-show or cancelled." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.outcome == Outcome.SCHEDULED


def test_it_refuses_marking_a_call(client_as, rep, activity):
    response = client_as(rep).post(reverse("activities:mark", args=[activity.pk]), {"outcome": "positive"}, **HTMX)
    assert response.status_code == 422
    activity.refresh_from_db()
    assert activity.outcome == Outcome.CONNECTED


def test_it_marks_without_javascript_and_comes_back(client_as, rep, meeting):
    response = client_as(rep).post(reverse("activities:mark", args=[meeting.pk]), {"outcome": "no_show"}, follow=True)
    assert response.redirect_chain == [(reverse("activities:upcoming"), 302)]
    assert "Marked the meeting." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.outcome == Outcome.NO_SHOW


def test_marking_needs_a_post(client_as, rep, meeting):
    assert client_as(rep).get(reverse("activities:mark", args=[meeting.pk])).status_code == 405


def test_it_shows_upcoming_meetings_in_a_fixed_number_of_queries(
    client_as, django_assert_max_num_queries, manager, rep
):
    client = client_as(manager)
    contact = ContactFactory(owner=rep)
    for i in range(3):
        log(rep, kind=Kind.MEETING, outcome=Outcome.SCHEDULED, occurred_at=ahead(days=i + 1), contact=contact)
    # Session, user, the manager's teams (two levels), the meetings.
    with django_assert_max_num_queries(5):
        client.get(reverse("activities:upcoming"))
    for i in range(30):
        log(rep, kind=Kind.DEMO, outcome=Outcome.SCHEDULED, occurred_at=ago(hours=i + 1), contact=contact)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("activities:upcoming"))
    assert len(response.context["meetings"].awaiting) == 30
