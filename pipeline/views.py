"""Deal pages and the pipeline board.

Every view starts with its access helper: a deal the user may not see is a
404, never a 403 (which would leak that it exists). Writes go through
``services``, reads through ``selectors`` and the scoped querysets.
"""

from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import quote, urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import submissions
from activities import selectors as activity_selectors
from salestracker.csvio import csv_response
from salestracker.forms import add_service_errors
from salestracker.links import with_links

from . import selectors, services
from .forms import BoardFilterForm, DealCategoryForm, DealCreateForm, DealFilterForm, DealForm, DealMoveForm
from .models import Deal, ForecastCategory, Pipeline

PAGE_SIZE = 50


def _deal_for(request, deal_id) -> Deal:
    """The deal, if this user may see it; 404 otherwise (never 403, which would leak that it exists)."""
    return get_object_or_404(
        Deal.objects.visible_to(request.user).select_related("pipeline", "stage", "owner", "company"), pk=deal_id
    )


def _pipeline_for(request, pipeline_id) -> Pipeline:
    """Pipelines are shared configuration: every signed-in user may open any board (it shows only their deals)."""
    return get_object_or_404(Pipeline, pk=pipeline_id)


# --- deals ----------------------------------------------------------------


@login_required
@require_GET
def deal_list(request):
    search = DealFilterForm(request.GET or None, user=request.user)
    deals = selectors.deal_list(user=request.user, **search.selected())
    page = Paginator(deals, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(selectors.deals_with_age(page.object_list))
    export_query = request.GET.copy()
    export_query.pop("page", None)
    return render(
        request, "pipeline/deals/list.html", {"search": search, "page": page, "export_query": export_query.urlencode()}
    )


@login_required
@require_GET
def deal_export(request):
    """The filtered deal list as CSV, every row (no pagination)."""
    search = DealFilterForm(request.GET or None, user=request.user)
    deals = selectors.deal_list(user=request.user, **search.selected())
    header = [
        _("Title"),
        _("Company"),
        _("Owner"),
        _("Pipeline"),
        _("Stage"),
        _("Amount"),
        _("Weighted amount"),
        _("Type"),
        _("Expected close date"),
        _("Close date"),
        _("Days in stage"),
        _("Stale"),
    ]
    rows = (
        [
            deal.title,
            deal.company,
            deal.owner,
            deal.pipeline,
            deal.stage,
            deal.amount,
            round(deal.weighted_amount, 2),
            deal.get_deal_type_display(),
            deal.expected_close_date or "",
            deal.closed_on or "",
            f"{deal.age_days:.1f}",
            _("yes") if deal.is_stale else "",
        ]
        for deal in selectors.deals_with_age(deals.iterator(chunk_size=1000))
    )
    return csv_response(filename=f"deals-{timezone.localdate():%Y-%m-%d}.csv", header=header, rows=rows)


@login_required
@require_GET
def deal_detail(request, deal_id):
    deal = _deal_for(request, deal_id)
    (deal,) = selectors.deals_with_age([deal])
    # Newest first; activities will interleave with these events later.
    timeline = selectors.deal_events(
        changes=selectors.deal_timeline(deal=deal), activities=activity_selectors.deal_activities(deal=deal)
    )
    context = {"deal": deal, "timeline": timeline, "forecast_history": selectors.deal_forecast_history(deal=deal)}
    return render(request, "pipeline/deals/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@submissions.once()
def deal_create(request):
    initial = {name: request.GET[name] for name in ("pipeline", "stage") if request.GET.get(name, "").isdigit()}
    form = DealCreateForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            deal = services.deal_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Created %(deal)s.") % {"deal": deal})
            return submissions.record(request, redirect("pipeline:deal_detail", deal_id=deal.pk))
    return render(
        request,
        "pipeline/deals/form.html",
        {"form": form, "title": _("New deal"), "cancel_url": reverse("pipeline:deal_list")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def deal_edit(request, deal_id):
    deal = _deal_for(request, deal_id)
    # Taken before binding: the form writes the posted values onto the instance while it validates.
    title = _("Edit %(deal)s") % {"deal": deal}
    form = DealForm(request.POST or None, instance=deal, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.deal_update(deal=deal, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved %(deal)s.") % {"deal": deal})
            return redirect("pipeline:deal_detail", deal_id=deal.pk)
    return render(
        request,
        "pipeline/deals/form.html",
        {
            "form": form,
            "deal": deal,
            "title": title,
            "cancel_url": reverse("pipeline:deal_detail", args=[deal.pk]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def deal_move(request, deal_id):
    """Move a deal to another stage: a plain form without JavaScript, a drop on the board with it.

    An htmx request (from the board) always gets the whole board back,
    re-rendered from the database, so a refused move puts the card back where
    it belongs; the form, when there is something to fill in or fix, comes
    along for the board's modal.
    """
    deal = _deal_for(request, deal_id)
    if request.method == "GET":
        form = DealMoveForm(deal=deal)
        return _move_page(request, deal, form)
    form = DealMoveForm(request.POST, deal=deal)
    if form.is_valid():
        if request.htmx and form.lacks_details():
            asked = DealMoveForm(deal=deal, initial={"stage": form.target})
            return _board_after_write(request, deal, form=asked)
        try:
            change = services.deal_move(deal=deal, by=request.user, **form.move_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if change is None:
                done = _("%(deal)s is already in %(stage)s.") % {"deal": deal, "stage": deal.stage}
            else:
                done = _("Moved %(deal)s to %(stage)s.") % {"deal": deal, "stage": deal.stage}
            if request.htmx:
                return _board_after_write(request, deal, status_message=done)
            messages.success(request, done)
            return redirect(_next_url(request) or reverse("pipeline:deal_detail", args=[deal.pk]))
    if request.htmx:
        return _board_after_write(request, deal, form=form, status=422)
    return _move_page(request, deal, form, status=422)


@login_required
@require_POST
def deal_category(request, deal_id):
    """Set an open deal's forecast category from its card on the board (anyone who may edit the
    deal). htmx gets the board back, re-rendered, so the card and its column's commit total agree
    with the database; without JavaScript the form posts and returns to the board. A bad value or a
    closed deal: the message in the board's status line, nothing written."""
    deal = _deal_for(request, deal_id)
    form = DealCategoryForm(request.POST)
    problem = ""
    if form.is_valid():
        try:
            # The category it has already (a form sent twice): nothing to write.
            if form.cleaned_data["forecast_category"] != deal.forecast_category:
                services.deal_update(deal=deal, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            problem = " ".join(error.messages)
    else:
        problem = " ".join(form.errors["forecast_category"])
    if problem:
        done = _("%(deal)s: %(problem)s") % {"deal": deal, "problem": problem}
    else:
        done = _("%(deal)s is now %(category)s.") % {"deal": deal, "category": deal.get_forecast_category_display()}
    if request.htmx:
        return _board_after_write(request, deal, status_message=done, status=422 if problem else 200)
    (messages.error if problem else messages.success)(request, done)
    return redirect(_next_url(request) or reverse("pipeline:deal_detail", args=[deal.pk]))


def _move_page(request, deal, form, status=200):
    context = {"deal": deal, "form": form, "next": _next_url(request)}
    return render(request, "pipeline/deals/move.html", context, status=status)


def _next_url(request) -> str:
    """Where to go after a move (the board the "Move" link was on), if it is a page of this site."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    # A path only: anything else ("-1", a bare word) would be taken by redirect() for a view name.
    safe = url.startswith("/") and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe else ""


def _board_after_write(request, deal, *, form=None, status_message="", status=200):
    """The board the request came from after a move or a category change, re-rendered, with the
    move form for the modal when there is one.

    htmx sends the page's address (HX-Current-URL); its query string holds the
    board's filters, so the re-rendered board shows what the user was looking at.
    """
    page_query = QueryDict(urlsplit(request.htmx.current_url or "").query)
    context = _board_context(request, pipeline=deal.pipeline, filter_data=page_query)
    context.update(deal=deal, form=form, status_message=status_message)
    response = render(request, "pipeline/board/_move_response.html", context, status=status)
    # board.js opens the modal on the first event and closes it on the second.
    response["HX-Trigger-After-Settle"] = "deal-move-form" if form is not None else "deal-moved"
    return response


# --- board ----------------------------------------------------------------


@login_required
@require_GET
def board(request):
    """The board of the first active pipeline; a friendly page when none is set up yet."""
    pipeline = Pipeline.objects.filter(is_active=True).order_by("name").first()
    if pipeline is None:
        return render(request, "pipeline/board/no_pipelines.html")
    return redirect("pipeline:pipeline_board", pipeline_id=pipeline.pk)


@login_required
@require_GET
def pipeline_board(request, pipeline_id):
    pipeline = _pipeline_for(request, pipeline_id)
    context = _board_context(request, pipeline=pipeline, filter_data=request.GET)
    if request.htmx:
        return render(request, "pipeline/board/board.html#board", context)
    context["pipelines"] = Pipeline.objects.filter(Q(is_active=True) | Q(pk=pipeline.pk))
    return render(request, "pipeline/board/board.html", context)


def _board_context(request, *, pipeline, filter_data) -> dict:
    filters = BoardFilterForm(filter_data or None, user=request.user)
    selected = filters.selected()
    query = urlencode({name: value.pk for name, value in selected.items()})
    board_url = reverse("pipeline:pipeline_board", args=[pipeline.pk]) + (f"?{query}" if query else "")
    columns = selectors.board_columns(pipeline=pipeline, user=request.user, **selected)
    for column in columns:
        _with_card_fields(column.deals)
    return {
        "pipeline": pipeline,
        "filters": filters,
        "columns": columns,
        "total": selectors.board_total(columns=columns),
        "board_url": board_url,
        # Each card's "Move" link comes back to this board, filters included.
        "move_next": quote(board_url, safe="/"),
        "forecast_categories": ForecastCategory.choices,
    }


_CARD_LINKS = {
    "card_url": ("pipeline:deal_detail", "pk"),
    "card_move_url": ("pipeline:deal_move", "pk"),
    "card_category_url": ("pipeline:deal_category", "pk"),
}


def _with_card_fields(deals: list[Deal]) -> None:
    """What a card shows, computed once per board rather than by template tags on each of its
    (possibly hundreds of) cards: its links, and its age in whole days (rounded half up, as
    ``floatformat``) with its label, "3 days" or, past the stage's threshold, "Stale · 40 days"."""
    with_links(deals, _CARD_LINKS)
    for deal in deals:
        days = int(Decimal(str(deal.age_days)).quantize(Decimal(1), ROUND_HALF_UP))
        if deal.is_stale:
            label = ngettext("Stale · %(days)s day", "Stale · %(days)s days", days)
        else:
            label = ngettext("%(days)s day", "%(days)s days", days)
        deal.card_age = label % {"days": days}
