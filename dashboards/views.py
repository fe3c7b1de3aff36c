from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts import selectors
from accounts.permissions import manager_required


@login_required
def home(request):
    """Each role lands on its own home page: reps on their week, managers and admins on the team page."""
    if request.user.is_rep:
        return redirect("dashboards:my_week")
    return redirect("dashboards:team")


@manager_required
def team(request):
    teams = selectors.team_list(viewer=request.user)
    members = selectors.team_members(viewer=request.user)
    by_team: dict[int, list] = {}
    for member in members:
        by_team.setdefault(member.team_id, []).append(member)
    rows = [(t, by_team.get(t.pk, [])) for t in teams]
    return render(request, "dashboards/team.html", {"rows": rows})
