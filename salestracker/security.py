"""Session, caching and sign-in rules of OWASP ASVS level 2 that Django does not give as settings."""

import time

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db.models import Sum
from django.shortcuts import redirect, resolve_url
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from salestracker.sessions import LAST_SEEN_AT, SIGNED_IN_AT

# The last request's time is stored only once it is this old (seconds): saving the session
# on every request would cost a database write each time.
LAST_SEEN_PRECISION = 60


def no_store_when_signed_in(get_response):
    """Signed-in pages, fragments and CSV exports hold the organisation's figures: no browser
    cache or proxy may keep a copy. Static files are answered by WhiteNoise before this runs
    and stay cacheable."""

    def middleware(request):
        response = get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware


def session_timeouts(get_response):
    """Sign out after SESSION_IDLE_TIMEOUT seconds without a request, and SESSION_COOKIE_AGE
    seconds after sign-in whatever the activity. Django alone gives neither: each session save
    pushes its expiry SESSION_COOKIE_AGE further."""

    def middleware(request):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            # Set at sign-in (salestracker/sessions.py); here only for a session from before then.
            signed_in_at = session.setdefault(SIGNED_IN_AT, now)
            last_seen_at = session.get(LAST_SEEN_AT, now)
            if now - last_seen_at > settings.SESSION_IDLE_TIMEOUT:
                minutes = settings.SESSION_IDLE_TIMEOUT // 60
                return _signed_out(
                    request,
                    _("You were signed out after %(minutes)d minutes without activity. Please sign in again.")
                    % {"minutes": minutes},
                )
            if now - signed_in_at > settings.SESSION_COOKIE_AGE:
                return _signed_out(request, _("Your session has ended. Please sign in again."))
            if now - session.get(LAST_SEEN_AT, 0) >= LAST_SEEN_PRECISION:
                session[LAST_SEEN_AT] = now
        return get_response(request)

    return middleware


def _signed_out(request, message):
    """Sign out, then to the sign-in page, coming back afterwards to the page the person was on
    (for htmx, the page rather than its fragment, and the whole page navigates)."""
    if request.htmx:
        back_to = request.htmx.current_url_abs_path
    else:
        back_to = request.get_full_path() if request.method == "GET" else None
    logout(request)
    messages.info(request, message)
    login_url = resolve_url(settings.LOGIN_URL)
    if back_to:
        login_url += "?" + urlencode({"next": back_to})
    return HttpResponseClientRedirect(login_url) if request.htmx else redirect(login_url)


class AxesAddressHandler(AxesDatabaseHandler):
    """django-axes' database handler, with a second lockout per address across usernames.

    Axes compares the highest failure count of its lockout parameters with one limit, so
    counting by address at AXES_FAILURE_LIMIT would lock a whole office out after a few
    typos. Failures per username and address keep that limit; failures from one address
    over any usernames (password spraying) have their own, higher AXES_ADDRESS_FAILURE_LIMIT.
    """

    def get_failures(self, request, credentials=None) -> int:
        failures = super().get_failures(request, credentials)
        attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        from_address = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
        if from_address >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            # Reported at the one limit axes checks, so it locks the address out.
            return max(failures, get_failure_limit(request, credentials))
        return failures
