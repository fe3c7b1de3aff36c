"""Organisation settings, the quotas grid, splitting a team target and the audit trail."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import admin_required
from salestracker.forms import add_service_errors

from . import selectors, services
from .forms import GridFilterForm, HistoryFilterForm, OrgSettingsForm, QuotaGridForm, SplitForm, grid_periods
from .models import Measure, OrgSettings
from .periods import Period

HISTORY_PAGE_SIZE = 50


# --- organisation settings -------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def org_settings(request):
    form = OrgSettingsForm(request.POST or None, instance=OrgSettings.load())
    if request.method == "POST" and form.is_valid():
        zone_before = OrgSettings.load().time_zone
        try:
            saved = services.org_settings_save(org_settings=form.save(commit=False), by=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved the organisation settings."))
            if saved.time_zone != zone_before:
                messages.info(
                    request,
                    _("Every stored day is now recomputed in the new time zone, then the dashboards are rebuilt."),
                )
            return redirect("quotas:org_settings")
    return render(request, "quotas/org_settings.html", {"form": form, "zone_change": selectors.zone_change_latest()})


@admin_required
@require_GET
def zone_change(request):
    """The latest time zone change's progress, alone: what the settings page polls while it runs."""
    return render(request, "quotas/org_settings.html#zone-change", {"zone_change": selectors.zone_change_latest()})


@admin_required
@require_POST
def zone_change_retry(request):
    """Start the latest time zone change's job again after it failed."""
    latest = selectors.zone_change_latest()
    if latest is None:
        raise Http404
    try:
        services.zone_change_retry(zone_change=latest)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Started the time zone change again."))
    return redirect("quotas:org_settings")


# --- quotas grid ------------------------------------------------------------


def _grid_url(kind: str, measure: str, first: Period) -> str:
    query = urlencode({"kind": kind, "measure": measure, "start": first.start.isoformat()})
    return f"{reverse('quotas:grid')}?{query}"


@dataclass(frozen=True)
class _GridChoice:
    """The grid a request is about, in the organisation's fiscal calendar."""

    filters: GridFilterForm
    kind: str
    measure: str
    periods: list[Period]
    currency: str

    @property
    def url(self) -> str:
        return _grid_url(self.kind, self.measure, self.periods[0])


def _grid_choice(data) -> _GridChoice:
    org = OrgSettings.load()
    today = timezone.localdate()
    chosen = {name: value for name, value in data.items() if value}
    filters = GridFilterForm({**GridFilterForm.defaults(today), **chosen})
    kind, measure, first = filters.selection(fiscal_start=org.fiscal_year_start_month, today=today)
    return _GridChoice(filters, kind, measure, grid_periods(first), org.currency)


def _grid_page(request, choice: _GridChoice, groups, form=None):
    if request.user.is_admin:
        form = form or QuotaGridForm(groups=groups)
        form.attach_fields()
    first = choice.periods[0]
    context = {
        "filters": choice.filters,
        "kind": choice.kind,
        "measure": choice.measure,
        "measure_label": Measure(choice.measure).label,
        "currency": choice.currency if choice.measure == Measure.REVENUE else "",
        "periods": choice.periods,
        "start": first.start.isoformat(),
        "groups": groups,
        "form": form,
        "previous_url": _grid_url(choice.kind, choice.measure, first.previous()),
        "next_url": _grid_url(choice.kind, choice.measure, first.next()),
    }
    return render(request, "quotas/grid.html", context)


def _grid_rows(request, choice: _GridChoice):
    return selectors.grid_rows(viewer=request.user, kind=choice.kind, measure=choice.measure, periods=choice.periods)


@login_required
@require_GET
def grid(request):
    """Quotas of reps (grouped by team) for four periods: admins edit every team's,
    managers read their teams', reps read their own ("My quotas")."""
    choice = _grid_choice(request.GET)
    return _grid_page(request, choice, _grid_rows(request, choice))


