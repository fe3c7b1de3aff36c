"""Logging activity (the quick-log panel and its full-page twin), the activity
list with its export, editing and deleting, and the upcoming meetings page.

Every activity is fetched through ``Activity.objects.visible_to``: reps reach
their own, managers their teams', admins all; anything else answers 404, so
nobody learns that someone else's activity exists.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from accounts import submissions
from salestracker.csvio import csv_response
from salestracker.forms import SearchForm, add_service_errors
from salestracker.links import with_links

from . import selectors, services
from .forms import ActivityFilterForm, ActivityForm, MeetingMarkForm
from .models import Activity

PAGE_SIZE = 50
# The quick-log panel's form has its own ids, so it can sit on a page that shows another activity form.
PANEL_AUTO_ID = "ql-%s"
# Sent by quick_log.js when the page shows the activity list, so the answer adds the new row to it.
LIST_ON_PAGE_HEADER = "X-Activity-List"


_ROW_LINKS = {
    "row_edit_url": ("activities:edit", "pk"),
    "row_delete_url": ("activities:delete", "pk"),
    "row_contact_url": ("pipeline:contact_detail", "contact_id"),
    "row_company_url": ("pipeline:company_detail", "company_id"),
    "row_deal_url": ("pipeline:deal_detail", "deal_id"),
}


def with_row_fields(activities) -> list[Activity]:
    """The activities with what a list row shows precomputed: ``row_kind`` and ``row_outcome`` (the
    choices' labels, as ``get_kind_display`` gives them) and the row's links (``row_edit_url``, ...;
    None when the activity has no such link). Same output as reversing and looking up each row."""
    activities = with_links(activities, _ROW_LINKS)
    kinds = dict(Activity._meta.get_field("kind").flatchoices)
    outcomes = dict(Activity._meta.get_field("outcome").flatchoices)
    for activity in activities:
        activity.row_kind = kinds.get(activity.kind, activity.kind)
        activity.row_outcome = outcomes.get(activity.outcome, activity.outcome)
    return activities


def _activity_for(request, activity_id: int) -> Activity:
    """The activity, if this user may see it (and so change it); 404 otherwise."""
    return get_object_or_404(
        Activity.objects.visible_to(request.user).select_related("owner", "company", "contact", "deal", "lead_source"),
        pk=activity_id,
    )


# --- logging --------------------------------------------------------------


def _in_panel(request) -> bool:
    return bool(request.htmx) and not request.htmx.boosted


def _log_again(request, first):
    """The same quick-log sent twice: in the panel, the first answer again, rebuilt from its activity."""
    activity = Activity.objects.visible_to(request.user).filter(pk=first.object_id).first()
    if _in_panel(request) and activity is not None:
        return _logged_panel(request, activity)
    return submissions.answer_again(request, first)


@login_required
@require_http_methods(["GET", "POST"])
@submissions.once(replay=_log_again)
def log(request):
    """Log one activity. From the quick-log panel (htmx) the answer is the
    panel's form again: cleared, with a confirmation and the new row for the
    list, or with its errors (422). Without JavaScript, a page of its own."""
    panel = _in_panel(request)
    form = ActivityForm(request.POST or None, user=request.user, auto_id=PANEL_AUTO_ID if panel else "id_%s")
    activity = None
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_log(owner=form.chosen_owner(), by=request.user, **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
    if activity is None:
        status = 422 if request.method == "POST" else 200
        if panel:
            return render(request, "activities/_quick_log.html#quick-log-form", {"form": form}, status=status)
        return render(request, "activities/form.html", {"form": form, "title": _("Log activity")}, status=status)

    if not panel:
        messages.success(request, _logged_message(activity))
        return submissions.record(request, redirect("activities:list"), object_id=activity.pk)
    return submissions.record(request, _logged_panel(request, activity), object_id=activity.pk)


def _logged_panel(request, activity: Activity):
    """The panel after a save: a fresh form (with a new submission key) for the next one, for the
    same rep (a manager often logs several for one person), the confirmation and the new row."""
    fresh = ActivityForm(user=request.user, auto_id=PANEL_AUTO_ID, initial={"owner": activity.owner_id})
    response = render(
        request,
        "activities/_quick_log.html#quick-log-form",
        {
            "form": fresh,
            "confirmation": _logged_message(activity),
            "new_activity": with_row_fields([activity])[0],
            "list_on_page": request.headers.get(LIST_ON_PAGE_HEADER) == "1",
        },
    )
    return trigger_client_event(response, "activity-logged", {"id": activity.pk})


def _logged_message(activity: Activity) -> str:
    """The confirmation: "Call logged.", or "Meeting booked." for one booked ahead."""
    if activity.occurred_at > timezone.now():
        return _("%(kind)s booked.") % {"kind": activity.get_kind_display()}
    return _("%(kind)s logged.") % {"kind": activity.get_kind_display()}


@login_required
@require_GET
def link_search(request):
    """Type-ahead options for the "who" box: contacts, companies and the user's visible deals."""
    search = SearchForm(request.GET)
    if not search.is_valid():
        return search.bad_request()
    q = search.cleaned_data["q"]
    options = selectors.link_search(user=request.user, q=q)
    return render(request, "activities/_quick_log.html#link-options", {"q": q, "options": options})


# --- list and export --------------------------------------------------------


def _filtered(request):
    search = ActivityFilterForm(request.GET, user=request.user)
    return search, selectors.activity_list(user=request.user, filters=search.selected())


@login_required
@require_GET
def activity_list(request):
    search, activities = _filtered(request)
    totals = selectors.kind_totals(user=request.user, filters=search.selected())
    paginator = Paginator(activities, PAGE_SIZE)
    paginator.count = sum(totals.values())  # every row counted once: no separate COUNT(*)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = with_row_fields(page.object_list)
    return render(
        request,
        "activities/list.html",
        {"search": search, "page": page, "counts": selectors.kind_counts(totals)},
    )


@login_required
@require_GET
def activity_export(request):
    _search, activities = _filtered(request)
    header = [
        _("when"),
        _("day"),
        _("rep"),
        _("kind"),
        _("outcome"),
        _("minutes"),
        _("company"),
        _("contact"),
        _("deal"),
        _("source"),
        _("notes"),
    ]
    rows = (
        [
            timezone.localtime(a.occurred_at).strftime("%Y-%m-%d %H:%M"),
            a.day.isoformat(),
            a.owner,
            a.get_kind_display(),
            a.get_outcome_display(),
            a.duration_minutes,
            a.company or "",
            a.contact or "",
            a.deal or "",
            a.lead_source or "",
            a.notes,
        ]
        for a in activities.iterator(chunk_size=2000)
    )
    return csv_response(filename="activities.csv", header=header, rows=rows)


# --- edit and delete --------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request, activity_id):
    activity = _activity_for(request, activity_id)
    form = ActivityForm(request.POST or None, user=request.user, activity=activity)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(
                activity=activity, by=request.user, owner=form.chosen_owner(), **form.service_arguments()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved the %(kind)s.") % {"kind": activity.get_kind_display().lower()})
            return redirect("activities:list")
    return render(
        request,
        "activities/form.html",
        {"form": form, "activity": activity, "title": _("Edit activity")},
        status=422 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_delete(request, activity_id):
    """GET asks to confirm; only POST deletes."""
    activity = _activity_for(request, activity_id)
    if request.method == "POST":
        services.activity_delete(activity=activity, by=request.user)
        messages.success(request, _("Deleted the %(kind)s.") % {"kind": activity.get_kind_display().lower()})
        return redirect("activities:list")
    return render(request, "activities/confirm_delete.html", {"activity": activity})


# --- upcoming meetings --------------------------------------------------------


@login_required
@require_GET
def upcoming(request):
    now = timezone.now()
    meetings = selectors.upcoming_meetings(user=request.user, now=now)
    return render(request, "activities/upcoming.html", {"meetings": meetings, "now": now})


@login_required
@require_POST
def meeting_mark(request, activity_id):
    """One click on the upcoming page: held (and how it went), no-show or cancelled."""
    activity = _activity_for(request, activity_id)
    form = MeetingMarkForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.meeting_mark(activity=activity, outcome=form.cleaned_data["outcome"], by=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = " ".join(form.errors["outcome"])
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Marked %(meeting)s.") % {"meeting": _meeting_name(activity)})
        return redirect("activities:upcoming")
    # Fetched again: a refused change may have been applied to the instance in memory.
    activity = _activity_for(request, activity_id)
    return render(
        request,
        "activities/upcoming.html#meeting-row",
        {"meeting": activity, "now": timezone.now(), "error": error, "just_marked": error is None},
        status=422 if error else 200,
    )


def _meeting_name(activity: Activity) -> str:
    who = activity.deal or activity.contact or activity.company
    kind = activity.get_kind_display().lower()
    return _("the %(kind)s with %(who)s") % {"kind": kind, "who": who} if who else _("the %(kind)s") % {"kind": kind}
