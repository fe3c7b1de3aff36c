"""The API's services: idempotency keys expire after a day; a token is revoked once."""

from datetime import timedelta

from django.utils import timezone

from api import services, tasks
from api.models import IdempotencyKey


def test_keys_older_than_a_day_are_forgotten(rep):
    now = timezone.now()
    IdempotencyKey.objects.create(user=rep, key="old", request_hash="x", created_at=now - timedelta(hours=25))
    IdempotencyKey.objects.create(user=rep, key="new", request_hash="x", created_at=now - timedelta(hours=23))
    assert tasks.expire_idempotency_keys() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_an_expired_key_may_be_used_again(rep):
    IdempotencyKey.objects.create(
        user=rep, key="k", request_hash="first", created_at=timezone.now() - timedelta(hours=25)
    )
    result = services.idempotent(user=rep, key="k", fingerprint="second", write=lambda: (201, {"id": 2}))
    assert result == (201, {"id": 2})
    assert IdempotencyKey.objects.get().request_hash == "second"


def test_revoking_twice_keeps_the_first_time_and_person(rep, admin_user):
    token = services.token_create(user=rep, name="t", can_write=False).token
    services.token_revoke(token=token, by=rep)
    first = token.revoked_at
    services.token_revoke(token=token, by=admin_user)
    token.refresh_from_db()
    assert (token.revoked_at, token.revoked_by) == (first, rep)
