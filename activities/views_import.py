"""Importing activities from a CSV file: upload -> choose the columns -> every row checked
(by a worker, the page polls) -> preview or every error -> confirm -> all written (or none).

The file's text is kept on an ``ActivityImport``; the work happens in Celery
tasks enqueued once the request's transaction commits. An import is shown
only to the person who uploaded it and to admins; anyone else gets a 404, so
nobody learns that it exists. Who may be named as the rep of a row is checked
by the import itself, row by row.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import submissions
from salestracker.csvio import csv_response
from salestracker.forms import CsvUploadForm

from . import importers
from .models import ActivityImport, ImportStatus
from .tasks import run_import, validate_import

RECENT_IMPORTS = 5


def _import_for(request, import_id: int, *, with_content: bool = False, with_errors: bool = False) -> ActivityImport:
    """The import, if this user uploaded it or is an admin; 404 otherwise.

    The file's text (up to 20 MB) and the error list are read only by the pages
    that need them: the progress poll asks every second.
    """
    jobs = ActivityImport.objects.select_related("created_by")
    deferred = [name for name, wanted in (("content", with_content), ("errors", with_errors)) if not wanted]
    if deferred:
        jobs = jobs.defer(*deferred)
    if not request.user.is_admin:
        jobs = jobs.filter(created_by=request.user)
    return get_object_or_404(jobs, pk=import_id)


def _enqueue_on_commit(task, job: ActivityImport) -> None:
    """Send ``task`` for this import once the transaction commits (so the worker finds what was saved).

    A broker that cannot take it is logged, never raised into the request
    (``robust``), and the import is marked failed so that its page stops
    waiting and offers to try again.
    """

    language = translation.get_language()

    def send():
        try:
            task.delay(job.pk, language=language)
        except Exception:
            importers.import_fail(import_id=job.pk)
            raise

    transaction.on_commit(send, robust=True)


# --- forms ------------------------------------------------------------------------


class MappingForm(forms.Form):
    """For each of our fields, which column of the file holds it (by the column's position)."""

    def __init__(self, *args, columns: list[str], sample: list[str], initial_mapping: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns
        choices = [("", _("— not in file —"))]
        for index, name in enumerate(columns):
            label = (
                name
                if columns.count(name) == 1
                else _("%(name)s (column %(number)d)")
                % {
                    "name": name,
                    "number": index + 1,
                }
            )
            if sample[index]:
                example = sample[index] if len(sample[index]) <= 30 else sample[index][:29] + "…"
                label = _("%(column)s — e.g. “%(example)s”") % {"column": label, "example": example}
            choices.append((str(index), label))
        for spec in importers.FIELDS:
            self.fields[spec.name] = forms.TypedChoiceField(
                label=f"{spec.label} ({spec.name})",
                choices=choices,
                coerce=int,
                empty_value=None,
                required=spec.required,
                help_text=spec.help,
                initial=initial_mapping.get(spec.name),
                error_messages={"required": _("Choose the column that holds this; it is required.")},
            )

    def clean(self):
        cleaned = super().clean()
        used: dict[int, str] = {}
        for spec in importers.FIELDS:
            index = cleaned.get(spec.name)
            if index is None:
                continue
            if index in used:
                self.add_error(
                    spec.name,
                    _("The column “%(column)s” is already chosen for %(field)s.")
                    % {"column": self.columns[index], "field": used[index]},
                )
            else:
                used[index] = spec.label
        return cleaned

    def mapping(self) -> dict[str, int | None]:
        return {spec.name: self.cleaned_data.get(spec.name) for spec in importers.FIELDS}


# --- views --------------------------------------------------------------------------


@login_required
@require_GET
def import_template(request):
    header, rows = importers.template_rows()
    return csv_response(filename="activities-template.csv", header=header, rows=rows)


@login_required
@require_http_methods(["GET", "POST"])
@submissions.once()
def import_upload(request):
    """Any signed-in user may import; who they may import for is checked on every row."""
    form = CsvUploadForm(
        request.POST or None, request.FILES or None, max_bytes=importers.MAX_FILE_BYTES, check=importers.file_problem
    )
    if request.method == "POST" and form.is_valid():
        job = importers.import_create(by=request.user, file_name=form.cleaned_data["file"].name, content=form.text)
        return submissions.record(request, redirect("activities:import_mapping", import_id=job.pk))
    recent = ActivityImport.objects.filter(created_by=request.user).defer("content", "errors", "preview")
    return render(
        request,
        "activities/import/upload.html",
        {"form": form, "fields": importers.FIELDS, "recent": recent[:RECENT_IMPORTS]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request, import_id):
    job = _import_for(request, import_id, with_content=True)
    if job.status not in importers.MAPPABLE:
        return redirect("activities:import_detail", import_id=job.pk)
    columns, sample = importers.file_columns(job.content)
    form = MappingForm(
        request.POST or None,
        columns=columns,
        sample=sample,
        initial_mapping=job.mapping or importers.guess_mapping(columns),
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if importers.import_map(job=job, mapping=form.mapping()):
                _enqueue_on_commit(validate_import, job)
        return redirect("activities:import_detail", import_id=job.pk)
    return render(request, "activities/import/mapping.html", {"job": job, "form": form, "columns": columns})


@login_required
@require_GET
def import_detail(request, import_id):
    """The import's state; while it runs, htmx asks for the progress part every second."""
    job = _import_for(request, import_id, with_errors=True)
    errors = job.errors if job.status in (ImportStatus.INVALID, ImportStatus.FAILED) else []
    context = {
        "job": job,
        "errors": errors[: importers.SHOWN_ERRORS],
        "more_errors": max(len(errors) - importers.SHOWN_ERRORS, 0),
        "error_count": len(errors),
        "fields": importers.FIELDS,
    }
    template = "activities/import/detail.html#progress" if request.htmx else "activities/import/detail.html"
    return render(request, template, context)


@login_required
@require_POST
@submissions.once()
def import_confirm(request, import_id):
    job = _import_for(request, import_id)
    with transaction.atomic():
        confirmed = importers.import_confirm(job=job)
        if confirmed:
            _enqueue_on_commit(run_import, job)
    if not confirmed:
        messages.info(request, _("This import is not waiting for a confirmation."))
        return redirect("activities:import_detail", import_id=job.pk)
    return submissions.record(request, redirect("activities:import_detail", import_id=job.pk))


@login_required
@require_GET
def import_errors(request, import_id):
    """Every problem found, as a CSV file to work through next to the spreadsheet."""
    job = _import_for(request, import_id, with_errors=True)
    rows = ([error["row"], error["column"], error["reason"]] for error in job.errors)
    return csv_response(filename=f"import-{job.pk}-errors.csv", header=[_("row"), _("column"), _("problem")], rows=rows)
