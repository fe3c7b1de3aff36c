"""Account coverage pages: a team's coverage per rep, a rep's accounts (longest untouched first)
with the form that reassigns them.

Reps see their own accounts only; managers the reps of the teams they run, admins everyone. A rep
the viewer may not see answers 404, never 403, so guessing ids tells nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role, Team, User
from accounts.permissions import manager_required
from dashboards.forms_period import PeriodForm
from dashboards.views_team import teams_for, with_teams_below
from quotas.models import OrgSettings
from quotas.periods import Period

from . import selectors, services
from .forms import AssignForm

ACCOUNTS_PER_PAGE = 100


def _rep_for(request, rep_id: int) -> User:
    """The person whose accounts these are, if the viewer may see them; 404 otherwise: a rep only
    themselves, a manager the reps of the teams they run (and below), an admin anyone (a company
    owned by a manager or an admin is theirs until assigned)."""
    viewer = request.user
    people = User.objects.select_related("team")
    if viewer.is_manager:
        people = people.filter(role=Role.REP, team_id__in=Team.managed_team_ids(viewer))
    elif not viewer.is_admin:
        people = people.filter(pk=viewer.pk)
    return get_object_or_404(people, pk=rep_id)


@manager_required
@require_GET
def team(request):
    """Coverage per rep of the picked team over the picked range, for one scope of accounts."""
    teams, picked = teams_for(request)
    org = OrgSettings.load()
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    date_range = form.date_range(today=today, fiscal_start=org.fiscal_year_start_month)
    scope = request.GET.get("scope", "all")
    if scope not in selectors.SCOPES:
        raise Http404
    team_ids = with_teams_below(picked, teams) if picked else {t.pk for t in teams}
    reps = list(
        User.objects.reps().filter(team_id__in=team_ids).select_related("team").order_by("first_name", "last_name")
    )
    figures = selectors.coverage(rep_ids=[r.pk for r in reps], start=date_range.start, end=date_range.end, scope=scope)
    rows = [(rep, figures[rep.pk]) for rep in reps]
    total = selectors.Coverage(assigned=sum(c.assigned for _, c in rows), touched=sum(c.touched for _, c in rows))
    context = {
        "teams": teams,
        "team": picked,
        "form": form,
        "range": date_range,
        "scope": scope,
        "scopes": selectors.SCOPES,
        "scope_label": selectors.SCOPES[scope],
        "rows": rows,
        "total": total,
    }
    return render(request, "portfolio/team.html", context)


def _accounts_page(request, rep: User, *, form: AssignForm | None = None, status: int = 200):
    today = timezone.localdate()
    paginator = Paginator(selectors.accounts_ordered(rep=rep, today=today), ACCOUNTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    month = Period.containing(today, "month")
    may_assign = request.user.is_admin or request.user.is_manager
    if may_assign and form is None:
        form = AssignForm(by=request.user, companies=selectors.assigned_to([rep.pk]))
    context = {
        "rep": rep,
        "page": page,
        "accounts": selectors.accounts_listed(list(page.object_list), today=today),
        "month": month,
        "coverage_all": selectors.coverage(rep_ids=[rep.pk], start=month.start, end=month.end)[rep.pk],
        "coverage_customers": selectors.coverage(rep_ids=[rep.pk], start=month.start, end=month.end, scope="customers")[
            rep.pk
        ],
        "neglected_after": selectors.NEGLECTED_AFTER_DAYS,
        "form": form,
    }
    return render(request, "portfolio/accounts.html", context, status=status)


@login_required
@require_GET
def accounts(request, rep_id: int):
    return _accounts_page(request, _rep_for(request, rep_id))


@login_required
@require_POST
def assign(request, rep_id: int):
    if not (request.user.is_admin or request.user.is_manager):
        raise PermissionDenied
    rep = _rep_for(request, rep_id)
    form = AssignForm(request.POST, by=request.user, companies=selectors.assigned_to([rep.pk]))
    if not form.is_valid():
        return _accounts_page(request, rep, form=form, status=422)
    to = form.cleaned_data["rep"]
    changed = services.accounts_assign(companies=list(form.cleaned_data["companies"]), rep=to, by=request.user)
    messages.success(
        request,
        ngettext("%(n)d account assigned to %(rep)s.", "%(n)d accounts assigned to %(rep)s.", changed)
        % {"n": changed, "rep": to},
    )
    return redirect(reverse("portfolio:accounts", args=[rep.pk]))
