"""A database connection that drops during a request (a PostgreSQL restart, a failover) answers
without a 500 where it can.

A GET or HEAD that failed on a connection the server closed is run once more on a new connection:
reading twice does no harm. Any other method may have written, or even committed, before the
connection dropped: it gets a 503 page that says so, and for a create form it offers to send the
form again as it was, which is safe (its one-time key, accounts/submissions.py). A connection that
died between requests is replaced before the request's first query (CONN_HEALTH_CHECKS); this
covers one that dies during a request. Other database errors stay 500s.
"""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from accounts.submissions import FIELD

logger = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD")
# Seconds a client is asked to wait before trying again: about what a PostgreSQL restart takes.
RETRY_AFTER = 2


def _note_connection_error(sender, request=None, **kwargs):
    """Mark the request whose exception was a database connection error: Django turns it into a
    500 response deep in the middleware chain (from a view or a middleware), before we see it."""
    if request is not None and isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        request.database_error = True


got_request_exception.connect(_note_connection_error, dispatch_uid="salestracker.middleware.database_error")


def _connection_lost(request: HttpRequest) -> bool:
    """Whether the request failed on a connection that is now unusable; closes such connections
    (so the next query opens a new one)."""
    if not getattr(request, "database_error", False):
        return False
    request.database_error = False
    lost = False
    for conn in connections.all(initialized_only=True):
        if not conn.is_usable():
            conn.close()
            lost = True
    return lost


class DatabaseRetryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not _connection_lost(request):
            return response
        if request.method in SAFE_METHODS:
            logger.warning("Database connection lost during %s %s: running it again", request.method, request.path)
            response = self.get_response(request)
            if not _connection_lost(request):
                return response
        return _unavailable(request)


def _unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 page, rendered without the database. A create form sent with its key (and no file,
    which a page cannot send again) comes back as it was sent, ready to submit again."""
    wrote = request.method not in SAFE_METHODS
    resend = wrote and FIELD in request.POST and not request.FILES
    context = {
        "wrote": wrote,
        "resend_fields": [(name, value) for name, values in request.POST.lists() for value in values] if resend else [],
        "action": request.get_full_path(),
    }
    response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "private, no-store"  # it may hold the form as it was sent
    return response
