"""A rep's pages: "My week" (the rep's home page) and the one-on-one page, with their CSV exports.

Every signed-in person has a week of their own (managers and admins usually an
empty one), so "My week" needs no access helper beyond being signed in: it only
ever reads the signed-in person's rows.

The one-on-one page of a rep opens for the rep themselves, the managers of the
rep's team (and of the teams above it) and admins; anyone else gets 404. The
private notes and action items are the keeping manager's (and admins'): a rep
never sees them, not even on their own page, and every write to them answers
404 to a rep and to a manager of another team.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role, Team, User
from forecast.accuracy import accuracy_summaries
from quotas.models import OrgSettings
from salestracker.csvio import csv_response

from . import figure_cache, services
from .charts import one_on_one_trend_charts
from .forms import ActionItemDoneForm, ActionItemForm, NotesForm
from .forms_period import PeriodForm
from .models import ActionItem, OneOnOne
from .selectors import one_on_one as one_on_one_reads
from .selectors import rep as rep_reads
from .selectors.exports import MY_WEEK_TABLES, ONE_ON_ONE_TABLES
from .selectors.time_spent import time_spent
from .views import cache_figures, cached_figures

# --- My week -------------------------------------------------------------------------------


@login_required
@require_GET
def my_week(request):
    week = rep_reads.my_week(rep=request.user, today=timezone.localdate(), now=timezone.now())
    return render(
        request,
        "dashboards/my_week.html",
        {
            "week": week,
            "time_spent": time_spent(rep_ids=[request.user.pk], start=week.week.start, end=week.week.end),
        },
    )


@login_required
@require_GET
def my_week_export(request, table: str):
    today = timezone.localdate()
    build = MY_WEEK_TABLES.get(table)
    if build is None:
        raise Http404
    header, rows = build(request.user, today, timezone.now())
    return csv_response(filename=f"my-week-{table}-{today:%Y-%m-%d}.csv", header=header, rows=rows)


# --- one-on-one ----------------------------------------------------------------------------------


def _rep_for(request, rep_id: int) -> User:
    """The rep whose one-on-one page this is, if the viewer may open it; 404 otherwise (never 403, which
    would tell that the id exists): a rep only themselves, a manager the reps of the teams they run (and
    the teams below), an admin every rep."""
    viewer = request.user
    reps = User.objects.filter(role=Role.REP).select_related("team")
    if viewer.is_manager:
        reps = reps.filter(team_id__in=Team.managed_team_ids(viewer))
    elif not viewer.is_admin:
        reps = reps.filter(pk=viewer.pk)
    return get_object_or_404(reps, pk=rep_id)


def _kept_rep_for(request, rep_id: int) -> User:
    """The rep, when the viewer keeps one-on-one notes about them (their manager, an admin); a rep, even
    on their own page, gets 404: the notes are not theirs to read or write."""
    if request.user.is_rep:
        raise Http404
    return _rep_for(request, rep_id)


def _date_range(request, today):
    form = PeriodForm(request.GET or None)
    fiscal_start = OrgSettings.load().fiscal_year_start_month
    return form, form.date_range(today=today, fiscal_start=fiscal_start)


def _period_query(request) -> str:
    return urlencode({k: v for k, v in request.GET.items() if k in ("period", "start", "end") and v})


def _one_on_one_context(request, rep, *, notes_form=None, action_form=None) -> dict:
    today, now = timezone.localdate(), timezone.now()
    period_form, date_range = _date_range(request, today)
    live = one_on_one_reads.one_on_one_live(rep=rep, viewer=request.user, now=now)
    keeping = live.keeping
    previous = keeping.previous if keeping else None
    context = {
        "rep": rep,
        "date_range": date_range,
        "team_size": len(live.members),
        "stale": live.stale,
        "snapshot": previous.snapshot if previous is not None else None,
        "period_form": period_form,
        "period_query": _period_query(request),
        "keeping": keeping,
        "notes_form": notes_form
        or NotesForm(initial={"notes": keeping.current.notes if keeping and keeping.current else ""}),
        "action_form": action_form or ActionItemForm(),
    }
    # Notes and stale deals are always live; the figures are read only when their key (which
    # holds the live open pipeline) is not cached yet (figure_cache).
    figures_key = figure_cache.figures_key(
        "one-on-one",
        request=request,
        rep_ids=[person.pk for person in live.people],
        live=sorted(live.pipeline.items()),
        scope=(rep.pk, request.user.is_rep, previous and previous.pk, date_range),
    )
    figures_html = cached_figures("one-on-one-figures", figures_key)
    if figures_html is None:
        page = one_on_one_reads.one_on_one_page(
            rep=rep, viewer=request.user, date_range=date_range, today=today, now=now, live=live
        )
        figures_context = {**context, "page": page, "charts": one_on_one_trend_charts(page)}
        figures_context["time_spent"] = time_spent(rep_ids=[rep.pk], start=date_range.start, end=date_range.end)
        figures_context["forecast_accuracy"] = accuracy_summaries(
            rep_ids=[rep.pk], today=today, fiscal_start=OrgSettings.load().fiscal_year_start_month
        )
        html = render_to_string("dashboards/one_on_one.html#one-on-one-figures", figures_context, request)
        figures_html = cache_figures("one-on-one-figures", figures_key, html)
    context["figures_html"] = figures_html
    return context


@login_required
@require_GET
def one_on_one(request, rep_id: int):
    rep = _rep_for(request, rep_id)
    return render(request, "dashboards/one_on_one.html", _one_on_one_context(request, rep))


def _notes_response(request, rep, *, notes_form=None, action_form=None, status=200, saved=False):
    """After a write: the notes panel alone for htmx, else back to the page (an invalid form re-renders it)."""
    if request.htmx:
        keeping = one_on_one_reads.keeping(rep=rep, viewer=request.user)
        context = {
            "rep": rep,
            "keeping": keeping,
            "period_query": _period_query(request),
            "notes_form": notes_form or NotesForm(initial={"notes": keeping.current.notes if keeping.current else ""}),
            "action_form": action_form or ActionItemForm(),
            "saved": saved,
        }
        return render(request, "dashboards/one_on_one.html#notes-panel", context, status=status)
    if status != 200:
        context = _one_on_one_context(request, rep, notes_form=notes_form, action_form=action_form)
        return render(request, "dashboards/one_on_one.html", context, status=status)
    url = reverse("dashboards:one_on_one", args=[rep.pk])
    query = _period_query(request)
    return redirect(f"{url}?{query}#notes" if query else f"{url}#notes")


@login_required
@require_POST
def one_on_one_notes(request, rep_id: int):
    rep = _kept_rep_for(request, rep_id)
    form = NotesForm(request.POST)
    if not form.is_valid():
        return _notes_response(request, rep, notes_form=form, status=422)
    services.one_on_one_notes_save(rep=rep, by=request.user, notes=form.cleaned_data["notes"])
    if not request.htmx:
        messages.success(request, _("Notes saved."))
    return _notes_response(request, rep, saved=True)


@login_required
@require_POST
def one_on_one_action_add(request, rep_id: int):
    rep = _kept_rep_for(request, rep_id)
    form = ActionItemForm(request.POST)
    if not form.is_valid():
        return _notes_response(request, rep, action_form=form, status=422)
    services.action_item_add(rep=rep, by=request.user, text=form.cleaned_data["text"])
    if not request.htmx:
        messages.success(request, _("Action item added."))
    return _notes_response(request, rep)


@login_required
@require_POST
def one_on_one_action_done(request, rep_id: int, item_id: int):
    rep = _kept_rep_for(request, rep_id)
    item = get_object_or_404(
        ActionItem.objects.filter(one_on_one__in=OneOnOne.objects.kept_by(request.user).filter(rep=rep)).select_related(
            "one_on_one"
        ),
        pk=item_id,
    )
    form = ActionItemDoneForm(request.POST)
    form.is_valid()
    services.action_item_complete(item=item, by=request.user, done=form.cleaned_data.get("done", False))
    return _notes_response(request, rep)


@login_required
@require_POST
def one_on_one_close(request, rep_id: int):
    rep = _kept_rep_for(request, rep_id)
    today = timezone.localdate()
    _form, date_range = _date_range(request, today)
    meeting = services.one_on_one_close(rep=rep, by=request.user, date_range=date_range, today=today)
    messages.success(
        request,
        _("One-on-one of %(day)s closed: today's figures are kept for the next one.")
        % {"day": formats.date_format(meeting.opened_on, "SHORT_DATE_FORMAT")},
    )
    url = reverse("dashboards:one_on_one", args=[rep.pk])
    query = _period_query(request)
    return redirect(f"{url}?{query}" if query else url)


@login_required
@require_GET
def one_on_one_export(request, rep_id: int, table: str):
    rep = _rep_for(request, rep_id)
    build = ONE_ON_ONE_TABLES.get(table)
    if build is None:
        raise Http404
    today = timezone.localdate()
    _form, date_range = _date_range(request, today)
    page = one_on_one_reads.one_on_one_page(
        rep=rep, viewer=request.user, date_range=date_range, today=today, now=timezone.now()
    )
    header, rows = build(page)
    filename = f"one-on-one-{rep.username}-{table}-{date_range.start:%Y%m%d}-{date_range.end:%Y%m%d}.csv"
    return csv_response(filename=filename, header=header, rows=rows)
