"""The token pages: create (shown once), list, revoke; admins revoke anyone's."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from api import services
from api.models import ApiToken, hash_secret


def test_it_creates_a_token_and_shows_it_once(client_as, rep):
    client = client_as(rep)
    response = client.post(reverse("api:tokens"), {"name": "Office dialer", "access": "write"})
    assert response.status_code == 201
    token = ApiToken.objects.get()
    secret = response.context["created"].secret
    assert (token.user, token.name, token.can_write, token.expires_at) == (rep, "Office dialer", True, None)
    assert token.secret_hash == hash_secret(secret)
    assert secret in response.content.decode()
    assert secret not in client.get(reverse("api:tokens")).content.decode()


def test_it_sets_the_expiry_at_the_start_of_the_day(client_as, rep):
    day = timezone.localdate() + timedelta(days=10)
    client_as(rep).post(reverse("api:tokens"), {"name": "Script", "access": "read", "expires_on": day.isoformat()})
    token = ApiToken.objects.get()
    assert timezone.localtime(token.expires_at).date() == day
    assert timezone.localtime(token.expires_at).hour == 0
    assert not token.can_write


def test_bad_input_is_shown_next_to_the_field_and_nothing_written(client_as, rep):
    response = client_as(rep).post(
        reverse("api:tokens"), {"name": "  ", "access": "admin", "expires_on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert set(form.errors) == {"name", "access", "expires_on"}
    assert not ApiToken.objects.exists()


def test_it_lists_only_the_users_own_tokens(client_as, rep, teammate):
    services.token_create(user=rep, name="mine", can_write=False)
    services.token_create(user=teammate, name="theirs", can_write=False)
    response = client_as(rep).get(reverse("api:tokens"))
    assert [t.name for t in response.context["tokens"]] == ["mine"]


def test_a_person_revokes_their_own_token(client_as, rep):
    token = services.token_create(user=rep, name="dialer", can_write=True).token
    response = client_as(rep).post(reverse("api:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == rep


def test_nobody_else_but_an_admin_revokes_a_token(client, rep, teammate, manager, admin_user):
    token = services.token_create(user=rep, name="dialer", can_write=True).token
    for other in (teammate, manager):
        client.force_login(other)
        assert client.post(reverse("api:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    client.force_login(admin_user)
    assert client.post(reverse("api:token_revoke", args=[token.pk])).url == reverse("api:tokens_all")
    token.refresh_from_db()
    assert token.revoked_by == admin_user


def test_the_admin_list_shows_everyones_tokens(client_as, rep, teammate, admin_user):
    services.token_create(user=rep, name="a", can_write=False)
    services.token_create(user=teammate, name="b", can_write=False)
    response = client_as(admin_user).get(reverse("api:tokens_all"))
    assert {t.name for t in response.context["page"].object_list} == {"a", "b"}
