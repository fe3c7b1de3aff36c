"""Activity goals and the top-down planner.

Goals: everyone sees their own and their team's, managers also their teams'
members', admins all. A goal outside what the user may see answers 404 (which
does not tell that it exists); one they may see but not change answers 403.
The planner is for managers and admins; only admins apply a plan as quotas.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Team
from accounts.permissions import admin_required, manager_required
from dashboards.selectors.rep import metric_goal_period, metric_progress, recorded_rewards
from salestracker.csvio import csv_response, decimal_text
from salestracker.forms import add_service_errors

from . import history, services
from .forms_plan import GoalForm, MetricGoalForm, PlannerForm, RewardFilterForm
from .models import ActivityGoal, MetricGoal, OrgSettings
from .planner import Plan, plan_build

# --- access -------------------------------------------------------------------------


def _goals_editable_by(user) -> Q:
    if user.is_admin:
        return Q()
    if user.is_manager:
        managed = Team.managed_team_ids(user)
        return Q(team_id__in=managed) | Q(rep__team_id__in=managed)
    return Q(pk__in=[])


def _goals_visible_to(user) -> Q:
    if user.is_admin:
        return Q()
    if user.is_manager:
        return _goals_editable_by(user) | Q(rep=user)
    return (Q(rep=user) | Q(team_id=user.team_id)) if user.team_id else Q(rep=user)


def _goal_for(request, goal_id: int, *, to_change: bool = False, model=ActivityGoal):
    """The goal (an activity or a metric goal) if the user may see it (404 otherwise); with
    ``to_change``, 403 unless they may also change it."""
    goal = get_object_or_404(
        model.objects.filter(_goals_visible_to(request.user)).select_related("rep", "team"), pk=goal_id
    )
    if to_change and not model.objects.filter(_goals_editable_by(request.user), pk=goal.pk).exists():
        raise PermissionDenied
    return goal


# --- activity goals -------------------------------------------------------------------


@login_required
@require_GET
def goal_list(request):
    user = request.user
    goals = (
        ActivityGoal.objects.filter(_goals_visible_to(user)).select_related("rep", "team").order_by("priority", "pk")
    )
    editable = set(ActivityGoal.objects.filter(_goals_editable_by(user)).values_list("pk", flat=True))
    today = timezone.localdate()
    rows = history.goal_rows(goals=goals, today=today)
    metric_goals = list(
        MetricGoal.objects.filter(_goals_visible_to(user)).select_related("rep", "team").order_by("priority", "pk")
    )
    metric_rows, metric_editable = [], set()
    if metric_goals:
        fiscal_start = OrgSettings.load().fiscal_year_start_month
        pairs = [(goal, metric_goal_period(goal, today, fiscal_start)) for goal in metric_goals]
        progress = metric_progress(pairs=pairs, today=today)
        metric_rows = [progress[(goal.pk, period)] for goal, period in pairs]
        metric_editable = set(MetricGoal.objects.filter(_goals_editable_by(user)).values_list("pk", flat=True))
    return render(
        request,
        "quotas/plan/goal_list.html",
        {
            "rows": rows,
            "editable": editable,
            "metric_rows": metric_rows,
            "metric_editable": metric_editable,
            "may_create": user.is_admin or user.is_manager,
        },
    )


def _goal_form_page(request, form: GoalForm, goal: ActivityGoal | None):
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.goal_save(goal=form.save(commit=False))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved the goal: %(goal)s.") % {"goal": saved})
            return redirect("quotas:goal_list")
    title = _("Edit activity goal") if goal else _("New activity goal")
    return render(
        request,
        "quotas/plan/goal_form.html",
        {"form": form, "title": title, "delete_url": goal and reverse("quotas:goal_delete", args=[goal.pk])},
        status=422 if form.is_bound else 200,
    )


@manager_required
@require_http_methods(["GET", "POST"])
def goal_create(request):
    return _goal_form_page(request, GoalForm(request.POST or None, user=request.user), None)


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request, goal_id):
    goal = _goal_for(request, goal_id, to_change=True)
    return _goal_form_page(request, GoalForm(request.POST or None, user=request.user, instance=goal), goal)


@login_required
@require_http_methods(["GET", "POST"])
def goal_delete(request, goal_id):
    """GET asks to confirm; only POST deletes."""
    goal = _goal_for(request, goal_id, to_change=True)
    if request.method == "POST":
        # A goal has no audit trail and no rule on deleting it (quotas do, in services.quota_delete).
        services.goal_delete(goal=goal, by=request.user)
        messages.success(request, _("Deleted the goal: %(goal)s.") % {"goal": goal})
        return redirect("quotas:goal_list")
    return render(request, "quotas/plan/goal_confirm_delete.html", {"goal": goal})


# --- goals on any metric, and their rewards ------------------------------------------------


def _metric_goal_form_page(request, form: MetricGoalForm, goal: MetricGoal | None):
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.metric_goal_save(goal=form.save(commit=False))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved the goal: %(goal)s.") % {"goal": saved})
            return redirect("quotas:goal_list")
    title = _("Edit metric goal") if goal else _("New metric goal")
    return render(
        request,
        "quotas/plan/goal_form.html",
        {"form": form, "title": title, "delete_url": goal and reverse("quotas:metric_goal_delete", args=[goal.pk])},
        status=422 if form.is_bound else 200,
    )


@manager_required
@require_http_methods(["GET", "POST"])
def metric_goal_create(request):
    return _metric_goal_form_page(request, MetricGoalForm(request.POST or None, user=request.user), None)


@login_required
@require_http_methods(["GET", "POST"])
def metric_goal_edit(request, goal_id):
    goal = _goal_for(request, goal_id, to_change=True, model=MetricGoal)
    form = MetricGoalForm(request.POST or None, user=request.user, instance=goal)
    return _metric_goal_form_page(request, form, goal)


@login_required
@require_http_methods(["GET", "POST"])
def metric_goal_delete(request, goal_id):
    """GET asks to confirm; only POST deletes."""
    goal = _goal_for(request, goal_id, to_change=True, model=MetricGoal)
    if request.method == "POST":
        services.metric_goal_delete(goal=goal, by=request.user)
        messages.success(request, _("Deleted the goal: %(goal)s.") % {"goal": goal})
        return redirect("quotas:goal_list")
    return render(request, "quotas/plan/goal_confirm_delete.html", {"goal": goal, "metric": True})


def _earned_rewards(request) -> tuple[RewardFilterForm, list]:
    """The rewards recorded for the periods that ended in the chosen range, for the team and rep
    chosen; the form's own errors (shown next to its fields) leave the list empty."""
    filters = RewardFilterForm(request.GET, today=timezone.localdate())
    if not filters.is_valid():
        return filters, []
    chosen = filters.selection()
    rewards = recorded_rewards(
        first_day=chosen["first_day"], last_day=chosen["last_day"], team=chosen["team"], rep=chosen["rep"]
    )
    return filters, rewards


