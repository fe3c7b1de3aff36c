"""Tokens at the door: unknown, revoked, expired and read-only tokens, the rate limit and the size limit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from activities.models import Activity
from api import auth, services
from api.models import ApiToken, hash_secret
from tests.api.conftest import ApiClient

CALL = {"kind": "call", "outcome": "no_answer"}


def _problem(response, status: int, kind: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"].endswith("/" + kind)
    return body


def test_no_token_is_401(client, db):
    response = client.get("/api/v1/activities")
    _problem(response, 401, "unauthorized")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_is_401(client, rep):
    _problem(ApiClient(client, "st_nonsense").get("/activities"), 401, "unauthorized")


def test_a_revoked_token_is_401_and_says_so(client, rep):
    new = services.token_create(user=rep, name="dialer", can_write=True)
    services.token_revoke(token=new.token, by=rep)
    body = _problem(ApiClient(client, new.secret).post("/activities", CALL), 401, "unauthorized")
    assert body["detail"] == "This token was revoked."
    assert not Activity.objects.exists()


def test_an_expired_token_is_401_and_says_so(client, rep):
    new = services.token_create(
        user=rep, name="dialer", can_write=True, expires_at=timezone.now() - timedelta(seconds=1)
    )
    body = _problem(ApiClient(client, new.secret).get("/activities"), 401, "unauthorized")
    assert body["detail"] == "This token has expired."


def test_a_token_of_a_deactivated_person_is_401(client, rep):
    new = services.token_create(user=rep, name="dialer", can_write=True)
    rep.is_active = False
    rep.save()
    _problem(ApiClient(client, new.secret).get("/activities"), 401, "unauthorized")


def test_a_read_only_token_reads_but_does_not_write(api_as, rep):
    caller = api_as(rep, write=False)
    assert caller.get("/activities").status_code == 200
    _problem(caller.post("/activities", CALL), 403, "read-only")
    assert not Activity.objects.exists()


def test_only_the_secrets_hash_is_stored(rep):
    new = services.token_create(user=rep, name="dialer", can_write=False)
    stored = ApiToken.objects.get()
    assert stored.secret_hash == hash_secret(new.secret)
    assert new.secret not in str(list(ApiToken.objects.values()))
    assert new.secret.startswith(stored.prefix)


def test_using_a_token_records_when(api_as, rep):
    api_as(rep).get("/activities")
    assert ApiToken.objects.get().last_used_at is not None


def test_past_the_rate_limit_it_answers_429_with_retry_after(api_as, rep, monkeypatch):
    monkeypatch.setattr(auth, "RATE_LIMIT", 3)
    caller = api_as(rep)
    assert [caller.get("/activities").status_code for _ in range(3)] == [200, 200, 200]
    response = caller.post("/activities", CALL)
    _problem(response, 429, "rate-limited")
    assert 1 <= int(response["Retry-After"]) <= auth.RATE_WINDOW_SECONDS
    assert not Activity.objects.exists()


def test_the_rate_limit_is_per_token(api_as, rep, monkeypatch):
    monkeypatch.setattr(auth, "RATE_LIMIT", 1)
    first, second = api_as(rep), api_as(rep)
    assert first.get("/activities").status_code == 200
    assert first.get("/activities").status_code == 429
    assert second.get("/activities").status_code == 200


def test_a_body_past_the_size_limit_is_413_and_writes_nothing(api_as, rep):
    response = api_as(rep).post("/activities", CALL | {"notes": "x" * auth.MAX_BODY_BYTES})
    _problem(response, 413, "too-large")
    assert not Activity.objects.exists()


@pytest.mark.parametrize("header", ["Token abc", "Bearer", "Basic dXNlcjpwYXNz"])
def test_a_malformed_authorization_header_is_401(client, db, header):
    _problem(client.get("/api/v1/activities", headers={"Authorization": header}), 401, "unauthorized")
