"""Every form that sets a password applies Django's validators: at least 12 characters, not a common
password, not all digits, not like the person's own name (ASVS level 2)."""

import pytest
from django.urls import reverse

from accounts.models import Role, User
from tests.factories import PASSWORD

# (password, the validator's message) for one password each rule refuses.
REFUSED = [
    ("short-pw-11", "This password is too short. It must contain at least 12 characters."),
    ("password1234", "This password is too common."),
    ("904718263551", "This password is entirely numeric."),
]


def test_the_validators_ask_for_twelve_characters(settings):
    by_name = {v["NAME"].rsplit(".", 1)[-1]: v.get("OPTIONS", {}) for v in settings.AUTH_PASSWORD_VALIDATORS}
    assert by_name["MinimumLengthValidator"] == {"min_length": 12}
    assert {"UserAttributeSimilarityValidator", "CommonPasswordValidator", "NumericPasswordValidator"} <= set(by_name)


@pytest.mark.parametrize(("password", "message"), REFUSED)
def test_adding_a_person_refuses_a_weak_password(admin_client, team, password, message):
    response = admin_client.post(
        reverse("accounts:user_create"),
        {"username": "newrep", "role": Role.REP, "team": team.pk, "password1": password, "password2": password},
    )
    assert response.status_code == 200
    assert message in response.context["form"].errors["password2"]
    assert not User.objects.filter(username="newrep").exists()


def test_adding_a_person_refuses_a_password_like_their_username(admin_client, team):
    response = admin_client.post(
        reverse("accounts:user_create"),
        {
            "username": "jordan.whitfield",
            "role": Role.REP,
            "team": team.pk,
            "password1": "jordan.whitfield1",
            "password2": "jordan.whitfield1",
        },
    )
    assert "The password is too similar to the username." in response.context["form"].errors["password2"]
    assert not User.objects.filter(username="jordan.whitfield").exists()


@pytest.mark.parametrize(("password", "message"), REFUSED)
def test_an_admin_setting_a_password_gets_the_same_rules(admin_client, rep, password, message):
    response = admin_client.post(
        reverse("accounts:user_set_password", kwargs={"user_id": rep.pk}),
        {"new_password1": password, "new_password2": password},
    )
    assert message in response.context["form"].errors["new_password2"]
    rep.refresh_from_db()
    assert rep.check_password(PASSWORD)


@pytest.mark.parametrize(("password", "message"), REFUSED)
def test_changing_your_own_password_gets_the_same_rules(client_as, rep, password, message):
    response = client_as(rep).post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert message in response.context["form"].errors["new_password2"]
    rep.refresh_from_db()
    assert rep.check_password(PASSWORD)


def test_twelve_characters_are_enough(client_as, rep):
    response = client_as(rep).post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "tidal-bricks", "new_password2": "tidal-bricks"},
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.check_password("tidal-bricks")
