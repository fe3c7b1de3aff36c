"""CSV import screens: upload -> check every row -> preview (or every error) -> confirm -> write all or nothing.

Between the preview and the confirmation the file's text waits in the
session, under a one-time token: the confirmation does not upload the file
again and cannot be replayed from an old tab after another upload. It is
checked again on confirm, because the data may have changed in between.
The session (database-backed) keeps it server-side, unlike a hidden field,
which would send up to 5 MB back and forth and hit Django's request body limit.
"""

import secrets

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts import submissions
from salestracker.csvio import csv_response
from salestracker.forms import CsvUploadForm

from . import importers

User = get_user_model()

SESSION_KEY = "pipeline_import"
# Where a finished import lands.
DONE_URLS = {"companies": "pipeline:company_list", "contacts": "pipeline:contact_list", "deals": "pipeline:deal_list"}


def _kind_or_404(kind: str) -> importers.ImportKind:
    if kind not in importers.KINDS:
        raise Http404(_("There is no import of that kind."))
    return importers.KINDS[kind]


@login_required
@require_GET
def import_template(request, kind):
    _kind_or_404(kind)
    header, example = importers.template_rows(kind)
    return csv_response(filename=f"{kind}-template.csv", header=header, rows=[example])


@login_required
@require_http_methods(["GET", "POST"])
@submissions.once()
def import_upload(request, kind):
    """Any signed-in user may import companies and contacts; deals only for the owners they may import for
    (checked per row: reps themselves, managers their teams, admins anyone)."""
    spec = _kind_or_404(kind)
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request, spec)
    form = CsvUploadForm(request.POST or None, request.FILES or None, max_bytes=importers.MAX_FILE_BYTES)
    result = token = None
    if request.method == "POST" and form.is_valid():
        text = form.text
        result = importers.parse_csv(kind, text, request.user)
        if result.ok:
            token = secrets.token_urlsafe(16)
            request.session[SESSION_KEY] = {
                "kind": kind,
                "token": token,
                "text": text,
                "filename": form.cleaned_data["file"].name,
            }
        else:
            request.session.pop(SESSION_KEY, None)
    return _render(request, spec, form=form, result=result, token=token)


def _confirm(request, spec):
    with transaction.atomic():
        pending = _claim(request, spec.slug)
        if pending is None:
            messages.error(request, _("That file is no longer waiting to be imported. Please upload it again."))
            return redirect("pipeline:import_upload", kind=spec.slug)
        result = importers.parse_csv(spec.slug, pending["text"], request.user)
        if result.ok:
            try:
                count = importers.import_rows(spec.slug, result.rows, request.user)
            except importers.ImportFailed as exc:
                result.errors = exc.errors
            else:
                messages.success(request, spec.imported_message(count))
                return submissions.record(request, redirect(DONE_URLS[spec.slug]))
    # Something changed since the preview: show why; the file has to be uploaded again.
    return _render(
        request,
        spec,
        form=CsvUploadForm(max_bytes=importers.MAX_FILE_BYTES),
        result=result,
        filename=pending["filename"],
    )


def _claim(request, kind: str) -> dict | None:
    """The upload this confirmation is for, taken out of the session so that it is imported once.

    A double-click sends two confirmations together, each with the session as it
    was when it arrived. So the user's row is locked until the import commits and
    the session is read again from its store: the second confirmation waits for
    the first, then finds nothing left to import.
    """
    User.objects.select_for_update().get(pk=request.user.pk)
    store = type(request.session)(session_key=request.session.session_key)
    pending = store.get(SESSION_KEY)
    if not pending or pending["kind"] != kind or pending["token"] != request.POST["token"]:
        return None
    del store[SESSION_KEY]
    store.save()
    request.session.pop(SESSION_KEY, None)  # or the response would write it back
    return pending


def _render(request, spec, *, form, result=None, token=None, filename=None):
    if filename is None and result is not None and form.is_bound and form.is_valid():
        filename = form.cleaned_data["file"].name
    return render(
        request,
        "pipeline/import/upload.html",
        {
            "kind": spec,
            "form": form,
            "result": result,
            "token": token,
            "filename": filename,
            "preview_rows": importers.PREVIEW_ROWS,
        },
    )
