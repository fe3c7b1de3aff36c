"""One-time submission keys: a create form sent twice writes once and is answered as the first time.

Each create form renders a fresh random key in a hidden input (``{% submission_key %}`` from
``accounts/templatetags/submissions.py``). Its view, decorated with ``@submissions.once()``, runs
in one transaction that first claims (user, key) as a unique ``Submission`` row; where the view has
written, it calls ``record`` with its answer, which is kept on that row. So a committed create
always has its key, and a rolled-back one never does. The same key again finds the row and is
answered from it (a redirect to the same place, or the view's own ``replay``) without running the
view. A twin sent at the same moment waits on the unique index until the first commits, then gets
the same answer. A POST without a key (an old tab, a script) is handled as before.
"""

import re
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Submission

FIELD = "submission_key"
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
# How long a retry is recognised; beat deletes older keys (CELERY_BEAT_SCHEDULE).
KEEP = timedelta(days=1)

Replay = Callable[[HttpRequest, Submission], HttpResponse]


def answer_again(request: HttpRequest, first: Submission) -> HttpResponse:
    """The default second answer: where the first one led, saying why nothing changed."""
    messages.info(request, _("That form had already been sent; it was saved once, not twice."))
    return redirect(first.location or request.get_full_path())


def once(replay: Replay = answer_again):
    """Decorate a create view (inside ``login_required``) so that each key writes at most once."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            key = request.POST.get(FIELD, "") if request.method == "POST" else ""
            if not _KEY.fullmatch(key):
                return view(request, *args, **kwargs)
            try:
                with transaction.atomic():
                    # Waits here while a twin with the same key is in flight, then fails if it committed.
                    request.submission = Submission.objects.create(user=request.user, key=key)
                    response = view(request, *args, **kwargs)
                    if request.submission.location or request.submission.object_id is not None:
                        request.submission.save(update_fields=["location", "object_id"])
                    else:
                        request.submission.delete()  # nothing was written: the key stays usable
                    return response
            except IntegrityError:
                first = Submission.objects.filter(user=request.user, key=key).first()
                if first is None:  # not our key's conflict
                    raise
                return replay(request, first)

        return wrapper

    return decorator


def record(request: HttpRequest, response: HttpResponse, *, object_id: int | None = None) -> HttpResponse:
    """Keep ``response`` as the first answer to this request's key: its redirect, and ``object_id``
    for a view whose ``replay`` rebuilds the answer. Call it only where the view has written."""
    submission = getattr(request, "submission", None)
    if submission is not None:
        submission.location = response.get("Location", "")
        submission.object_id = object_id
    return response


def submissions_expire(*, older_than: timedelta = KEEP) -> int:
    """Delete keys older than ``older_than``; returns how many."""
    deleted, _by_model = Submission.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
