"""Who is calling: a personal API token, sent as ``Authorization: Bearer <token>``.

The check runs before ninja reads the body, in this order: the body's size (413), the
token (401: unknown, revoked or expired, each said so), its rate limit (429), and a write
with a read-only token (403). The token's user then stands in ``request.user``, so every
selector and service sees the caller exactly as the pages do.
"""

import math
import time

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from . import services
from .models import ApiToken, hash_secret
from .problems import Problem, unauthorized

# Requests per token per window. A dialer logs a call every few seconds at most; a script that
# pages through everything at full speed is what this holds back.
RATE_LIMIT = 120
RATE_WINDOW_SECONDS = 60
# The largest body accepted: an activity with long notes is a few kilobytes.
MAX_BODY_BYTES = 64 * 1024
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _check_size(request) -> None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise Problem(
            413,
            "too-large",
            _("The request is too large."),
            _("Send at most %(size)d bytes.") % {"size": MAX_BODY_BYTES},
        )


def _check_rate(token: ApiToken) -> None:
    """A fixed window per token in the cache (Redis in production, shared by every worker):
    the first request of a window creates its counter, which expires with the window."""
    now = time.time()
    window = int(now // RATE_WINDOW_SECONDS)
    key = f"api-rate:{token.pk}:{window}"
    cache.add(key, 0, RATE_WINDOW_SECONDS + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # the counter expired between add and incr
        cache.set(key, 1, RATE_WINDOW_SECONDS + 1)
        count = 1
    if count > RATE_LIMIT:
        retry_after = max(1, math.ceil((window + 1) * RATE_WINDOW_SECONDS - now))
        raise Problem(
            429,
            "rate-limited",
            _("Too many requests."),
            _("This token may make %(limit)d requests a minute; try again in %(seconds)d s.")
            % {"limit": RATE_LIMIT, "seconds": retry_after},
            headers={"Retry-After": str(retry_after)},
        )


class TokenAuth(HttpBearer):
    def __call__(self, request):
        _check_size(request)
        found = super().__call__(request)
        if found is None:
            raise unauthorized()
        return found

    def authenticate(self, request, token: str):
        found = ApiToken.objects.select_related("user").filter(secret_hash=hash_secret(token)).first()
        now = timezone.now()
        if found is None or not found.user.is_active:
            raise unauthorized(_("This token is not known."))
        if found.is_revoked:
            raise unauthorized(_("This token was revoked."))
        if found.is_expired(now):
            raise unauthorized(_("This token has expired."))
        _check_rate(found)
        if request.method not in SAFE_METHODS and not found.can_write:
            raise Problem(403, "read-only", _("This token is read-only."), _("Create a read-and-write token to write."))
        services.token_touch(token=found, now=now)
        request.user = found.user
        request.api_token = found
        return found
