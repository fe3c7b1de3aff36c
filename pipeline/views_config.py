"""The pipeline settings area, for admins: pipelines and their stages, and the
editable lists (lead sources, competitors, lost reasons).

Every write goes through ``services``, so the admin pages keep the same rules
as every other path (a stage change always leaves one history row).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.forms import modelform_factory
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import admin_required

from . import services
from .forms_config import NamedListForm, PipelineForm, StageArchiveForm, StageForm, StageOrderForm
from .models import Competitor, LeadSource, LostReason, NamedList, Pipeline, Stage

# URL slug -> model of each editable list; one set of views serves them all.
LIST_MODELS: dict[str, type[NamedList]] = {
    "lead-sources": LeadSource,
    "competitors": Competitor,
    "lost-reasons": LostReason,
}

STAGE_ROWS = "pipeline/config/pipeline_form.html#stage-rows"


def _pipeline_for(pipeline_id: int) -> Pipeline:
    return get_object_or_404(Pipeline, pk=pipeline_id)


def _live_stage_for(stage_id: int) -> Stage:
    """A stage that is not archived. Archived stages are history, not settings: 404."""
    return get_object_or_404(Stage.objects.select_related("pipeline"), pk=stage_id, is_archived=False)


def _list_model_for(kind: str) -> type[NamedList]:
    try:
        return LIST_MODELS[kind]
    except KeyError:
        raise Http404(f"No list called {kind!r}") from None


def _show_errors(form, exc: ValidationError) -> None:
    """Put a service's refusal on the form: next to its field when the form has it, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _save(form, save, keyword: str):
    """Save the form's object through its service; the saved object, or None when the
    service refused (its message is then on the form and nothing changed)."""
    try:
        return save(**{keyword: form.save(commit=False)})
    except ValidationError as exc:
        _show_errors(form, exc)
        return None


# --- pipelines and their stages ---------------------------------------------


@admin_required
def pipeline_list(request):
    pipelines = Pipeline.objects.annotate(
        stage_count=Count("stages", filter=Q(stages__is_archived=False), distinct=True),
        deal_count=Count("deals", distinct=True),
    )
    return render(request, "pipeline/config/pipeline_list.html", {"pipelines": pipelines})


