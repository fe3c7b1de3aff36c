"""Who may reach the activity pages (activities/views.py): owner, their manager and admins."""

import pytest
from django.urls import reverse

from activities.models import Activity, Outcome
from tests.activities.views.helpers import HTMX, log_data

LOGIN = "/accounts/login/"


@pytest.mark.parametrize(
    "name, method",
    [
        ("activities:list", "get"),
        ("activities:export", "get"),
        ("activities:log", "get"),
        ("activities:log", "post"),
        ("activities:link_search", "get"),
        ("activities:upcoming", "get"),
    ],
)
def test_it_sends_anonymous_visitors_to_sign_in(client, db, name, method):
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize(
    "name, method", [("activities:edit", "get"), ("activities:delete", "get"), ("activities:mark", "post")]
)
def test_it_sends_anonymous_visitors_to_sign_in_for_one_activity(client, activity, name, method):
    response = getattr(client, method)(reverse(name, args=[activity.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert Activity.objects.filter(pk=activity.pk, outcome=Outcome.CONNECTED).exists()


ROLES = [("rep", 200), ("teammate", 404), ("manager", 200), ("other_manager", 404), ("admin_user", 200)]


@pytest.mark.parametrize("role, status", ROLES)
def test_it_lets_only_the_owner_their_manager_and_admins_open_the_edit_page(request, client_as, activity, role, status):
    response = client_as(request.getfixturevalue(role)).get(reverse("activities:edit", args=[activity.pk]))
    assert response.status_code == status


@pytest.mark.parametrize("role, status", ROLES)
def test_it_lets_only_the_owner_their_manager_and_admins_open_the_delete_page(
    request, client_as, activity, role, status
):
    response = client_as(request.getfixturevalue(role)).get(reverse("activities:delete", args=[activity.pk]))
    assert response.status_code == status
    assert Activity.objects.filter(pk=activity.pk).exists()


@pytest.mark.parametrize("role, status", [("rep", 302), *[r for r in ROLES if r[0] != "rep"]])
def test_it_lets_only_the_owner_their_manager_and_admins_delete(request, client_as, activity, role, status):
    user = request.getfixturevalue(role)
    response = client_as(user).post(reverse("activities:delete", args=[activity.pk]))
    expected = 302 if status != 404 else 404
    assert response.status_code == expected
    assert Activity.objects.filter(pk=activity.pk).exists() == (expected == 404)


@pytest.mark.parametrize("role, status", ROLES)
def test_it_lets_only_the_owner_their_manager_and_admins_mark_a_meeting(request, client_as, meeting, role, status):
    response = client_as(request.getfixturevalue(role)).post(
        reverse("activities:mark", args=[meeting.pk]), {"outcome": "positive"}, **HTMX
    )
    assert response.status_code == status
    meeting.refresh_from_db()
    assert meeting.outcome == (Outcome.POSITIVE if status == 200 else Outcome.SCHEDULED)


@pytest.mark.parametrize("role, status", ROLES)
def test_it_lets_only_the_owner_their_manager_and_admins_edit(request, client_as, activity, role, status):
    response = client_as(request.getfixturevalue(role)).post(
        reverse("activities:edit", args=[activity.pk]), log_data(outcome="voicemail", duration_minutes="3")
    )
    assert response.status_code == (302 if status == 200 else 404)
    activity.refresh_from_db()
    assert activity.outcome == (Outcome.VOICEMAIL if status == 200 else Outcome.CONNECTED)