@admin_required
@require_GET
def rewards(request):
    """Rewards recorded on metric goals for closed periods: period, rep, goal and amount."""
    filters, earned = _earned_rewards(request)
    return render(request, "quotas/plan/rewards.html", {"filters": filters, "rewards": earned})


@admin_required
@require_GET
def rewards_export(request):
    """The same list as ``rewards``, as CSV."""
    filters, earned = _earned_rewards(request)
    if filters.errors:
        return HttpResponseBadRequest(" ".join(str(e) for errors in filters.errors.values() for e in errors))
    return csv_response(
        filename="rewards.csv",
        header=[
            _("Period"),
            _("Period start"),
            _("Period end"),
            _("Rep"),
            _("Team"),
            _("Goal"),
            _("Reward"),
            _("Amount"),
            _("Currency"),
        ],
        rows=(
            [
                str(reward.period),
                reward.period.start,
                reward.period.end,
                str(reward.rep),
                str(reward.team or ""),
                reward.goal_description,
                reward.reward_description,
                "" if reward.amount is None else decimal_text(reward.amount),
                reward.currency,
            ]
            for reward in earned
        ),
    )


# --- the planner --------------------------------------------------------------------------


def _planner_form(request, data):
    org = OrgSettings.load()
    return org, PlannerForm(data, user=request.user, fiscal_start=org.fiscal_year_start_month)


def _plan_for(form: PlannerForm, org: OrgSettings) -> Plan:
    data = form.cleaned_data
    return plan_build(
        period=data["period"],
        team=data["team"],
        today=timezone.localdate(),
        org=org,
        target=data["target"],
        growth=data["growth"],
    )


@manager_required
@require_GET
def planner(request):
    """Without inputs, the form with this quarter filled in; with them, the plan below it."""
    org, form = _planner_form(request, request.GET if "period_kind" in request.GET else None)
    plan = _plan_for(form, org) if form.is_bound and form.is_valid() else None
    context = {"form": form, "plan": plan}
    if request.htmx and not request.htmx.boosted:
        return render(request, "quotas/plan/planner.html#planner-body", context)
    return render(request, "quotas/plan/planner.html", context)


@admin_required
@require_POST
def planner_apply(request):
    """Turn the plan into quotas in one step: each rep's even share, and the team's quota for a team plan."""
    org, form = _planner_form(request, request.POST)
    if not form.is_valid():
        messages.error(request, _("The plan could not be applied: check its inputs."))
        return redirect("quotas:planner")
    plan = _plan_for(form, org)
    try:
        count = services.plan_apply(plan=plan, by=request.user)
    except ValidationError as error:  # a period starting before the window (its chosen day is in it)
        messages.error(request, " ".join(error.messages))
        return redirect("quotas:planner")
    messages.success(request, ngettext("%(count)d quota set.", "%(count)d quotas set.", count) % {"count": count})
    query = {name: form.data.get(name, "") for name in form.fields}
    return redirect(f"{reverse('quotas:planner')}?{urlencode(query)}")