@admin_required
@require_POST
def grid_save(request):
    """Save every changed cell of the grid at once, or none: all cells are
    validated first, then written in one transaction."""
    choice = _grid_choice(request.POST)
    if not choice.filters.is_valid():
        # Saving against another grid than the one shown could empty the wrong cells.
        return HttpResponseBadRequest(_("Choose a period and a measure."))
    groups = _grid_rows(request, choice)
    form = QuotaGridForm(request.POST, groups=groups)
    if form.is_valid():
        changes = form.changes()
        try:
            with transaction.atomic():
                for change in changes:
                    try:
                        _save_cell(change, by=request.user, measure=choice.measure, reason=form.cleaned_data["reason"])
                    except ValidationError as error:
                        form.add_cell_error(change, error.messages)
                        raise
        except ValidationError:
            pass
        else:
            messages.success(
                request,
                ngettext("Saved %(count)d quota.", "Saved %(count)d quotas.", len(changes)) % {"count": len(changes)}
                if changes
                else _("Nothing changed."),
            )
            return redirect(choice.url)
    return _grid_page(request, choice, groups, form=form)


def _save_cell(change, *, by, measure: str, reason: str) -> None:
    if change.target is None:
        services.quota_delete(quota=change.quota, by=by, reason=reason)
        return
    services.quota_set(
        by=by,
        period=change.period,
        target=change.target,
        measure=measure,
        rep=change.rep,
        team=change.team,
        stretch_percent=change.stretch_percent,
        reason=reason,
    )


@admin_required
@require_POST
def copy_previous(request):
    """Give everyone who had a quota in the period before the first shown the same quota now."""
    choice = _grid_choice(request.POST)
    if not choice.filters.is_valid():
        return HttpResponseBadRequest(_("Choose a period and a measure."))
    period = choice.periods[0]
    try:
        created = services.quotas_copy_previous(period=period, by=request.user, measure=choice.measure)
    except ValidationError as error:  # a period starting before the window (its first day is in it)
        messages.error(request, " ".join(error.messages))
        return redirect(choice.url)
    messages.success(
        request,
        ngettext(
            "Copied %(count)d quota from %(previous)s to %(period)s.",
            "Copied %(count)d quotas from %(previous)s to %(period)s.",
            created,
        )
        % {"count": created, "previous": period.previous(), "period": period},
    )
    return redirect(choice.url)


# --- splitting a team target --------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def split(request):
    """Split a team target across its active reps: "Preview" shows the shares and
    writes nothing, "Apply" sets the team's and the reps' quotas."""
    fiscal_start = OrgSettings.load().fiscal_year_start_month
    shares, period = None, None
    if request.method == "POST":
        form = SplitForm(request.POST)
    else:
        initial = {"kind": "quarter", "measure": "revenue", "method": "even", "start": timezone.localdate()}
        form = SplitForm(initial={**initial, **request.GET.dict()})
    if form.is_bound and form.is_valid():
        period = form.period(fiscal_start=fiscal_start)
        team, total, measure = form.cleaned_data["team"], form.cleaned_data["total"], form.cleaned_data["measure"]
        try:
            if request.POST.get("action") == "apply":
                services.team_target_split(
                    team=team, period=period, total=total, by=request.user, weights=form.weights(), measure=measure
                )
            else:
                shares = services.split_target(total=total, reps=form.reps, weights=form.weights())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if shares is None:
                messages.success(
                    request,
                    _("Split %(team)s's target for %(period)s across %(count)d reps.")
                    % {"team": team, "period": period, "count": len(form.reps)},
                )
                return redirect(_grid_url(period.kind, measure, period))
    context = {"form": form, "rows": form.rows(shares), "shares": shares, "period": period}
    template = "quotas/split.html#split-form" if request.htmx else "quotas/split.html"
    return render(request, template, context)


# --- audit trail --------------------------------------------------------------


def _history_filters(request) -> tuple[HistoryFilterForm, dict]:
    """The chosen rep, team or quota, if this user may look at them; 404 otherwise."""
    filters = HistoryFilterForm(request.GET, viewer=request.user)
    if not filters.is_valid():
        raise Http404
    return filters, filters.cleaned_data


@login_required
@require_GET
def history(request):
    """Every change of a quota, newest first, as far as this user may see."""
    filters, chosen = _history_filters(request)
    changes = selectors.quota_history(
        viewer=request.user, rep=chosen.get("rep"), team=chosen.get("team"), quota_id=chosen.get("quota")
    )
    page = Paginator(changes, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "quotas/history.html", {"filters": filters, "page": page})
