"""Signing in and out, changing a password, and the lockout after repeated failures."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD
from tests.helpers import can_sign_in


def test_it_signs_a_rep_in_to_their_week(client, rep):
    response = client.post(reverse("accounts:login"), {"username": rep.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboards:my_week")


def test_it_refuses_a_wrong_password(client, rep):
    response = client.post(reverse("accounts:login"), {"username": rep.username, "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_signs_out_on_post(client_as, rep):
    client = client_as(rep)
    response = client.post(reverse("accounts:logout"))
    assert response.url == reverse("accounts:login")
    assert client.get(reverse("dashboards:my_week")).status_code == 302


def test_it_changes_the_password(client_as, rep, client):
    signed_in = client_as(rep)
    response = signed_in.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "brand-new-secret-1", "new_password2": "brand-new-secret-1"},
    )
    assert response.url == reverse("accounts:password_change_done")
    signed_in.logout()
    assert can_sign_in(rep.username, "brand-new-secret-1")


def test_it_refuses_a_password_change_with_the_wrong_old_password(client_as, rep):
    response = client_as(rep).post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": "brand-new-secret-1", "new_password2": "brand-new-secret-1"},
    )
    assert response.context["form"].errors["old_password"]
    rep.refresh_from_db()
    assert rep.check_password(PASSWORD)


@pytest.mark.parametrize("attempts", [5])
def test_it_locks_out_after_repeated_failures(client, rep, settings, attempts):
    for _ in range(attempts):
        client.post(reverse("accounts:login"), {"username": rep.username, "password": "nope"})
    # Even the right password is refused while locked out, with a clear message.
    response = client.post(reverse("accounts:login"), {"username": rep.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_does_not_lock_out_another_user(client, rep, teammate):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": rep.username, "password": "nope"})
    response = client.post(reverse("accounts:login"), {"username": teammate.username, "password": PASSWORD})
    assert response.status_code == 302
