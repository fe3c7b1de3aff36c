"""Writes of the API's own records: tokens and idempotency keys."""

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ApiToken, IdempotencyKey, hash_secret

SECRET_PREFIX = "st_"
# last_used_at is written at most this often per token: a dialer's burst of calls costs one write.
LAST_USED_PRECISION = timedelta(minutes=1)
# A retry comes within minutes; after this a key may be used again for something new.
IDEMPOTENCY_KEY_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


@transaction.atomic
def token_create(*, user, name: str, can_write: bool, expires_at: datetime | None = None) -> NewToken:
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        prefix=secret[:10],
        secret_hash=hash_secret(secret),
        can_write=can_write,
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    return NewToken(token=token, secret=secret)


@transaction.atomic
def token_revoke(*, token: ApiToken, by) -> ApiToken:
    """Revoke a token (its owner, or an admin); revoking twice keeps the first time."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def token_touch(*, token: ApiToken, now: datetime) -> None:
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path and the body's JSON (key order ignored)."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


@dataclass(frozen=True)
class Replay:
    """A key seen before: the first answer (``matches``), or a key reused for another request."""

    matches: bool
    status_code: int
    response: dict


def idempotent(*, user, key: str, fingerprint: str, write: Callable[[], tuple[int, dict]]) -> tuple[int, dict] | Replay:
    """Run ``write`` once per (user, key): the key row and the write commit together, so a write
    that fails leaves no key and a retry runs it again. A concurrent twin waits on the unique key
    (PostgreSQL) or the write lock (SQLite) and then finds the first answer."""
    now = timezone.now()
    with transaction.atomic():
        IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=now - IDEMPOTENCY_KEY_LIFETIME).delete()
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(user=user, key=key, request_hash=fingerprint, created_at=now)
        except IntegrityError:
            first = IdempotencyKey.objects.get(user=user, key=key)
            return Replay(first.request_hash == fingerprint, first.status_code, first.response)
        status_code, response = write()
        row.status_code, row.response = status_code, response
        row.save(update_fields=["status_code", "response"])
        return status_code, response


def idempotency_keys_expire(*, now: datetime | None = None) -> int:
    """Forget keys older than IDEMPOTENCY_KEY_LIFETIME; returns how many."""
    cutoff = (now or timezone.now()) - IDEMPOTENCY_KEY_LIFETIME
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