@admin_required
@require_http_methods(["GET", "POST"])
def pipeline_create(request):
    form = PipelineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        pipeline = _save(form, services.pipeline_save, "pipeline")
        if pipeline:
            messages.success(request, _("Added %(pipeline)s; now add its stages.") % {"pipeline": pipeline})
            return redirect("pipeline:pipeline_edit", pipeline_id=pipeline.pk)
    return render(
        request,
        "pipeline/config/form.html",
        {"form": form, "title": _("Add a pipeline"), "cancel_url": reverse("pipeline:pipeline_list")},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def pipeline_edit(request, pipeline_id):
    pipeline = _pipeline_for(pipeline_id)
    title = _("Edit %(pipeline)s") % {"pipeline": pipeline}  # before the form changes the instance
    form = PipelineForm(request.POST or None, instance=pipeline)
    if request.method == "POST" and form.is_valid() and _save(form, services.pipeline_save, "pipeline"):
        messages.success(request, _("Saved %(pipeline)s.") % {"pipeline": pipeline})
        return redirect("pipeline:pipeline_list")
    return _pipeline_page(request, pipeline, form, title)


def _pipeline_page(request, pipeline, form, title, order_errors=(), status=200):
    context = {
        "pipeline": pipeline,
        "form": form,
        "title": title,
        "rows": _stage_rows(pipeline),
        "archived": pipeline.stages.filter(is_archived=True).order_by("name", "pk"),
        "order_errors": order_errors,
    }
    return render(request, "pipeline/config/pipeline_form.html", context, status=status)


def _stage_rows(pipeline: Pipeline) -> list[Stage]:
    """The live stages in order, each with its number of deals and, for the
    buttons that work without JavaScript, the whole order with this stage moved
    one up (``up_ids``) or one down (``down_ids``)."""
    stages = list(pipeline.stages.current().annotate(deal_count=Count("deals")))
    ids = [s.pk for s in stages]
    for i, stage in enumerate(stages):
        stage.up_ids = _swapped(ids, i - 1) if i > 0 else None
        stage.down_ids = _swapped(ids, i) if i < len(ids) - 1 else None
    return stages


def _swapped(ids: list[int], i: int) -> list[int]:
    """``ids`` with the items at ``i`` and ``i + 1`` swapped."""
    result = list(ids)
    result[i], result[i + 1] = result[i + 1], result[i]
    return result


@admin_required
@require_POST
def stage_reorder(request, pipeline_id):
    """Save a new order of the live stages (``stage`` ids, repeated, in order).

    htmx (drag and drop) gets the stage rows back; a plain form (the up and
    down buttons) is redirected to the pipeline page. A stale or forged list
    is refused with 400 and the rows as they are in the database.
    """
    pipeline = _pipeline_for(pipeline_id)
    form = StageOrderForm(request.POST, pipeline=pipeline)
    if form.is_valid():
        try:
            services.stage_reorder(pipeline=pipeline, stage_ids=form.cleaned_data["stage"])
        except ValidationError as exc:
            _show_errors(form, exc)
    errors = [message for field_errors in form.errors.values() for message in field_errors]
    status = 400 if errors else 200
    if request.htmx:
        context = {"pipeline": pipeline, "rows": _stage_rows(pipeline), "order_errors": errors}
        return render(request, STAGE_ROWS, context, status=status)
    if errors:
        title = _("Edit %(pipeline)s") % {"pipeline": pipeline}
        return _pipeline_page(request, pipeline, PipelineForm(instance=pipeline), title, errors, status)
    messages.success(request, _("Saved the new order of the stages."))
    return redirect("pipeline:pipeline_edit", pipeline_id=pipeline.pk)


@admin_required
@require_http_methods(["GET", "POST"])
def stage_create(request, pipeline_id):
    pipeline = _pipeline_for(pipeline_id)
    return _stage_form(request, Stage(pipeline=pipeline), _("Add a stage to %(pipeline)s") % {"pipeline": pipeline})


@admin_required
@require_http_methods(["GET", "POST"])
def stage_edit(request, stage_id):
    stage = _live_stage_for(stage_id)
    title = _("Edit stage %(stage)s of %(pipeline)s") % {"stage": stage, "pipeline": stage.pipeline}
    return _stage_form(request, stage, title)


def _stage_form(request, stage: Stage, title: str):
    form = StageForm(request.POST or None, instance=stage)
    if request.method == "POST" and form.is_valid():
        saved = _save(form, services.stage_save, "stage")
        if saved:
            messages.success(request, _("Saved stage %(stage)s.") % {"stage": saved})
            return redirect("pipeline:pipeline_edit", pipeline_id=saved.pipeline_id)
    cancel_url = reverse("pipeline:pipeline_edit", kwargs={"pipeline_id": stage.pipeline_id})
    return render(request, "pipeline/config/form.html", {"form": form, "title": title, "cancel_url": cancel_url})


@admin_required
@require_http_methods(["GET", "POST"])
def stage_archive(request, stage_id):
    """GET asks where the stage's deals go; POST moves them (each move recorded) and archives it."""
    stage = _live_stage_for(stage_id)
    form = StageArchiveForm(request.POST if request.method == "POST" else None, stage=stage)
    if form.is_bound and form.is_valid():
        try:
            moved = services.stage_archive(stage=stage, move_to=form.cleaned_data["move_to"], by=request.user)
        except ValidationError as exc:
            _show_errors(form, exc)
        else:
            message = ngettext(
                "Archived %(stage)s and moved its %(count)d deal to %(target)s.",
                "Archived %(stage)s and moved its %(count)d deals to %(target)s.",
                moved,
            )
            if not moved:
                message = _("Archived %(stage)s.")
            messages.success(
                request, message % {"stage": stage, "count": moved, "target": form.cleaned_data["move_to"]}
            )
            return redirect("pipeline:pipeline_edit", pipeline_id=stage.pipeline_id)
    context = {
        "stage": stage,
        "form": form,
        "deal_count": form.deal_count,
        "cancel_url": reverse("pipeline:pipeline_edit", kwargs={"pipeline_id": stage.pipeline_id}),
    }
    return render(request, "pipeline/config/stage_archive.html", context)


# --- editable lists: lead sources, competitors, lost reasons ----------------


@admin_required
def list_items(request, kind):
    model = _list_model_for(kind)
    context = {
        "kind": kind,
        "items": model.objects.all(),
        "title": capfirst(model._meta.verbose_name_plural),
        "item_name": model._meta.verbose_name,
    }
    return render(request, "pipeline/config/list_items.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def list_item_create(request, kind):
    model = _list_model_for(kind)
    return _list_item_form(request, kind, model(), _("Add a %(item)s") % {"item": model._meta.verbose_name})


@admin_required
@require_http_methods(["GET", "POST"])
def list_item_edit(request, kind, item_id):
    model = _list_model_for(kind)
    item = get_object_or_404(model, pk=item_id)
    return _list_item_form(request, kind, item, _("Edit %(item)s") % {"item": item})


def _list_item_form(request, kind: str, item: NamedList, title: str):
    form_class = modelform_factory(type(item), form=NamedListForm)
    form = form_class(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        saved = _save(form, services.named_list_save, "item")
        if saved:
            messages.success(request, _("Saved %(item)s.") % {"item": saved})
            return redirect("pipeline:list_items", kind=kind)
    cancel_url = reverse("pipeline:list_items", kwargs={"kind": kind})
    return render(request, "pipeline/config/form.html", {"form": form, "title": title, "cancel_url": cancel_url})
